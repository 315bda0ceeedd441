// Fuzzes the rule-file parser and, for small rule sets, the Hyperscan compile, the example check
// and the scan. Properties: no crash; every error names the file and a line of it; a rule that
// parsed has a valid name, an action and a pattern; a set that fails to compile reports at
// least one error; and a compiled set's scan is each rule's result on each line alone (pattern_set.h):
// scanning with the line cache, scanning without it, and compiling each rule alone and
// scanning each line alone framed by line breaks give the same (rule, line) pairs.
//
// The input is read twice: as a rule file (its rules scanned over documents made of their own
// examples), and as the choices of a generator of rules and documents, which mixes what a
// pattern can do at a line break: classes holding it (`[\W]`, `[[:space:]]`, `\H`), dot-all,
// `^` and `$` anywhere, assertions, repeated groups.
#include <hs/hs.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rule_check.h"
#include "boilerstrip/rules.h"
#include "boilerstrip/text.h"
#include "../tests/scan_reference.h"
#include "fuzz_util.h"

namespace bs = boilerstrip;

namespace {

using Pairs = bs::testing::ScanPairs;

// Hyperscan compile time grows with bounded repeats ({1000}) and pattern length; such inputs
// would only make the fuzzer slow, not find parser bugs.
bool CheapToCompile(const std::vector<bs::Rule>& rules) {
  if (rules.empty() || rules.size() > 8) return false;
  for (const bs::Rule& r : rules) {
    if (r.pattern.size() > 96) return false;
    int digits = 0;
    for (char c : r.pattern) {
      digits = (c >= '0' && c <= '9') ? digits + 1 : 0;
      if (digits >= 3) return false;
    }
  }
  return true;
}

using Reference = bs::testing::ScanReference;

Pairs ScanPairs(const bs::PatternSet& set, std::string_view text, bs::PatternSet::Scratch& s) {
  std::vector<bs::Hit> hits;
  FUZZ_CHECK(set.Scan(text, s, &hits).ok());
  Pairs out;
  for (const bs::Hit& h : hits) out.emplace_back(h.line, h.rule);
  FUZZ_CHECK(std::is_sorted(out.begin(), out.end()));
  FUZZ_CHECK(std::adjacent_find(out.begin(), out.end()) == out.end());
  return out;
}

// Whether `s` is valid UTF-8 (Hyperscan's UTF-8 mode is undefined on anything else).
bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b >> 6) != 2) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

// Scans `docs` in order through one scratch per set (so that lines remembered from one
// document serve the next) with `cached` (the line cache on) and with `rules` compiled again
// without the cache: both give the reference's pairs.
void CheckScans(const bs::PatternSet& cached, const std::vector<std::string>& docs) {
  const std::vector<bs::Rule>& rules = cached.rules();
  FUZZ_CHECK(cached.remembers_lines());
  Reference reference;
  for (const bs::Rule& r : rules) FUZZ_CHECK(reference.Add(r));  // as it compiled in the set
  std::vector<bs::RuleError> errors;
  auto uncached =
      bs::PatternSet::Compile(rules, &errors, {bs::PatternSetOptions::LineCache::kOff});
  FUZZ_CHECK(uncached.ok() && !uncached.value()->remembers_lines());
  const bool utf8 = std::any_of(rules.begin(), rules.end(), [](const bs::Rule& r) { return r.utf8; });
  auto warm = cached.MakeScratch();
  auto plain = uncached.value()->MakeScratch();
  for (const std::string& doc : docs) {
    if (utf8 && !ValidUtf8(doc)) continue;
    const Pairs expected = reference.Scan(doc);
    FUZZ_CHECK(ScanPairs(*uncached.value(), doc, plain) == expected);
    FUZZ_CHECK(ScanPairs(cached, doc, warm) == expected);
  }
}

// The input's bytes as a stream of choices; 0 once used up.
class Choices {
 public:
  Choices(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint32_t Below(uint32_t n) { return pos_ < size_ ? data_[pos_++] % n : 0; }
  bool done() const { return pos_ >= size_; }
  template <typename T, size_t N>
  const T& Pick(const T (&a)[N]) {
    return a[Below(N)];
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

std::string GenAlternation(Choices& c, int depth);

std::string GenItem(Choices& c, int depth) {
  static const char* const kWords[] = {"read", "more", "ok", "a", "b", "x", "re", "e", "the"};
  static const char* const kAtoms[] = {
      "\\w",     "\\W",     "[\\W]",  "[^a]",   "[[:space:]]", "[[:punct:]]", "\\H",   "(?s).",
      "(?s:.)",  ".",       "^",      "$",      "\\s*",        "\\s+",        "\\b",   "\\B",
      "[\\x00-\\x7f]", "\\d", "\\S+", "[\\s\\S]", "\\D",       "[^[:alpha:]]", "\\P{L}", "\\p{L}",
      "[[:^alpha:]]", "!",  "[.!]",   "(?i)",   "[^\\n]",      "[\\n]",       "\\h",   "[^]a]"};
  static const char* const kRepeats[] = {"?", "*", "+", "{1,3}", "{0,2}", "{2}", "*?", ""};
  const uint32_t kind = c.Below(depth < 1 ? 10 : 8);  // groups one deep: Hyperscan compiles
  if (kind < 3) return c.Pick(kWords);                 // nested repeats slowly under ASan
  if (kind < 8) {
    std::string atom = c.Pick(kAtoms);
    if (c.Below(4) == 0) atom += c.Pick(kRepeats);
    return atom;
  }
  return std::string("(") + (c.Below(2) ? "?:" : "") + GenAlternation(c, depth + 1) + ")" +
         c.Pick(kRepeats);
}

std::string GenAlternation(Choices& c, int depth) {
  std::string s;
  do {
    if (!s.empty()) s += '|';
    const uint32_t n = 1 + c.Below(4);
    for (uint32_t i = 0; i < n; ++i) s += GenItem(c, depth);
  } while (c.Below(5) == 1);  // (0 once the input is used up)
  return s;
}

// Lines that repeat, short (remembered) and long, with whitespace that collapsing changes.
const char* const kLines[] = {
    "more text here ok", "hello read", "read", "more", "ok", "", "  ", "read more", "a b", "x",
    "The end.", "read\tmore", "Read  More!", "---", "\xC2\xA0ok", "e\xCC\x81t\xC3\xA9 \xE2\x80\xA2",
    "read more about it here in a line too long for the cache to keep, ok", "more\r", "?"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bs::Rule> rules;
  std::vector<bs::RuleError> errors;
  bs::ParseRuleText(text, "fuzz.rules", &rules, &errors);

  int lines = 1;
  for (char c : text) lines += c == '\n';
  for (const bs::RuleError& e : errors) {
    FUZZ_CHECK(e.file == "fuzz.rules");
    FUZZ_CHECK(e.line_number >= 1 && e.line_number <= lines);
    FUZZ_CHECK(!e.message.empty());
    FUZZ_CHECK(e.ToString().rfind("fuzz.rules:", 0) == 0);
  }
  for (const bs::Rule& r : rules) {
    FUZZ_CHECK(!r.name.empty() && r.name.size() <= 128);
    FUZZ_CHECK(r.name.find_first_of(" \t\r\n") == std::string::npos);
    FUZZ_CHECK(!r.pattern.empty());
    FUZZ_CHECK(r.line_number >= 1 && r.line_number <= lines);
    for (const bs::RuleExample& ex : r.examples) FUZZ_CHECK(ex.line_number > r.line_number);
  }

  if (errors.empty() && CheapToCompile(rules)) {
    size_t rule_count = rules.size();
    std::vector<bs::RuleError> compile_errors;
    auto set = bs::PatternSet::Compile(rules, &compile_errors,
                                       {bs::PatternSetOptions::LineCache::kOn});
    if (!set.ok()) {
      FUZZ_CHECK(!compile_errors.empty());
      for (const bs::RuleError& e : compile_errors) FUZZ_CHECK(!e.message.empty());
    } else {
      FUZZ_CHECK(compile_errors.empty());
      FUZZ_CHECK(set.value()->rules().size() == rule_count);
      std::vector<bs::RuleError> example_errors;
      bs::CheckExamples(*set.value(), &example_errors);
      auto scratch = set.value()->MakeScratch();
      std::vector<bs::Hit> hits;
      FUZZ_CHECK(set.value()->Scan(text, scratch, &hits).ok());
      for (const bs::Hit& h : hits) {
        FUZZ_CHECK(h.rule < rule_count);
        FUZZ_CHECK(h.line <= static_cast<size_t>(std::count(text.begin(), text.end(), '\n')));
      }
      // Documents of the rules' own examples: each line alone first (remembered), then all
      // of them together in order and in reverse, then the input itself.
      std::vector<std::string> docs;
      std::string forward, backward;
      for (const bs::Rule& r : rules) {
        for (const bs::RuleExample& ex : r.examples) {
          docs.push_back(ex.line);
          forward += (forward.empty() ? "" : "\n") + ex.line;
          backward = ex.line + (backward.empty() ? "" : "\n") + backward;
        }
      }
      docs.push_back(forward);
      docs.push_back(backward);
      docs.emplace_back(text);
      CheckScans(*set.value(), docs);
    }
  }

  // The input as choices: up to 5 generated rules and 12 documents.
  Choices c(data, size);
  std::vector<bs::Rule> generated;
  const uint32_t wanted = 1 + c.Below(5);
  for (uint32_t k = 0; k < wanted && !c.done(); ++k) {
    bs::Rule r;
    r.name = "g" + std::to_string(k);
    r.file = "generated";
    r.pattern = GenAlternation(c, 0);
    const uint32_t flags = c.Below(32);
    r.caseless = flags & 1;
    r.whole_line = flags & 2;
    r.utf8 = (flags & 28) == 28;  // 1 in 8: Hyperscan compiles Unicode classes slowly
    if (r.pattern.size() <= 40) generated.push_back(std::move(r));
  }
  std::vector<std::string> docs;
  for (int d = 0; d < 12 && !c.done(); ++d) {
    std::string doc;
    const uint32_t n = 1 + c.Below(6);
    for (uint32_t i = 0; i < n; ++i) {
      if (i > 0) doc += c.Below(5) == 0 ? "\r\n" : "\n";
      doc += c.Pick(kLines);
    }
    docs.push_back(std::move(doc));
  }
  // Rules Compile or Hyperscan refuses (an empty match, a line break) are left out: they are
  // named in the errors (a set refused for its size names none, and is skipped).
  for (int pass = 0; pass < 3 && !generated.empty() && !docs.empty(); ++pass) {
    std::vector<bs::RuleError> refused;
    auto set = bs::PatternSet::Compile(generated, &refused, {bs::PatternSetOptions::LineCache::kOn});
    if (set.ok()) {
      CheckScans(*set.value(), docs);
      break;
    }
    const size_t before = generated.size();
    std::erase_if(generated, [&](const bs::Rule& r) {
      return std::any_of(refused.begin(), refused.end(),
                         [&](const bs::RuleError& e) { return e.rule == r.name; });
    });
    if (generated.size() == before) break;
  }
  return 0;
}
