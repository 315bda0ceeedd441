#include "boilerstrip/pipeline.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getFrameHeader
#include <zstd.h>

#include <sys/resource.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_group.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "boilerstrip/sample.h"
#include "pipeline/threads.h"
#include "test_util.h"

namespace boilerstrip {
namespace {

using testing::Exists;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

constexpr char kRules[] =
    "footer  truncate il  source link\n"
    "share   drop     il  share this\n"
    "spam    drop-doc i   buy cheap pills\n";

// A deterministic shard: articles with chrome, some bad records, some blank lines.
std::string MakeShard(int records, bool with_bad = true) {
  std::string s;
  uint64_t x = 12345;
  auto next = [&] { return x = x * 6364136223846793005ull + 1442695040888963407ull; };
  for (int i = 0; i < records; ++i) {
    std::string text = "Title number " + std::to_string(i) + " of the long sample\n\n";
    int paras = 1 + static_cast<int>(next() >> 61);
    for (int p = 0; p < paras; ++p) {
      text += "Paragraph " + std::to_string(p) + " says something \"quoted\" about item " +
              std::to_string(next() % 1000) + " in é and ü.\n";
    }
    if (next() % 3 == 0) text += "Share this\n";
    if (next() % 2 == 0) text += "Title number " + std::to_string(i) + " of the long sample\n";
    if (next() % 4 == 0) text += "Source link\nPosted in News\nLeave a Comment";
    if (i % 97 == 5) text += "\nbuy cheap pills";
    s += "{\"id\":" + std::to_string(i) + ",\"text\":" + testing::Quote(text) +
         ",\"meta\":{\"n\":[1,2.5e1,null]}}\n";
    if (with_bad && i % 50 == 7) s += "{\"id\":\"broken\",\"text\":\"no end\n";
    if (with_bad && i % 61 == 3) s += "{\"id\":1}\n";
    if (i % 40 == 9) s += "   \n";
  }
  return s;
}

std::unique_ptr<Cleaner> Cleaner3() { return testing::MakeCleaner(kRules); }

std::vector<std::string> RuleNames(const Cleaner& c) {
  std::vector<std::string> names;
  for (const auto& r : c.patterns().rules()) names.push_back(r.name);
  return names;
}

// Stats JSON with the timings blanked, for comparisons across runs.
std::string Untimed(std::string json) {
  return std::regex_replace(
      json, std::regex("\"(seconds|cpu_seconds|serial_cpu_seconds)\": [0-9.]+"), "\"$1\": X");
}

RunReport MustRun(const RunOptions& opt, const Cleaner& c) {
  auto r = RunClean(opt, c);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r.value()) : RunReport{};
}

size_t CountLines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

TEST(Pipeline, CleansPlainShardAndAccountsForEveryRecord) {
  TempDir dir;
  std::string shard = MakeShard(500);
  WriteFile(dir / "a.jsonl", shard);
  auto c = Cleaner3();
  RunOptions opt;
  opt.inputs = {dir / "a.jsonl"};
  opt.output_dir = dir / "out";
  opt.verbosity = 0;
  RunReport r = MustRun(opt, *c);
  ASSERT_EQ(r.shards.size(), 1u);
  EXPECT_EQ(r.shards[0].state, ShardReport::State::kDone);
  const Stats& t = r.total;
  EXPECT_EQ(t.records_in, t.records_out + t.quarantined + t.dropped_doc);
  EXPECT_EQ(t.quarantined, 10u + 9u);  // 10 broken, 9 without text
  EXPECT_EQ(t.dropped_doc, 6u);
  EXPECT_EQ(t.blank_input_lines, 13u);
  EXPECT_EQ(t.bytes_in, shard.size());
  std::string out = ReadFile(dir / "out/a.jsonl");
  EXPECT_EQ(t.bytes_out, out.size());
  EXPECT_EQ(CountLines(out), t.records_out);
  EXPECT_EQ(out.find("Share this"), std::string::npos);
  EXPECT_EQ(out.find("Source link"), std::string::npos);
  // Every output line parses and keeps its id and metadata.
  simdjson::dom::parser parser;
  size_t start = 0;
  while (start < out.size()) {
    size_t nl = out.find('\n', start);
    std::string line = out.substr(start, nl - start);
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
    EXPECT_TRUE(doc["meta"]["n"].is_array());
    start = nl + 1;
  }
  // The quarantine holds the original bytes and the reason.
  std::string q = ReadFile(dir / "out/a.quarantine.jsonl");
  EXPECT_EQ(CountLines(q), t.quarantined);
  EXPECT_NE(q.find(R"("reason":"invalid-json")"), std::string::npos);
  EXPECT_NE(q.find(R"("reason":"missing-text")"), std::string::npos);
  EXPECT_NE(q.find(R"("raw":"{\"id\":1}")"), std::string::npos);
  EXPECT_TRUE(testing::ListDir(dir / "out") ==
              (std::vector<std::string>{"a.jsonl", "a.quarantine.jsonl"}));
}

TEST(Pipeline, OutputIsIdenticalAtAnyThreadCount) {
  TempDir dir;
  WriteFile(dir / "a.jsonl.zst", testing::ZstdFrame(MakeShard(3000)));
  WriteFile(dir / "b.jsonl", MakeShard(700));
  auto c = Cleaner3();
  std::vector<std::string> stats;
  for (int threads : {1, 2, 4}) {
    RunOptions opt;
    opt.inputs = {dir.path()};
    opt.output_dir = dir / ("out" + std::to_string(threads));
    opt.threads = threads;
    opt.batch_bytes = 64 << 10;  // many batches per shard
    opt.verbosity = 0;
    RunReport r = MustRun(opt, *c);
    ASSERT_EQ(r.shards.size(), 2u);
    stats.push_back(Untimed(RunReportToJson(r, RuleNames(*c))));
  }
  for (const char* name : {"a.jsonl.zst", "b.jsonl", "a.quarantine.jsonl.zst",
                           "b.quarantine.jsonl"}) {
    std::string one = ReadFile(dir / "out1/" + name);
    ASSERT_FALSE(one.empty()) << name;
    EXPECT_EQ(one, ReadFile(dir / "out2/" + name)) << name;
    EXPECT_EQ(one, ReadFile(dir / "out4/" + name)) << name;
  }
  // Stats differ only in the output directory names.
  auto strip = [](std::string s) { return std::regex_replace(s, std::regex("out[0-9]"), "out"); };
  EXPECT_EQ(strip(stats[0]), strip(stats[1]));
  EXPECT_EQ(strip(stats[0]), strip(stats[2]));
}

TEST(Pipeline, CompressedShardInMultipleFramesOutWithChecksums) {
  TempDir dir;
  std::string shard = MakeShard(400, false);
  size_t half = shard.find('\n', shard.size() / 2) + 1;
  // Two frames, split at a record boundary, and a third one split mid-record.
  size_t third = shard.find('\n', half + 1000) + 20;
  WriteFile(dir / "m.jsonl.zst", testing::ZstdFrame(shard.substr(0, half)) +
                                     testing::ZstdFrame(shard.substr(half, third - half)) +
                                     testing::ZstdFrame(shard.substr(third)));
  auto c = Cleaner3();
  RunOptions opt;
  opt.inputs = {dir / "m.jsonl.zst"};
  opt.output_dir = dir / "out";
  opt.batch_bytes = 32 << 10;
  opt.verbosity = 0;
  RunReport r = MustRun(opt, *c);
  EXPECT_EQ(r.total.bytes_in, shard.size());
  std::string z = ReadFile(dir / "out/m.jsonl.zst");
  std::string plain = testing::ZstdDecompress(z);
  EXPECT_EQ(plain.size(), r.total.bytes_out);
  EXPECT_EQ(CountLines(plain), r.total.records_out);
  ZSTD_frameHeader header;
  ASSERT_EQ(ZSTD_getFrameHeader(&header, z.data(), z.size()), 0u);
  EXPECT_EQ(header.checksumFlag, 1u);
  // Same as cleaning the plain shard.
  WriteFile(dir / "m.jsonl", shard);
  opt.inputs = {dir / "m.jsonl"};
  opt.output_dir = dir / "out-plain";
  MustRun(opt, *c);
  EXPECT_EQ(plain, ReadFile(dir / "out-plain/m.jsonl"));
}

TEST(Pipeline, TruncatedOrCorruptZstdFailsOnlyThatShard) {
  TempDir dir;
  std::string z = testing::ZstdFrame(MakeShard(300, false));
  WriteFile(dir / "cut.jsonl.zst", z.substr(0, z.size() / 2));
  std::string corrupt = z;
  corrupt[corrupt.size() / 2] ^= 0x5A;
  WriteFile(dir / "corrupt.jsonl.zst", corrupt);
  WriteFile(dir / "notzstd.jsonl.zst", "\x28\xB5\x2F\xFD{\"text\":\"plain\"}\n");
  WriteFile(dir / "good.jsonl.zst", z);
  auto c = Cleaner3();
  RunOptions opt;
  opt.inputs = {dir.path()};
  opt.output_dir = dir / "out";
  opt.verbosity = 0;
  RunReport r = MustRun(opt, *c);
  ASSERT_EQ(r.shards.size(), 4u);
  EXPECT_TRUE(r.any_failed());
  for (const ShardReport& s : r.shards) {
    bool good = s.input == dir / "good.jsonl.zst";
    EXPECT_EQ(s.state, good ? ShardReport::State::kDone : ShardReport::State::kFailed) << s.input;
    EXPECT_EQ(Exists(s.output), good) << s.output;
    if (!good) {
      EXPECT_NE(s.error.find(s.input), std::string::npos) << s.error;
      EXPECT_NE(s.error.find("offset"), std::string::npos) << s.error;
    }
  }
  // No temporaries left behind.
  EXPECT_EQ(testing::ListDir(dir / "out"), (std::vector<std::string>{"good.jsonl.zst"}));
}

TEST(Pipeline, LongRecordsGrowTheBatchAndOverLongOnesStreamToQuarantine) {
  TempDir dir;
  std::string big_text;
  for (int i = 0; big_text.size() < 300000; ++i) {
    big_text += "Line " + std::to_string(i) + " " + std::string(990, 'x') + "\n";
  }
  big_text.pop_back();
  std::string grow = "{\"text\":" + testing::Quote("Share this\n" + big_text) + "}\n";
  std::string huge = "{\"text\":\"" + std::string(2500000, 'y') + "é\"}\n";
  std::string shard = "{\"text\":\"first\"}\n" + grow + huge + "{\"text\":\"last\"}";
  WriteFile(dir / "l.jsonl", shard);
  auto c = Cleaner3();
  RunOptions opt;
  opt.inputs = {dir / "l.jsonl"};
  opt.output_dir = dir / "out";
  opt.batch_bytes = 64 << 10;
  opt.max_record_bytes = 1 << 20;
  opt.verbosity = 0;
  RunReport r = MustRun(opt, *c);
  EXPECT_EQ(r.total.records_in, 4u);
  EXPECT_EQ(r.total.records_out, 3u);
  EXPECT_EQ(r.total.quarantined, 1u);
  EXPECT_EQ(r.total.bad_by[static_cast<size_t>(BadRecord::kTooLong)], 1u);
  std::string out = ReadFile(dir / "out/l.jsonl");
  EXPECT_TRUE(out == "{\"text\":\"first\"}\n{\"text\":" + testing::Quote(big_text) +
                         "}\n{\"text\":\"last\"}\n");
  // The quarantined record comes back whole from its base64.
  std::string q = ReadFile(dir / "out/l.quarantine.jsonl");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(q).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(doc["reason"]), "too-long");
  EXPECT_EQ(int64_t(doc["offset"]), static_cast<int64_t>(shard.find(huge)));
  std::string_view b64 = doc["raw_base64"];
  EXPECT_EQ(b64.size(), (huge.size() - 1 + 2) / 3 * 4);
  std::string expect_b64;
  // Re-encode the original record to compare (AppendBase64 is checked against a known vector
  // in the io test below).
  std::string record = huge.substr(0, huge.size() - 1);
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < record.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(record[i])) << 16;
    if (i + 1 < record.size()) v |= uint32_t(uint8_t(record[i + 1])) << 8;
    if (i + 2 < record.size()) v |= uint8_t(record[i + 2]);
    expect_b64 += kAlphabet[v >> 18];
    expect_b64 += kAlphabet[(v >> 12) & 63];
    expect_b64 += i + 1 < record.size() ? kAlphabet[(v >> 6) & 63] : '=';
    expect_b64 += i + 2 < record.size() ? kAlphabet[v & 63] : '=';
  }
  EXPECT_TRUE(b64 == expect_b64);
}

TEST(Pipeline, BadRecordModesPassAndFail) {
  TempDir dir;
  std::string shard = "{\"text\":\"a\\nShare this\"}\n{broken\n{\"text\":\"b\"}\n";
  WriteFile(dir / "s.jsonl", shard);
  auto c = Cleaner3();
  RunOptions opt;
  opt.inputs = {dir / "s.jsonl"};
  opt.output_dir = dir / "pass";
  opt.on_bad_record = BadRecordMode::kPass;
  opt.verbosity = 0;
  RunReport r = MustRun(opt, *c);
  EXPECT_EQ(ReadFile(dir / "pass/s.jsonl"), "{\"text\":\"a\"}\n{broken\n{\"text\":\"b\"}\n");
  EXPECT_EQ(r.total.passed_bad, 1u);
  EXPECT_EQ(r.total.records_out, 3u);
  opt.output_dir = dir / "fail";
  opt.on_bad_record = BadRecordMode::kFail;
  r = MustRun(opt, *c);
  ASSERT_EQ(r.shards.size(), 1u);
  EXPECT_EQ(r.shards[0].state, ShardReport::State::kFailed);
  EXPECT_NE(r.shards[0].error.find("offset 25: invalid-json"), std::string::npos)
      << r.shards[0].error;
  EXPECT_TRUE(testing::ListDir(dir / "fail").empty());
}

TEST(Pipeline, ResumeSkipsCompleteOutputsAndForceRedoes) {
  TempDir dir;
  WriteFile(dir / "a.jsonl", "{\"text\":\"x\\nShare this\"}\n");
  WriteFile(dir / "b.jsonl", "{\"text\":\"y\"}\n");
  auto c = Cleaner3();
  RunOptions opt;
  opt.inputs = {dir / "a.jsonl", dir / "b.jsonl"};
  opt.output_dir = dir / "out";
  opt.verbosity = 0;
  MustRun(opt, *c);
  WriteFile(dir / "out/a.jsonl", "marker\n");
  std::remove((dir / "out/b.jsonl").c_str());
  RunReport r = MustRun(opt, *c);
  ASSERT_EQ(r.shards.size(), 2u);
  EXPECT_EQ(r.shards[0].state, ShardReport::State::kSkipped);
  EXPECT_EQ(r.shards[1].state, ShardReport::State::kDone);
  EXPECT_EQ(ReadFile(dir / "out/a.jsonl"), "marker\n");
  EXPECT_EQ(ReadFile(dir / "out/b.jsonl"), "{\"text\":\"y\"}\n");
  opt.force = true;
  r = MustRun(opt, *c);
  EXPECT_EQ(ReadFile(dir / "out/a.jsonl"), "{\"text\":\"x\"}\n");
}

TEST(Pipeline, EmptyShardsGiveValidEmptyOutputs) {
  TempDir dir;
  WriteFile(dir / "e.jsonl", "");
  WriteFile(dir / "n.jsonl", "\n\n\r\n");
  WriteFile(dir / "z.jsonl.zst", "");
  auto c = Cleaner3();
  RunOptions opt;
  opt.inputs = {dir.path()};
  opt.output_dir = dir / "out";
  opt.verbosity = 0;
  RunReport r = MustRun(opt, *c);
  EXPECT_FALSE(r.any_failed());
  EXPECT_EQ(r.total.records_in, 0u);
  EXPECT_EQ(r.total.blank_input_lines, 3u);
  EXPECT_EQ(ReadFile(dir / "out/e.jsonl"), "");
  EXPECT_EQ(ReadFile(dir / "out/n.jsonl"), "");
  EXPECT_EQ(testing::ZstdDecompress(ReadFile(dir / "out/z.jsonl.zst")), "");
}

TEST(Pipeline, RunErrorsStopBeforeAnyWork) {
  TempDir dir;
  WriteFile(dir / "a.jsonl", "{\"text\":\"x\"}\n");
  auto c = Cleaner3();
  RunOptions opt;
  opt.inputs = {dir / "missing.jsonl"};
  opt.output_dir = dir / "out";
  EXPECT_FALSE(RunClean(opt, *c).ok());
  opt.inputs = {dir / "a.jsonl"};
  opt.output_dir = dir.path();  // would overwrite the input
  EXPECT_FALSE(RunClean(opt, *c).ok());
  WriteFile(dir / "file", "");
  opt.output_dir = dir / "file/sub";
  EXPECT_FALSE(RunClean(opt, *c).ok());
  opt.output_dir = dir / "out";
  opt.zstd_level = 0;
  EXPECT_FALSE(RunClean(opt, *c).ok());
  EXPECT_FALSE(Exists(dir / "out/a.jsonl"));
}

TEST(Pipeline, RankSplitTakesEveryWorldSizethFile) {
  TempDir dir;
  for (const char* n : {"d.jsonl", "a.jsonl", "c.jsonl.zst", "b.jsonl", "skip.txt",
                        "a.quarantine.jsonl"}) {
    WriteFile(dir / n, "");
  }
  RunOptions opt;
  opt.inputs = {dir.path()};
  opt.world_size = 2;
  opt.rank = 1;
  auto files = ListShards(opt);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files.value(), (std::vector<std::string>{dir / "b.jsonl", dir / "d.jsonl"}));
  opt.rank = 2;
  EXPECT_FALSE(ListShards(opt).ok());
}


// Batches are pooled and reused, and a batch grown by a record longer than the batch size gives
// its memory back: the output must still equal cleaning each record on its own, in order, at
// any thread count (generated pages with ~1 MiB documents, 64 KiB batches).
TEST(Pipeline, RecycledBatchesGiveTheRecordByRecordResult) {
  TempDir dir;
  SampleOptions sample;
  sample.seed = 21;
  sample.size_bytes = 6 << 20;
  sample.long_doc_rate = 0.02;
  ASSERT_TRUE(WriteSample(sample, dir / "g.jsonl.zst", "", nullptr).ok());
  std::string input = testing::ZstdDecompress(ReadFile(dir / "g.jsonl.zst"));
  auto c = testing::DefaultCleaner();
  std::string want;
  size_t long_records = 0;
  for (size_t pos = 0; pos < input.size();) {
    size_t nl = input.find('\n', pos);
    std::string rec = input.substr(pos, nl - pos), out;
    long_records += rec.size() > (256 << 10);
    ASSERT_EQ(testing::CleanOne(*c, rec, &out).verdict, RecordVerdict::kWritten);
    want += out + "\n";
    pos = nl + 1;
  }
  ASSERT_GE(long_records, 2u);
  for (int threads : {1, 3}) {
    RunOptions opt;
    opt.inputs = {dir / "g.jsonl.zst"};
    opt.output_dir = dir / ("out" + std::to_string(threads));
    opt.threads = threads;
    opt.batch_bytes = 64 << 10;
    opt.verbosity = 0;
    RunReport r = MustRun(opt, *c);
    EXPECT_EQ(testing::ZstdDecompress(ReadFile(opt.output_dir + "/g.jsonl.zst")), want) << threads;
  }
}

// Under a run's thread limits the thread that starts the run takes work too. With worker stacks
// twice its own (16 MiB against ulimit -s 8 MiB) TBB never let it steal, and -T2 ran on one
// thread while the other spun. The caller here waits while a worker takes the pipeline, as a lane.
TEST(Pipeline, TheThreadThatStartsARunWorksAlongsideTheWorkers) {
  struct rlimit rl;
  ASSERT_EQ(::getrlimit(RLIMIT_STACK, &rl), 0);
  const size_t stack = internal::ThreadLimits::WorkerStackBytes();
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= (size_t{1} << 20)) {
    EXPECT_LE(stack, rl.rlim_cur);
  }
  EXPECT_GE(stack, size_t{1} << 20);

  internal::ThreadLimits limits(2);
  std::mutex mu;
  std::set<std::thread::id> workers;
  std::atomic<int> next{0};  // atomic and locked below only for TSan, which cannot see TBB's order
  tbb::task_group group;
  group.run([&] {
    tbb::parallel_pipeline(
        6,
        tbb::make_filter<void, int>(tbb::filter_mode::serial_in_order,
                                    [&](tbb::flow_control& fc) {
                                      if (next == 100) fc.stop();
                                      return next++;
                                    }) &
            tbb::make_filter<int, void>(tbb::filter_mode::parallel, [&](int) {
              std::this_thread::sleep_for(std::chrono::milliseconds(2));
              std::lock_guard<std::mutex> lock(mu);
              workers.insert(std::this_thread::get_id());
            }));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a worker has the pipeline
  group.wait();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(workers.size(), 2u) << "one thread did all the work";
  EXPECT_EQ(workers.count(std::this_thread::get_id()), 1u) << "the calling thread never worked";
}

}  // namespace
}  // namespace boilerstrip
