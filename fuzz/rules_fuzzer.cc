// Fuzzes the rule-file parser and, for small rule sets, the Hyperscan compile and the example
// check. Properties: no crash; every error names the file and a line of it; a rule that parsed
// has a valid name, an action and a pattern; a set that fails to compile reports at least one
// error; a compiled set scans the input itself without failing, and a second scan with the
// lines the scratch remembers gives the same (rule, line) pairs.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rule_check.h"
#include "boilerstrip/rules.h"
#include "fuzz_util.h"

namespace bs = boilerstrip;

namespace {

// Hyperscan compile time grows with bounded repeats ({1000}) and pattern length; such inputs
// would only make the fuzzer slow, not find parser bugs.
bool CheapToCompile(const std::vector<bs::Rule>& rules) {
  if (rules.empty() || rules.size() > 8) return false;
  for (const bs::Rule& r : rules) {
    if (r.pattern.size() > 96) return false;
    int digits = 0;
    for (char c : r.pattern) {
      digits = (c >= '0' && c <= '9') ? digits + 1 : 0;
      if (digits >= 3) return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Remember short lines whatever Compile would measure: no timed scan per input, and the
  // second scan below goes through the remembered lines.
  static const bool forced = setenv("BOILERSTRIP_LINE_CACHE", "on", 1) == 0;
  (void)forced;
  if (size > 8192) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bs::Rule> rules;
  std::vector<bs::RuleError> errors;
  bs::ParseRuleText(text, "fuzz.rules", &rules, &errors);

  int lines = 1;
  for (char c : text) lines += c == '\n';
  for (const bs::RuleError& e : errors) {
    FUZZ_CHECK(e.file == "fuzz.rules");
    FUZZ_CHECK(e.line_number >= 1 && e.line_number <= lines);
    FUZZ_CHECK(!e.message.empty());
    FUZZ_CHECK(e.ToString().rfind("fuzz.rules:", 0) == 0);
  }
  for (const bs::Rule& r : rules) {
    FUZZ_CHECK(!r.name.empty() && r.name.size() <= 128);
    FUZZ_CHECK(r.name.find_first_of(" \t\r\n") == std::string::npos);
    FUZZ_CHECK(!r.pattern.empty());
    FUZZ_CHECK(r.line_number >= 1 && r.line_number <= lines);
    for (const bs::RuleExample& ex : r.examples) FUZZ_CHECK(ex.line_number > r.line_number);
  }

  if (!errors.empty() || !CheapToCompile(rules)) return 0;
  size_t rule_count = rules.size();
  std::vector<bs::RuleError> compile_errors;
  auto set = bs::PatternSet::Compile(std::move(rules), &compile_errors);
  if (!set.ok()) {
    FUZZ_CHECK(!compile_errors.empty());
    for (const bs::RuleError& e : compile_errors) FUZZ_CHECK(!e.message.empty());
    return 0;
  }
  FUZZ_CHECK(compile_errors.empty());
  FUZZ_CHECK(set.value()->rules().size() == rule_count);
  std::vector<bs::RuleError> example_errors;
  bs::CheckExamples(*set.value(), &example_errors);
  auto scratch = set.value()->MakeScratch();
  std::vector<bs::Hit> hits;
  FUZZ_CHECK(set.value()->Scan(text, scratch, &hits).ok());
  for (const bs::Hit& h : hits) {
    FUZZ_CHECK(h.rule < rule_count);
    FUZZ_CHECK(h.line <= static_cast<size_t>(std::count(text.begin(), text.end(), '\n')));
  }
  // Again with the lines the scratch now remembers: the same pairs.
  std::vector<bs::Hit> again;
  FUZZ_CHECK(set.value()->Scan(text, scratch, &again).ok());
  FUZZ_CHECK(again.size() == hits.size());
  for (size_t i = 0; i < hits.size(); ++i) {
    FUZZ_CHECK(again[i].rule == hits[i].rule && again[i].line == hits[i].line);
  }
  return 0;
}
