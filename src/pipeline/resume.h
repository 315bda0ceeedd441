// Resume that can be trusted: beside each output, a manifest of what made it.
//
// When a shard's output is complete, `OUTDIR/.NAME.done.json` (NAME: the output's file name)
// records the tool version, a hash of the rule set, every option that changes the output's
// bytes (each by name, so that a difference can be named), the input's size and the shard's
// stats. A re-run skips a shard whose output and manifest exist and whose manifest matches the
// run (its stats count in the totals); a shard whose manifest differs, or whose output has no
// manifest, is an error naming the difference, unless the run redoes it (-f, or
// --resume=redo-changed).
//
// Internal to the library: include as "pipeline/resume.h".
#ifndef BOILERSTRIP_SRC_PIPELINE_RESUME_H_
#define BOILERSTRIP_SRC_PIPELINE_RESUME_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/pipeline.h"
#include "boilerstrip/stats.h"
#include "boilerstrip/status.h"

namespace boilerstrip::resume {

// What made an output, as (name, value) pairs in a fixed order: "tool", "rules", then the
// options. The same run gives the same pairs; two runs whose pairs are equal write the same
// bytes for the same input.
using Fingerprint = std::vector<std::pair<std::string, std::string>>;

// The run-wide fingerprint: tool version, rule-set hash, output-changing options.
Fingerprint MakeFingerprint(const RunOptions& options, const Cleaner& cleaner);

// OUTDIR/.NAME.done.json for the output OUTDIR/NAME.
std::string ManifestPath(const std::string& output);

// The manifest document of a completed shard.
std::string ManifestJson(const Fingerprint& fingerprint, const std::string& input,
                         int64_t input_size, const Stats& stats,
                         const std::vector<std::string>& rule_names);

struct Manifest {
  Fingerprint fingerprint;
  std::string input;
  int64_t input_size = -1;  // -1: not a regular file (standard input)
  Stats stats;
  std::string stats_error;  // why `stats` could not be read (a reason no rule of the run has)
};

// Reads a manifest; stats are sized for `rule_names` (a counter of an unknown reason sets
// stats_error: the rules differ, which the fingerprint says first). Errors name the path.
Result<Manifest> ReadManifest(const std::string& path, const std::vector<std::string>& rule_names);

// What differs between a manifest and this run's shard, one phrase each ("rules: a1b2 →
// c3d4", "tail_fraction: 0.333 → 0.5", "input size: 120 → 4096"); empty when it matches.
std::vector<std::string> Differences(const Manifest& manifest, const Fingerprint& now,
                                     int64_t input_size_now);

// Whether an existing output can be kept: kRun when `output` does not exist (the shard is to
// be done), kSkip when its manifest matches the run (`stats`: the shard's, from the manifest),
// kMismatch when it has no readable manifest or one that differs (`why` says how).
struct Verdict {
  enum Kind { kRun, kSkip, kMismatch } kind = kRun;
  Stats stats;
  std::string why;
};
Verdict CheckOutput(const std::string& output, const std::string& input, const Fingerprint& now,
                    const std::vector<std::string>& rule_names);

// Writes the manifest of a completed shard beside `output` (io::WriteFileAtomically).
Status WriteManifest(const std::string& output, const Fingerprint& fingerprint,
                     const std::string& input, const Stats& stats,
                     const std::vector<std::string>& rule_names);

// Removes `output`'s manifest, if any: done before an output is replaced, so that a crash
// between the two never leaves a manifest describing another output.
void RemoveManifest(const std::string& output);

// The size of the file at `path`, or -1 when it is no regular file ("-", a FIFO).
int64_t InputSize(const std::string& path);

}  // namespace boilerstrip::resume

#endif  // BOILERSTRIP_SRC_PIPELINE_RESUME_H_
