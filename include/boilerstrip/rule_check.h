// Checking rules against their own examples (the `match:` / `nomatch:` lines of rule files).
#ifndef BOILERSTRIP_RULE_CHECK_H_
#define BOILERSTRIP_RULE_CHECK_H_

#include <vector>

#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rules.h"

namespace boilerstrip {

// Scans each example line of each rule on its own, as a one-line text. A `match:` example that
// the rule does not match, or a `nomatch:` example that it does, is reported in *errors with the
// example's file and line.
void CheckExamples(const PatternSet& patterns, std::vector<RuleError>* errors);

// True when rule `rule` matches somewhere in `text`.
bool RuleMatches(const PatternSet& patterns, size_t rule, std::string_view text,
                 PatternSet::Scratch& scratch);

}  // namespace boilerstrip

#endif  // BOILERSTRIP_RULE_CHECK_H_
