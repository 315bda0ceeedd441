// The bad-input catalogue (README.md ("Bad input")): every case drives the real binary and checks
// the exit status, the output, the quarantine file with its reasons, the message, and the
// record accounting of --stats (records_in = records_out + quarantined + dropped_doc).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli_harness.h"

namespace boilerstrip::testing {
namespace {

// One input shard cleaned with the default rules.
struct Cleaned {
  CliResult cli;
  bool output_exists = false;
  std::string output;  // decompressed when the shard is .zst
  std::vector<QuarantineEntry> quarantine;
  std::map<std::string, std::string> stats;
};

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Cleaned CleanOne(const TempDir& dir, const std::string& name, std::string_view bytes,
                 std::vector<std::string> extra = {}) {
  std::string in = dir / name;
  WriteFile(in, bytes);
  std::string outdir = dir / "out";
  std::string stats = dir / "stats.json";
  std::vector<std::string> args = {"clean", "-q", "-T2", in, "-o", outdir, "--stats", stats};
  args.insert(args.end(), extra.begin(), extra.end());
  Cleaned c;
  c.cli = RunCli(args);
  const bool zst = EndsWith(name, ".zst");
  std::string out = outdir + "/" + name;
  c.output_exists = Exists(out);
  c.output = zst && c.output_exists ? ZstdDecompress(ReadFile(out)) : ReadFile(out);
  std::string stem = name.substr(0, name.find(".jsonl"));
  std::string qpath = outdir + "/" + stem + ".quarantine.jsonl" + (zst ? ".zst" : "");
  c.quarantine = ReadQuarantine(qpath);
  // Never a temporary left behind, whatever happened.
  for (const std::string& f : ListDir(outdir)) EXPECT_NE(f[0], '.') << "left behind: " << f;
  if (Exists(stats)) {
    c.stats = ReadStats(stats);
    ExpectBalanced(stats);
  } else {
    ADD_FAILURE() << "no stats written";
  }
  if (!zst) ExpectQuarantineMatchesInput(c.quarantine, bytes);
  return c;
}

const char kDoc[] = R"({"id":1,"text":"A paragraph that says something.\nSource link"})";
const char kCleaned[] = R"({"id":1,"text":"A paragraph that says something."})";

// --- zstd streams -------------------------------------------------------------------------

std::string Records(int first, int n) {
  std::string s;
  for (int i = first; i < first + n; ++i) {
    s += R"({"id":)" + std::to_string(i) + R"(,"text":"Line )" + std::to_string(i) +
         R"( of the story.\nSource link"})" + "\n";
  }
  return s;
}

TEST(BadInput, ZstdTruncatedMidFrameFailsTheShard) {
  TempDir dir;
  std::string a = ZstdFrame(Records(0, 50)), b = ZstdFrame(Records(50, 50));
  std::string cut = a + b.substr(0, b.size() / 2);
  Cleaned c = CleanOne(dir, "s.jsonl.zst", cut);
  EXPECT_EQ(c.cli.exit_code, 2);
  EXPECT_FALSE(c.output_exists);  // never a partial file under the final name
  EXPECT_NE(c.cli.err.find("s.jsonl.zst: truncated zstd stream (ends at offset " +
                           std::to_string(cut.size()) + " inside the frame at offset " +
                           std::to_string(a.size()) + ", after "),
            std::string::npos)
      << c.cli.err;
  EXPECT_EQ(c.stats["shards.0.state"], "failed");
}

TEST(BadInput, ZstdTruncatedInsideFrameHeaderFailsTheShard) {
  TempDir dir;
  Cleaned c = CleanOne(dir, "s.jsonl.zst", ZstdFrame(Records(0, 5)).substr(0, 6));
  EXPECT_EQ(c.cli.exit_code, 2);
  EXPECT_FALSE(c.output_exists);
  EXPECT_NE(c.cli.err.find("truncated zstd stream (ends at offset 6 inside the frame at offset 0"),
            std::string::npos)
      << c.cli.err;
}

// A stream cut exactly between two frames is a valid, shorter stream: zstd itself cannot tell.
// boilerstrip cleans what is there; only the record count (stats) can reveal the loss.
TEST(BadInput, ZstdCutBetweenFramesIsAShorterValidStream) {
  TempDir dir;
  Cleaned c = CleanOne(dir, "s.jsonl.zst", ZstdFrame(Records(0, 50)));
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  EXPECT_EQ(c.stats["total.records_in"], "50");
  EXPECT_EQ(c.stats["total.records_out"], "50");
}

TEST(BadInput, ZstdChecksumMismatchFailsTheShard) {
  TempDir dir;
  std::string a = ZstdFrame(Records(0, 50)), b = ZstdFrame(Records(50, 50));
  std::string bad = b;
  bad[bad.size() - 2] ^= 0x01;  // inside the 4-byte content checksum
  Cleaned c = CleanOne(dir, "s.jsonl.zst", a + bad);
  EXPECT_EQ(c.cli.exit_code, 2);
  EXPECT_FALSE(c.output_exists);
  EXPECT_NE(c.cli.err.find("s.jsonl.zst: corrupt zstd data in the frame at offset " +
                           std::to_string(a.size())),
            std::string::npos)
      << c.cli.err;
  EXPECT_NE(c.cli.err.find("checksum"), std::string::npos) << c.cli.err;
}

TEST(BadInput, ZstdCorruptBlockFailsTheShard) {
  TempDir dir;
  std::string a = ZstdFrame(Records(0, 50));
  std::string bad = a;
  for (size_t i = 20; i < 40; ++i) bad[i] = static_cast<char>(0xFF);
  Cleaned c = CleanOne(dir, "s.jsonl.zst", bad);
  EXPECT_EQ(c.cli.exit_code, 2);
  EXPECT_FALSE(c.output_exists);
  EXPECT_NE(c.cli.err.find("s.jsonl.zst: corrupt zstd data in the frame at offset 0"),
            std::string::npos)
      << c.cli.err;
}

// The bytes decide, not the name: plain JSONL under a .zst name is read as plain, and its
// output is named for what it holds. zstd's magic number with garbage after it is corrupt zstd.
TEST(BadInput, NotZstdUnderZstName) {
  TempDir dir;
  Cleaned c = CleanOne(dir, "s.jsonl.zst", std::string(kDoc) + "\n");
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  EXPECT_FALSE(c.output_exists);
  EXPECT_EQ(ReadFile(dir / "out/s.jsonl"), std::string(kCleaned) + "\n");
  TempDir dir2;
  c = CleanOne(dir2, "s.jsonl.zst", "\x28\xB5\x2F\xFD" + std::string(kDoc) + "\n");
  EXPECT_EQ(c.cli.exit_code, 2);
  EXPECT_FALSE(c.output_exists);
  EXPECT_NE(c.cli.err.find("s.jsonl.zst: corrupt zstd data in the frame at offset 0 (after 0 "
                           "uncompressed bytes): "),
            std::string::npos)
      << c.cli.err;
}

// Standard input: zstd is recognized by its magic number; a truncated stream fails as a file
// would, named <stdin>; anything else is read as plain JSONL.
TEST(BadInput, StandardInputZstdOrPlain) {
  TempDir dir;
  std::string a = ZstdFrame(Records(0, 50));
  WriteFile(dir / "cut.zst", a + ZstdFrame(Records(50, 50)).substr(0, 20));
  CliResult r = RunCli({"clean", "-q", "-", "-o", dir / "out"}, dir / "cut.zst");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("boilerstrip: <stdin>: truncated zstd stream (ends at offset " +
                       std::to_string(a.size() + 20) + " inside the frame at offset " +
                       std::to_string(a.size())),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(ListDir(dir / "out").empty());

  WriteFile(dir / "plain", "\xEF\xBB\xBF" + std::string(kDoc) + "\n{\"text\":1}\n");
  r = RunCli({"clean", "-q", "-", "-o", "-", "--quarantine-dir", dir / "q"}, dir / "plain");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::string(kCleaned) + "\n");  // the shard-start BOM is dropped
  auto q = ReadQuarantine(dir / "q/stdin.quarantine.jsonl");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].shard, "-");
  EXPECT_EQ(q[0].reason, "non-string-text");
}

TEST(BadInput, OneFailedShardDoesNotStopTheOthers) {
  TempDir dir;
  WriteFile(dir / "a.jsonl.zst", "not zstd at all\n");
  WriteFile(dir / "b.jsonl", std::string(kDoc) + "\n");
  CliResult r = RunCli({"clean", "-q", dir / "a.jsonl.zst", dir / "b.jsonl", "-o", dir / "out",
                        "--stats", dir / "stats.json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(Exists(dir / "out/a.jsonl.zst"));
  EXPECT_EQ(ReadFile(dir / "out/b.jsonl"), std::string(kCleaned) + "\n");
  ExpectBalanced(dir / "stats.json");
}

// --- empty and blank ----------------------------------------------------------------------

TEST(BadInput, EmptyFileGivesEmptyOutput) {
  TempDir dir;
  Cleaned c = CleanOne(dir, "s.jsonl", "");
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  EXPECT_TRUE(c.output_exists);
  EXPECT_EQ(c.output, "");
  EXPECT_EQ(c.stats["total.records_in"], "0");
}

TEST(BadInput, EmptyZstFileGivesAValidEmptyZstOutput) {
  TempDir dir;
  Cleaned c = CleanOne(dir, "s.jsonl.zst", "");
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  EXPECT_TRUE(c.output_exists);
  EXPECT_EQ(c.output, "");  // decompresses (one empty frame) to nothing
  EXPECT_EQ(c.stats["total.records_in"], "0");
}

TEST(BadInput, OnlyNewlinesAreNoRecords) {
  TempDir dir;
  Cleaned c = CleanOne(dir, "s.jsonl", "\n\n \n\t\r\n\n");
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  EXPECT_EQ(c.output, "");
  EXPECT_EQ(c.stats["total.records_in"], "0");
  EXPECT_EQ(c.stats["total.blank_input_lines"], "5");
  EXPECT_TRUE(c.quarantine.empty());
}

// --- valid records in unusual clothes: cleaned normally, never quarantined -------------------

// A BOM at the start of a shard belongs to no record: dropped (RFC 8259: a writer must not add
// one). One before a later record is a bad record: tests/formats_test.cc.
TEST(BadInput, Utf8BomAtShardStartIsDropped) {
  TempDir dir;
  Cleaned c = CleanOne(dir, "s.jsonl", "\xEF\xBB\xBF" + std::string(kDoc) + "\n" + kDoc + "\n");
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  EXPECT_EQ(c.output, std::string(kCleaned) + "\n" + kCleaned + "\n");
  EXPECT_EQ(c.stats["total.quarantined"], "0");
  EXPECT_EQ(c.stats["total.records_changed"], "2");
}

TEST(BadInput, CrlfLineEndingsAreCleaned) {
  TempDir dir;
  Cleaned c = CleanOne(dir, "s.jsonl", std::string(kDoc) + "\r\n" + kDoc + "\r\n");
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  // Bytes outside the text value, the '\r' included, are kept as they were.
  EXPECT_EQ(c.output, std::string(kCleaned) + "\r\n" + kCleaned + "\r\n");
  EXPECT_EQ(c.stats["total.quarantined"], "0");
}

TEST(BadInput, FinalRecordWithoutNewlineIsCleaned) {
  TempDir dir;
  Cleaned c = CleanOne(dir, "s.jsonl", std::string(kDoc) + "\n" + kDoc);
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  EXPECT_EQ(c.output, std::string(kCleaned) + "\n" + kCleaned + "\n");  // '\n' added
  EXPECT_EQ(c.stats["total.records_in"], "2");
}

TEST(BadInput, EscapedNulAndControlCharsAreCleaned) {
  TempDir dir;
  std::string rec =
      R"({"text":"nul \u0000 here, bell \u0007, tab\t, ff \f.\nSource link","x":"\u0000"})";
  Cleaned c = CleanOne(dir, "s.jsonl", rec + "\n");
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  EXPECT_EQ(c.output,
            R"({"text":"nul \u0000 here, bell \u0007, tab\t, ff \f.","x":"\u0000"})" "\n");
  EXPECT_EQ(c.stats["total.quarantined"], "0");
}

TEST(BadInput, EscapedAndRawCharactersAreTheSameToRulesAndDedup) {
  TempDir dir;
  // "Source\u0020link" is the rule's "Source link"; the escaped and raw apostrophes are one
  // character, and the normalized duplicate of a raw typographic apostrophe line.
  std::string rec =
      R"({"text":"The minister\u2019s speech was long and detailed.\n\nThe minister’s speech was long and detailed.\nThe minister's speech was long and detailed.\nSource\u0020link"})";
  Cleaned c = CleanOne(dir, "s.jsonl", rec + "\n");
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  EXPECT_EQ(c.output, "{\"text\":\"The minister’s speech was long and detailed.\"}\n");
  EXPECT_EQ(c.stats["total.lines_removed_by.duplicate"], "2");
  EXPECT_EQ(c.stats["total.lines_removed_by.source-link"], "1");
}

TEST(BadInput, TextWithoutNewlinesIsOneLine) {
  TempDir dir;
  std::string text;
  while (text.size() < (3 << 20)) text += "A long sentence of the same article, never broken. ";
  std::string rec = R"({"text":")" + text + R"("})";
  Cleaned c = CleanOne(dir, "s.jsonl", rec + "\n");
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  EXPECT_EQ(c.output, rec + "\n");
  EXPECT_EQ(c.stats["total.lines_in"], "1");
}

TEST(BadInput, A64MiBRecordIsCleanedNormally) {
  TempDir dir;
  std::string text;
  for (int i = 0; text.size() < (64u << 20); ++i) {
    text += "Paragraph " + std::to_string(i) + " carries the story further along.\\n";
  }
  std::string rec = R"({"id":7,"text":")" + text + R"(Source link"})";
  std::string want = R"({"id":7,"text":")" + text.substr(0, text.size() - 2) + R"("})";
  // The classifier would judge these synthetic one-sentence lines a menu; this case is about
  // the record's size, so only the rules and dedup run.
  Cleaned c = CleanOne(dir, "s.jsonl", rec + "\n" + kDoc + "\n", {"--no-classifier"});
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  EXPECT_EQ(c.stats["total.quarantined"], "0");
  EXPECT_EQ(c.stats["total.records_changed"], "2");
  EXPECT_TRUE(c.output == want + "\n" + kCleaned + "\n") << "output of " << c.output.size()
                                                         << " bytes differs";
}

// --- records past --max-record-size: quarantined whole (never truncated), or passed ---------

TEST(BadInput, RecordOverMaximumIsQuarantinedWhole) {
  TempDir dir;
  std::string big = R"({"text":")" + std::string(200000, 'a') + R"("})";
  std::string input = std::string(kDoc) + "\n" + big + "\n" + kDoc + "\n";
  Cleaned c = CleanOne(dir, "s.jsonl", input, {"--max-record-size", "100K"});
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  EXPECT_EQ(c.output, std::string(kCleaned) + "\n" + kCleaned + "\n");
  ASSERT_EQ(c.quarantine.size(), 1u);
  EXPECT_EQ(c.quarantine[0].reason, "too-long");
  EXPECT_EQ(c.quarantine[0].raw, big);
  EXPECT_EQ(c.stats["total.bad_records.too-long"], "1");
}

// Longer than a batch, a read (1 MiB) and the limit: streamed to quarantine in parts (never
// held whole), as base64 of the raw bytes. (A too-long record that arrives whole in one batch is
// stored as "raw" text when it is UTF-8: either way the bytes come back exactly.)
TEST(BadInput, HugeRecordIsStreamedToQuarantine) {
  TempDir dir;
  std::string big = R"({"text":")" + std::string(3000001, 'b') + R"("})";
  for (bool final_newline : {true, false}) {
    std::string input = std::string(kDoc) + "\n" + big + (final_newline ? "\n" : "");
    Cleaned c = CleanOne(dir, "s.jsonl", input,
                         {"--force", "--max-record-size", "100K", "--batch-size", "64K"});
    EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
    EXPECT_EQ(c.output, std::string(kCleaned) + "\n");
    ASSERT_EQ(c.quarantine.size(), 1u);
    EXPECT_TRUE(c.quarantine[0].base64);
    EXPECT_EQ(c.quarantine[0].raw, big);
  }
}

// Degenerate limits still terminate and lose nothing (--batch-size 1 used to loop forever
// emitting empty parts of a too-long record).
TEST(BadInput, TinyBatchAndRecordLimitsTerminate) {
  const std::string rec = R"({"text":"abcdef"})";
  for (const char* batch : {"1", "2", "3", "4"}) {
    for (const char* max : {"1", "2", "5"}) {
      TempDir dir;
      Cleaned c = CleanOne(dir, "s.jsonl", rec + "\n" + rec,
                           {"--batch-size", batch, "--max-record-size", max});
      EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
      ASSERT_EQ(c.quarantine.size(), 2u) << batch << " " << max;
      EXPECT_EQ(c.quarantine[0].raw, rec);
      EXPECT_EQ(c.quarantine[1].raw, rec);
      EXPECT_EQ(c.quarantine[1].offset, rec.size() + 1);
    }
  }
}

TEST(BadInput, RecordOverMaximumCanBePassedThrough) {
  TempDir dir;
  std::string big = R"({"text":")" + std::string(300000, 'c') + R"(\nSource link"})";
  Cleaned c = CleanOne(dir, "s.jsonl", big + "\n" + kDoc + "\n",
                       {"--max-record-size", "100K", "--batch-size", "64K", "--on-bad-record",
                        "pass"});
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  EXPECT_EQ(c.output, big + "\n" + kCleaned + "\n");  // unchanged, not cleaned
  EXPECT_EQ(c.stats["total.passed_bad"], "1");
}

TEST(BadInput, BadRecordCanFailTheShard) {
  TempDir dir;
  Cleaned c = CleanOne(dir, "s.jsonl", std::string(kDoc) + "\n{oops\n",
                       {"--on-bad-record", "fail"});
  EXPECT_EQ(c.cli.exit_code, 2);
  EXPECT_FALSE(c.output_exists);
  EXPECT_NE(c.cli.err.find("s.jsonl: bad record at offset " + std::to_string(sizeof kDoc) +
                           ": invalid-json"),
            std::string::npos)
      << c.cli.err;
}

// --- broken records: quarantined with their reason, the rest of the shard cleaned ----------

struct BadCase {
  const char* name;
  std::string record;
  const char* reason;
};

TEST(BadInput, BrokenRecordsAreQuarantinedWithTheirReason) {
  const std::vector<BadCase> cases = {
      {"unterminated string", R"({"text":"never ends})", "invalid-json"},
      {"trailing garbage", R"({"text":"x"} garbage)", "invalid-json"},
      {"second value", R"({"text":"x"}{"text":"y"})", "invalid-json"},
      {"bare value", R"("just a string")", "invalid-json"},
      {"bare number", "42", "invalid-json"},
      {"array", R"([{"text":"x"}])", "invalid-json"},
      {"truncated object", R"({"text":"x",)", "invalid-json"},
      {"bad escape elsewhere", R"({"text":"x","y":"\q"})", "invalid-json"},
      {"bad escape in nested key", R"({"text":"x","y":{"\p":1}})", "invalid-json"},
      {"nested 10000 deep", R"({"text":"x","y":)" + std::string(10000, '[') +
                                std::string(10000, ']') + "}",
       "invalid-json"},
      {"invalid utf-8 in text", "{\"text\":\"caf\xE9\"}", "invalid-utf8"},
      {"invalid utf-8 elsewhere", "{\"text\":\"x\",\"y\":\"\xC0\xAF\"}", "invalid-utf8"},
      {"lone surrogate", R"({"text":"a \ud800 b"})", "invalid-string"},
      {"lone low surrogate", R"({"text":"a \udc00 b"})", "invalid-string"},
      {"lone surrogate elsewhere", R"({"text":"a","t":"\ud800"})", "invalid-json"},
      {"text missing", R"({"title":"x"})", "missing-text"},
      {"text null", R"({"text":null})", "non-string-text"},
      {"text number", R"({"text":5})", "non-string-text"},
      {"text object", R"({"text":{"a":"b"}})", "non-string-text"},
      {"text array", R"({"text":["a"]})", "non-string-text"},
      {"duplicate text", R"({"text":"a","text":"b"})", "duplicate-text"},
  };
  std::string input = std::string(kDoc) + "\n";
  for (const BadCase& b : cases) input += b.record + "\n" + kDoc + "\n";
  TempDir dir;
  Cleaned c = CleanOne(dir, "s.jsonl", input);
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  std::string want;
  for (size_t i = 0; i <= cases.size(); ++i) want += std::string(kCleaned) + "\n";
  EXPECT_EQ(c.output, want);
  ASSERT_EQ(c.quarantine.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(c.quarantine[i].reason, cases[i].reason) << cases[i].name;
    EXPECT_EQ(c.quarantine[i].raw, cases[i].record) << cases[i].name;
    EXPECT_EQ(c.quarantine[i].shard, dir / "s.jsonl");
  }
  EXPECT_EQ(c.stats["total.records_in"], std::to_string(2 * cases.size() + 1));
  EXPECT_EQ(c.stats["total.quarantined"], std::to_string(cases.size()));
}

TEST(BadInput, JustUnderTheDepthLimitIsValid) {
  TempDir dir;
  // Depth 1024 (simdjson's default limit): the object, then 1023 arrays.
  std::string rec = R"({"text":"x\nSource link","y":)" + std::string(1023, '[') +
                    std::string(1023, ']') + "}";
  Cleaned c = CleanOne(dir, "s.jsonl", rec + "\n");
  EXPECT_EQ(c.stats["total.quarantined"], "0");
  EXPECT_EQ(c.stats["total.records_changed"], "1");
}

TEST(BadInput, QuarantinedZstShardHasAZstQuarantine) {
  TempDir dir;
  Cleaned c = CleanOne(dir, "s.jsonl.zst",
                       ZstdFrame(std::string(kDoc) + "\n{\"text\":7}\n\xFF\xFE\n"));
  EXPECT_EQ(c.cli.exit_code, 0) << c.cli.err;
  EXPECT_EQ(c.output, std::string(kCleaned) + "\n");
  ASSERT_EQ(c.quarantine.size(), 2u);
  EXPECT_EQ(c.quarantine[0].reason, "non-string-text");
  EXPECT_EQ(c.quarantine[1].reason, "invalid-utf8");
  EXPECT_EQ(c.quarantine[1].raw, "\xFF\xFE");
  EXPECT_TRUE(c.quarantine[1].base64);
}

// --- rule files: golden errors, exit 1, nothing cleaned --------------------------------------

struct RuleCase {
  const char* file;
  const char* text;
  std::vector<std::string> errors;  // after "DIR/"
};

TEST(BadInput, BadRuleFilesGiveExactErrors) {
  const std::vector<RuleCase> cases = {
      {"syntax.rules",
       "ok drop - foo\n"
       "bad# drop - x\n"
       "noaction\n"
       "noflags drop\n"
       "nopattern drop -\n"
       "unknown zap - x\n"
       "badflags drop iz x\n"
       "twice drop ii x\n"
       "  match: skipped, its rule failed\n"
       "  bogus: y\n",
       {"syntax.rules:2: rule bad#: bad rule name (letters, digits, '-', '_', '.'; at most 128)",
        "syntax.rules:3: rule noaction: missing action (drop, truncate, cut, drop-doc or keep)",
        "syntax.rules:4: rule noflags: missing flags ('-' or letters from i, l, u)",
        "syntax.rules:5: rule nopattern: missing pattern",
        "syntax.rules:6: rule unknown: unknown action 'zap' (expected drop, truncate, cut, "
        "drop-doc or keep)",
        "syntax.rules:7: rule badflags: bad flags 'iz' (use '-' or each of i, l, u at most once)",
        "syntax.rules:8: rule twice: bad flags 'ii' (use '-' or each of i, l, u at most once)",
        "syntax.rules:10: rule twice: indented line must be 'match: LINE' or 'nomatch: LINE'"}},
      {"orphan.rules", "  match: early\nr1 drop - foo\n",
       {"orphan.rules:1: example line before any rule"}},
      {"dup.rules", "a drop - foo\nb drop - bar\na drop - baz\n",
       {"dup.rules:3: rule a: duplicate rule name (first defined at DIR/dup.rules:1)"}},
      {"hyperscan.rules",
       "lookbehind drop - (?<=a)b\nbackref drop - (a)\\1\nunbalanced drop - (abc\ngood drop - ok\n",
       {"hyperscan.rules:1: rule lookbehind: lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are "
        "not supported; match the text itself",
        "hyperscan.rules:2: rule backref: back-references (\\1, \\k<name>) are not supported",
        "hyperscan.rules:3: rule unbalanced: a group opened at character 1 is never closed: "
        "missing ')' (write '\\(' to match a parenthesis)"}},
      {"empty.rules", "star drop - x*\nfine drop - y\noptional drop i (foo)?\n",
       {"empty.rules:1: rule star: the pattern can match an empty line; anchor it or require a "
        "character",
        "empty.rules:3: rule optional: the pattern can match an empty line; anchor it or require "
        "a character"}},
      {"examples.rules", "r1 drop - foo\n  match: bar\n  nomatch: a foo b\n  match: foo\n", {}},
  };
  for (const RuleCase& rc : cases) {
    TempDir dir;
    std::string rules = dir / rc.file;
    WriteFile(rules, rc.text);
    std::string want;
    for (std::string e : rc.errors) {
      if (auto p = e.find("DIR/"); p != std::string::npos) e.replace(p, 4, dir.path() + "/");
      want += dir.path() + "/" + e + "\n";
    }
    CliResult check = RunCli({"check", rules});
    if (rc.errors.empty()) {
      // examples.rules: the example errors come from `check` only (clean does not run them).
      EXPECT_EQ(check.exit_code, 1);
      EXPECT_EQ(check.out, rules + ":2: rule r1: does not match its example 'bar'\n" + rules +
                               ":3: rule r1: matches its example 'a foo b'\n")
          << rc.file;
      continue;
    }
    EXPECT_EQ(check.exit_code, 1) << rc.file;
    EXPECT_EQ(check.out, want) << rc.file;
    size_t n = rc.errors.size();
    EXPECT_NE(check.err.find(std::to_string(n) + (n == 1 ? " error\n" : " errors\n")),
              std::string::npos)
        << check.err;

    // clean refuses to start: same errors on stderr, exit 1, nothing written.
    WriteFile(dir / "in.jsonl", std::string(kDoc) + "\n");
    CliResult clean = RunCli({"clean", "-p", rules, dir / "in.jsonl", "-o", dir / "out"});
    EXPECT_EQ(clean.exit_code, 1) << rc.file;
    EXPECT_EQ(clean.err.substr(0, want.size()), want) << rc.file;
    EXPECT_FALSE(Exists(dir / "out")) << rc.file;
  }
}

}  // namespace
}  // namespace boilerstrip::testing
