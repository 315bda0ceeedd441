// AttributeRows (annotate.h): a record's Dolma attribute row, from the cleaner's removals.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "boilerstrip/annotate.h"
#include "test_util.h"

namespace boilerstrip {
namespace {

constexpr char kRules[] =
    "share   drop     il  share this\n"
    "spam    drop-doc i   buy cheap pills\n";

CleanerOptions NoClassifier() {
  CleanerOptions o;
  o.classifier.enabled = false;
  return o;
}

// The row of one record (padded as the pipeline's batches are).
struct RowOf {
  RecordOutcome outcome;
  std::string row;
};
RowOf Row(const AttributeRows& rows, const Cleaner& c, const std::string& record) {
  simdjson::padded_string padded(record);
  auto state = c.MakeState();
  Stats stats;
  stats.Resize(c.patterns().rules().size());
  RowOf r;
  r.outcome = rows.Row(std::string_view(padded.data(), record.size()), *state, &stats, &r.row);
  return r;
}

TEST(Annotate, SpansAreCodePointsGroupedByReasonWithLayoutLast) {
  auto c = testing::MakeCleaner(kRules, NoClassifier());
  AttributeRows rows(*c, "p__q");
  // "é" and "’" are two and three bytes: the offsets count them once.
  RowOf r = Row(rows, *c,
                R"({"id":"a1","source":"web","text":"Café line one stays\nShare this\nIt’s kept\n"})");
  EXPECT_EQ(r.outcome.verdict, RecordVerdict::kWritten);
  EXPECT_TRUE(r.outcome.changed);
  // Line 2 is code points [20, 31); the text's trailing break goes as layout (40, 41).
  EXPECT_EQ(r.row,
            R"({"id":"a1","source":"web","attributes":{"p__q__removed":[[20,31,1.0],[40,41,1.0]],)"
            R"("p__q__share":[[20,31,1.0]],"p__q__layout":[[40,41,1.0]]}})");
}

TEST(Annotate, UnchangedDroppedAndIdsAsWritten) {
  auto c = testing::MakeCleaner(kRules, NoClassifier());
  AttributeRows rows(*c, "b");
  RowOf r = Row(rows, *c, R"({"text":"Nothing to remove here","id":  12 })");
  EXPECT_EQ(r.row, R"({"id":12,"attributes":{"b__removed":[]}})");
  EXPECT_FALSE(r.outcome.changed);
  r = Row(rows, *c, R"({"id":{"k":[1,2]},"text":"x\nBuy cheap pills ✓"})");
  EXPECT_EQ(r.outcome.verdict, RecordVerdict::kDropped);
  EXPECT_EQ(r.row, R"({"id":{"k":[1,2]},"attributes":{"b__removed":[[0,19,1.0]],)"
                   R"("b__drop_doc":[[0,19,1.0]],"b__spam":[[0,19,1.0]]}})");
  r = Row(rows, *c, R"({"id":"n","text":42})");
  EXPECT_EQ(r.outcome.verdict, RecordVerdict::kBad);
  EXPECT_EQ(r.outcome.bad, BadRecord::kNonStringText);
  EXPECT_TRUE(r.row.empty());
}

TEST(Annotate, BadRecordsGetAnEmptyRowWithTheirIdWhenItCanBeRead) {
  auto c = testing::MakeCleaner(kRules, NoClassifier());
  AttributeRows rows(*c, "b");
  auto bad_row = [&](const std::string& record) {
    simdjson::padded_string padded(record);
    std::string out;
    rows.BadRow(std::string_view(padded.data(), record.size()), &out);
    return out;
  };
  EXPECT_EQ(bad_row(R"({"id":"q","text":"lone \ud800"})"), "{\"id\":\"q\",\"attributes\":{}}\n");
  EXPECT_EQ(bad_row(R"({"id":"q","text":"unterminated)"), "{\"id\":null,\"attributes\":{}}\n");
  EXPECT_EQ(bad_row("{\"id\":\"\xff\"}"), "{\"id\":null,\"attributes\":{}}\n");
  EXPECT_EQ(bad_row(""), "{\"id\":null,\"attributes\":{}}\n");
}

}  // namespace
}  // namespace boilerstrip
