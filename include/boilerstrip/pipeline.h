// RunClean: the streaming pipeline over a list of shards, several shards at once (about one
// per two threads; one at a time to standard output), each through
//
//   serial read (decompress, cut into batches of whole records; a zstd shard's frames are
//                handed out, decoded in parallel, and cut in order)
//     → parallel clean (+ compress each batch as an independent zstd frame or gzip member)
//     → serial in-order write (tmp file, rename when the shard is complete).
//
// The output bytes and every counter except timings are identical at any thread count.
#ifndef BOILERSTRIP_PIPELINE_H_
#define BOILERSTRIP_PIPELINE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/stats.h"
#include "boilerstrip/status.h"

namespace boilerstrip {

class RecordRows;  // annotate.h

// What to do with a record that cannot be cleaned (DESIGN.md, "Bad input").
enum class BadRecordMode : uint8_t {
  kQuarantine,  // write it, with the reason, to OUTDIR/<shard>.quarantine.jsonl[.zst|.gz]
  kPass,        // write it to the output unchanged
  kFail,        // fail the shard
};

// The format outputs (and quarantine files) are written in.
enum class OutputFormat : uint8_t {
  kAuto,   // each shard's own (plain, zstd or gzip, as its bytes hold); plain on standard output
  kPlain,
  kZstd,   // one zstd frame with a checksum per batch
  kGzip,   // one gzip member per batch
};

struct RunOptions {
  // Input shards: files (plain, zstd or gzip JSONL: compression is detected from the bytes,
  // never from the name), directories (their *.jsonl, *.json files, also with .zst or .gz) or
  // "-" for standard input. Files are sorted by path before the rank split.
  std::vector<std::string> inputs;
  // Walk subdirectories of input directories (not through symlinks), and write each shard
  // found at <dir>/<sub>/<file> to <output_dir>/<sub>/<file> (and its quarantine likewise
  // under quarantine_dir). Without it, subdirectories are skipped. Default: false.
  bool recursive = false;
  // Output directory (created if missing), or "-" for standard output.
  std::string output_dir;
  // Directory for quarantine files. Default: output_dir, or "." when writing to stdout.
  std::string quarantine_dir;
  // Worker threads; 0 = all cores. Default: 0.
  int threads = 0;
  BadRecordMode on_bad_record = BadRecordMode::kQuarantine;
  // Output format. A shard's output is named like its input with the compression extension
  // (.zst, .gz) replaced by the output format's (none for plain). Default: kAuto.
  OutputFormat output_format = OutputFormat::kAuto;
  // zstd level for zstd outputs. Default: 3.
  int zstd_level = 3;
  // ISA-L level for gzip outputs, 0 (fastest) to 3. Default: 1.
  int gzip_level = 1;
  // Target uncompressed bytes per batch. Default: 4 MiB.
  size_t batch_bytes = size_t{4} << 20;
  // Records longer than this are bad (kTooLong) and streamed to quarantine without being held
  // whole in memory. Default: 256 MiB.
  size_t max_record_bytes = size_t{256} << 20;
  // Batches in flight; 0 = 2 × threads + 2. Bounds memory. Default: 0.
  size_t max_batches_in_flight = 0;
  // Redo shards whose output already exists. Default: false: a shard whose output and its
  // manifest (OUTDIR/.NAME.done.json: what made it) match this run is skipped, its stats from
  // the manifest; one whose manifest differs or is missing is an error before any work.
  bool force = false;
  // Redo the shards whose manifest differs or is missing instead of failing; skip the others
  // (--resume=redo-changed). Default: false.
  bool redo_changed = false;
  // This task's share of the sorted input list: files[rank :: world_size]. Default: 0 of 1.
  size_t rank = 0;
  size_t world_size = 1;
  // Status line on stderr (the CLI turns it on for TTYs). Default: false.
  bool progress = false;
  // 0 quiet (shard errors only), 1 normal (also skip notices), 2 verbose (a line per shard).
  // Default: 1.
  int verbosity = 1;
  // What the output holds: null = the cleaned records (clean). Set (annotate), one row per
  // record read, in order, made by `rows` (annotate.h): bad records get their row too, besides
  // their quarantine entry, so that the output's rows align with the input's records. Must
  // outlive the run. Default: null.
  const RecordRows* rows = nullptr;
};

struct ShardReport {
  std::string input;
  std::string output;   // empty when writing to stdout
  // kInterrupted: begun but cut by a signal or a closed standard output (its output was not
  // written, or, on standard output, not completely); kNotStarted: the run stopped before it.
  // kSkipped: done by an earlier run (its manifest matched); `stats` are that run's.
  enum class State { kDone, kSkipped, kFailed, kInterrupted, kNotStarted } state = State::kDone;
  std::string error;    // when kFailed
  Stats stats;
};

struct RunReport {
  std::vector<ShardReport> shards;
  Stats total;
  // The stages that ran, in order: "rules" (when any rule is loaded), "classifier", "dedup",
  // "site-profile".
  std::vector<std::string> stages;
  bool interrupted = false;  // SIGINT/SIGTERM stopped the run; temporaries were removed
  bool broken_pipe = false;  // stdout was closed by its reader; a normal stop (the shards it
                             // cut or kept from starting say so in their state)
  bool any_failed() const;
};

// Expands inputs (directories, "-"; subdirectories with `recursive`) into the sorted shard list
// and applies the rank split.
Result<std::vector<std::string>> ListShards(const RunOptions& options);

// Runs the pipeline. Returns a kRun error (nothing written) for bad options or outputs that
// cannot be created; per-shard failures are reported in the RunReport.
Result<RunReport> RunClean(const RunOptions& options, const Cleaner& cleaner);

// "done", "skipped", "failed", "interrupted", "not-started": the state's name in --stats.
const char* ShardStateName(ShardReport::State state);

// Writes the report as the --stats JSON document.
std::string RunReportToJson(const RunReport& report, const std::vector<std::string>& rule_names);

// Installs SIGINT/SIGTERM handlers that make a running RunClean stop, clean up and return with
// `interrupted` set, and ignores SIGPIPE (a closed stdout shows up as a write error instead).
void InstallSignalHandlers();

// True once one of those handlers caught a signal (long-running steps poll it to stop cleanly).
bool InterruptRequested();

}  // namespace boilerstrip

#endif  // BOILERSTRIP_PIPELINE_H_
