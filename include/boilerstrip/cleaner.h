// Cleaner: one record in, one cleaned record (or a verdict) out.
//
// Per record: parse with simdjson On-Demand, find the text field, unescape it, scan the text
// once with the PatternSet, map hits to lines, apply rule actions and in-document duplicate
// removal, and splice the re-escaped text into the original record bytes. Every byte outside the
// text value is copied unchanged; a record whose text is unchanged is returned byte-identical.
//
// A Cleaner is immutable once created: its const methods may be called concurrently, each thread
// passing its own State.
#ifndef BOILERSTRIP_CLEANER_H_
#define BOILERSTRIP_CLEANER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "boilerstrip/classifier.h"
#include "boilerstrip/pattern_set.h"
#include "boilerstrip/site_profile.h"
#include "boilerstrip/stats.h"
#include "boilerstrip/status.h"
#include "boilerstrip/text.h"

namespace boilerstrip {

struct CleanerOptions {
  // Name of the top-level JSON field holding the text. Default: "text".
  std::string text_field = "text";
  // A truncate rule cuts the rest of the document only when its line starts in this final
  // fraction of the text's bytes; elsewhere it acts as drop. Must be in [0, 1]. Default: 1/3.
  double tail_fraction = 1.0 / 3.0;
  // A truncate rule also cuts outside the tail when at least this many bytes of long lines
  // (kLongLineBytes or more: article prose) stand before its line, so that a comment section
  // is cut however long the comments below it run. 0 = off. Default: 5000.
  size_t truncate_after_prose_bytes = 5000;
  static constexpr size_t kLongLineBytes = 150;
  // A cut rule cuts its line and the rest of the document wherever the line stands, but only
  // when at least this many bytes of long lines (article prose) stand before it: the guard
  // that keeps a cut marker above the article (or in a short intro) from eating the article.
  // Below that, a cut rule acts as drop. 0 = no guard. Default: 1000.
  size_t cut_after_prose_bytes = 1000;
  // Remove later lines whose normalized form equals an earlier kept line's. Default: true.
  bool dedup = true;
  // Normalized lines shorter than this many bytes are never duplicates. Default: 16.
  size_t min_dedup_bytes = 16;
  // Drop the lines the document's site repeats on many of its pages (site_profile.h), unless
  // a keep rule protects them; counted as ExtraReason::kSiteRepeated. Shared read-only.
  // Default: none.
  std::shared_ptr<const SiteProfile> site_profile;
  // The JSON field holding the document's URL, a dotted path for nested objects
  // ("metadata.url"); read only with a site profile. Default: "url".
  std::string url_field = "url";
  // The structural line classifier (classifier.h), run after rule actions and before dedup on
  // the lines no rule touched; keep rules protect lines from it. Default: on.
  ClassifierOptions classifier;
};

// What happened to one record.
enum class RecordVerdict : uint8_t {
  kWritten,  // *out holds the record to write (cleaned or unchanged)
  kDropped,  // a drop-doc rule removed the document
  kBad,      // the record is bad; `bad` says why, *out is untouched
  kFailed,   // the record is good but could not be cleaned (the rule scan failed): the shard
             // must fail; `error` says why, *out is untouched
};

struct RecordOutcome {
  RecordVerdict verdict = RecordVerdict::kWritten;
  BadRecord bad = BadRecord::kInvalidJson;  // kBad: why
  bool changed = false;                     // kWritten: with a new text
  std::string error;                        // kFailed: the message; empty otherwise
};

// One stretch of a text that cleaning removed: bytes [begin, end) of the text.
struct Removal {
  // `reason` for the line breaks and blank lines that go with removed lines (kept paragraph
  // breaks are shortened to one blank line, and the text loses its trailing break when its
  // last lines go); every other reason indexes Stats::removed_by: a rule, then ExtraReasons.
  static constexpr int32_t kLayout = -1;
  uint32_t begin;
  uint32_t end;
  int32_t reason;
  bool operator==(const Removal&) const = default;
};

class Cleaner {
 public:
  // Per-thread working memory: Hyperscan scratch, simdjson parser, reusable buffers.
  // Made by Cleaner::MakeState(); use from one thread at a time.
  class State;
  struct StateDeleter {
    void operator()(State* state) const;
  };
  using StatePtr = std::unique_ptr<State, StateDeleter>;

  // Validates options. `patterns` is shared read-only and must outlive nothing in particular:
  // the Cleaner holds a reference count.
  static Result<std::unique_ptr<Cleaner>> Create(CleanerOptions options,
                                                 std::shared_ptr<const PatternSet> patterns);
  ~Cleaner();

  StatePtr MakeState() const;

  // Cleans one text. Returns false when nothing changes (the text is to be kept as it is);
  // returns true with the new text in *out, or with *drop_doc_rule set to the rule's index
  // when a drop-doc rule removes the document (then *out is unspecified). Counts lines and
  // removals into *stats (sized for the rule count). `site` is the document's site for the
  // site profile; empty = none (the profile is not consulted).
  // Fails (kShard: the text's shard cannot be cleaned) when the rule scan fails, say when
  // Hyperscan could not allocate the state's scratch; then *stats is untouched and *out and
  // *drop_doc_rule are unspecified.
  Result<bool> CleanText(std::string_view text, State& state, Stats* stats, std::string* out,
                         int* drop_doc_rule, std::string_view site = {}) const;

  // What the last CleanText call on `state` removed from `text` (the same text), when it
  // returned true without a drop-doc rule: appends to *out, in order and disjoint, stretches
  // that cover exactly the bytes missing from the new text, so that deleting them from `text`
  // gives the new text byte for byte. A line removed for a reason is one stretch, the whole
  // line with its line break; the blank lines and breaks that go with it are kLayout stretches.
  // A drop-doc removes the whole text: [0, text.size()) for its rule, with no call needed.
  // Costs a pass over the lines; CleanText itself does not pay for it.
  void AppendRemovals(std::string_view text, const State& state, std::vector<Removal>* out) const;

  // The name of a Removal's or Stats::removed_by's reason: the rule's name, an ExtraReason's
  // name ("duplicate", "site-repeated", "classifier"), or "layout" for Removal::kLayout.
  std::string_view ReasonName(int32_t reason) const;

  // Cleans one JSONL record (without its '\n'): record/record_fields.h decides whether it is
  // good and where its text is. Appends the record to write to *out when the verdict is
  // kWritten. Counts into *stats everything but records_in/records_out and the quarantine
  // counters, which the caller owns. A kFailed verdict (CleanText failed) fails the shard.
  // REQUIRES: SIMDJSON_PADDING readable bytes follow record.data() + record.size() (their
  // values do not matter).
  RecordOutcome CleanRecord(std::string_view record, State& state, Stats* stats,
                            std::string* out) const;

  // For tests of the failure path only: empties the state's Hyperscan scratch, so that every
  // later scan with `state` fails as when Hyperscan cannot allocate one (pattern_set.h), until
  // a state from MakeState() is used instead.
  static void EmptyScratchForTesting(State& state);

  // The classifier's working memory after the last CleanText on `state`: its line model
  // feature rows (classifier.h, keep_line_features), for tools/line_features.
  static const Classifier::Scratch& ClassifierScratch(const State& state);

  const PatternSet& patterns() const { return *patterns_; }
  const CleanerOptions& options() const { return options_; }

 private:
  Cleaner(CleanerOptions options, std::shared_ptr<const PatternSet> patterns);
  CleanerOptions options_;
  std::shared_ptr<const PatternSet> patterns_;
  std::unique_ptr<const Classifier> classifier_;  // null when options_.classifier is off
};

// Appends `text` to *out as the inside of a JSON string: '"' and '\\' escaped, control bytes as
// \n \t \r \b \f or \u00XX, everything else (UTF-8 included) as it is.
void AppendJsonEscaped(std::string_view text, std::string* out);

}  // namespace boilerstrip

#endif  // BOILERSTRIP_CLEANER_H_
