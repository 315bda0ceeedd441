// The driver the input-reader fuzz targets share: serve the bytes as standard input through a
// memfd, read them back through io::OpenSource("-"), restore stdin. Each target then judges
// what came back against its own reference decoder.
#ifndef BOILERSTRIP_FUZZ_STDIN_SOURCE_H_
#define BOILERSTRIP_FUZZ_STDIN_SOURCE_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "io/io.h"

namespace boilerstrip::fuzz {

struct StdinRead {
  bool opened = true;   // false: OpenSource refused the input (a format recognized and refused)
  bool read_ok = true;  // false: a Read failed (the bytes before it are in `got`)
  io::Format format = io::Format::kPlain;
  std::string got;  // what was read, stopping once past max_output
};

// Serves `input` as standard input (a memfd) for this object's lifetime, then restores the
// process's own stdin.
class ServeAsStdin {
 public:
  explicit ServeAsStdin(std::string_view input) {
    static const int saved_stdin = ::dup(STDIN_FILENO);
    saved_ = saved_stdin;
    int fd = ::memfd_create("fuzz-stdin", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(io::WriteAll(fd, input) == 0);
    FUZZ_CHECK(::lseek(fd, 0, SEEK_SET) == 0);
    FUZZ_CHECK(::dup2(fd, STDIN_FILENO) == STDIN_FILENO);
    ::close(fd);
  }
  ~ServeAsStdin() { FUZZ_CHECK(::dup2(saved_, STDIN_FILENO) == STDIN_FILENO); }
  ServeAsStdin(const ServeAsStdin&) = delete;
  ServeAsStdin& operator=(const ServeAsStdin&) = delete;

 private:
  int saved_;
};

// Reads `input` as stdin the way the CLI does. Every error must be a shard error naming
// "<stdin>", at once; the reader never reports more raw bytes consumed than it was given.
// When the environment variable `dump_env` names a file, the bytes served are written there
// (for debugging a crasher).
inline StdinRead ReadThroughStdin(std::string_view input, size_t max_output,
                                  const char* dump_env) {
  if (const char* dump = std::getenv(dump_env); dump != nullptr && *dump) {
    if (FILE* f = std::fopen(dump, "wb")) {
      std::fwrite(input.data(), 1, input.size(), f);
      std::fclose(f);
    }
  }
  StdinRead r;
  {
    ServeAsStdin serve(input);
    auto src = io::OpenSource("-", &r.format);
    if (!src.ok()) {
      r.opened = false;
      FUZZ_CHECK(src.status().scope() == ErrorScope::kShard);
      FUZZ_CHECK(src.status().message().rfind("<stdin>: ", 0) == 0);
    }
    char buf[70000];  // not a multiple of any block size, to cut outputs at odd places
    while (r.opened && r.got.size() <= max_output) {
      auto n = src.value()->Read(buf, sizeof buf);
      if (!n.ok()) {
        r.read_ok = false;
        FUZZ_CHECK(n.status().scope() == ErrorScope::kShard);
        FUZZ_CHECK(n.status().message().rfind("<stdin>: ", 0) == 0);
        break;
      }
      if (n.value() == 0) break;
      r.got.append(buf, n.value());
    }
    if (r.opened) FUZZ_CHECK(src.value()->raw_offset() <= input.size());
  }
  return r;
}

}  // namespace boilerstrip::fuzz

#endif  // BOILERSTRIP_FUZZ_STDIN_SOURCE_H_
