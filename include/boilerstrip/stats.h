// Stats: plain counters, carried by each batch and summed once in the serial stage.
//
// Every counter except the timings (`seconds`, `cpu_seconds`, `serial_cpu_seconds`) is a pure
// function of the input and the options, so two runs over the same input give the same counters
// at any thread count.
#ifndef BOILERSTRIP_STATS_H_
#define BOILERSTRIP_STATS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace boilerstrip {

// Why a record could not be cleaned. Stable names, used in the stats and the quarantine file.
enum class BadRecord : uint8_t {
  kInvalidJson,        // not a JSON object, or malformed, or nested too deep
  kInvalidUtf8,        // bytes that are not UTF-8
  kInvalidString,      // the text holds a bad escape (e.g. a lone surrogate \ud800)
  kMissingText,        // the text field is absent
  kNonStringText,      // the text field is null, a number, an object, ...
  kDuplicateText,      // the text field occurs twice in the object
  kTooLong,            // longer than the configured maximum record size
  kCount
};
std::string_view BadRecordName(BadRecord reason);

// Reasons a line is removed besides a rule: they follow the rules in Stats::lines_removed.
enum class ExtraReason : uint8_t { kDuplicate, kSiteRepeated, kClassifier, kCount };
std::string_view ExtraReasonName(ExtraReason reason);

struct Stats {
  uint64_t records_in = 0;       // records read (blank input lines are not records)
  uint64_t records_out = 0;      // records written to the output (cleaned, unchanged or passed)
  uint64_t records_changed = 0;  // written with a new text
  uint64_t quarantined = 0;      // written to the quarantine file
  uint64_t passed_bad = 0;       // bad records passed through unchanged (--on-bad-record pass)
  uint64_t dropped_doc = 0;      // removed by a drop-doc rule
  uint64_t blank_input_lines = 0;  // whitespace-only input lines, skipped
  uint64_t lines_in = 0;         // non-blank text lines seen in cleaned records
  uint64_t lines_removed = 0;    // non-blank text lines removed, all reasons
  uint64_t bytes_in = 0;         // uncompressed input bytes
  uint64_t bytes_out = 0;        // uncompressed output bytes
  // With a site profile: good records whose URL field names a site, and those of them whose
  // site the profile holds (zero either way without a profile).
  uint64_t records_with_site = 0;
  uint64_t records_site_in_profile = 0;
  double seconds = 0;            // wall time; varies run to run, like the two below
  // CPU time of every pipeline stage (per-thread clocks around each stage's work), and the part
  // of it spent in stages that take one batch at a time: for a shard, its read, cut and
  // in-order write; for a run, the longest such chain (shards run side by side, so the
  // longest shard's; on standard output, all shards' in turn). cpu_seconds /
  // serial_cpu_seconds is the most cores the work can use (README, "Cores one process can
  // use"). operator+= sums both.
  double cpu_seconds = 0;
  double serial_cpu_seconds = 0;

  // Lines removed per reason: index r < rule count is rule r; then the ExtraReasons in order.
  std::vector<uint64_t> removed_by;
  // Documents dropped per drop-doc rule, indexed like rules.
  std::vector<uint64_t> docs_dropped_by;
  std::array<uint64_t, static_cast<size_t>(BadRecord::kCount)> bad_by{};

  // Sizes the per-reason vectors for `rule_count` rules.
  void Resize(size_t rule_count);
  Stats& operator+=(const Stats& other);
  void CountRemoved(size_t reason) { ++removed_by[reason]; ++lines_removed; }
};

// Renders stats as a JSON object (rule names label the per-rule counters; zero counters are
// omitted from the per-reason maps). `indent` spaces prefix each line after the first.
std::string StatsToJson(const Stats& stats, const std::vector<std::string>& rule_names,
                        int indent);

}  // namespace boilerstrip

#endif  // BOILERSTRIP_STATS_H_
