#include "io/shard_list.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace boilerstrip::io {
namespace {

namespace fs = std::filesystem;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool IsShardName(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  if (name.find(".quarantine.jsonl") != std::string::npos) return false;
  for (const char* ext : {".jsonl", ".json"}) {
    for (const char* z : {"", ".zst", ".gz"}) {
      if (EndsWith(name, std::string(ext) + z)) return true;
    }
  }
  return false;
}

Result<std::vector<std::string>> ListShards(const std::vector<std::string>& inputs, size_t rank,
                                            size_t world_size) {
  if (world_size == 0 || rank >= world_size) {
    return Status::RunError("--rank must be below --world-size");
  }
  std::vector<std::string> files;
  std::vector<std::string> skipped;  // directory entries not named like shards
  bool has_stdin = false;
  for (const std::string& in : inputs) {
    if (in == "-") {
      has_stdin = true;
      continue;
    }
    std::error_code ec;
    const fs::file_status st = fs::status(in, ec);
    if (fs::is_directory(st)) {
      // Each entry's own error code: one entry that cannot be examined says nothing about the
      // listing, and must not end it (nor, checked after the loop, fail it when last).
      fs::directory_iterator it(in, ec);
      if (ec) return Status::RunError(in + ": cannot list directory: " + ec.message());
      for (; it != fs::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!IsShardName(name)) {
          skipped.push_back(it->path().string());
          continue;
        }
        std::error_code entry_ec;
        const fs::file_status est = it->status(entry_ec);
        // A regular file, or one whose target cannot be examined (dangling or unreadable
        // symlink): the latter fails as a shard, by name, when it is opened.
        if (entry_ec || fs::is_regular_file(est) || !fs::exists(est)) {
          files.push_back(it->path().string());
        }
      }
      if (ec) return Status::RunError(in + ": cannot list directory: " + ec.message());
    } else if (fs::exists(st) || fs::is_symlink(fs::symlink_status(in, ec))) {
      files.push_back(in);  // a file named explicitly (a dangling link fails as its shard)
    } else {
      return Status::RunError(in + ": no such file or directory");
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  if (has_stdin) files.insert(files.begin(), "-");
  if (files.empty()) {
    // Only directories were given, and none holds a shard: a run that would do nothing and
    // say "0 shards" is most likely pointed at the wrong files (e.g. a format not listed).
    std::string message = "no shard to read: ";
    if (skipped.empty()) {
      message += "the input directories are empty";
    } else {
      std::sort(skipped.begin(), skipped.end());
      message += "skipped " + std::to_string(skipped.size()) +
                 (skipped.size() == 1 ? " entry" : " entries") + " not named like a shard (";
      for (size_t i = 0; i < skipped.size() && i < 5; ++i) {
        message += (i > 0 ? ", " : "") + skipped[i];
      }
      if (skipped.size() > 5) message += ", ...";
      message += ")";
    }
    message += "; a directory contributes its *.jsonl and *.json files, also with .zst or .gz";
    return Status::RunError(message);
  }
  std::vector<std::string> mine;
  for (size_t i = rank; i < files.size(); i += world_size) mine.push_back(files[i]);
  return mine;
}

}  // namespace boilerstrip::io
