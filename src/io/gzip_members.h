// gzip streams cut into their members, so that the members of one shard inflate in parallel.
//
// A gzip member is an independent stream, but where it ends is written nowhere in plain gzip:
// it is known only once its deflate data has been inflated. Two kinds of member say it in their
// header, in an FEXTRA subfield, which readers that do not know it skip (RFC 1952, 2.3.1.1):
//   - BGZF (samtools, htslib): subfield 'B','C', 2 bytes: the member's size - 1 (members of at
//     most 64 KiB). The decoded size is the trailer's ISIZE.
//   - boilerstrip's own output (one member per batch): subfield 'B','S', 16 bytes: the member's
//     size and its decoded size, 64-bit little endian. The writer knows both once the batch is
//     deflated and patches them in; no other reader needs them, and the cost is 20 bytes per
//     member. Carrying the decoded size too means a member is laid out in its chunk before it
//     is inflated, whatever its size (ISIZE is the size modulo 2^32).
// GzipMemberReader, the serial step, hands out such members whole without inflating them, a
// chunk of about chunk_bytes at a time. A size field is trusted only as far as the bytes bear
// it out: the member's bytes must all be there and the claimed end must be the stream's end or
// the start of another member (1F 8B); otherwise, and for members that say nothing (`gzip`,
// `cat a.gz b.gz`, pigz), the reader inflates the member itself, streaming, which is
// authoritative and serial. A member decoded in parallel must end exactly where its size field
// said, with the decoded size it said, and its CRC-32 and ISIZE trailer must match; otherwise
// the shard fails naming the member's offset (a size field that lies about a member whose next
// bytes happen to start with 1F 8B: refused, never misread).
//
// Internal to the library.
#ifndef BOILERSTRIP_SRC_IO_GZIP_MEMBERS_H_
#define BOILERSTRIP_SRC_IO_GZIP_MEMBERS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "boilerstrip/status.h"
#include "io/frames.h"
#include "io/io.h"

namespace boilerstrip::io {

// The header boilerstrip's writer gives each gzip member: the fixed 10 bytes with FEXTRA set,
// XLEN, and the 'B','S' subfield (member size, decoded size; patched by PatchGzipSizes).
constexpr size_t kOwnGzipHeaderSize = 10 + 2 + 4 + 16;

// Writes that header into dst[0, kOwnGzipHeaderSize), sizes zero.
void WriteOwnGzipHeader(char* dst);

// Sets the sizes in a member that starts with WriteOwnGzipHeader's header.
void PatchGzipSizes(char* member, uint64_t member_size, uint64_t decoded_size);

// A gzip member's header, as parsed by ParseGzipHeader.
struct GzipHeader {
  size_t size = 0;              // the header's bytes (the deflate data follows)
  bool sized = false;           // a size subfield ('B','S' or 'B','C') was found
  bool own = false;             // ... boilerstrip's, which gives the decoded size too
  uint64_t member_size = 0;     // the whole member's bytes, when sized
  uint64_t decoded_size = 0;    // when own
};

enum class HeaderParse { kOk, kNeedMore, kError };

// Parses the member header at the start of bytes: magic, method, reserved flags, the optional
// fields (FEXTRA, FNAME, FCOMMENT), and the header CRC-16 when FHCRC is set. kNeedMore when
// `bytes` ends inside the header; kError with *why ("reserved flag bits set (FLG E0)", ...).
HeaderParse ParseGzipHeader(std::string_view bytes, GzipHeader* header, std::string* why);

class GzipMemberReader : public FrameReader {
 public:
  GzipMemberReader(std::unique_ptr<Source> raw, std::string name, size_t chunk_bytes,
                   size_t max_frame_bytes);
  ~GzipMemberReader() override;
  GzipMemberReader(const GzipMemberReader&) = delete;
  GzipMemberReader& operator=(const GzipMemberReader&) = delete;

  Status Next(std::string* raw, std::string* data, size_t headroom, FrameChunk* chunk) override;
  Status Decode(FrameDecoder& decoder, std::string_view raw, const FrameChunk& chunk,
                size_t headroom, std::string* data) const override;
  const std::string& name() const override { return name_; }
  uint64_t raw_offset() const override { return source_->raw_offset(); }

 private:
  // Reads until `need` bytes past pos_ are buffered, or the stream ends.
  Status Fill(size_t need);
  // Parses the header of the member at pos_ (reading more as needed): errors name its offset.
  Status Header(GzipHeader* header);
  // The member at pos_ with header `h`, if it can be handed out whole: its decoded size.
  bool Usable(const GzipHeader& h, uint64_t* decoded);
  // Inflates members from pos_ on (the current one first, if streaming_), until chunk_bytes_
  // are decoded, the stream ends, or a member that can be handed out whole starts.
  Status Stream(std::string* data, size_t headroom, FrameChunk* chunk);
  Status Truncated(uint64_t produced) const;

  std::unique_ptr<Source> source_;
  const std::string name_;
  const size_t chunk_bytes_;
  const size_t max_frame_bytes_;
  std::string in_;          // compressed bytes read, from in_base_
  size_t pos_ = 0;          // the next member (or the streaming inflater's next byte) in in_
  uint64_t in_base_ = 0;    // stream offset of in_[0]
  bool eof_ = false;
  uint64_t out_total_ = 0;  // uncompressed bytes handed out so far
  std::unique_ptr<inflate_state> state_;  // for the members inflated here
  bool streaming_ = false;                // inside a member inflated here
  uint64_t member_start_ = 0;             // stream offset of that member
};

}  // namespace boilerstrip::io

#endif  // BOILERSTRIP_SRC_IO_GZIP_MEMBERS_H_
