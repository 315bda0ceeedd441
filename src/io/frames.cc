#include "io/frames.h"

#include <isa-l/igzip_lib.h>
#include <simdjson.h>

#include <algorithm>

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

Status FillWindow(Source& source, size_t need, std::string* window, size_t* pos, uint64_t* base,
                  bool* eof) {
  std::string& in = *window;
  while (in.size() - *pos < need && !*eof) {
    if (*pos > 0 && *pos >= in.size() / 2) {
      in.erase(0, *pos);
      *base += *pos;
      *pos = 0;
    }
    const size_t size = in.size();
    const size_t want = std::max<size_t>(need - (size - *pos), size_t{1} << 20);
    in.resize(size + want);
    Result<size_t> n = source.Read(in.data() + size, want);
    if (!n.ok()) {
      in.resize(size);
      return n.status();
    }
    in.resize(size + n.value());
    if (n.value() == 0) *eof = true;
  }
  return Status::Ok();
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
