#include "io/codec.h"

#include <isa-l/igzip_lib.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "io/gzip_members.h"
#include "io/io.h"

namespace boilerstrip::io {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string Hex(std::string_view bytes, size_t max) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < max; ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (i > 0) out += ' ';
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

namespace {

bool IsZstdMagic(std::string_view h) {
  if (StartsWith(h, "\x28\xB5\x2F\xFD")) return true;
  // A skippable frame (0x184D2A50..5F, little endian): libzstd reads past it.
  return h.size() >= 4 && (static_cast<unsigned char>(h[0]) & 0xF0) == 0x50 &&
         h.substr(1, 3) == "\x2A\x4D\x18";
}

// Formats recognized by their magic number but not read. `what` names the input, `advice`
// says what to do with it.
struct Foreign {
  const char* magic;
  size_t magic_len;
  const char* what;
  const char* name;  // for DescribeNonJson
  const char* advice;
};
constexpr Foreign kForeign[] = {
    {"\xFD\x37\x7A\x58\x5A\x00", 6, "xz-compressed input", "xz", "decompress it first"},
    {"\x04\x22\x4D\x18", 4, "lz4-compressed input", "lz4", "decompress it first"},
    {"\x02\x21\x4C\x18", 4, "lz4-compressed input", "lz4", "decompress it first"},
    {"\x37\x7A\xBC\xAF\x27\x1C", 6, "a 7z archive", "7z", "extract it first"},
    {"PK\x03\x04", 4, "a zip archive", "zip", "extract it first"},
    {"PK\x05\x06", 4, "a zip archive", "zip", "extract it first"},
    {"LZIP", 4, "lzip-compressed input", "lzip", "decompress it first"},
    {"\x1F\x9D", 2, "compress (.Z) input", "compress", "decompress it first"},
};

const Foreign* FindForeign(std::string_view h) {
  for (const Foreign& f : kForeign) {
    if (StartsWith(h, std::string_view(f.magic, f.magic_len))) return &f;
  }
  return nullptr;
}

// bzip2: "BZh" and the block size digit.
bool IsBzip2Magic(std::string_view h) {
  return h.size() >= 4 && StartsWith(h, "BZh") && h[3] >= '1' && h[3] <= '9';
}

// Printable excerpt of a line: ASCII as is, other bytes as \xNN, at most `max` bytes.
std::string Excerpt(std::string_view line, size_t max) {
  std::string out;
  const bool utf8 = simdjson::validate_utf8(line.data(), std::min(line.size(), max));
  for (size_t i = 0; i < line.size() && i < max; ++i) {
    const auto b = static_cast<unsigned char>(line[i]);
    if (b == '"' || b == '\\') {
      out += '\\';
      out += static_cast<char>(b);
    } else if (b >= 0x20 && b != 0x7F && (b < 0x80 || utf8)) {
      out += static_cast<char>(b);
    } else {
      out += "\\x" + Hex(line.substr(i, 1), 1);
    }
  }
  if (line.size() > max) out += "...";
  return out;
}

}  // namespace

const char* InflateError(int ret) {
  switch (ret) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid back-reference distance";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM: return "CRC-32 or length trailer mismatch";
    case ISAL_NEED_DICT: return "needs a preset dictionary";
  }
  return "inflate error";
}

namespace {

class GzipSource : public Source {
 public:
  GzipSource(std::unique_ptr<Source> raw, std::string name)
      : raw_(std::move(raw)),
        name_(std::move(name)),
        state_(new inflate_state),
        in_buf_(size_t{256} << 10) {
    isal_inflate_init(state_.get());
    // Each member's header is read by isal_read_gzip_header (which checks an FHCRC header
    // CRC correctly: ISA-L 2.30's isal_inflate with ISAL_GZIP rejects every valid member that
    // has one), then its deflate data inflated and its CRC-32 and length trailer checked.
    state_->crc_flag = ISAL_GZIP_NO_HDR_VER;
  }

  Result<size_t> Read(char* buf, size_t cap) override {
    inflate_state& st = *state_;
    cap = std::min<size_t>(cap, size_t{1} << 30);  // avail_out is 32 bits
    size_t produced = 0;
    while (produced == 0) {
      if (st.avail_in == 0 && !eof_) {
        Result<size_t> n = raw_->Read(in_buf_.data(), in_buf_.size());
        if (!n.ok()) return n.status();
        consumed_base_ = raw_->raw_offset() - n.value();
        st.next_in = reinterpret_cast<uint8_t*>(in_buf_.data());
        st.avail_in = static_cast<uint32_t>(n.value());
        eof_ = n.value() == 0;
      }
      if (st.block_state == ISAL_BLOCK_FINISH) {
        // A member ended; its trailer checked out. Another may follow (`cat a.gz b.gz`, BGZF).
        if (st.avail_in == 0) {
          if (eof_) return size_t{0};
          continue;
        }
        isal_inflate_reset(&st);  // keeps next_in, avail_in and crc_flag
        in_member_ = false;
        header_read_ = false;
      }
      if (!in_member_) {
        if (st.avail_in == 0) {
          if (eof_) return size_t{0};  // an empty stream
          continue;
        }
        member_start_ = Position();
        const std::string_view head(reinterpret_cast<const char*>(st.next_in),
                                    std::min<uint32_t>(st.avail_in, 4));
        if (head[0] != '\x1F' || (head.size() > 1 && head[1] != '\x8B')) {
          return Status::ShardError(name_ + ": the bytes after the gzip member ending at offset " +
                                    std::to_string(member_start_) +
                                    " are not another gzip member (they start with " +
                                    Hex(head, 4) + ")");
        }
        in_member_ = true;
        isal_gzip_header_init(&header_);  // no buffers: the name, comment, extra are skipped
      }
      if (!header_read_) {
        // FLG, the header's fourth byte, when this input holds it: RFC 1952 has a reader
        // refuse reserved bits, which a later version may give a meaning (GNU gzip does;
        // ISA-L ignores them).
        const uint64_t flg_at = member_start_ + 3;
        if (flg_at >= Position() && flg_at - Position() < st.avail_in) {
          const char flg = reinterpret_cast<const char*>(st.next_in)[flg_at - Position()];
          if ((static_cast<unsigned char>(flg) & 0xE0) != 0) {
            return Status::ShardError(name_ + ": invalid gzip header in the member at offset " +
                                      std::to_string(member_start_) +
                                      ": reserved flag bits set (FLG " +
                                      Hex(std::string_view(&flg, 1), 1) + ")");
          }
        }
        const int ret = isal_read_gzip_header(&st, &header_);
        if (ret == ISAL_END_INPUT) {  // the header goes on in the next input, if any
          if (eof_) return Truncated();
          continue;
        }
        if (ret != ISAL_DECOMP_OK) {
          return Status::ShardError(name_ + ": invalid gzip header in the member at offset " +
                                    std::to_string(member_start_) + ": " +
                                    (ret == ISAL_INCORRECT_CHECKSUM ? "header CRC-16 mismatch"
                                                                    : InflateError(ret)));
        }
        header_read_ = true;
        if (st.avail_in == 0 && !eof_) continue;  // the header ended with this input
      }
      // Inside a member. At the end of the input the call still runs: the decoder may hold
      // output it could not write before.
      st.next_out = reinterpret_cast<uint8_t*>(buf + produced);
      st.avail_out = static_cast<uint32_t>(cap - produced);
      const uint32_t in_before = st.avail_in;
      const uint32_t out_before = st.avail_out;
      const int ret = isal_inflate(&st);
      produced += out_before - st.avail_out;
      if (ret != ISAL_DECOMP_OK) {
        return Status::ShardError(name_ + ": corrupt gzip data in the member at offset " +
                                  std::to_string(member_start_) + " (after " +
                                  std::to_string(out_total_ + produced) +
                                  " uncompressed bytes): " + InflateError(ret));
      }
      if (produced == 0 && st.block_state != ISAL_BLOCK_FINISH && st.avail_in == in_before) {
        if (eof_) return Truncated();
        // ISA-L takes all the input it is given (into its own buffers if need be); a call
        // that takes none and gives nothing would loop forever.
        return Status::ShardError(name_ + ": gzip decoder stalled in the member at offset " +
                                  std::to_string(member_start_));
      }
    }
    out_total_ += produced;
    return produced;
  }

  uint64_t raw_offset() const override { return raw_->raw_offset(); }

 private:
  Status Truncated() const {
    return Status::ShardError(name_ + ": truncated gzip stream (ends at offset " +
                              std::to_string(raw_->raw_offset()) +
                              " inside the member at offset " + std::to_string(member_start_) +
                              ", after " + std::to_string(out_total_) + " uncompressed bytes)");
  }


  // Raw offset of the next unconsumed input byte.
  uint64_t Position() const {
    return consumed_base_ +
           static_cast<uint64_t>(reinterpret_cast<const char*>(state_->next_in) - in_buf_.data());
  }

  std::unique_ptr<Source> raw_;
  std::string name_;
  std::unique_ptr<inflate_state> state_;
  std::vector<char> in_buf_;
  uint64_t consumed_base_ = 0;  // raw offset of in_buf_[0]
  uint64_t member_start_ = 0;   // raw offset where the current member starts
  uint64_t out_total_ = 0;      // uncompressed bytes produced so far
  bool in_member_ = false;      // inside a member (its first byte was taken)
  bool header_read_ = false;    // the current member's header is read; its deflate data next
  isal_gzip_header header_{};
  bool eof_ = false;
};

// The level buffer ISA-L wants for `level` (level 0 needs none).
size_t GzipLevelBufSize(int level) {
  switch (level) {
    case 1: return ISAL_DEF_LVL1_DEFAULT;
    case 2: return ISAL_DEF_LVL2_DEFAULT;
    case 3: return ISAL_DEF_LVL3_DEFAULT;
  }
  return 0;
}

// An upper bound of a gzip member's size for `n` input bytes: stored blocks (5 bytes of
// header per 64 KiB) plus the gzip header and trailer, with room to spare.
size_t GzipBound(size_t n) { return n + n / 64 + (size_t{64} << 10); }

}  // namespace

const char* FormatName(Format format) {
  switch (format) {
    case Format::kPlain: return "plain";
    case Format::kZstd: return "zstd";
    case Format::kGzip: return "gzip";
  }
  return "plain";
}

const char* FormatExtension(Format format) {
  switch (format) {
    case Format::kPlain: return "";
    case Format::kZstd: return ".zst";
    case Format::kGzip: return ".gz";
  }
  return "";
}

Format FormatFromName(std::string_view name) {
  if (EndsWith(name, ".zst")) return Format::kZstd;
  if (EndsWith(name, ".gz")) return Format::kGzip;
  return Format::kPlain;
}

std::string_view StripCompressionExtension(std::string_view name) {
  for (std::string_view ext : {".zst", ".gz"}) {
    if (EndsWith(name, ext)) return name.substr(0, name.size() - ext.size());
  }
  return name;
}

Result<Format> DetectFormat(std::string_view head, const std::string& name) {
  if (IsZstdMagic(head)) return Format::kZstd;
  if (StartsWith(head, "\x1F\x8B")) return Format::kGzip;
  const char* what = nullptr;
  const char* advice = "decompress it first";
  if (IsBzip2Magic(head)) {
    what = "bzip2-compressed input";
  } else if (const Foreign* f = FindForeign(head)) {
    what = f->what;
    advice = f->advice;
  }
  if (what != nullptr) {
    return Status::ShardError(name + ": " + what +
                              " is not supported (boilerstrip reads plain, zstd- and "
                              "gzip-compressed JSONL): " +
                              advice);
  }
  return Format::kPlain;
}

std::string DescribeNonJson(std::string_view head) {
  if (IsZstdMagic(head)) return "starts with zstd magic (" + Hex(head, 4) + ")";
  if (StartsWith(head, "\x1F\x8B")) return "starts with gzip magic (" + Hex(head, 3) + ")";
  if (IsBzip2Magic(head)) return "starts with bzip2 magic (" + Hex(head, 4) + ")";
  if (const Foreign* f = FindForeign(head)) {
    return std::string("starts with ") + f->name + " magic (" + Hex(head, f->magic_len) + ")";
  }
  // Binary: a NUL or a control byte other than whitespace, or bytes that are not UTF-8, near
  // the start (a cut multi-byte character at the very end of the sample does not count).
  const std::string_view sample = head.substr(0, 256);
  bool binary = false;
  for (char c : sample) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != '\f') binary = true;
  }
  if (!binary && !simdjson::validate_utf8(sample.data(), sample.size())) {
    binary =
        sample.size() < 4 ||
        !simdjson::validate_utf8(sample.data(), sample.size() - std::min<size_t>(3, sample.size()));
  }
  if (binary) return "looks binary (first bytes: " + Hex(head, 16) + ")";
  // Text: does any line start with '{'?
  std::string_view first;
  bool brace = false;
  for (size_t pos = 0; pos < head.size();) {
    size_t nl = head.find('\n', pos);
    std::string_view line =
        head.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? head.size() : nl + 1;
    size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string_view::npos) continue;  // blank
    if (first.empty()) first = line;
    if (line[start] == '{') brace = true;
  }
  if (!brace) return "has no line that starts with '{' (the first: \"" + Excerpt(first, 60) + "\")";
  return "has lines that start with '{' but none parses (the first: \"" + Excerpt(first, 60) +
         "\")";
}

std::unique_ptr<Source> NewGzipSource(std::unique_ptr<Source> raw, std::string name) {
  return std::make_unique<GzipSource>(std::move(raw), std::move(name));
}

FrameCompressor::FrameCompressor() : cctx_(ZSTD_createCCtx()), gz_(new isal_zstream) {}

FrameCompressor::~FrameCompressor() { ZSTD_freeCCtx(cctx_); }

char* FrameCompressor::Scratch(size_t need) {
  // Sized for the worst case and never zero-filled; the caller keeps only a copy of the
  // compressed bytes, so pooled batches hold no worst-case-sized buffer each.
  if (scratch_cap_ < need) {
    scratch_.reset(new char[need]);
    scratch_cap_ = need;
  }
  return scratch_.get();
}

Status FrameCompressor::Compress(Format format, int level, std::string_view in, std::string* out) {
  const size_t cap = format == Format::kZstd ? ZSTD_compressBound(in.size()) : GzipBound(in.size());
  char* dst = Scratch(cap);
  size_t n = 0;
  Status st = format == Format::kZstd ? CompressFrameTo(cctx_, level, in, dst, cap, &n)
                                      : Gzip(level, in, dst, cap, &n);
  if (st.ok()) {
    out->assign(dst, n);
  } else {
    out->clear();
  }
  return st;
}

Status FrameCompressor::Gzip(int level, std::string_view in, char* dst, size_t cap, size_t* size) {
  if (level < kMinGzipLevel || level > kMaxGzipLevel) {
    return Status::ShardError("gzip: level " + std::to_string(level) + " is not 0..3");
  }
  const size_t buf_size = GzipLevelBufSize(level);
  if (level_buf_size_ < buf_size) {
    level_buf_.reset(new uint8_t[buf_size]);
    level_buf_size_ = buf_size;
  }
  isal_zstream& zs = *gz_;
  isal_deflate_init(&zs);
  zs.level = static_cast<uint32_t>(level);
  zs.level_buf = buf_size > 0 ? level_buf_.get() : nullptr;
  zs.level_buf_size = static_cast<uint32_t>(buf_size);
  // The header is ours: fixed bytes (no name, no time: the same bytes each run) with the
  // member's size and decoded size in an FEXTRA subfield, patched in below, so that a reader
  // finds where each member ends without inflating it (gzip_members.h). ISA-L writes the
  // deflate data and the CRC-32 and ISIZE trailer.
  WriteOwnGzipHeader(dst);
  zs.gzip_flag = IGZIP_GZIP_NO_HDR;
  zs.flush = NO_FLUSH;
  // One member; the 32-bit counters are fed at most 1 GiB at a time.
  constexpr size_t kStep = size_t{1} << 30;
  const char* next = in.data();
  size_t left = in.size();
  size_t written = kOwnGzipHeaderSize;
  zs.avail_in = 0;
  do {
    if (zs.avail_in == 0 && left > 0) {
      const size_t n = std::min(left, kStep);
      zs.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(next));
      zs.avail_in = static_cast<uint32_t>(n);
      next += n;
      left -= n;
    }
    zs.end_of_stream = left == 0 ? 1 : 0;
    zs.next_out = reinterpret_cast<uint8_t*>(dst + written);
    zs.avail_out = static_cast<uint32_t>(std::min(cap - written, kStep));
    const uint32_t avail_before = zs.avail_out;
    const int ret = isal_deflate(&zs);
    if (ret != COMP_OK)
      return Status::ShardError("gzip: deflate failed (" + std::to_string(ret) + ")");
    written += avail_before - zs.avail_out;
    if (written == cap && zs.internal_state.state != ZSTATE_END) {
      return Status::ShardError("gzip: a compressed batch outgrew its bound");
    }
  } while (zs.internal_state.state != ZSTATE_END);
  PatchGzipSizes(dst, written, in.size());
  *size = written;
  return Status::Ok();
}

}  // namespace boilerstrip::io
