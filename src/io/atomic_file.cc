#include "io/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "io/io.h"

namespace boilerstrip::io {
namespace {

std::string Errno(int err) { return std::strerror(err); }

// The process's umask, read once (umask() can only be read by setting it).
mode_t Umask() {
  static const mode_t mask = [] {
    mode_t m = ::umask(022);
    ::umask(m);
    return m;
  }();
  return mask;
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Result<std::unique_ptr<AtomicFile>> AtomicFile::Open(const std::string& path) {
  std::unique_ptr<AtomicFile> f(new AtomicFile());
  f->path_ = path;
  if (path == "-") {
    f->fd_ = STDOUT_FILENO;
    f->in_place_ = true;
    f->owns_fd_ = false;
    return f;
  }
  if (path.empty() || path.back() == '/') {
    return Status::ShardError("'" + path + "': not a file name");
  }
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) return Status::ShardError(path + ": is a directory");
    // A device, FIFO or socket: written in place. Renaming a file over it would destroy it.
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Status::ShardError(path + ": cannot open for writing: " + Errno(errno));
    f->fd_ = fd;
    f->in_place_ = true;
    return f;
  }
  // A unique temporary in the target's directory (a rename within one file system is atomic):
  // hidden, and named after the target so that a leftover says what it was. Locked at once;
  // should a stale-temporary sweep have unlinked it before the lock, make another.
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    tmp = DirOf(path) + "/." + BaseOf(path) + ".XXXXXX.tmp";
    fd = ::mkstemps(tmp.data(), 4);
    if (fd < 0) return Status::ShardError("cannot create " + path + ": " + Errno(errno));
    ::flock(fd, LOCK_EX | LOCK_NB);
    struct stat tst;
    if (attempt < 8 && ::fstat(fd, &tst) == 0 && tst.st_nlink == 0) {
      ::close(fd);
      fd = -1;
    }
  }
  // mkstemp makes 0600; an output gets the mode an ordinary create would give it.
  if (::fchmod(fd, 0666 & ~Umask()) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::ShardError("cannot create " + path + ": " + Errno(err));
  }
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  f->fd_ = fd;
  f->tmp_ = std::move(tmp);
  return f;
}

AtomicFile::~AtomicFile() { Abort(); }

Status AtomicFile::Append(std::string_view bytes) {
  if (!error_.ok()) return error_;
  if (done_ || fd_ < 0) return Status::ShardError(path_ + ": write after close");
  if (bytes.empty()) return Status::Ok();
  int err = WriteAll(fd_, bytes);
  if (err == 0) return Status::Ok();
  const std::string where = path_ == "-" ? std::string("standard output") : path_;
  error_ = Status::ShardError(err == EPIPE   ? "write to " + where + " failed: broken pipe"
                              : err == EINTR ? "write to " + where + " interrupted"
                                             : "write to " + where + " failed: " + Errno(err));
  last_errno_ = err;
  return error_;
}

Status AtomicFile::Commit() {
  if (!error_.ok()) {
    Abort();
    return error_;
  }
  if (done_) return Status::ShardError(path_ + ": committed twice");
  done_ = true;
  if (in_place_) {
    int fd = fd_;
    fd_ = -1;
    if (owns_fd_ && ::close(fd) != 0) {
      return Status::ShardError("close " + path_ + " failed: " + Errno(errno));
    }
    return Status::Ok();
  }
  // Durable before visible: the data, then the name, then the directory entry.
  auto fail = [&](const std::string& what, int err) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    ::unlink(tmp_.c_str());
    tmp_.clear();
    return Status::ShardError(what + " " + path_ + " failed: " + Errno(err));
  };
  if (::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS) return fail("fsync", errno);
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return fail("close", errno);
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) return fail("rename to", errno);
  tmp_.clear();
  int dir = ::open(DirOf(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    int rc = ::fsync(dir);
    int err = errno;
    ::close(dir);
    if (rc != 0 && err != EINVAL && err != EROFS) {
      return Status::ShardError("fsync of the directory of " + path_ + " failed: " + Errno(err));
    }
  }
  return Status::Ok();
}

void AtomicFile::Abort() {
  if (fd_ >= 0 && owns_fd_) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
  done_ = true;
}

size_t RemoveStaleTemporaries(const std::vector<std::string>& paths) {
  std::map<std::string, std::set<std::string>> by_dir;  // directory → target base names
  for (const std::string& p : paths) {
    if (p != "-" && !p.empty()) by_dir[DirOf(p)].insert(BaseOf(p));
  }
  size_t removed = 0;
  for (const auto& [dir, names] : by_dir) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) continue;
    while (struct dirent* e = ::readdir(d)) {
      // ".<name>.XXXXXX.tmp"
      const std::string n = e->d_name;
      if (n.size() < 13 || n[0] != '.' || n.compare(n.size() - 4, 4, ".tmp") != 0) continue;
      const std::string target = n.substr(1, n.size() - 1 - 11);
      if (n[n.size() - 11] != '.' || names.count(target) == 0) continue;
      const std::string path = dir + "/" + n;
      int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0) continue;
      struct stat st;
      // Only a regular file whose lock nobody holds: its writer is gone.
      if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        removed += ::unlink(path.c_str()) == 0 ? 1 : 0;
      }
      ::close(fd);
    }
    ::closedir(d);
  }
  return removed;
}

Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  auto f = AtomicFile::Open(path);
  if (!f.ok()) return f.status();
  Status st = f.value()->Append(bytes);
  if (!st.ok()) return st;
  return f.value()->Commit();
}

}  // namespace boilerstrip::io
