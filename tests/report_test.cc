// The audit report (src/report/): its figures are clean's, it is the same at any thread count,
// hostile text cannot break or script the page, and the page stays bounded.
#include "report/report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "boilerstrip/pipeline.h"
#include "boilerstrip/sample.h"
#include "test_util.h"

namespace boilerstrip {
namespace {

using report::BuildReport;
using report::RenderHtml;
using report::RenderJson;
using report::Report;
using report::ReportOptions;

Report Build(const Cleaner& cleaner, ReportOptions options) {
  auto r = BuildReport(options, cleaner);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.status().message());
  if (!r.ok()) return Report();
  Report out = std::move(r.value());
  // The figures that vary run to run: the timings.
  out.totals.seconds = out.totals.cpu_seconds = out.totals.serial_cpu_seconds = 0;
  return out;
}

// A generated shard with bad records, a BOM inside, blank lines and a drop-doc document mixed in.
std::string MixedShard(size_t size_bytes) {
  SampleOptions o;
  o.size_bytes = size_bytes;
  SampleGenerator gen(o);
  SampleRecord rec;
  std::string shard;
  size_t n = 0;
  while (shard.size() < size_bytes) {
    gen.Next(&rec);
    shard += rec.json + "\n";
    switch (++n % 97) {
      case 5: shard += "{\"id\": \"bad\", \"text\": \"cut\n"; break;
      case 11: shard += "{\"id\": \"no text\"}\n"; break;
      case 23: shard += "   \n"; break;
      case 37: shard += "\xEF\xBB\xBF{\"text\": \"a byte-order mark inside the shard\"}\n"; break;
      case 41: shard += "{\"text\": \"lone \\ud800 surrogate\"}\n"; break;
      default: break;
    }
  }
  return shard;
}

TEST(Report, TotalsAreCleansStatsAndEveryReasonIsThere) {
  testing::TempDir dir;
  const std::string shard = dir / "mixed.jsonl";
  testing::WriteFile(shard, MixedShard(3 << 20));
  auto cleaner = testing::DefaultCleaner();

  RunOptions run;
  run.inputs = {shard};
  run.output_dir = dir / "out";
  run.verbosity = 0;
  auto cleaned = RunClean(run, *cleaner);
  ASSERT_TRUE(cleaned.ok());
  const Stats& want = cleaned.value().total;

  ReportOptions options;
  options.shards = {shard};
  options.batch_bytes = 256 << 10;  // many chunks
  Report r = Build(*cleaner, options);
  const Stats& got = r.totals;
  EXPECT_GT(got.records_in, 300u);
  EXPECT_GT(got.quarantined, 10u);
  EXPECT_EQ(got.records_in, want.records_in);
  EXPECT_EQ(got.records_out, want.records_out);
  EXPECT_EQ(got.records_changed, want.records_changed);
  EXPECT_EQ(got.quarantined, want.quarantined);
  EXPECT_EQ(got.dropped_doc, want.dropped_doc);
  EXPECT_EQ(got.blank_input_lines, want.blank_input_lines);
  EXPECT_EQ(got.lines_in, want.lines_in);
  EXPECT_EQ(got.lines_removed, want.lines_removed);
  EXPECT_EQ(got.bytes_in, want.bytes_in);
  EXPECT_EQ(got.bytes_out, want.bytes_out);
  EXPECT_EQ(got.removed_by, want.removed_by);
  EXPECT_EQ(got.docs_dropped_by, want.docs_dropped_by);
  EXPECT_EQ(got.bad_by, want.bad_by);

  // Every reason that removed a line has its figures, with clean's line count.
  size_t with_lines = 0;
  for (size_t i = 0; i < want.removed_by.size(); ++i) {
    if (want.removed_by[i] == 0) continue;
    ++with_lines;
    auto it = std::find_if(r.reasons.begin(), r.reasons.end(),
                           [&](const report::ReasonFigures& f) { return f.reason == int32_t(i); });
    ASSERT_NE(it, r.reasons.end()) << cleaner->ReasonName(i);
    EXPECT_EQ(it->lines, want.removed_by[i]) << it->name;
    EXPECT_GT(it->chars, 0u);
    EXPECT_EQ(it->name, cleaner->ReasonName(i));
  }
  EXPECT_GE(with_lines, 5u);
  uint64_t docs = 0;
  for (uint64_t c : r.histogram) docs += c;
  EXPECT_EQ(docs, got.records_out + got.dropped_doc) << "every good document is in the histogram";
  EXPECT_EQ(r.samples.size(), 50u);
  EXPECT_FALSE(r.sites.empty() && r.docs_with_site > 0);
}

// The report's totals carry the CPU time of its stages, as clean's --stats do: all of them, and
// the serial ones (read, fold), a part of it. In the JSON too.
TEST(Report, CpuSecondsAreMeasured) {
  testing::TempDir dir;
  const std::string shard = dir / "mixed.jsonl";
  testing::WriteFile(shard, MixedShard(2 << 20));
  auto cleaner = testing::DefaultCleaner();
  ReportOptions options;
  options.shards = {shard};
  options.batch_bytes = 256 << 10;
  options.threads = 2;
  auto built = BuildReport(options, *cleaner);
  ASSERT_TRUE(built.ok()) << built.status().message();
  const Stats& t = built.value().totals;
  EXPECT_GT(t.cpu_seconds, 0.0);
  EXPECT_GT(t.serial_cpu_seconds, 0.0);
  EXPECT_LT(t.serial_cpu_seconds, t.cpu_seconds);
  const std::string json = RenderJson(built.value());
  EXPECT_EQ(json.find("\"cpu_seconds\": 0.000000"), std::string::npos);
  EXPECT_NE(json.find("\"cpu_seconds\": "), std::string::npos);
}

TEST(Report, TheSameAtAnyThreadCountAndChunkSize) {
  testing::TempDir dir;
  const std::string shard = dir / "mixed.jsonl";
  testing::WriteFile(shard, MixedShard(2 << 20));
  auto cleaner = testing::DefaultCleaner();
  ReportOptions options;
  options.shards = {shard};
  options.seed = 7;
  options.threads = 1;
  options.batch_bytes = 1 << 20;
  const Report a = Build(*cleaner, options);
  options.threads = 2;
  options.batch_bytes = 64 << 10;
  const Report b = Build(*cleaner, options);
  EXPECT_EQ(RenderJson(a), RenderJson(b));
  EXPECT_EQ(RenderHtml(a), RenderHtml(b));
  // Another seed, other documents.
  options.seed = 8;
  const Report c = Build(*cleaner, options);
  ASSERT_EQ(a.samples.size(), c.samples.size());
  size_t same = 0;
  for (size_t i = 0; i < a.samples.size(); ++i) same += a.samples[i].ref.offset == c.samples[i].ref.offset;
  EXPECT_LT(same, a.samples.size());
}

TEST(Report, MaxDocsStopsAtThatRecord) {
  testing::TempDir dir;
  const std::string shard = dir / "mixed.jsonl";
  testing::WriteFile(shard, MixedShard(1 << 20));
  auto cleaner = testing::DefaultCleaner();
  ReportOptions options;
  options.shards = {shard, shard};
  options.max_docs = 121;
  options.batch_bytes = 32 << 10;
  const Report r = Build(*cleaner, options);
  EXPECT_EQ(r.totals.records_in, 121u);
  EXPECT_TRUE(r.stopped_at_max_docs);
  EXPECT_EQ(r.shards[0].error, "read up to --max-docs");
  EXPECT_EQ(r.shards[1].error, "not read (stopped before it)");
}

TEST(Report, AShardThatCannotBeReadFailsAloneAndIsNamed) {
  testing::TempDir dir;
  testing::WriteFile(dir / "a.jsonl", "{\"text\": \"One line of text here.\\nShare this\"}\n");
  testing::WriteFile(dir / "b.jsonl", std::string("\xFD" "7zXZ\0\0garbage", 12));
  auto cleaner = testing::DefaultCleaner();
  ReportOptions options;
  options.shards = {dir / "b.jsonl", dir / "a.jsonl"};
  const Report r = Build(*cleaner, options);
  ASSERT_EQ(r.shards.size(), 2u);
  EXPECT_TRUE(r.shards[0].failed);
  EXPECT_NE(r.shards[0].error.find("xz"), std::string::npos) << r.shards[0].error;
  EXPECT_FALSE(r.shards[1].failed);
  EXPECT_EQ(r.totals.records_in, 1u);
  EXPECT_NE(RenderHtml(r).find("failed: "), std::string::npos);
}

std::string Record(const std::string& url, const std::string& text) {
  return "{\"url\": " + testing::Quote(url) + ", \"text\": " + testing::Quote(text) + "}\n";
}

TEST(Report, HostileTextIsShownAndNeverActs) {
  testing::TempDir dir;
  const std::string evil_line = "Click <script>alert(1)</script> and </style><img src=x onerror=alert(2)> "
                                "\xE2\x80\xAE" "txt.exe & \"quotes\" 'too'";
  std::string text = "Title of the hostile page\n\n" + evil_line + "\n";
  text += std::string(1 << 20, '<') + "\n";  // a 1 MB line
  text += "Control \x01 and \x7f and a bidi isolate \xE2\x81\xA6 here\n";
  text += "Share this\nSource link\n";
  std::string shard = Record("https://evil.example.com/<x>\"", text);
  // Text that the record carries as \u escapes: controls and a NUL.
  shard += "{\"url\": \"https://a.example.org/\", \"text\": \"NUL \\u0000 here\\u001b[31m red\\nShare this\"}\n";
  testing::WriteFile(dir / "evil.jsonl", shard);
  auto cleaner = testing::DefaultCleaner();
  ReportOptions options;
  options.shards = {dir / "evil.jsonl"};
  options.max_record_bytes = 4 << 20;
  const Report r = Build(*cleaner, options);
  ASSERT_EQ(r.samples.size(), 2u);
  const std::string html = RenderHtml(r);
  std::string lower = html;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  EXPECT_EQ(lower.find("<script"), std::string::npos);
  EXPECT_EQ(lower.find("<img"), std::string::npos);
  EXPECT_FALSE(std::regex_search(lower, std::regex("<[a-z]+[^>]*\\ssrc=")));
  EXPECT_EQ(lower.find("url("), std::string::npos);
  size_t styles = 0;
  for (size_t at = 0; (at = lower.find("</style", at)) != std::string::npos; ++at) ++styles;
  EXPECT_EQ(styles, 1u) << "only the page's own style element closes";
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;/style&gt;&lt;img src=x onerror=alert(2)&gt;"), std::string::npos);
  EXPECT_EQ(html.find("\xE2\x80\xAE"), std::string::npos) << "no raw bidi override";
  EXPECT_EQ(html.find("\xE2\x81\xA6"), std::string::npos) << "no raw bidi isolate";
  EXPECT_NE(html.find("U+202E"), std::string::npos);
  EXPECT_NE(html.find("U+0000"), std::string::npos);
  EXPECT_NE(html.find("U+001B"), std::string::npos);
  EXPECT_EQ(html.find('\0'), std::string::npos);
  EXPECT_EQ(html.find('\x01'), std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_LT(html.size(), 200u << 10) << "the 1 MB line is cut for display";
  EXPECT_NE(html.find("more bytes"), std::string::npos);
  // The JSON carries the same text, escaped as JSON.
  const std::string json = RenderJson(r);
  EXPECT_NE(json.find("<script>alert(1)</script>"), std::string::npos);
  EXPECT_NE(json.find("\\u0000"), std::string::npos);
  EXPECT_EQ(json.find('\0'), std::string::npos);
}

TEST(Report, EscapingCutsAtTheBudgetAndAtCodePoints) {
  std::string out;
  report::AppendHtmlEscaped("a<b", 100, &out);
  EXPECT_EQ(out, "a&lt;b");
  out.clear();
  report::AppendHtmlEscaped(std::string(1000, '&'), 50, &out);
  EXPECT_EQ(out.rfind("&amp;&amp;", 0), 0u);
  EXPECT_LT(out.size(), 50u + 80u);
  EXPECT_NE(out.find("more bytes"), std::string::npos);
  out.clear();
  report::AppendHtmlEscaped("\xC3\xA9\xFF\xE2\x82", 100, &out);  // é, a stray byte, a cut one
  EXPECT_EQ(out.rfind("\xC3\xA9", 0), 0u);
  EXPECT_NE(out.find("\\xFF"), std::string::npos);
  EXPECT_NE(out.find("\\xE2"), std::string::npos);
}

// The worst a corpus can do to the page's size: many rules firing on long, distinct lines of
// characters that escaping inflates, in long documents, with the largest sample.
TEST(Report, ThePageStaysUnder20MBOnAHostileLargeInput) {
  std::string rules;
  for (int i = 0; i < 260; ++i) {
    rules += "r" + std::to_string(i) + " drop - ^r" + std::to_string(i) + "x\n";
  }
  auto cleaner = testing::MakeCleaner(rules);
  testing::TempDir dir;
  std::string shard;
  uint64_t n = 0;
  for (int doc = 0; doc < 60; ++doc) {
    std::string text;
    for (int line = 0; line < 120; ++line) {
      const int rule = (doc * 60 + line / 2) % 260;
      if (line % 2) {
        // Removed lines, half of them repeated across documents (the top lists), half once.
        text += "r" + std::to_string(rule) + "x " + std::to_string(line % 4 == 1 ? n++ : doc % 3) +
                " " + std::string(1400, '<') + "\n";
      } else {
        text += "kept " + std::to_string(n++) + " " + std::string(1400, '&') + "\n";
      }
    }
    shard += Record("https://s" + std::to_string(doc) + ".example.com/", text);
  }
  testing::WriteFile(dir / "big.jsonl", shard);
  ReportOptions options;
  options.shards = {dir / "big.jsonl"};
  options.sample = 40;
  const Report r = Build(*cleaner, options);
  EXPECT_EQ(r.reasons.size(), 260u);
  const std::string html = RenderHtml(r);
  EXPECT_LT(html.size(), report::kMaxHtmlBytes);
  EXPECT_GT(html.size(), 5u << 20) << "the input is big enough to reach the bounds";
  EXPECT_NE(html.find("the report's size bound"), std::string::npos);
  options.sample = report::kMaxSample;
  const std::string most = RenderHtml(Build(*cleaner, options));
  EXPECT_LT(most.size(), report::kMaxHtmlBytes);
}

}  // namespace
}  // namespace boilerstrip
