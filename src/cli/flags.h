// What the subcommands share: one argument splitter, one spelling of sizes and integers, one
// usage error, the rank split of a Slurm array, and the one checked writer of stats files.
// Internal to the CLI.
#ifndef BOILERSTRIP_SRC_CLI_FLAGS_H_
#define BOILERSTRIP_SRC_CLI_FLAGS_H_

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "boilerstrip/status.h"

namespace boilerstrip::cli {

// Prints "boilerstrip: MSG" and the --help hint to stderr and exits 1 (a usage error).
[[noreturn]] void Die(const std::string& msg);

// Walks a command's arguments and splits each into a flag and its value. Every subcommand
// accepts the same spellings:
//   --name=value   flag "--name", the value attached
//   --name value   flag "--name", the value is the next argument (even when it starts with '-',
//                  so "-o -" names standard output)
//   -xVALUE        for a short flag x listed in `short_with_value` ("-oDIR", "-T4")
//   -x VALUE       likewise
// Anything else comes back whole as the flag; positional() tells an operand (a path, "-").
// A value attached to a flag that never asks for one ("--force=1") is a usage error, as is a
// missing value. Errors go through Fail().
class Args {
 public:
  // `command` names the subcommand in messages ("" for the ones whose help is the main help):
  // "boilerstrip: gen: MSG" and "Try 'boilerstrip gen --help'.".
  Args(int argc, char** argv, std::string_view short_with_value, std::string command = "");

  // Moves to the next argument; false after the last.
  bool Next();
  // The current flag ("--name" of "--name=value", "-o" of "-oDIR") or the whole operand.
  const std::string& flag() const { return flag_; }
  // Whether the current argument is an operand rather than a flag: "-" or not starting with '-'.
  bool positional() const { return flag_ == "-" || flag_.empty() || flag_[0] != '-'; }
  // The current flag's value: attached, else the next argument. Fails when there is none.
  std::string Value();
  // Prints the usage error MSG in this command's words and exits 1.
  [[noreturn]] void Fail(const std::string& msg) const;

 private:
  // Fails when the current flag carried an attached value that no one asked for.
  void CheckValueUsed() const;

  int argc_;
  char** argv_;
  int i_ = 0;
  std::string short_with_value_;
  std::string command_;
  std::string flag_;
  std::string attached_;
  bool has_attached_ = false;
  bool value_used_ = false;
};

// Parses a byte count with an optional K, M or G suffix (powers of 1024), optionally followed
// by B or iB, any case, and a decimal fraction ("4M", "20MB", "1.5M", "1GiB", "300b"), rounded
// to whole bytes. False on anything else, or past 2^50 bytes. The one spelling of sizes for
// every command.
bool ParseSize(std::string_view s, uint64_t* out);

// The integer value of `v` for `flag`, in [lo, hi]; dies with a message naming the flag otherwise.
long ParseInt(const std::string& flag, const std::string& v, long lo, long hi);

// The size value of `v` for `flag`, at least `min`; dies with a message naming the flag otherwise.
uint64_t ParseSizeOrDie(const std::string& flag, const std::string& v, uint64_t min = 1);

// This task's share of the sorted input list: files[rank :: world].
struct TaskShare {
  size_t rank = 0;
  size_t world = 1;
};

// Reads an environment variable: null or empty when unset.
using GetEnv = std::function<const char*(const char*)>;

// The share of a task, for clean and profile. An explicit --rank / --world-size (`rank`,
// `world`) wins; what is not given comes from a Slurm array task's environment, read only when
// SLURM_ARRAY_TASK_ID is set (else rank 0 of 1):
//   rank  = (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP
//   world = SLURM_ARRAY_TASK_COUNT
// so that --array=1-64, 5-8 or 0-30:2 give ranks 0..COUNT-1. The id must lie on the grid
// MIN, MIN+STEP, ..., MAX, and COUNT must be that grid's size; an array that is not such a range
// (--array=1,2,9) is an error asking for --rank and --world-size. MIN defaults to 0, STEP to 1
// and MAX to MIN + STEP * (COUNT - 1) when unset (Slurm sets them all; an environment written
// by hand may not). Errors (kRun) name the variable or flag.
Result<TaskShare> RankFromEnv(std::optional<long> rank, std::optional<long> world,
                              const GetEnv& getenv = [](const char* n) { return std::getenv(n); });

// Writes `bytes` as the whole of the stats or summary file `path` (io::WriteFileAtomically:
// a temporary renamed into place; a device or FIFO, or "-" for stdout, written in place). On
// failure prints "boilerstrip: PATH: cannot write stats: REASON" and returns false; the
// command must then exit 1.
[[nodiscard]] bool WriteFileOrFail(const std::string& path, std::string_view bytes);

// The one overwrite rule of every command that writes a file (clean's shards, profile, merge,
// gen): an existing output is kept unless -f (`force`), and the command says so, in the same
// words as clean and profile: "boilerstrip: PATH: output exists, skipped (--force to redo)"
// (unless `verbosity` is 0). True when `path` exists and is to be kept; false when it is to be
// written: absent, forced, "-" (standard output), or a device or FIFO.
bool KeepExistingOutput(const std::string& path, bool force, int verbosity);

}  // namespace boilerstrip::cli

#endif  // BOILERSTRIP_SRC_CLI_FLAGS_H_
