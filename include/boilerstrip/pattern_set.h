// PatternSet: every rule compiled into Hyperscan databases, scanned once per text.
//
// Rules see each line with its whitespace collapsed: leading and trailing whitespace gone, and
// every run of ASCII whitespace and NBSP inside it one space. A pattern's `\s` is compiled to
// match that one space (or, with the u flag, any other Unicode space as well), so `\s+` becomes a
// literal space and the words around it one long literal, which Hyperscan finds far faster than
// short words joined by a class repeat.
//
// What a rule matches on a line is defined line by line: rule R matches line L when R's
// Expression() matches somewhere in '\n' + collapsed(L) + '\n'. Nothing else (the lines around
// L, what a scratch saw before) changes it. Scan gets there fast by scanning a whole text at
// once: Compile proves of each rule that no match of it can reach past a line's framing line
// breaks; the few rules it cannot prove so are scanned line by line instead, which is slower
// (see ScannedPerLine()).
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

struct PatternSetOptions {
  enum class LineCache : uint8_t {
    kAuto,  // BOILERSTRIP_LINE_CACHE=on|off when set, else Compile times a scan and decides
    kOn,
    kOff,
  };
  // Whether scans remember short lines (see PatternSet::Scratch). Changes the speed of a scan,
  // never its result. Default: kAuto.
  LineCache line_cache = LineCache::kAuto;
};

class PatternSet {
 public:
  // Per-thread scan state: Hyperscan scratch, buffers, and the short lines scanned before with
  // their rules (up to 640 KB, made on the first scan when the set remembers lines). Made by
  // PatternSet::MakeScratch(); not shareable between threads. A scratch is opaque, movable,
  // and usable only with the set that made it.
  class Scratch {
   public:
    // An empty scratch: Scan fails with it until a scratch from MakeScratch() is moved in.
    Scratch() = default;
    Scratch(Scratch&&) noexcept = default;
    Scratch& operator=(Scratch&&) noexcept = default;
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    ~Scratch() = default;

   private:
    friend class PatternSet;
    class Impl;
    struct ImplDeleter {
      void operator()(Impl* impl) const;
    };
    explicit Scratch(Impl* impl) : impl_(impl) {}
    std::unique_ptr<Impl, ImplDeleter> impl_;
  };

  // Compiles `rules`. On failure every bad rule is reported in *errors
  // ("FILE:LINE: rule NAME: <message>") and the result is a kRun error: Hyperscan's objections,
  // patterns that ask for what collapsed lines never hold (a tab, two spaces), and patterns
  // that would reach past their line (an explicit line break such as `\n` or `\x0a`, and the
  // text anchors `\A`, `\z`, `\Z`: write ^ and $). An empty rule list gives a PatternSet that
  // never matches.
  static Result<std::unique_ptr<PatternSet>> Compile(std::vector<Rule> rules,
                                                     std::vector<RuleError>* errors,
                                                     const PatternSetOptions& options = {});
  ~PatternSet();
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;

  const std::vector<Rule>& rules() const { return rules_; }
  // Whether scans remember short lines (see Scratch): PatternSetOptions::line_cache.
  bool remembers_lines() const { return remember_lines_; }
  // Whether rule `rule` (an index into rules()) is scanned line by line, one Hyperscan call per
  // line, rather than in the one scan of the whole text: Compile could not prove that its
  // matches stay within a line (say `[\W]`, `[[:space:]]`, `\H`, `(?s).` or a `$` in mid-pattern
  // can match a line break). Its result is the same either way; only the speed differs.
  // REQUIRES: rule < rules().size().
  bool ScannedPerLine(size_t rule) const { return per_line_[rule] != 0; }

  // A fresh scratch for one thread. Never fails: when Hyperscan cannot allocate the scratch,
  // Scan with it reports so.
  Scratch MakeScratch() const;

  // Writes to *hits (cleared first) each (rule, line) pair of `text` where the rule matches the
  // line (see above), once, sorted by line and then rule; `lines` is SplitLines(text).
  // Thread-safe given a scratch per thread. `text` is not retained; the scratch remembers
  // recent short lines, which changes the speed of later scans but never their result.
  // Fails (with *hits empty) when the scratch is empty or Hyperscan could not allocate it
  // ("cannot allocate Hyperscan scratch", kShard), when the text is 4 GiB or longer, or when
  // Hyperscan fails (kRecord).
  // REQUIRES: `scratch` was made by this set's MakeScratch() (or is empty).
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
  using ScratchImpl = Scratch::Impl;
  // Scan's use of the scratch's remembered lines: Recall adds the hits of the short lines it
  // remembers, marks them in the scratch's `skip` and returns how many; the other short lines
  // go to its `misses`, which Remember stores once scanned (`hits` sorted by line).
  size_t Recall(std::string_view text, const std::vector<Line>& lines, ScratchImpl& scratch,
                std::vector<Hit>* hits) const;
  void Remember(std::string_view text, const std::vector<Line>& lines, ScratchImpl& scratch,
                const std::vector<Hit>& hits) const;

  // Hyperscan's time per short line from which remembering short lines pays (Compile measures
  // it; see Scratch).
  static constexpr double kRememberAboveNs = 80;
  std::vector<Rule> rules_;
  std::vector<uint8_t> per_line_;       // per rule: 1 when in line_db_, else in db_
  hs_database* db_ = nullptr;           // the rules scanned over the whole text at once
  hs_database* line_db_ = nullptr;      // the rules scanned line by line (null when none)
  std::vector<uint32_t> blank_hits_;    // the rules of line_db_ that match a blank line
  hs_scratch* proto_scratch_ = nullptr;  // big enough for both databases
  bool remember_lines_ = false;
};

// Collapses the whitespace of every line of `text` (see above) into *out, lines joined by '\n'
// and the whole framed by '\n' as a scan sees it, and records where each line starts in
// *starts. Exposed for tests.
void CollapseLines(std::string_view text, const std::vector<Line>& lines, std::string* out,
                   std::vector<uint32_t>* starts);

}  // namespace boilerstrip

#endif  // BOILERSTRIP_PATTERN_SET_H_
