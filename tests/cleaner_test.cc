#include "boilerstrip/cleaner.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <simdjson.h>

#include "test_util.h"

namespace boilerstrip {
namespace {

using testing::CleanOne;
using testing::CleanTextOf;
using testing::MakeCleaner;
using testing::Quote;

constexpr char kRules[] =
    "footer  truncate il  source link\n"
    "share   drop     il  share this\n"
    "spam    drop-doc i   buy cheap pills\n"
    "quote   keep     i   ^>\n"
    "quote-drop drop  i   ^> drop me\n";

// Eight long article lines, so that the last third starts around line six.
std::string Article(int n = 8) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += "Paragraph " + std::to_string(i) + " of the article has enough words to be content.\n";
  }
  return s;
}

TEST(Cleaner, UnchangedTextIsReturnedAsIs) {
  auto c = MakeCleaner(kRules);
  std::string text = "\n  Leading blank and trailing newline stay\n\n\nwhen nothing is removed\n";
  Stats stats;
  EXPECT_EQ(CleanTextOf(*c, text, &stats), text);
  EXPECT_EQ(stats.lines_in, 2u);
  EXPECT_EQ(stats.lines_removed, 0u);
}

TEST(Cleaner, DropRemovesTheLineAndKeepsParagraphBreaks) {
  auto c = MakeCleaner(kRules);
  Stats stats;
  EXPECT_EQ(CleanTextOf(*c, "A first line\nShare this\nB second\n\nShare this\n\nC third", &stats),
            "A first line\nB second\n\nC third");
  EXPECT_EQ(stats.lines_removed, 2u);
  EXPECT_EQ(stats.removed_by[1], 2u);  // rule "share"
}

TEST(Cleaner, NoLeadingOrTrailingBlankLinesAfterRemoval) {
  auto c = MakeCleaner(kRules);
  EXPECT_EQ(CleanTextOf(*c, "\n\nShare this\n\nBody line\n\n"), "Body line");
}

TEST(Cleaner, CrLfSeparatorsArePreserved) {
  auto c = MakeCleaner(kRules);
  EXPECT_EQ(CleanTextOf(*c, "One\r\nShare this\r\nTwo\r\n\r\nThree"), "One\r\nTwo\r\n\r\nThree");
}

TEST(Cleaner, TruncateInTheTailCutsEverythingAfter) {
  auto c = MakeCleaner(kRules);
  Stats stats;
  std::string text = Article() + "Source link\nPosted in News\nSome Site Name\nLeave a reply";
  EXPECT_EQ(CleanTextOf(*c, text, &stats), Article().substr(0, Article().size() - 1));
  EXPECT_EQ(stats.removed_by[0], 4u);
}

TEST(Cleaner, TruncateOutsideTheTailOnlyDropsItsLine) {
  auto c = MakeCleaner(kRules);
  std::string text = "Source link\n" + Article();
  EXPECT_EQ(CleanTextOf(*c, text), Article().substr(0, Article().size() - 1));
}

TEST(Cleaner, TailFractionIsAnOption) {
  CleanerOptions opt;
  opt.tail_fraction = 1.0;  // the whole text is tail
  auto c = MakeCleaner(kRules, opt);
  EXPECT_EQ(CleanTextOf(*c, "Intro\nSource link\n" + Article()), "Intro");
  opt.tail_fraction = 0.0;  // never truncate
  auto d = MakeCleaner(kRules, opt);
  EXPECT_EQ(CleanTextOf(*d, "Intro\nSource link\nOutro"), "Intro\nOutro");
}

TEST(Cleaner, TruncateCutsOutsideTheTailAfterEnoughProse) {
  // Long lines (150 bytes or more) are article prose; a truncate line below 5,000 bytes of them
  // cuts the rest, however long the rest (comments) runs.
  std::string para(160, 'x');
  auto article = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += para + "\n";
    return s;
  };
  std::string rest;
  // 200 short lines: the truncate line stands well before the last third.
  for (int i = 0; i < 200; ++i) rest += "Comment " + std::to_string(i) + " below the article\n";
  CleanerOptions opt;
  opt.classifier.enabled = false;
  opt.dedup = false;
  auto c = MakeCleaner(kRules, opt);
  // 32 x 160 = 5,120 bytes of prose above the line: the rest goes.
  EXPECT_TRUE(CleanTextOf(*c, article(32) + "Source link\n" + rest) + "\n" == article(32));
  // 30 x 160 = 4,800 bytes: the line alone goes (it is not in the last third).
  EXPECT_TRUE(CleanTextOf(*c, article(30) + "Source link\n" + rest) + "\n" == article(30) + rest);
  opt.truncate_after_prose_bytes = 4000;
  auto d = MakeCleaner(kRules, opt);
  EXPECT_TRUE(CleanTextOf(*d, article(30) + "Source link\n" + rest) + "\n" == article(30));
  opt.truncate_after_prose_bytes = 0;  // off
  auto e = MakeCleaner(kRules, opt);
  EXPECT_TRUE(CleanTextOf(*e, article(32) + "Source link\n" + rest) + "\n" == article(32) + rest);
}

TEST(Cleaner, KeepProtectsLinesFromRulesAndTruncation) {
  auto c = MakeCleaner(kRules);
  // "> drop me" matches both keep and drop: keep wins. A keep line after a truncation point
  // survives too.
  std::string text = Article() + "> drop me\nSource link\nchrome\n> quoted reply stays";
  EXPECT_EQ(CleanTextOf(*c, text), Article() + "> drop me\n> quoted reply stays");
}

TEST(Cleaner, DropDocRemovesTheDocumentAndCountsTheRule) {
  auto c = MakeCleaner(kRules);
  Stats stats;
  bool dropped = false;
  CleanTextOf(*c, "Hello\nBuy CHEAP pills now\nBye", &stats, &dropped);
  EXPECT_TRUE(dropped);
  EXPECT_EQ(stats.docs_dropped_by[2], 1u);
  // A keep line is protected from drop-doc as well.
  dropped = true;
  CleanTextOf(*c, "> buy cheap pills", &stats, &dropped);
  EXPECT_FALSE(dropped);
}

TEST(Cleaner, LaterDuplicatesGoAfterNormalization) {
  auto c = MakeCleaner("");
  Stats stats;
  std::string text =
      "Kim’s visit to China was in January\n\n"
      "A different line in between here\n"
      "KIM'S   visit to China was in January \n"
      "Reply\nReply\n"
      "“Quoted words” — with a dash here\n"
      "\"Quoted words\" - with a dash here";
  EXPECT_EQ(CleanTextOf(*c, text, &stats),
            "Kim’s visit to China was in January\n\nA different line in between here\n"
            "Reply\nReply\n“Quoted words” — with a dash here");
  EXPECT_EQ(stats.removed_by[static_cast<size_t>(ExtraReason::kDuplicate)], 2u);
}

// Lines are compared by their normal forms whichever way they are found: by the signature of
// their ASCII letters and digits (which anagrams share) or, with too few of those, by the
// normal form's hash.
TEST(Cleaner, DedupComparesNormalFormsOnEveryPath) {
  auto c = MakeCleaner("");
  Stats stats;
  std::string text =
      "stop the pots now please friends\n"  // anagrams: the same letters, other lines
      "pots the stop now please friends\n"
      "Stop  the POTS now please friends\n"  // a duplicate of the first
      "Владимир Путин посетил Китай\n"      // few ASCII letters: the hash path
      "ВЛАДИМИР  путин посетил КИТАЙ\n"
      "\u2014 \u2014 \u2014 \u2014 \u2014 \u2014 \u2014 \u2014 \u2014\n"  // no letters, 17 bytes normalized
      "- - - - - - - - -\n"
      "Владимир Путин посетил Китай!";
  EXPECT_EQ(CleanTextOf(*c, text, &stats),
            "stop the pots now please friends\npots the stop now please friends\n"
            "Владимир Путин посетил Китай\n"
            "\u2014 \u2014 \u2014 \u2014 \u2014 \u2014 \u2014 \u2014 \u2014\n"
            "Владимир Путин посетил Китай!");
  EXPECT_EQ(stats.removed_by[static_cast<size_t>(ExtraReason::kDuplicate)], 3u);
}

TEST(Cleaner, DedupMinimumAndSwitchAreOptions) {
  CleanerOptions opt;
  opt.min_dedup_bytes = 3;
  auto c = MakeCleaner("", opt);
  EXPECT_EQ(CleanTextOf(*c, "Reply\nbody\nReply"), "Reply\nbody");
  opt.dedup = false;
  auto d = MakeCleaner("", opt);
  std::string text = "A long repeated line of text\nA long repeated line of text";
  EXPECT_EQ(CleanTextOf(*d, text), text);
}

TEST(Cleaner, EverythingRemovedGivesEmptyText) {
  auto c = MakeCleaner(kRules);
  EXPECT_EQ(CleanTextOf(*c, "Share this\n\nshare THIS"), "");
}

// --- records ---

TEST(Cleaner, RecordBytesOutsideTheTextAreCopied) {
  auto c = MakeCleaner(kRules);
  std::string record =
      R"({"id":1.50e3,"url":"https:\/\/x.example\/a","text":"Body\nShare this\n\u00e9t\u00e9 \"q\"",)"
      R"( "meta" : {"k": [1, 2, {"z": null}], "s": "\u2019"}  })";
  std::string out;
  RecordOutcome r = CleanOne(*c, record, &out);
  ASSERT_EQ(r.verdict, RecordVerdict::kWritten);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(out,
            R"({"id":1.50e3,"url":"https:\/\/x.example\/a","text":"Body\nété \"q\"",)"
            R"( "meta" : {"k": [1, 2, {"z": null}], "s": "\u2019"}  })");
}

TEST(Cleaner, UnchangedRecordIsByteIdentical) {
  auto c = MakeCleaner(kRules);
  std::string record = "\xEF\xBB\xBF{ \"text\" : \"Nothing \\u0041 here\\r\\n\" , \"n\":-0 }\r";
  std::string out;
  RecordOutcome r = CleanOne(*c, record, &out);
  ASSERT_EQ(r.verdict, RecordVerdict::kWritten);
  EXPECT_FALSE(r.changed);
  EXPECT_EQ(out, record);
}

// RFC 8259 numbers that no double or 64-bit integer holds are valid JSON (real metadata has
// them): the record is cleaned, and each number is written back byte for byte.
TEST(Cleaner, NumbersPastDoubleAndInt64AreValidAndKeptAsTheyAre) {
  auto c = MakeCleaner(kRules);
  for (std::string number :
       {"1e400", "123456789012345678901234567890", "-0.0e-999", "1E+400", "-1e-400",
        "18446744073709551616", "-9223372036854775809", "0.00000000000000000000000000001e-999",
        "-123456789012345678901234567890.123456789012345678901234567890E-0400"}) {
    const std::string rest = ",\"n\":" + number + ", \"a\":[" + number + ",{\"m\":" + number +
                             "}],\"z\":" + number + "}";
    std::string out;
    RecordOutcome r = CleanOne(*c, "{\"text\":\"Body\\nShare this\"" + rest, &out);
    ASSERT_EQ(r.verdict, RecordVerdict::kWritten) << number << " " << BadRecordName(r.bad);
    EXPECT_TRUE(r.changed);
    EXPECT_EQ(out, "{\"text\":\"Body\"" + rest);
    // Unchanged, the record is written byte-identical; a number may also precede the text.
    const std::string same = "{\"n\":" + number + ",\"text\":\"Body\"" + rest;
    r = CleanOne(*c, same, &out);
    ASSERT_EQ(r.verdict, RecordVerdict::kWritten) << number;
    EXPECT_FALSE(r.changed);
    EXPECT_EQ(out, same);
  }
}

TEST(Cleaner, EscapedFormsAreTheSameCharactersToRulesAndDedup) {
  auto c = MakeCleaner(kRules);
  // "Share this" spelled with escapes is still matched; the duplicate with \u2019 is found.
  std::string record = R"({"text":"It\u2019s a long headline here\n\u0053hare this\nIt’s a long headline here\nTab\there \u0000 nul"})";
  std::string out;
  ASSERT_EQ(CleanOne(*c, record, &out).verdict, RecordVerdict::kWritten);
  EXPECT_EQ(out, R"({"text":"It’s a long headline here\nTab\there \u0000 nul"})");
}

TEST(Cleaner, NewTextIsEscapedMinimally) {
  std::string out;
  AppendJsonEscaped(std::string("q\"b\\n\n\t\r\b\f\x01\x1f é", 15), &out);
  EXPECT_EQ(out, "q\\\"b\\\\n\\n\\t\\r\\b\\f\\u0001\\u001f é");
  simdjson::dom::parser parser;
  std::string doc = "\"" + out + "\"";
  std::string_view back;
  ASSERT_EQ(parser.parse(doc).get(back), simdjson::SUCCESS);
  EXPECT_EQ(back, std::string("q\"b\\n\n\t\r\b\f\x01\x1f é", 15));
}

// Random texts, with the bytes to escape at every distance from the 16-byte blocks the fast
// path reads: the output must equal the byte-at-a-time escaping and parse back to the text.
TEST(Cleaner, EscapingMatchesTheReferenceOnRandomText) {
  auto reference = [](std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '\t') out += "\\t";
      else if (c == '\r') out += "\\r";
      else if (c == '\b') out += "\\b";
      else if (c == '\f') out += "\\f";
      else if (c < 0x20) {
        char esc[7];
        std::snprintf(esc, sizeof esc, "\\u%04x", c);
        out += esc;
      } else out += static_cast<char>(c);
    }
    return out;
  };
  const char pieces[] = {'a', 'Z', ' ', '"', '\\', '\n', '\t', '\x01', '\x1f', '\x7f', '\xc3', '\xa9'};
  uint64_t state = 99;
  simdjson::dom::parser parser;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string text;
    const size_t n = (state = state * 6364136223846793005ULL + 1442695040888963407ULL) >> 58;
    for (size_t k = 0; k < n; ++k) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      // Mostly plain letters, so that runs cross the 16-byte blocks.
      text += (state >> 60) < 12 ? 'x' : pieces[(state >> 33) % sizeof pieces];
    }
    std::string out = "prefix";
    AppendJsonEscaped(text, &out);
    ASSERT_EQ(out, "prefix" + reference(text)) << ::testing::PrintToString(text);
  }
}

TEST(Cleaner, TextFieldNameIsAnOption) {
  CleanerOptions opt;
  opt.text_field = "content";
  auto c = MakeCleaner(kRules, opt);
  std::string out;
  ASSERT_EQ(CleanOne(*c, R"({"text":"Share this","content":"a\nShare this"})", &out).verdict,
            RecordVerdict::kWritten);
  EXPECT_EQ(out, R"({"text":"Share this","content":"a"})");
}

TEST(Cleaner, DroppedDocumentVerdict) {
  auto c = MakeCleaner(kRules);
  std::string out;
  EXPECT_EQ(CleanOne(*c, R"({"text":"buy cheap pills"})", &out).verdict, RecordVerdict::kDropped);
}

struct BadCase {
  const char* record;
  BadRecord reason;
};

class CleanerBadRecord : public ::testing::TestWithParam<BadCase> {};

TEST_P(CleanerBadRecord, IsReportedWithItsReason) {
  auto c = MakeCleaner(kRules);
  std::string out = "untouched";
  Stats stats;
  stats.Resize(c->patterns().rules().size());
  simdjson::padded_string padded{std::string(GetParam().record)};
  auto state = c->MakeState();
  RecordOutcome r = c->CleanRecord(std::string_view(padded.data(), padded.size()), *state, &stats,
                                   &out);
  EXPECT_EQ(r.verdict, RecordVerdict::kBad);
  EXPECT_EQ(BadRecordName(r.bad), BadRecordName(GetParam().reason)) << GetParam().record;
  EXPECT_EQ(out, "untouched");
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, CleanerBadRecord,
    ::testing::Values(BadCase{R"({"text":"unterminated)", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a"} garbage)", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a"}{"text":"b"})", BadRecord::kInvalidJson},
                      BadCase{R"("just a string")", BadRecord::kInvalidJson},
                      BadCase{R"([{"text":"in an array"}])", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a", "x": [1,,2]})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a", "x": tru})", BadRecord::kInvalidJson},
                      BadCase{"{\"text\":\"bad \xC3\x28 utf8\"}", BadRecord::kInvalidUtf8},
                      BadCase{R"({"text":"lone \ud800 surrogate"})", BadRecord::kInvalidString},
                      BadCase{R"({"text":"bad \q escape"})", BadRecord::kInvalidString},
                      BadCase{R"({"text":"a","x":"bad \q escape"})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":[[[]]})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":{"y":1})", BadRecord::kInvalidJson},
                      // Numbers outside RFC 8259's grammar, wherever they stand.
                      BadCase{R"({"text":"a","x":01})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":-01})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":1.})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":1.e5})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":.5})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":+1})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":1e})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":1e+})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":1E-})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":-})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":- 1})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":NaN})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":Infinity})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":-Infinity})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":0x1F})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":1.5.5})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":"a","x":[1e400x]})", BadRecord::kInvalidJson},
                      BadCase{R"({"x":1e,"text":"a"})", BadRecord::kInvalidJson},
                      BadCase{R"({"text":1e400})", BadRecord::kNonStringText},
                      BadCase{R"({"id":1})", BadRecord::kMissingText},
                      BadCase{R"({"text":null})", BadRecord::kNonStringText},
                      BadCase{R"({"text":42})", BadRecord::kNonStringText},
                      BadCase{R"({"text":{"a":"b"}})", BadRecord::kNonStringText},
                      BadCase{R"({"text":"a","text":"b"})", BadRecord::kDuplicateText}));

// A scan that fails says nothing of which rules match: the record is never written as if none
// did; the failure is a value that fails the shard.
TEST(Cleaner, FailedScanIsAFailureNeverAnUncleanedRecord) {
  auto c = MakeCleaner(kRules);
  auto state = c->MakeState();
  Cleaner::EmptyScratchForTesting(*state);
  Stats stats;
  stats.Resize(c->patterns().rules().size());
  std::string out = "untouched";
  int drop_rule = -1;
  Result<bool> text = c->CleanText("Body\nShare this", *state, &stats, &out, &drop_rule);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().scope(), ErrorScope::kShard);
  EXPECT_NE(text.status().message().find("rule scan failed"), std::string::npos)
      << text.status().message();
  EXPECT_EQ(stats.lines_in, 0u);
  EXPECT_EQ(stats.lines_removed, 0u);

  // Even a text no rule matches: the scan itself failed.
  for (const char* json : {R"({"text":"Body\nShare this"})", R"({"text":"Nothing to drop"})"}) {
    simdjson::padded_string padded{std::string(json)};
    out = "untouched";
    RecordOutcome r = c->CleanRecord(std::string_view(padded.data(), padded.size()), *state,
                                     &stats, &out);
    EXPECT_EQ(r.verdict, RecordVerdict::kFailed) << json;
    EXPECT_NE(r.error.find("rule scan failed"), std::string::npos) << r.error;
    EXPECT_EQ(out, "untouched");
  }
  // A bad record is bad before any scan.
  simdjson::padded_string bad{std::string(R"({"text":1})")};
  RecordOutcome r = c->CleanRecord(std::string_view(bad.data(), bad.size()), *state, &stats, &out);
  EXPECT_EQ(r.verdict, RecordVerdict::kBad);
  EXPECT_TRUE(r.error.empty());
  // A fresh state scans again.
  EXPECT_EQ(CleanTextOf(*c, "Body\nShare this"), "Body");
}

TEST(Cleaner, DeepNestingIsInvalidNotACrash) {
  auto c = MakeCleaner(kRules);
  std::string record = "{\"text\":\"a\",\"x\":" + std::string(10000, '[') +
                       std::string(10000, ']') + "}";
  std::string out;
  RecordOutcome r = CleanOne(*c, record, &out);
  EXPECT_EQ(r.verdict, RecordVerdict::kBad);
  EXPECT_EQ(r.bad, BadRecord::kInvalidJson);
}

TEST(Cleaner, RejectsBadOptions) {
  std::vector<RuleError> errors;
  std::shared_ptr<const PatternSet> set = std::move(PatternSet::Compile({}, &errors).value());
  CleanerOptions opt;
  opt.tail_fraction = 1.5;
  EXPECT_FALSE(Cleaner::Create(opt, set).ok());
  opt = {};
  opt.text_field = "";
  EXPECT_FALSE(Cleaner::Create(opt, set).ok());
  EXPECT_FALSE(Cleaner::Create({}, nullptr).ok());
}

// The seed page through the library: the golden text of the project's starting point.
TEST(Cleaner, SeedExampleBecomesExpectedText) {
  std::string shared = testing::SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared is absent";
  std::string seed = testing::ReadFile(shared + "/seed-example/seed.jsonl");
  std::string expected = testing::ReadFile(shared + "/seed-example/expected.jsonl");
  ASSERT_FALSE(seed.empty());
  while (!seed.empty() && seed.back() == '\n') seed.pop_back();
  while (!expected.empty() && expected.back() == '\n') expected.pop_back();
  auto c = testing::DefaultCleaner();
  std::string out;
  ASSERT_EQ(CleanOne(*c, seed, &out).verdict, RecordVerdict::kWritten);
  EXPECT_EQ(out, expected);
}

}  // namespace
}  // namespace boilerstrip
