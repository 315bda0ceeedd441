// PatternSet: every rule compiled into one Hyperscan database, scanned once per text.
//
// Build once with Compile(); the PatternSet is then immutable and its const methods may be
// called concurrently from many threads, each with its own Scratch.
#ifndef BOILERSTRIP_PATTERN_SET_H_
#define BOILERSTRIP_PATTERN_SET_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "boilerstrip/rules.h"
#include "boilerstrip/status.h"

struct hs_database;
struct hs_scratch;

namespace boilerstrip {

// One match: the rule (index into rules()) and the offset one past the match's last byte.
struct Hit {
  uint32_t rule;
  uint32_t end;
};

class PatternSet {
 public:
  // Per-thread scan state. Made by PatternSet::MakeScratch(); not shareable between threads.
  class Scratch {
   public:
    Scratch() = default;
    ~Scratch();
    Scratch(Scratch&& other) noexcept : s_(other.s_) { other.s_ = nullptr; }
    Scratch& operator=(Scratch&& other) noexcept;
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

   private:
    friend class PatternSet;
    hs_scratch* s_ = nullptr;
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

  // A fresh scratch for one thread.
  Scratch MakeScratch() const;

  // Appends every match of every rule in `text` to *hits (cleared first), in the order
  // Hyperscan reports them. Thread-safe given a scratch per thread. `text` is not retained.
  Status Scan(std::string_view text, Scratch& scratch, std::vector<Hit>* hits) const;

  // The Hyperscan expression actually compiled for a rule (after whole-line wrapping).
  static std::string Expression(const Rule& rule);

 private:
  PatternSet() = default;
  std::vector<Rule> rules_;
  hs_database* db_ = nullptr;
  hs_scratch* proto_scratch_ = nullptr;
};

}  // namespace boilerstrip

#endif  // BOILERSTRIP_PATTERN_SET_H_
