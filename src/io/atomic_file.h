// AtomicFile: the one way the project writes a file.
//
// A regular output is written to a unique temporary beside it (mkstemp in the target's
// directory, so that two runs on one output never share a temporary) and made visible only by
// Commit(): fsync the file, rename it over the target, fsync the directory. Until then the
// target is untouched; a reader sees either the old file or the whole new one, never a part.
// An AtomicFile destroyed without Commit() removes its temporary (Abort). A temporary is locked
// (flock) while its writer lives, so that RemoveStaleTemporaries can tell the leftovers of a
// killed process (SIGKILL, a lost node) from the live temporaries of a concurrent run.
//
// A target that exists and is not a regular file (a device such as /dev/null, a FIFO, a
// terminal) is written in place: it is opened for writing, never replaced by a rename. "-" is
// standard output, also written in place (and not closed).
//
// Internal to the library. Not thread-safe: one thread at a time per AtomicFile.
#ifndef BOILERSTRIP_SRC_IO_ATOMIC_FILE_H_
#define BOILERSTRIP_SRC_IO_ATOMIC_FILE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "boilerstrip/status.h"

namespace boilerstrip::io {

class AtomicFile {
 public:
  // Opens `path` for writing as described above. Errors (kShard) name the path: the directory
  // missing or not writable, no space for the temporary.
  static Result<std::unique_ptr<AtomicFile>> Open(const std::string& path);

  ~AtomicFile();  // Abort() unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Writes all of `bytes`, retrying short writes. A failure (kShard, naming the target and the
  // errno message; EPIPE for a closed pipe) leaves the file to be aborted; later Appends and
  // Commit return the same error.
  Status Append(std::string_view bytes);

  // Makes the file visible and durable: fsync, close, rename onto the target, fsync the
  // directory (in place: close only). REQUIRES: not yet committed or aborted.
  Status Commit();

  // Closes and removes the temporary (in place: closes). Idempotent; never fails.
  void Abort();

  // The target path, as given.
  const std::string& path() const { return path_; }
  // Whether the target is written in place (device, FIFO, "-") rather than renamed into place.
  bool in_place() const { return in_place_; }
  // The errno of the failed Append (EPIPE: the reader of a pipe went away), else 0.
  int error_number() const { return last_errno_; }

 private:
  AtomicFile() = default;
  std::string path_;
  std::string tmp_;  // empty when in place, committed or aborted
  int fd_ = -1;
  bool in_place_ = false;
  bool owns_fd_ = true;  // false for standard output
  bool done_ = false;
  Status error_;
  int last_errno_ = 0;
};

// Writes `bytes` as the whole content of `path` through an AtomicFile.
Status WriteFileAtomically(const std::string& path, std::string_view bytes);

// Removes the temporaries an AtomicFile left beside any of `paths` when its process died: the
// ones no live writer holds the lock of. Each directory is listed once. Best effort: returns
// how many were removed.
size_t RemoveStaleTemporaries(const std::vector<std::string>& paths);

}  // namespace boilerstrip::io

#endif  // BOILERSTRIP_SRC_IO_ATOMIC_FILE_H_
