#include "boilerstrip/rule_check.h"

namespace boilerstrip {

bool RuleMatches(const PatternSet& patterns, size_t rule, std::string_view text,
                 PatternSet::Scratch& scratch) {
  std::vector<Hit> hits;
  if (!patterns.Scan(text, scratch, &hits).ok()) return false;
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
      bool matched = RuleMatches(patterns, i, ex.line, scratch);
      if (matched != ex.must_match) {
        errors->push_back({rules[i].file, ex.line_number, rules[i].name,
                           std::string(ex.must_match ? "does not match" : "matches") +
                               " its example '" + ex.line + "'"});
      }
    }
  }
}

}  // namespace boilerstrip
