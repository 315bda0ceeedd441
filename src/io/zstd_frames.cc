#include "io/zstd_frames.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

namespace boilerstrip::io {
namespace {

// The longest zstd frame header (ZSTD_FRAMEHEADERSIZE_MAX, in zstd's unstable API).
constexpr size_t kFrameHeaderMax = 18;

// A skippable frame (magic 0x184D2A5?): no data, any length; the streaming decoder passes it.
bool Skippable(const char* p, size_t n) {
  if (n < 4) return false;
  const uint32_t magic = static_cast<uint32_t>(static_cast<uint8_t>(p[0])) |
                         static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
                         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16 |
                         static_cast<uint32_t>(static_cast<uint8_t>(p[3])) << 24;
  return (magic & 0xFFFFFFF0u) == 0x184D2A50u;
}

}  // namespace

ZstdFrameReader::ZstdFrameReader(std::unique_ptr<Source> raw, std::string name,
                                 size_t chunk_bytes, size_t max_frame_bytes)
    : source_(std::move(raw)), name_(std::move(name)),
      chunk_bytes_(std::max<size_t>(chunk_bytes, 1)), max_frame_bytes_(max_frame_bytes),
      dctx_(ZSTD_createDCtx()) {}

ZstdFrameReader::~ZstdFrameReader() { ZSTD_freeDCtx(dctx_); }

Status ZstdFrameReader::Fill(size_t need) {
  return FillWindow(*source_, need, &in_, &pos_, &in_base_, &eof_);
}

Status ZstdFrameReader::Next(std::string* raw, std::string* data, size_t headroom,
                             ZstdChunk* chunk) {
  *chunk = ZstdChunk();
  chunk->out_offset = out_total_;
  if (streaming_) return Stream(data, headroom, chunk);
  raw->clear();
  size_t out = 0;
  auto frames_chunk = [&] {
    chunk->frames = true;
    chunk->out_size = out;
    return Status::Ok();
  };
  while (true) {
    if (Status st = Fill(kFrameHeaderMax); !st.ok()) return st;
    size_t avail = in_.size() - pos_;
    if (avail == 0) {
      if (!raw->empty()) return frames_chunk();
      chunk->end = true;
      return Status::Ok();
    }
    // A frame is handed out when its header gives its decoded size, small enough, and its
    // compressed bytes are all there (else the streaming decoder says what is wrong).
    const unsigned long long size = ZSTD_getFrameContentSize(in_.data() + pos_, avail);
    size_t frame = 0;
    if (size <= max_frame_bytes_ && !Skippable(in_.data() + pos_, avail)) {
      size_t csize = ZSTD_findFrameCompressedSize(in_.data() + pos_, avail);
      const size_t most = ZSTD_compressBound(size) + 2 * kFrameHeaderMax;
      while (ZSTD_isError(csize) && !eof_ && avail < most) {
        if (Status st = Fill(std::min(most, std::max(2 * avail, avail + (size_t{1} << 20))));
            !st.ok()) {
          return st;
        }
        avail = in_.size() - pos_;
        csize = ZSTD_findFrameCompressedSize(in_.data() + pos_, avail);
      }
      if (!ZSTD_isError(csize)) frame = csize;
    }
    if (frame == 0) {
      if (!raw->empty()) return frames_chunk();  // the big frame starts the next chunk
      streaming_ = true;
      may_hold_output_ = false;
      frame_start_ = in_base_ + pos_;
      ZSTD_DCtx_reset(dctx_, ZSTD_reset_session_only);
      return Stream(data, headroom, chunk);
    }
    if (!raw->empty() && out + size > chunk_bytes_) return frames_chunk();
    if (raw->empty()) chunk->raw_offset = in_base_ + pos_;
    raw->append(in_, pos_, frame);
    pos_ += frame;
    out += size;
    out_total_ += size;
    if (out >= chunk_bytes_) return frames_chunk();
  }
}

Status ZstdFrameReader::Stream(std::string* data, size_t headroom, ZstdChunk* chunk) {
  SizePadded(data, headroom + chunk_bytes_);
  ZSTD_outBuffer out{data->data() + headroom, chunk_bytes_, 0};
  while (out.pos < out.size) {
    if (pos_ == in_.size() && !eof_) {
      if (Status st = Fill(1); !st.ok()) return st;
    }
    if (pos_ == in_.size() && eof_ && !may_hold_output_) {
      return Status::ShardError(name_ + ": truncated zstd stream (ends at offset " +
                                std::to_string(in_base_ + in_.size()) +
                                " inside the frame at offset " + std::to_string(frame_start_) +
                                ", after " + std::to_string(out_total_ + out.pos) +
                                " uncompressed bytes)");
    }
    ZSTD_inBuffer in{in_.data() + pos_, in_.size() - pos_, 0};
    const size_t ret = ZSTD_decompressStream(dctx_, &out, &in);
    if (ZSTD_isError(ret)) {
      return Status::ShardError(name_ + ": corrupt zstd data in the frame at offset " +
                                std::to_string(frame_start_) + " (after " +
                                std::to_string(out_total_ + out.pos) +
                                " uncompressed bytes): " + ZSTD_getErrorName(ret));
    }
    pos_ += in.pos;
    // A full output buffer means the decoder may hold more even without new input.
    may_hold_output_ = out.pos == out.size;
    if (ret == 0) {  // the frame ended: so does the chunk
      streaming_ = false;
      break;
    }
  }
  data->resize(headroom + out.pos);
  chunk->out_size = out.pos;
  out_total_ += out.pos;
  return Status::Ok();
}

Status ZstdFrameReader::Decode(FrameDecoder& decoder, std::string_view raw,
                               const FrameChunk& chunk, size_t headroom,
                               std::string* data) const {
  return DecodeZstdChunk(decoder.zstd(), name_, raw, chunk, headroom, data);
}

Status DecodeZstdChunk(ZSTD_DCtx* dctx, const std::string& name, std::string_view raw,
                       const ZstdChunk& chunk, size_t headroom, std::string* data) {
  SizePadded(data, headroom + chunk.out_size);
  char* dst = data->data() + headroom;
  size_t in = 0, out = 0;
  while (in < raw.size()) {
    const char* src = raw.data() + in;
    const size_t csize = ZSTD_findFrameCompressedSize(src, raw.size() - in);
    const unsigned long long size = ZSTD_getFrameContentSize(src, raw.size() - in);
    const size_t n = ZSTD_isError(csize)
                         ? csize
                         : ZSTD_decompressDCtx(dctx, dst + out, chunk.out_size - out, src, csize);
    if (ZSTD_isError(n) || n != size) {
      return Status::ShardError(
          name + ": corrupt zstd data in the frame at offset " +
          std::to_string(chunk.raw_offset + in) + " (after " +
          std::to_string(chunk.out_offset + out) + " uncompressed bytes): " +
          (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "its size differs from its header's"));
    }
    in += csize;
    out += n;
  }
  return Status::Ok();
}

}  // namespace boilerstrip::io
