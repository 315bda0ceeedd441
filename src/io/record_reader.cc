#include "io/record_reader.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

namespace boilerstrip::io {
namespace {

// Ensures room for `extra` more bytes plus simdjson's padding, growing geometrically.
void Reserve(std::string* s, size_t extra) {
  size_t need = s->size() + extra + simdjson::SIMDJSON_PADDING;
  if (s->capacity() < need) s->reserve(std::max(need, s->capacity() * 2));
}

}  // namespace

Status ValidateRecordReaderOptions(const RecordReaderOptions& options) {
  if (options.batch_bytes == 0) return Status::RunError("--batch-size must be positive");
  if (options.max_record_bytes == 0 || options.max_record_bytes > kMaxRecordLimit) {
    return Status::RunError("--max-record-size must be between 1 and " +
                            std::to_string(kMaxRecordLimit) +
                            " bytes (texts are indexed with 32-bit offsets)");
  }
  return Status::Ok();
}

RecordReader::RecordReader(std::unique_ptr<Source> source, RecordReaderOptions options)
    : source_(std::move(source)), options_(options) {
  pending_.reserve(options_.batch_bytes + (1 << 20) + simdjson::SIMDJSON_PADDING);
}

void RecordReader::Emit(size_t len, std::string* data, ChunkInfo* info) {
  info->offset = pending_offset_;
  // The chunk takes the bytes; pending_ gets the caller's old buffer for the rest.
  data->swap(pending_);
  pending_.clear();
  pending_.reserve(options_.batch_bytes + (1 << 20) + simdjson::SIMDJSON_PADDING);
  pending_.assign(*data, len, std::string::npos);
  data->resize(len);
  Reserve(data, 0);
  pending_offset_ += len;
  scanned_ = 0;
}

Status RecordReader::Next(std::string* data, ChunkInfo* info) {
  *info = ChunkInfo();
  if (!started_) {
    // A UTF-8 byte-order mark at the start of the shard belongs to no record (RFC 8259: a
    // parser may ignore one; a writer must not add one): it is dropped here, before the first
    // cut, and offsets still count it. A BOM anywhere else is inside a record.
    started_ = true;
    while (pending_.size() < 3 && !eof_) {
      if (Status st = ReadMore(); !st.ok()) return st;
    }
    if (pending_.size() >= 3 && std::memcmp(pending_.data(), "\xEF\xBB\xBF", 3) == 0) {
      pending_.erase(0, 3);
      pending_offset_ = 3;
    }
  }
  while (true) {
    const size_t size = pending_.size();
    const char* bytes = pending_.data();
    if (in_part_) {
      // Parts are multiples of 3 bytes, so that their base64 forms concatenate.
      const size_t part = std::max<size_t>(3, options_.batch_bytes / 3 * 3);
      const char* nl =
          static_cast<const char*>(std::memchr(bytes, '\n', std::min(size, part + 1)));
      const bool first = part_first_;
      if (nl != nullptr || size >= part || eof_) part_first_ = false;
      info->part = true;
      info->first_part = first;
      if (nl != nullptr) {
        Emit(static_cast<size_t>(nl - bytes), data, info);
        pending_.erase(0, 1);  // the '\n' ending the long record
        pending_offset_ += 1;
        in_part_ = false;
        info->last_part = true;
        return Status::Ok();
      }
      if (size >= part) {
        Emit(part, data, info);
        return Status::Ok();
      }
      if (eof_) {
        in_part_ = false;
        Emit(size, data, info);
        info->last_part = true;
        return Status::Ok();
      }
      *info = ChunkInfo();
    } else if (eof_) {
      Emit(size, data, info);
      info->end = true;
      done_ = true;
      return Status::Ok();
    } else if (size >= options_.batch_bytes) {
      // The chunk ends after the last record end within its first batch_bytes bytes ...
      const size_t window = options_.batch_bytes;
      if (scanned_ < window) {
        const char* last =
            static_cast<const char*>(memrchr(bytes + scanned_, '\n', window - scanned_));
        if (last != nullptr) {
          Emit(static_cast<size_t>(last + 1 - bytes), data, info);
          return Status::Ok();
        }
      }
      // ... or, when its first record is longer than that, after that record; a record over
      // the limit comes out in parts instead, never held whole.
      const size_t from = std::max(scanned_, window);
      const char* end = static_cast<const char*>(std::memchr(bytes + from, '\n', size - from));
      const size_t len = end != nullptr ? static_cast<size_t>(end - bytes) : size;
      if (len > options_.max_record_bytes) {
        in_part_ = true;
        part_first_ = true;
        continue;
      }
      if (end != nullptr) {
        Emit(len + 1, data, info);
        return Status::Ok();
      }
      scanned_ = size;
    }
    if (Status st = ReadMore(); !st.ok()) return st;
  }
}

Status RecordReader::ReadMore() {
  const size_t size = pending_.size();
  const size_t want = std::max<size_t>(
      options_.batch_bytes > size ? options_.batch_bytes - size : 0, size_t{1} << 20);
  Reserve(&pending_, want);
  pending_.resize(size + want);
  Result<size_t> n = source_->Read(pending_.data() + size, want);
  if (!n.ok()) {
    pending_.clear();
    done_ = true;
    return n.status();
  }
  pending_.resize(size + n.value());
  if (n.value() == 0) eof_ = true;
  return Status::Ok();
}

}  // namespace boilerstrip::io
