// zstd streams cut into their frames, so that the frames of one shard decode in parallel.
//
// A zstd stream written as many frames (boilerstrip's own outputs: one frame per batch; pzstd)
// needs no frame's bytes to decode another. ZstdFrameReader, the serial step, reads the
// compressed bytes and hands out chunks of whole frames, found with
// ZSTD_findFrameCompressedSize (it walks block headers, it decodes nothing); DecodeZstdChunk
// decodes a chunk, and runs on many chunks at once. RecordCutter (record_reader.h) then cuts the
// decoded chunks, in order, into batches of whole records.
//
// A frame whose header does not give its decoded size, or gives more than max_frame_bytes, is
// decoded by the reader itself, streaming, in pieces of chunk_bytes: a shard of one big frame
// (`zstd` writing a pipe, most zstd files not written by boilerstrip) decodes serially, at one
// core's zstd speed, which caps that one shard (README, "Cores one process can use").
//
// Every cut depends on the bytes only, never on how much a read returned, so the chunks (and
// the batches and output frames made from them) are the same at any thread count.
//
// Internal to the library.
#ifndef BOILERSTRIP_SRC_IO_ZSTD_FRAMES_H_
#define BOILERSTRIP_SRC_IO_ZSTD_FRAMES_H_

#include <zstd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "boilerstrip/status.h"
#include "io/frames.h"
#include "io/io.h"

namespace boilerstrip::io {

// The chunks of a zstd stream (the name this reader's tests know them by).
using ZstdChunk = FrameChunk;

class ZstdFrameReader : public FrameReader {
 public:
  // Reads the compressed bytes of `raw` (named `name` in errors). Chunks of frames hold about
  // chunk_bytes of decoded bytes (a frame is never split); frames of up to max_frame_bytes
  // decoded bytes are handed out, larger ones decoded here.
  ZstdFrameReader(std::unique_ptr<Source> raw, std::string name, size_t chunk_bytes,
                  size_t max_frame_bytes);
  ~ZstdFrameReader() override;
  ZstdFrameReader(const ZstdFrameReader&) = delete;
  ZstdFrameReader& operator=(const ZstdFrameReader&) = delete;

  // The next chunk: whole frames into *raw (replaced), or bytes decoded here into
  // (*data)[headroom, headroom + out_size) (capacity padded for simdjson). A read error, a cut
  // stream or corrupt data is a kShard error naming the file and the frame's offset, as the
  // streaming decoder names them; the reader is finished then, as after the `end` chunk.
  Status Next(std::string* raw, std::string* data, size_t headroom, FrameChunk* chunk) override;

  // DecodeZstdChunk with the decoder's zstd context.
  Status Decode(FrameDecoder& decoder, std::string_view raw, const FrameChunk& chunk,
                size_t headroom, std::string* data) const override;

  const std::string& name() const override { return name_; }
  // Compressed bytes read so far, for progress.
  uint64_t raw_offset() const override { return source_->raw_offset(); }

 private:
  // Reads until `need` bytes past pos_ are buffered, or the stream ends.
  Status Fill(size_t need);
  // Decodes the big frame at pos_ on, up to chunk_bytes_ of it.
  Status Stream(std::string* data, size_t headroom, ZstdChunk* chunk);

  std::unique_ptr<Source> source_;
  const std::string name_;
  const size_t chunk_bytes_;
  const size_t max_frame_bytes_;
  std::string in_;          // compressed bytes read, from in_base_
  size_t pos_ = 0;          // the next frame (or the streaming decoder's next byte) in in_
  uint64_t in_base_ = 0;    // stream offset of in_[0]
  bool eof_ = false;
  uint64_t out_total_ = 0;  // uncompressed bytes handed out so far
  ZSTD_DCtx* dctx_;         // for the frames decoded here
  bool streaming_ = false;  // inside a frame decoded here
  bool may_hold_output_ = false;
  uint64_t frame_start_ = 0;  // stream offset of the frame decoded here
};

// Decodes the frames of `raw` (a ZstdFrameReader chunk with `frames`) into
// (*data)[headroom, headroom + chunk.out_size), capacity padded for simdjson. Errors (kShard)
// name the file and the frame: "NAME: corrupt zstd data in the frame at offset X (after Y
// uncompressed bytes): ...". `dctx` is the calling thread's.
Status DecodeZstdChunk(ZSTD_DCtx* dctx, const std::string& name, std::string_view raw,
                       const ZstdChunk& chunk, size_t headroom, std::string* data);

}  // namespace boilerstrip::io

#endif  // BOILERSTRIP_SRC_IO_ZSTD_FRAMES_H_
