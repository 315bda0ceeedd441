// PatternSet: every rule compiled into one Hyperscan database, scanned once per text.
//
// Rules see each line with its whitespace collapsed: leading and trailing whitespace gone, and
// every run of ASCII whitespace and NBSP inside it one space. A pattern's `\s` is compiled to
// match that one space (or, with the u flag, any other Unicode space as well), so `\s+` becomes a
// literal space and the words around it one long literal, which Hyperscan finds far faster than
// short words joined by a class repeat. It also means no match crosses a line break.
//
// Build once with Compile(); the PatternSet is then immutable and its const methods may be
// called concurrently from many threads, each with its own Scratch.
#ifndef BOILERSTRIP_PATTERN_SET_H_
#define BOILERSTRIP_PATTERN_SET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boilerstrip/rules.h"
#include "boilerstrip/status.h"
#include "boilerstrip/text.h"

struct hs_database;
struct hs_scratch;

namespace boilerstrip {

// One match: the rule (index into rules()) and the line holding its last byte (index into the
// text's SplitLines).
struct Hit {
  uint32_t rule;
  uint32_t line;
};

class PatternSet {
 public:
  // Per-thread scan state. Made by PatternSet::MakeScratch(); not shareable between threads.
  class Scratch {
   public:
    Scratch() = default;
    ~Scratch();
    Scratch(Scratch&& other) noexcept;
    Scratch& operator=(Scratch&& other) noexcept;
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

   private:
    friend class PatternSet;
    // A short line scanned before, with the rules that matched it. Short lines repeat (menus,
    // buttons, bylines, "Reply"), and Hyperscan pays for every line start: a line seen before
    // takes its rules from here instead of being scanned again. 8192 slots of 80 bytes: 640 KB
    // per scratch, made on its first scan when the set remembers lines (remembers_lines()).
    static constexpr size_t kCachedLineBytes = 56;
    static constexpr size_t kCachedRules = 2;
    static constexpr size_t kCacheSlots = 8192;
    struct CachedLine {
      uint64_t hash;
      uint8_t length;  // 0: an empty slot
      uint8_t rules;   // how many of rule[] hold the rules that match the line
      uint32_t rule[kCachedRules];
      char bytes[kCachedLineBytes];
    };

    hs_scratch* s_ = nullptr;
    std::string collapsed_;               // the scanned buffer: the lines framed by line breaks
    std::vector<uint32_t> line_starts_;   // where each scanned line starts in collapsed_
    std::vector<uint32_t> origin_;        // which text line each scanned line is
    std::vector<uint32_t> irregular_;     // offsets of whitespace that collapsing changes
    std::vector<CachedLine> cache_;       // kCacheSlots slots, made on first use
    std::vector<uint8_t> skip_;           // per text line: its rules came from the cache
    std::vector<std::pair<uint32_t, uint64_t>> misses_;  // short lines scanned now, and hashes
    std::vector<Hit> merged_;             // remembered and scanned hits merged (no allocation
                                          // per text, as std::inplace_merge would make)
  };

  // Compiles `rules` into one database. On failure every bad rule is reported in *errors
  // ("FILE:LINE: rule NAME: <Hyperscan's message>") and the result is a kRun error.
  // An empty rule list gives a PatternSet that never matches.
  static Result<std::unique_ptr<PatternSet>> Compile(std::vector<Rule> rules,
                                                     std::vector<RuleError>* errors);
  ~PatternSet();
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;

  const std::vector<Rule>& rules() const { return rules_; }
  // Whether scans remember short lines (see Scratch): Compile decides from a timed scan.
  bool remembers_lines() const { return remember_lines_; }

  // A fresh scratch for one thread.
  Scratch MakeScratch() const;

  // Writes to *hits (cleared first) each (rule, line) pair of `text` where the rule matches the
  // line, once, sorted by line and then rule; `lines` is SplitLines(text). Thread-safe given a
  // scratch per thread. `text` is not retained; the scratch remembers recent short lines, which
  // changes the speed of later scans but never their result.
  Status Scan(std::string_view text, const std::vector<Line>& lines, Scratch& scratch,
              std::vector<Hit>* hits) const;
  // The same, splitting the lines itself.
  Status Scan(std::string_view text, Scratch& scratch, std::vector<Hit>* hits) const;

  // The Hyperscan expression actually compiled for a rule: `\s` rewritten for collapsed
  // whitespace, negated classes kept within the line, the whole-line anchors, and (without the
  // u flag) classes holding non-ASCII characters written as alternations.
  static std::string Expression(const Rule& rule);

 private:
  PatternSet() = default;
  std::vector<Rule> rules_;
  // Scan's use of the scratch's remembered lines: Recall adds the hits of the short lines it
  // remembers, marks them in scratch.skip_ and returns how many; the other short lines go to
  // scratch.misses_, which Remember stores once scanned (`hits` sorted by line).
  size_t Recall(std::string_view text, const std::vector<Line>& lines, Scratch& scratch,
                std::vector<Hit>* hits) const;
  void Remember(std::string_view text, const std::vector<Line>& lines, Scratch& scratch,
                const std::vector<Hit>& hits) const;

  // Hyperscan's time per short line from which remembering short lines pays (Compile measures
  // it; see Scratch::CachedLine).
  static constexpr double kRememberAboveNs = 80;
  hs_database* db_ = nullptr;
  hs_scratch* proto_scratch_ = nullptr;
  bool remember_lines_ = false;
};

// Collapses the whitespace of every line of `text` (see above) into *out, lines joined by '\n'
// and the whole framed by '\n' as a scan sees it, and records where each line starts in
// *starts. Exposed for tests.
void CollapseLines(std::string_view text, const std::vector<Line>& lines, std::string* out,
                   std::vector<uint32_t>* starts);

}  // namespace boilerstrip

#endif  // BOILERSTRIP_PATTERN_SET_H_
