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

// Expands `inputs` into the sorted, de-duplicated shard list and returns this task's share,
// files[rank :: world_size] ("-", standard input, first). A directory contributes its entries
// named like shards (not recursive) that are regular files, or that cannot be examined (a
// dangling symlink): those are listed, so that their shard fails by name when opened instead
// of vanishing. Whatever the order the directory lists its entries in, the result is the same.
// Errors are kRun: an input that does not exist, a directory that cannot be read (named, with
// the reason), rank >= world_size, inputs that hold no shard at all (only directories given,
// none holding a shard: the entries skipped are named). A task whose share is empty (more
// tasks than shards) is no error. Never throws.
Result<std::vector<std::string>> ListShards(const std::vector<std::string>& inputs, size_t rank,
                                            size_t world_size);

}  // namespace boilerstrip::io

#endif  // BOILERSTRIP_SRC_IO_SHARD_LIST_H_
