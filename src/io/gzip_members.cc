#include "io/gzip_members.h"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <cstring>

namespace boilerstrip::io {
namespace {

constexpr uint8_t kFhcrc = 0x02, kFextra = 0x04, kFname = 0x08, kFcomment = 0x10;
// Bytes a member takes at the least: a 10-byte header, an empty deflate block, the trailer.
constexpr size_t kMinMember = 10 + 2 + 8;
// A member of up to this many compressed bytes decodes to less than 4 GiB (deflate expands
// at most 1032:1), so its ISIZE trailer is its decoded size, not that modulo 2^32.
constexpr uint64_t kIsizeExactUpTo = (uint64_t{1} << 32) / 1032;
// ISA-L's counters are 32 bits.
constexpr size_t kStep = size_t{1} << 30;

uint64_t Le(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = v << 8 | static_cast<uint8_t>(p[i]);
  return v;
}

void PutLe(char* p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i, v >>= 8) p[i] = static_cast<char>(v & 0xFF);
}

// The size subfields in the FEXTRA field `x`. A field whose subfields do not tile it exactly
// gives none (its sizes could mean anything).
void ParseExtra(std::string_view x, GzipHeader* h) {
  GzipHeader found;
  size_t p = 0;
  while (p + 4 <= x.size()) {
    const size_t len = Le(x.data() + p + 2, 2);
    if (p + 4 + len > x.size()) return;
    const std::string_view id = x.substr(p, 2), body = x.substr(p + 4, len);
    if (id == "BS" && len == 16) {
      found.sized = found.own = true;
      found.member_size = Le(body.data(), 8);
      found.decoded_size = Le(body.data() + 8, 8);
    } else if (id == "BC" && len == 2 && !found.own) {
      found.sized = true;
      found.member_size = Le(body.data(), 2) + 1;
    }
    p += 4 + len;
  }
  if (p != x.size()) return;
  h->sized = found.sized;
  h->own = found.own;
  h->member_size = found.member_size;
  h->decoded_size = found.decoded_size;
}

}  // namespace

void WriteOwnGzipHeader(char* dst) {
  static constexpr char kHeader[kOwnGzipHeaderSize] = {
      '\x1F', '\x8B', 8, kFextra, 0, 0, 0, 0, 0, '\xFF',  // no name, no time, OS unknown
      20, 0,                                          // XLEN
      'B', 'S', 16, 0};                               // the subfield, its sizes zero
  std::memcpy(dst, kHeader, kOwnGzipHeaderSize);
}

void PatchGzipSizes(char* member, uint64_t member_size, uint64_t decoded_size) {
  PutLe(member + 16, member_size, 8);
  PutLe(member + 24, decoded_size, 8);
}

HeaderParse ParseGzipHeader(std::string_view b, GzipHeader* h, std::string* why) {
  *h = GzipHeader();
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(b[i]); };
  if ((b.size() >= 1 && byte(0) != 0x1F) || (b.size() >= 2 && byte(1) != 0x8B)) {
    *why = "no gzip magic (the bytes start with " + Hex(b, 4) + ")";
    return HeaderParse::kError;
  }
  if (b.size() >= 3 && byte(2) != 8) {
    *why = "unsupported compression method (CM " + Hex(b.substr(2, 1), 1) + ")";
    return HeaderParse::kError;
  }
  if (b.size() >= 4 && (byte(3) & 0xE0) != 0) {
    // RFC 1952 has a reader refuse reserved bits, which a later version may give a meaning.
    *why = "reserved flag bits set (FLG " + Hex(b.substr(3, 1), 1) + ")";
    return HeaderParse::kError;
  }
  if (b.size() < 10) return HeaderParse::kNeedMore;
  const uint8_t flg = byte(3);
  size_t p = 10;
  if (flg & kFextra) {
    if (b.size() < p + 2) return HeaderParse::kNeedMore;
    const size_t xlen = Le(b.data() + p, 2);
    p += 2;
    if (b.size() < p + xlen) return HeaderParse::kNeedMore;
    ParseExtra(b.substr(p, xlen), h);
    p += xlen;
  }
  for (uint8_t field : {kFname, kFcomment}) {
    if ((flg & field) == 0) continue;
    const size_t nul = b.find('\0', p);
    if (nul == std::string_view::npos) return HeaderParse::kNeedMore;
    p = nul + 1;
  }
  if (flg & kFhcrc) {
    if (b.size() < p + 2) return HeaderParse::kNeedMore;
    const uint32_t crc = crc32_gzip_refl(0, reinterpret_cast<const unsigned char*>(b.data()), p);
    if ((crc & 0xFFFF) != Le(b.data() + p, 2)) {
      *why = "header CRC-16 mismatch";
      return HeaderParse::kError;
    }
    p += 2;
  }
  h->size = p;
  return HeaderParse::kOk;
}

GzipMemberReader::GzipMemberReader(std::unique_ptr<Source> raw, std::string name,
                                   size_t chunk_bytes, size_t max_frame_bytes)
    : source_(std::move(raw)), name_(std::move(name)),
      chunk_bytes_(std::max<size_t>(chunk_bytes, 1)), max_frame_bytes_(max_frame_bytes),
      state_(new inflate_state) {}

GzipMemberReader::~GzipMemberReader() = default;

Status GzipMemberReader::Fill(size_t need) {
  return FillWindow(*source_, need, &in_, &pos_, &in_base_, &eof_);
}

Status GzipMemberReader::Truncated(uint64_t produced) const {
  return Status::ShardError(name_ + ": truncated gzip stream (ends at offset " +
                            std::to_string(in_base_ + in_.size()) +
                            " inside the member at offset " + std::to_string(member_start_) +
                            ", after " + std::to_string(out_total_ + produced) +
                            " uncompressed bytes)");
}

Status GzipMemberReader::Header(GzipHeader* h) {
  member_start_ = in_base_ + pos_;
  for (size_t need = 10;;) {
    if (Status st = Fill(need); !st.ok()) return st;
    std::string why;
    const HeaderParse r = ParseGzipHeader(std::string_view(in_).substr(pos_), h, &why);
    if (r == HeaderParse::kOk) return Status::Ok();
    if (r == HeaderParse::kError) {
      if (why.rfind("no gzip magic", 0) == 0) {
        return Status::ShardError(name_ + ": the bytes after the gzip member ending at offset " +
                                  std::to_string(member_start_) +
                                  " are not another gzip member (they start with " +
                                  Hex(std::string_view(in_).substr(pos_), 4) + ")");
      }
      return Status::ShardError(name_ + ": invalid gzip header in the member at offset " +
                                std::to_string(member_start_) + ": " + why);
    }
    if (eof_) return Truncated(0);
    need = 2 * (in_.size() - pos_);
  }
}

bool GzipMemberReader::Usable(const GzipHeader& h, uint64_t* decoded) {
  if (!h.sized || h.member_size < h.size + 8 || h.member_size < kMinMember) return false;
  // A member this reader would not hand out anyway is not read ahead for.
  if (h.own ? h.decoded_size > max_frame_bytes_ ||
                  h.member_size > h.decoded_size + h.decoded_size / 8 + (size_t{64} << 10) +
                                      h.size
            : h.member_size > kIsizeExactUpTo) {
    return false;
  }
  const size_t need = h.member_size + 2;
  if (Fill(need).ok() == false) return false;  // the streaming inflater meets the error again
  const size_t avail = in_.size() - pos_;
  if (avail < h.member_size) return false;  // cut short: the inflater says where
  const char* end = in_.data() + pos_ + h.member_size;
  if (avail > h.member_size &&
      (avail < need || std::memcmp(end, "\x1F\x8B", 2) != 0)) {
    return false;  // the claimed end is not where another member starts
  }
  *decoded = h.own ? h.decoded_size : Le(end - 4, 4);
  return *decoded <= max_frame_bytes_;
}

Status GzipMemberReader::Next(std::string* raw, std::string* data, size_t headroom,
                              FrameChunk* chunk) {
  *chunk = FrameChunk();
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
    if (Status st = Fill(1); !st.ok()) return st;
    if (pos_ == in_.size()) {
      if (!raw->empty()) return frames_chunk();
      chunk->end = true;
      return Status::Ok();
    }
    GzipHeader h;
    if (Status st = Header(&h); !st.ok()) {
      if (!raw->empty()) return frames_chunk();  // the error comes again with the next call
      return st;
    }
    uint64_t decoded = 0;
    if (!Usable(h, &decoded)) {
      if (!raw->empty()) return frames_chunk();  // the member starts the next chunk
      return Stream(data, headroom, chunk);
    }
    if (!raw->empty() && out + decoded > chunk_bytes_) return frames_chunk();
    if (raw->empty()) chunk->raw_offset = in_base_ + pos_;
    raw->append(in_, pos_, h.member_size);
    pos_ += h.member_size;
    out += decoded;
    out_total_ += decoded;
    if (out >= chunk_bytes_) return frames_chunk();
  }
}

Status GzipMemberReader::Stream(std::string* data, size_t headroom, FrameChunk* chunk) {
  SizePadded(data, headroom + chunk_bytes_);
  char* const dst = data->data() + headroom;
  size_t out = 0;
  inflate_state& st = *state_;
  while (out < chunk_bytes_) {
    if (!streaming_) {  // between members: inflate the next one here too, if it says nothing
      if (Status s = Fill(1); !s.ok()) return s;
      if (pos_ == in_.size()) break;  // the stream's end
      GzipHeader h;
      if (Status s = Header(&h); !s.ok()) return s;
      uint64_t decoded = 0;
      if (out > 0 && Usable(h, &decoded)) break;  // handed out whole, by Next
      pos_ += h.size;
      isal_inflate_init(&st);
      st.crc_flag = ISAL_GZIP_NO_HDR_VER;  // inflate, then check the CRC-32 and ISIZE trailer
      streaming_ = true;
    }
    if (pos_ == in_.size() && !eof_) {
      if (Status s = Fill(1); !s.ok()) return s;
    }
    // At the end of the input the call still runs: the decoder may hold output it could not
    // write before.
    const size_t in_avail = std::min(in_.size() - pos_, kStep);
    const size_t out_avail = std::min(chunk_bytes_ - out, kStep);
    st.next_in = reinterpret_cast<uint8_t*>(in_.data() + pos_);
    st.avail_in = static_cast<uint32_t>(in_avail);
    st.next_out = reinterpret_cast<uint8_t*>(dst + out);
    st.avail_out = static_cast<uint32_t>(out_avail);
    const int ret = isal_inflate(&st);
    const size_t consumed = in_avail - st.avail_in, produced = out_avail - st.avail_out;
    pos_ += consumed;
    out += produced;
    if (ret != ISAL_DECOMP_OK) {
      return Status::ShardError(name_ + ": corrupt gzip data in the member at offset " +
                                std::to_string(member_start_) + " (after " +
                                std::to_string(out_total_ + out) +
                                " uncompressed bytes): " + InflateError(ret));
    }
    if (st.block_state == ISAL_BLOCK_FINISH) {  // the member and its trailer checked out
      streaming_ = false;
      continue;
    }
    if (consumed == 0 && produced == 0) {
      if (eof_ && pos_ == in_.size()) return Truncated(out);
      // ISA-L takes all the input it is given (into its own buffers if need be); a call that
      // takes none and gives nothing would loop forever.
      if (pos_ < in_.size()) {
        return Status::ShardError(name_ + ": gzip decoder stalled in the member at offset " +
                                  std::to_string(member_start_));
      }
    }
  }
  data->resize(headroom + out);
  chunk->out_size = out;
  out_total_ += out;
  return Status::Ok();
}

Status GzipMemberReader::Decode(FrameDecoder& decoder, std::string_view raw,
                                const FrameChunk& chunk, size_t headroom,
                                std::string* data) const {
  SizePadded(data, headroom + chunk.out_size);
  char* const dst = data->data() + headroom;
  inflate_state& st = *decoder.inflate();
  size_t in = 0, out = 0;
  while (in < raw.size()) {
    const std::string_view member = raw.substr(in);
    const uint64_t at = chunk.raw_offset + in;
    auto fail = [&](const std::string& why) {
      return Status::ShardError(name_ + ": corrupt gzip data in the member at offset " +
                                std::to_string(at) + " (after " +
                                std::to_string(chunk.out_offset + out) +
                                " uncompressed bytes): " + why);
    };
    GzipHeader h;
    std::string why;
    // The reader parsed it whole before handing it out; the bytes are the same.
    if (ParseGzipHeader(member, &h, &why) != HeaderParse::kOk || !h.sized ||
        h.member_size > member.size()) {
      return fail("its header no longer parses");
    }
    const uint64_t decoded =
        h.own ? h.decoded_size : Le(member.data() + h.member_size - 4, 4);
    if (decoded > chunk.out_size - out) return fail("its decoded size overruns its chunk");
    isal_inflate_init(&st);
    st.crc_flag = ISAL_GZIP_NO_HDR_VER;
    // Members handed out whole are at most max_frame_bytes (decoded) and a bounded size
    // (compressed), far below ISA-L's 32-bit counters.
    st.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(member.data() + h.size));
    st.avail_in = static_cast<uint32_t>(h.member_size - h.size);
    st.next_out = reinterpret_cast<uint8_t*>(dst + out);
    st.avail_out = static_cast<uint32_t>(decoded);
    int ret = isal_inflate(&st);
    size_t produced = decoded - st.avail_out;
    if (ret == ISAL_DECOMP_OK && st.block_state != ISAL_BLOCK_FINISH && st.avail_out == 0) {
      // The output is full; the end of the deflate data and the trailer may be still to read.
      // Any byte more is a member longer than its header said.
      char spare[8];
      st.next_out = reinterpret_cast<uint8_t*>(spare);
      st.avail_out = sizeof spare;
      ret = isal_inflate(&st);
      produced += sizeof spare - st.avail_out;
    }
    if (ret != ISAL_DECOMP_OK) {
      out += std::min<size_t>(produced, decoded);
      return fail(InflateError(ret));
    }
    if (st.block_state != ISAL_BLOCK_FINISH || st.avail_in != 0 || produced != decoded) {
      return fail("it does not end where the size field in its header (" +
                  std::string(h.own ? "'BS'" : "BGZF 'BC'") + ": " +
                  std::to_string(h.member_size) + " bytes" +
                  (h.own ? ", " + std::to_string(decoded) + " decoded" : std::string()) +
                  ") says");
    }
    in += h.member_size;
    out += decoded;
  }
  if (out != chunk.out_size) {
    return Status::ShardError(name_ + ": corrupt gzip data in the members at offset " +
                              std::to_string(chunk.raw_offset) +
                              ": they decode to fewer bytes than their sizes say");
  }
  return Status::Ok();
}

}  // namespace boilerstrip::io
