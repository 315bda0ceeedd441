#include "boilerstrip/rule_check.h"

#include <algorithm>
#include <set>
#include <tuple>

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

RuleCheckReport CheckRules(const std::vector<std::string>& paths) {
  RuleCheckReport report;
  LoadRules(paths, &report.rules, &report.errors);
  for (const Rule& r : report.rules) report.examples += r.examples.size();
  // Compile what parsed; a rule that does not compile is left out and the rest compiled again,
  // so that the examples of every good rule still run. Duplicate names do not stop compiling.
  std::vector<Rule> good = report.rules;
  for (int attempt = 0; attempt < 2 && !good.empty(); ++attempt) {
    std::vector<RuleError> compile_errors;
    auto set = PatternSet::Compile(good, &compile_errors);
    if (set.ok() && compile_errors.empty()) {
      CheckExamples(*set.value(), &report.errors);
      break;
    }
    std::set<std::tuple<std::string, int, std::string>> failed;
    bool whole_set = false;  // an error of no one rule: nothing more can be compiled
    for (RuleError& e : compile_errors) {
      whole_set |= e.file.empty() && e.rule.empty();
      failed.emplace(e.file, e.line_number, e.rule);
      report.errors.push_back(std::move(e));
    }
    if (!set.ok() && compile_errors.empty()) {
      report.errors.push_back({"", 0, "", set.status().message()});
      break;
    }
    if (whole_set) break;
    std::erase_if(good, [&](const Rule& r) {
      return failed.count({r.file, r.line_number, r.name}) > 0;
    });
  }
  // In file and line order, whatever stage found them; errors of no file last.
  std::stable_sort(report.errors.begin(), report.errors.end(),
                   [](const RuleError& a, const RuleError& b) {
                     return std::make_tuple(a.file.empty(), a.file, a.line_number) <
                            std::make_tuple(b.file.empty(), b.file, b.line_number);
                   });
  return report;
}

}  // namespace boilerstrip
