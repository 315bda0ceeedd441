// Byte sources (plain file, stdin, a zstd or gzip stream over either) and small output helpers.
// Internal to the library.
#ifndef BOILERSTRIP_SRC_IO_IO_H_
#define BOILERSTRIP_SRC_IO_IO_H_

#include <zstd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "boilerstrip/status.h"
#include "io/codec.h"

namespace boilerstrip::io {

// Set (by the SIGINT/SIGTERM handler) to stop the run. Reads from and writes to pipes,
// FIFOs and terminals wait for readiness in short polls and give up with an "interrupted" error
// once it is set: a blocked read or write would otherwise never see the signal (it may be
// delivered to another thread, and EINTR is retried).
std::atomic<bool>& InterruptFlag();

// InterruptFlag().load().
bool InterruptRequested();

// Installs SIGINT/SIGTERM handlers that set InterruptFlag(), and ignores SIGPIPE (a closed
// pipe shows up as a write error, EPIPE, instead).
void InstallSignalHandlers();

// A stream of uncompressed bytes. Read errors are kShard errors naming the file and offset.
class Source {
 public:
  virtual ~Source() = default;
  // Reads up to `cap` bytes into buf; 0 at the end of the stream.
  virtual Result<size_t> Read(char* buf, size_t cap) = 0;
  // Raw (possibly compressed) bytes consumed so far, for progress.
  virtual uint64_t raw_offset() const = 0;
};

// Opens `path` ("-" = stdin) and decompresses what its first bytes say it holds, whatever its
// name (DetectFormat): zstd, gzip, else plain. *format (when given) receives the format; for
// an empty file, the one its name claims (FormatFromName), so that its output can follow it.
// Errors (kShard) name the path: it cannot be opened, or it holds a format not supported.
Result<std::unique_ptr<Source>> OpenSource(const std::string& path, Format* format = nullptr);

// OpenSource, but a non-empty zstd or gzip stream comes back undecoded, its compressed bytes,
// with *undecoded set: for a FrameReader (frames.h), which hands its frames out to decode in
// parallel.
Result<std::unique_ptr<Source>> OpenSourceUndecoded(const std::string& path, Format* format,
                                                    bool* undecoded);

// The name errors give the stream at `path`: the path, or "<stdin>" for "-".
std::string SourceName(const std::string& path);

// The format OpenSource would find in the regular file `path` (an empty file: the one its
// name claims), from a look at its first bytes. Anything else (stdin, a pipe, a FIFO, a
// device) is not read here, its bytes would be lost: the format its name claims.
// Errors as OpenSource's.
Result<Format> SniffFormat(const std::string& path);

// Writes all of `data` to fd; retries short writes and EINTR. Returns errno on failure, else 0;
// EINTR when InterruptFlag() is set while waiting on a pipe.
int WriteAll(int fd, std::string_view data);

// Appends base64 of `data` to *out. REQUIRES (for streaming in pieces): every piece but the
// last has a length divisible by 3.
void AppendBase64(std::string_view data, std::string* out);

// Compresses `in` as one zstd frame with a checksum into *out (replaced).
Status CompressFrame(ZSTD_CCtx* cctx, int level, std::string_view in, std::string* out);

// The same into dst[0, cap); *size receives the frame's length.
// REQUIRES: cap >= ZSTD_compressBound(in.size()).
Status CompressFrameTo(ZSTD_CCtx* cctx, int level, std::string_view in, char* dst, size_t cap,
                       size_t* size);

}  // namespace boilerstrip::io

#endif  // BOILERSTRIP_SRC_IO_IO_H_
