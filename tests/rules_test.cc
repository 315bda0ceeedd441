#include <gtest/gtest.h>

#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rule_check.h"
#include "boilerstrip/rules.h"
#include "test_util.h"

namespace boilerstrip {
namespace {

std::vector<std::string> Errors(const std::string& text, std::vector<Rule>* rules_out = nullptr) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  ParseRuleText(text, "t.rules", &rules, &errors);
  if (rules_out) *rules_out = rules;
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.ToString());
  return out;
}

TEST(Rules, ParsesNameActionFlagsPatternAndExamples) {
  std::vector<Rule> rules;
  auto errors = Errors(
      "# comment\n"
      "\n"
      "source-link  truncate  il  source\\s+link\n"
      "  match: Source link\n"
      "  nomatch: the source link was broken\n"
      "cookie drop - we use cookies  \n",
      &rules);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].name, "source-link");
  EXPECT_EQ(rules[0].action, Action::kTruncate);
  EXPECT_TRUE(rules[0].caseless);
  EXPECT_TRUE(rules[0].whole_line);
  EXPECT_FALSE(rules[0].utf8);
  EXPECT_EQ(rules[0].pattern, "source\\s+link");
  EXPECT_EQ(rules[0].line_number, 3);
  ASSERT_EQ(rules[0].examples.size(), 2u);
  EXPECT_TRUE(rules[0].examples[0].must_match);
  EXPECT_EQ(rules[0].examples[1].line, "the source link was broken");
  EXPECT_FALSE(rules[0].examples[1].must_match);
  EXPECT_EQ(rules[1].pattern, "we use cookies");  // trailing spaces trimmed
  EXPECT_FALSE(rules[1].caseless);
}

TEST(Rules, ReportsEverySyntaxErrorWithFileLineAndRule) {
  auto errors = Errors(
      "good drop i ok\n"
      "bad-action erase i x\n"
      "no-flags drop\n"
      "bad-flags drop iz x\n"
      "twice-flag drop ii x\n"
      "no-pattern keep i\n"
      "bad/name drop i x\n"
      "  sometimes: x\n");
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "t.rules:2: rule bad-action: unknown action 'erase' (expected drop, "
                        "truncate, drop-doc or keep)",
                        "t.rules:3: rule no-flags: missing flags ('-' or letters from i, l, u)",
                        "t.rules:4: rule bad-flags: bad flags 'iz' (use '-' or each of i, l, u at "
                        "most once)",
                        "t.rules:5: rule twice-flag: bad flags 'ii' (use '-' or each of i, l, u "
                        "at most once)",
                        "t.rules:6: rule no-pattern: missing pattern",
                        "t.rules:7: rule bad/name: bad rule name (letters, digits, '-', '_', '.'; "
                        "at most 128)",
                        "t.rules:8: rule good: indented line must be 'match: LINE' or 'nomatch: "
                        "LINE'",
                    }));
}

TEST(Rules, ExampleBeforeAnyRuleIsAnError) {
  EXPECT_EQ(Errors("  match: x\n"),
            (std::vector<std::string>{"t.rules:1: example line before any rule"}));
}

TEST(Rules, LoadReportsDuplicateNamesAcrossFiles) {
  testing::TempDir dir;
  testing::WriteFile(dir / "a.rules", "x drop - one\n");
  testing::WriteFile(dir / "b.rules", "\nx drop - two\n");
  testing::WriteFile(dir / "ignored.txt", "not rules at all\n");
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  LoadRules({dir.path()}, &rules, &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(),
            dir / "b.rules" + ":2: rule x: duplicate rule name (first defined at " +
                dir / "a.rules" + ":1)");
  EXPECT_EQ(rules.size(), 2u);
}

TEST(Rules, LoadReportsMissingPathsAndEmptyDirectories) {
  testing::TempDir dir;
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  LoadRules({dir / "nope.rules", dir.path()}, &rules, &errors);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].message, "cannot read rule file");
  EXPECT_EQ(errors[1].message, "no *.rules files in directory");
}

TEST(PatternSet, ReportsEveryPatternHyperscanRejects) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  ParseRuleText("ok drop i fine\nunbalanced drop - (abc\nempty drop - x*\nback drop - (a)\\1\n",
                "p.rules", &rules, &errors);
  ASSERT_TRUE(errors.empty());
  auto set = PatternSet::Compile(rules, &errors);
  EXPECT_FALSE(set.ok());
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].file, "p.rules");
  EXPECT_EQ(errors[0].line_number, 2);
  EXPECT_EQ(errors[0].rule, "unbalanced");
  EXPECT_EQ(errors[1].rule, "empty");
  EXPECT_NE(errors[1].message.find("empty"), std::string::npos) << errors[1].message;
  EXPECT_EQ(errors[2].rule, "back");
}

TEST(PatternSet, ScanReportsEveryMatchOfEveryRule) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  ParseRuleText("a drop i foo\nb drop l bar\n", "p.rules", &rules, &errors);
  auto set = PatternSet::Compile(rules, &errors);
  ASSERT_TRUE(set.ok());
  auto scratch = set.value()->MakeScratch();
  std::vector<Hit> hits;
  ASSERT_TRUE(set.value()->Scan("FOO foo\n bar \r\nbarx\nbar", scratch, &hits).ok());
  // foo twice (caseless), bar as a whole line twice (with surrounding spaces / CR), not "barx".
  int a = 0, b = 0;
  for (const Hit& h : hits) (h.rule == 0 ? a : b)++;
  EXPECT_EQ(a, 2);
  EXPECT_GE(b, 2);
  for (const Hit& h : hits) {
    if (h.rule == 1) EXPECT_TRUE(h.end <= 14 || h.end == 23) << h.end;
  }
}

TEST(PatternSet, EmptyRuleSetNeverMatches) {
  std::vector<RuleError> errors;
  auto set = PatternSet::Compile({}, &errors);
  ASSERT_TRUE(set.ok());
  auto scratch = set.value()->MakeScratch();
  std::vector<Hit> hits{{1, 1}};
  EXPECT_TRUE(set.value()->Scan("anything", scratch, &hits).ok());
  EXPECT_TRUE(hits.empty());
}

TEST(RuleCheck, ReportsExamplesThatDisagreeWithTheirRule) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  ParseRuleText("r drop il hello\n  match: Hello\n  match: Hello world\n  nomatch: hello\n",
                "e.rules", &rules, &errors);
  auto set = PatternSet::Compile(rules, &errors);
  ASSERT_TRUE(set.ok());
  CheckExamples(*set.value(), &errors);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].ToString(), "e.rules:3: rule r: does not match its example 'Hello world'");
  EXPECT_EQ(errors[1].ToString(), "e.rules:4: rule r: matches its example 'hello'");
}

TEST(RuleCheck, BundledDefaultRulesPassTheirOwnExamples) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  LoadRules({testing::SourceDir() + "/patterns/default"}, &rules, &errors);
  ASSERT_TRUE(errors.empty()) << errors[0].ToString();
  ASSERT_GT(rules.size(), 5u);
  auto set = PatternSet::Compile(rules, &errors);
  ASSERT_TRUE(set.ok()) << (errors.empty() ? "" : errors[0].ToString());
  CheckExamples(*set.value(), &errors);
  for (const auto& e : errors) ADD_FAILURE() << e.ToString();
  for (const Rule& r : rules) {
    bool has_match = false, has_nomatch = false;
    for (const auto& ex : r.examples) (ex.must_match ? has_match : has_nomatch) = true;
    EXPECT_TRUE(has_match && has_nomatch) << r.name << " needs match: and nomatch: examples";
  }
}

}  // namespace
}  // namespace boilerstrip
