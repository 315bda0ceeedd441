#include "record/record_fields.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <optional>
#include <string>
#include <vector>

#include "boilerstrip/site_profile.h"
#include "test_util.h"

namespace boilerstrip {
namespace {

using record::IsJsonNumber;
using record::ParseRecordFields;
using record::RecordFields;
using testing::TempDir;
using testing::WriteFile;

// Parses `json` (copied with simdjson padding into *buf, which the views point into).
std::optional<BadRecord> Parse(simdjson::ondemand::parser& parser, const std::string& json,
                               std::string_view url_path, RecordFields* fields,
                               simdjson::padded_string* buf, std::string_view text_field = "text") {
  *buf = simdjson::padded_string(json);
  return ParseRecordFields(parser, std::string_view(buf->data(), json.size()), text_field,
                           url_path, fields);
}

TEST(RecordFields, TextTokenIsAViewOfTheRecordAndTextIsUnescaped) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string buf;
  RecordFields f;
  const std::string json = "\xEF\xBB\xBF{\"id\" : 1e400, \"text\" :  \"a\\nb \\u00e9\\\"\"  ,\"z\":[]}";
  ASSERT_EQ(Parse(parser, json, "", &f, &buf), std::nullopt);
  EXPECT_EQ(f.text, "a\nb \u00e9\"");
  EXPECT_EQ(f.text_token, "\"a\\nb \\u00e9\\\"\"");
  // The token lies in the record's own bytes, past the byte order mark.
  EXPECT_EQ(f.text_token.data(), buf.data() + json.find("\"a"));
  EXPECT_TRUE(f.url.empty());
}

TEST(RecordFields, UrlPathFollowsObjectKeys) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string buf;
  RecordFields f;
  const std::string json =
      R"({"meta":{"url":"https://b.com/","src":{"x":[1,{"url":"https://c.com"}],)"
      R"("url":"https:\/\/a.com\/1"}},"url":"https://top.com/","text":"t"})";
  ASSERT_EQ(Parse(parser, json, "meta.src.url", &f, &buf), std::nullopt);
  EXPECT_EQ(f.url, "https://a.com/1");
  ASSERT_EQ(Parse(parser, json, "url", &f, &buf), std::nullopt);
  EXPECT_EQ(f.url, "https://top.com/");
  ASSERT_EQ(Parse(parser, json, "", &f, &buf), std::nullopt);
  EXPECT_EQ(f.url, "");  // not asked for
  // An array on the way, a path past a string, a value that is not a string: no URL.
  for (const char* path : {"meta.src.x.url", "url.more", "meta.src", "missing", "meta."}) {
    ASSERT_EQ(Parse(parser, json, path, &f, &buf), std::nullopt) << path;
    EXPECT_EQ(f.url, "") << path;
  }
  // Keys are compared unescaped; with duplicate keys the last one counts.
  ASSERT_EQ(Parse(parser, R"({"u\u0072l":"https://a.com/","url":"https://b.com/","text":"t"})",
                  "url", &f, &buf),
            std::nullopt);
  EXPECT_EQ(f.url, "https://b.com/");
  // An empty component is a key "".
  ASSERT_EQ(Parse(parser, R"({"a":{"":"https://e.com/"},"text":"t"})", "a.", &f, &buf),
            std::nullopt);
  EXPECT_EQ(f.url, "https://e.com/");
}

TEST(RecordFields, TextFieldIsATopLevelKeyComparedUnescaped) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string buf;
  RecordFields f;
  ASSERT_EQ(Parse(parser, R"({"te\u0078t":"a"})", "", &f, &buf), std::nullopt);
  EXPECT_EQ(f.text, "a");
  EXPECT_EQ(Parse(parser, R"({"meta":{"text":"a"}})", "", &f, &buf), BadRecord::kMissingText);
  ASSERT_EQ(Parse(parser, R"({"text":1,"body":"b"})", "", &f, &buf, "body"), std::nullopt);
  EXPECT_EQ(f.text, "b");
}

TEST(RecordFields, TextFieldTakesADottedPathLikeTheUrl) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string buf;
  RecordFields f;
  const std::string json =
      R"({"content":{"title":"T","body":"a\nb"},"meta":{"url":"https://a.com/"}})";
  ASSERT_EQ(Parse(parser, json, "meta.url", &f, &buf, "content.body"), std::nullopt);
  EXPECT_EQ(f.text, "a\nb");
  EXPECT_EQ(f.text_token, "\"a\\nb\"");
  EXPECT_EQ(f.text_token.data(), buf.data() + json.find("\"a\\nb"));
  EXPECT_EQ(f.url, "https://a.com/");
  // The same verdicts as a top-level text: missing, not a string, twice, bad string; a record
  // broken elsewhere is invalid JSON first.
  EXPECT_EQ(Parse(parser, json, "", &f, &buf, "content.text"), BadRecord::kMissingText);
  EXPECT_EQ(Parse(parser, json, "", &f, &buf, "content.body.x"), BadRecord::kMissingText);
  EXPECT_EQ(Parse(parser, json, "", &f, &buf, "content"), BadRecord::kNonStringText);
  EXPECT_EQ(Parse(parser, R"({"c":{"b":"x","b":"y"}})", "", &f, &buf, "c.b"),
            BadRecord::kDuplicateText);
  EXPECT_EQ(Parse(parser, R"({"c":{"b":"x"},"c":{"b":"y"}})", "", &f, &buf, "c.b"),
            BadRecord::kDuplicateText);
  EXPECT_EQ(Parse(parser, R"({"c":{"b":"\ud800"}})", "", &f, &buf, "c.b"),
            BadRecord::kInvalidString);
  EXPECT_EQ(Parse(parser, R"({"c":{"b":"x"},"d":[1,]})", "", &f, &buf, "c.b"),
            BadRecord::kInvalidJson);
  EXPECT_EQ(Parse(parser, R"({"c":{"b":"x"}} x)", "", &f, &buf, "c.b"), BadRecord::kInvalidJson);
  // Through an array: nothing.
  EXPECT_EQ(Parse(parser, R"({"c":[{"b":"x"}]})", "", &f, &buf, "c.b"), BadRecord::kMissingText);
}

struct BadCase {
  const char* json;
  BadRecord reason;
};

class RecordFieldsBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(RecordFieldsBad, GivesItsReason) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string buf;
  RecordFields f;
  std::optional<BadRecord> bad = Parse(parser, GetParam().json, "meta.url", &f, &buf);
  ASSERT_TRUE(bad.has_value()) << GetParam().json;
  EXPECT_EQ(BadRecordName(*bad), BadRecordName(GetParam().reason)) << GetParam().json;
}

// The reasons and their order: invalid JSON anywhere comes before every text verdict; then
// missing, duplicate, non-string, bad escape.
INSTANTIATE_TEST_SUITE_P(
    Catalogue, RecordFieldsBad,
    ::testing::Values(
        BadCase{"", BadRecord::kInvalidJson},
        BadCase{"\xEF\xBB\xBF", BadRecord::kInvalidJson},
        BadCase{R"([])", BadRecord::kInvalidJson},
        BadCase{R"({"text":"a"} x)", BadRecord::kInvalidJson},
        BadCase{"{\"text\":\"a\",\"x\":\"\xC3\x28\"}", BadRecord::kInvalidUtf8},
        BadCase{R"({"text":"\q","x":tru})", BadRecord::kInvalidJson},
        BadCase{R"({"text":1,"text":2,"x":nul})", BadRecord::kInvalidJson},
        BadCase{R"({"meta":{"url":"\q"},"text":"a"})", BadRecord::kInvalidJson},
        BadCase{R"({"meta":{"url":01},"text":"a"})", BadRecord::kInvalidJson},
        BadCase{R"({"text":"a","n":[1,2,-]})", BadRecord::kInvalidJson},
        BadCase{R"({"text":"a","n":1 2})", BadRecord::kInvalidJson},
        BadCase{R"({"x":1})", BadRecord::kMissingText},
        BadCase{R"({"text":1,"text":"a"})", BadRecord::kDuplicateText},
        BadCase{R"({"text":"\q","text":"a"})", BadRecord::kDuplicateText},
        BadCase{R"({"text":[1e400]})", BadRecord::kNonStringText},
        BadCase{R"({"text":false})", BadRecord::kNonStringText},
        BadCase{R"({"text":"\ud800"})", BadRecord::kInvalidString}));

TEST(RecordFields, NumbersFollowRfc8259) {
  for (const char* good : {"0", "-0", "1", "-1", "10", "0.5", "-0.0e-999", "1e400", "1E+400",
                           "1e-0", "123456789012345678901234567890", "9.99999999999999999999e99999",
                           "0e0", "-0E+00"}) {
    EXPECT_TRUE(IsJsonNumber(good)) << good;
  }
  for (const char* bad : {"", "-", "+1", "01", "-01", "00", "1.", ".5", "-.5", "1e", "1e+", "1E-",
                          "1.e5", "1.5.5", "1e5e5", "0x1F", "NaN", "Infinity", "-Infinity",
                          "1 ", " 1", "1_000", "١"}) {
    EXPECT_FALSE(IsJsonNumber(bad)) << bad;
  }
}

// The text and URL live in the parser: a second record's parse replaces them, while the token
// views the record's own bytes.
TEST(RecordFields, OneParserServesManyRecords) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string a, b;
  RecordFields fa, fb;
  ASSERT_EQ(Parse(parser, R"({"url":"https://a.com/","text":"first"})", "url", &fa, &a),
            std::nullopt);
  EXPECT_EQ(fa.text, "first");
  EXPECT_EQ(fa.text_token, "\"first\"");
  ASSERT_EQ(Parse(parser, R"({"url":"https://b.com/","text":"second"})", "url", &fb, &b),
            std::nullopt);
  EXPECT_EQ(fb.text, "second");
  EXPECT_EQ(fb.url, "https://b.com/");
  EXPECT_EQ(fa.text_token, "\"first\"");
}

// The profile pass reads records as the cleaner does: numbers past a double or a 64-bit
// integer are valid, numbers outside RFC 8259's grammar make the record bad.
TEST(RecordProfile, NumbersPastDoubleAndInt64AreProfiled) {
  TempDir dir;
  const std::vector<std::string> good = {"1e400", "123456789012345678901234567890", "-0.0e-999",
                                         "18446744073709551616", "-1E-400"};
  const std::vector<std::string> bad = {"01", "1.", ".5", "+1", "1e", "-", "NaN", "Infinity"};
  std::string shard;
  for (const std::string& n : good) {
    shard += "{\"id\":" + n + ",\"url\":\"https://a.com/" + n + "\",\"meta\":[" + n +
             "],\"text\":\"Menu\\nBody\"}\n";
  }
  for (const std::string& n : bad) {
    shard += "{\"id\":" + n + ",\"url\":\"https://a.com/x\",\"text\":\"Menu\\nBody\"}\n";
  }
  WriteFile(dir / "s.jsonl", shard);
  ProfileOptions o;
  o.inputs = {dir / "s.jsonl"};
  o.output = dir / "p";
  auto r = RunProfile(o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().records_in, good.size() + bad.size());
  EXPECT_EQ(r.value().records_profiled, good.size());
  EXPECT_EQ(r.value().records_bad, bad.size());
  EXPECT_EQ(r.value().records_no_site, 0u);
}

}  // namespace
}  // namespace boilerstrip
