// Line splitting, blank test, normalization and hashing: the per-line hot path.
#include <algorithm>
#include <bit>
#include <cstring>

#include "boilerstrip/text.h"

namespace boilerstrip {

void SplitLines(std::string_view text, std::vector<Line>* lines) {
  lines->clear();
  const char* base = text.data();
  const char* p = base;
  const char* end = base + text.size();
  while (true) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* line_end = nl != nullptr ? nl : end;
    const char* content_end = line_end;
    if (nl != nullptr && content_end > p && content_end[-1] == '\r') --content_end;
    Line line;
    line.begin = static_cast<uint32_t>(p - base);
    line.end = static_cast<uint32_t>(content_end - base);
    line.next = static_cast<uint32_t>((nl != nullptr ? nl + 1 : end) - base);
    line.blank = IsBlank(std::string_view(p, content_end - p));
    lines->push_back(line);
    if (nl == nullptr) break;
    p = nl + 1;
  }
}

bool IsBlank(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') continue;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) {
      ++i;
      continue;
    }
    return false;
  }
  return true;
}

namespace {

// Normalized form of each ASCII byte: lower-cased letters, the byte itself otherwise, and
// kSpace for the whitespace that collapses into one space.
constexpr unsigned char kSpace = 0x80;
struct AsciiTable {
  unsigned char map[128];
  constexpr AsciiTable() : map() {
    for (int c = 0; c < 128; ++c) {
      map[c] = static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    for (char c : {' ', '\t', '\r', '\v', '\f', '\n'}) map[static_cast<unsigned char>(c)] = kSpace;
  }
};
constexpr AsciiTable kAscii;

}  // namespace

// The hottest loop of duplicate detection. Writes through a raw pointer into *out sized to the
// line up front (no mapping lengthens its input: every space written stands for a whitespace
// byte consumed), and copies runs of plain ASCII sixteen bytes at a time.
void NormalizeLine(std::string_view line, std::string* out) {
  out->resize(line.size());
  const auto* s = reinterpret_cast<const unsigned char*>(line.data());
  const size_t n = line.size();
  char* const o0 = out->data();
  char* o = o0;
  // One space, unless the output is empty or already ends in one (collapsing runs).
  auto space = [&] {
    if (o != o0 && o[-1] != ' ') *o++ = ' ';
  };
  auto put = [&](unsigned char b) { *o++ = static_cast<char>(b); };
  typedef unsigned char V16 __attribute__((vector_size(16)));
  static_assert(std::endian::native == std::endian::little, "lane k is byte k of the words");
  size_t i = 0;
  while (i < n) {
    // Sixteen bytes at a time (GCC vector extensions: SSE2 on x86-64, NEON on arm64): the plain
    // ASCII before the first byte that needs more (a control, non-ASCII, the first of two
    // spaces, or a space the output would drop) is lower-cased in the vector and kept; that
    // byte goes to the scalar code below. The vector store may run past the kept bytes, never
    // past the input consumed so far plus 16, which the output's size covers.
    while (i + 17 <= n) {
      V16 a, b;
      std::memcpy(&a, s + i, 16);
      std::memcpy(&b, s + i + 1, 16);
      const auto stop = (a < 0x20) | (a >= 0x80) | ((a == ' ') & (b == ' '));
      uint64_t words[2];
      std::memcpy(words, &stop, sizeof words);
      size_t keep = words[0] != 0   ? static_cast<size_t>(__builtin_ctzll(words[0])) / 8
                    : words[1] != 0 ? 8 + static_cast<size_t>(__builtin_ctzll(words[1])) / 8
                                    : 16;
      if (s[i] == ' ' && (o == o0 || o[-1] == ' ')) keep = 0;
      const V16 upper = reinterpret_cast<V16>((a >= 'A') & (a <= 'Z'));
      a |= upper & static_cast<unsigned char>(0x20);
      std::memcpy(o, &a, 16);
      o += keep;
      i += keep;
      if (keep < 16) break;
    }
    if (i >= n) break;
    unsigned char c = s[i];
    if (c < 0x80) {
      unsigned char m = kAscii.map[c];
      if (m == kSpace) {
        space();
      } else {
        put(m);
      }
      ++i;
      continue;
    }
    unsigned char c1 = i + 1 < n ? s[i + 1] : 0;
    unsigned char c2 = i + 2 < n ? s[i + 2] : 0;
    if (c == 0xC2 && c1 == 0xA0) {  // NBSP
      space();
      i += 2;
    } else if (c == 0xC3 && c1 >= 0x80 && c1 <= 0x9E && c1 != 0x97) {  // Latin-1 upper
      put(0xC3);
      put(c1 + 0x20);
      i += 2;
    } else if (c == 0xCE && c1 >= 0x91 && c1 <= 0xA9 && c1 != 0xA2) {  // Greek upper
      unsigned cp = 0x380 + (c1 - 0x80) + 0x20;  // U+0391.. → U+03B1..
      put(0xC0 | (cp >> 6));
      put(0x80 | (cp & 0x3F));
      i += 2;
    } else if (c == 0xD0 && c1 >= 0x80 && c1 <= 0xAF) {  // Cyrillic upper U+0400..U+042F
      unsigned cp = 0x400 + (c1 - 0x80);
      cp += cp < 0x410 ? 0x50 : 0x20;
      put(0xC0 | (cp >> 6));
      put(0x80 | (cp & 0x3F));
      i += 2;
    } else if (c == 0xCA && c1 == 0xBC) {  // ʼ modifier apostrophe
      put('\'');
      i += 2;
    } else if (c == 0xE2 && c1 == 0x80 && c2 != 0) {
      if (c2 >= 0x98 && c2 <= 0x9B) {  // ‘ ’ ‚ ‛
        put('\'');
      } else if (c2 >= 0x9C && c2 <= 0x9F) {  // “ ” „ ‟
        put('"');
      } else if (c2 >= 0x90 && c2 <= 0x95) {  // hyphen .. horizontal bar
        put('-');
      } else if ((c2 >= 0x80 && c2 <= 0x8A) || c2 == 0xAF || c2 == 0xA8 || c2 == 0xA9) {
        space();  // en/em/thin spaces, narrow NBSP, line/paragraph separators
      } else if (c2 == 0x8B) {
        // zero-width space: nothing
      } else if (c2 == 0xB2) {
        put('\'');  // prime
      } else if (c2 == 0xB3) {
        put('"');  // double prime
      } else {
        put(c);
        put(c1);
        put(c2);
      }
      i += 3;
    } else if (c == 0xE2 && c1 == 0x88 && c2 == 0x92) {  // minus sign
      put('-');
      i += 3;
    } else if ((c == 0xE2 && c1 == 0x81 && c2 == 0x9F) || (c == 0xE3 && c1 == 0x80 && c2 == 0x80)) {
      space();  // medium mathematical space, ideographic space
      i += 3;
    } else {
      put(c);
      ++i;
    }
  }
  if (o != o0 && o[-1] == ' ') --o;
  out->resize(static_cast<size_t>(o - o0));
}

size_t CountCodePoints(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t count = 0, i = 0;
  // 16 bytes at a time: as signed bytes, continuation bytes are -128..-65. Each lane of `acc`
  // counts up to 255 before it is added up (unsigned: the counts wrap, never overflow).
  typedef signed char S16 __attribute__((vector_size(16)));
  typedef unsigned char U16 __attribute__((vector_size(16)));
  while (i + 16 <= n) {
    U16 acc = {};
    const size_t stop = i + std::min<size_t>((n - i) / 16, 255) * 16;
    for (; i < stop; i += 16) {
      S16 v;
      std::memcpy(&v, p + i, 16);
      acc -= (U16)(v > -65);  // 0xFF in each lane that starts a code point: adds one
    }
    for (int k = 0; k < 16; ++k) count += acc[k];
  }
  for (; i < n; ++i) count += (p[i] & 0xC0) != 0x80;
  return count;
}

uint64_t HashBytes(std::string_view s) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  constexpr uint64_t kMul2 = 0xC2B2AE3D27D4EB4Full;
  uint64_t h = 0x243F6A8885A308D3ull ^ (s.size() * kMul2);
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ (w * kMul2)) * kMul;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ (w * kMul2)) * kMul;
  }
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace boilerstrip
