// The shard list of a run: inputs (files, directories, "-") expanded, sorted, and split by rank.
// Internal to the library.
#ifndef BOILERSTRIP_SRC_IO_SHARD_LIST_H_
#define BOILERSTRIP_SRC_IO_SHARD_LIST_H_

#include <cstddef>
#include <string>
#include <vector>

#include "boilerstrip/status.h"

namespace boilerstrip::io {

// Whether a directory entry named `name` is a shard: *.jsonl or *.json, also with .zst or .gz,
// not hidden, not a quarantine file.
bool IsShardName(const std::string& name);

// One shard of the list.
struct ShardEntry {
  std::string path;  // as opened: "-", a file given, or <directory given>/<...>/<file>
  // Where its output goes under the output directory: the file's name, or, for a file found
  // by walking a directory with `recursive`, its path below that directory ("a/b/x.json.gz").
  // "stdin.jsonl" for "-".
  std::string relative;
};

// Expands `inputs` into the shard list sorted by path and de-duplicated by path, and returns
// this task's share, entries[rank :: world_size] ("-", standard input, first). A directory
// contributes its entries named like shards that are regular files, or that cannot be
// examined (a dangling symlink): those are listed, so that their shard fails by name when
// opened instead of vanishing. Subdirectories are walked when `recursive` (not through
// symlinks to directories, which could loop; those are skipped like other entries), skipped
// otherwise. Whatever the order a directory lists its entries in, the result is the same.
// Errors are kRun: an input that does not exist, a directory that cannot be read (named, with
// the reason), rank >= world_size, inputs that hold no shard at all (only directories given,
// none holding a shard: the entries and subdirectories skipped are named). A task whose share
// is empty (more tasks than shards) is no error. Never throws.
Result<std::vector<ShardEntry>> ListShardEntries(const std::vector<std::string>& inputs,
                                                 size_t rank, size_t world_size, bool recursive);

// ListShardEntries' paths.
Result<std::vector<std::string>> ListShards(const std::vector<std::string>& inputs, size_t rank,
                                            size_t world_size, bool recursive = false);

}  // namespace boilerstrip::io

#endif  // BOILERSTRIP_SRC_IO_SHARD_LIST_H_
