// Line splitting, blank test, normalization and hashing: the per-line hot path.
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

// Appends one space unless the output is empty or already ends in one (collapsing runs).
inline void PutSpace(std::string* out) {
  if (!out->empty() && out->back() != ' ') out->push_back(' ');
}

inline void Put2(std::string* out, unsigned char a, unsigned char b) {
  out->push_back(static_cast<char>(a));
  out->push_back(static_cast<char>(b));
}

}  // namespace

void NormalizeLine(std::string_view line, std::string* out) {
  out->clear();
  const auto* s = reinterpret_cast<const unsigned char*>(line.data());
  const size_t n = line.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n') {
        PutSpace(out);
      } else {
        out->push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
      }
      ++i;
      continue;
    }
    unsigned char c1 = i + 1 < n ? s[i + 1] : 0;
    unsigned char c2 = i + 2 < n ? s[i + 2] : 0;
    if (c == 0xC2 && c1 == 0xA0) {  // NBSP
      PutSpace(out);
      i += 2;
    } else if (c == 0xC3 && c1 >= 0x80 && c1 <= 0x9E && c1 != 0x97) {  // Latin-1 upper
      Put2(out, 0xC3, c1 + 0x20);
      i += 2;
    } else if (c == 0xCE && c1 >= 0x91 && c1 <= 0xA9 && c1 != 0xA2) {  // Greek upper
      unsigned cp = 0x380 + (c1 - 0x80) + 0x20;  // U+0391.. → U+03B1..
      Put2(out, 0xC0 | (cp >> 6), 0x80 | (cp & 0x3F));
      i += 2;
    } else if (c == 0xD0 && c1 >= 0x80 && c1 <= 0xAF) {  // Cyrillic upper U+0400..U+042F
      unsigned cp = 0x400 + (c1 - 0x80);
      cp += cp < 0x410 ? 0x50 : 0x20;
      Put2(out, 0xC0 | (cp >> 6), 0x80 | (cp & 0x3F));
      i += 2;
    } else if (c == 0xCA && c1 == 0xBC) {  // ʼ modifier apostrophe
      out->push_back('\'');
      i += 2;
    } else if (c == 0xE2 && c1 == 0x80 && c2 != 0) {
      if (c2 >= 0x98 && c2 <= 0x9B) {  // ‘ ’ ‚ ‛
        out->push_back('\'');
      } else if (c2 >= 0x9C && c2 <= 0x9F) {  // “ ” „ ‟
        out->push_back('"');
      } else if (c2 >= 0x90 && c2 <= 0x95) {  // hyphen .. horizontal bar
        out->push_back('-');
      } else if ((c2 >= 0x80 && c2 <= 0x8A) || c2 == 0xAF || c2 == 0xA8 || c2 == 0xA9) {
        PutSpace(out);  // en/em/thin spaces, narrow NBSP, line/paragraph separators
      } else if (c2 == 0x8B) {
        // zero-width space: nothing
      } else if (c2 == 0xB2) {
        out->push_back('\'');  // prime
      } else if (c2 == 0xB3) {
        out->push_back('"');  // double prime
      } else {
        out->append(reinterpret_cast<const char*>(s + i), 3);
      }
      i += 3;
    } else if (c == 0xE2 && c1 == 0x88 && c2 == 0x92) {  // minus sign
      out->push_back('-');
      i += 3;
    } else if ((c == 0xE2 && c1 == 0x81 && c2 == 0x9F) || (c == 0xE3 && c1 == 0x80 && c2 == 0x80)) {
      PutSpace(out);  // medium mathematical space, ideographic space
      i += 3;
    } else {
      out->push_back(static_cast<char>(c));
      ++i;
    }
  }
  if (!out->empty() && out->back() == ' ') out->pop_back();
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
