// The CLI's shared flag code (src/cli/flags.h): the argument splitter every subcommand uses,
// the rank split of a Slurm array task, and the checked stats writer.
#include "cli/flags.h"

#include "cli/clean_flags.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace boilerstrip::cli {
namespace {

// argv for Args: owns the strings.
class Argv {
 public:
  Argv(std::initializer_list<const char*> args) : strings_(args.begin(), args.end()) {
    for (std::string& s : strings_) ptrs_.push_back(s.data());
  }
  int argc() const { return static_cast<int>(ptrs_.size()); }
  char** argv() { return ptrs_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> ptrs_;
};

// Splits the arguments as clean does ("opT" take attached values) into "flag=value" for the
// flags in `with_value` and "flag" (or "operand:X") for the others.
std::vector<std::string> Split(Argv args, const std::set<std::string>& with_value,
                               const char* short_with_value = "opT") {
  Args a(args.argc(), args.argv(), short_with_value);
  std::vector<std::string> out;
  while (a.Next()) {
    if (a.positional()) out.push_back("operand:" + a.flag());
    else if (with_value.count(a.flag())) out.push_back(a.flag() + "=" + a.Value());
    else out.push_back(a.flag());
  }
  return out;
}

const std::set<std::string> kValued = {"-o", "-p", "-T", "--output", "--threads", "--stats"};

TEST(CliArgs, EverySpellingOfAValue) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Split({"-o", "X"}, kValued), V{"-o=X"});
  EXPECT_EQ(Split({"-oX"}, kValued), V{"-o=X"});
  EXPECT_EQ(Split({"-T4"}, kValued), V{"-T=4"});
  EXPECT_EQ(Split({"-T", "4"}, kValued), V{"-T=4"});
  EXPECT_EQ(Split({"--threads=4"}, kValued), V{"--threads=4"});
  EXPECT_EQ(Split({"--threads", "4"}, kValued), V{"--threads=4"});
  EXPECT_EQ(Split({"--stats=a=b.json"}, kValued), V{"--stats=a=b.json"});  // first '=' splits
  EXPECT_EQ(Split({"--stats="}, kValued), V{"--stats="});                  // empty, given
  EXPECT_EQ(Split({"-p/x/y.rules"}, kValued), V{"-p=/x/y.rules"});
}

TEST(CliArgs, ValuesMayStartWithADashAndOperandsAreKept) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Split({"-o", "-", "-", "a.jsonl", "-q", "--output", "--weird"}, kValued),
            (V{"-o=-", "operand:-", "operand:a.jsonl", "-q", "--output=--weird"}));
  // A short flag that takes no value is never split: "-qv" stays whole (an unknown option).
  EXPECT_EQ(Split({"-qv", "-f"}, kValued), (V{"-qv", "-f"}));
  // Without 'o' among the short flags with values, "-oX" is one unknown flag.
  EXPECT_EQ(Split({"-oX"}, kValued, "T"), V{"-oX"});
}

TEST(CliArgs, AskingTwiceGivesTheSameValue) {
  Argv argv{"--stats", "s.json", "in.jsonl"};
  Args a(argv.argc(), argv.argv(), "");
  ASSERT_TRUE(a.Next());
  EXPECT_EQ(a.Value(), "s.json");
  EXPECT_EQ(a.Value(), "s.json");
  ASSERT_TRUE(a.Next());
  EXPECT_TRUE(a.positional());
  EXPECT_EQ(a.flag(), "in.jsonl");
  EXPECT_FALSE(a.Next());
}

TEST(CliArgsDeathTest, MissingValueIsAUsageError) {
  EXPECT_EXIT(Split({"a.jsonl", "--stats"}, kValued), ::testing::ExitedWithCode(1),
              "boilerstrip: --stats: missing value\nTry 'boilerstrip --help'.");
  EXPECT_EXIT(Split({"-T"}, kValued), ::testing::ExitedWithCode(1), "-T: missing value");
}

TEST(CliArgsDeathTest, AValueGivenToAFlagWithoutOneIsAUsageError) {
  // "--force=yes" used to be taken as --force, the value silently dropped.
  EXPECT_EXIT(Split({"--force=yes", "a"}, kValued), ::testing::ExitedWithCode(1),
              "--force: takes no value, got 'yes'");
  EXPECT_EXIT(Split({"a", "--quiet=1"}, kValued), ::testing::ExitedWithCode(1),
              "--quiet: takes no value");  // also for the last argument
}

TEST(CliArgsDeathTest, ACommandNamesItselfInItsErrors) {
  Argv argv{"--size"};
  Args a(argv.argc(), argv.argv(), "o", "gen");
  ASSERT_TRUE(a.Next());
  EXPECT_EXIT(a.Value(), ::testing::ExitedWithCode(1),
              "boilerstrip: gen: --size: missing value\nTry 'boilerstrip gen --help'.");
}

// --- RankFromEnv ---

using Env = std::map<std::string, std::string>;

GetEnv From(const Env& env) {
  return [env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
}

// The environment Slurm gives task `id` of --array=MIN-MAX:STEP.
Env SlurmTask(long id, long min, long max, long step) {
  return {{"SLURM_ARRAY_TASK_ID", std::to_string(id)},
          {"SLURM_ARRAY_TASK_MIN", std::to_string(min)},
          {"SLURM_ARRAY_TASK_MAX", std::to_string(max)},
          {"SLURM_ARRAY_TASK_STEP", std::to_string(step)},
          {"SLURM_ARRAY_TASK_COUNT", std::to_string((max - min) / step + 1)}};
}

// Every task of --array=MIN-MAX:STEP gets a distinct rank below the task count, and together
// the ranks are 0..COUNT-1: every input is taken exactly once.
void ExpectRanksCoverArray(long min, long max, long step) {
  const long count = (max - min) / step + 1;
  std::vector<int> taken(count, 0);
  for (long id = min; id <= max; id += step) {
    auto share = RankFromEnv(std::nullopt, std::nullopt, From(SlurmTask(id, min, max, step)));
    ASSERT_TRUE(share.ok()) << id << ": " << share.status().message();
    EXPECT_EQ(share.value().world, static_cast<size_t>(count)) << id;
    ASSERT_LT(share.value().rank, static_cast<size_t>(count)) << id;
    EXPECT_EQ(share.value().rank, static_cast<size_t>((id - min) / step)) << id;
    ++taken[share.value().rank];
  }
  for (long r = 0; r < count; ++r) EXPECT_EQ(taken[r], 1) << "rank " << r;
}

// The cleaning flags of clean, annotate and the Python Cleaner (cli/clean_flags.h).
TEST(CliCleanFlags, AFlagThatIsNotOneOfThemTakesNoValue) {
  CleanerSetup setup;
  for (const char* flag : {"-q", "-o", "--stats", "--rank", "-f", "--frobnicate"}) {
    bool asked = false;
    auto applied = ApplyCleanFlag(flag, [&] {
      asked = true;
      return std::string("1");
    }, &setup);
    ASSERT_TRUE(applied.ok()) << flag;
    EXPECT_FALSE(applied.value()) << flag;
    EXPECT_FALSE(asked) << flag << " consumed the next argument";
  }
}

TEST(CliCleanFlags, ValuesSwitchesAndTheCliMessages) {
  CleanerSetup setup;
  auto value = [](std::string v) { return [v] { return v; }; };
  EXPECT_TRUE(ApplyCleanFlag("--tail-fraction", value("0.5"), &setup).value());
  EXPECT_EQ(setup.options.tail_fraction, 0.5);
  EXPECT_TRUE(ApplyCleanFlag("--classifier-run", value("3"), &setup).value());
  EXPECT_EQ(setup.options.classifier.max_inner_run, 3u);
  EXPECT_TRUE(ApplyCleanFlag("--min-line-docs", value("7"), &setup).value());
  EXPECT_EQ(setup.site.min_line_docs, 7u);
  EXPECT_TRUE(ApplyCleanFlag("-p", value("c4"), &setup).value());
  EXPECT_EQ(setup.patterns, std::vector<std::string>{"c4"});
  for (const char* sw : {"--no-dedup", "--classifier", "--no-title-headline"}) {
    EXPECT_TRUE(IsCleanSwitch(sw));
    EXPECT_TRUE(ApplyCleanFlag(sw, [] { ADD_FAILURE() << "a switch takes no value"; return std::string(); },
                               &setup).value());
  }
  EXPECT_EQ(setup.dedup, 0);
  EXPECT_EQ(setup.classifier, 1);
  EXPECT_FALSE(setup.options.classifier.title_headline);
  EXPECT_FALSE(IsCleanSwitch("--tail-fraction"));

  auto bad = ApplyCleanFlag("--tail-fraction", value("nan"), &setup);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "--tail-fraction: expected a number in [0, 1], got 'nan'");
  bad = ApplyCleanFlag("--min-site-docs", value("0"), &setup);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "--min-site-docs: expected an integer in [1, 2147483648], got '0'");
  bad = ApplyCleanFlag("--min-line-share", value("0"), &setup);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "--min-line-share: expected a number in (0, 1], got '0'");
}

TEST(CliCleanFlags, BuildCleanerListsEveryRuleError) {
  char dir[] = "/tmp/clean_flags_test.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/bad.rules";
  std::ofstream(path) << "a drop il fine\nb nonsense i x\nc frob i y\n";
  CleanerSetup setup;
  setup.patterns = {path};
  std::vector<std::string> errors;
  auto built = BuildCleaner(setup, &errors);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(errors.size(), 2u);
  EXPECT_EQ(built.status().message(), "2 errors in rules");
  EXPECT_NE(errors[0].find(path + ":2: rule b"), std::string::npos) << errors[0];
  setup.patterns = {"c4"};
  errors.clear();
  built = BuildCleaner(setup, &errors);
  ASSERT_TRUE(built.ok()) << built.status().message();
  // A foreign preset turns our own stages off unless asked for.
  EXPECT_FALSE(built.value()->options().dedup);
  EXPECT_FALSE(built.value()->options().classifier.enabled);
  unlink(path.c_str());
  rmdir(dir);
}

TEST(CliRankFromEnv, ArraysThatDoNotStartAtZero) {
  ExpectRanksCoverArray(1, 4, 1);   // --array=1-4
  ExpectRanksCoverArray(0, 6, 2);   // --array=0-6:2
  ExpectRanksCoverArray(5, 8, 1);   // --array=5-8
  ExpectRanksCoverArray(1, 64, 1);  // --array=1-64
  ExpectRanksCoverArray(3, 3, 1);   // --array=3
  ExpectRanksCoverArray(7, 31, 3);  // --array=7-31:3
}

TEST(CliRankFromEnv, LastTaskOfOneBasedArray) {
  // Task 64 of --array=1-64 used to be rank 64 of 64: an error, and files[0::64] never ran.
  auto share = RankFromEnv(std::nullopt, std::nullopt, From(SlurmTask(64, 1, 64, 1)));
  ASSERT_TRUE(share.ok()) << share.status().message();
  EXPECT_EQ(share.value().rank, 63u);
  EXPECT_EQ(share.value().world, 64u);
}

TEST(CliRankFromEnv, ExplicitFlagsWin) {
  Env env = SlurmTask(4, 0, 6, 2);
  auto both = RankFromEnv(5, 7, From(env));
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both.value().rank, 5u);
  EXPECT_EQ(both.value().world, 7u);
  auto world_only = RankFromEnv(std::nullopt, 10, From(env));
  ASSERT_TRUE(world_only.ok());
  EXPECT_EQ(world_only.value().rank, 2u);
  EXPECT_EQ(world_only.value().world, 10u);
  // An index list: the rank cannot be derived, but an explicit --rank with COUNT works.
  Env list = {{"SLURM_ARRAY_TASK_ID", "9"},  {"SLURM_ARRAY_TASK_MIN", "1"},
              {"SLURM_ARRAY_TASK_MAX", "9"}, {"SLURM_ARRAY_TASK_STEP", "1"},
              {"SLURM_ARRAY_TASK_COUNT", "3"}};
  auto rank_only = RankFromEnv(2, std::nullopt, From(list));
  ASSERT_TRUE(rank_only.ok()) << rank_only.status().message();
  EXPECT_EQ(rank_only.value().rank, 2u);
  EXPECT_EQ(rank_only.value().world, 3u);
  // Both given: the environment is not read at all.
  EXPECT_TRUE(RankFromEnv(0, 1, From({{"SLURM_ARRAY_TASK_ID", "x"}})).ok());
}

TEST(CliRankFromEnv, NoArrayIsRankZeroOfOne) {
  auto share = RankFromEnv(std::nullopt, std::nullopt, From({}));
  ASSERT_TRUE(share.ok());
  EXPECT_EQ(share.value().rank, 0u);
  EXPECT_EQ(share.value().world, 1u);
  // An empty variable counts as unset.
  EXPECT_TRUE(RankFromEnv(std::nullopt, std::nullopt, From({{"SLURM_ARRAY_TASK_ID", ""}})).ok());
}

TEST(CliRankFromEnv, HandWrittenEnvironmentWithoutMinMaxStep) {
  // MIN 0, STEP 1 and MAX from COUNT when unset.
  auto share = RankFromEnv(std::nullopt, std::nullopt,
                           From({{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}));
  ASSERT_TRUE(share.ok()) << share.status().message();
  EXPECT_EQ(share.value().rank, 2u);
  EXPECT_EQ(share.value().world, 4u);
}

void ExpectBad(const Env& env, const std::string& want, std::optional<long> rank = std::nullopt,
               std::optional<long> world = std::nullopt) {
  auto share = RankFromEnv(rank, world, From(env));
  ASSERT_FALSE(share.ok()) << "rank " << share.value().rank << " of " << share.value().world;
  EXPECT_EQ(share.status().scope(), ErrorScope::kRun);
  EXPECT_NE(share.status().message().find(want), std::string::npos) << share.status().message();
}

TEST(CliRankFromEnv, BadEnvironmentsAreClearErrors) {
  // --array=1,2,9: three tasks, not the nine of the range 1-9.
  Env list = {{"SLURM_ARRAY_TASK_ID", "9"},  {"SLURM_ARRAY_TASK_MIN", "1"},
              {"SLURM_ARRAY_TASK_MAX", "9"}, {"SLURM_ARRAY_TASK_STEP", "1"},
              {"SLURM_ARRAY_TASK_COUNT", "3"}};
  ExpectBad(list, "pass --rank R --world-size W explicitly");
  ExpectBad(list, "SLURM_ARRAY_TASK_COUNT=3 does not match the range 1-9");
  // Same without a step: STEP 1 assumed.
  list.erase("SLURM_ARRAY_TASK_STEP");
  ExpectBad(list, "--array=1,2,9");
  // An id off the grid of 0-6:2.
  ExpectBad(SlurmTask(3, 0, 6, 2), "SLURM_ARRAY_TASK_ID=3 is not an index of the array 0-6:2");
  // An id outside MIN..MAX.
  Env outside = SlurmTask(1, 1, 4, 1);
  outside["SLURM_ARRAY_TASK_ID"] = "5";
  ExpectBad(outside, "SLURM_ARRAY_TASK_ID=5 is not an index of the array 1-4");
  // Not numbers, a zero step or count, a missing count.
  Env bad = SlurmTask(1, 1, 4, 1);
  bad["SLURM_ARRAY_TASK_MIN"] = "one";
  ExpectBad(bad, "SLURM_ARRAY_TASK_MIN: expected an integer");
  bad = SlurmTask(1, 1, 4, 1);
  bad["SLURM_ARRAY_TASK_STEP"] = "0";
  ExpectBad(bad, "SLURM_ARRAY_TASK_STEP: expected an integer in [1,");
  bad = SlurmTask(1, 1, 4, 1);
  bad["SLURM_ARRAY_TASK_COUNT"] = "0";
  ExpectBad(bad, "SLURM_ARRAY_TASK_COUNT: expected an integer in [1,");
  bad.erase("SLURM_ARRAY_TASK_COUNT");
  ExpectBad(bad, "SLURM_ARRAY_TASK_COUNT is not");
  ExpectBad({{"SLURM_ARRAY_TASK_ID", "-1"}}, "SLURM_ARRAY_TASK_ID: expected an integer");
  // An explicit rank past the world size, given or from the environment.
  ExpectBad({}, "--rank must be below --world-size (rank 4, world size 4)", 4, 4);
  ExpectBad(SlurmTask(6, 0, 6, 2), "--rank must be below --world-size (rank 3, world size 2)",
            std::nullopt, 2);
}

// --- WriteFileOrFail ---

class TempDir {
 public:
  TempDir() {
    std::string t = (::getenv("TMPDIR") ? ::getenv("TMPDIR") : "/tmp") + std::string("/clifXXXXXX");
    path_ = ::mkdtemp(t.data()) ? t : "";
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CliWriteFileOrFail, WritesTheWholeFile) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string path = dir.path() + "/stats.json";
  ASSERT_TRUE(WriteFileOrFail(path, "{\"a\": 1}\n"));
  EXPECT_EQ(Slurp(path), "{\"a\": 1}\n");
  ASSERT_TRUE(WriteFileOrFail(path, "{}\n"));  // replaced, not appended
  EXPECT_EQ(Slurp(path), "{}\n");
}

TEST(CliWriteFileOrFail, FailuresAreReported) {
  TempDir dir;
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(WriteFileOrFail(dir.path() + "/missing/stats.json", "{}\n"));
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("boilerstrip: " + dir.path() + "/missing/stats.json: cannot write stats: "),
            std::string::npos)
      << err;
  struct stat st;
  if (::stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode)) {
    ::testing::internal::CaptureStderr();
    EXPECT_FALSE(WriteFileOrFail("/dev/full", "{}\n"));
    err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("boilerstrip: /dev/full: cannot write stats: "), std::string::npos) << err;
    EXPECT_TRUE(::stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode));  // still the device
  }
}

}  // namespace
}  // namespace boilerstrip::cli

// --- sizes: one spelling for every command ---------------------------------------------------

TEST(ParseSize, SuffixesUnitsAndFractions) {
  using boilerstrip::cli::ParseSize;
  uint64_t v = 0;
  ASSERT_TRUE(ParseSize("300", &v));
  EXPECT_EQ(v, 300u);
  ASSERT_TRUE(ParseSize("4M", &v));
  EXPECT_EQ(v, 4u << 20);
  ASSERT_TRUE(ParseSize("20MB", &v));
  EXPECT_EQ(v, 20u << 20);
  ASSERT_TRUE(ParseSize("20mb", &v));
  EXPECT_EQ(v, 20u << 20);
  ASSERT_TRUE(ParseSize("1GiB", &v));
  EXPECT_EQ(v, uint64_t{1} << 30);
  ASSERT_TRUE(ParseSize("1G", &v));
  EXPECT_EQ(v, uint64_t{1} << 30);
  ASSERT_TRUE(ParseSize("1.5M", &v));
  EXPECT_EQ(v, 3u << 19);
  ASSERT_TRUE(ParseSize("0.5K", &v));
  EXPECT_EQ(v, 512u);
  ASSERT_TRUE(ParseSize("300B", &v));
  EXPECT_EQ(v, 300u);
  for (const char* bad : {"", "M", "MB", "1.M", ".5M", "1.5.5M", "12X", "-5", "1e3", "1 M",
                          "1.1234567890M", "2000000G"}) {
    EXPECT_FALSE(ParseSize(bad, &v)) << bad;
  }
}
