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

void RecordReader::EmitPart(size_t len, std::string* data, ChunkInfo* info) {
  // A part is copied out and the long record's rest stays where it is: emitting a part never
  // moves the rest (up to max_record_bytes), only, now and then, as much as was handed out.
  info->offset = pending_offset_;
  data->clear();
  Reserve(data, len);
  data->append(pending_, head_, len);
  head_ += len;
  pending_offset_ += len;
  if (head_ >= pending_.size() - head_) {
    pending_.erase(0, head_);
    head_ = 0;
  }
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
    const size_t size = pending_.size() - head_;  // head_ is 0 outside long records
    const char* bytes = pending_.data() + head_;
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
        EmitPart(static_cast<size_t>(nl - bytes), data, info);
        pending_.erase(0, head_ + 1);  // and the '\n' ending the long record
        head_ = 0;
        if (pending_.capacity() > 4 * (options_.batch_bytes + (1 << 20))) {
          // Give back the memory the long record took.
          std::string rest;
          Reserve(&rest, std::max(pending_.size(), options_.batch_bytes + (1 << 20)));
          rest.append(pending_);
          pending_.swap(rest);
        }
        pending_offset_ += 1;
        scanned_ = 0;
        in_part_ = false;
        info->last_part = true;
        return Status::Ok();
      }
      if (size >= part) {
        EmitPart(part, data, info);
        return Status::Ok();
      }
      if (eof_) {
        in_part_ = false;
        EmitPart(size, data, info);
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

void RecordCutter::Carry(const std::string& data, size_t from, size_t n, uint64_t offset) {
  carry_.assign(data, from, n);
  carry_from_ = 0;
  carry_offset_ = offset;
}

void RecordCutter::Cut(std::string* data, bool end, size_t* begin, ChunkInfo* info) {
  *info = ChunkInfo();
  if (data->size() < kHeadroom) {
    data->clear();
    Reserve(data, kHeadroom);
    data->resize(kHeadroom);
  }
  // The carried bytes go before the chunk's: into the room left for them, or, when they are
  // longer (a long record in the making), the chunk goes after them in their own buffer, which
  // grows geometrically, so a record spread over many chunks is copied a bounded number of times.
  const size_t carried = carry_.size() - carry_from_;
  size_t b = kHeadroom - carried;
  if (carried <= kHeadroom) {
    std::memcpy(data->data() + b, carry_.data() + carry_from_, carried);
    carry_.clear();
    carry_from_ = 0;
  } else {
    const size_t n = data->size() - kHeadroom;
    const size_t need = carry_.size() + n + simdjson::SIMDJSON_PADDING;
    if (carry_.capacity() < need && need > options_.batch_bytes) {
      // A record longer than a batch: it grows to max_record_bytes at most before it goes out
      // in parts, so room for that is reserved at once (pages count only as they fill) and it
      // is never copied to grow, which would hold it twice for a moment.
      carry_.reserve(std::max(need, options_.max_record_bytes + n + simdjson::SIMDJSON_PADDING));
    }
    Reserve(&carry_, n);
    carry_.append(*data, kHeadroom, n);
    data->swap(carry_);
    b = carry_from_;
    carry_.clear();
    carry_from_ = 0;
  }
  uint64_t offset = carry_offset_;  // of (*data)[b]
  const char* bytes = data->data() + b;
  size_t len = data->size() - b;
  info->offset = offset;
  *begin = b;
  if (!started_) {
    // A UTF-8 byte-order mark at the start of the shard belongs to no record (RecordReader).
    if (len < 3 && !end) {  // too few bytes yet to tell
      Carry(*data, b, len, offset);
      data->resize(b);
      return;
    }
    started_ = true;
    if (len >= 3 && std::memcmp(bytes, "\xEF\xBB\xBF", 3) == 0) {
      b += 3, bytes += 3, len -= 3, offset += 3;
      info->offset = offset;
      *begin = b;
    }
  }
  if (!in_part_) {
    if (end) {
      info->end = true;
      return;
    }
    const char* last = static_cast<const char*>(memrchr(bytes, '\n', len));
    if (last != nullptr) {
      const size_t keep = static_cast<size_t>(last + 1 - bytes);
      Carry(*data, b + keep, len - keep, offset + keep);
      data->resize(b + keep);
      return;
    }
    if (len <= options_.max_record_bytes) {
      // One record, not ended yet: all of it waits for the next chunk, in this buffer.
      carry_.swap(*data);
      carry_from_ = b;
      carry_offset_ = offset;
      data->clear();
      *begin = 0;
      return;
    }
    in_part_ = true;
    part_first_ = true;
  }
  // Inside a record over the limit: parts of multiples of 3 bytes, the last ending at its '\n'.
  info->part = true;
  info->first_part = part_first_;
  const char* nl = static_cast<const char*>(std::memchr(bytes, '\n', len));
  if (nl != nullptr || end) {
    const size_t k = nl != nullptr ? static_cast<size_t>(nl - bytes) : len;
    if (nl != nullptr) Carry(*data, b + k + 1, len - k - 1, offset + k + 1);
    data->resize(b + k);
    in_part_ = part_first_ = false;
    info->last_part = true;
    info->end = end;  // (an end chunk is empty: what is carried holds no '\n' then)
    return;
  }
  const size_t k = len / 3 * 3;
  Carry(*data, b + k, len - k, offset + k);
  data->resize(b + k);
  if (k == 0) {  // nothing to give yet: an empty batch, not a part
    info->part = info->first_part = false;
    return;
  }
  part_first_ = false;
}

}  // namespace boilerstrip::io
