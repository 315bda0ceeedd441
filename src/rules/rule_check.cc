#include "boilerstrip/rule_check.h"

namespace boilerstrip {

Result<bool> RuleMatches(const PatternSet& patterns, size_t rule, std::string_view text,
                         PatternSet::Scratch& scratch) {
  std::vector<Hit> hits;
  if (Status st = patterns.Scan(text, scratch, &hits); !st.ok()) return st;
  for (const Hit& h : hits) {
    if (h.rule == rule) return true;
  }
  return false;
}

void CheckExamples(const PatternSet& patterns, std::vector<RuleError>* errors) {
  PatternSet::Scratch scratch = patterns.MakeScratch();
  const auto& rules = patterns.rules();
  for (size_t i = 0; i < rules.size(); ++i) {
    for (const RuleExample& ex : rules[i].examples) {
      Result<bool> matched = RuleMatches(patterns, i, ex.line, scratch);
      if (!matched.ok()) {
        // A scan that failed knows nothing of the example: never count it as passed.
        errors->push_back({rules[i].file, ex.line_number, rules[i].name,
                           "cannot check its example '" + ex.line +
                               "': " + matched.status().message()});
      } else if (matched.value() != ex.must_match) {
        errors->push_back({rules[i].file, ex.line_number, rules[i].name,
                           std::string(ex.must_match ? "does not match" : "matches") +
                               " its example '" + ex.line + "'"});
      }
    }
  }
}

}  // namespace boilerstrip
