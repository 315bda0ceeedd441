#include "io/io.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <mutex>
#include <thread>
#include <cstring>
#include <vector>

namespace boilerstrip::io {
namespace {

std::string Errno(int err) { return std::strerror(err); }

// Waits until fd is ready for `events` or the run is interrupted (returns false). Regular files
// are always ready; anything else (pipe, FIFO, TTY, socket) is polled a few times a second.
bool WaitReady(int fd, short events) {
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) return true;
  while (!InterruptFlag().load()) {
    struct pollfd p = {fd, events, 0};
    const int rc = ::poll(&p, 1, 200);
    // A signal caught during the poll (EINTR) is no readiness: the flag it set is checked
    // again, where returning "ready" would block in read() with nothing left to wake it.
    if (rc < 0 && errno == EINTR) continue;
    if (rc != 0) return true;  // ready, hung up, or an error read() or write() reports
  }
  return false;
}

class FdSource : public Source {
 public:
  FdSource(int fd, std::string name, bool owned) : fd_(fd), name_(std::move(name)), owned_(owned) {}
  ~FdSource() override {
    if (owned_) ::close(fd_);
  }
  Result<size_t> Read(char* buf, size_t cap) override {
    // A peeked prefix (stdin sniffing) is served first.
    if (!peeked_.empty()) {
      size_t n = std::min(cap, peeked_.size());
      std::memcpy(buf, peeked_.data(), n);
      peeked_.erase(0, n);
      offset_ += n;
      return n;
    }
    while (true) {
      if (!WaitReady(fd_, POLLIN)) {
        return Status::ShardError(name_ + ": interrupted while reading at offset " +
                                  std::to_string(offset_));
      }
      ssize_t n = ::read(fd_, buf, cap);
      if (n >= 0) {
        offset_ += static_cast<uint64_t>(n);
        return static_cast<size_t>(n);
      }
      if (errno == EINTR) continue;
      return Status::ShardError(name_ + ": read error at offset " + std::to_string(offset_) +
                                ": " + Errno(errno));
    }
  }
  uint64_t raw_offset() const override { return offset_; }
  // Reads up to n bytes ahead without consuming them.
  std::string_view Peek(size_t n) {
    char buf[16];
    while (peeked_.size() < n) {
      ssize_t r = ::read(fd_, buf, std::min(sizeof buf, n - peeked_.size()));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      peeked_.append(buf, static_cast<size_t>(r));
    }
    return peeked_;
  }
  const std::string& name() const { return name_; }

 private:
  int fd_;
  std::string name_;
  bool owned_;
  uint64_t offset_ = 0;
  std::string peeked_;
};

class ZstdSource : public Source {
 public:
  explicit ZstdSource(std::unique_ptr<FdSource> raw)
      : raw_(std::move(raw)), dctx_(ZSTD_createDCtx()), in_buf_(ZSTD_DStreamInSize()) {}
  ~ZstdSource() override { ZSTD_freeDCtx(dctx_); }

  Result<size_t> Read(char* buf, size_t cap) override {
    ZSTD_outBuffer out{buf, cap, 0};
    while (out.pos == 0) {
      if (in_.pos == in_.size && !eof_) {
        Result<size_t> n = raw_->Read(in_buf_.data(), in_buf_.size());
        if (!n.ok()) return n.status();
        in_ = {in_buf_.data(), n.value(), 0};
        consumed_base_ = raw_->raw_offset() - n.value();
        eof_ = n.value() == 0;
      }
      if (eof_ && in_.pos == in_.size && !may_hold_output_) {
        // Input exhausted: fine only at a frame boundary (an empty file has no frame at all).
        if (pending_ != 0) {
          return Status::ShardError(
              raw_->name() + ": truncated zstd stream (ends at offset " +
              std::to_string(raw_->raw_offset()) + " inside the frame at offset " +
              std::to_string(frame_start_) + ", after " + std::to_string(out_total_) +
              " uncompressed bytes)");
        }
        return size_t{0};
      }
      const size_t out_before = out.pos;
      size_t ret = ZSTD_decompressStream(dctx_, &out, &in_);
      if (ZSTD_isError(ret)) {
        // libzstd does not advance in_.pos on an error, so the exact offset is unknown: name
        // the frame, which is where a re-encode or a bisect has to start.
        return Status::ShardError(raw_->name() + ": corrupt zstd data in the frame at offset " +
                                  std::to_string(frame_start_) + " (after " +
                                  std::to_string(out_total_) +
                                  " uncompressed bytes): " + ZSTD_getErrorName(ret));
      }
      out_total_ += out.pos - out_before;
      if (ret == 0) frame_start_ = consumed_base_ + in_.pos;  // a frame ended here
      pending_ = ret;
      // A full output buffer means the decoder may hold more even without new input.
      may_hold_output_ = out.pos == out.size;
    }
    return out.pos;
  }
  uint64_t raw_offset() const override { return raw_->raw_offset(); }

 private:
  std::unique_ptr<FdSource> raw_;
  ZSTD_DCtx* dctx_;
  std::vector<char> in_buf_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  uint64_t consumed_base_ = 0;
  uint64_t frame_start_ = 0;  // raw offset where the current (or next) frame starts
  uint64_t out_total_ = 0;    // uncompressed bytes produced so far
  size_t pending_ = 0;  // last ZSTD_decompressStream return: 0 = at a frame boundary
  bool eof_ = false;
  bool may_hold_output_ = false;
};

}  // namespace

std::atomic<bool>& InterruptFlag() {
  static std::atomic<bool> flag{false};
  return flag;
}

bool InterruptRequested() { return InterruptFlag().load(); }

namespace {
extern "C" void OnSignal(int) { InterruptFlag().store(true); }
}  // namespace

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // SIGINT and SIGTERM are taken by one thread that waits for them, and blocked in every
  // thread made after this one (the pipeline's workers): a handler run in whichever thread
  // the kernel picks may never run at all while that thread sleeps in a call the sanitizers
  // do not see (TSan defers handlers to the next intercepted call; TBB's futex waits are raw
  // syscalls), and then a Ctrl-C would hang the run. The handler above stays for any thread
  // made before.
  static std::once_flag once;
  std::call_once(once, [] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return;
    std::thread([set] {
      for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) == 0) InterruptFlag().store(true);
      }
    }).detach();
  });
}

namespace {

Result<std::unique_ptr<FdSource>> OpenRaw(const std::string& path) {
  if (path == "-") return std::make_unique<FdSource>(0, SourceName(path), false);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::ShardError(path + ": cannot open: " + Errno(errno));
  return std::make_unique<FdSource>(fd, path, true);
}

// The format of the stream `raw` starts with; its first bytes stay to be read.
Result<Format> Detect(FdSource& raw, const std::string& path) {
  std::string_view head = raw.Peek(kSniffBytes);
  if (head.empty()) return path == "-" ? Format::kPlain : FormatFromName(path);
  return DetectFormat(head, raw.name());
}

}  // namespace

std::string SourceName(const std::string& path) { return path == "-" ? "<stdin>" : path; }

Result<std::unique_ptr<Source>> OpenSource(const std::string& path, Format* format) {
  return OpenSourceUndecoded(path, format, nullptr);
}

Result<std::unique_ptr<Source>> OpenSourceUndecoded(const std::string& path, Format* format,
                                                    bool* undecoded) {
  if (undecoded != nullptr) *undecoded = false;
  auto opened = OpenRaw(path);
  if (!opened.ok()) return opened.status();
  std::unique_ptr<FdSource> raw = std::move(opened.value());
  Result<Format> detected = Detect(*raw, path);
  if (!detected.ok()) return detected.status();
  if (format != nullptr) *format = detected.value();
  // An empty stream is read as it is, whatever its name claims.
  if (raw->Peek(1).empty()) return std::unique_ptr<Source>(std::move(raw));
  switch (detected.value()) {
    case Format::kZstd:
      if (undecoded != nullptr) {
        *undecoded = true;
        return std::unique_ptr<Source>(std::move(raw));
      }
      return std::unique_ptr<Source>(new ZstdSource(std::move(raw)));
    case Format::kGzip: {
      if (undecoded != nullptr) {
        *undecoded = true;
        return std::unique_ptr<Source>(std::move(raw));
      }
      std::string name = raw->name();
      return NewGzipSource(std::move(raw), std::move(name));
    }
    case Format::kPlain:
      break;
  }
  return std::unique_ptr<Source>(std::move(raw));
}

Result<Format> SniffFormat(const std::string& path) {
  // Only a regular file can be looked at twice: bytes read from a pipe, FIFO or device here
  // would be lost to the reader.
  struct stat st;
  if (path == "-" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return FormatFromName(path);
  }
  auto opened = OpenRaw(path);
  if (!opened.ok()) return opened.status();
  return Detect(*opened.value(), path);
}

int WriteAll(int fd, std::string_view data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    if (!WaitReady(fd, POLLOUT)) return EINTR;
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return 0;
}

void AppendBase64(std::string_view data, std::string* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* s = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  size_t base = out->size();
  out->resize(base + (n + 2) / 3 * 4);
  char* o = out->data() + base;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{s[i]} << 16) | (uint32_t{s[i + 1]} << 8) | s[i + 2];
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = kAlphabet[v & 63];
  }
  if (i < n) {
    uint32_t v = uint32_t{s[i]} << 16;
    if (i + 1 < n) v |= uint32_t{s[i + 1]} << 8;
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
}

Status CompressFrameTo(ZSTD_CCtx* cctx, int level, std::string_view in, char* dst, size_t cap,
                       size_t* size) {
  // One thread per frame: the pipeline owns the cores (ZSTD_c_nbWorkers stays 0).
  ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  size_t n = ZSTD_compress2(cctx, dst, cap, in.data(), in.size());
  if (ZSTD_isError(n)) return Status::ShardError(std::string("zstd: ") + ZSTD_getErrorName(n));
  *size = n;
  return Status::Ok();
}

Status CompressFrame(ZSTD_CCtx* cctx, int level, std::string_view in, std::string* out) {
  out->resize(ZSTD_compressBound(in.size()));
  size_t n = 0;
  Status st = CompressFrameTo(cctx, level, in, out->data(), out->size(), &n);
  out->resize(st.ok() ? n : 0);
  return st;
}

}  // namespace boilerstrip::io
