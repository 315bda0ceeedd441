// The bundled default rule set, run through the full Cleaner: every example of every rule
// behaves as its file says, and the seed page still cleans to its golden output.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rules.h"

namespace boilerstrip {
namespace {

std::shared_ptr<const PatternSet> LoadSet(const std::string& dir) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  LoadRules({dir}, &rules, &errors);
  for (const auto& e : errors) ADD_FAILURE() << e.ToString();
  auto set = PatternSet::Compile(std::move(rules), &errors);
  for (const auto& e : errors) ADD_FAILURE() << e.ToString();
  if (!set.ok()) return nullptr;
  return std::shared_ptr<const PatternSet>(std::move(set.value()));
}

std::string DefaultDir() { return std::string(BOILERSTRIP_SOURCE_DIR) + "/patterns/default"; }

std::unique_ptr<Cleaner> MakeCleaner(std::shared_ptr<const PatternSet> set, bool classifier) {
  CleanerOptions options;
  options.classifier.enabled = classifier;
  auto cleaner = Cleaner::Create(options, std::move(set));
  EXPECT_TRUE(cleaner.ok());
  return std::move(cleaner.value());
}

// Cleans `record` (padded for simdjson) and returns the record written.
std::string CleanOneRecord(const Cleaner& cleaner, Cleaner::State& state, Stats* stats,
                           const std::string& record, RecordOutcome* outcome) {
  std::string padded = record;
  padded.append(simdjson::SIMDJSON_PADDING, ' ');
  std::string out;
  *outcome = cleaner.CleanRecord(std::string_view(padded.data(), record.size()), state, stats, &out);
  return out;
}

TEST(DefaultRules, EveryExampleBehavesThroughTheCleaner) {
  auto set = LoadSet(DefaultDir());
  ASSERT_NE(set, nullptr);
  auto cleaner = MakeCleaner(set, /*classifier=*/false);
  auto state = cleaner->MakeState();
  const auto& rules = set->rules();
  ASSERT_GT(rules.size(), 30u);
  size_t checked = 0;
  for (size_t r = 0; r < rules.size(); ++r) {
    const Rule& rule = rules[r];
    bool removing = rule.action == Action::kDrop || rule.action == Action::kTruncate;
    size_t matches = 0, nomatches = 0;
    for (const RuleExample& ex : rule.examples) {
      SCOPED_TRACE(rule.file + ":" + std::to_string(ex.line_number) + ": " + rule.name + ": '" +
                   ex.line + "'");
      Stats stats;
      stats.Resize(rules.size());
      std::string out;
      int drop_doc = -1;
      bool changed = cleaner->CleanText(ex.line, *state, &stats, &out, &drop_doc).value();
      if (ex.must_match) {
        ++matches;
        if (!removing) continue;
        ASSERT_TRUE(changed);
        EXPECT_EQ(out, "");
        EXPECT_EQ(stats.removed_by[r], 1u) << "removed for another reason";
        EXPECT_EQ(stats.lines_removed, 1u);
        // The same line as a one-line JSON record: its text becomes empty, the rest stays.
        std::string json = "{\"id\":7,\"text\":\"";
        AppendJsonEscaped(ex.line, &json);
        json += "\",\"url\":\"u\"}";
        Stats rs;
        rs.Resize(rules.size());
        RecordOutcome outcome;
        std::string written = CleanOneRecord(*cleaner, *state, &rs, json, &outcome);
        EXPECT_EQ(outcome.verdict, RecordVerdict::kWritten);
        EXPECT_TRUE(outcome.changed);
        EXPECT_EQ(written, "{\"id\":7,\"text\":\"\",\"url\":\"u\"}");
        EXPECT_EQ(rs.removed_by[r], 1u);
      } else {
        ++nomatches;
        EXPECT_FALSE(changed) << "a near miss is removed by the default set";
        EXPECT_EQ(stats.lines_removed, 0u);
      }
      ++checked;
    }
    if (removing) {
      EXPECT_GE(matches, 1u) << rule.name << " has no match: example";
      EXPECT_GE(nomatches, 1u) << rule.name << " has no nomatch: example";
    }
  }
  EXPECT_GT(checked, 150u);
}

TEST(DefaultRules, NearMissesSurviveInsideProse) {
  // A nomatch line stays when it is part of an article, with the classifier on as by default.
  auto set = LoadSet(DefaultDir());
  ASSERT_NE(set, nullptr);
  auto cleaner = MakeCleaner(set, /*classifier=*/true);
  auto state = cleaner->MakeState();
  const std::string para =
      "The council met on Tuesday evening and agreed that the bridge would stay closed until the "
      "engineers had finished their survey of the old stone piers.";
  for (const Rule& rule : set->rules()) {
    for (const RuleExample& ex : rule.examples) {
      if (ex.must_match) continue;
      SCOPED_TRACE(rule.name + ": '" + ex.line + "'");
      std::string text = para + "\n\n" + ex.line + "\n\n" + para + " It was late.";
      Stats stats;
      stats.Resize(set->rules().size());
      std::string out;
      int drop_doc = -1;
      bool changed = cleaner->CleanText(text, *state, &stats, &out, &drop_doc).value();
      EXPECT_FALSE(changed) << out;
    }
  }
}

TEST(DefaultRules, CommentSectionIsCutAfterTheArticle) {
  auto set = LoadSet(DefaultDir());
  ASSERT_NE(set, nullptr);
  auto cleaner = MakeCleaner(set, /*classifier=*/false);
  auto state = cleaner->MakeState();
  std::string article;
  for (int i = 0; i < 32; ++i) {  // 5,400 bytes: past truncate_after_prose_bytes
    article += "Paragraph " + std::to_string(i) +
               " of the story tells how the ferry was repaired over the winter by the crew, who "
               "worked in the cold and windy harbour every single day until the job was done.\n";
  }
  // The comment header sits well before the document's last third: the prose above it lets
  // the truncate rule cut.
  std::string comments;
  for (int i = 0; i < 40; ++i) {
    comments += "Reader " + std::to_string(i) + " says:\nWhat a lovely story about the ferry, "
                "thanks for writing it up so carefully for all of us here in town.\n";
  }
  std::string text = article + "12 Comments\n" + comments;
  Stats stats;
  stats.Resize(set->rules().size());
  std::string out;
  int drop_doc = -1;
  ASSERT_TRUE(cleaner->CleanText(text, *state, &stats, &out, &drop_doc).value());
  EXPECT_EQ(out + "\n", article);

  // The same header above a short article (a byline's comment count) cuts nothing below it.
  std::string top = "12 Comments\n" + article;
  ASSERT_TRUE(cleaner->CleanText(top, *state, &stats, &out, &drop_doc).value());
  EXPECT_EQ(out + "\n", article);
}

TEST(DefaultRules, PresetNamesResolveToBuiltinPresets) {
  bool preset = false;
  EXPECT_EQ(ResolvePatternsPath("c4", &preset), "builtin:c4");
  EXPECT_TRUE(preset);
  EXPECT_EQ(ResolvePatternsPath("builtin:default", &preset), "builtin:default");
  EXPECT_TRUE(preset);
  EXPECT_EQ(DefaultPatternsPath(), "builtin:default");
  // An existing path wins over a preset name; other names are left for LoadRules to report.
  EXPECT_EQ(ResolvePatternsPath(DefaultDir(), &preset), DefaultDir());
  EXPECT_FALSE(preset);
  EXPECT_EQ(ResolvePatternsPath("no-such-preset", &preset), "no-such-preset");
  EXPECT_FALSE(preset);
  EXPECT_EQ(ResolvePatternsPath("../c4", &preset), "../c4");
  EXPECT_FALSE(preset);
  EXPECT_EQ(ResolvePatternsPath("", nullptr), "");
}

// The presets compiled into the binary are the source tree's rule files, byte for byte, and
// every one of them: a stale or partial embedding fails here.
TEST(DefaultRules, BuiltinPresetsEqualTheSourceFiles) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(BOILERSTRIP_SOURCE_DIR) / "patterns";
  std::vector<std::string> on_disk, embedded;
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (f.path().extension() == ".rules") {
        on_disk.push_back(dir.path().filename().string() + "/" + f.path().filename().string());
      }
    }
  }
  std::sort(on_disk.begin(), on_disk.end());
  for (const BuiltinRuleFile& f : BuiltinRuleFiles()) {
    const std::string rel = std::string(f.preset) + "/" + std::string(f.name);
    embedded.push_back(rel);
    std::ifstream in(root / rel, std::ios::binary);
    ASSERT_TRUE(in) << rel;
    std::ostringstream buf;
    buf << in.rdbuf();
    EXPECT_TRUE(buf.str() == f.bytes) << rel << ": embedded bytes differ from the file";
  }
  EXPECT_EQ(embedded, on_disk);
  EXPECT_GE(on_disk.size(), 2u);
  const std::vector<std::string> presets = BuiltinPresets();
  EXPECT_NE(std::find(presets.begin(), presets.end(), "default"), presets.end());
  EXPECT_NE(std::find(presets.begin(), presets.end(), "c4"), presets.end());
  // The built-in default loads the same rules as the source directory, apart from the label.
  std::vector<Rule> a, b;
  std::vector<RuleError> errors;
  LoadRules({DefaultPatternsPath()}, &a, &errors);
  LoadRules({DefaultDir()}, &b, &errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].pattern, b[i].pattern);
    EXPECT_EQ(fs::path(a[i].file).filename(), fs::path(b[i].file).filename());
    EXPECT_EQ(a[i].file.rfind("builtin:default/", 0), 0u) << a[i].file;
  }
}

TEST(DefaultRules, C4PresetExamplesBehaveWithOurStagesOff) {
  bool preset = false;
  auto set = LoadSet(ResolvePatternsPath("c4", &preset));
  ASSERT_NE(set, nullptr);
  CleanerOptions options;
  options.classifier.enabled = false;
  options.dedup = false;
  auto cleaner = Cleaner::Create(options, set);
  ASSERT_TRUE(cleaner.ok());
  auto state = cleaner.value()->MakeState();
  size_t checked = 0;
  for (size_t r = 0; r < set->rules().size(); ++r) {
    for (const RuleExample& ex : set->rules()[r].examples) {
      SCOPED_TRACE(set->rules()[r].name + ": '" + ex.line + "'");
      Stats stats;
      stats.Resize(set->rules().size());
      std::string out;
      int drop_doc = -1;
      bool changed = cleaner.value()->CleanText(ex.line, *state, &stats, &out, &drop_doc).value();
      EXPECT_EQ(changed, ex.must_match);
      // C4 drops a line for any of its reasons; the lowest-numbered matching rule is named.
      EXPECT_EQ(stats.lines_removed, ex.must_match ? 1u : 0u);
      ++checked;
    }
  }
  EXPECT_GE(checked, 15u);
  // Paragraph lines with terminal punctuation survive; a menu line does not.
  Stats stats;
  stats.Resize(set->rules().size());
  std::string out;
  int drop_doc = -1;
  ASSERT_TRUE(cleaner.value()->CleanText("Home\nThe ferry runs again.\nIt was repaired.", *state,
                                         &stats, &out, &drop_doc).value());
  EXPECT_EQ(out, "The ferry runs again.\nIt was repaired.");
  // A match never runs on into the next line: blank lines between sentences change nothing.
  EXPECT_FALSE(cleaner.value()->CleanText("The ferry runs again.\n\nIt was repaired.\n\nIt is done now.",
                                          *state, &stats, &out, &drop_doc).value());
}

TEST(DefaultRules, MatchesStayWithinTheirLine) {
  // A rule's negated class or trailing repeat must not run across the line break into the next
  // line (hits are mapped to lines by their end).
  auto set = LoadSet(DefaultDir());
  ASSERT_NE(set, nullptr);
  auto cleaner = MakeCleaner(set, /*classifier=*/false);
  auto state = cleaner->MakeState();
  Stats stats;
  stats.Resize(set->rules().size());
  std::string out;
  int drop_doc = -1;
  ASSERT_TRUE(cleaner->CleanText("Home | News | Sport\n\nWhy the bridge matters to its drivers\n",
                                 *state, &stats, &out, &drop_doc).value());
  EXPECT_EQ(out, "Why the bridge matters to its drivers");
  ASSERT_TRUE(cleaner->CleanText(
      "Posted by Jane on October 26, 2012 at 9:15 pm\nby the river the town grew at 9:15 pm\n",
      *state, &stats, &out, &drop_doc).value());
  EXPECT_EQ(out, "by the river the town grew at 9:15 pm");
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

TEST(DefaultRules, SeedPageCleansToGolden) {
  const std::filesystem::path seed =
      std::filesystem::path(BOILERSTRIP_SOURCE_DIR) / "../shared/seed-example";
  if (!std::filesystem::exists(seed / "seed.jsonl")) GTEST_SKIP() << "../shared is absent";
  auto set = LoadSet(DefaultDir());
  ASSERT_NE(set, nullptr);
  auto cleaner = Cleaner::Create(CleanerOptions(), set);  // every default, classifier on
  ASSERT_TRUE(cleaner.ok());
  auto state = cleaner.value()->MakeState();
  std::string in = ReadFile(seed / "seed.jsonl");
  std::string expected = ReadFile(seed / "expected.jsonl");
  while (!in.empty() && in.back() == '\n') in.pop_back();
  Stats stats;
  stats.Resize(set->rules().size());
  RecordOutcome outcome;
  std::string out = CleanOneRecord(*cleaner.value(), *state, &stats, in, &outcome);
  ASSERT_EQ(outcome.verdict, RecordVerdict::kWritten);
  EXPECT_EQ(out + "\n", expected);
  EXPECT_EQ(stats.removed_by[set->rules().size() + static_cast<size_t>(ExtraReason::kClassifier)],
            0u);
}

}  // namespace
}  // namespace boilerstrip
