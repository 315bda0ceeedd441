// The line model (DESIGN.md) and the normalized form of a line used for duplicate detection.
#ifndef BOILERSTRIP_TEXT_H_
#define BOILERSTRIP_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace boilerstrip {

// One line of a text: bytes [begin, end) exclude the '\n' and a '\r' before it.
// `next` is where the following line starts (end of text for the last line).
struct Line {
  uint32_t begin;
  uint32_t end;
  uint32_t next;
  bool blank;  // only ASCII whitespace or NBSP
};

// Splits `text` at '\n' into *lines (cleared first). A text of n '\n' has n + 1 lines; the empty
// text has one empty, blank line. REQUIRES: text.size() < 4 GiB.
void SplitLines(std::string_view text, std::vector<Line>* lines);

// True when `s` holds only spaces, tabs, \r, \v, \f or U+00A0.
bool IsBlank(std::string_view s);

// Writes the normalized form of `line` to *out (cleared first): ’ ‘ ‚ ′ → ', “ ” „ ″ → ",
// Unicode dashes and minus → -, NBSP and other Unicode spaces → space, runs of whitespace → one
// space, no leading or trailing space, zero-width space removed, letters lower-cased (ASCII,
// Latin-1, basic Greek and Cyrillic). Other bytes are copied as they are.
void NormalizeLine(std::string_view line, std::string* out);

// The code points of UTF-8 `s`: its bytes that are no continuation byte (10xxxxxx).
size_t CountCodePoints(std::string_view s);

// A 64-bit hash of a byte string (not cryptographic; stable across runs and machines).
uint64_t HashBytes(std::string_view s);

}  // namespace boilerstrip

#endif  // BOILERSTRIP_TEXT_H_
