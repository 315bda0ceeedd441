// Fuzzes the gzip input readers: io::OpenSource on standard input (sniffing, ISA-L inflate of
// one member after another, header fields, trailers, truncation and trailing bytes), and the
// member reader the pipeline uses (io::GzipMemberReader: members whose header gives their size
// handed out whole and inflated as a chunk, the others inflated by the reader), with small
// chunks so that a stream makes many. The input bytes are served as stdin through a memfd.
// Properties, with zlib (another implementation of RFC 1951/1952) as the judge, for both:
//   - bytes that start with the gzip magic (1F 8B) are read as gzip; others are not;
//   - a stream of whole valid members (any header fields, empty members, `cat a.gz b.gz`)
//     decodes to exactly what zlib decodes, member after member (the member reader may instead
//     refuse, by name, a size field in a header that zlib ignores and that lies about where
//     its member ends — never misread it);
//   - anything else (truncated, corrupt, a bad header or trailer CRC, trailing bytes that are
//     no member) is a shard error naming the input, never a crash or a silent short read.
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "stdin_source.h"
#include "io/codec.h"
#include "io/frames.h"
#include "io/gzip_members.h"
#include "io/io.h"

namespace bs = boilerstrip;

namespace {

constexpr size_t kMaxOutput = size_t{8} << 20;

enum class Judge { kValid, kInvalid, kTooBig };

// zlib's reading of `in` as gzip members one after another, each checked whole (header CRC
// when present, reserved flags, CRC-32 and length trailer); bytes after a member that do not
// start another are invalid, like a member cut short.
Judge Reference(std::string_view in, std::string* out) {
  static std::string buf(size_t{1} << 16, '\0');
  z_stream zs{};
  FUZZ_CHECK(inflateInit2(&zs, 16 + MAX_WBITS) == Z_OK);
  size_t pos = 0;
  Judge judge = Judge::kValid;
  while (pos < in.size() && judge == Judge::kValid) {
    FUZZ_CHECK(inflateReset(&zs) == Z_OK);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + pos));
    zs.avail_in = static_cast<uInt>(in.size() - pos);
    int ret = Z_OK;
    while (ret == Z_OK) {
      zs.next_out = reinterpret_cast<Bytef*>(buf.data());
      zs.avail_out = static_cast<uInt>(buf.size());
      ret = inflate(&zs, Z_NO_FLUSH);
      out->append(buf.data(), buf.size() - zs.avail_out);
      if (out->size() >= kMaxOutput) {
        judge = Judge::kTooBig;
        break;
      }
      // Z_BUF_ERROR: no progress possible, all input used inside the member (cut short).
    }
    if (judge != Judge::kValid) break;
    if (ret != Z_STREAM_END) judge = Judge::kInvalid;
    pos = in.size() - zs.avail_in;
  }
  inflateEnd(&zs);
  return judge;
}

// Structured inputs reach deep into the reader: when the first byte is 'G', the rest is
// compressed by zlib as 1-4 members at a level from the input, with header fields (name,
// comment, extra, header CRC) and an empty member in front as the flags say, then optionally
// cut short and/or has one byte flipped, at positions taken from the input. Other inputs are
// used as they are.
//   'G' MEMBERS FLAGS CUT_HI CUT_LO FLIP_HI FLIP_LO PAYLOAD...
//   MEMBERS: bits 0-1 members - 1, bits 2-5 level % 10; FLAGS: 1 hcrc, 2 cut, 4 flip,
//   8 name, 16 comment, 32 extra (a BGZF 'BC' subfield with a size that is wrong), 64 an empty
//   member first, 128 boilerstrip's 'BS' subfield with the member's true sizes (no header CRC)
std::string Shape(std::string_view in) {
  if (in.size() < 7 || in[0] != 'G') return std::string(in);
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(in[i]); };
  const size_t members = byte(1) % 4 + 1;
  const int level = (byte(1) >> 2) % 10;
  const unsigned flags = byte(2);
  const size_t cut_at = byte(3) << 8 | byte(4), flip_at = byte(5) << 8 | byte(6);
  std::string_view payload = in.substr(7);
  auto member = [&](std::string_view data) {
    z_stream zs{};
    FUZZ_CHECK(deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) ==
               Z_OK);
    static char name[] = "part.jsonl";
    static char comment[] = "written by the fuzzer";
    static unsigned char extra[] = {'B', 'C', 2, 0, 0x12, 0x34};
    gz_header header{};
    header.os = 3;
    header.hcrc = (flags & 1) != 0 && (flags & 128) == 0;
    if (flags & 8) header.name = reinterpret_cast<Bytef*>(name);
    if (flags & 16) header.comment = reinterpret_cast<Bytef*>(comment);
    unsigned char sizes[20] = {'B', 'S', 16, 0};
    if (flags & 128) {
      header.extra = sizes;
      header.extra_len = sizeof sizes;
    } else if (flags & 32) {
      header.extra = extra;
      header.extra_len = sizeof extra;
    }
    FUZZ_CHECK(deflateSetHeader(&zs, &header) == Z_OK);
    std::string z(deflateBound(&zs, data.size()) + 256, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(z.data());
    zs.avail_out = static_cast<uInt>(z.size());
    FUZZ_CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    z.resize(z.size() - zs.avail_out);
    deflateEnd(&zs);
    if (flags & 128) {  // the subfield is the header's first optional field: at 12
      for (int i = 0; i < 8; ++i) {
        z[16 + i] = static_cast<char>(static_cast<uint64_t>(z.size()) >> (8 * i));
        z[24 + i] = static_cast<char>(static_cast<uint64_t>(data.size()) >> (8 * i));
      }
    }
    return z;
  };
  std::string out;
  if (flags & 64) out += member("");
  for (size_t m = 0; m < members; ++m) {
    out += member(payload.substr(payload.size() * m / members,
                                 payload.size() * (m + 1) / members -
                                     payload.size() * m / members));
  }
  if ((flags & 4) && !out.empty()) out[flip_at % out.size()] ^= 0x5A;
  if ((flags & 2) && !out.empty()) out.resize(cut_at % out.size());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 20)) return 0;
  const std::string shaped = Shape(std::string_view(reinterpret_cast<const char*>(data), size));
  std::string_view input = shaped;
  size = input.size();
  // GZIP_FUZZ_DUMP=FILE: the bytes actually served as stdin, for debugging a crasher.
  const bs::fuzz::StdinRead r = bs::fuzz::ReadThroughStdin(input, kMaxOutput, "GZIP_FUZZ_DUMP");
  const std::string& got = r.got;
  const bool read_ok = r.read_ok;
  const bs::io::Format format = r.format;
  const bool opened = r.opened;

  // Again through the member reader, as the pipeline reads a gzip shard (the members handed
  // out decoded here, one chunk after another).
  std::string members;
  bool members_ok = true;
  std::string members_error;
  if (opened && format == bs::io::Format::kGzip) {
    bs::fuzz::ServeAsStdin serve(input);
    bool undecoded = false;
    auto src = bs::io::OpenSourceUndecoded("-", nullptr, &undecoded);
    FUZZ_CHECK(src.ok() && undecoded);
    bs::io::GzipMemberReader reader(std::move(src.value()), "<stdin>", 3000, 6000);
    bs::io::FrameDecoder decoder;
    std::string raw, data;
    constexpr size_t kHeadroom = 16;
    while (members.size() <= kMaxOutput) {
      bs::io::FrameChunk chunk;
      bs::Status st = reader.Next(&raw, &data, kHeadroom, &chunk);
      if (st.ok() && chunk.end) break;
      if (st.ok() && chunk.frames) st = reader.Decode(decoder, raw, chunk, kHeadroom, &data);
      if (!st.ok()) {
        members_ok = false;
        members_error = st.message();
        FUZZ_CHECK(st.scope() == bs::ErrorScope::kShard);
        FUZZ_CHECK(members_error.rfind("<stdin>: ", 0) == 0);
        break;
      }
      FUZZ_CHECK(chunk.out_offset == members.size());
      FUZZ_CHECK(data.size() == kHeadroom + chunk.out_size);
      members.append(data, kHeadroom, chunk.out_size);
      FUZZ_CHECK(reader.raw_offset() <= size);
    }
  }

  const bool magic = size >= 2 && std::memcmp(input.data(), "\x1F\x8B", 2) == 0;
  FUZZ_CHECK(!opened || (format == bs::io::Format::kGzip) == magic);
  if (!opened || !magic) return 0;  // other formats: the zstd reader's fuzzer
  std::string want;
  const Judge judge = Reference(input, &want);
  if (judge == Judge::kTooBig || got.size() > kMaxOutput) return 0;
  if (judge == Judge::kValid) {
    FUZZ_CHECK(read_ok);
    FUZZ_CHECK(got == want);
  } else {
    FUZZ_CHECK(!read_ok);
    // What was read before the error is what zlib read before it (a prefix of the stream).
    FUZZ_CHECK(want.compare(0, got.size(), got) == 0 || got.size() > want.size());
  }
  if (members.size() > kMaxOutput) return 0;
  if (judge == Judge::kValid && members_ok) {
    FUZZ_CHECK(members == want);
  } else if (judge == Judge::kValid) {
    FUZZ_CHECK(members_error.find("it does not end where the size field in its header") !=
               std::string::npos);
  } else {
    FUZZ_CHECK(!members_ok);
  }
  // Whatever was handed out before an error (or a refusal) is what zlib read.
  FUZZ_CHECK(want.compare(0, members.size(), members) == 0 || members.size() > want.size());
  return 0;
}
