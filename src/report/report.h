// The audit report: what cleaning removed from a set of shards and why, as one self-contained
// HTML page (inline CSS and SVG; no script, nothing loaded from anywhere) and as JSON.
//
// BuildReport reads the shards through the io layer (RecordReader), cleans every record with
// the given Cleaner exactly as `clean` does (Cleaner::CleanText; nothing is written), and asks
// the library for each removed stretch and its reason (Cleaner::AppendRemovals). It keeps
// bounded figures only: totals (the same Stats as `clean --stats`), per reason the removed
// lines, characters and bytes, a histogram of the share of each document removed, the
// documents that lost most, the sites that lost most, per reason the most frequent removed
// lines and a few that occur once, and a deterministic sample of documents line by line.
//
// Every figure is a function of the inputs, the options and the seed: the same at any thread
// count. The rendered HTML stays under kMaxHtmlBytes whatever the input: lists are bounded and
// every text shown is capped.
//
// Internal to the CLI and its tests.
#ifndef BOILERSTRIP_SRC_REPORT_REPORT_H_
#define BOILERSTRIP_SRC_REPORT_REPORT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/site_profile.h"
#include "boilerstrip/stats.h"
#include "boilerstrip/status.h"

namespace boilerstrip::report {

// The HTML never reaches this size (checked by the tests on hostile and large inputs).
constexpr size_t kMaxHtmlBytes = size_t{20} << 20;
// The most documents a report samples (--sample).
constexpr size_t kMaxSample = 1000;

struct ReportOptions {
  // Shard paths ("-" = standard input), read in this order. Must not be empty.
  std::vector<std::string> shards;
  // Documents to show line by line, chosen by `seed`: the `sample` documents whose hash of
  // (seed, shard, offset) is smallest. At most kMaxSample. Default: 50.
  size_t sample = 50;
  uint64_t seed = 0;
  // Stop after this many records (0 = all). Default: 0.
  uint64_t max_docs = 0;
  // Worker threads, 0 = all cores. Default: 0.
  int threads = 0;
  // Uncompressed bytes per chunk. Default: 4 MiB.
  size_t batch_bytes = size_t{4} << 20;
  // Records longer than this are bad (too-long), as in `clean`. Default: 256 MiB.
  size_t max_record_bytes = size_t{256} << 20;
  // The JSON field of the URL (dotted path); empty = no sites. Default: "url".
  std::string url_field = "url";
  // Names each record's site (registrable domain). Null = no sites. Default: null.
  std::shared_ptr<const SiteNamer> namer;
  // The command's options, shown as they are (name, value), so two reports can be compared.
  std::vector<std::pair<std::string, std::string>> settings;
};

// One document, located: shard, 1-based line of the shard, byte offset.
struct DocRef {
  uint32_t shard = 0;
  uint64_t line = 0;
  uint64_t offset = 0;
  std::string url;    // capped
  std::string title;  // the first non-blank line, capped
  uint64_t text_bytes = 0;
  uint64_t removed_bytes = 0;  // all removed stretches, layout included
  int32_t dropped_by = -1;     // the drop-doc rule, else -1
  double share() const { return text_bytes ? double(removed_bytes) / text_bytes : 0.0; }
};

// One line of a sampled document as shown.
struct ShownLine {
  enum Kind : uint8_t { kKept, kRemoved, kFold };
  Kind kind = kKept;
  int32_t reason = -1;  // kRemoved: the Removal's reason (Removal::kLayout for blank lines)
  bool blank = false;
  uint64_t folded = 0;  // kFold: how many lines are not shown here
  uint64_t bytes = 0;   // the line's full length (text may be cut)
  std::string text;     // the line without its break, capped at a code-point boundary
};

struct SampleDoc {
  DocRef ref;
  uint64_t key = 0;  // the sampling hash
  uint64_t lines = 0;
  std::vector<ShownLine> shown;
};

// A removed line and how often it was removed for one reason.
struct LineCount {
  uint64_t count = 0;
  uint64_t hash = 0;
  std::string text;  // capped
};

struct ReasonFigures {
  int32_t reason = 0;  // index into Stats::removed_by
  std::string name;
  std::string kind;        // "rule", "drop-doc", or the built-in reason's name
  uint64_t lines = 0;      // non-blank lines removed (of dropped documents, for drop-doc)
  uint64_t chars = 0;      // code points of those lines
  uint64_t bytes = 0;      // bytes of those lines, with their breaks
  uint64_t docs = 0;       // documents it removed something from (dropped, for drop-doc)
  bool approximate = false;  // distinct lines past the bound: counts are lower bounds
  std::vector<LineCount> top;         // most frequent removed lines, most first
  std::vector<LineCount> singletons;  // a few lines removed once
};

struct SiteFigures {
  std::string site;
  uint64_t docs = 0;
  uint64_t text_bytes = 0;
  uint64_t removed_bytes = 0;
  uint64_t lines_removed = 0;
};

struct ShardOutcome {
  std::string path;
  bool failed = false;
  std::string error;
};

struct RuleFileInfo {
  std::string path;
  size_t rules = 0;
  std::string hash;  // xxh3-64 (HashBytes) of the file's bytes, hex; "" when unreadable
};

struct Report {
  Stats totals;                      // as `clean --stats` counts them (quarantine mode)
  std::vector<std::string> rule_names;
  uint64_t layout_bytes = 0;         // blank lines and breaks removed with removed lines
  uint64_t text_bytes = 0;           // text of the good records
  uint64_t removed_text_bytes = 0;   // of which removed (layout included)
  uint64_t docs_with_removals = 0;
  std::vector<ReasonFigures> reasons;  // the reasons that removed something, most chars first
  // Share of each good document removed: [0] exactly none, [i] in ((i-1)*5%, i*5%].
  std::array<uint64_t, 21> histogram{};
  uint64_t over_80_count = 0;
  std::vector<DocRef> over_80;       // most removed first, bounded
  bool urls_read = false;            // a URL field was looked for
  uint64_t docs_with_site = 0;
  uint64_t sites_total = 0;
  std::vector<SiteFigures> sites;    // most removed bytes first, bounded
  std::vector<SampleDoc> samples;    // in input order
  std::vector<ShardOutcome> shards;
  std::vector<RuleFileInfo> rule_files;
  std::string rule_set_hash;
  ReportOptions options;
  bool stopped_at_max_docs = false;
  bool interrupted = false;
  bool any_failed() const;
};

// Reads and cleans every shard. A shard that cannot be read fails alone (its error in
// Report::shards, the records before the error counted); a kRun error only for bad options.
Result<Report> BuildReport(const ReportOptions& options, const Cleaner& cleaner);

// The report as one self-contained HTML page, under kMaxHtmlBytes.
std::string RenderHtml(const Report& report);

// The same figures as JSON ("totals" is StatsToJson's object, as in `clean --stats`).
std::string RenderJson(const Report& report);

// Appends `text` to *out HTML-escaped for an element's content or a quoted attribute value,
// stopping before *out grows past `max_out` bytes (then appending a note of what was cut).
// Control characters, bidirectional-override and isolate characters, line and paragraph
// separators and invalid UTF-8 are shown as visible marks ("U+202E") instead of acting.
// Exposed for tests.
void AppendHtmlEscaped(std::string_view text, size_t max_out, std::string* out);

}  // namespace boilerstrip::report

#endif  // BOILERSTRIP_SRC_REPORT_REPORT_H_
