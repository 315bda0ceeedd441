// Cleaner::AppendRemovals: the removed stretches of a text, each with its reason, are exactly
// the bytes the new text lacks. `annotate` and `report` stand on this.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <random>
#include <string>
#include <vector>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/sample.h"
#include "test_util.h"

namespace boilerstrip {
namespace {

constexpr char kRules[] =
    "footer  truncate il  source link\n"
    "share   drop     il  share this\n"
    "spam    drop-doc i   buy cheap pills\n"
    "quote   keep     i   ^>\n";

struct Cleaned {
  bool changed = false;
  bool dropped = false;
  std::string text;
  std::vector<Removal> removals;
};

Cleaned Clean(const Cleaner& c, std::string_view text) {
  auto state = c.MakeState();
  Stats stats;
  stats.Resize(c.patterns().rules().size());
  Cleaned r;
  int drop_rule = -1;
  Result<bool> changed = c.CleanText(text, *state, &stats, &r.text, &drop_rule);
  EXPECT_TRUE(changed.ok());
  r.changed = changed.ok() && changed.value();
  r.dropped = r.changed && drop_rule >= 0;
  if (r.changed && !r.dropped) c.AppendRemovals(text, *state, &r.removals);
  return r;
}

// Checks every property of the removals of `text`; returns the text with them deleted.
std::string CheckRemovals(const Cleaner& c, std::string_view text, const Cleaned& r) {
  std::string kept;
  size_t at = 0;
  std::vector<Line> lines;
  SplitLines(text, &lines);
  for (const Removal& m : r.removals) {
    EXPECT_LE(at, m.begin) << "stretches are in order and disjoint";
    EXPECT_LT(m.begin, m.end) << "no empty stretch";
    if (m.begin < at || m.end > text.size()) return {};
    kept.append(text.substr(at, m.begin - at));
    at = m.end;
    const std::string_view bytes = text.substr(m.begin, m.end - m.begin);
    if (m.reason == Removal::kLayout) {
      std::string rest(bytes);
      for (size_t nbsp; (nbsp = rest.find("\xc2\xa0")) != rest.npos;) rest.erase(nbsp, 2);
      EXPECT_EQ(rest.find_first_not_of(" \t\r\n\v\f"), rest.npos)
          << "a layout stretch holds only blanks and breaks: [" << bytes << "]";
    } else {
      // One whole line with its break, for a reason that names a rule or a built-in reason.
      bool whole_line = false;
      for (const Line& l : lines) whole_line |= l.begin == m.begin && l.next == m.end;
      EXPECT_TRUE(whole_line) << "[" << bytes << "] is not one whole line";
      EXPECT_NE(c.ReasonName(m.reason), "layout");
    }
  }
  kept.append(text.substr(at));
  return kept;
}

TEST(Removals, EachRemovedLineIsOneStretchWithItsReasonAndLayoutIsSeparate) {
  auto c = testing::MakeCleaner(kRules, [] {
    CleanerOptions o;
    o.classifier.enabled = false;
    return o;
  }());
  const std::string text = "\n\nA first line\nShare this\nB second\n\n  \nShare this\n\nC third\n";
  Cleaned r = Clean(*c, text);
  ASSERT_TRUE(r.changed);
  EXPECT_EQ(r.text, "A first line\nB second\n\nC third");
  const std::vector<Removal> want = {
      {0, 2, Removal::kLayout},    // the two leading blank lines
      {15, 26, 1},                 // "Share this\n" (rule "share")
      {36, 39, Removal::kLayout},  // "  \n": the first blank line's break is the kept one
      {39, 50, 1},                 // "Share this\n"
      {50, 51, Removal::kLayout},  // the blank line after it
      {58, 59, Removal::kLayout},  // the text's trailing break
  };
  EXPECT_EQ(r.removals, want);
  EXPECT_EQ(CheckRemovals(*c, text, r), r.text);
  EXPECT_EQ(c->ReasonName(1), "share");
  EXPECT_EQ(c->ReasonName(Removal::kLayout), "layout");
  EXPECT_EQ(c->ReasonName(static_cast<int32_t>(c->patterns().rules().size()) +
                          static_cast<int32_t>(ExtraReason::kDuplicate)),
            "duplicate");
}

TEST(Removals, ATruncatedTailIsOneStretchPerLine) {
  auto c = testing::MakeCleaner(kRules);
  std::string article;
  for (int i = 0; i < 8; ++i) {
    article += "Paragraph " + std::to_string(i) + " of the article has enough words to be content.\n";
  }
  const std::string text = article + "Source link\nPosted in News\nLeave a reply";
  Cleaned r = Clean(*c, text);
  ASSERT_TRUE(r.changed);
  ASSERT_EQ(r.removals.size(), 4u);  // the break of the last kept line, then three lines
  EXPECT_EQ(r.removals[0].reason, Removal::kLayout);
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ(c->ReasonName(r.removals[i].reason), "footer");
  EXPECT_EQ(r.removals.back().end, text.size());
  EXPECT_EQ(CheckRemovals(*c, text, r), r.text);
}

// A cut rule cuts wherever it stands once the article's prose stands before it: the cut lines
// each carry the cut rule's reason; above the article it removes only its own line.
TEST(Removals, ACutRuleCutsMidPageAfterProseAndOnlyDropsAboveIt) {
  auto c = testing::MakeCleaner("comments cut il comments \\(\\d+\\)\n", [] {
    CleanerOptions o;
    o.classifier.enabled = false;
    o.dedup = false;
    o.cut_after_prose_bytes = 400;
    return o;
  }());
  std::string article;
  for (int i = 0; i < 3; ++i) {
    article += "Paragraph " + std::to_string(i) +
               " of the article runs long enough to count as prose, with words and more words "
               "about the harbour, its boats, the weather and the town that lives around it.\n";
  }
  std::string comments;
  for (int i = 0; i < 6; ++i) {
    comments += "Reader " + std::to_string(i) +
                " wrote a long comment about the harbour that goes on and on, longer than a "
                "line of chrome would ever be, and it is not the article at all.\n";
  }
  // The comment section is half the page: no truncate rule would cut it in the tail.
  const std::string text = article + "Comments (6)\n" + comments;
  Cleaned r = Clean(*c, text);
  ASSERT_TRUE(r.changed);
  EXPECT_EQ(r.text + "\n", article);
  ASSERT_EQ(r.removals.size(), 8u);  // the last kept line's break, the marker, six comments
  EXPECT_EQ(r.removals[0].reason, Removal::kLayout);
  for (size_t i = 1; i < r.removals.size(); ++i) {
    EXPECT_EQ(c->ReasonName(r.removals[i].reason), "comments");
  }
  EXPECT_EQ(CheckRemovals(*c, text, r), r.text);

  // Above the article (a byline's comment count): only its own line goes.
  const std::string top = "Comments (6)\n" + article;
  r = Clean(*c, top);
  ASSERT_TRUE(r.changed);
  EXPECT_EQ(r.text + "\n", article);
  ASSERT_EQ(r.removals.size(), 2u);
  EXPECT_EQ(c->ReasonName(r.removals[0].reason), "comments");
  EXPECT_EQ(CheckRemovals(*c, top, r), r.text);
}

// Random texts of rule lines, duplicates, prose, blank lines of every kind and both line
// endings: deleting the stretches always gives the new text.
TEST(Removals, DeletingTheStretchesGivesTheNewTextOnRandomTexts) {
  auto c = testing::MakeCleaner(kRules);
  const std::vector<std::string> pieces = {
      "Share this",  "Source link", "> quoted share this", "", "  ", "\t\r", "\xc2\xa0",
      "A line of article prose that is long enough to be kept by every stage of the cleaner.",
      "Duplicate line that repeats itself", "x", "Menu", "Home | About | Contact"};
  std::mt19937_64 rng(12345);
  int changed = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 14);
    for (int i = 0; i < n; ++i) {
      text += pieces[rng() % pieces.size()];
      if (i + 1 < n || rng() % 2) text += rng() % 4 == 0 ? "\r\n" : "\n";
    }
    Cleaned r = Clean(*c, text);
    if (!r.changed || r.dropped) continue;
    ++changed;
    ASSERT_EQ(CheckRemovals(*c, text, r), r.text) << "text: [" << text << "]";
  }
  EXPECT_GT(changed, 1000);
}

// The generated sample through the default rules and classifier.
TEST(Removals, DeletingTheStretchesGivesTheNewTextOnTheGeneratedSample) {
  auto c = testing::DefaultCleaner();
  SampleOptions options;
  options.size_bytes = 2 << 20;
  SampleGenerator gen(options);
  SampleRecord record;
  simdjson::ondemand::parser parser;
  size_t bytes = 0, changed = 0, with_reason = 0;
  while (bytes < options.size_bytes) {
    gen.Next(&record);
    bytes += record.json.size() + 1;
    simdjson::padded_string json(record.json);
    std::string_view text;
    simdjson::ondemand::document doc;
    ASSERT_EQ(parser.iterate(json).get(doc), simdjson::SUCCESS);
    ASSERT_EQ(doc["text"].get_string().get(text), simdjson::SUCCESS);
    const std::string owned(text);
    Cleaned r = Clean(*c, owned);
    if (!r.changed || r.dropped) continue;
    ++changed;
    for (const Removal& m : r.removals) with_reason += m.reason != Removal::kLayout;
    ASSERT_EQ(CheckRemovals(*c, owned, r), r.text) << record.id;
  }
  EXPECT_GT(changed, 100u);
  EXPECT_GT(with_reason, changed);
}

TEST(Removals, TheSeedsSourceLinkLineIsRemovedByItsRule) {
  const std::string shared = testing::SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared is absent";
  std::string seed = testing::ReadFile(shared + "/seed-example/seed.jsonl");
  simdjson::ondemand::parser parser;
  simdjson::padded_string json(seed);
  std::string_view text;
  simdjson::ondemand::document doc;
    ASSERT_EQ(parser.iterate(json).get(doc), simdjson::SUCCESS);
    ASSERT_EQ(doc["text"].get_string().get(text), simdjson::SUCCESS);
  const std::string owned(text);
  auto c = testing::DefaultCleaner();
  Cleaned r = Clean(*c, owned);
  ASSERT_TRUE(r.changed);
  EXPECT_EQ(CheckRemovals(*c, owned, r), r.text);
  bool source_link = false;
  for (const Removal& m : r.removals) {
    if (owned.substr(m.begin, m.end - m.begin).starts_with("Source link")) {
      source_link = m.reason >= 0 && c->ReasonName(m.reason) != "classifier";
    }
  }
  EXPECT_TRUE(source_link) << "the seed's \"Source link\" line is removed by a rule";
}

}  // namespace
}  // namespace boilerstrip
