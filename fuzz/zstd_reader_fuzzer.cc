// Fuzzes the input reader (io::OpenSource on standard input: format sniffing, streaming zstd
// decompression, truncation and corruption detection). The input bytes are served as stdin
// through a memfd. Properties, with one-shot libzstd as the judge:
//   - bytes of no compressed format come back unchanged; those of a format not supported are
//     refused at once by name;
//   - a stream of whole valid frames decompresses to exactly what one-shot decoding gives;
//   - anything else (truncated, corrupt, trailing garbage) is a shard error naming the input,
//     never a crash or a silent short read.
#include <zstd.h>
#include <zstd_errors.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "stdin_source.h"
#include "io/io.h"

namespace bs = boilerstrip;

namespace {

constexpr size_t kMaxOutput = size_t{8} << 20;

enum class Judge { kValid, kInvalid, kTooBig };

// Decodes the whole input with one streaming call per output buffer, all input given at once:
// the same decoder as the reader, without its buffering, sniffing and end-of-input logic (the
// parts under test). One-shot ZSTD_decompress is no judge: it accepts blocks larger than the
// frame's window, which the streaming decoder (and the format spec) rejects.
Judge Reference(std::string_view in, std::string* out) {
  static ZSTD_DCtx* dctx = ZSTD_createDCtx();
  static std::string buf(kMaxOutput, '\0');
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters);
  ZSTD_inBuffer zin{in.data(), in.size(), 0};
  size_t ret = 0;
  while (true) {
    ZSTD_outBuffer zout{buf.data(), kMaxOutput - out->size(), 0};
    ret = ZSTD_decompressStream(dctx, &zout, &zin);
    if (ZSTD_isError(ret)) return Judge::kInvalid;
    out->append(buf.data(), zout.pos);
    if (out->size() >= kMaxOutput) return Judge::kTooBig;
    if (zout.pos < zout.size && zin.pos == zin.size) break;  // drained, all input used
  }
  return ret == 0 ? Judge::kValid : Judge::kInvalid;  // ret != 0: input ends inside a frame
}

// The same decoder fed one byte at a time. libzstd 1.5's streaming decoder checks a frame's
// declared content size only on some buffering paths: a checksum-less frame that declares more
// bytes than it holds is rejected when given whole but accepted byte by byte. When the two
// judges disagree, the reader may side with either.
bool AcceptedBytewise(std::string_view in) {
  static ZSTD_DCtx* dctx = ZSTD_createDCtx();
  static std::string buf(kMaxOutput, '\0');
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters);
  size_t ret = 0, total = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    ZSTD_inBuffer zin{in.data() + i, 1, 0};
    while (zin.pos < zin.size) {
      ZSTD_outBuffer zout{buf.data(), buf.size(), 0};
      ret = ZSTD_decompressStream(dctx, &zout, &zin);
      if (ZSTD_isError(ret)) return false;
      total += zout.pos;
      if (total >= kMaxOutput) return false;
    }
  }
  return ret == 0;
}

// Structured inputs reach deep into the decoder: when the first byte is 'Z', the rest is
// compressed as 1-4 frames (with or without checksums), then optionally cut short and/or has
// one byte flipped, at positions taken from the input. Other inputs are used as they are.
//   'Z' FRAMES FLAGS CUT_HI CUT_LO FLIP_HI FLIP_LO PAYLOAD...
std::string Shape(std::string_view in) {
  if (in.size() < 7 || in[0] != 'Z') return std::string(in);
  static ZSTD_CCtx* cctx = ZSTD_createCCtx();
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(in[i]); };
  const size_t frames = byte(1) % 4 + 1;
  const bool checksum = byte(2) & 1, cut = byte(2) & 2, flip = byte(2) & 4;
  const size_t cut_at = byte(3) << 8 | byte(4), flip_at = byte(5) << 8 | byte(6);
  std::string_view payload = in.substr(7);
  std::string out;
  for (size_t f = 0; f < frames; ++f) {
    std::string_view piece = payload.substr(payload.size() * f / frames,
                                            payload.size() * (f + 1) / frames -
                                                payload.size() * f / frames);
    ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum ? 1 : 0);
    std::string z(ZSTD_compressBound(piece.size()), '\0');
    size_t n = ZSTD_compress2(cctx, z.data(), z.size(), piece.data(), piece.size());
    FUZZ_CHECK(!ZSTD_isError(n));
    out.append(z.data(), n);
  }
  if (flip && !out.empty()) out[flip_at % out.size()] ^= 0x5A;
  if (cut && !out.empty()) out.resize(cut_at % out.size());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 20)) return 0;
  const std::string shaped = Shape(std::string_view(reinterpret_cast<const char*>(data), size));
  std::string_view input = shaped;
  size = input.size();
  // ZSTD_FUZZ_DUMP=FILE: the bytes actually served as stdin, for debugging a crasher.
  const bs::fuzz::StdinRead r = bs::fuzz::ReadThroughStdin(input, kMaxOutput, "ZSTD_FUZZ_DUMP");
  if (!r.opened) return 0;

  // A zstd frame or a skippable frame (which libzstd reads past).
  const bool magic =
      size >= 4 && (std::memcmp(input.data(), "\x28\xB5\x2F\xFD", 4) == 0 ||
                    ((static_cast<unsigned char>(input[0]) & 0xF0) == 0x50 &&
                     std::memcmp(input.data() + 1, "\x2A\x4D\x18", 3) == 0));
  FUZZ_CHECK((r.format == bs::io::Format::kZstd) == magic);
  if (r.format == bs::io::Format::kGzip) return 0;  // gzip is read by another source
  if (!magic) {
    FUZZ_CHECK(r.read_ok);
    FUZZ_CHECK(r.got == input);
    return 0;
  }
  std::string want;
  Judge judge = Reference(input, &want);
  if (judge == Judge::kTooBig || r.got.size() > kMaxOutput) return 0;
  if (judge == Judge::kValid) {
    FUZZ_CHECK(r.read_ok);
    FUZZ_CHECK(r.got == want);
  } else if (r.read_ok) {
    FUZZ_CHECK(AcceptedBytewise(input));
  }
  return 0;
}
