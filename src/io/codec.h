// Codecs: which compression a shard holds (detected from its first bytes, in one place), the
// gzip source (ISA-L inflate, multi-member), and the per-batch compressor of the write side
// (one zstd frame or one gzip member per batch, so that outputs stay streamable and batches
// compress in parallel).
//
// Internal to the library.
#ifndef BOILERSTRIP_SRC_IO_CODEC_H_
#define BOILERSTRIP_SRC_IO_CODEC_H_

#include <zstd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "boilerstrip/status.h"

struct isal_zstream;

namespace boilerstrip::io {

class Source;

// The formats a shard can be read and written in.
enum class Format : uint8_t { kPlain, kZstd, kGzip };

// "plain", "zstd", "gzip".
const char* FormatName(Format format);

// The file-name extension of the format: "", ".zst", ".gz".
const char* FormatExtension(Format format);

// The format a file name claims (".zst" → zstd, ".gz" → gzip, else plain). Used only where
// there are no bytes to look at: an empty file, an output's name.
Format FormatFromName(std::string_view name);

// `name` without a trailing ".zst" or ".gz".
std::string_view StripCompressionExtension(std::string_view name);

// Bytes DetectFormat looks at (fewer at the end of a short stream).
constexpr size_t kSniffBytes = 8;

// The format of a stream that starts with `head` (its first kSniffBytes bytes, or all of a
// shorter stream): zstd (a frame or a skippable frame), gzip, else plain. An empty stream is
// plain. A format recognized but not supported (bzip2, xz, lz4, zip, 7z, lzip, compress) is a
// kShard error naming it and `name`: "NAME: xz-compressed input is not supported; ...".
Result<Format> DetectFormat(std::string_view head, const std::string& name);

// What the bytes at the start of a shard look like, for a shard in which no record is JSON, as
// a predicate of "the data": "starts with gzip magic (1F 8B 08)", "looks binary (first bytes:
// 00 01 ...)", "has no line that starts with '{' (the first: \"...\")", or "has lines that
// start with '{' but none parses (the first: \"...\")".
std::string DescribeNonJson(std::string_view head);

// A source that inflates a gzip stream read from `raw` (named `name` in errors). Every member
// of a multi-member stream (`cat a.gz b.gz`, BGZF) is read; each member's CRC-32 and length
// trailer is checked. A cut stream, a bad trailer, corrupt data or bytes after a member that
// are not another member are kShard errors naming the file and the member's offset.
std::unique_ptr<Source> NewGzipSource(std::unique_ptr<Source> raw, std::string name);

// "1F 8B 08": the first `max` bytes of `bytes` in hex.
std::string Hex(std::string_view bytes, size_t max);

// What an ISA-L inflate error code means: "invalid deflate block", ...
const char* InflateError(int ret);

// The gzip levels ISA-L offers (0 fastest … 3), and the default.
constexpr int kMinGzipLevel = 0;
constexpr int kMaxGzipLevel = 3;
constexpr int kDefaultGzipLevel = 1;

// Compresses batches, each as one independent zstd frame (with a content checksum) or one
// gzip member: concatenated in order they form one valid stream of the format. Holds the
// codec contexts and a worst-case scratch buffer, reused from batch to batch.
// Not thread-safe: one per thread.
class FrameCompressor {
 public:
  FrameCompressor();
  ~FrameCompressor();
  FrameCompressor(const FrameCompressor&) = delete;
  FrameCompressor& operator=(const FrameCompressor&) = delete;

  // Compresses `in` into *out (replaced; sized to the compressed bytes). `level` is the zstd
  // level for kZstd, the ISA-L level (kMinGzipLevel..kMaxGzipLevel) for kGzip.
  // REQUIRES: format != kPlain. Errors are kShard.
  Status Compress(Format format, int level, std::string_view in, std::string* out);

 private:
  Status Gzip(int level, std::string_view in, char* dst, size_t cap, size_t* size);
  char* Scratch(size_t need);

  ZSTD_CCtx* cctx_;
  std::unique_ptr<isal_zstream> gz_;
  std::unique_ptr<uint8_t[]> level_buf_;
  size_t level_buf_size_ = 0;
  std::unique_ptr<char[]> scratch_;
  size_t scratch_cap_ = 0;
};

}  // namespace boilerstrip::io

#endif  // BOILERSTRIP_SRC_IO_CODEC_H_
