// The io layer: AtomicFile (the one writer), RecordReader (the one batch cutter), ListShards;
// and the run-level defects they fixed, through the real binary.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cli_harness.h"
#include "io/atomic_file.h"
#include "io/record_reader.h"
#include "io/shard_list.h"

namespace boilerstrip::testing {
namespace {

// A source over a string that returns at most `step` bytes a read (a pipe's arbitrary reads).
class StringSource : public io::Source {
 public:
  StringSource(std::string data, size_t step) : data_(std::move(data)), step_(step) {}
  Result<size_t> Read(char* buf, size_t cap) override {
    size_t n = std::min({cap, step_, data_.size() - pos_});
    std::memcpy(buf, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  uint64_t raw_offset() const override { return pos_; }

 private:
  std::string data_;
  size_t step_;
  size_t pos_ = 0;
};

struct Chunk {
  std::string data;
  io::ChunkInfo info;
};

std::vector<Chunk> ReadAll(const std::string& data, size_t step, size_t batch, size_t max_record) {
  io::RecordReaderOptions o;
  o.batch_bytes = batch;
  o.max_record_bytes = max_record;
  io::RecordReader reader(std::make_unique<StringSource>(data, step), o);
  std::vector<Chunk> chunks;
  std::string buf;
  while (!reader.done()) {
    Chunk c;
    Status st = reader.Next(&buf, &c.info);
    EXPECT_TRUE(st.ok()) << st.message();
    if (!st.ok()) break;
    c.data = buf;
    chunks.push_back(std::move(c));
  }
  return chunks;
}

std::string Records(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += "{\"text\":\"" + std::string(1 + rng() % 300, static_cast<char>('a' + rng() % 26)) +
           "\"}\n";
  }
  return out;
}

// --- RecordReader ---------------------------------------------------------------------------

TEST(RecordReader, CutsDependOnTheDataNotOnHowReadsReturn) {
  const std::string data = Records(3000, 1) + "{\"text\":\"no final newline\"}";
  const auto big = ReadAll(data, 1 << 20, 8192, 1 << 20);
  for (size_t step : {1u, 7u, 4096u, 100000u}) {
    const auto small = ReadAll(data, step, 8192, 1 << 20);
    ASSERT_EQ(small.size(), big.size()) << step;
    for (size_t i = 0; i < big.size(); ++i) {
      EXPECT_EQ(small[i].data, big[i].data) << step << " " << i;
      EXPECT_EQ(small[i].info.offset, big[i].info.offset);
    }
  }
  // Whole records, in order, nothing lost or added; exactly one end, the last.
  std::string joined;
  for (size_t i = 0; i < big.size(); ++i) {
    EXPECT_EQ(big[i].info.offset, joined.size());
    EXPECT_EQ(big[i].info.end, i + 1 == big.size());
    EXPECT_FALSE(big[i].info.part);
    if (i + 1 < big.size()) EXPECT_EQ(big[i].data.back(), '\n');
    joined += big[i].data;
  }
  EXPECT_EQ(joined, data);
}

TEST(RecordReader, StreamsAnOverLongRecordInPartsOfThreeBytes) {
  const std::string longrec = "{\"text\":\"" + std::string(100000, 'x') + "\"}";
  for (bool final_newline : {true, false}) {
    const std::string data = "{\"a\":1}\n" + longrec + (final_newline ? "\n{\"b\":2}\n" : "");
    const auto chunks = ReadAll(data, 999, 4096, 5000);
    std::string rebuilt;
    int firsts = 0, lasts = 0;
    for (const Chunk& c : chunks) {
      if (c.info.part) {
        firsts += c.info.first_part;
        lasts += c.info.last_part;
        if (!c.info.last_part) EXPECT_EQ(c.data.size() % 3, 0u);
        if (c.info.first_part) EXPECT_EQ(c.info.offset, 8u);
        rebuilt += c.data;
      }
    }
    EXPECT_EQ(firsts, 1);
    EXPECT_EQ(lasts, 1);
    EXPECT_EQ(rebuilt, longrec);
    EXPECT_TRUE(chunks.back().info.end);
  }
}

TEST(RecordReader, OptionsOutOfRangeAreRunErrors) {
  io::RecordReaderOptions o;
  EXPECT_TRUE(io::ValidateRecordReaderOptions(o).ok());
  o.max_record_bytes = size_t{1} << 33;  // texts are indexed with 32-bit offsets
  Status st = io::ValidateRecordReaderOptions(o);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.scope(), ErrorScope::kRun);
  EXPECT_NE(st.message().find("--max-record-size"), std::string::npos);
  o.max_record_bytes = 1;
  o.batch_bytes = 0;
  EXPECT_FALSE(io::ValidateRecordReaderOptions(o).ok());
}

// --- AtomicFile -------------------------------------------------------------------------------

TEST(AtomicFile, NothingIsVisibleBeforeCommitAndNothingIsLeftAfterAbort) {
  TempDir dir;
  WriteFile(dir / "f", "old");
  {
    auto f = io::AtomicFile::Open(dir / "f");
    ASSERT_TRUE(f.ok()) << f.status().message();
    ASSERT_TRUE(f.value()->Append("new bytes").ok());
    EXPECT_EQ(ReadFile(dir / "f"), "old");
    EXPECT_EQ(ListDir(dir.path()).size(), 2u);  // the target and one temporary
  }  // destroyed without Commit: aborted
  EXPECT_EQ(ReadFile(dir / "f"), "old");
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"f"});
  ASSERT_TRUE(io::WriteFileAtomically(dir / "f", "new").ok());
  EXPECT_EQ(ReadFile(dir / "f"), "new");
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"f"});
  struct stat st;
  ASSERT_EQ(::stat((dir / "f").c_str(), &st), 0);
  EXPECT_NE(st.st_mode & 0044, 0u) << "an output is readable as an ordinary create makes it";
}

// Two writers of one output (a requeued Slurm task while the first still runs) never share a
// temporary: each commits a whole file, and the output is one of them, never a mixture.
// (Before: one fixed ".NAME.tmp" opened with O_TRUNC, interleaved, renamed corrupt.)
TEST(AtomicFile, ConcurrentWritersOfOneTargetNeverMix) {
  TempDir dir;
  const std::string a(1 << 20, 'a'), b(1 << 20, 'b');
  auto fa = io::AtomicFile::Open(dir / "out");
  auto fb = io::AtomicFile::Open(dir / "out");
  ASSERT_TRUE(fa.ok() && fb.ok());
  for (size_t off = 0; off < a.size(); off += 4096) {
    ASSERT_TRUE(fa.value()->Append(std::string_view(a).substr(off, 4096)).ok());
    ASSERT_TRUE(fb.value()->Append(std::string_view(b).substr(off, 4096)).ok());
  }
  ASSERT_TRUE(fa.value()->Commit().ok());
  EXPECT_EQ(ReadFile(dir / "out"), a);
  ASSERT_TRUE(fb.value()->Commit().ok());
  EXPECT_EQ(ReadFile(dir / "out"), b);
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"out"});
}

// A FIFO, or a device, is written in place, never replaced by a rename.
// (Before: `gen -o /dev/null` as root renamed a regular file over /dev/null.)
TEST(AtomicFile, NonRegularTargetsAreWrittenInPlace) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0644), 0);
  std::string got;
  std::thread reader([&] { got = ReadFile(dir / "fifo"); });
  ASSERT_TRUE(io::WriteFileAtomically(dir / "fifo", "through the fifo").ok());
  reader.join();
  EXPECT_EQ(got, "through the fifo");
  struct stat st;
  ASSERT_EQ(::lstat((dir / "fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));

  if (::geteuid() != 0) GTEST_SKIP() << "mknod of a device needs root";
  ASSERT_EQ(::mknod((dir / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_TRUE(io::WriteFileAtomically(dir / "null", "gone").ok());
  ASSERT_EQ(::lstat((dir / "null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "the device was replaced";
  EXPECT_EQ(ListDir(dir.path()), (std::vector<std::string>{"fifo", "null"}));
}

TEST(AtomicFile, ErrorsNameThePath) {
  TempDir dir;
  auto missing = io::AtomicFile::Open(dir / "no/such/dir/f");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(dir / "no/such/dir/f"), std::string::npos);
  ASSERT_EQ(::mkdir((dir / "d").c_str(), 0755), 0);
  auto d = io::AtomicFile::Open(dir / "d");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("is a directory"), std::string::npos);
  auto full = io::AtomicFile::Open("/dev/full");
  ASSERT_TRUE(full.ok());
  Status st = full.value()->Append("x");
  if (st.ok()) st = full.value()->Commit();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/dev/full"), std::string::npos) << st.message();
}

// A dead writer's temporary is swept; a live one's (locked) is not.
TEST(AtomicFile, RemoveStaleTemporariesSparesLiveWriters) {
  TempDir dir;
  WriteFile(dir / ".out.AbC123.tmp", "left by a killed run");
  WriteFile(dir / ".other.AbC123.tmp", "not ours");
  auto live = io::AtomicFile::Open(dir / "out");
  ASSERT_TRUE(live.ok());
  ASSERT_TRUE(live.value()->Append("live").ok());
  EXPECT_EQ(io::RemoveStaleTemporaries({dir / "out"}), 1u);
  EXPECT_FALSE(Exists(dir / ".out.AbC123.tmp"));
  EXPECT_TRUE(Exists(dir / ".other.AbC123.tmp"));
  ASSERT_TRUE(live.value()->Commit().ok());
  EXPECT_EQ(ReadFile(dir / "out"), "live");
}

// --- ListShards -------------------------------------------------------------------------------

// A dangling symlink named like a shard is listed wherever the directory lists it, so that its
// shard fails by name; an iteration error never escapes as an exception. (Before: the run
// failed only when the dangling entry came last, and unnamed.)
TEST(ListShards, DanglingSymlinksAreListedWhateverTheirPosition) {
  TempDir dir;
  WriteFile(dir / "in/m.jsonl", "{\"text\":\"x\"}\n");
  ASSERT_EQ(::symlink((dir / "gone1").c_str(), (dir / "in/a.jsonl").c_str()), 0);
  ASSERT_EQ(::symlink((dir / "gone2").c_str(), (dir / "in/z.jsonl").c_str()), 0);
  ASSERT_EQ(::symlink((dir / "gone3").c_str(), (dir / "in/notes.txt").c_str()), 0);
  auto files = io::ListShards({dir / "in"}, 0, 1);
  ASSERT_TRUE(files.ok()) << files.status().message();
  EXPECT_EQ(files.value(),
            (std::vector<std::string>{dir / "in/a.jsonl", dir / "in/m.jsonl", dir / "in/z.jsonl"}));
  auto bad = io::ListShards({dir / "nothing"}, 0, 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(dir / "nothing"), std::string::npos);
  EXPECT_FALSE(io::ListShards({dir / "in"}, 1, 1).ok());
}

TEST(ListShards, DanglingSymlinkFailsItsShardByNameAndTheOthersAreDone) {
  TempDir dir;
  WriteFile(dir / "in/m.jsonl", "{\"text\":\"x\"}\n");
  for (const char* name : {"a.jsonl", "z.jsonl"}) {
    ASSERT_EQ(::symlink((dir / "gone").c_str(), (dir / "in/" + name).c_str()), 0);
    CliResult r = RunCli({"clean", "-q", "--force", dir / "in", "-o", dir / "out"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(dir / "in/" + name + ": cannot open"), std::string::npos) << r.err;
    EXPECT_EQ(ReadFile(dir / "out/m.jsonl"), "{\"text\":\"x\"}\n");
    ASSERT_EQ(::unlink((dir / "in/" + name).c_str()), 0);
  }
}

// --- the run's files --------------------------------------------------------------------------

// Two inputs whose quarantine files would share a name are refused before any work, naming
// both. (Before: the second shard's finish unlinked the first one's quarantined records.)
TEST(RunFiles, InputsWhoseFilesWouldCollideAreARunError) {
  TempDir dir;
  const std::string bad = "{\"text\":5}\n";
  for (auto [x, y] : {std::pair{"a", "a.jsonl"}, std::pair{"x.zst", "x.jsonl.zst"}}) {
    const bool zst = std::string(x).find(".zst") != std::string::npos;
    WriteFile(dir / x, zst ? ZstdFrame(bad) : bad);
    WriteFile(dir / y, zst ? ZstdFrame(bad) : bad);
    CliResult r = RunCli({"clean", dir / x, dir / y, "-o", dir / "out"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("the quarantine of " + dir / x), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("the quarantine of " + dir / y), std::string::npos) << r.err;
    EXPECT_TRUE(ListDir(dir / "out").empty());
  }
}

// profile over a shard whose last record is over --max-record-size and over a batch, with no
// final '\n', finishes and counts it bad. (Before: profile looped forever.)
TEST(RunFiles, ProfileSkipsAnOverLongLastRecordWithoutNewline) {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 20; ++i) {
    data += "{\"url\":\"https://www.example.com/" + std::to_string(i) +
            "\",\"text\":\"Line one here\\nSubscribe to our newsletter\"}\n";
  }
  data += "{\"url\":\"https://www.example.com/big\",\"text\":\"" + std::string(5 << 20, 'x') + "\"}";
  WriteFile(dir / "s.jsonl", data);
  std::string out, err;
  int rc = testing::Run("timeout 60 '" + Binary() + "' profile '" + dir / "s.jsonl" + "' -o '" +
                   dir / "p.prof" + "' --max-record-size 1M --stats '" + dir / "st.json" + "'",
               &out, &err);
  ASSERT_EQ(rc, 0) << err;
  const std::string st = ReadFile(dir / "st.json");
  EXPECT_NE(st.find("\"records_in\": 21"), std::string::npos) << st;
  EXPECT_NE(st.find("\"records_bad\": 1"), std::string::npos) << st;
}

}  // namespace
}  // namespace boilerstrip::testing
