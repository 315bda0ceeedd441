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
#include "io/codec.h"
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

// --- gzip members ---------------------------------------------------------------------------

// `piece` as one gzip member of the given kind: 'S' as boilerstrip writes it (its header's 'BS'
// subfield gives the member's size and decoded size), 'C' BGZF-style (subfield 'BC': the
// member's size - 1), 'U' a plain header that says nothing (as `gzip` writes it).
std::string Member(std::string_view piece, char kind) {
  static io::FrameCompressor compressor;
  std::string own;
  EXPECT_TRUE(compressor.Compress(io::Format::kGzip, 1, piece, &own).ok());
  EXPECT_EQ(own.substr(12, 4), std::string("BS\x10\x00", 4)) << "not the writer's header";
  if (kind == 'S') return own;
  const std::string body = own.substr(32);  // deflate data and trailer
  if (kind == 'U') return std::string("\x1F\x8B\x08\x00\0\0\0\0\0\xFF", 10) + body;
  const size_t bsize = 18 + body.size() - 1;
  EXPECT_LT(bsize, 65536u);
  std::string h("\x1F\x8B\x08\x04\0\0\0\0\0\xFF\x06\x00" "BC\x02\x00", 16);
  h += static_cast<char>(bsize & 0xFF);
  h += static_cast<char>(bsize >> 8);
  return h + body;
}

// `data` as gzip members cut at the given sizes (the last takes the rest), of the kinds in
// `kinds`, used in turn.
std::string Members(std::string_view data, const std::vector<size_t>& sizes,
                    const std::string& kinds, std::vector<size_t>* starts = nullptr) {
  std::string out;
  size_t pos = 0;
  for (size_t i = 0; pos < data.size() || i == 0; ++i) {
    size_t n = i < sizes.size() ? std::min(sizes[i], data.size() - pos) : data.size() - pos;
    if (starts != nullptr) starts->push_back(out.size());
    out += Member(data.substr(pos, n), kinds[i % kinds.size()]);
    pos += n;
  }
  return out;
}

// GNU gzip's reading of `bytes` (an implementation other than the one under test).
std::string Gunzip(const TempDir& dir, const std::string& bytes) {
  WriteFile(dir / "gunzip.gz", bytes);
  std::string out, err;
  EXPECT_EQ(Run("gzip -dc " + dir / "gunzip.gz", &out, &err), 0) << err;
  return out;
}

// A gzip shard of many members, the ones whose headers give their size inflated in parallel
// and re-cut at record ends, gives what the same records give read serially as plain JSONL:
// members cut mid-record, a byte-order mark at the start, records longer than a member and
// over --max-record-size, BGZF members with their end-of-file marker, and members that say
// nothing of their size (inflated by the reader) between the others.
TEST(ParallelRead, GzipMembersDecodeInParallelLikeASerialRead) {
  std::string records = "\xEF\xBB\xBF" + Corpus(300 << 10, 17);
  for (size_t len : {50000, 150000, 400000}) {
    records += R"({"text":")" + std::string(len, 'g') + "\"}\n" + Corpus(60000, len + 1);
  }
  records += R"({"text":"last, no newline"})";
  TempDir dir;
  const std::string serial = CleanPlainOut(dir, "s.jsonl", records, "plain");
  EXPECT_NE(serial.find("too-long"), std::string::npos);
  std::vector<size_t> sizes;
  for (size_t i = 0; i < 150; ++i) sizes.push_back(1 + (i * 7919) % 23000);
  const std::string own = Members(records, sizes, "S");
  ASSERT_EQ(Gunzip(dir, own), records);
  EXPECT_EQ(CleanPlainOut(dir, "s.jsonl", own, "own1", "1"), serial);
  EXPECT_EQ(CleanPlainOut(dir, "s.jsonl", own, "own8", "8"), serial);
  std::vector<size_t> blocks(records.size() / 60000 + 1, 60000);
  const std::string bgzf = Members(records, blocks, "C") + Member("", 'C');  // + the EOF marker
  ASSERT_EQ(Gunzip(dir, bgzf), records);
  EXPECT_EQ(CleanPlainOut(dir, "s.jsonl", bgzf, "bgzf", "2"), serial);
  const std::string mixed = Members(records, sizes, "SSUCUUSC");
  ASSERT_EQ(Gunzip(dir, mixed), records);
  EXPECT_EQ(CleanPlainOut(dir, "s.jsonl", mixed, "mixed", "3"), serial);
}

// boilerstrip's own gzip output has a member per batch, each header giving the member's size
// and decoded size; GNU gzip reads it; read again, it inflates in parallel and gives the same
// records as its decoded bytes read plain; and the output bytes are the same at -T1, -T2, -T8.
TEST(ParallelRead, OwnGzipOutputReadsBackInParallelTheSameAtAnyThreadCount) {
  TempDir dir;
  const std::string plain = Corpus(1 << 20, 13);
  WriteFile(dir / "in/a.jsonl.gz", Members(plain, {}, "U"));
  CliResult r = RunCli({"clean", "-q", "--batch-size", "32K", dir / "in", "-o", dir / "once"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string own = ReadFile(dir / "once/a.jsonl.gz");
  size_t members = 0, decoded = 0;
  for (size_t pos = 0; pos < own.size(); ++members) {
    ASSERT_GE(own.size() - pos, 32u);
    ASSERT_EQ(own.substr(pos, 16), std::string("\x1F\x8B\x08\x04\0\0\0\0\0\xFF\x14\x00" "BS\x10\x00", 16));
    uint64_t size = 0, dsize = 0;
    for (int i = 7; i >= 0; --i) {
      size = size << 8 | static_cast<uint8_t>(own[pos + 16 + i]);
      dsize = dsize << 8 | static_cast<uint8_t>(own[pos + 24 + i]);
    }
    ASSERT_LE(size, own.size() - pos);
    decoded += dsize;
    pos += size;
  }
  EXPECT_GT(members, 10u);
  const std::string unzipped = Gunzip(dir, own);
  EXPECT_EQ(decoded, unzipped.size());
  std::string first;
  for (const char* t : {"1", "2", "8"}) {
    const std::string out = dir / (std::string("again") + t);
    r = RunCli({"clean", "-q", "-T", t, "--batch-size", "32K", dir / "once/a.jsonl.gz", "-o", out});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string bytes = ReadFile(out + "/a.jsonl.gz");
    ASSERT_FALSE(bytes.empty());
    if (first.empty()) first = bytes;
    EXPECT_EQ(bytes, first) << "-T" << t;
  }
  EXPECT_EQ(CleanPlainOut(dir, "a.jsonl", own, "own"),
            CleanPlainOut(dir, "a.jsonl", unzipped, "own-plain"));
}

// A corrupt member in the middle of a many-member shard — its deflate data, or its CRC-32 —
// fails that shard, naming the member's offset, writes none of it, and loses nothing of the
// other shards. Both kinds of size field.
TEST(ParallelRead, CorruptGzipMemberInTheMiddleFailsOnlyItsShard) {
  const std::string records = Corpus(1 << 20, 15);
  for (const char* kinds : {"S", "C"}) {
    for (bool crc : {false, true}) {
      TempDir dir;
      std::vector<size_t> starts;
      const std::string good = Members(records, std::vector<size_t>(60, 20000), kinds, &starts);
      std::string bad = good;
      const size_t at = starts[25], end = starts[26];
      if (crc) {
        bad[end - 8] ^= 0x01;
      } else {
        for (size_t i = at + (end - at) / 2; i < at + (end - at) / 2 + 16; ++i) {
          bad[i] = static_cast<char>(0xA5);
        }
      }
      WriteFile(dir / "in/bad.jsonl.gz", bad);
      WriteFile(dir / "in/good.jsonl.gz", good);
      WriteFile(dir / "in/plain.jsonl", records);
      CliResult r = RunCli({"clean", "-q", "-T", "4", "--batch-size", "32K", dir / "in", "-o",
                            dir / "out", "--stats", dir / "st.json"});
      EXPECT_EQ(r.exit_code, 2) << r.err;
      EXPECT_NE(r.err.find("bad.jsonl.gz: corrupt gzip data in the member at offset " +
                           std::to_string(at) + " (after "),
                std::string::npos)
          << kinds << " crc=" << crc << ": " << r.err;
      if (crc) {
        EXPECT_NE(r.err.find("CRC-32 or length trailer mismatch"), std::string::npos);
      }
      EXPECT_FALSE(Exists(dir / "out/bad.jsonl.gz"));
      EXPECT_FALSE(Exists(dir / "out/bad.quarantine.jsonl.gz"));
      auto stats = ReadStats(dir / "st.json");
      EXPECT_EQ(stats["shards.0.state"], "failed");
      EXPECT_EQ(stats["shards.1.state"], "done");
      EXPECT_EQ(stats["shards.2.state"], "done");
      EXPECT_EQ(Gunzip(dir, ReadFile(dir / "out/good.jsonl.gz")), ReadFile(dir / "out/plain.jsonl"));
      EXPECT_EQ(stats["shards.1.stats.records_in"], stats["shards.2.stats.records_in"]);
    }
  }
}

// A stream cut inside a member whose header gives its size: the member is not handed out
// whole; the inflater reports the cut with the member's offset and the bytes before it.
TEST(ParallelRead, TruncatedGzipMemberFailsWithItsOffset) {
  std::vector<size_t> starts;
  const std::string whole =
      Members(Corpus(400 << 10, 16), std::vector<size_t>(20, 20000), "S", &starts);
  for (size_t into : {size_t{100}, size_t{20}, size_t{5}}) {  // the deflate data, the header
    TempDir dir;
    const std::string cut = whole.substr(0, starts[12] + into);
    WriteFile(dir / "in/t.jsonl.gz", cut);
    CliResult r = RunCli({"clean", "-q", "-T", "2", dir / "in", "-o", dir / "out"});
    EXPECT_EQ(r.exit_code, 2);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        r.err, m,
        std::regex("t\\.jsonl\\.gz: truncated gzip stream \\(ends at offset " +
                   std::to_string(cut.size()) + " inside the member at offset " +
                   std::to_string(starts[12]) + ", after ([0-9]+) uncompressed bytes\\)")))
        << r.err;
    // The bytes before the member, and what of it was inflated before the cut.
    EXPECT_GE(std::stoull(m[1]), 12u * 20000);
    EXPECT_LT(std::stoull(m[1]), 13u * 20000);
    EXPECT_TRUE(ListDir(dir / "out").empty());
  }
}

// A size field is trusted only as far as the bytes bear it out: one that points where no
// member starts is passed over (the member is inflated by the reader, and the shard reads as
// GNU gzip reads it); one that points at another member's start but is wrong is refused by
// name, never misread.
TEST(ParallelRead, GzipSizeFieldThatLiesIsNeverTrusted) {
  const std::string records = Corpus(200 << 10, 18);
  std::vector<size_t> starts;
  const std::string good = Members(records, std::vector<size_t>(10, 20000), "S", &starts);
  auto set_size = [](std::string* s, size_t at, uint64_t size) {
    for (int i = 0; i < 8; ++i) (*s)[at + 16 + i] = static_cast<char>(size >> (8 * i) & 0xFF);
  };
  TempDir dir;
  const std::string serial = CleanPlainOut(dir, "s.jsonl", records, "plain");
  std::string nowhere = good;
  set_size(&nowhere, starts[3], starts[4] - starts[3] - 7);
  ASSERT_EQ(Gunzip(dir, nowhere), records);
  EXPECT_EQ(CleanPlainOut(dir, "s.jsonl", nowhere, "nowhere"), serial);
  std::string wrong = good;
  set_size(&wrong, starts[3], starts[5] - starts[3]);  // two members' worth
  WriteFile(dir / "in/w.jsonl.gz", wrong);
  CliResult r = RunCli({"clean", "-q", dir / "in/w.jsonl.gz", "-o", dir / "out"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("w.jsonl.gz: corrupt gzip data in the member at offset " +
                       std::to_string(starts[3]) + " (after " + std::to_string(3 * 20000) +
                       " uncompressed bytes): it does not end where the size field in its header"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(ListDir(dir / "out").empty());
}

// A record over --max-record-size read from a zstd or gzip shard reaches the writer as one part
// of up to the limit, which the writer encodes and compresses a slice at a time (issue 12, 7b):
// the quarantine holds the record whole, its base64 decoding to exactly its bytes; the records
// around it are cleaned as without it (the corpus's own bad records aside); the bytes are the
// same at -T1 and -T2.
TEST(ParallelRead, LongRecordFromACompressedShardIsQuarantinedWholeInSlices) {
  const std::string before = Corpus(200 << 10, 21), after = Corpus(200 << 10, 22);
  std::string big = R"({"id":"long","text":")";
  for (size_t i = 0; big.size() < (10u << 20); ++i) big += "word" + std::to_string(i % 977) + " ";
  big += "\"}";
  const std::string records = before + big + "\n" + after;
  TempDir dir;
  WriteFile(dir / "ref/s.jsonl", before + after);
  CliResult r = RunCli({"clean", "-q", dir / "ref/s.jsonl", "-o", dir / "ref-out"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string want = ReadFile(dir / "ref-out/s.jsonl");
  ASSERT_FALSE(want.empty());
  for (const char* kind : {"zst", "gz"}) {
    const std::string name = std::string("s.jsonl.") + kind;
    WriteFile(dir / ("in/" + name),
              std::string(kind) == "zst" ? ZstdFrame(records) : Members(records, {}, "U"));
    std::string first_out, first_q;
    for (const char* t : {"1", "2"}) {
      const std::string out = dir / (std::string("out-") + kind + t);
      r = RunCli({"clean", "-q", "-T", t, "--max-record-size", "3M", dir / ("in/" + name), "-o",
                  out});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const std::string o = ReadFile(out + "/" + name);
      const std::string q = ReadFile(out + "/s.quarantine.jsonl." + kind);
      const bool zst = std::string(kind) == "zst";
      WriteFile(dir / "o.jsonl", zst ? ZstdDecompress(o) : Gunzip(dir, o));
      WriteFile(dir / "q.jsonl", zst ? ZstdDecompress(q) : Gunzip(dir, q));
      EXPECT_EQ(ReadFile(dir / "o.jsonl"), want) << kind << " -T" << t;
      std::vector<QuarantineEntry> entries;
      for (QuarantineEntry& e : ReadQuarantine(dir / "q.jsonl")) {
        if (e.reason == "too-long") entries.push_back(std::move(e));
      }
      ASSERT_EQ(entries.size(), 1u) << kind;
      EXPECT_TRUE(entries[0].base64);
      EXPECT_EQ(entries[0].offset, before.size());
      EXPECT_TRUE(entries[0].raw == big) << kind << ": the quarantined bytes differ";
      if (first_out.empty()) first_out = o, first_q = q;
      EXPECT_EQ(o, first_out) << kind << " -T" << t;
      EXPECT_EQ(q, first_q) << kind << " -T" << t;
    }
  }
}

}  // namespace
}  // namespace boilerstrip::testing
