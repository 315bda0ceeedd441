// PatternSet: all rules in one Hyperscan block-mode database, scanned over the text with its
// lines' whitespace collapsed (see pattern_set.h).
//
// Rules are compiled with HS_FLAG_MULTILINE and without HS_FLAG_SINGLEMATCH: one scan reports
// every match of every rule, and each match is mapped to the line holding its last byte.
#include "boilerstrip/pattern_set.h"

#include <fcntl.h>
#include <hs/hs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "boilerstrip/text.h"
#include "io/atomic_file.h"

namespace boilerstrip {
namespace {

unsigned HsFlags(const Rule& rule) {
  unsigned flags = HS_FLAG_MULTILINE;
  if (rule.caseless) flags |= HS_FLAG_CASELESS;
  if (rule.utf8) flags |= HS_FLAG_UTF8 | HS_FLAG_UCP;
  return flags;
}

// Collects a match with its end offset in the scanned bytes in Hit::line; Scan maps the offsets
// to lines once the scan is done.
int OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long to,
            unsigned int /*flags*/, void* context) {
  static_cast<std::vector<Hit>*>(context)->push_back(
      {static_cast<uint32_t>(id), static_cast<uint32_t>(to)});
  return 0;
}

// The characters a `\s` stands for in a pattern, on collapsed text: the one space, and with the
// u flag the Unicode spaces that collapsing leaves alone.
constexpr const char* kSpaceAscii = "\\x20";
constexpr const char* kSpaceClassUnicode =
    "\\x20\\x{85}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

// Rewrites a rule's pattern for collapsed lines: outside classes `\s` becomes the space (`\s+`
// one space, `\s*` an optional one; with u, a class of spaces keeping its repeat), `\W` and
// `\D` leave out the line break, and `^` and `$` become the line break itself (the scanned
// buffer starts and ends with one), which Hyperscan folds into the pattern's literals: a
// whole-line "more" is then the literal "\nmore\n", not every "more" in the text checked for
// line ends. Inside classes `\s` becomes its characters; a negated class leaves out the line
// break. \Q...\E is copied as it is.
std::string RewriteForCollapsed(std::string_view p, bool unicode) {
  std::string out;
  out.reserve(p.size() + 16);
  bool in_class = false;
  for (size_t i = 0; i < p.size();) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      const char e = p[i + 1];
      if (e == 'Q') {  // literal text up to \E (or the end)
        size_t close = p.find("\\E", i + 2);
        size_t stop = close == std::string_view::npos ? p.size() : close + 2;
        out.append(p.substr(i, stop - i));
        i = stop;
        continue;
      }
      i += 2;
      if (e == 's' && in_class) {
        out += unicode ? kSpaceClassUnicode : kSpaceAscii;
        // `[\s-z]` is \s, '-' and 'z': the characters written out must not start a range.
        if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
          out += "\\-";
          ++i;
        }
      } else if (e == 's' && unicode) {
        out.append("[").append(kSpaceClassUnicode).append("]");
      } else if (e == 's') {
        out += kSpaceAscii;
        const char q = i < p.size() ? p[i] : '\0';
        if (q == '+' || q == '*') {  // runs are one space long: `\s+` is one, `\s*` at most one
          if (q == '*') out += '?';
          ++i;
          if (i < p.size() && p[i] == '?') ++i;  // lazy: the same
        }
      } else if ((e == 'W' || e == 'D') && !in_class) {
        out.append("[^\\n\\").append(1, static_cast<char>(e + ('a' - 'A'))).append("]");
      } else {
        out += '\\';
        out += e;
      }
      continue;
    }
    ++i;
    if (!in_class && (c == '^' || c == '$')) {  // the line break (or a sentinel) itself
      out += "\\n";
      continue;
    }
    out += c;
    if (in_class) {
      if (c == ']') in_class = false;
      if (c == '[' && i < p.size() && p[i] == ':') {  // [:alpha:] inside a class
        size_t close = p.find(":]", i + 1);
        if (close != std::string_view::npos) {
          out.append(p.substr(i, close + 2 - i));
          i = close + 2;
        }
      }
    } else if (c == '[') {
      in_class = true;
      const bool negated = i < p.size() && p[i] == '^';
      if (negated) out += p[i++];
      if (i < p.size() && p[i] == ']') out += p[i++];  // a literal ']' first in the class
      if (negated) out += "\\n";
    }
  }
  return out;
}

// Bytes of the UTF-8 character starting with lead byte `c` (1 for ASCII and stray bytes).
size_t Utf8Length(unsigned char c) {
  return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

// Without the u flag Hyperscan reads a pattern byte by byte, so a class such as `[|•·]` is a
// set of single bytes: it never matches the three-byte "•" (only as part of a repeat such as
// `[»›]+`, and then also broken sequences). Rewrites every class holding non-ASCII characters
// as an alternation of its ASCII part and each such character: `(?:[|]|•|·)`. Negated classes
// and ranges with a non-ASCII end cannot be written so; *problem explains (and the pattern is
// returned unchanged). REQUIRES: the rule has no u flag.
std::string SplitMultibyteClasses(std::string_view p, std::string* problem) {
  std::string out;
  out.reserve(p.size() + 16);
  for (size_t i = 0; i < p.size();) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      size_t stop = i + 2;
      if (p[i + 1] == 'Q') {  // literal text up to \E (or the end)
        size_t close = p.find("\\E", i + 2);
        stop = close == std::string_view::npos ? p.size() : close + 2;
      }
      out.append(p.substr(i, stop - i));
      i = stop;
      continue;
    }
    if (c != '[') {
      out += c;
      ++i;
      continue;
    }
    // A class: find its end, and whether it holds a non-ASCII character.
    size_t j = i + 1;
    const bool negated = j < p.size() && p[j] == '^';
    if (negated) ++j;
    const size_t body_begin = j;
    if (j < p.size() && p[j] == ']') ++j;  // a literal ']' first in the class
    bool multibyte = false;
    while (j < p.size() && p[j] != ']') {
      if (p[j] == '\\') {
        j += 2;
      } else if (p[j] == '[' && j + 1 < p.size() && p[j + 1] == ':') {  // [:alpha:]
        size_t close = p.find(":]", j + 2);
        j = close == std::string_view::npos ? j + 1 : close + 2;
      } else {
        multibyte |= static_cast<unsigned char>(p[j]) >= 0x80;
        ++j;
      }
    }
    const size_t end = std::min(j, p.size());  // the closing ']' (or the end of a broken class)
    if (!multibyte || end == p.size()) {
      out.append(p.substr(i, end + 1 - i));
      i = end + 1;
      continue;
    }
    if (negated) {
      *problem = "a negated class with a non-ASCII character needs the u flag (without it, the "
                 "class excludes single bytes, not the character)";
      return std::string(p);
    }
    // The members: escapes, [:posix:] classes, characters. An unescaped '-' between two
    // members makes a range.
    std::vector<std::string_view> members;
    for (size_t k = body_begin; k < end;) {
      const auto b = static_cast<unsigned char>(p[k]);
      size_t len = b == '\\' ? 2 : b >= 0x80 ? Utf8Length(b) : 1;
      if (b == '[' && k + 1 < end && p[k + 1] == ':') {
        size_t close = p.find(":]", k + 2);
        if (close != std::string_view::npos && close < end) len = close + 2 - k;
      }
      len = std::min(len, end - k);
      members.push_back(p.substr(k, len));
      k += len;
    }
    auto is_multibyte = [](std::string_view m) { return static_cast<unsigned char>(m[0]) >= 0x80; };
    std::string ascii;
    std::vector<std::string_view> chars;
    for (size_t m = 0; m < members.size(); ++m) {
      const bool range_dash = members[m] == "-" && m > 0 && m + 1 < members.size();
      if (range_dash && (is_multibyte(members[m - 1]) || is_multibyte(members[m + 1]))) {
        *problem = "a range with a non-ASCII end needs the u flag (without it, the range is "
                   "between single bytes)";
        return std::string(p);
      }
      if (is_multibyte(members[m])) {
        chars.push_back(members[m]);
      } else {
        ascii.append(members[m]);
      }
    }
    out += "(?:";
    if (!ascii.empty()) {
      // Escaped so that what is left stays a plain set: a leading '^' would negate it.
      out += ascii.front() == '^' ? "[\\" : "[";
      out += ascii;
      out += ']';
    }
    for (size_t k = 0; k < chars.size(); ++k) {
      if (k > 0 || !ascii.empty()) out += '|';
      out.append(chars[k]);
    }
    out += ')';
    i = end + 1;
  }
  return out;
}

// --- Which rules stay within a line ---------------------------------------------------------
//
// Scan runs most rules over one buffer, "\n" + the lines joined by "\n" + "\n", and a line's
// rules come from the matches that end in it (or, for lines remembered, from an earlier scan).
// That equals matching each line alone, framed as "\n" + line + "\n", exactly when every match
// of the rule's expression in the buffer lies within one line's frame, and the zero-width
// assertions (\b, \B) at its edges look at the same neighbours in both. StaysWithinLine proves
// this of an expression by abstract interpretation over what its matches can look like: each
// string a pattern can match is abstracted to a shape below, by its line breaks ('n'), other
// characters ('c') and assertions ('a'). A rule stays within its line when every shape its
// matches take is one of C, N, NC, CN, NCN: no line break but the frame's, and those only at
// the ends (a match that is a lone line break matches every line, as every line ends in one).
// The parser accepts a conservative subset of Hyperscan's syntax; anything else (and every
// class or escape whose members it does not know) sends the rule to the line-by-line scan,
// which is exact by construction whatever the analysis does not cover. (On invalid UTF-8,
// Hyperscan's UTF-8 mode promises nothing either way.)
namespace reach {

// The classes, by their shape: E "", EA assertions only, C content (no line break; may hold
// assertions), N one line break, NA a line break then assertions, AN assertions then a line
// break, NC a line break then content, CN content then a line break, NCN a line break, anything
// without one, a line break. BAD: a line break in the middle, three, or an assertion outside
// the frame. The shapes are a congruence for concatenation: the class of x + y depends only on
// the classes of x and y (each class is fixed by the number of line breaks and whether each
// segment between them is empty, assertions only, or holds a character), so concatenating
// representatives computes it.
enum Shape : uint8_t { kE, kEA, kC, kN, kNA, kAN, kNC, kCN, kNCN, kBad, kShapes };
constexpr const char* kRepresentative[kShapes] = {"",   "a",  "c",  "n",  "na",
                                                  "an", "nc", "cn", "nn", "nnn"};
using Set = uint16_t;  // a set of shapes, bit k for shape k
constexpr Set Bit(Shape s) { return static_cast<Set>(1u << s); }
constexpr Set kSafe = Bit(kC) | Bit(kN) | Bit(kNC) | Bit(kCN) | Bit(kNCN);

Shape Classify(std::string_view s) {
  const size_t first = s.find('n');
  if (first == std::string_view::npos) {
    return s.empty() ? kE : s.find('c') == std::string_view::npos ? kEA : kC;
  }
  const size_t last = s.rfind('n');
  const std::string_view before = s.substr(0, first), after = s.substr(last + 1);
  const size_t breaks = static_cast<size_t>(std::count(s.begin(), s.end(), 'n'));
  auto has_char = [](std::string_view x) { return x.find('c') != std::string_view::npos; };
  if (breaks == 1) {
    if (before.empty() && after.empty()) return kN;
    if (before.empty()) return has_char(after) ? kNC : kNA;
    if (after.empty()) return has_char(before) ? kCN : kAN;
    return kBad;
  }
  return breaks == 2 && before.empty() && after.empty() ? kNCN : kBad;
}

struct Tables {
  Shape concat[kShapes][kShapes];
  Tables() {
    for (int a = 0; a < kShapes; ++a) {
      for (int b = 0; b < kShapes; ++b) {
        concat[a][b] = Classify(std::string(kRepresentative[a]) + kRepresentative[b]);
      }
    }
  }
};

Set Concat(Set x, Set y) {
  static const Tables tables;
  Set out = 0;
  for (int a = 0; a < kShapes; ++a) {
    if (!(x & (1u << a))) continue;
    for (int b = 0; b < kShapes; ++b) {
      if (y & (1u << b)) out |= Bit(tables.concat[a][b]);
    }
  }
  return out;
}

// x{min,max} (max < 0: unbounded). The powers of x are a sequence in a finite space of sets,
// so it runs into a cycle: walk it once to there, and every power is known.
Set Repeat(Set x, long min, long max) {
  std::vector<int> seen(1u << kShapes, -1);
  std::vector<Set> powers;  // x^0, x^1, ... up to the first repeat
  Set power = Bit(kE);
  while (seen[power] < 0) {
    seen[power] = static_cast<int>(powers.size());
    powers.push_back(power);
    power = Concat(power, x);
  }
  const long cycle_start = seen[power];
  const long period = static_cast<long>(powers.size()) - cycle_start;
  auto nth = [&](long k) {
    return k < static_cast<long>(powers.size())
               ? powers[k]
               : powers[cycle_start + (k - cycle_start) % period];
  };
  // Past min, the next size() powers hold every set that comes later.
  const long stop = max < 0 ? min + static_cast<long>(powers.size())
                            : std::min(max, min + static_cast<long>(powers.size()));
  Set out = 0;
  for (long k = min; k <= stop; ++k) out |= nth(k);
  return out;
}

// Whether a character set holds the line break: kNo, kYes, or kMaybe (not known here).
enum class Has : uint8_t { kNo, kYes, kMaybe };
Has Negate(Has h) { return h == Has::kYes ? Has::kNo : h == Has::kNo ? Has::kYes : Has::kMaybe; }
Has Or(Has a, Has b) {
  if (a == Has::kYes || b == Has::kYes) return Has::kYes;
  return a == Has::kMaybe || b == Has::kMaybe ? Has::kMaybe : Has::kNo;
}

// \p{NAME}: the general categories and scripts known to leave out U+000A (a Cc of the Common
// script); any other name may hold it.
Has PropertyHasBreak(std::string_view name) {
  static const char* const kWithout[] = {
      "L",  "L&", "Lu", "Ll", "Lt", "Lm", "Lo", "M",  "Mn", "Mc", "Me", "N",   "Nd",  "Nl",
      "No", "P",  "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S",  "Sm", "Sc",  "Sk",  "So",
      "Z",  "Zs", "Zl", "Zp", "Xan", "Xwd", "Latin", "Greek", "Cyrillic", "Armenian", "Hebrew",
      "Arabic", "Devanagari", "Bengali", "Thai", "Georgian", "Hangul", "Hiragana", "Katakana",
      "Han"};
  bool negated = !name.empty() && name[0] == '^';
  if (negated) name.remove_prefix(1);
  for (const char* w : kWithout) {
    if (name == w) return negated ? Has::kYes : Has::kNo;
  }
  return Has::kMaybe;
}

// [:NAME:] (NAME may start with ^).
Has PosixHasBreak(std::string_view name) {
  bool negated = !name.empty() && name[0] == '^';
  if (negated) name.remove_prefix(1);
  Has h = Has::kMaybe;
  if (name == "space" || name == "cntrl" || name == "ascii") {
    h = Has::kYes;
  } else if (name == "alpha" || name == "alnum" || name == "digit" || name == "xdigit" ||
             name == "upper" || name == "lower" || name == "punct" || name == "graph" ||
             name == "print" || name == "word" || name == "blank") {
    h = Has::kNo;
  }
  return negated ? Negate(h) : h;
}

// A class escape (\d \w \s \h \v and their negations): whether it holds the line break; false
// when `e` is no class escape.
bool ClassEscape(char e, Has* has) {
  switch (e) {
    case 'd': case 'w': case 'S': case 'h': case 'V': *has = Has::kNo; return true;
    case 'D': case 'W': case 's': case 'H': case 'v': *has = Has::kYes; return true;
    default: return false;
  }
}

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
uint32_t DigitValue(char c) {
  return c <= '9' ? static_cast<uint32_t>(c - '0')
                  : static_cast<uint32_t>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
}
bool IsAsciiAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Decodes the character escape whose letter is at p[*i] (after the backslash): \n \t \r \f \a
// \e, \0 and up to two octal digits, \o{...}, \xHH, \x{...}, \cX. On success *i is past it.
bool CharEscape(std::string_view p, size_t* i, uint32_t* cp) {
  size_t k = *i;
  const char e = p[k++];
  switch (e) {
    case 'n': *cp = '\n'; break;
    case 't': *cp = '\t'; break;
    case 'r': *cp = '\r'; break;
    case 'f': *cp = '\f'; break;
    case 'a': *cp = 0x07; break;
    case 'e': *cp = 0x1B; break;
    case '0': {
      *cp = 0;
      for (int d = 0; d < 2 && k < p.size() && p[k] >= '0' && p[k] <= '7'; ++d) {
        *cp = *cp * 8 + static_cast<uint32_t>(p[k++] - '0');
      }
      break;
    }
    case 'o':
    case 'x': {
      const bool octal = e == 'o';
      const int base = octal ? 8 : 16;
      auto digit = [&](char c) { return octal ? c >= '0' && c <= '7' : IsHex(c); };
      *cp = 0;
      if (k < p.size() && p[k] == '{') {
        size_t close = p.find('}', k);
        if (close == std::string_view::npos || close == k + 1 || close - k > 9) return false;
        for (size_t j = k + 1; j < close; ++j) {
          if (!digit(p[j])) return false;
          *cp = *cp * base + DigitValue(p[j]);
        }
        k = close + 1;
      } else if (octal) {
        return false;
      } else {
        for (int d = 0; d < 2 && k < p.size() && IsHex(p[k]); ++d) {
          *cp = *cp * 16 + DigitValue(p[k++]);
        }
      }
      break;
    }
    case 'c': {
      if (k >= p.size() || static_cast<unsigned char>(p[k]) >= 0x80) return false;
      *cp = static_cast<uint32_t>(std::toupper(static_cast<unsigned char>(p[k++]))) ^ 0x40;
      break;
    }
    default: return false;
  }
  *i = k;
  return true;
}

// A recursive-descent reader of an expression as Hyperscan reads it, computing the set of
// shapes its matches take. `ok_` turns false on anything it does not know.
class Analyzer {
 public:
  Analyzer(std::string_view p, bool utf8) : p_(p), utf8_(utf8) {}

  bool StaysWithinLine() {
    Set s = Alternation();
    if (!ok_ || i_ != p_.size()) return false;
    return s != 0 && (s & ~kSafe) == 0;
  }

 private:
  bool At(char c) const { return i_ < p_.size() && p_[i_] == c; }
  Set Fail() {
    ok_ = false;
    return Bit(kBad);
  }

  Set Alternation() {
    Set s = Sequence();
    while (ok_ && At('|')) {
      ++i_;
      s |= Sequence();
    }
    return s;
  }

  Set Sequence() {
    Set s = Bit(kE);
    while (ok_ && i_ < p_.size() && !At('|') && !At(')')) s = Concat(s, Quantified());
    return s;
  }

  Set Quantified() {
    nothing_ = false;
    Set atom = Atom();
    if (!ok_ || i_ >= p_.size()) return atom;
    long min = 1, max = 1;
    const char q = p_[i_];
    // A repeat after a comment or an option setting would repeat what stands before them.
    if (nothing_ && (q == '?' || q == '*' || q == '+' || q == '{')) return Fail();
    if (q == '?' || q == '*' || q == '+') {
      ++i_;
      min = q == '+' ? 1 : 0;
      max = q == '?' ? 1 : -1;
    } else if (q == '{') {
      // Only {n}, {n,} and {n,m}; any other '{' is left to the line-by-line scan.
      size_t k = i_ + 1;
      auto number = [&](long* v) {
        size_t start = k;
        *v = 0;
        while (k < p_.size() && p_[k] >= '0' && p_[k] <= '9' && k - start < 6) {
          *v = *v * 10 + (p_[k++] - '0');
        }
        return k > start;
      };
      if (!number(&min)) return Fail();
      max = min;
      if (k < p_.size() && p_[k] == ',') {
        ++k;
        if (!number(&max)) max = -1;
      }
      if (k >= p_.size() || p_[k] != '}' || (max >= 0 && max < min)) return Fail();
      i_ = k + 1;
    } else {
      return atom;
    }
    if (At('?')) ++i_;  // lazy: the same matches
    if (At('+') || At('?') || At('*') || At('{')) return Fail();  // possessive, or a repeat twice
    return Repeat(atom, min, max);
  }

  // One character (or, in UTF-8 mode, the whole encoded character) written as itself.
  uint32_t Literal() {
    const auto c = static_cast<unsigned char>(p_[i_++]);
    if (!utf8_ || c < 0x80) return c;
    const size_t extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    uint32_t cp = extra == 3 ? c & 0x07 : extra == 2 ? c & 0x0F : c & 0x1F;
    for (size_t k = 0; k < extra && i_ < p_.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(p_[i_++]) & 0x3F);
    }
    return cp;
  }

  static Set OfChar(uint32_t cp) { return cp == '\n' ? Bit(kN) : Bit(kC); }
  static Set OfClass(Has h) { return h == Has::kNo ? Bit(kC) : Bit(kC) | Bit(kN); }

  Set Atom() {
    const char c = p_[i_];
    switch (c) {
      case '(': return Group();
      case '[': return Class();
      case '.': ++i_; return Bit(kC);  // without (?s), never the line break
      case '\\': return Escape();
      case '^': case '$': case '*': case '+': case '?': case '{': return Fail();
      default: return OfChar(Literal());
    }
  }

  Set Group() {
    ++i_;  // '('
    if (At('?')) {
      ++i_;
      if (At('#')) {  // a comment
        size_t close = p_.find(')', i_);
        if (close == std::string_view::npos) return Fail();
        i_ = close + 1;
        nothing_ = true;
        return Bit(kE);
      }
      if (At(':')) {
        ++i_;
      } else if (At('<') || At('P') || At('\'')) {  // a named group, not a lookbehind
        if (At('P')) ++i_;
        if (!At('<') && !At('\'')) return Fail();
        const char close = p_[i_] == '<' ? '>' : '\'';
        ++i_;
        size_t end = i_;
        while (end < p_.size() && (IsAsciiAlnum(p_[end]) || p_[end] == '_')) ++end;
        if (end == i_ || end >= p_.size() || p_[end] != close) return Fail();
        i_ = end + 1;
      } else {
        // Options: (?i) (?im-i) (?i:...). Dot-all (s) and extended (x) change what the
        // pattern means in ways not followed here.
        bool negative = false;
        while (i_ < p_.size() && p_[i_] != ')' && p_[i_] != ':') {
          const char f = p_[i_++];
          if (f == '-') {
            negative = true;
          } else if (!(f == 'i' || f == 'm' || ((f == 's' || f == 'x') && negative))) {
            return Fail();
          }
        }
        if (At(')')) {
          ++i_;
          nothing_ = true;
          return Bit(kE);
        }
        if (!At(':')) return Fail();
        ++i_;
      }
    }
    Set s = Alternation();
    if (!ok_ || !At(')')) return Fail();
    ++i_;
    return s;
  }

  Set Escape() {
    ++i_;  // '\\'
    if (i_ >= p_.size()) return Fail();
    const char e = p_[i_];
    Has has;
    uint32_t cp;
    if (e == 'Q') {  // literal text up to \E or the end
      size_t close = p_.find("\\E", i_ + 1);
      std::string_view lit = p_.substr(i_ + 1, close == std::string_view::npos
                                                   ? std::string_view::npos
                                                   : close - i_ - 1);
      i_ = close == std::string_view::npos ? p_.size() : close + 2;
      // An empty \Q\E, like a stray \E, is nothing, and a repeat after it would repeat what
      // stands before it: not followed here.
      if (lit.empty()) return Fail();
      return lit.find('\n') == std::string_view::npos ? Bit(kC) : Fail();
    }
    if (e == 'b' || e == 'B') {
      ++i_;
      return Bit(kEA);
    }
    if (ClassEscape(e, &has)) {
      ++i_;
      return OfClass(has);
    }
    if (e == 'p' || e == 'P') {
      if (!Property(&has)) return Fail();
      return OfClass(has);
    }
    if (CharEscape(p_, &i_, &cp)) return OfChar(cp);
    if (static_cast<unsigned char>(e) < 0x80 && !IsAsciiAlnum(e)) {  // \. \| \- ...: itself
      ++i_;
      return OfChar(static_cast<uint32_t>(e));
    }
    return Fail();  // \A \z \Z \G, back references, \C, letters unknown here
  }

  // \pL, \p{Name}, \P{Name}, \p{^Name}; i_ at 'p' or 'P'.
  bool Property(Has* has) {
    const bool negated = p_[i_] == 'P';
    ++i_;
    std::string_view name;
    if (At('{')) {
      size_t close = p_.find('}', i_);
      if (close == std::string_view::npos) return false;
      name = p_.substr(i_ + 1, close - i_ - 1);
      i_ = close + 1;
    } else if (i_ < p_.size() && IsAsciiAlnum(p_[i_])) {
      name = p_.substr(i_++, 1);
    } else {
      return false;
    }
    *has = PropertyHasBreak(name);
    if (negated) *has = Negate(*has);
    return true;
  }

  // A bracketed class: its members, one by one, for the line break.
  Set Class() {
    ++i_;  // '['
    const bool negated = At('^');
    if (negated) ++i_;
    Has has = Has::kNo;
    bool first = true;
    bool prev_char = false;  // the member before is one character (a range may start there)
    uint32_t prev_cp = 0;
    while (true) {
      if (i_ >= p_.size()) return Fail();
      const char c = p_[i_];
      if (c == ']' && !first) {
        ++i_;
        break;
      }
      first = false;
      // A range: one character, '-', one character (a '-' before ']' is itself).
      if (c == '-' && prev_char && i_ + 1 < p_.size() && p_[i_ + 1] != ']') {
        ++i_;
        uint32_t hi;
        if (!ClassChar(&hi)) return Fail();
        if (prev_cp <= '\n' && '\n' <= hi) has = Or(has, Has::kYes);
        prev_char = false;
        continue;
      }
      if (c == '[' && i_ + 1 < p_.size() && (p_[i_ + 1] == ':' || p_[i_ + 1] == '.' ||
                                             p_[i_ + 1] == '=')) {
        if (p_[i_ + 1] != ':') return Fail();
        size_t close = i_ + 2;  // [:name:] or [:^name:], nothing else
        if (close < p_.size() && p_[close] == '^') ++close;
        while (close < p_.size() && p_[close] >= 'a' && p_[close] <= 'z') ++close;
        if (p_.substr(close, 2) != ":]") return Fail();
        has = Or(has, PosixHasBreak(p_.substr(i_ + 2, close - i_ - 2)));
        i_ = close + 2;
        prev_char = false;
        continue;
      }
      if (c == '\\' && i_ + 1 < p_.size()) {
        const char e = p_[i_ + 1];
        Has member;
        if (ClassEscape(e, &member)) {
          i_ += 2;
          has = Or(has, member);
          prev_char = false;
          continue;
        }
        if (e == 'p' || e == 'P') {
          ++i_;
          if (!Property(&member)) return Fail();
          has = Or(has, member);
          prev_char = false;
          continue;
        }
      }
      if (!ClassChar(&prev_cp)) return Fail();
      if (prev_cp == '\n') has = Or(has, Has::kYes);
      prev_char = true;
    }
    return OfClass(negated ? Negate(has) : has);
  }

  // One character of a class, written as itself or as a character escape (\b: backspace).
  bool ClassChar(uint32_t* cp) {
    if (i_ >= p_.size()) return false;
    if (p_[i_] != '\\') {
      *cp = Literal();
      return true;
    }
    if (++i_ >= p_.size()) return false;
    const char e = p_[i_];
    if (e == 'b') {
      ++i_;
      *cp = 0x08;
      return true;
    }
    if (CharEscape(p_, &i_, cp)) return true;
    if (static_cast<unsigned char>(e) < 0x80 && !IsAsciiAlnum(e)) {
      ++i_;
      *cp = static_cast<uint32_t>(e);
      return true;
    }
    return false;  // \Q inside a class, and letters unknown here
  }

  std::string_view p_;
  bool utf8_;
  size_t i_ = 0;
  bool ok_ = true;
  bool nothing_ = false;  // the last atom matched nothing (a comment or an option setting)
};

}  // namespace reach

// Whether every match of `expr` (as compiled, see PatternSet::Expression) stays within the
// frame of one line, so that scanning all lines at once gives each line's result.
bool StaysWithinLine(const std::string& expr, bool utf8) {
  return reach::Analyzer(expr, utf8).StaysWithinLine();
}

// Why a pattern can never match the collapsed lines a rule sees, or "": it asks (outside a
// class) for a tab, \r, \f, \v, an NBSP or two spaces in a row, which collapsing turns into
// one space, or for a line break, which would let it reach into the next line.
std::string CollapsedLineProblem(std::string_view p) {
  bool in_class = false;
  char prev = '\0';
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (in_class) {
      if (c == '\\') ++i;
      else if (c == ']') in_class = false;
      prev = '\0';
      continue;
    }
    if (c == '\\' && i + 1 < p.size()) {
      const char e = p[++i];
      size_t after = i;
      uint32_t cp = 0;
      const bool is_char = reach::CharEscape(p, &after, &cp);
      if (e == 'R' || (is_char && cp == '\n')) {
        return "a rule sees one line at a time: a line break (\\n) never matches";
      }
      if (e == 'A' || e == 'z' || e == 'Z' || e == 'G') {
        return "a rule sees one line at a time: \\A, \\z and \\Z would anchor at the ends of the "
               "text, not of the line; use ^ and $";
      }
      if (e == 'v' ||
          (is_char && (cp == '\t' || cp == '\r' || cp == '\f' || cp == 0x0B || cp == 0xA0))) {
        return "lines are matched with their whitespace collapsed to single spaces, so a tab, \\r, "
               "\\f, \\v or NBSP never matches; write \\s";
      }
      if (e == 'Q') {  // literal text up to \E: two spaces there never match either
        size_t close = p.find("\\E", i + 1);
        std::string_view lit = p.substr(i + 1, close == std::string_view::npos ? std::string_view::npos
                                                                              : close - i - 1);
        if (lit.find("  ") != std::string_view::npos || lit.find('\t') != std::string_view::npos) {
          return "lines are matched with their whitespace collapsed to single spaces, so two "
                 "spaces or a tab never match; write \\s+";
        }
        i = close == std::string_view::npos ? p.size() : close + 1;
      }
      prev = '\0';
      continue;
    }
    if (c == '\t' || (c == ' ' && prev == ' ')) {
      return "lines are matched with their whitespace collapsed to single spaces, so two spaces or "
             "a tab never match; write \\s+";
    }
    if (c == '[') {
      in_class = true;
      if (i + 1 < p.size() && p[i + 1] == '^') ++i;
      if (i + 1 < p.size() && p[i + 1] == ']') ++i;
    }
    prev = c;
  }
  return "";
}

bool IsCollapsible(unsigned char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

// Offsets of the bytes that collapsing changes, ascending (an offset may repeat): tabs, \v, \f,
// \r, NBSPs, and spaces that start or end a line or stand next to another space.
void FindIrregular(std::string_view text, std::vector<uint32_t>* out) {
  out->clear();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  auto check = [&](size_t i) {
    const unsigned char c = p[i];
    if (c == ' ') {
      if (i == 0 || p[i - 1] == '\n' || i + 1 == n || p[i + 1] == ' ' || p[i + 1] == '\n') {
        out->push_back(static_cast<uint32_t>(i));
      }
    } else if (c == '\t' || c == '\v' || c == '\f' || c == '\r' ||
               (c == 0xC2 && i + 1 < n && p[i + 1] == 0xA0)) {
      out->push_back(static_cast<uint32_t>(i));
    }
  };
  if (n == 0) return;
  check(0);
  size_t i = 1;
  // 16 bytes at a time (GCC vector extensions: SSE2 on x86-64, NEON on arm64); a block with any
  // event is looked at byte by byte.
  typedef unsigned char V16 __attribute__((vector_size(16)));
  for (; i + 17 <= n; i += 16) {
    V16 prev, a, next;
    std::memcpy(&prev, p + i - 1, 16);
    std::memcpy(&a, p + i, 16);
    std::memcpy(&next, p + i + 1, 16);
    const auto space = a == ' ';
    const auto event = (a == '\t') | (a == '\v') | (a == '\f') | (a == '\r') |
                       ((a == 0xC2) & (next == 0xA0)) |
                       (space & ((prev == '\n') | (next == ' ') | (next == '\n')));
    uint64_t words[2];
    std::memcpy(words, &event, sizeof words);
    if ((words[0] | words[1]) == 0) continue;
    for (size_t k = 0; k < 16; ++k) check(i + k);
  }
  for (; i < n; ++i) check(i);
}

// Appends `line` collapsed: no leading or trailing whitespace, each inner run one space.
void AppendCollapsed(std::string_view line, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(line.data());
  const size_t n = line.size();
  bool pending = false;
  bool any = false;
  for (size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (IsCollapsible(c) || (c == 0xC2 && i + 1 < n && p[i + 1] == 0xA0)) {
      pending = any;
      i += c == 0xC2 ? 2 : 1;
      continue;
    }
    if (pending) out->push_back(' ');
    pending = false;
    any = true;
    out->push_back(static_cast<char>(c));
    ++i;
  }
}

// Writes '\n', the lines of `text` (those holding an irregular offset collapsed, the others
// copied as they are; every line collapsed when `irregular` is null) joined by '\n', and a final
// '\n' to *out; *starts gets where each line starts in *out. Lines marked in `skip` (when given)
// are left out, and *origin (when given) gets the index of each line written.
void CollapseDirtyLines(std::string_view text, const std::vector<Line>& lines,
                        const std::vector<uint32_t>* irregular, std::string* out,
                        std::vector<uint32_t>* starts, const std::vector<uint8_t>* skip = nullptr,
                        std::vector<uint32_t>* origin = nullptr) {
  out->clear();
  out->reserve(text.size() + 2);
  out->push_back('\n');
  starts->clear();
  if (origin != nullptr) origin->clear();
  size_t ev = 0;
  for (size_t li = 0; li < lines.size(); ++li) {
    const Line& l = lines[li];
    bool dirty = irregular == nullptr;
    while (!dirty && ev < irregular->size() && (*irregular)[ev] < l.next) {
      dirty = (*irregular)[ev] >= l.begin;
      ++ev;
    }
    if (skip != nullptr && (*skip)[li]) continue;
    starts->push_back(static_cast<uint32_t>(out->size()));
    if (origin != nullptr) origin->push_back(static_cast<uint32_t>(li));
    const std::string_view bytes = text.substr(l.begin, l.end - l.begin);
    if (dirty) {
      AppendCollapsed(bytes, out);
    } else {
      out->append(bytes);
    }
    out->push_back('\n');
  }
}

// The rule as its author wrote it, anchored as a whole line when it is one: what Hyperscan
// checks first, so that its messages point into the author's pattern.
std::string WrittenExpression(const Rule& rule) {
  return rule.whole_line ? "^\\s*(?:" + rule.pattern + ")\\s*$" : rule.pattern;
}

// Hyperscan's objection to one expression, or "".
std::string ExpressionError(const std::string& expr, unsigned flags) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  std::string message;
  if (hs_compile(expr.c_str(), flags, HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
    message = err != nullptr && err->message != nullptr ? err->message : "compile failed";
    hs_free_compile_error(err);
  }
  hs_free_database(db);
  return message;
}

// Hyperscan's message about an expression, in the words of the rule language. `shift` is how
// far the author's pattern stands into the expression Hyperscan read (its "index N" is then
// character N - shift + 1 of the pattern); negative when the expression was rewritten, and an
// index would point nowhere useful. Messages not known here are passed on, marked as
// Hyperscan's.
std::string RuleLanguageMessage(const std::string& hs, int shift) {
  struct Translation {
    const char* starts;  // the message's first words
    const char* says;    // what to say instead; "@" becomes " at character N" when known
  };
  static constexpr Translation kTranslations[] = {
      {"Pattern matches empty buffer",
       "the pattern can match an empty line; anchor it or require a character"},
      {"Missing close parenthesis",
       "a group opened@ is never closed: missing ')' (write '\\(' to match a parenthesis)"},
      {"Unmatched parentheses", "')'@ closes no group (write '\\)' to match a parenthesis)"},
      {"Unterminated character class", "the character class '['@ is never closed: missing ']'"},
      {"Zero-width assertions are not supported",
       "lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not supported; match the text "
       "itself"},
      {"Back-references are unsupported",
       "back-references (\\1, \\k<name>) are not supported"},
      {"Invalid back reference", "back-references (\\1, \\g1, \\k<name>) are not supported"},
      {"Invalid repeat",
       "the repeat@ has nothing to repeat, or bounds out of order ('*', '+', '?' or {m,n} "
       "after a character or group; write '\\*' to match a star)"},
      {"Bounded repeat is too large", "a repeat count {m,n} is too large; use '+' or '*'"},
      {"Invalid POSIX named class", "unknown character class name '[:...:]'@"},
      {"Embedded start anchors",
       "'^' can stand only at the start of the pattern or of an alternative (write '\\^' to "
       "match a caret)"},
      {"Embedded end anchors",
       "'$' can stand only at the end of the pattern or of an alternative (write '\\$' to "
       "match a dollar sign)"},
      {"Atomic groups are unsupported", "atomic groups (?>...) are not supported; use (?:...)"},
      {"Possessive quantifiers",
       "possessive repeats (*+, ++, ?+) are not supported; drop the second '+'"},
      {"Unknown property", "unknown Unicode property \\p{...}@ (flag u enables properties)"},
      {"Unrecognised character after (?", "unknown kind of group '(?'@"},
      {"Range out of order in character class",
       "a range in a character class runs backwards (like z-a)@"},
      {"Unescaped \\ at end of input",
       "the pattern ends in a lone '\\' (write '\\\\' to match a backslash)"},
      {"Expression is not valid UTF-8", "the pattern is not valid UTF-8"},
      {"Pattern is too large", "the pattern is too large to compile; split the rule"},
      {"Resource limit exceeded", "the pattern is too large to compile; split the rule"},
  };
  for (const Translation& t : kTranslations) {
    if (hs.rfind(t.starts, 0) != 0) continue;
    std::string where;
    if (size_t at = hs.find("index "); at != std::string::npos && shift >= 0) {
      long index = std::strtol(hs.c_str() + at + 6, nullptr, 10);
      if (index >= shift) where = " at character " + std::to_string(index - shift + 1);
    }
    std::string says = t.says;
    if (size_t mark = says.find('@'); mark != std::string::npos) says.replace(mark, 1, where);
    return says;
  }
  return "Hyperscan: " + hs;
}

// Compiles one rule alone, as written and as rewritten, to attribute an error to it, in the
// rule language's words. The pattern alone comes first when the whole-line form fails, so that
// positions count in the author's pattern.
std::string CompileError(const Rule& rule) {
  const unsigned flags = HsFlags(rule);
  std::string message = ExpressionError(WrittenExpression(rule), flags);
  if (!message.empty()) {
    if (rule.whole_line) {
      std::string bare = ExpressionError(rule.pattern, flags);
      if (!bare.empty()) return RuleLanguageMessage(bare, 0);
    }
    return RuleLanguageMessage(message, rule.whole_line ? 7 : 0);  // "^\s*(?:" before it
  }
  message = ExpressionError(PatternSet::Expression(rule), flags);
  return message.empty() ? message : RuleLanguageMessage(message, -1);
}

// The compiled-database cache: $BOILERSTRIP_CACHE_DIR (empty = off), else
// $XDG_CACHE_HOME/boilerstrip, else $HOME/.cache/boilerstrip. Compiling a large rule set costs a
// good part of a second per process; a Slurm array of thousands of short tasks pays it once.
std::string CacheDir() {
  if (const char* dir = std::getenv("BOILERSTRIP_CACHE_DIR")) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg) {
    return std::string(xdg) + "/boilerstrip";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home) {
    return std::string(home) + "/.cache/boilerstrip";
  }
  return "";
}

// The cache key covers everything the database depends on: every expression with its id and
// flags, Hyperscan's version and the platform it compiles for. Two independent 64-bit hashes.
std::string CacheKey(const std::vector<std::string>& exprs, const std::vector<unsigned>& flags,
                     const std::vector<unsigned>& ids) {
  std::string material = hs_version();
  hs_platform_info_t platform{};
  if (hs_populate_platform(&platform) == HS_SUCCESS) {
    material.append("|").append(std::to_string(platform.tune));
    material.append("|").append(std::to_string(platform.cpu_features));
  }
  for (size_t i = 0; i < exprs.size(); ++i) {
    material.append("\n").append(std::to_string(ids[i])).append(":");
    material.append(std::to_string(flags[i])).append(":");
    material.append(std::to_string(exprs[i].size())).append(":").append(exprs[i]);
  }
  char key[40];
  std::snprintf(key, sizeof key, "%016llx%016llx",
                static_cast<unsigned long long>(HashBytes(material)),
                static_cast<unsigned long long>(HashBytes("boilerstrip-db/" + material)));
  return key;
}

// The cache's bounds: at most this many entries and bytes, the least recently used evicted
// first. BOILERSTRIP_CACHE_MAX_ENTRIES (default 64) and BOILERSTRIP_CACHE_MAX_BYTES (default
// 256M; K/M/G suffixes, powers of 1024); 0 lifts that bound.
struct CacheLimits {
  uint64_t max_entries = 64;
  uint64_t max_bytes = uint64_t{256} << 20;
};

Status ParseCacheLimit(const char* name, bool size_suffixes, uint64_t* out) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return Status::Ok();
  const std::string text = v;
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  int shift = 0;
  const std::string suffix = text.substr(digits);
  if (size_suffixes && (suffix == "K" || suffix == "k")) shift = 10;
  else if (size_suffixes && (suffix == "M" || suffix == "m")) shift = 20;
  else if (size_suffixes && (suffix == "G" || suffix == "g")) shift = 30;
  else if (!suffix.empty()) digits = 0;
  uint64_t value = 0;
  bool overflow = digits > 15;
  for (size_t i = 0; i < digits && !overflow; ++i) value = value * 10 + (text[i] - '0');
  if (digits == 0 || overflow) {
    return Status::RunError(std::string(name) + ": expected a whole number" +
                            (size_suffixes ? " of bytes (K/M/G suffixes)" : "") +
                            ", 0 for no bound, got '" + text + "'");
  }
  *out = value << shift;
  return Status::Ok();
}

Result<CacheLimits> CacheLimitsFromEnv() {
  CacheLimits limits;
  if (Status st = ParseCacheLimit("BOILERSTRIP_CACHE_MAX_ENTRIES", false, &limits.max_entries);
      !st.ok()) {
    return st;
  }
  if (Status st = ParseCacheLimit("BOILERSTRIP_CACHE_MAX_BYTES", true, &limits.max_bytes);
      !st.ok()) {
    return st;
  }
  return limits;
}

// Whether `name` is a cache entry (not a temporary, nor anything else kept there).
bool IsCacheEntryName(const std::string& name) {
  return name.size() > 11 && name.compare(0, 6, "rules-") == 0 &&
         name.compare(name.size() - 5, 5, ".hsdb") == 0;
}

// Marks an entry used: its mtime is its last use, what eviction orders by. Best effort: an
// entry that another process evicted meanwhile, or a read-only cache, only loses its rank.
void TouchCached(const std::string& path) { (void)::utimensat(AT_FDCWD, path.c_str(), nullptr, 0); }

// Evicts the least recently used entries of `dir` (oldest mtime first) until both bounds hold;
// `keep`, the entry just written, always stays. Several processes may evict at once: an entry
// that vanishes between the listing and its stat or unlink is simply gone already.
void EvictCached(const std::string& dir, const CacheLimits& limits, const std::string& keep) {
  struct Entry {
    std::string path;
    struct timespec mtime;
    uint64_t bytes;
  };
  std::vector<Entry> entries;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (!IsCacheEntryName(it->path().filename().string())) continue;
    struct stat st {};
    const std::string path = it->path().string();
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    entries.push_back({path, st.st_mtim, static_cast<uint64_t>(st.st_size)});
  }
  const std::string keep_name = std::filesystem::path(keep).filename().string();
  auto is_keep = [&](const Entry& e) {
    return std::filesystem::path(e.path).filename().string() == keep_name;
  };
  // Newest first (the kept entry before all); equal times by name, so that every process
  // agrees on the order.
  std::sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) {
    if (is_keep(a) != is_keep(b)) return is_keep(a);
    if (a.mtime.tv_sec != b.mtime.tv_sec) return a.mtime.tv_sec > b.mtime.tv_sec;
    if (a.mtime.tv_nsec != b.mtime.tv_nsec) return a.mtime.tv_nsec > b.mtime.tv_nsec;
    return a.path < b.path;
  });
  uint64_t count = 0, bytes = 0;
  for (const Entry& e : entries) {
    ++count;
    bytes += e.bytes;
    const bool over = (limits.max_entries != 0 && count > limits.max_entries) ||
                      (limits.max_bytes != 0 && bytes > limits.max_bytes);
    if (over && !is_keep(e)) {
      (void)::unlink(e.path.c_str());  // ENOENT: another process evicted it first
      --count;
      bytes -= e.bytes;
    }
  }
}

hs_database_t* LoadCached(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string bytes = buf.str();
  hs_database_t* db = nullptr;
  if (bytes.empty() ||
      hs_deserialize_database(bytes.data(), bytes.size(), &db) != HS_SUCCESS) {
    return nullptr;  // damaged or from another build: compile afresh (and overwrite it)
  }
  TouchCached(path);
  return db;
}

// Best effort: a cache that cannot be written is no error. Written to a temporary name and
// renamed, so that concurrent tasks never read a partial file.
// Then evicts what the bounds no longer hold (and a killed writer's leftover temporaries).
void StoreCached(const std::string& dir, const std::string& path, const hs_database_t* db,
                 const CacheLimits& limits) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return;
  // Through the project's one writer: concurrent tasks never read a partial file.
  const Status written = io::WriteFileAtomically(path, std::string_view(bytes, length));
  std::free(bytes);
  if (!written.ok()) return;
  (void)io::RemoveStaleTemporaries({path});
  EvictCached(dir, limits, path);
}

// Hyperscan's time per short line with `db` (scanning whole texts) and `line_db` (scanning each
// line), either may be null, in ns: a fixed text of 2048 menu-like lines, scanned in texts of
// 64 lines, the best of five. What remembering a line saves.
double ScanNsPerShortLine(const hs_database_t* db, const hs_database_t* line_db,
                          hs_scratch_t* scratch) {
  static const char* const kWords[] = {"Home", "News", "Share", "Reply", "about", "the", "2012",
                                       "by", "Jane", "Smith", "|", "»", "more", "comments", "said",
                                       "and", "of", "to", "Posted", "on", "March", "5,", "at",
                                       "Sports", "Video", "Log", "in", "Read", "•", "Privacy"};
  constexpr size_t kLines = 2048, kPerText = 64;
  std::vector<std::string> texts;
  uint64_t state = 1;
  for (size_t i = 0; i < kLines / kPerText; ++i) {
    std::string t = "\n";
    for (size_t k = 0; k < kPerText; ++k) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      const size_t words = 1 + (state >> 60) % 6;
      for (size_t w = 0; w < words; ++w) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        if (w > 0) t += ' ';
        t += kWords[(state >> 33) % (sizeof kWords / sizeof kWords[0])];
      }
      t += '\n';
    }
    texts.push_back(std::move(t));
  }
  auto ignore = [](unsigned, unsigned long long, unsigned long long, unsigned, void*) { return 0; };
  double best = 1e30;
  for (int round = 0; round < 5; ++round) {
    const auto start = std::chrono::steady_clock::now();
    for (const std::string& t : texts) {
      if (db != nullptr) {
        hs_scan(db, t.data(), static_cast<unsigned>(t.size()), 0, scratch, ignore, nullptr);
      }
      if (line_db == nullptr) continue;
      for (size_t from = 0; from + 1 < t.size();) {  // each line with its two line breaks
        const size_t to = t.find('\n', from + 1);
        hs_scan(line_db, t.data() + from, static_cast<unsigned>(to + 1 - from), 0, scratch,
                ignore, nullptr);
        from = to;
      }
    }
    best = std::min(best, std::chrono::duration<double, std::nano>(
                              std::chrono::steady_clock::now() - start).count());
  }
  return best / kLines;
}

// Compiles the expressions of the rules `which` (indexes into `rules`, which are their ids)
// into *db, from the on-disk cache when it has them. On failure returns Hyperscan's message.
Status CompileDatabase(const std::vector<Rule>& rules, const std::vector<unsigned>& which,
                       const std::string& cache_dir, const CacheLimits& limits,
                       hs_database_t** db) {
  std::vector<std::string> exprs;
  std::vector<const char*> expr_ptrs;
  std::vector<unsigned> flags;
  exprs.reserve(which.size());
  for (unsigned i : which) {
    exprs.push_back(PatternSet::Expression(rules[i]));
    flags.push_back(HsFlags(rules[i]));
  }
  for (const auto& e : exprs) expr_ptrs.push_back(e.c_str());
  std::string cache_path;
  if (!cache_dir.empty()) {
    cache_path = cache_dir + "/rules-" + CacheKey(exprs, flags, which) + ".hsdb";
    *db = LoadCached(cache_path);
    if (*db != nullptr) return Status::Ok();
  }
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(expr_ptrs.data(), flags.data(), which.data(),
                       static_cast<unsigned>(which.size()), HS_MODE_BLOCK, nullptr, db,
                       &err) != HS_SUCCESS) {
    std::string message = err != nullptr && err->message != nullptr ? err->message : "";
    hs_free_compile_error(err);
    *db = nullptr;
    return Status::RunError(message);
  }
  if (!cache_path.empty()) StoreCached(cache_dir, cache_path, *db, limits);
  return Status::Ok();
}

// Collects a match of a rule scanned line by line: the rule and the line being scanned.
struct LineMatches {
  std::vector<Hit>* hits;
  uint32_t line;
};

int OnLineMatch(unsigned int id, unsigned long long /*from*/, unsigned long long /*to*/,
                unsigned int /*flags*/, void* context) {
  auto* m = static_cast<LineMatches*>(context);
  if (m->hits->empty() || m->hits->back().line != m->line || m->hits->back().rule != id) {
    m->hits->push_back({static_cast<uint32_t>(id), m->line});
  }
  return 0;
}

}  // namespace

// The scratch's state. Short lines repeat (menus, buttons, bylines, "Reply"), and Hyperscan
// pays for every line start: a line seen before takes its rules from `cache` instead of being
// scanned again. 8192 slots of 80 bytes: 640 KB per scratch, made on its first scan when the
// set remembers lines.
class PatternSet::Scratch::Impl {
 public:
  ~Impl() { hs_free_scratch(s); }

  static constexpr size_t kCachedLineBytes = 56;
  static constexpr size_t kCachedRules = 2;
  static constexpr size_t kCacheSlots = 8192;
  struct CachedLine {
    uint64_t hash;
    uint8_t length;  // 0: an empty slot
    uint8_t rules;   // how many of rule[] hold the rules that match the line
    uint32_t rule[kCachedRules];
    char bytes[kCachedLineBytes];
  };

  hs_scratch* s = nullptr;              // null when Hyperscan could not allocate it
  std::string collapsed;                // the scanned buffer: the lines framed by line breaks
  std::vector<uint32_t> line_starts;    // where each scanned line starts in collapsed
  std::vector<uint32_t> origin;         // which text line each scanned line is
  std::vector<uint32_t> irregular;      // offsets of whitespace that collapsing changes
  std::vector<CachedLine> cache;        // kCacheSlots slots, made on first use
  std::vector<uint8_t> skip;            // per text line: its rules came from the cache
  std::vector<std::pair<uint32_t, uint64_t>> misses;  // short lines scanned now, and hashes
  std::vector<Hit> merged;              // remembered and scanned hits merged (no allocation
                                        // per text, as std::inplace_merge would make)
};

void PatternSet::Scratch::ImplDeleter::operator()(Impl* impl) const { delete impl; }

std::string PatternSet::Expression(const Rule& rule) {
  std::string unused;
  std::string pattern = RewriteForCollapsed(
      rule.utf8 ? rule.pattern : SplitMultibyteClasses(rule.pattern, &unused), rule.utf8);
  // Collapsed lines have no leading or trailing whitespace: the line breaks are enough.
  return rule.whole_line ? "\\n(?:" + pattern + ")\\n" : pattern;
}

void CollapseLines(std::string_view text, const std::vector<Line>& lines, std::string* out,
                   std::vector<uint32_t>* starts) {
  CollapseDirtyLines(text, lines, nullptr, out, starts);
}

Result<std::unique_ptr<PatternSet>> PatternSet::Compile(std::vector<Rule> rules,
                                                        std::vector<RuleError>* errors,
                                                        const PatternSetOptions& options) {
  std::unique_ptr<PatternSet> set(new PatternSet());
  set->rules_ = std::move(rules);
  const auto& rs = set->rules_;
  set->per_line_.assign(rs.size(), 0);
  if (rs.empty()) return set;
  if (rs.size() > std::numeric_limits<uint32_t>::max() / 2) {
    return Status::RunError("too many rules");
  }
  const size_t errors_before = errors->size();
  std::vector<std::string> problems(rs.size());
  bool any_problem = false;
  for (size_t i = 0; i < rs.size(); ++i) {
    const Rule& r = rs[i];
    problems[i] = CollapsedLineProblem(r.pattern);
    if (problems[i].empty() && !r.utf8) SplitMultibyteClasses(r.pattern, &problems[i]);
    any_problem |= !problems[i].empty();
  }
  if (any_problem) {
    // Every problem in one pass: Hyperscan's view of the rules that passed the first checks.
    for (size_t i = 0; i < rs.size(); ++i) {
      if (problems[i].empty()) problems[i] = CompileError(rs[i]);
      if (!problems[i].empty()) {
        errors->push_back({rs[i].file, rs[i].line_number, rs[i].name, problems[i]});
      }
    }
    return Status::RunError("rules failed to compile");
  }
  // Rules whose matches provably stay within a line go into the database scanned over the whole
  // text; the others into the one scanned line by line.
  std::vector<unsigned> whole, per_line;
  for (size_t i = 0; i < rs.size(); ++i) {
    const bool within = StaysWithinLine(Expression(rs[i]), rs[i].utf8);
    set->per_line_[i] = within ? 0 : 1;
    (within ? whole : per_line).push_back(static_cast<unsigned>(i));
  }
  const std::string cache_dir = CacheDir();
  CacheLimits limits;
  if (!cache_dir.empty()) {
    auto from_env = CacheLimitsFromEnv();
    if (!from_env.ok()) {
      errors->push_back({"", 0, "", from_env.status().message()});
      return Status::RunError("rules failed to compile");
    }
    limits = from_env.value();
  }
  Status whole_status, per_line_status;
  if (!whole.empty()) whole_status = CompileDatabase(rs, whole, cache_dir, limits, &set->db_);
  if (!per_line.empty()) {
    per_line_status = CompileDatabase(rs, per_line, cache_dir, limits, &set->line_db_);
  }
  if (!whole_status.ok() || !per_line_status.ok()) {
    // Hyperscan names only the first bad expression; compile each alone to report them all.
    for (const Rule& r : rs) {
      std::string message = CompileError(r);
      if (!message.empty()) errors->push_back({r.file, r.line_number, r.name, message});
    }
    if (errors->size() == errors_before) {
      // Each compiles alone but not together (e.g. the set is too large).
      const Status& failed = whole_status.ok() ? per_line_status : whole_status;
      errors->push_back({"", 0, "", "rule set failed to compile: " + failed.message()});
    }
    return Status::RunError("rules failed to compile");
  }
  // One scratch serves both databases: hs_alloc_scratch grows it to fit each.
  for (const hs_database_t* db : {set->db_, set->line_db_}) {
    if (db != nullptr && hs_alloc_scratch(db, &set->proto_scratch_) != HS_SUCCESS) {
      return Status::RunError("cannot allocate Hyperscan scratch");
    }
  }
  if (set->line_db_ != nullptr) {
    // Every blank line is "\n\n" to a rule: scanned once here, not once per blank line.
    std::vector<Hit> blank;
    LineMatches m{&blank, 0};
    if (hs_scan(set->line_db_, "\n\n", 2, 0, set->proto_scratch_, OnLineMatch, &m) !=
        HS_SUCCESS) {
      return Status::RunError("Hyperscan scan failed");
    }
    for (const Hit& h : blank) set->blank_hits_.push_back(h.rule);
    std::sort(set->blank_hits_.begin(), set->blank_hits_.end());
    set->blank_hits_.erase(std::unique(set->blank_hits_.begin(), set->blank_hits_.end()),
                           set->blank_hits_.end());
  }
  // Remembering short lines pays when Hyperscan spends much more on a line than a hash and a
  // look-up cost (about 40 ns here): the default rules take about 170 ns, C4's preset and the
  // 16 starter rules about 35, where remembering costs more than it saves. The choice
  // changes the speed only, never a result. BOILERSTRIP_LINE_CACHE=on|off overrides kAuto.
  PatternSetOptions::LineCache cache = options.line_cache;
  if (cache == PatternSetOptions::LineCache::kAuto) {
    const char* forced = std::getenv("BOILERSTRIP_LINE_CACHE");
    if (forced != nullptr && std::strcmp(forced, "on") == 0) {
      cache = PatternSetOptions::LineCache::kOn;
    } else if (forced != nullptr && std::strcmp(forced, "off") == 0) {
      cache = PatternSetOptions::LineCache::kOff;
    }
  }
  if (cache == PatternSetOptions::LineCache::kAuto) {
    set->remember_lines_ = ScanNsPerShortLine(set->db_, set->line_db_, set->proto_scratch_) >=
                           kRememberAboveNs;
  } else {
    set->remember_lines_ = cache == PatternSetOptions::LineCache::kOn;
  }
  return set;
}

PatternSet::~PatternSet() {
  hs_free_scratch(proto_scratch_);
  hs_free_database(db_);
  hs_free_database(line_db_);
}

PatternSet::Scratch PatternSet::MakeScratch() const {
  Scratch scratch(new ScratchImpl());
  if (proto_scratch_ != nullptr && hs_clone_scratch(proto_scratch_, &scratch.impl_->s) != HS_SUCCESS) {
    scratch.impl_->s = nullptr;  // Scan reports it
  }
  return scratch;
}

size_t PatternSet::Recall(std::string_view text, const std::vector<Line>& lines,
                          ScratchImpl& scratch, std::vector<Hit>* hits) const {
  using Impl = ScratchImpl;
  const size_t n = lines.size();
  if (scratch.cache.empty()) scratch.cache.assign(Impl::kCacheSlots, Impl::CachedLine{});
  scratch.skip.assign(n, 0);
  // First every short line's hash, fetching its slot ahead (the table is larger than L1); then
  // the look-ups. The lines not found stay in misses, to be remembered once scanned.
  for (size_t li = 0; li < n; ++li) {
    const size_t length = lines[li].end - lines[li].begin;
    if (length == 0 || length > Impl::kCachedLineBytes) continue;
    const uint64_t hash = HashBytes(text.substr(lines[li].begin, length));
    __builtin_prefetch(&scratch.cache[hash % Impl::kCacheSlots]);
    scratch.misses.emplace_back(static_cast<uint32_t>(li), hash);
  }
  size_t found = 0, kept = 0;
  for (const auto& [li, hash] : scratch.misses) {
    const size_t length = lines[li].end - lines[li].begin;
    const Impl::CachedLine& c = scratch.cache[hash % Impl::kCacheSlots];
    if (c.hash == hash && c.length == length &&
        std::memcmp(c.bytes, text.data() + lines[li].begin, length) == 0) {
      for (size_t k = 0; k < c.rules; ++k) hits->push_back({c.rule[k], li});
      scratch.skip[li] = 1;
      ++found;
    } else {
      scratch.misses[kept++] = {li, hash};
    }
  }
  scratch.misses.resize(kept);
  return found;
}

void PatternSet::Remember(std::string_view text, const std::vector<Line>& lines,
                          ScratchImpl& scratch, const std::vector<Hit>& hits) const {
  using Impl = ScratchImpl;
  // `hits` is sorted by line: walk it along the lines just scanned. A line matching more rules
  // than a slot holds is not remembered.
  size_t h = 0;
  for (const auto& [li, hash] : scratch.misses) {
    while (h < hits.size() && hits[h].line < li) ++h;
    size_t end = h;
    while (end < hits.size() && hits[end].line == li) ++end;
    if (end - h > Impl::kCachedRules) continue;
    Impl::CachedLine& c = scratch.cache[hash % Impl::kCacheSlots];
    const size_t length = lines[li].end - lines[li].begin;
    c.hash = hash;
    c.length = static_cast<uint8_t>(length);
    c.rules = static_cast<uint8_t>(end - h);
    for (size_t k = h; k < end; ++k) c.rule[k - h] = hits[k].rule;
    std::memcpy(c.bytes, text.data() + lines[li].begin, length);
  }
}

Status PatternSet::Scan(std::string_view text, Scratch& scratch, std::vector<Hit>* hits) const {
  std::vector<Line> lines;
  SplitLines(text, &lines);
  return Scan(text, lines, scratch, hits);
}

Status PatternSet::Scan(std::string_view text, const std::vector<Line>& lines, Scratch& handle,
                        std::vector<Hit>* hits) const {
  hits->clear();
  if (db_ == nullptr && line_db_ == nullptr) return Status::Ok();
  if (handle.impl_ == nullptr) {
    return Status::RunError("PatternSet::Scan needs a scratch from MakeScratch()");
  }
  ScratchImpl& scratch = *handle.impl_;
  if (scratch.s == nullptr) return Status::ShardError("cannot allocate Hyperscan scratch");
  if (text.size() > std::numeric_limits<unsigned>::max() - 2) {
    return Status::Error(ErrorScope::kRecord, "text too long to scan");
  }
  // Short lines seen before take their rules from the scratch's cache, exactly: the cache holds
  // each line's bytes, and a rule's result on a line depends on the line's bytes alone (see
  // pattern_set.h; Compile keeps every rule that might look past its line out of the
  // whole-text scan).
  const size_t n = lines.size();
  scratch.misses.clear();
  const size_t skipped = remember_lines_ ? Recall(text, lines, scratch, hits) : 0;
  const size_t cached_hits = hits->size();

  // The scanned buffer is the lines framed by line breaks, so that every line, the first and the
  // last too, stands between two. Most text needs no collapsing, and when no line came from the
  // cache either, the buffer is the text itself framed, its lines one byte further on.
  FindIrregular(text, &scratch.irregular);
  const bool copied = scratch.irregular.empty() && skipped == 0;
  std::string& buffer = scratch.collapsed;
  if (skipped == n) {
    buffer.clear();
  } else if (!copied) {
    CollapseDirtyLines(text, lines, &scratch.irregular, &buffer, &scratch.line_starts,
                       skipped > 0 ? &scratch.skip : nullptr, &scratch.origin);
  } else {
    buffer.clear();
    buffer.reserve(text.size() + 2);
    buffer.push_back('\n');
    buffer.append(text);
    buffer.push_back('\n');
  }
  auto failed = [&](hs_error_t rc) {
    hits->clear();
    return Status::Error(ErrorScope::kRecord, "Hyperscan scan failed: " + std::to_string(rc));
  };
  if (!buffer.empty() && db_ != nullptr) {
    hs_error_t rc = hs_scan(db_, buffer.data(), static_cast<unsigned>(buffer.size()), 0,
                            scratch.s, OnMatch, hits);
    if (rc != HS_SUCCESS) return failed(rc);
  }
  // Each match belongs to the line holding its last byte. Matches come mostly in end order, so
  // the search starts from the previous match's line.
  const size_t m = buffer.empty() ? 0 : copied ? n : scratch.line_starts.size();  // lines scanned
  auto start = [&](size_t k) { return copied ? lines[k].begin + 1 : scratch.line_starts[k]; };
  auto line_of = [&](size_t k) { return static_cast<uint32_t>(copied ? k : scratch.origin[k]); };
  size_t hint = 0;
  for (size_t i = cached_hits; i < hits->size(); ++i) {
    Hit& h = (*hits)[i];
    const uint32_t pos = h.line == 0 ? 0 : h.line - 1;
    size_t k = m;
    if (hint < m && start(hint) <= pos) {
      for (size_t j = hint; j < m && j < hint + 8; ++j) {
        if (j + 1 == m || pos < start(j + 1)) {
          k = j;
          break;
        }
      }
    }
    if (k == m) {
      size_t lo = 0, hi = m;  // the last line starting at or before pos
      while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        (start(mid) <= pos ? lo : hi) = mid;
      }
      k = lo;
    }
    hint = k;
    h.line = line_of(k);
  }
  // The rules that might reach past their line: each scanned line alone, framed by the line
  // breaks around it in the buffer. Their hits come in line order after the others.
  const size_t whole_hits = hits->size();
  if (line_db_ != nullptr) {
    for (size_t k = 0; k < m; ++k) {
      const uint32_t li = line_of(k);
      if (lines[li].blank) {  // "\n\n", whatever its whitespace
        for (uint32_t rule : blank_hits_) hits->push_back({rule, li});
        continue;
      }
      const size_t from = start(k) - 1;
      const size_t to = k + 1 < m ? start(k + 1) : buffer.size();  // one past its closing '\n'
      LineMatches lm{hits, li};
      hs_error_t rc = hs_scan(line_db_, buffer.data() + from, static_cast<unsigned>(to - from),
                              0, scratch.s, OnLineMatch, &lm);
      if (rc != HS_SUCCESS) return failed(rc);
    }
  }
  // Sorted by line and rule, one pair each: Hyperscan reports a rule once per end of a match.
  // The cached hits are in order; Hyperscan's come by end offset, so nearly in order (it does
  // not promise it): sort those within each line, or all of them when lines do not ascend.
  auto by_line = [](const Hit& a, const Hit& b) { return a.line < b.line; };
  auto by_line_rule = [](const Hit& a, const Hit& b) {
    return a.line != b.line ? a.line < b.line : a.rule < b.rule;
  };
  const auto mid = hits->begin() + static_cast<std::ptrdiff_t>(cached_hits);
  if (whole_hits != hits->size() && whole_hits != cached_hits) {
    std::sort(mid, hits->end(), by_line_rule);  // two runs of scanned hits
  } else if (std::is_sorted(mid, hits->end(), by_line)) {
    for (auto run = mid; run != hits->end();) {
      auto next = std::find_if(run, hits->end(), [&](const Hit& h) { return h.line != run->line; });
      if (next - run > 1) std::sort(run, next, by_line_rule);
      run = next;
    }
  } else {
    std::sort(mid, hits->end(), by_line_rule);
  }
  if (cached_hits > 0 && mid != hits->end()) {  // both runs: merge in the scratch's buffer
    scratch.merged.clear();
    std::merge(hits->begin(), mid, mid, hits->end(), std::back_inserter(scratch.merged),
               by_line_rule);
    hits->assign(scratch.merged.begin(), scratch.merged.end());
  }
  hits->erase(std::unique(hits->begin(), hits->end(),
                          [](const Hit& a, const Hit& b) {
                            return a.line == b.line && a.rule == b.rule;
                          }),
              hits->end());

  Remember(text, lines, scratch, *hits);
  return Status::Ok();
}

}  // namespace boilerstrip
