// Faults around the data (unwritable outputs, full disk, SIGKILL, SIGINT, a closed stdout),
// resume after a partial run, and byte-identical output at any thread count. All drive the
// real binary (BOILERSTRIP_BINARY).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cli_harness.h"

namespace boilerstrip::testing {
namespace {

using namespace std::chrono_literals;

// A deterministic shard: prose, boilerplate lines, in-document duplicates, and a bad record
// every ~50 records. About `bytes` long.
std::string Corpus(size_t bytes, uint32_t seed) {
  std::mt19937 rng(seed);
  const char* words[] = {"river", "council", "the", "bridge", "of", "budget", "and", "minister",
                         "closed", "weather", "report", "market", "school", "a", "new", "said"};
  const char* chrome[] = {"Share this:", "Source link", "Posted in News", "Leave a Comment",
                          "Facebook Twitter LinkedIn Email"};
  std::string out;
  for (uint32_t id = 0; out.size() < bytes; ++id) {
    if (rng() % 50 == 0) {
      out += rng() % 2 ? "{\"text\":42}\n" : "{\"text\":\"broken\n";
      continue;
    }
    std::string text;
    std::string first;
    int lines = 2 + rng() % 8;
    for (int l = 0; l < lines; ++l) {
      std::string line;
      if (rng() % 5 == 0) {
        line = chrome[rng() % 5];
      } else if (l > 0 && rng() % 7 == 0) {
        line = first;  // a duplicate line
      } else {
        int n = 5 + rng() % 15;
        for (int w = 0; w < n; ++w) line += std::string(w ? " " : "") + words[rng() % 16];
        line += ".";
      }
      if (l == 0) first = line;
      text += (l ? (rng() % 3 ? "\\n" : "\\n\\n") : "") + line;
    }
    out += "{\"id\":" + std::to_string(id) + ",\"text\":\"" + text + "\",\"lang\":\"en\"}\n";
  }
  return out;
}

// The stats file without its timings (the one thing that may vary run to run).
std::string StatsWithoutSeconds(const std::string& path) {
  std::string in = ReadFile(path), out;
  size_t pos = 0;
  while (pos < in.size()) {
    size_t nl = in.find('\n', pos);
    std::string line = in.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos + 1);
    if (line.find("seconds\":") == std::string::npos) out += line;  // and cpu_, serial_cpu_
    pos = nl == std::string::npos ? in.size() : nl + 1;
  }
  return out;
}

// Waits until `pred` holds or `limit` passes.
template <typename Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds limit = 30s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

off_t SizeOf(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

// The path of the temporary an AtomicFile writes for `dir`/`name` (".NAME.XXXXXX.tmp"), or "".
std::string TemporaryOf(const std::string& dir, const std::string& name) {
  for (const std::string& e : ListDir(dir)) {
    if (e.size() == name.size() + 12 && e.rfind("." + name + ".", 0) == 0 &&
        e.compare(e.size() - 4, 4, ".tmp") == 0) {
      return dir + "/" + e;
    }
  }
  return "";
}

// --- outputs that cannot be written ---------------------------------------------------------

TEST(Faults, OutputDirUnderARegularFileIsARunError) {
  TempDir dir;
  WriteFile(dir / "in.jsonl", "{\"text\":\"x\"}\n");
  WriteFile(dir / "file", "");
  CliResult r = RunCli({"clean", dir / "in.jsonl", "-o", dir / "file/out"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("boilerstrip: " + dir / "file/out" + ": cannot create output directory"),
            std::string::npos)
      << r.err;
}

TEST(Faults, ReadOnlyOutputDirIsARunError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root bypasses directory permissions";
  TempDir dir;
  WriteFile(dir / "in.jsonl", "{\"text\":\"x\"}\n");
  ASSERT_EQ(::mkdir((dir / "out").c_str(), 0555), 0);
  CliResult r = RunCli({"clean", dir / "in.jsonl", "-o", dir / "out"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("output directory is not writable"), std::string::npos) << r.err;
  EXPECT_TRUE(ListDir(dir / "out").empty());
}

// The quarantine file cannot be created (here a directory holds its name): that shard fails
// (nothing under its final name), the others go on.
TEST(Faults, UnwritableQuarantineFailsTheShard) {
  TempDir dir;
  WriteFile(dir / "a.jsonl", "{\"text\":\"fine\"}\n{\"text\":5}\n");
  WriteFile(dir / "b.jsonl", "{\"text\":\"fine\"}\n");
  ASSERT_EQ(::mkdir((dir / "q").c_str(), 0755), 0);
  // Temporaries have unique names now, so only the final name can be blocked.
  for (const char* blocker : {"a.quarantine.jsonl"}) {
    ASSERT_EQ(::mkdir((dir / "q/" + blocker).c_str(), 0755), 0);
    CliResult r = RunCli({"clean", "-q", "--force", dir / "a.jsonl", dir / "b.jsonl", "-o",
                          dir / "out", "--quarantine-dir", dir / "q"});
    EXPECT_EQ(r.exit_code, 2);
    std::string want = dir / "q/a.quarantine.jsonl: is a directory";
    EXPECT_NE(r.err.find(want), std::string::npos) << r.err;
    EXPECT_EQ(ListDir(dir / "out"), std::vector<std::string>{"b.jsonl"});
    EXPECT_EQ(ListDir(dir / "q"), std::vector<std::string>{blocker});  // no temporary left
    ASSERT_EQ(::rmdir((dir / "q/" + blocker).c_str()), 0);
  }
}

// A --quarantine-dir is created like the output directory; when it cannot be, nothing starts.
TEST(Faults, QuarantineDirUnderARegularFileIsARunError) {
  TempDir dir;
  WriteFile(dir / "a.jsonl", "{\"text\":5}\n");
  WriteFile(dir / "file", "");
  CliResult r = RunCli({"clean", dir / "a.jsonl", "-o", dir / "out", "--quarantine-dir",
                        dir / "file/q"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(dir / "file/q: cannot create quarantine directory"), std::string::npos)
      << r.err;
  EXPECT_TRUE(ListDir(dir / "out").empty());
}

TEST(Faults, FullDiskOnStandardOutputFails) {
  if (!Exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  TempDir dir;
  WriteFile(dir / "in.jsonl", Corpus(1 << 20, 1));
  CliResult r = RunCli({"clean", "-q", dir / "in.jsonl", "-o", "-", "--stats", dir / "st.json"},
                       "", "/dev/full");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(dir / "in.jsonl" + ": write to standard output failed: No space left on "
                                          "device"),
            std::string::npos)
      << r.err;
  EXPECT_NE(ReadFile(dir / "st.json").find("\"state\": \"failed\""), std::string::npos);
}

TEST(Faults, ClosedStandardOutputIsANormalStop) {
  TempDir dir;
  WriteFile(dir / "in.jsonl", Corpus(8 << 20, 2));
  WriteFile(dir / "run.sh", std::string("\"") + BOILERSTRIP_BINARY + "\" clean \"$1/in.jsonl\" " +
                                "-o - --quarantine-dir \"$1\" 2>\"$1/err\" | head -c 100 >/dev/null\n" +
                                "exit ${PIPESTATUS[0]}\n");
  int status = std::system(("bash '" + dir / "run.sh" + "' '" + dir.path() + "'").c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(ReadFile(dir / "err"), "");
  for (const std::string& f : ListDir(dir.path())) EXPECT_NE(f[0], '.') << f;
}

// A closed standard output stops the run normally (exit 0), but the stats never call the cut
// shard done, and they name the shards that never started. (Before: the cut shard was "done"
// and the later ones were missing from the stats.)
TEST(Faults, ClosedStandardOutputReportsTheCutShardsAsNotFinished) {
  TempDir dir;
  WriteFile(dir / "in/a.jsonl", Corpus(8 << 20, 2));
  WriteFile(dir / "in/b.jsonl", Corpus(1 << 20, 3));
  WriteFile(dir / "run.sh", std::string("\"") + BOILERSTRIP_BINARY + "\" clean \"$1/in\" " +
                                "-o - -T2 --batch-size 64K --quarantine-dir \"$1\" --stats \"$1/st.json\" " +
                                "2>\"$1/err\" | head -c 100 >/dev/null\n" +
                                "exit ${PIPESTATUS[0]}\n");
  int status = std::system(("bash '" + dir / "run.sh" + "' '" + dir.path() + "'").c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  auto st = ReadStats(dir / "st.json");
  EXPECT_EQ(st["broken_pipe"], "true");
  EXPECT_EQ(st["shards.0.input"], dir / "in/a.jsonl");
  EXPECT_EQ(st["shards.0.state"], "interrupted");
  EXPECT_EQ(st["shards.1.input"], dir / "in/b.jsonl");
  // The reader runs at most a few 64K batches ahead of the writer: b was never begun.
  EXPECT_EQ(st["shards.1.state"], "not-started");
  EXPECT_EQ(st["shards.1.stats.records_in"], "0");
}

// --- signals ----------------------------------------------------------------------------------

// Feeds a shard through a FIFO so that the test controls how far the run gets.
class FifoRun {
 public:
  FifoRun(const TempDir& dir, const std::string& name, std::vector<std::string> extra)
      : dir_(dir), input_(dir / name) {
    ::signal(SIGPIPE, SIG_IGN);  // the child may die while we write
    EXPECT_EQ(::mkfifo(input_.c_str(), 0644), 0);
    std::vector<std::string> args = {"clean", input_, "-o", dir / "out", "--batch-size", "64K",
                                     "-T2"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = SpawnCli(args, dir / "stdout", dir / "stderr");
    fd_ = ::open(input_.c_str(), O_WRONLY);  // blocks until the child opens it
    EXPECT_GE(fd_, 0);
  }
  ~FifoRun() {
    if (fd_ >= 0) ::close(fd_);
  }
  void Feed(std::string_view bytes) { ::write(fd_, bytes.data(), bytes.size()); }
  void CloseInput() {
    ::close(fd_);
    fd_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  const TempDir& dir_;
  std::string input_;
  pid_t pid_ = -1;
  int fd_ = -1;
};

TEST(Faults, SigkillMidShardThenRerunGivesTheSameOutput) {
  TempDir dir;
  const std::string first_frame = ZstdFrame(Corpus(6 << 20, 3));
  const std::string data = first_frame + ZstdFrame(Corpus(2 << 20, 4));
  // The reference: an uninterrupted run (same input path: quarantine entries name it).
  WriteFile(dir / "s.jsonl.zst", data);
  ASSERT_EQ(RunCli({"clean", "-q", dir / "s.jsonl.zst", "-o", dir / "ref"}).exit_code, 0);
  const std::string want = ReadFile(dir / "ref/s.jsonl.zst");
  const std::string want_q = ReadFile(dir / "ref/s.quarantine.jsonl.zst");
  ASSERT_FALSE(want.empty());
  ASSERT_FALSE(want_q.empty());
  ASSERT_EQ(::unlink((dir / "s.jsonl.zst").c_str()), 0);

  const std::string out = dir / "out/s.jsonl.zst";
  std::string tmp;
  {
    FifoRun run(dir, "s.jsonl.zst", {});
    // The first frame and half the second: a frame of up to two batches is decoded once it
    // has all arrived (in parallel with others), so the first one's batches are written.
    run.Feed(std::string_view(data).substr(0, (first_frame.size() + data.size()) / 2));
    EXPECT_TRUE(WaitFor([&] {
      tmp = TemporaryOf(dir / "out", "s.jsonl.zst");
      return !tmp.empty() && SizeOf(tmp) > 0;
    })) << "no temporary output appeared";
    EXPECT_FALSE(Exists(out));  // a partial output never has the final name
    ::kill(run.pid(), SIGKILL);
    EXPECT_EQ(WaitCli(run.pid()), 128 + SIGKILL);
  }
  EXPECT_FALSE(Exists(out));
  EXPECT_FALSE(Exists(dir / "out/s.quarantine.jsonl.zst"));
  EXPECT_TRUE(Exists(tmp));  // SIGKILL cannot be cleaned up after; the re-run removes it

  ASSERT_EQ(::unlink((dir / "s.jsonl.zst").c_str()), 0);
  WriteFile(dir / "s.jsonl.zst", data);
  CliResult r = RunCli({"clean", "-q", dir / "s.jsonl.zst", "-o", dir / "out"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(ReadFile(out) == want) << "re-run output differs from an uninterrupted run";
  EXPECT_TRUE(ReadFile(dir / "out/s.quarantine.jsonl.zst") == want_q);
  EXPECT_EQ(ListDir(dir / "out"),
            (std::vector<std::string>{"s.jsonl.zst", "s.quarantine.jsonl.zst"}));
}

TEST(Faults, SigintRemovesTemporariesAndExits130) {
  for (int sig : {SIGINT, SIGTERM}) {
    TempDir dir;
    const std::string data = Corpus(4 << 20, 5);
    FifoRun run(dir, "s.jsonl", {});
    run.Feed(std::string_view(data).substr(0, data.size() / 2));
    EXPECT_TRUE(WaitFor([&] {
      const std::string tmp = TemporaryOf(dir / "out", "s.jsonl");
      return !tmp.empty() && SizeOf(tmp) > 0;
    }));
    // The child now waits on the FIFO, which stays open: the signal must still stop it.
    ::kill(run.pid(), sig);
    EXPECT_EQ(WaitCli(run.pid()), 130) << "signal " << sig;
    EXPECT_TRUE(ListDir(dir / "out").empty()) << "signal " << sig;
    EXPECT_NE(ReadFile(dir / "stderr").find("boilerstrip: interrupted; temporary files removed"),
              std::string::npos)
        << ReadFile(dir / "stderr");
  }
}

// --- resume -----------------------------------------------------------------------------------

TEST(Resume, SkipsCompleteOutputsRedoesTheRestAndForceRedoesAll) {
  TempDir dir;
  WriteFile(dir / "in/a.jsonl", Corpus(200000, 6));
  WriteFile(dir / "in/b.jsonl", Corpus(200000, 7));
  WriteFile(dir / "in/c.jsonl.zst", ZstdFrame(Corpus(200000, 8)));
  const std::vector<std::string> run = {"clean", dir / "in", "-o", dir / "out", "--stats",
                                        dir / "st.json"};
  ASSERT_EQ(RunCli(run).exit_code, 0);
  const std::string a = ReadFile(dir / "out/a.jsonl"), c = ReadFile(dir / "out/c.jsonl.zst");

  // A killed run left b unfinished: no output under its name, a stale temporary.
  ::unlink((dir / "out/b.jsonl").c_str());
  WriteFile(dir / "out/.b.jsonl.Xy12Ab.tmp", "stale partial data");
  CliResult r = RunCli(run);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The shards already done are one summary line, not a line each; their manifests' stats
  // count in the totals.
  EXPECT_NE(r.err.find("2 shards already done"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("a.jsonl: already done"), std::string::npos) << r.err;
  auto st = ReadStats(dir / "st.json");
  EXPECT_EQ(st["shards.0.state"], "skipped");
  EXPECT_EQ(st["shards.1.state"], "done");
  EXPECT_EQ(st["shards.2.state"], "skipped");
  EXPECT_EQ(std::stoull(st["total.records_in"]),
            std::stoull(st["shards.0.stats.records_in"]) + std::stoull(st["shards.1.stats.records_in"]) +
                std::stoull(st["shards.2.stats.records_in"]));
  EXPECT_NE(st["shards.0.stats.records_in"], "0");
  EXPECT_FALSE(Exists(dir / "out/.b.jsonl.Xy12Ab.tmp"));  // a dead run's temporary is swept
  const std::string b = ReadFile(dir / "out/b.jsonl");
  EXPECT_FALSE(b.empty());

  // --force redoes every shard, to the same bytes.
  r = RunCli({"clean", "--force", dir / "in", "-o", dir / "out", "--stats", dir / "st.json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("skipped ("), std::string::npos) << r.err;
  st = ReadStats(dir / "st.json");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(st["shards." + std::to_string(i) + ".state"], "done");
  EXPECT_TRUE(ReadFile(dir / "out/a.jsonl") == a);
  EXPECT_TRUE(ReadFile(dir / "out/b.jsonl") == b);
  EXPECT_TRUE(ReadFile(dir / "out/c.jsonl.zst") == c);
  ExpectBalanced(dir / "st.json");
}

// --- determinism ------------------------------------------------------------------------------

TEST(Determinism, SameBytesAtAnyThreadCount) {
  TempDir dir;
  WriteFile(dir / "in/p.jsonl", Corpus(6 << 20, 9));
  WriteFile(dir / "in/z.jsonl.zst", ZstdFrame(Corpus(3 << 20, 10)) + ZstdFrame(Corpus(1 << 20, 11)));
  std::string first;
  for (const char* t : {"1", "2", "8"}) {
    std::string out = dir / (std::string("out") + t);
    CliResult r = RunCli({"clean", "-q", "-T", t, "--batch-size", "64K", dir / "in", "-o", out,
                          "--stats", out + ".json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string all;
    for (const std::string& f : ListDir(out)) all += "== " + f + "\n" + ReadFile(out + "/" + f);
    std::string stats = StatsWithoutSeconds(out + ".json");
    for (size_t p; (p = stats.find(out + "/")) != std::string::npos;) {
      stats.replace(p, out.size(), "OUT");  // output paths differ by design
    }
    all += "== stats\n" + stats;
    EXPECT_NE(all.find("p.quarantine.jsonl"), std::string::npos);
    if (first.empty()) {
      first = all;
    } else {
      EXPECT_TRUE(all == first) << "-T" << t << " differs from -T1";
    }
    ExpectBalanced(out + ".json");
  }
}

// Batches (hence zstd frames) and the form of too-long records in quarantine are fixed by the
// data, not by how much each read returns: a pipe fed in odd chunks gives the bytes a file does.
TEST(Determinism, PipedInputGivesTheSameBytesAsAFile) {
  TempDir dir;
  std::string plain = Corpus(1 << 20, 12);
  for (size_t len : {80000, 150000, 300000, 99999}) {  // batch 64K, limit 100K
    plain += R"({"text":")" + std::string(len, 'w') + "\"}\n" + Corpus(100000, len);
  }
  const std::string data = ZstdFrame(plain);
  WriteFile(dir / "in.zst", data);
  const std::vector<std::string> args = {"clean", "-q", "-", "-o", dir / "a", "--batch-size",
                                         "64K", "--max-record-size", "100K"};
  ASSERT_EQ(RunCli(args, dir / "in.zst").exit_code, 0);

  ::signal(SIGPIPE, SIG_IGN);
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0644), 0);
  std::thread feeder([&] {
    int fd = ::open((dir / "fifo").c_str(), O_WRONLY);
    std::mt19937 rng(13);
    for (size_t pos = 0; fd >= 0 && pos < data.size();) {
      size_t n = std::min<size_t>(data.size() - pos, 1 + rng() % 70000);
      ssize_t w = ::write(fd, data.data() + pos, n);
      if (w <= 0) break;
      pos += static_cast<size_t>(w);
      if (rng() % 4 == 0) std::this_thread::sleep_for(1ms);
    }
    if (fd >= 0) ::close(fd);
  });
  std::vector<std::string> piped = args;
  piped[4] = dir / "b";
  CliResult r = RunCli(piped, dir / "fifo");
  feeder.join();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ListDir(dir / "a"), (std::vector<std::string>{"stdin.jsonl.zst",
                                                          "stdin.quarantine.jsonl.zst"}));
  for (const std::string& f : ListDir(dir / "a")) {
    EXPECT_TRUE(ReadFile(dir / "a/" + f) == ReadFile(dir / "b/" + f)) << f << " differs";
  }
  auto q = ReadQuarantine(dir / "a/stdin.quarantine.jsonl.zst");
  EXPECT_EQ(std::count_if(q.begin(), q.end(), [](auto& e) { return e.reason == "too-long"; }), 2);
}

}  // namespace
}  // namespace boilerstrip::testing
