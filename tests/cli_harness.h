// Helpers for tests that drive the real boilerstrip binary (BOILERSTRIP_BINARY): a scratch
// directory, running the CLI with captured output, reading the --stats JSON and the quarantine
// file, and zstd framing of fixtures.
#ifndef BOILERSTRIP_TESTS_CLI_HARNESS_H_
#define BOILERSTRIP_TESTS_CLI_HARNESS_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "test_util.h"

namespace boilerstrip::testing {

struct CliResult {
  int exit_code = -1;  // the exit status, or 128 + signal number
  std::string out;     // standard output
  std::string err;     // standard error
};

// Runs the binary with `args` (no shell), standard input from `stdin_path` ("" = /dev/null)
// and standard output to `stdout_path` when given (then CliResult::out is empty).
CliResult RunCli(const std::vector<std::string>& args, const std::string& stdin_path = "",
                 const std::string& stdout_path = "");
// Starts the binary without waiting; output goes to the given files. Returns the pid.
pid_t SpawnCli(const std::vector<std::string>& args, const std::string& stdout_path,
               const std::string& stderr_path);
// Waits for `pid`; returns its exit status or 128 + signal.
int WaitCli(pid_t pid);

// The --stats JSON, flattened: "total.records_in" → 7, "total.bad_records.invalid-json" → 1,
// "shards.0.stats.quarantined" → 1, "shards.0.state" → "done" (as the string). Numbers as text.
std::map<std::string, std::string> ReadStats(const std::string& path);

// One line of a quarantine file.
struct QuarantineEntry {
  std::string reason;
  std::string shard;
  uint64_t offset = 0;
  std::string raw;  // the record's bytes (decoded from raw_base64 when so stored)
  bool base64 = false;
};
std::vector<QuarantineEntry> ReadQuarantine(const std::string& path);

// Checks, with gtest assertions, the record accounting of a --stats file: for the total and
// every shard, records_in = records_out + quarantined + dropped_doc, and bad_records sums to
// quarantined + passed_bad (failed shards excepted when `allow_failed`).
void ExpectBalanced(const std::string& stats_path);

// Checks that every quarantined record is, byte for byte, the input record at its offset
// (followed by '\n' or the end of the input).
void ExpectQuarantineMatchesInput(const std::vector<QuarantineEntry>& entries,
                                  std::string_view input);

}  // namespace boilerstrip::testing

#endif  // BOILERSTRIP_TESTS_CLI_HARNESS_H_
