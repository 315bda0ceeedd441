// PatternSet: all rules in one Hyperscan block-mode database, scanned over the text with its
// lines' whitespace collapsed (see pattern_set.h).
//
// Rules are compiled with HS_FLAG_MULTILINE and without HS_FLAG_SINGLEMATCH: one scan reports
// every match of every rule, and each match is mapped to the line holding its last byte.
#include "boilerstrip/pattern_set.h"

#include <fcntl.h>
#include <hs/hs.h>
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
      if (i < p.size() && p[i] == '^') {
        out += "^\\n";
        ++i;
      }
      if (i < p.size() && p[i] == ']') out += p[i++];  // a literal ']' first in the class
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
      const std::string_view rest = p.substr(i + 1);
      auto hex = [&](std::string_view h) {
        return rest.size() >= 2 && (rest.substr(0, 2) == h ||
                                    (std::tolower(static_cast<unsigned char>(rest[0])) == h[0] &&
                                     std::tolower(static_cast<unsigned char>(rest[1])) == h[1]));
      };
      if (e == 'n' || (e == 'x' && (hex("0a") || rest.substr(0, 4) == "{0a}" || rest.substr(0, 4) == "{0A}"))) {
        return "a rule sees one line at a time: a line break (\\n) never matches";
      }
      if (e == 't' || e == 'r' || e == 'f' || e == 'v' ||
          (e == 'x' && (hex("09") || hex("0d") || hex("a0") || rest.substr(0, 4) == "{a0}" ||
                        rest.substr(0, 4) == "{A0}"))) {
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

// Compiles one rule alone, as written and as rewritten, to attribute an error to it.
std::string CompileError(const Rule& rule) {
  std::string message = ExpressionError(WrittenExpression(rule), HsFlags(rule));
  if (message.empty()) message = ExpressionError(PatternSet::Expression(rule), HsFlags(rule));
  return message;
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

// The cache key covers everything the database depends on: every expression with its flags and
// id, Hyperscan's version and the platform it compiles for. Two independent 64-bit hashes.
std::string CacheKey(const std::vector<std::string>& exprs, const std::vector<unsigned>& flags) {
  std::string material = hs_version();
  hs_platform_info_t platform{};
  if (hs_populate_platform(&platform) == HS_SUCCESS) {
    material.append("|").append(std::to_string(platform.tune));
    material.append("|").append(std::to_string(platform.cpu_features));
  }
  for (size_t i = 0; i < exprs.size(); ++i) {
    material.append("\n").append(std::to_string(flags[i])).append(":");
    material.append(std::to_string(exprs[i].size())).append(":").append(exprs[i]);
  }
  char key[40];
  std::snprintf(key, sizeof key, "%016llx%016llx",
                static_cast<unsigned long long>(HashBytes(material)),
                static_cast<unsigned long long>(HashBytes("boilerstrip-db/" + material)));
  return key;
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
  return db;
}

// Best effort: a cache that cannot be written is no error. Written to a temporary name and
// renamed, so that concurrent tasks never read a partial file.
void StoreCached(const std::string& dir, const std::string& path, const hs_database_t* db) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return;
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = mkstemp(tmp.data());
  bool ok = fd >= 0;
  for (size_t done = 0; ok && done < length;) {
    ssize_t n = ::write(fd, bytes + done, length - done);
    ok = n > 0;
    done += ok ? static_cast<size_t>(n) : 0;
  }
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  if (ok) ok = std::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok && fd >= 0) ::unlink(tmp.c_str());
  std::free(bytes);
}


// Hyperscan's time per short line with `db`, in ns: a fixed text of 2048 menu-like lines,
// scanned in texts of 64 lines, the best of five. What remembering a line saves.
double ScanNsPerShortLine(const hs_database_t* db, hs_scratch_t* scratch) {
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
      hs_scan(db, t.data(), static_cast<unsigned>(t.size()), 0, scratch, ignore, nullptr);
    }
    best = std::min(best, std::chrono::duration<double, std::nano>(
                              std::chrono::steady_clock::now() - start).count());
  }
  return best / kLines;
}

}  // namespace

PatternSet::Scratch::~Scratch() { hs_free_scratch(s_); }

PatternSet::Scratch::Scratch(Scratch&& other) noexcept { *this = std::move(other); }

PatternSet::Scratch& PatternSet::Scratch::operator=(Scratch&& other) noexcept {
  if (this != &other) {
    hs_free_scratch(s_);
    s_ = other.s_;
    other.s_ = nullptr;
    collapsed_ = std::move(other.collapsed_);
    line_starts_ = std::move(other.line_starts_);
    origin_ = std::move(other.origin_);
    irregular_ = std::move(other.irregular_);
    cache_ = std::move(other.cache_);
    skip_ = std::move(other.skip_);
    misses_ = std::move(other.misses_);
    merged_ = std::move(other.merged_);
  }
  return *this;
}

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
                                                        std::vector<RuleError>* errors) {
  std::unique_ptr<PatternSet> set(new PatternSet());
  set->rules_ = std::move(rules);
  const auto& rs = set->rules_;
  if (rs.empty()) return set;
  if (rs.size() > std::numeric_limits<uint32_t>::max() / 2) {
    return Status::RunError("too many rules");
  }
  const size_t errors_before = errors->size();
  for (const Rule& r : rs) {
    std::string problem = CollapsedLineProblem(r.pattern);
    if (problem.empty() && !r.utf8) SplitMultibyteClasses(r.pattern, &problem);
    if (!problem.empty()) errors->push_back({r.file, r.line_number, r.name, problem});
  }
  if (errors->size() != errors_before) return Status::RunError("rules failed to compile");
  std::vector<std::string> exprs;
  std::vector<const char*> expr_ptrs;
  std::vector<unsigned> flags, ids;
  exprs.reserve(rs.size());
  for (size_t i = 0; i < rs.size(); ++i) {
    exprs.push_back(Expression(rs[i]));
    flags.push_back(HsFlags(rs[i]));
    ids.push_back(static_cast<unsigned>(i));
  }
  for (const auto& e : exprs) expr_ptrs.push_back(e.c_str());
  const std::string cache_dir = CacheDir();
  std::string cache_path;
  if (!cache_dir.empty()) {
    cache_path = cache_dir + "/rules-" + CacheKey(exprs, flags) + ".hsdb";
    set->db_ = LoadCached(cache_path);
  }
  const bool from_cache = set->db_ != nullptr;
  hs_compile_error_t* err = nullptr;
  hs_error_t rc = from_cache ? HS_SUCCESS : hs_compile_multi(expr_ptrs.data(), flags.data(), ids.data(),
                                   static_cast<unsigned>(rs.size()), HS_MODE_BLOCK, nullptr,
                                   &set->db_, &err);
  if (rc != HS_SUCCESS) {
    std::string whole = err != nullptr && err->message != nullptr ? err->message : "";
    hs_free_compile_error(err);
    // Hyperscan names only the first bad expression; compile each alone to report them all.
    size_t before = errors->size();
    for (const Rule& r : rs) {
      std::string message = CompileError(r);
      if (!message.empty()) errors->push_back({r.file, r.line_number, r.name, message});
    }
    if (errors->size() == before) {
      // Each compiles alone but not together (e.g. the set is too large).
      errors->push_back({"", 0, "", "rule set failed to compile: " + whole});
    }
    return Status::RunError("rules failed to compile");
  }
  if (!cache_path.empty() && !from_cache) {
    StoreCached(cache_dir, cache_path, set->db_);
  }
  if (hs_alloc_scratch(set->db_, &set->proto_scratch_) != HS_SUCCESS) {
    return Status::RunError("cannot allocate Hyperscan scratch");
  }
  // Remembering short lines pays when Hyperscan spends much more on a line than a hash and a
  // look-up cost (about 40 ns here): the default rules take about 170 ns, C4's preset and the
  // 16 starter rules about 35, where remembering costs more than it saves. The choice
  // changes the speed only, never a result. BOILERSTRIP_LINE_CACHE=on|off overrides it.
  const char* forced = std::getenv("BOILERSTRIP_LINE_CACHE");
  if (forced != nullptr && (std::strcmp(forced, "on") == 0 || std::strcmp(forced, "off") == 0)) {
    set->remember_lines_ = std::strcmp(forced, "on") == 0;
  } else {
    set->remember_lines_ = ScanNsPerShortLine(set->db_, set->proto_scratch_) >= kRememberAboveNs;
  }
  return set;
}

PatternSet::~PatternSet() {
  hs_free_scratch(proto_scratch_);
  hs_free_database(db_);
}

PatternSet::Scratch PatternSet::MakeScratch() const {
  Scratch s;
  if (proto_scratch_ != nullptr && hs_clone_scratch(proto_scratch_, &s.s_) != HS_SUCCESS) {
    s.s_ = nullptr;
  }
  return s;
}

size_t PatternSet::Recall(std::string_view text, const std::vector<Line>& lines, Scratch& scratch,
                          std::vector<Hit>* hits) const {
  const size_t n = lines.size();
  if (scratch.cache_.empty()) scratch.cache_.assign(Scratch::kCacheSlots, Scratch::CachedLine{});
  scratch.skip_.assign(n, 0);
  // First every short line's hash, fetching its slot ahead (the table is larger than L1); then
  // the look-ups. The lines not found stay in misses_, to be remembered once scanned.
  for (size_t li = 0; li < n; ++li) {
    const size_t length = lines[li].end - lines[li].begin;
    if (length == 0 || length > Scratch::kCachedLineBytes) continue;
    const uint64_t hash = HashBytes(text.substr(lines[li].begin, length));
    __builtin_prefetch(&scratch.cache_[hash % Scratch::kCacheSlots]);
    scratch.misses_.emplace_back(static_cast<uint32_t>(li), hash);
  }
  size_t found = 0, kept = 0;
  for (const auto& [li, hash] : scratch.misses_) {
    const size_t length = lines[li].end - lines[li].begin;
    const Scratch::CachedLine& c = scratch.cache_[hash % Scratch::kCacheSlots];
    if (c.hash == hash && c.length == length &&
        std::memcmp(c.bytes, text.data() + lines[li].begin, length) == 0) {
      for (size_t k = 0; k < c.rules; ++k) hits->push_back({c.rule[k], li});
      scratch.skip_[li] = 1;
      ++found;
    } else {
      scratch.misses_[kept++] = {li, hash};
    }
  }
  scratch.misses_.resize(kept);
  return found;
}

void PatternSet::Remember(std::string_view text, const std::vector<Line>& lines,
                          Scratch& scratch, const std::vector<Hit>& hits) const {
  // `hits` is sorted by line: walk it along the lines just scanned. A line matching more rules
  // than a slot holds is not remembered.
  size_t h = 0;
  for (const auto& [li, hash] : scratch.misses_) {
    while (h < hits.size() && hits[h].line < li) ++h;
    size_t end = h;
    while (end < hits.size() && hits[end].line == li) ++end;
    if (end - h > Scratch::kCachedRules) continue;
    Scratch::CachedLine& c = scratch.cache_[hash % Scratch::kCacheSlots];
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

Status PatternSet::Scan(std::string_view text, const std::vector<Line>& lines, Scratch& scratch,
                        std::vector<Hit>* hits) const {
  hits->clear();
  if (db_ == nullptr || text.empty()) return Status::Ok();
  if (scratch.s_ == nullptr) return Status::RunError("no Hyperscan scratch");
  if (text.size() > std::numeric_limits<unsigned>::max() - 2) {
    return Status::Error(ErrorScope::kRecord, "text too long to scan");
  }
  // Short lines seen before take their rules from the scratch's cache, exactly: the cache holds
  // each line's bytes, and a rule sees one line at a time, so a line's rules depend on its bytes
  // alone.
  const size_t n = lines.size();
  scratch.misses_.clear();
  const size_t skipped = remember_lines_ ? Recall(text, lines, scratch, hits) : 0;
  const size_t cached_hits = hits->size();

  // The scanned buffer is the lines framed by line breaks, so that every line, the first and the
  // last too, stands between two. Most text needs no collapsing, and when no line came from the
  // cache either, the buffer is the text itself framed, its lines one byte further on.
  FindIrregular(text, &scratch.irregular_);
  const bool copied = scratch.irregular_.empty() && skipped == 0;
  std::string& buffer = scratch.collapsed_;
  if (skipped == n) {
    buffer.clear();
  } else if (!copied) {
    CollapseDirtyLines(text, lines, &scratch.irregular_, &buffer, &scratch.line_starts_,
                       skipped > 0 ? &scratch.skip_ : nullptr, &scratch.origin_);
  } else {
    buffer.clear();
    buffer.reserve(text.size() + 2);
    buffer.push_back('\n');
    buffer.append(text);
    buffer.push_back('\n');
  }
  if (!buffer.empty()) {
    hs_error_t rc = hs_scan(db_, buffer.data(), static_cast<unsigned>(buffer.size()), 0,
                            scratch.s_, OnMatch, hits);
    if (rc != HS_SUCCESS) {
      hits->clear();
      return Status::Error(ErrorScope::kRecord, "Hyperscan scan failed: " + std::to_string(rc));
    }
  }
  // Each match belongs to the line holding its last byte. Matches come mostly in end order, so
  // the search starts from the previous match's line.
  const size_t m = copied ? n : scratch.line_starts_.size();  // lines scanned
  auto start = [&](size_t k) { return copied ? lines[k].begin + 1 : scratch.line_starts_[k]; };
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
    h.line = static_cast<uint32_t>(copied ? k : scratch.origin_[k]);
  }
  // Sorted by line and rule, one pair each: Hyperscan reports a rule once per end of a match.
  // The cached hits are in order; Hyperscan's come by end offset, so nearly in order (it does
  // not promise it): sort those within each line, or all of them when lines do not ascend.
  auto by_line = [](const Hit& a, const Hit& b) { return a.line < b.line; };
  auto by_line_rule = [](const Hit& a, const Hit& b) {
    return a.line != b.line ? a.line < b.line : a.rule < b.rule;
  };
  const auto mid = hits->begin() + static_cast<std::ptrdiff_t>(cached_hits);
  if (std::is_sorted(mid, hits->end(), by_line)) {
    for (auto run = mid; run != hits->end();) {
      auto next = std::find_if(run, hits->end(), [&](const Hit& h) { return h.line != run->line; });
      if (next - run > 1) std::sort(run, next, by_line_rule);
      run = next;
    }
  } else {
    std::sort(mid, hits->end(), by_line_rule);
  }
  if (cached_hits > 0 && mid != hits->end()) {  // both runs: merge in the scratch's buffer
    scratch.merged_.clear();
    std::merge(hits->begin(), mid, mid, hits->end(), std::back_inserter(scratch.merged_),
               by_line_rule);
    hits->assign(scratch.merged_.begin(), scratch.merged_.end());
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
