// The structural line classifier: features per line, then context over runs of lines.
#include "boilerstrip/classifier.h"

#include <algorithm>
#include <array>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <bit>
#include <cmath>
#include <cstring>
#include <cctype>
#include <string>

namespace boilerstrip {
namespace {

// English function words: the words that make up a third or more of running prose and almost
// none of a menu, a tag list or a footer.
constexpr std::string_view kEnglishStopwords[] = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "around", "as", "at", "be", "because", "been", "before", "being", "below", "between",
    "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each",
    "even", "ever", "every", "few", "for", "from", "further", "had", "has", "have", "having", "he",
    "her", "here", "hers", "herself", "him", "himself", "his", "how", "however", "i", "if", "in",
    "into", "is", "it", "its", "itself", "just", "least", "less", "like", "many", "may", "me",
    "might", "more", "most", "much", "must", "my", "myself", "never", "no", "nor", "not", "now",
    "of", "off", "often", "on", "once", "one", "only", "or", "other", "others", "our", "ours",
    "ourselves", "out", "over", "own", "per", "quite", "rather", "really", "same", "she", "should",
    "since", "so", "some", "still", "such", "than", "that", "the", "their", "theirs", "them",
    "themselves", "then", "there", "these", "they", "this", "those", "though", "through", "thus",
    "to", "too", "under", "until", "up", "upon", "us", "very", "was", "we", "well", "were", "what",
    "when", "where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with",
    "within", "without", "would", "yet", "you", "your", "yours", "yourself", "yourselves",
    "it's", "i'm", "don't", "didn't", "doesn't", "isn't", "wasn't", "can't", "won't", "that's",
    "there's", "he's", "she's", "we're", "they're", "you're", "i've", "we've", "i'd", "let's",
    "it’s", "i’m", "don’t", "didn’t", "doesn’t", "isn’t", "wasn’t", "can’t", "won’t", "that’s",
};

// Word bytes: ASCII letters and digits, the apostrophe, and every byte of a multi-byte UTF-8
// sequence (letters of other scripts; typographic punctuation fuses, which is harmless here).
constexpr bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '\'' || c >= 0x80;
}

constexpr size_t kMaxStopwordBytes = 16;

// ASCII capitals of eight packed bytes to lowercase, other bytes unchanged.
inline uint64_t LowerAscii8(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const uint64_t low7 = w & ~kHigh;
  const uint64_t ge_a = low7 + kOnes * (0x80 - 'A');      // high bit: byte >= 'A'
  const uint64_t gt_z = low7 + kOnes * (0x80 - 'Z' - 1);  // high bit: byte > 'Z'
  const uint64_t upper = ge_a & ~gt_z & ~w & kHigh;       // ASCII only
  return w | (upper >> 2);                                // 0x80 >> 2 = 0x20
}

// A word of at most kMaxStopwordBytes bytes as a lookup key: its bytes, ASCII-lowercased and
// packed into two words with zero padding (a word byte is never 0, so the padding is
// unambiguous). `avail` is how many bytes may be read from p (at least len).
inline Classifier::WordKey MakeKey(const unsigned char* p, size_t len, size_t avail) {
  uint64_t lo = 0, hi = 0;
  if (avail >= 16) {
    std::memcpy(&lo, p, 8);
    std::memcpy(&hi, p + 8, 8);
  } else {
    unsigned char buf[16] = {};
    std::memcpy(buf, p, len);
    std::memcpy(&lo, buf, 8);
    std::memcpy(&hi, buf + 8, 8);
  }
  // Keep the word's first len bytes only.
  uint64_t mlo, mhi;
  if constexpr (std::endian::native == std::endian::little) {
    mlo = len >= 8 ? ~0ull : (1ull << (8 * len)) - 1;
    mhi = len >= 16 ? ~0ull : len <= 8 ? 0 : (1ull << (8 * (len - 8))) - 1;
  } else {
    unsigned char ones[16] = {};
    std::memset(ones, 0xFF, len);
    std::memcpy(&mlo, ones, 8);
    std::memcpy(&mhi, ones + 8, 8);
  }
  return {LowerAscii8(lo & mlo), LowerAscii8(hi & mhi)};
}

// The two candidate slots of a key in a cuckoo table of 2^(64 - shift) slots.
inline size_t KeySlot(const Classifier::WordKey& k, unsigned shift, uint64_t multiplier) {
  return static_cast<size_t>(((k.lo ^ (k.hi * 0x9E3779B97F4A7C15ull)) * multiplier) >> shift);
}
constexpr uint64_t kSlotMultiplier1 = 0xFF51AFD7ED558CCDull;
constexpr uint64_t kSlotMultiplier2 = 0xC4CEB9FE1A85EC53ull;

// True when the line, trailing spaces ignored, ends in sentence punctuation: . ! ? : ; " ' )
// or a typographic quote, an ellipsis, or CJK full stops.
bool EndsSentence(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  if (s.empty()) return false;
  unsigned char c = static_cast<unsigned char>(s.back());
  if (c < 0x80) {
    return c == '.' || c == '!' || c == '?' || c == ':' || c == ';' || c == '"' || c == '\'' ||
           c == ')';
  }
  if (s.size() < 3) return false;
  std::string_view t = s.substr(s.size() - 3);
  return t == "\xE2\x80\x9D" /* ” */ || t == "\xE2\x80\x99" /* ’ */ ||
         t == "\xE2\x80\xA6" /* … */ || t == "\xE3\x80\x82" /* 。 */ ||
         t == "\xEF\xBC\x81" /* ！ */ || t == "\xEF\xBC\x9F" /* ？ */;
}

// A headline shorter than this is too likely a site name or a menu entry.
constexpr size_t kMinHeadlineBytes = 12;

// Separators between the parts of a page title ("Headline | Site - Section"), normalized.
constexpr std::string_view kTitleSeparators[] = {" - ", " | ", ": ", " « ", " » ", " · ",
                                                 " • ", " / ", " :: ", " ~ "};

// Length of the longest part of `s` between title separators.
size_t LongestTitlePart(std::string_view s) {
  size_t longest = 0;
  while (!s.empty()) {
    size_t cut = s.size(), skip = 0;
    for (std::string_view sep : kTitleSeparators) {
      size_t at = s.find(sep);
      if (at < cut) cut = at, skip = sep.size();
    }
    longest = std::max(longest, cut);
    s.remove_prefix(std::min(s.size(), cut + skip));
  }
  return longest;
}

// True when `part` (normalized) is the whole normalized title, or the part of it before the
// first or after the last of some separators, and that part is at least half the title or
// longer than any other part (the site and section names).
bool IsTitlePart(std::string_view title, std::string_view part) {
  if (part.size() < kMinHeadlineBytes || part.size() > title.size()) return false;
  if (part == title) return true;
  std::string_view rest;
  if (title.starts_with(part)) {
    rest = title.substr(part.size());
    bool separated = false;
    for (std::string_view sep : kTitleSeparators) separated |= rest.starts_with(sep);
    if (!separated && part.back() == ':' && rest.starts_with(' ')) separated = true;
    if (!separated) return false;
  } else if (title.ends_with(part)) {
    rest = title.substr(0, title.size() - part.size());
    bool separated = false;
    for (std::string_view sep : kTitleSeparators) separated |= rest.ends_with(sep);
    if (!separated) return false;
  } else {
    return false;
  }
  return 2 * part.size() >= title.size() || part.size() > LongestTitlePart(rest);
}

// Comment metadata lines are short; a commenter's name line shorter still.
constexpr size_t kMaxMetaBytes = 100;
constexpr size_t kMaxNameBytes = 40;

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// True when `s` looks like a comment's metadata: it holds a clock time ("4:12 pm", "16:44"),
// or "<n> <unit> ago", or it ends in "says:", "said:", "wrote:" or "writes:".
bool IsCommentMeta(std::string_view s) {
  for (size_t p = s.find(':'); p != std::string_view::npos; p = s.find(':', p + 1)) {
    if (p > 0 && IsDigit(s[p - 1]) && p + 2 < s.size() + 0 && IsDigit(s[p + 1]) &&
        IsDigit(s[p + 2]) && (p + 3 == s.size() || !IsDigit(s[p + 3])) &&
        (p < 3 || !IsDigit(s[p - 3]))) {
      return true;
    }
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  auto ends_with_word = [&](std::string_view w) {
    if (s.size() < w.size()) return false;
    for (size_t i = 0; i < w.size(); ++i) {
      char c = s[s.size() - w.size() + i];
      if (c >= 'A' && c <= 'Z') c += 32;
      if (c != w[i]) return false;
    }
    return s.size() == w.size() || s[s.size() - w.size() - 1] == ' ';
  };
  if (ends_with_word("says:") || ends_with_word("said:") || ends_with_word("wrote:") ||
      ends_with_word("writes:") || ends_with_word("says")) {
    return true;
  }
  const size_t ago = s.find(" ago");
  if (ago != std::string_view::npos && (ago + 4 == s.size() || !std::isalpha(static_cast<unsigned char>(s[ago + 4])))) {
    std::string_view before = s.substr(0, ago);
    for (std::string_view unit : {"second", "minute", "hour", "day", "week", "month", "year",
                                  "seconds", "minutes", "hours", "days", "weeks", "months",
                                  "years"}) {
      if (before.ends_with(unit)) {
        before.remove_suffix(unit.size());
        while (!before.empty() && before.back() == ' ') before.remove_suffix(1);
        return !before.empty() && (IsDigit(before.back()) || before.ends_with(" a") ||
                                   before.ends_with(" an") || before == "a" || before == "an");
      }
    }
  }
  return false;
}

// First classes, then final ones.
enum Cls : uint8_t { kGood, kNearGood, kShort, kBad, kSkip };

}  // namespace

// The line model's features, in row order (see the row loop at the end of Classify).
const std::array<std::string_view, LineModel::kFeatures> LineModel::kFeatureNames = {
    "chars", "bytes", "words", "stop_share", "latin_share", "cap_share", "symbol_share",
    "ends_sentence", "rules_chrome", "position", "lines_before", "lines_after", "prose_before",
    "prose_after", "comment_meta", "meta_before", "meta_after",
    "m3_bytes", "m3_state", "m3_stop_share", "m3_ends",
    "m2_bytes", "m2_state", "m2_stop_share", "m2_ends",
    "m1_bytes", "m1_state", "m1_stop_share", "m1_ends",
    "p1_bytes", "p1_state", "p1_stop_share", "p1_ends",
    "p2_bytes", "p2_state", "p2_stop_share", "p2_ends",
    "p3_bytes", "p3_state", "p3_stop_share", "p3_ends",
};

Result<Classifier> Classifier::Create(ClassifierOptions options) {
  auto share_ok = [](double x) { return x >= 0.0 && x <= 1.0; };
  if (!share_ok(options.min_stopword_share)) {
    return Status::RunError("classifier: min_stopword_share must be in [0, 1]");
  }
  if (!share_ok(options.min_document_stopword_share)) {
    return Status::RunError("classifier: min_document_stopword_share must be in [0, 1]");
  }
  if (!(options.max_symbol_share > 0.0 && options.max_symbol_share <= 1.0)) {
    return Status::RunError("classifier: max_symbol_share must be in (0, 1]");
  }
  if (options.long_chars < options.short_chars) {
    return Status::RunError("classifier: long_chars must be at least short_chars");
  }
  if (options.scan_bytes < 16) return Status::RunError("classifier: scan_bytes must be >= 16");
  if (std::isinf(options.line_model_threshold)) {
    return Status::RunError("classifier: line_model_threshold must be finite");
  }
  for (const std::string& w : options.stopwords) {
    if (w.empty()) return Status::RunError("classifier: empty stopword");
    if (w.size() > kMaxStopwordBytes) {
      return Status::RunError("classifier: stopword '" + w + "' is longer than 16 bytes");
    }
    for (unsigned char c : w) {
      if (!IsWordByte(c)) return Status::RunError("classifier: stopword '" + w + "' is not one word");
    }
  }
  return Classifier(std::move(options));
}

Classifier::Classifier(ClassifierOptions options) : options_(std::move(options)) {
  std::vector<WordKey> keys;
  auto add = [&](std::string_view w) {
    keys.push_back(MakeKey(reinterpret_cast<const unsigned char*>(w.data()), w.size(), w.size()));
    max_stopword_bytes_ = std::max(max_stopword_bytes_, w.size());
  };
  if (options_.stopwords.empty()) {
    for (std::string_view w : kEnglishStopwords) add(w);
  } else {
    for (const std::string& w : options_.stopwords) add(w);
  }
  // A cuckoo table: every key sits in one of its two slots, so a lookup reads both and never
  // branches on what it finds (half of all words are stopwords: a branch would mispredict).
  size_t cap = 64;
  unsigned shift = 58;
  while (cap < 4 * keys.size()) cap <<= 1, --shift;
  for (;;) {
    table_.assign(cap, WordKey{0, 0});
    shift_ = shift;
    bool placed_all = true;
    for (WordKey k : keys) {
      if (IsStopword(k)) continue;  // a duplicate
      bool placed = false;
      for (int kick = 0; kick < 64 && !placed; ++kick) {
        const size_t s1 = KeySlot(k, shift_, kSlotMultiplier1);
        const size_t s2 = KeySlot(k, shift_, kSlotMultiplier2);
        if (table_[s1].lo == 0) {
          table_[s1] = k, placed = true;
        } else if (table_[s2].lo == 0) {
          table_[s2] = k, placed = true;
        } else {
          std::swap(k, table_[(kick & 1) ? s2 : s1]);  // evict, then place the evicted key
        }
      }
      if (!placed) {
        placed_all = false;
        break;
      }
    }
    if (placed_all) break;
    cap <<= 1, --shift;  // rare: grow and rebuild
  }
}

bool Classifier::IsStopword(const WordKey& k) const {
  // Bitwise, not ==: a compare-and-branch per slot would mispredict on every other word.
  const WordKey& a = table_[KeySlot(k, shift_, kSlotMultiplier1)];
  const WordKey& b = table_[KeySlot(k, shift_, kSlotMultiplier2)];
  const uint64_t da = (a.lo ^ k.lo) | (a.hi ^ k.hi);
  const uint64_t db = (b.lo ^ k.lo) | (b.hi ^ k.hi);
  return (da == 0) | (db == 0);
}

// Byte classes for Measure, one table lookup per byte instead of a chain of compares.
enum : uint8_t { kWord = 1, kDigit = 2, kUpper = 4, kLetter = 8, kLead = 16, kSymbol = 32 };

struct ByteTable {
  uint8_t c[256];
  constexpr ByteTable() : c() {
    for (int i = 0; i < 256; ++i) {
      uint8_t v = 0;
      if (IsWordByte(static_cast<unsigned char>(i))) v |= kWord;
      if (i >= '0' && i <= '9') v |= kDigit;
      if (i >= 'A' && i <= 'Z') v |= kUpper | kLetter;
      if (i >= 'a' && i <= 'z') v |= kLetter;
      if ((i & 0xC0) != 0x80) v |= kLead;
      if (!(v & kWord) && i > ' ') v |= kSymbol;
      c[i] = v;
    }
  }
};
constexpr ByteTable kBytes;

// What each byte adds to Measure's counts: ASCII digits and punctuation (symbols) in the low
// half, non-space characters (visible: punctuation, and the first byte of each character of a
// word) in the high half.
struct CountTable {
  uint64_t c[256];
  constexpr CountTable() : c() {
    for (int i = 0; i < 256; ++i) {
      const uint8_t v = ByteTable().c[i];
      const bool word = v & kWord;
      const uint64_t symbol = word ? (v & kDigit) != 0 : (v & kSymbol) != 0;
      const uint64_t visible = word ? (v & kLead) != 0 : (v & kSymbol) != 0;
      c[i] = symbol | visible << 32;
    }
  }
};
constexpr CountTable kCounts;

namespace {

// Per-byte bit masks of a line's scan window, 64 bytes to a word (bits past the window are 0),
// and the window's byte counts.
struct WindowMasks {
  static constexpr size_t kMaxBytes = 512;
  static constexpr size_t kChunks = kMaxBytes / 64;
  uint64_t word[kChunks], letter[kChunks], upper[kChunks];
  size_t chunks = 0;
  uint32_t symbols = 0;  // ASCII digits and punctuation
  uint32_t visible = 0;  // punctuation, and the first byte of each character of a word
  uint32_t chars = 0;    // code points (bytes that are no UTF-8 continuation)
};

// The set bits of `x`. std::popcount is a call into libgcc (__popcountdi2) unless the build
// targets POPCNT, which the binary must not require (it runs on any x86-64 with SSSE3, as
// Hyperscan does; the first CPUs with POPCNT came later): the bit trick inlines, in a dozen
// operations with no table and no call.
inline uint32_t PopCount(uint64_t x) {
#if defined(__POPCNT__) || !(defined(__x86_64__) || defined(__i386__))
  return static_cast<uint32_t>(std::popcount(x));
#else
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return static_cast<uint32_t>((x * 0x0101010101010101ull) >> 56);
#endif
}

// REQUIRES: 0 < end <= min(size, kMaxBytes).
void BuildMasks(const unsigned char* p, size_t end, size_t size, WindowMasks* m) {
  m->chunks = (end + 63) / 64;
  uint32_t symbols = 0, visible = 0, cont = 0;
  for (size_t c = 0; c < m->chunks; ++c) {
    const size_t base = c * 64;
    const size_t valid = std::min<size_t>(64, end - base);
    uint64_t word = 0, letter = 0, upper = 0, digit = 0, symbol = 0, contm = 0;
#if defined(__SSE2__)
    auto in_range = [](__m128i v, int lo, int hi) {
      return _mm_and_si128(
          _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(static_cast<char>(lo))), v),
          _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(static_cast<char>(hi))), v));
    };
    auto bits = [](__m128i v) {
      return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(v)));
    };
    for (size_t q = 0; q < valid; q += 16) {
      __m128i x;
      if (base + q + 16 <= size) {
        x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + base + q));
      } else {  // never read past the line
        alignas(16) unsigned char buf[16] = {};
        std::memcpy(buf, p + base + q, size - (base + q));
        x = _mm_load_si128(reinterpret_cast<const __m128i*>(buf));
      }
      const uint64_t le = bits(in_range(_mm_or_si128(x, _mm_set1_epi8(0x20)), 'a', 'z'));
      const uint64_t up = bits(in_range(x, 'A', 'Z'));
      const uint64_t di = bits(in_range(x, '0', '9'));
      const uint64_t ap = bits(_mm_cmpeq_epi8(x, _mm_set1_epi8('\'')));
      const uint64_t hi = bits(x);  // bytes >= 0x80: word bytes of other scripts
      const uint64_t sp = bits(in_range(x, 0, ' '));
      const uint64_t co = bits(in_range(x, 0x80, 0xBF));
      const uint64_t wd = le | di | ap | hi;
      word |= wd << q, letter |= le << q, upper |= up << q, digit |= di << q;
      symbol |= (~(wd | sp) & 0xFFFF) << q;
      contm |= co << q;
    }
#else
    for (size_t q = 0; q < valid; ++q) {
      const unsigned char ch = p[base + q];
      const uint8_t v = kBytes.c[ch];
      word |= uint64_t{(v & kWord) != 0} << q;
      letter |= uint64_t{(v & kLetter) != 0} << q;
      upper |= uint64_t{(v & kUpper) != 0} << q;
      digit |= uint64_t{(v & kDigit) != 0} << q;
      symbol |= uint64_t{(v & kSymbol) != 0} << q;
      contm |= uint64_t{(ch & 0xC0) == 0x80} << q;
    }
#endif
    const uint64_t in_window = valid == 64 ? ~0ull : (1ull << valid) - 1;
    word &= in_window, letter &= in_window, upper &= in_window, digit &= in_window;
    symbol &= in_window, contm &= in_window;
    m->word[c] = word, m->letter[c] = letter, m->upper[c] = upper;
    // Digits are word bytes and symbols are not: each sum is of disjoint masks, one count.
    symbols += PopCount(digit | symbol);
    visible += PopCount(symbol | (word & ~contm));
    cont += PopCount(contm);
  }
  m->symbols = symbols;
  m->visible = visible;
  m->chars = static_cast<uint32_t>(end) - cont;
}

// First set bit at or after `from` (chunks * 64 when none).
inline size_t NextSet(const uint64_t* mask, size_t chunks, size_t from) {
  size_t c = from / 64;
  if (c >= chunks) return chunks * 64;
  uint64_t w = mask[c] & (~0ull << (from % 64));
  while (w == 0) {
    if (++c == chunks) return chunks * 64;
    w = mask[c];
  }
  return c * 64 + std::countr_zero(w);
}

// First clear bit at or after `from`, at most `end`.
inline size_t NextClear(const uint64_t* mask, size_t chunks, size_t from, size_t end) {
  size_t c = from / 64;
  uint64_t w = ~mask[c] & (~0ull << (from % 64));
  while (w == 0) {
    if (++c == chunks) return end;
    w = ~mask[c];
  }
  return std::min(end, c * 64 + std::countr_zero(w));
}

// Whether any bit in [from, to) is set. REQUIRES: from < to.
inline bool AnyInRange(const uint64_t* mask, size_t from, size_t to) {
  for (size_t c = from / 64; c * 64 < to; ++c) {
    uint64_t w = mask[c];
    if (c == from / 64) w &= ~0ull << (from % 64);
    if ((c + 1) * 64 > to) w &= (1ull << (to % 64)) - 1;
    if (w != 0) return true;
  }
  return false;
}

}  // namespace

LineFeatures Classifier::Measure(std::string_view s) const {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t size = s.size();
  const size_t end = std::min(size, options_.scan_bytes);
  if (end > WindowMasks::kMaxBytes) return MeasureScalar(s);
  LineFeatures f;
  if (end == 0) return f;
  // Whole-window byte classes with SIMD compares (or a table), then one step per word
  // rather than per byte: no branch on every byte's class.
  WindowMasks m;
  BuildMasks(p, end, size, &m);
  const uint32_t chars = m.chars + static_cast<uint32_t>(CountCodePoints(s.substr(end)));
  // Words by their first and last bytes, whole chunks at a time: a word starts where the byte
  // before is no word byte (the carry from the chunk before), and ends where the byte after is
  // none (the next chunk's first bit). Starts and ends then pair up in order. Words and
  // capitalized words are counts of masks; only the latin test and the stopword look-up take a
  // step per word.
  uint32_t words = 0, latin = 0, stop = 0, capitalized = 0;
  uint64_t starts[WindowMasks::kChunks], ends[WindowMasks::kChunks];
  for (size_t c = 0; c < m.chunks; ++c) {
    const uint64_t w = m.word[c];
    const uint64_t before = (w << 1) | (c > 0 ? m.word[c - 1] >> 63 : 0);
    const uint64_t after = (w >> 1) | (c + 1 < m.chunks ? m.word[c + 1] << 63 : 0);
    starts[c] = w & ~before;
    ends[c] = w & ~after;
    words += PopCount(starts[c]);
    capitalized += PopCount(starts[c] & m.upper[c]);
  }
  size_t ce = 0;
  uint64_t pending_ends = ends[0];
  for (size_t c = 0; c < m.chunks; ++c) {
    for (uint64_t st = starts[c]; st != 0; st &= st - 1) {
      const size_t j = c * 64 + static_cast<size_t>(std::countr_zero(st));
      while (pending_ends == 0) pending_ends = ends[++ce];
      const size_t k = ce * 64 + static_cast<size_t>(std::countr_zero(pending_ends)) + 1;
      pending_ends &= pending_ends - 1;
      bool has_latin;
      if (ce == c) {  // the word within one chunk: its letters by one mask
        const uint64_t span = (k - j == 64 ? ~0ull : ((1ull << (k - j)) - 1)) << (j % 64);
        has_latin = (m.letter[c] & span) != 0;
      } else {
        has_latin = AnyInRange(m.letter, j, k);
      }
      latin += has_latin;
      // Only words that can be stopwords are looked up; a word cut by the scan window is not.
      const bool cut = k == end && end < size;
      if (has_latin && !cut && k - j <= max_stopword_bytes_) {
        stop += IsStopword(MakeKey(p + j, k - j, size - j));
      }
    }
  }
  f.chars = chars;
  f.words = words;
  f.latin = latin;
  f.stop = stop;
  f.capitalized = capitalized;
  f.symbols = m.symbols;
  f.visible = m.visible;
  f.ends_sentence = EndsSentence(s);
  return f;
}

// The byte-at-a-time measure: for scan windows longer than WindowMasks::kMaxBytes, and the
// reference the mask-based one must equal (tests compare them).
LineFeatures Classifier::MeasureScalar(std::string_view s) const {
  // Counters live in locals: the compiler cannot keep fields of *this or of the result in
  // registers across byte loads (a char may alias anything).
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t size = s.size();
  const size_t end = std::min(size, options_.scan_bytes);
  uint32_t chars = 0;
  uint64_t counts = 0;  // symbols in the low half, visible characters in the high half
  for (size_t i = 0; i < end; ++i) {
    counts += kCounts.c[p[i]];
    chars += (p[i] & 0xC0) != 0x80;
  }
  for (size_t i = end; i < size; ++i) chars += (p[i] & 0xC0) != 0x80;
  uint32_t words = 0, latin = 0, stop = 0, capitalized = 0;
  for (size_t j = 0; j < end;) {
    const uint8_t cj = kBytes.c[p[j]];
    if (!(cj & kWord)) {
      ++j;
      continue;
    }
    uint8_t any = cj;
    size_t k = j + 1;
    for (; k < end; ++k) {
      const uint8_t ck = kBytes.c[p[k]];
      if (!(ck & kWord)) break;
      any |= ck;
    }
    const bool has_latin = any & kLetter;
    ++words;
    latin += has_latin;
    capitalized += (cj & kUpper) != 0;
    // Only words that can be stopwords are looked up; a word cut by the scan window is not.
    const bool cut = k == end && end < size;
    if (has_latin && !cut && k - j <= max_stopword_bytes_) {
      stop += IsStopword(MakeKey(p + j, k - j, size - j));
    }
    j = k;
  }
  LineFeatures f;
  f.chars = chars;
  f.words = words;
  f.latin = latin;
  f.stop = stop;
  f.capitalized = capitalized;
  f.symbols = static_cast<uint32_t>(counts);
  f.visible = static_cast<uint32_t>(counts >> 32);
  f.ends_sentence = EndsSentence(s);
  return f;
}

void Classifier::Classify(std::string_view text, const std::vector<Line>& lines,
                          std::vector<LineMark>* marks, Scratch* scratch) const {
  const size_t n = lines.size();
  const ClassifierOptions& o = options_;
  std::vector<uint8_t>& cls = scratch->classes;
  std::vector<LineFeatures>& feat = scratch->features;
  std::vector<uint8_t>& measured = scratch->measured;
  cls.assign(n, kSkip);
  scratch->row_lines.clear();
  scratch->rows.clear();
  feat.resize(n);
  measured.resize(n);
  auto full = [&](size_t k) -> const LineFeatures& {
    if (!measured[k]) {
      feat[k] = Measure(text.substr(lines[k].begin, lines[k].end - lines[k].begin));
      measured[k] = 1;
    }
    return feat[k];
  };

  // 1. Measure the open lines; sum the stopword share of the document's non-short lines.
  uint64_t doc_latin = 0, doc_stop = 0;
  // With the line model, every open line of a document with prose is measured in full for its
  // row (ApplyLineModel): measuring now costs no more than counting code points first.
  const bool measure_all = o.line_model != nullptr || o.keep_line_features;
  for (size_t i = 0; i < n; ++i) {
    LineMark m = (*marks)[i];
    if (m != LineMark::kOpen) continue;
    std::string_view line = text.substr(lines[i].begin, lines[i].end - lines[i].begin);
    if (measure_all) {
      feat[i] = Measure(line);
      measured[i] = 1;
      if (feat[i].chars >= o.short_chars) doc_latin += feat[i].latin, doc_stop += feat[i].stop;
      continue;
    }
    // Short lines, most lines of a page, are measured in full only if a run check needs it.
    // (A line of 4 * short_chars bytes or more has at least short_chars code points.)
    if (line.size() < 4 * o.short_chars) {
      const uint32_t chars = static_cast<uint32_t>(CountCodePoints(line));
      if (chars < o.short_chars) {
        feat[i] = LineFeatures();
        feat[i].chars = chars;
        measured[i] = 0;
        continue;
      }
    }
    feat[i] = Measure(line);
    measured[i] = 1;
    doc_latin += feat[i].latin, doc_stop += feat[i].stop;
  }
  const bool covered = static_cast<double>(doc_stop) >=
                       o.min_document_stopword_share * static_cast<double>(doc_latin);

  // 2. First class of each line from its own features.
  bool any_good = false, any_near = false;
  for (size_t i = 0; i < n; ++i) {
    LineMark m = (*marks)[i];
    if (m == LineMark::kProtected) {
      cls[i] = kGood;
      continue;
    }
    if (m != LineMark::kOpen) continue;
    const LineFeatures& f = feat[i];
    if (f.chars < o.short_chars) {
      cls[i] = kShort;
      continue;
    }
    bool prose;
    if (covered && f.words > 0 && 2 * f.latin >= f.words) {
      prose = static_cast<double>(f.stop) >= o.min_stopword_share * static_cast<double>(f.latin);
    } else {
      prose = f.ends_sentence;  // a language the stopword list does not cover
    }
    if (prose && f.chars >= o.long_chars) {
      cls[i] = kGood;
      any_good = true;
    } else if (prose || f.ends_sentence) {
      cls[i] = kNearGood;
      any_near = true;
    } else if (f.visible > 0 && static_cast<double>(f.symbols) >=
                                    o.max_symbol_share * static_cast<double>(f.visible)) {
      cls[i] = kBad;
    } else {
      cls[i] = kShort;  // no sign of prose: context decides, as for a short line
    }
  }

  // No prose at all: nothing to anchor context on, so nothing is judged.
  if (!any_good && !any_near) {
    for (size_t i = 0; i < n; ++i) {
      if ((*marks)[i] == LineMark::kOpen) (*marks)[i] = LineMark::kContent;
    }
    return;
  }
  if (!any_good) {
    for (uint8_t& c : cls) c = c == kNearGood ? uint8_t{kGood} : c;
  }

  // The article's headline: the first later line that repeats the document's first line (the
  // page title) or its longer part before or after a separator ("Headline | Site"). It is
  // content and anchors its neighbours (a byline, a date) even where chrome surrounds it.
  if (o.title_headline) {
    size_t t = 0;
    while (t < n && (*marks)[t] == LineMark::kBlank) ++t;
    if (t < n) {
      std::string_view title = text.substr(lines[t].begin, lines[t].end - lines[t].begin);
      const size_t max_bytes = std::min<size_t>(title.size() + 8, 400);
      std::string& norm_title = scratch->title;
      bool normalized = false;
      // The headline stands above the article: look no further than the first long prose line.
      for (size_t i = t + 1; i < n && cls[i] != kGood; ++i) {
        if ((*marks)[i] != LineMark::kOpen) continue;
        const size_t bytes = lines[i].end - lines[i].begin;
        if (bytes < kMinHeadlineBytes || bytes > max_bytes) {
          continue;
        }
        if (!normalized) NormalizeLine(title, &norm_title), normalized = true;
        NormalizeLine(text.substr(lines[i].begin, bytes), &scratch->line);
        if (IsTitlePart(norm_title, scratch->line)) {
          cls[i] = kGood;
          break;
        }
      }
    }
  }

  // A comment section: after enough article prose, a run of comment metadata lines ("Jane on
  // May 5, 2012 at 4:12 pm", "3 hours ago", "Jane says:"), each within comment_meta_gap lines
  // of the next. Everything from the first of them (and a short name line right above it) to
  // the document's end is chrome.
  if (o.min_comment_meta > 0) {
    std::vector<uint32_t>& meta = scratch->meta;
    meta.clear();
    size_t prose = 0;
    for (size_t i = 0; i < n; ++i) {
      const LineMark m = (*marks)[i];
      if (m == LineMark::kBlank) continue;
      const size_t bytes = lines[i].end - lines[i].begin;
      if (prose >= o.comment_prose_bytes && bytes < kMaxMetaBytes &&
          IsCommentMeta(text.substr(lines[i].begin, bytes))) {
        meta.push_back(static_cast<uint32_t>(i));
      }
      if (cls[i] == kGood) prose += bytes;
    }
    size_t start = n;
    for (size_t a = 0, b = 0; a < meta.size(); a = b) {
      b = a + 1;
      while (b < meta.size() && meta[b] - meta[b - 1] <= o.comment_meta_gap) ++b;
      if (b - a >= o.min_comment_meta) {
        start = meta[a];
        break;
      }
    }
    if (start < n) {
      size_t k = start;  // a commenter's name on its own line above the first metadata line
      while (k > 0 && (*marks)[k - 1] == LineMark::kBlank) --k;
      if (k > 0 && (*marks)[k - 1] == LineMark::kOpen && cls[k - 1] != kGood &&
          lines[k - 1].end - lines[k - 1].begin < kMaxNameBytes) {
        start = k - 1;
      }
      for (size_t i = start; i < n; ++i) {
        if ((*marks)[i] == LineMark::kOpen) cls[i] = kBad;
      }
    }
  }

  // Blocks: prose lines with at most max_block_gap other lines between neighbours. Apart from
  // the block with the most prose (the article), a block with little prose is chrome.
  if (o.min_block_bytes > 0) {
    auto& blocks = scratch->blocks;
    blocks.clear();
    size_t gap = 0;
    for (size_t i = 0; i < n; ++i) {
      if ((*marks)[i] == LineMark::kBlank) continue;
      if (cls[i] != kGood && cls[i] != kNearGood) {
        ++gap;
        continue;
      }
      if (blocks.empty() || gap > o.max_block_gap) blocks.push_back({i, i, 0});
      blocks.back().last = i;
      blocks.back().mass += lines[i].end - lines[i].begin;
      gap = 0;
    }
    size_t best = 0;  // the first block with the most prose
    for (size_t b = 1; b < blocks.size(); ++b) {
      if (blocks[b].mass > blocks[best].mass) best = b;
    }
    // The open prose lines of the other small blocks are chrome.
    for (size_t b = 0; b < blocks.size(); ++b) {
      if (b == best || blocks[b].mass >= o.min_block_bytes) continue;
      for (size_t k = blocks[b].first; k <= blocks[b].last; ++k) {
        if ((*marks)[k] == LineMark::kOpen && (cls[k] == kGood || cls[k] == kNearGood)) {
          cls[k] = kBad;
        }
      }
    }
  }

  // 2. Medium lines: chrome only when the nearest good-or-bad line on both sides is bad (the
  // document's edges count as bad).
  {
    uint8_t prev = kBad;
    for (size_t i = 0; i < n; ++i) {
      if (cls[i] == kGood || cls[i] == kBad) prev = cls[i];
      else if (cls[i] == kNearGood && prev == kBad) cls[i] = kNearGood | 0x80;  // left is bad
    }
    uint8_t next = kBad;
    for (size_t i = n; i-- > 0;) {
      if (cls[i] == kGood || cls[i] == kBad) next = cls[i];
      else if (cls[i] == (kNearGood | 0x80)) cls[i] = next == kBad ? kBad : kGood;
      else if (cls[i] == kNearGood) cls[i] = kGood;
    }
  }

  // 3. Runs of short lines: kept between two content lines when short enough, else chrome.
  for (size_t i = 0; i < n;) {
    if (cls[i] != kShort) {
      ++i;
      continue;
    }
    size_t j = i, run = 0;
    uint8_t left = kSkip;  // kSkip here: the document's start
    for (size_t k = i; k-- > 0;) {
      if (cls[k] != kSkip) {
        left = cls[k];
        break;
      }
    }
    uint8_t right = kBad;  // the document's end
    for (; j < n; ++j) {
      if (cls[j] == kSkip) continue;
      if (cls[j] != kShort) {
        right = cls[j];
        break;
      }
      ++run;
    }
    const size_t limit = left == kSkip ? o.max_top_run : o.max_inner_run;
    bool keep = left != kBad && right == kGood && run <= limit;
    bool headline_list = false;
    if (keep && o.max_headline_lines > 0 && run > o.max_headline_lines) {
      // Several headline-like lines together (long enough, capitalized, no sentence end) are a
      // list of links to other articles, even between two paragraphs.
      size_t headlines = 0;
      for (size_t k = i; k < j; ++k) {
        if (cls[k] != kShort) continue;
        const LineFeatures& f = full(k);
        headlines += f.chars >= o.min_heading_chars && !f.ends_sentence && f.latin > 0 &&
                     2 * f.capitalized >= f.latin;
      }
      headline_list = headlines > o.max_headline_lines;
      keep = !headline_list;
    }
    if (!keep && left == kGood && right == kGood) {
      // A long run inside the article: a list. Lowercase words make it content.
      size_t latin = 0, capitalized = 0;
      for (size_t k = i; k < j; ++k) {
        if (cls[k] == kShort) latin += full(k).latin, capitalized += full(k).capitalized;
      }
      keep = latin > 0 && 4 * capitalized < latin;
    }
    for (size_t k = i; k < j; ++k) {
      if (cls[k] == kShort) cls[k] = keep ? kGood : kBad;
    }
    // Right above prose, the last lines of a dropped run that are heading-sized (a headline,
    // a byline) stay: menus are made of shorter entries.
    if (!keep && !headline_list && right == kGood) {
      size_t kept = 0;
      for (size_t k = j; k-- > i && kept < o.max_heading_lines;) {
        if (cls[k] == kSkip) continue;
        if (feat[k].chars < o.min_heading_chars) break;
        cls[k] = kGood;
        ++kept;
      }
    }
    i = j;
  }

  if (o.line_model != nullptr || o.keep_line_features) ApplyLineModel(text, lines, *marks, scratch);

  for (size_t i = 0; i < n; ++i) {
    if ((*marks)[i] != LineMark::kOpen) continue;
    (*marks)[i] = cls[i] == kBad ? LineMark::kChrome : LineMark::kContent;
  }
}

void Classifier::ApplyLineModel(std::string_view text, const std::vector<Line>& lines,
                                const std::vector<LineMark>& marks, Scratch* scratch) const {
  const size_t n = lines.size();
  const ClassifierOptions& o = options_;
  std::vector<uint8_t>& cls = scratch->classes;
  std::vector<LineFeatures>& feat = scratch->features;
  auto& nonblank = scratch->nonblank;
  auto& state = scratch->state;
  auto& ends = scratch->ends;
  auto& is_meta = scratch->is_meta;
  auto& stop_share = scratch->stop_share;
  nonblank.clear();
  state.resize(n);
  ends.resize(n);
  is_meta.resize(n);
  stop_share.resize(n);
  // Per line: its state for neighbours (1 removed by a rule, 2 chrome and 3 content by the
  // rules of shape and context, 4 protected by a keep rule), stopword share (open lines only,
  // else -1), sentence end, comment metadata; totals of prose bytes and metadata lines.
  constexpr size_t kProseBytes = 100;
  constexpr size_t kMinModelLines = 8;
  size_t open = 0, prose_total = 0, meta_total = 0;
  for (size_t i = 0; i < n; ++i) {
    const LineMark m = marks[i];
    if (m == LineMark::kBlank) continue;
    nonblank.push_back(static_cast<uint32_t>(i));
    const std::string_view line = text.substr(lines[i].begin, lines[i].end - lines[i].begin);
    if (m == LineMark::kOpen) {
      if (!scratch->measured[i]) feat[i] = Measure(line), scratch->measured[i] = 1;
      const LineFeatures& f = feat[i];
      state[i] = cls[i] == kBad ? 2 : 3;
      stop_share[i] = f.latin > 0 ? static_cast<float>(f.stop) / static_cast<float>(f.latin) : 0.0f;
      ends[i] = f.ends_sentence;
      ++open;
    } else {
      state[i] = m == LineMark::kProtected ? 4 : 1;
      stop_share[i] = -1.0f;
      ends[i] = EndsSentence(line);
    }
    is_meta[i] = line.size() < kMaxMetaBytes && IsCommentMeta(line);
    meta_total += is_meta[i];
    if (state[i] >= 3 && line.size() >= kProseBytes) prose_total += line.size();
  }
  // The model learned from pages of 9 lines and more: a shorter document (a single long
  // paragraph, a note) is outside what it knows, and the rules of shape and context decide it.
  if (open == 0 || nonblank.size() < kMinModelLines) return;
  constexpr size_t F = LineModel::kFeatures;
  auto& rows = scratch->rows;
  auto& row_lines = scratch->row_lines;
  rows.resize(open * F);
  row_lines.resize(open);
  const size_t count = nonblank.size();
  size_t prose_before = 0, meta_before = 0, r = 0;
  for (size_t p = 0; p < count; ++p) {
    const size_t i = nonblank[p];
    const size_t bytes = lines[i].end - lines[i].begin;
    const size_t prose = state[i] >= 3 && bytes >= kProseBytes ? bytes : 0;
    if (marks[i] == LineMark::kOpen) {
      // Row r, by column: feature c at rows[c * open + r].
      const LineFeatures& f = feat[i];
      float* x = &rows[r];
      row_lines[r++] = static_cast<uint32_t>(i);
      x[0 * open] = static_cast<float>(f.chars);
      x[1 * open] = static_cast<float>(bytes);
      x[2 * open] = static_cast<float>(f.words);
      x[3 * open] = stop_share[i];
      x[4 * open] = f.words > 0 ? static_cast<float>(f.latin) / static_cast<float>(f.words) : 0.0f;
      x[5 * open] = f.latin > 0 ? static_cast<float>(f.capitalized) / static_cast<float>(f.latin) : 0.0f;
      x[6 * open] = f.visible > 0 ? static_cast<float>(f.symbols) / static_cast<float>(f.visible) : 0.0f;
      x[7 * open] = f.ends_sentence;
      x[8 * open] = state[i] == 2;
      x[9 * open] = static_cast<float>(p) / static_cast<float>(count);
      x[10 * open] = static_cast<float>(p);
      x[11 * open] = static_cast<float>(count - 1 - p);
      x[12 * open] = static_cast<float>(prose_before);
      x[13 * open] = static_cast<float>(prose_total - prose_before - prose);
      x[14 * open] = is_meta[i];
      x[15 * open] = static_cast<float>(meta_before);
      x[16 * open] = static_cast<float>(meta_total - meta_before - is_meta[i]);
      float* y = x + LineModel::kOwnFeatures * open;
      for (int d = -LineModel::kNeighbours; d <= LineModel::kNeighbours; ++d) {
        if (d == 0) continue;
        const ptrdiff_t q = static_cast<ptrdiff_t>(p) + d;
        if (q < 0 || q >= static_cast<ptrdiff_t>(count)) {
          // the document's edge
          y[0] = 0.0f, y[open] = 0.0f, y[2 * open] = -1.0f, y[3 * open] = 0.0f;
        } else {
          const size_t k = nonblank[q];
          y[0] = static_cast<float>(lines[k].end - lines[k].begin);
          y[open] = state[k];
          y[2 * open] = stop_share[k];
          y[3 * open] = ends[k];
        }
        y += LineModel::kNeighbourFeatures * open;
      }
    }
    prose_before += prose;
    meta_before += is_meta[i];
  }
  if (o.line_model == nullptr) return;
  const double threshold = std::isnan(o.line_model_threshold) ? o.line_model->threshold()
                                                              : o.line_model_threshold;
  auto& chrome = scratch->chrome;
  chrome.resize(open);
  o.line_model->Decide(rows.data(), open, threshold, chrome.data());
  for (size_t k = 0; k < open; ++k) cls[row_lines[k]] = chrome[k] ? kBad : kGood;
}

}  // namespace boilerstrip
