// RecordReader: a byte source cut into chunks of whole JSONL records, the one batch cutter of
// every command that reads shards (clean, profile, inspect).
//
// Every cut is a position fixed by the data, never by how much a read returned (a pipe returns
// arbitrary amounts), so the chunks — hence zstd frames and anything else made per chunk — are
// the same run to run. A record longer than max_record_bytes is never held whole: it comes out
// in parts (multiples of 3 bytes but the last, so that their base64 forms concatenate).
// A UTF-8 byte-order mark at the very start of the stream is dropped (offsets still count its
// 3 bytes); one anywhere else is part of its record.
//
// Internal to the library. Not thread-safe: one reader per shard, used by one thread at a time.
#ifndef BOILERSTRIP_SRC_IO_RECORD_READER_H_
#define BOILERSTRIP_SRC_IO_RECORD_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "boilerstrip/status.h"
#include "io/io.h"

namespace boilerstrip::io {

// The longest record any command accepts: texts are indexed with 32-bit offsets (text.h).
constexpr size_t kMaxRecordLimit = (size_t{1} << 32) - 1;

struct RecordReaderOptions {
  // Target bytes per chunk of whole records. Must be positive. Default: 4 MiB.
  size_t batch_bytes = size_t{4} << 20;
  // Records longer than this come out in parts. In [1, kMaxRecordLimit]. Default: 256 MiB.
  size_t max_record_bytes = size_t{256} << 20;
};

// Checks the options: a kRun error naming the flag when out of range.
Status ValidateRecordReaderOptions(const RecordReaderOptions& options);

// What one chunk holds. Exactly one chunk of a shard has `end` set, the last.
struct ChunkInfo {
  uint64_t offset = 0;      // uncompressed offset of the chunk's first byte in its shard
  bool part = false;        // one part of an over-long record (else: whole records)
  bool first_part = false;  // the over-long record's first part (its offset is the record's)
  bool last_part = false;   // its last part (the record's '\n', if any, is not in the chunk)
  bool end = false;         // the shard's last chunk (may be empty)
};

class RecordReader {
 public:
  // Takes the source. REQUIRES: ValidateRecordReaderOptions(options).ok().
  RecordReader(std::unique_ptr<Source> source, RecordReaderOptions options);

  // The next chunk: its bytes replace *data (whose buffer is reused and handed over: after the
  // call *data owns the chunk, and the reader keeps the buffer *data had). Whole-record chunks
  // end after a '\n' (or at the end of the stream). data->capacity() always leaves
  // simdjson::SIMDJSON_PADDING bytes after data->size().
  // A read error is a kShard error naming the file and offset; the reader is finished then.
  // REQUIRES: !done().
  Status Next(std::string* data, ChunkInfo* info);

  // True once the chunk with `end` (or an error) was returned.
  bool done() const { return done_; }
  // Raw (possibly compressed) bytes consumed so far, for progress.
  uint64_t raw_offset() const { return source_->raw_offset(); }

 private:
  void Emit(size_t len, std::string* data, ChunkInfo* info);
  // Emit for one part of a long record: from pending_[head_], which it advances.
  void EmitPart(size_t len, std::string* data, ChunkInfo* info);
  // Appends what one read of the source gives to pending_ (eof_ at its end). A read error
  // ends the reader.
  Status ReadMore();

  std::unique_ptr<Source> source_;
  const RecordReaderOptions options_;
  std::string pending_;
  size_t head_ = 0;  // inside a long record: pending_'s bytes handed out (as parts) so far
  uint64_t pending_offset_ = 0;
  size_t scanned_ = 0;  // bytes of pending_ known to hold no '\n' past the window
  bool eof_ = false;
  bool in_part_ = false;
  bool part_first_ = false;  // the next part is the long record's first
  bool done_ = false;
  bool started_ = false;  // the shard-start byte-order mark was looked for
};

// RecordReader's cutting for bytes that arrive in decoded chunks, in order (the frames of a zstd
// shard decoded in parallel): each chunk becomes one batch, in place in its own buffer. A batch
// ends after the chunk's last '\n'; the bytes after it (the start of a record) are carried to
// the front of the next chunk, into the room left for them there, so a chunk's bytes are never
// moved. A record longer than max_record_bytes comes out in parts (multiples of 3 bytes but the
// last), and a byte-order mark at the very start is dropped, as from RecordReader. The cuts
// depend on the chunks' bytes only.
//
// Not thread-safe: one cutter per shard, used by one thread at a time.
class RecordCutter {
 public:
  // Room to leave before a chunk's bytes: carried bytes up to this long are put there.
  static constexpr size_t kHeadroom = size_t{64} << 10;

  // REQUIRES: ValidateRecordReaderOptions(options).ok().
  explicit RecordCutter(RecordReaderOptions options) : options_(options) {}

  // Takes the chunk (*data)[kHeadroom, size) (none when data->size() < kHeadroom; `end`: the
  // stream's end, after its last chunk, with no bytes) and makes it the next batch:
  // (*data)[*begin, size),
  // with capacity for simdjson's padding after it. *info as RecordReader::Next gives it.
  // Carried bytes may leave an empty batch (not `end`): it holds nothing to do.
  // REQUIRES: data's capacity leaves simdjson::SIMDJSON_PADDING bytes after its size.
  void Cut(std::string* data, bool end, size_t* begin, ChunkInfo* info);

 private:
  // Keeps (*data)[from, from + n) for the next chunk.
  void Carry(const std::string& data, size_t from, size_t n, uint64_t offset);

  const RecordReaderOptions options_;
  std::string carry_;  // bytes carried to the next chunk: carry_[carry_from_, size)
  size_t carry_from_ = 0;
  uint64_t carry_offset_ = 0;  // uncompressed offset of the first carried byte
  bool started_ = false;       // the shard-start byte-order mark was looked for
  bool in_part_ = false;       // inside a record over max_record_bytes
  bool part_first_ = false;    // its next part is its first
};

}  // namespace boilerstrip::io

#endif  // BOILERSTRIP_SRC_IO_RECORD_READER_H_
