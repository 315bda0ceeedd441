// Reading in parallel (issue 12, "No serial stage caps a run"): several shards at once, the
// frames of one zstd shard decoded at once, and the CPU-time figures of --stats. Through the
// real binary (BOILERSTRIP_BINARY): outputs and counters must not depend on -T, and a shard
// decoded frame by frame must give what the same records give read serially.
#include <gtest/gtest.h>
#include <zstd.h>

#include <regex>
#include <string>
#include <vector>

#include "cli_harness.h"
#include "test_corpus.h"

namespace boilerstrip::testing {
namespace {

// The generated records (test_corpus.h) from twelve words, half the bad records lines
// that are no JSON.
constexpr CorpusShape kShape{12, true};

// `data` as zstd frames cut at the given sizes (the last frame takes the rest), each with its
// decoded size in its header unless `unknown_size` (then the decoder cannot plan it).
std::string Frames(std::string_view data, const std::vector<size_t>& sizes,
                   bool unknown_size = false) {
  std::string out;
  size_t pos = 0;
  for (size_t i = 0; pos < data.size() || i == 0; ++i) {
    size_t n = i < sizes.size() ? std::min(sizes[i], data.size() - pos) : data.size() - pos;
    std::string_view piece = data.substr(pos, n);
    pos += n;
    if (!unknown_size) {
      out += ZstdFrame(piece);
      continue;
    }
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    std::string frame(ZSTD_compressBound(piece.size()), '\0');
    size_t z = ZSTD_compress2(cctx, frame.data(), frame.size(), piece.data(), piece.size());
    ZSTD_freeCCtx(cctx);
    EXPECT_FALSE(ZSTD_isError(z));
    frame.resize(z);
    out += frame;
  }
  return out;
}

// The --stats file with every timing (seconds, cpu_seconds, serial_cpu_seconds) blanked and
// `outdir` named OUT: what must be the same run to run.
std::string StatsWithoutTimings(const std::string& path, const std::string& outdir) {
  std::string s = std::regex_replace(
      ReadFile(path), std::regex("\"(seconds|cpu_seconds|serial_cpu_seconds)\": [0-9.]+"),
      "\"$1\": X");
  for (size_t p; (p = s.find(outdir + "/")) != std::string::npos;) s.replace(p, outdir.size(), "OUT");
  return s;
}

// Every file of `dir`, named, in order: one string to compare.
std::string AllFiles(const std::string& dir) {
  std::string all;
  for (const std::string& f : ListDir(dir)) all += "== " + f + "\n" + ReadFile(dir + "/" + f);
  return all;
}

double Number(const std::map<std::string, std::string>& stats, const std::string& key) {
  auto it = stats.find(key);
  EXPECT_NE(it, stats.end()) << key;
  return it == stats.end() ? -1 : std::stod(it->second);
}

// A run of many shards (plain, one-frame zstd, many-frame zstd, frames of unknown size), read
// several at a time, gives the same bytes and counters at -T1, -T2 and -T8.
TEST(ParallelRead, ManyShardsSameBytesAtAnyThreadCount) {
  TempDir dir;
  for (uint32_t i = 0; i < 12; ++i) {
    std::string records = Corpus((200 + 60 * i) << 10, 100 + i, kShape);
    const std::string name = dir / ("in/s" + std::to_string(10 + i) + ".jsonl");
    switch (i % 4) {
      case 0: WriteFile(name, records); break;
      case 1: WriteFile(name + ".zst", ZstdFrame(records)); break;
      case 2: WriteFile(name + ".zst", Frames(records, std::vector<size_t>(64, 37000))); break;
      case 3: WriteFile(name + ".zst", Frames(records, {100000, 5000, 250000}, true)); break;
    }
  }
  std::string first;
  for (const char* t : {"1", "2", "8"}) {
    const std::string out = dir / (std::string("out") + t);
    CliResult r = RunCli({"clean", "-q", "-T", t, "--batch-size", "64K", dir / "in", "-o", out,
                          "--stats", out + ".json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(ListDir(out).size(), 24u);  // an output and a quarantine per shard
    const std::string all = AllFiles(out) + "== stats\n" + StatsWithoutTimings(out + ".json", out);
    if (first.empty()) {
      first = all;
    } else {
      EXPECT_TRUE(all == first) << "-T" << t << " differs from -T1";
    }
    ExpectBalanced(out + ".json");
    // The CPU figures: every stage's time, of which the serial stages' is a part.
    auto stats = ReadStats(out + ".json");
    const double cpu = Number(stats, "total.cpu_seconds");
    const double serial = Number(stats, "total.serial_cpu_seconds");
    EXPECT_GT(cpu, 0);
    EXPECT_GT(serial, 0);
    EXPECT_LE(serial, cpu);
    double shard_cpu = 0, longest = 0;
    for (int i = 0; i < 12; ++i) {
      const std::string key = "shards." + std::to_string(i) + ".stats.";
      const double shard_serial = Number(stats, key + "serial_cpu_seconds");
      EXPECT_GT(shard_serial, 0);
      EXPECT_LE(shard_serial, Number(stats, key + "cpu_seconds"));
      shard_cpu += Number(stats, key + "cpu_seconds");
      longest = std::max(longest, shard_serial);
    }
    EXPECT_NEAR(shard_cpu, cpu, 1e-5);  // all the shards' work
    // The shards' serial chains run side by side: the run's is the longest of them.
    EXPECT_NEAR(serial, longest, 1e-6);
  }
}

// Cleans `bytes` as the shard in/NAME, plain out, into `out`; returns the output, the
// quarantined records (decoded: a too-long record is kept as text or as base64 depending on
// whether it arrives whole in a batch) and the counters (timings blanked), as one string.
std::string CleanPlainOut(const TempDir& dir, const std::string& name, const std::string& bytes,
                          const std::string& out, const std::string& threads = "4") {
  WriteFile(dir / ("in/" + name), bytes);
  CliResult r = RunCli({"clean", "-q", "-T", threads, "--batch-size", "32K", "--max-record-size",
                        "100K", "--output-format", "plain", dir / ("in/" + name), "-o",
                        dir / out, "--stats", dir / (out + ".json")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string all = "== output\n" + ReadFile(dir / (out + "/" + name)) + "== quarantine\n";
  const std::string stem = name.substr(0, name.find('.'));
  for (const QuarantineEntry& e : ReadQuarantine(dir / (out + "/" + stem + ".quarantine.jsonl"))) {
    all += e.reason + " " + e.shard + " " + std::to_string(e.offset) + " " + e.raw + "\n";
  }
  return all + "== stats\n" + StatsWithoutTimings(dir / (out + ".json"), dir / out);
}

// A zstd shard of many frames, decoded frame-parallel and re-cut at record ends, gives what the
// same records give read serially as plain JSONL: frames cut mid-record, a byte-order mark at
// the start, records longer than a frame, records over --max-record-size (streamed in parts),
// frames whose size is unknown (decoded by the reader), and a skippable frame.
TEST(ParallelRead, FrameParallelDecodeEqualsSerialRead) {
  std::string records = "\xEF\xBB\xBF" + Corpus(300 << 10, 7, kShape);
  for (size_t len : {50000, 150000, 400000}) {  // one frame-crossing, two over the limit
    records += R"({"text":")" + std::string(len, 'w') + "\"}\n" + Corpus(60000, len, kShape);
  }
  records += R"({"text":"last, no newline"})";
  TempDir dir;
  const std::string serial = CleanPlainOut(dir, "s.jsonl", records, "plain");
  EXPECT_NE(serial.find("too-long"), std::string::npos);
  std::vector<size_t> sizes;
  for (size_t i = 0; i < 200; ++i) sizes.push_back(1 + (i * 7919) % 23000);
  const std::string many = Frames(records, sizes);
  EXPECT_EQ(CleanPlainOut(dir, "s.jsonl", many, "many", "1"), serial);
  EXPECT_EQ(CleanPlainOut(dir, "s.jsonl", many, "many8", "8"), serial);
  EXPECT_EQ(CleanPlainOut(dir, "s.jsonl", ZstdFrame(records), "one"), serial);
  // Frames of unknown size between known ones, and a skippable frame.
  const size_t a = 100000, b = 700000;
  std::string mixed = Frames(records.substr(0, a), {20000, 30000}) +
                      Frames(records.substr(a, b - a), {300000}, true);
  mixed += std::string("\x50\x2A\x4D\x18\x03\x00\x00\x00xyz", 11);
  mixed += Frames(records.substr(b), {1000, 90000});
  EXPECT_EQ(CleanPlainOut(dir, "s.jsonl", mixed, "mixed"), serial);
}

// boilerstrip's own zstd output (a frame per batch) read again decodes frame-parallel and gives
// the same records as its decoded bytes read plain.
TEST(ParallelRead, OwnOutputReadsBackLikeItsPlainForm) {
  TempDir dir;
  WriteFile(dir / "in/a.jsonl.zst", ZstdFrame(Corpus(1 << 20, 3, kShape)));
  CliResult r = RunCli({"clean", "-q", "--batch-size", "32K", dir / "in", "-o", dir / "once"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string own = ReadFile(dir / "once/a.jsonl.zst");
  ASSERT_GT(own.size(), 0u);
  size_t frames = 0;
  for (size_t pos = 0; pos < own.size(); ++frames) {
    size_t n = ZSTD_findFrameCompressedSize(own.data() + pos, own.size() - pos);
    ASSERT_FALSE(ZSTD_isError(n));
    pos += n;
  }
  EXPECT_GT(frames, 10u);
  EXPECT_EQ(CleanPlainOut(dir, "a.jsonl", own, "again"),
            CleanPlainOut(dir, "a.jsonl", ZstdDecompress(own), "again-plain"));
}

// A corrupt frame in the middle of a many-frame shard fails that shard, naming the frame's
// offset, writes none of it, and loses nothing of the other shards.
TEST(ParallelRead, CorruptFrameInTheMiddleFailsOnlyItsShard) {
  TempDir dir;
  const std::string records = Corpus(1 << 20, 5, kShape);
  std::string good_frames = Frames(records, std::vector<size_t>(40, 20000));
  std::string bad = good_frames;
  // Find the 25th frame and spoil the bytes in its middle.
  size_t pos = 0;
  for (int i = 0; i < 25; ++i) pos += ZSTD_findFrameCompressedSize(bad.data() + pos, bad.size() - pos);
  const size_t frame = ZSTD_findFrameCompressedSize(bad.data() + pos, bad.size() - pos);
  for (size_t i = pos + frame / 2; i < pos + frame / 2 + 16; ++i) bad[i] = static_cast<char>(0xA5);
  WriteFile(dir / "in/bad.jsonl.zst", bad);
  WriteFile(dir / "in/good.jsonl.zst", good_frames);
  WriteFile(dir / "in/plain.jsonl", records);
  CliResult r = RunCli({"clean", "-q", "-T", "4", "--batch-size", "32K", dir / "in", "-o",
                        dir / "out", "--stats", dir / "st.json"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("bad.jsonl.zst: corrupt zstd data in the frame at offset " +
                       std::to_string(pos) + " (after " + std::to_string(25 * 20000) +
                       " uncompressed bytes)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(Exists(dir / "out/bad.jsonl.zst"));
  EXPECT_FALSE(Exists(dir / "out/bad.quarantine.jsonl.zst"));
  auto stats = ReadStats(dir / "st.json");
  EXPECT_EQ(stats["shards.0.state"], "failed");
  EXPECT_EQ(stats["shards.1.state"], "done");
  EXPECT_EQ(stats["shards.2.state"], "done");
  // The good shards: all their records accounted for, the zstd one like the plain one.
  EXPECT_EQ(ZstdDecompress(ReadFile(dir / "out/good.jsonl.zst")), ReadFile(dir / "out/plain.jsonl"));
  EXPECT_EQ(stats["shards.1.stats.records_in"], stats["shards.2.stats.records_in"]);
  EXPECT_NE(stats["shards.1.stats.records_out"], "0");
}

// A cut in the middle of a frame of a many-frame shard: the streaming decoder's message, with
// the frame's offset, and no output.
TEST(ParallelRead, TruncatedLastFrameFailsWithItsOffset) {
  TempDir dir;
  const std::string whole = Frames(Corpus(400 << 10, 6, kShape), std::vector<size_t>(20, 20000));
  size_t pos = 0;
  for (int i = 0; i < 12; ++i) pos += ZSTD_findFrameCompressedSize(whole.data() + pos, whole.size() - pos);
  const std::string cut = whole.substr(0, pos + 100);
  WriteFile(dir / "in/t.jsonl.zst", cut);
  CliResult r = RunCli({"clean", "-q", dir / "in", "-o", dir / "out"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("t.jsonl.zst: truncated zstd stream (ends at offset " +
                       std::to_string(cut.size()) + " inside the frame at offset " +
                       std::to_string(pos) + ", after " + std::to_string(12 * 20000)),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(ListDir(dir / "out").empty());
}

}  // namespace
}  // namespace boilerstrip::testing
