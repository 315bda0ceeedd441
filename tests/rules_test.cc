#include <fcntl.h>
#include <gtest/gtest.h>
#include <hs/hs.h>
#include <sys/stat.h>

#include <ctime>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <memory>

#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rule_check.h"
#include "boilerstrip/rules.h"
#include "cli_harness.h"
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
                        "truncate, cut, drop-doc or keep)",
                        "t.rules:3: rule no-flags: missing flags ('-' or letters from i, l, u)",
                        "t.rules:4: rule bad-flags: bad flags 'iz' (use '-' or each of i, l, u at "
                        "most once)",
                        "t.rules:5: rule twice-flag: bad flags 'ii' (use '-' or each of i, l, u "
                        "at most once)",
                        "t.rules:6: rule no-pattern: missing pattern",
                        "t.rules:7: rule bad/name: bad rule name (letters, digits, '-', '_', '.'; "
                        "at most 128)",
                        "t.rules:8: rule bad/name: indented line must be 'match: LINE' or 'nomatch: "
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
  EXPECT_EQ(errors[0].message, "cannot read rule file: No such file or directory");
  EXPECT_EQ(errors[1].message, "no *.rules files in directory");
}

// A file named twice (two spellings, or through its directory) is read once: no duplicate-name
// errors against itself. A byte order mark before the first rule is no part of its name.
TEST(Rules, LoadReadsAFileNamedTwiceOnceAndSkipsAByteOrderMark) {
  testing::TempDir dir;
  testing::WriteFile(dir / "a.rules", "\xEF\xBB\xBF" "first drop - foo\nsecond drop - bar\n");
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  LoadRules({dir / "a.rules", dir.path() + "/./a.rules", dir.path()}, &rules, &errors);
  EXPECT_TRUE(errors.empty()) << errors[0].ToString();
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].name, "first");
  // The built-in preset named twice is read once too.
  rules.clear();
  LoadRules({DefaultPatternsPath(), DefaultPatternsPath()}, &rules, &errors);
  EXPECT_TRUE(errors.empty());
  std::vector<Rule> once;
  LoadRules({DefaultPatternsPath()}, &once, &errors);
  EXPECT_EQ(rules.size(), once.size());
  // An unknown built-in preset names the ones there are.
  LoadRules({"builtin:nope"}, &rules, &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("no such built-in preset (built in: "), std::string::npos);
}

// A path that holds no rule is an error naming it; no rules at all is asked for by `none`.
TEST(Rules, LoadReportsAPathWithNoRules) {
  testing::TempDir dir;
  testing::WriteFile(dir / "empty.rules", "");
  testing::WriteFile(dir / "comments.rules", "# only a comment\n\n");
  testing::WriteFile(dir / "sub/empty.rules", "  \n");
  testing::WriteFile(dir / "mixed/a.rules", "");
  testing::WriteFile(dir / "mixed/b.rules", "x drop - one\n");
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  LoadRules({dir / "empty.rules", dir / "comments.rules", dir / "sub", dir / "mixed"}, &rules,
            &errors);
  std::vector<std::string> got;
  for (const RuleError& e : errors) got.push_back(e.ToString());
  EXPECT_EQ(got, (std::vector<std::string>{dir / "empty.rules" + ": no rules",
                                           dir / "comments.rules" + ": no rules",
                                           dir / "sub" + ": no rules"}));
  EXPECT_EQ(rules.size(), 1u);  // an empty file beside others is no error

  // /dev/null, as `clean -p /dev/null` used to ask for no rules.
  errors.clear();
  rules.clear();
  LoadRules({"/dev/null"}, &rules, &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(), "/dev/null: no rules");
  // A file whose only rule is bad says so, not also that it has none.
  testing::WriteFile(dir / "bad.rules", "x erase - one\n");
  errors.clear();
  LoadRules({dir / "bad.rules"}, &rules, &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line_number, 1);
}

TEST(Rules, NoneLoadsNoRules) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  LoadRules({"none"}, &rules, &errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_TRUE(rules.empty());
  LoadRules({"none", testing::SourceDir() + "/patterns/default"}, &rules, &errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_GT(rules.size(), 5u);
  bool preset = true;
  EXPECT_EQ(ResolvePatternsPath("none", &preset), "none");
  EXPECT_FALSE(preset);  // no other pipeline's rules: dedup and the classifier stay as they are
  auto set = PatternSet::Compile({}, &errors);
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(set.value()->rules().empty());
}

TEST(Rules, CheckCommandRefusesAnEmptyRuleSet) {
  testing::CliResult r = testing::RunCli({"check", "/dev/null"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("/dev/null: no rules"), std::string::npos) << r.out;
  r = testing::RunCli({"check", "none"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("0 rules and 0 examples OK"), std::string::npos) << r.err;
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
  // foo (caseless, twice: one pair) on line 0, bar as a whole line (with surrounding spaces /
  // CR) on lines 1 and 3, not "barx"; sorted by line.
  std::vector<std::pair<uint32_t, uint32_t>> got;
  for (const Hit& h : hits) got.emplace_back(h.rule, h.line);
  EXPECT_EQ(got, (std::vector<std::pair<uint32_t, uint32_t>>{{0, 0}, {1, 1}, {1, 3}}));
}

// Runs `body` with BOILERSTRIP_CACHE_DIR set to `dir`, restoring the old value afterwards.
template <typename F>
void WithCacheDir(const std::string& dir, F body) {
  const char* old = std::getenv("BOILERSTRIP_CACHE_DIR");
  std::string saved = old ? old : "";
  setenv("BOILERSTRIP_CACHE_DIR", dir.c_str(), 1);
  body();
  if (old) setenv("BOILERSTRIP_CACHE_DIR", saved.c_str(), 1);
  else unsetenv("BOILERSTRIP_CACHE_DIR");
}

size_t CountHits(const PatternSet& set, std::string_view text) {
  auto scratch = set.MakeScratch();
  std::vector<Hit> hits;
  EXPECT_TRUE(set.Scan(text, scratch, &hits).ok());
  return hits.size();
}

TEST(PatternSet, CompiledDatabaseIsCachedAndDamagedCacheIsRecompiled) {
  testing::TempDir dir;
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  ParseRuleText("a drop i foo\nb drop l bar\n", "p.rules", &rules, &errors);
  WithCacheDir(dir.path(), [&] {
    auto first = PatternSet::Compile(rules, &errors);
    ASSERT_TRUE(first.ok());
    auto files = testing::ListDir(dir.path());
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].substr(0, 6), "rules-");
    auto second = PatternSet::Compile(rules, &errors);  // from the cache
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(CountHits(*second.value(), "foo\nbar\nFOO"), 3u);
    // A different rule set has its own entry.
    std::vector<Rule> other = rules;
    other[0].pattern = "baz";
    ASSERT_TRUE(PatternSet::Compile(other, &errors).ok());
    EXPECT_EQ(testing::ListDir(dir.path()).size(), 2u);
    // A damaged entry is ignored and replaced.
    testing::WriteFile(dir / files[0], "garbage");
    auto third = PatternSet::Compile(rules, &errors);
    ASSERT_TRUE(third.ok());
    EXPECT_EQ(CountHits(*third.value(), "foo\nbar\nFOO"), 3u);
    EXPECT_NE(testing::ReadFile(dir / files[0]), "garbage");
  });
  EXPECT_TRUE(errors.empty());
  // An empty cache directory setting turns the cache off.
  WithCacheDir("", [&] { ASSERT_TRUE(PatternSet::Compile(rules, &errors).ok()); });
}

// Runs `body` with the environment variable `name` set to `value` ("" unsets it), restoring
// the old value afterwards.
template <typename F>
void WithEnv(const char* name, const std::string& value, F body) {
  const char* old = std::getenv(name);
  const bool had = old != nullptr;
  const std::string saved = had ? old : "";
  if (value.empty()) unsetenv(name);
  else setenv(name, value.c_str(), 1);
  body();
  if (had) setenv(name, saved.c_str(), 1);
  else unsetenv(name);
}

// The rule set whose only rule drops lines holding "word<i>x".
std::vector<Rule> NumberedRules(int i) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  const std::string n = std::to_string(i);
  ParseRuleText("w" + n + " drop i word" + n + "x\n", "p.rules", &rules, &errors);
  EXPECT_TRUE(errors.empty());
  return rules;
}

// The cache entries of `dir` (temporaries and other files left out).
std::vector<std::string> CacheEntries(const std::string& dir) {
  std::vector<std::string> out;
  for (const std::string& f : testing::ListDir(dir)) {
    if (f.rfind("rules-", 0) == 0 && f.size() > 5 && f.substr(f.size() - 5) == ".hsdb") {
      out.push_back(f);
    }
  }
  return out;
}

// Compiles NumberedRules(i) and returns the entry that compile added (or used) in `dir`.
std::string CompileNumbered(const std::string& dir, int i) {
  std::vector<RuleError> errors;
  const std::vector<std::string> before = CacheEntries(dir);
  auto set = PatternSet::Compile(NumberedRules(i), &errors);
  EXPECT_TRUE(set.ok() && errors.empty());
  if (!set.ok()) return "";
  const std::string word = "word" + std::to_string(i) + "x";
  EXPECT_EQ(CountHits(*set.value(), "a " + word + "\nnothing\n" + word), 2u) << i;
  EXPECT_EQ(CountHits(*set.value(), "word" + std::to_string(i + 1) + "x"), 0u) << i;
  for (const std::string& f : CacheEntries(dir)) {
    if (std::find(before.begin(), before.end(), f) == before.end()) return f;
  }
  return "";  // it was there already
}

int64_t MtimeSeconds(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mtim.tv_sec;
}

void SetMtimeSeconds(const std::string& path, int64_t seconds) {
  struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

TEST(PatternSet, DatabaseCacheEvictsTheLeastRecentlyUsedPastItsEntryCap) {
  testing::TempDir dir;
  WithCacheDir(dir.path(), [&] {
    WithEnv("BOILERSTRIP_CACHE_MAX_BYTES", "", [&] {
      WithEnv("BOILERSTRIP_CACHE_MAX_ENTRIES", "4", [&] {
        // Four entries, aged an hour apart (mtimes as coarse as a filesystem keeps them must
        // not decide the order): 0 the oldest.
        std::vector<std::string> entry(8);
        const int64_t now = static_cast<int64_t>(::time(nullptr));
        for (int i = 0; i < 4; ++i) {
          entry[i] = CompileNumbered(dir.path(), i);
          ASSERT_FALSE(entry[i].empty()) << i;
          SetMtimeSeconds(dir / entry[i], now - 3600 * (10 - i));
        }
        // Using 0 marks it recently used (and adds nothing).
        EXPECT_EQ(CompileNumbered(dir.path(), 0), "");
        EXPECT_GE(MtimeSeconds(dir / entry[0]), now - 60);
        // A fifth entry goes past the cap: the least recently used, 1, goes.
        entry[4] = CompileNumbered(dir.path(), 4);
        auto sorted = [](std::vector<std::string> v) {
          std::sort(v.begin(), v.end());
          return v;
        };
        EXPECT_EQ(CacheEntries(dir.path()), sorted({entry[0], entry[2], entry[3], entry[4]}));
        entry[5] = CompileNumbered(dir.path(), 5);
        entry[6] = CompileNumbered(dir.path(), 6);
        EXPECT_EQ(CacheEntries(dir.path()), sorted({entry[0], entry[4], entry[5], entry[6]}));
        // An evicted rule set compiles afresh, with the same results (CompileNumbered checks
        // them), and takes a place again.
        EXPECT_EQ(CompileNumbered(dir.path(), 1), entry[1]);
        EXPECT_EQ(CacheEntries(dir.path()).size(), 4u);
      });
      // 0 lifts the bound.
      WithEnv("BOILERSTRIP_CACHE_MAX_ENTRIES", "0", [&] {
        for (int i = 10; i < 16; ++i) CompileNumbered(dir.path(), i);
        EXPECT_EQ(CacheEntries(dir.path()).size(), 10u);
      });
    });
  });
  // With the cache off, the same results.
  WithCacheDir("", [&] {
    for (int i = 0; i < 7; ++i) EXPECT_EQ(CompileNumbered("", i), "");
  });
}

TEST(PatternSet, DatabaseCacheStaysUnderItsByteCap) {
  testing::TempDir dir;
  WithCacheDir(dir.path(), [&] {
    WithEnv("BOILERSTRIP_CACHE_MAX_ENTRIES", "", [&] {
      const std::string first = CompileNumbered(dir.path(), 0);
      ASSERT_FALSE(first.empty());
      const size_t one = testing::ReadFile(dir / first).size();
      ASSERT_GT(one, 0u);
      // Room for two entries of that size, not three.
      const std::string cap = std::to_string(one * 5 / 2);
      WithEnv("BOILERSTRIP_CACHE_MAX_BYTES", cap, [&] {
        for (int i = 1; i < 6; ++i) {
          const std::string added = CompileNumbered(dir.path(), i);
          const auto entries = CacheEntries(dir.path());
          size_t total = 0;
          for (const std::string& f : entries) total += testing::ReadFile(dir / f).size();
          EXPECT_LE(total, one * 5 / 2) << i;
          EXPECT_NE(std::find(entries.begin(), entries.end(), added), entries.end()) << i;
          EXPECT_GE(entries.size(), 1u);
        }
      });
      // One entry larger than the whole cap still stays until the next one is written.
      WithEnv("BOILERSTRIP_CACHE_MAX_BYTES", "1", [&] {
        const std::string added = CompileNumbered(dir.path(), 20);
        EXPECT_EQ(CacheEntries(dir.path()), std::vector<std::string>{added});
      });
      WithEnv("BOILERSTRIP_CACHE_MAX_BYTES", "1K", [&] {  // suffixes are taken
        std::vector<RuleError> errors;
        EXPECT_TRUE(PatternSet::Compile(NumberedRules(0), &errors).ok());
      });
    });
  });
}

TEST(PatternSet, DatabaseCacheBoundThatIsNoNumberIsAnError) {
  testing::TempDir dir;
  WithCacheDir(dir.path(), [&] {
    for (const char* bad : {"lots", "-1", "12Q", "99999999999999999999"}) {
      WithEnv("BOILERSTRIP_CACHE_MAX_ENTRIES", bad, [&] {
        std::vector<RuleError> errors;
        EXPECT_FALSE(PatternSet::Compile(NumberedRules(0), &errors).ok()) << bad;
        ASSERT_EQ(errors.size(), 1u) << bad;
        EXPECT_EQ(errors[0].ToString(),
                  std::string("BOILERSTRIP_CACHE_MAX_ENTRIES: expected a whole number, 0 for no "
                              "bound, got '") + bad + "'");
      });
    }
    WithEnv("BOILERSTRIP_CACHE_MAX_ENTRIES", "64K", [&] {  // no suffixes for a count
      std::vector<RuleError> errors;
      EXPECT_FALSE(PatternSet::Compile(NumberedRules(0), &errors).ok());
    });
  });
}

// Several processes filling one cache directory at once, past its cap: each evicts while the
// others write and evict (entries vanish under its listing); every one compiles its rules and
// checks their examples, and the directory ends within the cap.
TEST(PatternSet, DatabaseCacheSharedByConcurrentProcessesStaysBounded) {
  testing::TempDir dir;
  for (int i = 0; i < 12; ++i) {
    const std::string n = std::to_string(i);
    testing::WriteFile(dir / ("r" + n + ".rules"),
                       "w" + n + " drop i word" + n + "x\n  match: a word" + n +
                           "x here\n  nomatch: word" + std::to_string(i + 100) + "x\n");
  }
  WithCacheDir(dir / "cache", [&] {
    WithEnv("BOILERSTRIP_CACHE_MAX_ENTRIES", "3", [&] {
      std::vector<pid_t> pids;
      for (int i = 0; i < 12; ++i) {
        const std::string n = std::to_string(i);
        pids.push_back(testing::SpawnCli({"check", dir / ("r" + n + ".rules")},
                                         dir / ("out" + n), dir / ("err" + n)));
      }
      for (size_t i = 0; i < pids.size(); ++i) {
        EXPECT_EQ(testing::WaitCli(pids[i]), 0)
            << testing::ReadFile(dir / ("err" + std::to_string(i)));
      }
    });
  });
  EXPECT_LE(CacheEntries(dir / "cache").size(), 3u);
  EXPECT_GE(CacheEntries(dir / "cache").size(), 1u);
}

// The (rule, line) pairs a scan of `text` reports, sorted and without repeats.
std::vector<std::pair<uint32_t, uint32_t>> RuleLines(const PatternSet& set, std::string_view text) {
  auto scratch = set.MakeScratch();
  std::vector<Hit> hits;
  EXPECT_TRUE(set.Scan(text, scratch, &hits).ok());
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (const Hit& h : hits) out.emplace_back(h.rule, h.line);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// A fixed-seed pseudo-random sequence for the randomized tests.
struct Lcg {
  uint64_t state;
  uint32_t operator()() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  }
};

std::unique_ptr<PatternSet> CompileText(const std::string& rule_text) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  ParseRuleText(rule_text, "p.rules", &rules, &errors);
  EXPECT_TRUE(errors.empty());
  auto set = PatternSet::Compile(rules, &errors);
  EXPECT_TRUE(set.ok() && errors.empty());
  return set.ok() ? std::move(set.value()) : nullptr;
}

using RL = std::vector<std::pair<uint32_t, uint32_t>>;

TEST(PatternSet, RulesSeeEachLineWithItsWhitespaceCollapsed) {
  auto set = CompileText(
      "share   drop  il  share\\s+this\\s*:?\n"
      "cookies drop  i   ^\\s*we\\s+use\\s+cookies\n"
      "wide    drop  ilu foo\\s+bar\n");
  ASSERT_NE(set, nullptr);
  // Tabs, runs of spaces, NBSPs, leading and trailing whitespace and CRLF: all one space, or none.
  EXPECT_EQ(RuleLines(*set, "share this"), (RL{{0, 0}}));
  EXPECT_EQ(RuleLines(*set, "  share \t\xC2\xA0 this :  \r\nx"), (RL{{0, 0}}));
  EXPECT_EQ(RuleLines(*set, "x\n\t We   use cookies to improve"), (RL{{1, 1}}));
  // With u, \s also matches the Unicode spaces that collapsing leaves as they are.
  EXPECT_EQ(RuleLines(*set, "x1\nfoo\xE3\x80\x80\xE3\x80\x80" "bar"), (RL{{2, 1}}));
  EXPECT_EQ(RuleLines(*set, "share that"), (RL{}));
}

TEST(PatternSet, NoMatchCrossesALineBreak) {
  auto set = CompileText(
      "words   drop  i   share\\s+this\n"
      "negated drop  i   home\\s*>\\s*[^.]{1,40}\\.\n"
      "nonword drop  -   end\\W+start\n"
      "whole   drop  l   a\\s*b\n");
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(RuleLines(*set, "share\nthis"), (RL{}));
  EXPECT_EQ(RuleLines(*set, "share\n\nthis"), (RL{}));
  EXPECT_EQ(RuleLines(*set, "Home > News\nA headline.\n"), (RL{}));
  EXPECT_EQ(RuleLines(*set, "Home > News and more.\n"), (RL{{1, 0}}));
  EXPECT_EQ(RuleLines(*set, "the end\nstart"), (RL{}));
  EXPECT_EQ(RuleLines(*set, "the end, start"), (RL{{2, 0}}));
  EXPECT_EQ(RuleLines(*set, "a\nb"), (RL{}));
  EXPECT_EQ(RuleLines(*set, "x\n a b \n"), (RL{{3, 1}}));
  // A class holding \s keeps its other characters, and no range appears.
  auto dash = CompileText("dash drop l x[\\s-.]y\n");
  ASSERT_NE(dash, nullptr);
  EXPECT_EQ(RuleLines(*dash, "x-y\nx y\nx#y\nx.y"), (RL{{0, 0}, {0, 1}, {0, 3}}));
}

// What collapsed lines can never hold is an error, not a rule that silently never matches.
TEST(PatternSet, PatternsAskingForWhatCollapsingRemovesAreErrors) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  ParseRuleText(
      "tab     drop - a\\tb\n"
      "two     drop - a  b\n"
      "nbsp    drop - a\\xA0b\n"
      "cr      drop - a\\r\n"
      "newline drop - a\\nb\n"
      "hexnl   drop - a\\x{0a}b\n"
      "quoted  drop - \\Qa  b\\E\n"
      "class   drop - a[\\t ]b\n"
      "escaped drop - a\\\\tb\n"
      "negated drop - [^\\n|]+\\|\n"
      "spaced  drop - a\\s+b c\n",
      "p.rules", &rules, &errors);
  ASSERT_TRUE(errors.empty());
  auto set = PatternSet::Compile(rules, &errors);
  EXPECT_FALSE(set.ok());
  std::vector<std::string> named;
  for (const RuleError& e : errors) {
    named.push_back(e.rule);
    EXPECT_FALSE(e.message.empty());
  }
  EXPECT_EQ(named, (std::vector<std::string>{"tab", "two", "nbsp", "cr", "newline", "hexnl",
                                             "quoted"}));
  EXPECT_NE(errors[0].message.find("write \\s"), std::string::npos) << errors[0].message;
  EXPECT_NE(errors[4].message.find("one line at a time"), std::string::npos) << errors[4].message;
}

// A line break written any way, and the text anchors, would reach past the line: errors that
// say so.
TEST(PatternSet, LineBreaksAndTextAnchorsAreErrors) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  ParseRuleText(
      "short   drop - a\\x{a}b\n"
      "octal   drop - a\\012b\n"
      "octal2  drop - a\\o{12}b\n"
      "control drop - a\\cJb\n"
      "anyeol  drop - a\\Rb\n"
      "start   drop - \\Aabc\n"
      "end     drop - abc\\z\n"
      "end2    drop - abc\\Z\n"
      "vtab    drop - a\\x0bb\n"
      "fine    drop - [^\\n|]+\\|[\\n]?\n",
      "p.rules", &rules, &errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_FALSE(PatternSet::Compile(rules, &errors).ok());
  std::vector<std::string> got;
  for (const RuleError& e : errors) got.push_back(e.rule + ": " + e.message);
  const std::string line_break = "a rule sees one line at a time: a line break (\\n) never matches";
  const std::string anchors =
      "a rule sees one line at a time: \\A, \\z and \\Z would anchor at the ends of the text, not "
      "of the line; use ^ and $";
  EXPECT_EQ(got, (std::vector<std::string>{
                     "short: " + line_break, "octal: " + line_break, "octal2: " + line_break,
                     "control: " + line_break, "anyeol: " + line_break, "start: " + anchors,
                     "end: " + anchors, "end2: " + anchors,
                     "vtab: lines are matched with their whitespace collapsed to single spaces, "
                     "so a tab, \\r, \\f, \\v or NBSP never matches; write \\s"}));
}

// Compile proves of most rules that their matches stay within a line, so that one scan of the
// whole text serves them; the others are scanned line by line. Either way a rule's result on a
// line is what it matches in "\n" + the line + "\n".
TEST(PatternSet, RulesThatMightReachPastTheirLineAreScannedLineByLine) {
  struct Case {
    const char* flags;
    const char* pattern;
    bool per_line;
  };
  const Case cases[] = {
      {"-", "share\\s+this", false},
      {"l", "a|b", false},
      {"-", "(^|\\W)more($|\\W)", false},  // ^ and $ at the ends of every path
      {"-", "\\bmore\\b", false},
      {"-", "^\\bmore", false},             // \b inside the frame
      {"-", "[\\W]more", false},            // a line break only at the start
      {"-", "more[[:space:]]", false},      // ... or only at the end
      {"-", "^$", false},
      {"-", "[^a]+x", false},               // the negated class leaves out the line break
      {"-", "[\\s\\S]x", false},            // a class with it, at the start of the match
      {"-", "\\p{L}+ \\d{2,}", false},
      {"i", "(?i)x(?:y|z){1,3}(?#note)", false},
      {"-", "read[\\W]more", true},         // the line break in the middle
      {"-", "read[[:space:]]more", true},
      {"-", "read\\Hmore", true},
      {"-", "read(?s).more", true},
      {"-", "read[\\x00-\\x7f]more", true},
      {"-", "read\\P{L}more", true},
      {"-", "foo$bar", true},
      {"-", "(foo$)+", true},               // a repeated line break
      {"-", "\\b^foo", true},               // \b before the frame looks into the line before
      {"-", "foo$\\B", true},
      {"-", "(?x)read more", true},         // options not followed by the analysis
      {"-", "x\\b", false},
      {"-", "\\b", true},                   // an empty match
      {"u", "[^•]+x", false},
  };
  std::string text;
  for (size_t i = 0; i < std::size(cases); ++i) {
    text += "r" + std::to_string(i) + " drop " + cases[i].flags + " " + cases[i].pattern + "\n";
  }
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  ParseRuleText(text, "p.rules", &rules, &errors);
  ASSERT_TRUE(errors.empty());
  auto set = PatternSet::Compile(rules, &errors, {PatternSetOptions::LineCache::kOff});
  ASSERT_TRUE(set.ok()) << (errors.empty() ? "" : errors[0].ToString());
  for (size_t i = 0; i < std::size(cases); ++i) {
    EXPECT_EQ(set.value()->ScannedPerLine(i), cases[i].per_line) << cases[i].pattern;
  }
}

// The bundled sets are scanned in one pass over the text: none of their rules needs the slower
// line-by-line scan.
TEST(PatternSet, BundledRulesAreAllScannedInOnePass) {
  for (const char* preset : {"default", "c4"}) {
    std::vector<Rule> rules;
    std::vector<RuleError> errors;
    LoadRules({testing::SourceDir() + "/patterns/" + preset}, &rules, &errors);
    ASSERT_TRUE(errors.empty()) << errors[0].ToString();
    auto set = PatternSet::Compile(rules, &errors, {PatternSetOptions::LineCache::kOff});
    ASSERT_TRUE(set.ok()) << (errors.empty() ? "" : errors[0].ToString());
    for (size_t i = 0; i < rules.size(); ++i) {
      EXPECT_FALSE(set.value()->ScannedPerLine(i)) << preset << ": " << rules[i].name << " "
                                                   << PatternSet::Expression(rules[i]);
    }
  }
}

// Scanned line by line or with the whole text, and with or without the line cache, a rule gives
// the same (rule, line) pairs; a blank line is "\n\n" to every rule.
TEST(PatternSet, LineByLineRulesMixWithTheOthers) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  ParseRuleText(
      "nonword drop - read[\\W]more\n"
      "plain   drop i more\n"
      "blank   drop - ^[\\s\\S]?$\n"
      "edge    drop - more[[:space:]]\n"
      "dotall  drop - x(?s).y\n",
      "p.rules", &rules, &errors);
  ASSERT_TRUE(errors.empty());
  for (auto cache : {PatternSetOptions::LineCache::kOn, PatternSetOptions::LineCache::kOff}) {
    auto set = PatternSet::Compile(rules, &errors, {cache});
    ASSERT_TRUE(set.ok());
    EXPECT_TRUE(set.value()->ScannedPerLine(0));
    EXPECT_FALSE(set.value()->ScannedPerLine(1));
    EXPECT_FALSE(set.value()->ScannedPerLine(2));  // "\n" [\s\S]? "\n": a line break at each end
    EXPECT_FALSE(set.value()->ScannedPerLine(3));
    EXPECT_TRUE(set.value()->ScannedPerLine(4));
    auto scratch = set.value()->MakeScratch();
    for (int pass = 0; pass < 2; ++pass) {  // the second time through remembered lines
      std::vector<Hit> hits;
      ASSERT_TRUE(set.value()->Scan("read more\n  \nread-more x\ny\nMore\n\nx y", scratch, &hits)
                      .ok());
      RL got;
      for (const Hit& h : hits) got.emplace_back(h.rule, h.line);
      // "x(?s).y" does not match across "read-more x" and "y"; "^[\s\S]?$" matches the blank
      // lines and the one-character one.
      EXPECT_EQ(got, (RL{{0, 0}, {1, 0}, {3, 0}, {2, 1}, {0, 2}, {1, 2}, {3, 2}, {2, 3}, {1, 4},
                         {2, 5}, {4, 6}}))
          << "pass " << pass;
    }
  }
}

TEST(PatternSet, ExpressionRewritesSpacesForCollapsedLines) {
  Rule r;
  r.pattern = "a\\s+b\\s*c\\s?d\\s{2}e";
  EXPECT_EQ(PatternSet::Expression(r), "a\\x20b\\x20?c\\x20?d\\x20{2}e");
  r.pattern = "[^|]+[\\s,]\\\\s+\\Q\\s+\\E";
  EXPECT_EQ(PatternSet::Expression(r), "[^\\n|]+[\\x20,]\\\\s+\\Q\\s+\\E");
  // \s written out in a class never starts a range: [\s-z] is \s, '-' and 'z'.
  r.pattern = "[\\s-z][a\\s-]";
  EXPECT_EQ(PatternSet::Expression(r), "[\\x20\\-z][a\\x20-]");
  r.utf8 = true;
  EXPECT_NE(PatternSet::Expression(r).find("\\x{3000}\\-z"), std::string::npos);
  r.utf8 = false;
  r.pattern = "[]x][^]y]\\W\\D[\\W]";
  EXPECT_EQ(PatternSet::Expression(r), "[]x][^]\\ny][^\\n\\w][^\\n\\d][\\W]");
  // ^ and $ are the line breaks framing each line, outside classes only.
  r.pattern = "^a|b$|[$^]|\\^";
  EXPECT_EQ(PatternSet::Expression(r), "\\na|b\\n|[$^]|\\^");
  r.whole_line = true;
  r.pattern = "x|y";
  EXPECT_EQ(PatternSet::Expression(r), "\\n(?:x|y)\\n");
}

// Without u, Hyperscan reads a class byte by byte: `[|•]?` would never match the three bytes
// of "•". Such classes become alternations; what cannot be written so is an error.
TEST(PatternSet, ClassesWithNonAsciiCharactersMatchWholeCharacters) {
  Rule r;
  r.pattern = "a[|»›]?[•]x[\\s•-]\\[•][•^]";
  EXPECT_EQ(PatternSet::Expression(r),
            "a(?:[|]|»|›)?(?:•)x(?:[\\x20-]|•)\\[•](?:[\\^]|•)");
  r.pattern = "[a\\-é][-é][[:alpha:]é]\\Q[é]\\E";
  EXPECT_EQ(PatternSet::Expression(r), "(?:[a\\-]|é)(?:[-]|é)(?:[[:alpha:]]|é)\\Q[é]\\E");
  r.utf8 = true;  // UTF-8 mode reads characters: left alone
  r.pattern = "[|»]";
  EXPECT_EQ(PatternSet::Expression(r), "[|»]");

  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  ParseRuleText(
      "nav      drop il home\\s*[|»›>·•]?\n"
      "dash     drop i  a\\s*[-–]\\s*b\n"
      "negated  drop -  [^•]+\n"
      "range    drop -  [a-é]\n"
      "range2   drop -  [é-z]\n"
      "unicode  drop u  [^•]+\n",
      "p.rules", &rules, &errors);
  ASSERT_TRUE(errors.empty());
  std::vector<Rule> good(rules.begin(), rules.begin() + 2);
  good.push_back(rules[5]);
  auto set = PatternSet::Compile(good, &errors);
  ASSERT_TRUE(set.ok()) << (errors.empty() ? "" : errors[0].ToString());
  auto scratch = set.value()->MakeScratch();
  std::vector<Hit> hits;
  ASSERT_TRUE(set.value()->Scan("Home ›\nHome •\nhome\nhome x\na – b\na \xE2\x80 b\nHome \xE2\x80",
                                scratch, &hits).ok());
  std::vector<uint32_t> nav, dash;
  for (const Hit& h : hits) {
    if (h.rule == 0) nav.push_back(h.line);
    if (h.rule == 1) dash.push_back(h.line);
  }
  std::sort(dash.begin(), dash.end());
  dash.erase(std::unique(dash.begin(), dash.end()), dash.end());
  EXPECT_EQ(nav, (std::vector<uint32_t>{0, 1, 2}));  // not "home x", nor a broken "•"
  EXPECT_EQ(dash, (std::vector<uint32_t>{4}));       // not the first two bytes of "–"

  std::vector<Rule> bad(rules.begin() + 2, rules.begin() + 5);
  errors.clear();
  EXPECT_FALSE(PatternSet::Compile(bad, &errors).ok());
  std::vector<std::string> named;
  for (const RuleError& e : errors) {
    named.push_back(e.rule);
    EXPECT_NE(e.message.find("u flag"), std::string::npos) << e.message;
  }
  EXPECT_EQ(named, (std::vector<std::string>{"negated", "range", "range2"}));
}

TEST(PatternSet, CollapseLinesTrimsAndCollapsesEachLine) {
  std::string text = "  a \t b  \r\n\n\xC2\xA0\xC2\xA0\nc\xC2\xA0" "d\n e";
  std::vector<Line> lines;
  SplitLines(text, &lines);
  std::string out;
  std::vector<uint32_t> starts;
  CollapseLines(text, lines, &out, &starts);
  EXPECT_EQ(out, "\na b\n\n\nc d\ne\n");
  EXPECT_EQ(starts, (std::vector<uint32_t>{1, 5, 6, 7, 11}));
}

// Each kind of whitespace that collapsing changes is found wherever it falls against the
// 16-byte blocks the search reads: else the line would be scanned as it is and miss the rule.
TEST(PatternSet, IrregularWhitespaceIsFoundAtEveryOffset) {
  auto set = CompileText("share drop l share\\s+this\n");
  ASSERT_NE(set, nullptr);
  const char* variants[] = {" share this", "share this ", "share  this", "share\tthis",
                            "share\xC2\xA0this", "share this\r", "\tshare this"};
  for (const char* v : variants) {
    for (size_t filler = 0; filler < 40; ++filler) {
      std::string text = std::string(filler, 'x') + "\n" + v + "\nyyyyyyyyyyyyyyyyyyyy";
      EXPECT_EQ(RuleLines(*set, text), (RL{{0, 1}})) << filler << " " << v;
      text = std::string(filler, 'x') + "\n" + v;  // the last line
      EXPECT_EQ(RuleLines(*set, text), (RL{{0, 1}})) << filler << " " << v << " (last)";
    }
  }
}

// Whatever whitespace a text holds, scanning it reports the same (rule, line) pairs as scanning
// each of its lines alone: hits land on the right line whether or not the text needed
// collapsing, and nothing spans lines. Texts are built from the default rules' own examples.
TEST(PatternSet, ScanningATextEqualsScanningEachLineAlone) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  LoadRules({DefaultPatternsPath()}, &rules, &errors);
  ASSERT_TRUE(errors.empty());
  std::vector<std::string> samples;
  for (const Rule& r : rules) {
    for (const RuleExample& ex : r.examples) samples.push_back(ex.line);
  }
  auto set = PatternSet::Compile(rules, &errors);
  ASSERT_TRUE(set.ok());
  const char* spaces[] = {" ", "  ", "\t", "\xC2\xA0", " \r"};
  Lcg next{12345};
  size_t matched_lines = 0;
  for (int round = 0; round < 60; ++round) {
    std::string text;
    std::vector<std::string> text_lines;
    const int n = 1 + next() % 12;
    const bool messy = round % 2 == 1;  // even rounds keep single spaces: the uncollapsed path
    for (int k = 0; k < n; ++k) {
      std::string line = samples[next() % samples.size()];
      if (messy) {
        std::string spaced;
        for (char c : line) {
          if (c == ' ') spaced += spaces[next() % 5];
          else spaced += c;
        }
        line = (next() % 3 == 0 ? "  " : "") + spaced + (next() % 3 == 0 ? " \t" : "");
      }
      if (next() % 5 == 0) line.clear();  // a blank line
      text_lines.push_back(line);
      text += line;
      if (k + 1 < n) text += messy && next() % 2 ? "\r\n" : "\n";
    }
    RL expected;
    for (size_t k = 0; k < text_lines.size(); ++k) {
      std::string alone = text_lines[k];
      if (!alone.empty() && alone.back() == '\r') alone.pop_back();
      for (auto [rule, line] : RuleLines(*set.value(), alone)) {
        EXPECT_EQ(line, 0u);
        expected.emplace_back(rule, static_cast<uint32_t>(k));
      }
    }
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(RuleLines(*set.value(), text), expected) << "round " << round << ": " << text;
    matched_lines += expected.size();
  }
  EXPECT_GT(matched_lines, 100u);  // the texts do exercise the rules
}

// The scratch remembers the short lines it has scanned, with their rules: scans with a warm
// scratch give what a fresh scratch gives, whatever came before (evictions, lines of every
// length around the remembered limit, lines matching more rules than an entry holds).
TEST(PatternSet, RememberedLinesGiveWhatAFreshScanGives) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  LoadRules({DefaultPatternsPath()}, &rules, &errors);
  ParseRuleText("three-a drop l tri\nthree-b drop - tri\nthree-c drop i TRI\n", "x.rules", &rules,
                &errors);
  ASSERT_TRUE(errors.empty());
  std::vector<std::string> samples = {"tri", "TRI", "tri tri"};
  for (const Rule& r : rules) {
    for (const RuleExample& ex : r.examples) {
      samples.push_back(ex.line);
      for (size_t cut : {55, 56, 57}) {  // around the longest line remembered (56 bytes)
        if (ex.line.size() > cut) samples.push_back(ex.line.substr(0, cut));
      }
    }
  }
  // Compile times a scan to decide whether remembering pays; here it must be on.
  auto set = PatternSet::Compile(rules, &errors, {PatternSetOptions::LineCache::kOn});
  auto plain = PatternSet::Compile(rules, &errors, {PatternSetOptions::LineCache::kOff});
  ASSERT_TRUE(set.ok());
  ASSERT_TRUE(plain.ok());
  ASSERT_TRUE(set.value()->remembers_lines());
  ASSERT_FALSE(plain.value()->remembers_lines());
  auto warm = set.value()->MakeScratch();
  Lcg next{777};
  size_t pairs = 0;
  for (int round = 0; round < 400; ++round) {
    std::string text;
    const int n = 1 + next() % 30;
    for (int k = 0; k < n; ++k) {
      // Every fourth round floods the cache with lines seen once, forcing evictions.
      std::string line = round % 4 == 3 ? "filler " + std::to_string(next())
                                        : samples[next() % samples.size()];
      if (next() % 4 == 0) line = "  " + line + "\t";
      text += line;
      if (k + 1 < n) text += next() % 3 == 0 ? "\r\n" : "\n";
    }
    std::vector<Hit> hits;
    ASSERT_TRUE(set.value()->Scan(text, warm, &hits).ok());
    RL got;
    for (const Hit& h : hits) got.emplace_back(h.rule, h.line);
    RL fresh = RuleLines(*plain.value(), text);
    RL sorted_by_line = got;
    std::sort(sorted_by_line.begin(), sorted_by_line.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second < b.second : a.first < b.first;
    });
    EXPECT_EQ(got, sorted_by_line) << "hits are sorted by line, then rule";
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, fresh) << "round " << round << ": " << text;
    pairs += got.size();
  }
  EXPECT_GT(pairs, 1000u);  // the texts do match, often
}

// Hyperscan's scratch allocator, made to fail while alive: what hs_alloc_scratch and
// hs_clone_scratch get when memory runs out.
class FailingScratchAllocator {
 public:
  FailingScratchAllocator() {
    hs_set_scratch_allocator([](size_t) -> void* { return nullptr; }, [](void* p) { std::free(p); });
  }
  ~FailingScratchAllocator() { hs_set_scratch_allocator(nullptr, nullptr); }
};

TEST(PatternSet, ScanReportsAScratchHyperscanCouldNotAllocate) {
  for (const char* rule : {"a drop i foo\n", "b drop - read[\\W]more\n"}) {  // either database
    auto set = CompileText(rule);
    ASSERT_NE(set, nullptr);
    PatternSet::Scratch scratch;
    {
      FailingScratchAllocator failing;
      scratch = set->MakeScratch();
    }
    std::vector<Hit> hits{{0, 0}};
    Status st = set->Scan("foo\nread more", scratch, &hits);
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(st.message(), "cannot allocate Hyperscan scratch");
    EXPECT_EQ(st.scope(), ErrorScope::kShard);
    EXPECT_TRUE(hits.empty());
    // A scratch made once memory is back works.
    scratch = set->MakeScratch();
    EXPECT_TRUE(set->Scan("foo\nread more", scratch, &hits).ok());
    EXPECT_EQ(hits.size(), 1u);
  }
}

TEST(PatternSet, ScanWithAnEmptyScratchFails) {
  auto set = CompileText("a drop i foo\n");
  ASSERT_NE(set, nullptr);
  PatternSet::Scratch empty;
  std::vector<Hit> hits{{0, 0}};
  Status st = set->Scan("foo", empty, &hits);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("MakeScratch"), std::string::npos) << st.message();
  EXPECT_TRUE(hits.empty());
  // Moved from, a scratch is empty too.
  auto made = set->MakeScratch();
  PatternSet::Scratch taken = std::move(made);
  EXPECT_TRUE(set->Scan("foo", taken, &hits).ok());
  EXPECT_EQ(hits.size(), 1u);
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

// A scan that fails says nothing about the example: an error for the rule, never a pass of its
// nomatch: lines.
TEST(RuleCheck, ReportsAFailedScanAsAnError) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  ParseRuleText("r drop il hello\n  match: Hello\n  nomatch: goodbye\n", "e.rules", &rules, &errors);
  auto set = PatternSet::Compile(rules, &errors);
  ASSERT_TRUE(set.ok());
  {
    FailingScratchAllocator failing;
    CheckExamples(*set.value(), &errors);
  }
  std::vector<std::string> got;
  for (const RuleError& e : errors) got.push_back(e.ToString());
  EXPECT_EQ(got, (std::vector<std::string>{
                     "e.rules:2: rule r: cannot check its example 'Hello': cannot allocate "
                     "Hyperscan scratch",
                     "e.rules:3: rule r: cannot check its example 'goodbye': cannot allocate "
                     "Hyperscan scratch"}));
  PatternSet::Scratch empty;
  Result<bool> matched = RuleMatches(*set.value(), 0, "Hello", empty);
  EXPECT_FALSE(matched.ok());
  auto scratch = set.value()->MakeScratch();
  matched = RuleMatches(*set.value(), 0, "Hello", scratch);
  ASSERT_TRUE(matched.ok());
  EXPECT_TRUE(matched.value());
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
