#include "io/frames.h"

#include <isa-l/igzip_lib.h>
#include <simdjson.h>

#include "io/gzip_members.h"
#include "io/zstd_frames.h"

namespace boilerstrip::io {

FrameDecoder::FrameDecoder() = default;

FrameDecoder::~FrameDecoder() { ZSTD_freeDCtx(zstd_); }

ZSTD_DCtx* FrameDecoder::zstd() {
  if (zstd_ == nullptr) zstd_ = ZSTD_createDCtx();
  return zstd_;
}

inflate_state* FrameDecoder::inflate() {
  if (inflate_ == nullptr) inflate_ = std::make_unique<inflate_state>();
  return inflate_.get();
}

std::unique_ptr<FrameReader> NewFrameReader(Format format, std::unique_ptr<Source> raw,
                                            std::string name, size_t chunk_bytes,
                                            size_t max_frame_bytes) {
  if (format == Format::kGzip) {
    return std::make_unique<GzipMemberReader>(std::move(raw), std::move(name), chunk_bytes,
                                              max_frame_bytes);
  }
  return std::make_unique<ZstdFrameReader>(std::move(raw), std::move(name), chunk_bytes,
                                           max_frame_bytes);
}

void SizePadded(std::string* data, size_t size) {
  constexpr size_t kPadding = simdjson::SIMDJSON_PADDING;
  if (data->capacity() < size + kPadding) {
    data->clear();
    data->reserve(size + kPadding);
  }
  data->resize(size);
}

}  // namespace boilerstrip::io
