#include "io/shard_list.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

namespace boilerstrip::io {
namespace {

namespace fs = std::filesystem;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct Listing {
  std::vector<ShardEntry> files;
  std::vector<std::string> skipped;  // entries not named like shards
  std::vector<std::string> subdirs;  // subdirectories not walked (no --recursive, or symlinks)
};

// Adds the shards of directory `dir` to `out`, their relative names prefixed with `prefix`
// ("" at the top, else "sub/"), walking subdirectories when `recursive`.
Status ListDirectory(const fs::path& dir, const std::string& prefix, bool recursive,
                     Listing* out) {
  std::error_code ec;
  // Each entry's own error code: one entry that cannot be examined says nothing about the
  // listing, and must not end it (nor, checked after the loop, fail it when last).
  fs::directory_iterator it(dir, ec);
  if (ec) return Status::RunError(dir.string() + ": cannot list directory: " + ec.message());
  std::vector<std::pair<fs::path, std::string>> below;  // walked after this level's listing
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code entry_ec;
    // A directory (not a symlink to one: following those could loop) is walked or skipped.
    if (it->is_directory(entry_ec) && !it->is_symlink(entry_ec)) {
      if (name.empty() || name[0] == '.') continue;  // hidden, like hidden files
      if (recursive) {
        below.emplace_back(it->path(), prefix + name + "/");
      } else {
        out->subdirs.push_back(it->path().string());
      }
      continue;
    }
    if (!IsShardName(name)) {
      out->skipped.push_back(it->path().string());
      continue;
    }
    entry_ec.clear();
    const fs::file_status est = it->status(entry_ec);
    if (!entry_ec && fs::is_directory(est)) {  // a symlink to a directory named like a shard
      out->subdirs.push_back(it->path().string());
      continue;
    }
    // A regular file, or one whose target cannot be examined (dangling or unreadable
    // symlink): the latter fails as a shard, by name, when it is opened.
    if (entry_ec || fs::is_regular_file(est) || !fs::exists(est)) {
      out->files.push_back({it->path().string(), prefix + name});
    }
  }
  if (ec) return Status::RunError(dir.string() + ": cannot list directory: " + ec.message());
  for (const auto& [path, sub_prefix] : below) {
    if (Status st = ListDirectory(path, sub_prefix, recursive, out); !st.ok()) return st;
  }
  return Status::Ok();
}

// "skipped 3 entries not named like a shard (a, b, c)": up to five names.
std::string Named(std::vector<std::string> names, const char* one, const char* many,
                  const char* what) {
  std::sort(names.begin(), names.end());
  std::string message =
      std::to_string(names.size()) + " " + (names.size() == 1 ? one : many) + what + " (";
  for (size_t i = 0; i < names.size() && i < 5; ++i) message += (i > 0 ? ", " : "") + names[i];
  if (names.size() > 5) message += ", ...";
  return message + ")";
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

Result<std::vector<ShardEntry>> ListShardEntries(const std::vector<std::string>& inputs,
                                                 size_t rank, size_t world_size, bool recursive) {
  if (world_size == 0 || rank >= world_size) {
    return Status::RunError("--rank must be below --world-size");
  }
  Listing listing;
  bool has_stdin = false;
  for (const std::string& in : inputs) {
    if (in == "-") {
      has_stdin = true;
      continue;
    }
    std::error_code ec;
    const fs::file_status st = fs::status(in, ec);
    if (fs::is_directory(st)) {
      if (Status s = ListDirectory(in, "", recursive, &listing); !s.ok()) return s;
    } else if (fs::exists(st) || fs::is_symlink(fs::symlink_status(in, ec))) {
      // A file named explicitly (a dangling link fails as its shard).
      listing.files.push_back({in, fs::path(in).filename().string()});
    } else {
      return Status::RunError(in + ": no such file or directory");
    }
  }
  std::vector<ShardEntry>& files = listing.files;
  // By path, then by relative name: of one file listed twice (given by name and found in a
  // directory given), the first in that order stays, whatever the order of the inputs.
  std::sort(files.begin(), files.end(), [](const ShardEntry& a, const ShardEntry& b) {
    return a.path != b.path ? a.path < b.path : a.relative < b.relative;
  });
  files.erase(std::unique(files.begin(), files.end(),
                          [](const ShardEntry& a, const ShardEntry& b) { return a.path == b.path; }),
              files.end());
  if (has_stdin) files.insert(files.begin(), ShardEntry{"-", "stdin.jsonl"});
  if (files.empty()) {
    // Only directories were given, and none holds a shard: a run that would do nothing and
    // say "0 shards" is most likely pointed at the wrong files (e.g. a format not listed, or
    // a tree without --recursive).
    std::string message = "no shard to read: ";
    if (listing.skipped.empty() && listing.subdirs.empty()) {
      message += "the input directories are empty";
    } else {
      message += "skipped ";
      if (!listing.skipped.empty()) {
        message += Named(listing.skipped, "entry", "entries", " not named like a shard");
      }
      if (!listing.subdirs.empty()) {
        if (!listing.skipped.empty()) message += " and ";
        message += Named(listing.subdirs, "subdirectory", "subdirectories", "");
        message += recursive ? ": symlinks to directories are not followed"
                             : ": --recursive reads them";
      }
    }
    message += "; a directory contributes its *.jsonl and *.json files, also with .zst or .gz";
    return Status::RunError(message);
  }
  std::vector<ShardEntry> mine;
  for (size_t i = rank; i < files.size(); i += world_size) mine.push_back(std::move(files[i]));
  return mine;
}

Result<std::vector<std::string>> ListShards(const std::vector<std::string>& inputs, size_t rank,
                                            size_t world_size, bool recursive) {
  auto entries = ListShardEntries(inputs, rank, world_size, recursive);
  if (!entries.ok()) return entries.status();
  std::vector<std::string> paths;
  paths.reserve(entries.value().size());
  for (ShardEntry& e : entries.value()) paths.push_back(std::move(e.path));
  return paths;
}

}  // namespace boilerstrip::io
