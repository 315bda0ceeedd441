// Compressed shards cut into independently decodable pieces — zstd frames, gzip members — so
// that the pieces of one shard decode in parallel.
//
// A FrameReader, the serial step, reads a shard's compressed bytes and hands out chunks: whole
// frames (or members) still to decode, found without decoding them, or bytes it decoded itself
// where a frame's extent is not known before it is decoded. Decode, which runs on many chunks at
// once, decodes a chunk of frames; RecordCutter (record_reader.h) then cuts the decoded chunks,
// in order, into batches of whole records. Every cut depends on the bytes only, never on how
// much a read returned, so the chunks (and the batches and output frames made from them) are the
// same at any thread count.
//
// Readers: ZstdFrameReader (zstd_frames.h), GzipMemberReader (gzip_members.h).
//
// Internal to the library.
#ifndef BOILERSTRIP_SRC_IO_FRAMES_H_
#define BOILERSTRIP_SRC_IO_FRAMES_H_

#include <zstd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "boilerstrip/status.h"
#include "io/codec.h"
#include "io/io.h"

struct inflate_state;

namespace boilerstrip::io {

// One piece of a compressed stream, as a FrameReader hands it out.
struct FrameChunk {
  bool frames = false;      // `raw` holds whole frames still to decode (else: `data` holds bytes)
  bool end = false;         // the stream's end: no bytes
  uint64_t raw_offset = 0;  // offset of the chunk's first compressed byte in the stream
  uint64_t out_offset = 0;  // uncompressed offset of the chunk's first byte
  size_t out_size = 0;      // its uncompressed bytes
};

// The decoding contexts of one thread (made on first use). Not thread-safe: one per thread.
class FrameDecoder {
 public:
  FrameDecoder();
  ~FrameDecoder();
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  ZSTD_DCtx* zstd();
  inflate_state* inflate();

 private:
  ZSTD_DCtx* zstd_ = nullptr;
  std::unique_ptr<inflate_state> inflate_;
};

class FrameReader {
 public:
  virtual ~FrameReader() = default;

  // The next chunk: whole frames into *raw (replaced), or bytes decoded here into
  // (*data)[headroom, headroom + out_size) (capacity padded for simdjson). A read error, a cut
  // stream or corrupt data is a kShard error naming the file and the frame's offset; the reader
  // is finished then, as after the `end` chunk. Serial: one thread at a time.
  virtual Status Next(std::string* raw, std::string* data, size_t headroom,
                      FrameChunk* chunk) = 0;

  // Decodes `raw`, a chunk with `frames`, into (*data)[headroom, headroom + chunk.out_size),
  // capacity padded for simdjson; each frame's checksum is checked. Errors (kShard) name the
  // file and the frame's offset. Safe to call for many chunks at once (each thread with its
  // own decoder), also while Next runs.
  virtual Status Decode(FrameDecoder& decoder, std::string_view raw, const FrameChunk& chunk,
                        size_t headroom, std::string* data) const = 0;

  // The stream's name in errors.
  virtual const std::string& name() const = 0;
  // Compressed bytes read so far, for progress.
  virtual uint64_t raw_offset() const = 0;
};

// The reader for a stream of `format` (zstd or gzip) whose compressed bytes `raw` gives, named
// `name` in errors. Chunks of frames hold about chunk_bytes of decoded bytes (a frame is never
// split); frames of up to max_frame_bytes decoded bytes are handed out, larger ones (and those
// whose extent is not known beforehand) decoded by the reader, in pieces of chunk_bytes.
// REQUIRES: format != kPlain.
std::unique_ptr<FrameReader> NewFrameReader(Format format, std::unique_ptr<Source> raw,
                                            std::string name, size_t chunk_bytes,
                                            size_t max_frame_bytes);

// A frame reader's window on its compressed stream: reads from `source` until `need` bytes past
// *pos are in *window or the stream ends (*eof). Before reading, the prefix already handed out is
// dropped once it is at least half the window; *base, the stream offset of (*window)[0], moves
// with it. A read error leaves the window as it was.
Status FillWindow(Source& source, size_t need, std::string* window, size_t* pos, uint64_t* base,
                  bool* eof);

// Sizes *data to `size` bytes with simdjson's padding after them in its capacity.
void SizePadded(std::string* data, size_t size);

}  // namespace boilerstrip::io

#endif  // BOILERSTRIP_SRC_IO_FRAMES_H_
