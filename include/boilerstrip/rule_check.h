// Checking rules against their own examples (the `match:` / `nomatch:` lines of rule files).
#ifndef BOILERSTRIP_RULE_CHECK_H_
#define BOILERSTRIP_RULE_CHECK_H_

#include <string_view>
#include <vector>

#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rules.h"
#include "boilerstrip/status.h"

namespace boilerstrip {

// Scans each example line of each rule on its own, as a one-line text. A `match:` example that
// the rule does not match, or a `nomatch:` example that it does, is reported in *errors with the
// example's file and line; so is an example that could not be scanned ("cannot check its
// example 'LINE': <why>"), which therefore never passes as a match or as no match.
void CheckExamples(const PatternSet& patterns, std::vector<RuleError>* errors);

// What `boilerstrip check` finds in rule paths (each resolved as ResolvePatternsPath does).
struct RuleCheckReport {
  std::vector<Rule> rules;  // every rule that parsed, in load order
  size_t examples = 0;      // their match:/nomatch: examples
  // Every problem, in one pass, sorted by file and line: syntax errors, the compile errors of
  // each rule that parsed, the example failures of each rule that compiled.
  std::vector<RuleError> errors;
};

// Loads, compiles and runs the examples of the rules under `paths` (already resolved), and
// reports every problem at once: a rule that fails one stage is left out of the next, and the
// others go on, so that no error waits for another to be fixed.
RuleCheckReport CheckRules(const std::vector<std::string>& paths);

// Whether rule `rule` (an index into patterns.rules()) matches somewhere in `text`, or the
// scan's failure. REQUIRES: `scratch` was made by patterns.MakeScratch() (or is empty: then the
// result is an error).
Result<bool> RuleMatches(const PatternSet& patterns, size_t rule, std::string_view text,
                         PatternSet::Scratch& scratch);

}  // namespace boilerstrip

#endif  // BOILERSTRIP_RULE_CHECK_H_
