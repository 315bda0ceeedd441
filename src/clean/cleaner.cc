// The cleaner: parse → scan once → hits to lines → actions + dedup → new text → splice.
#include "boilerstrip/cleaner.h"

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "record/record_fields.h"

namespace boilerstrip {

namespace od = simdjson::ondemand;

class Cleaner::State {
 public:
  explicit State(const PatternSet& patterns) : scratch(patterns.MakeScratch()) {}

  PatternSet::Scratch scratch;
  od::parser parser;
  std::vector<Hit> hits;
  std::vector<Line> lines;
  // Per line: the lowest-numbered rule of each removing action that matched (-1: none), and
  // whether a keep rule matched.
  struct Verdict {
    int32_t drop;
    int32_t truncate;
    int32_t cut;
    int32_t drop_doc;
    bool keep;
  };
  std::vector<Verdict> verdicts;
  std::vector<LineMark> marks;   // classifier input and output, per line
  Classifier::Scratch classifier_scratch;
  std::vector<int32_t> reason;  // per line: -1 kept, else index into Stats::removed_by
  // Dedup of lines with few ASCII letters and digits: open-addressing table of (hash, offset+1
  // into norm_arena, length); as large as `signatures`, made when a document first needs it.
  struct Slot {
    uint64_t hash;
    uint32_t offset_plus_one;  // 0 = empty
    uint32_t length;
  };
  std::vector<Slot> table;
  // Dedup of lines with enough ASCII letters and digits, keyed by their AlnumSignature: a
  // line's normal form is made only when another line's signature equals its own.
  struct SignatureSlot {
    uint64_t signature;
    uint32_t line_plus_one;  // 0 = empty
    uint32_t norm_plus_one;  // offset + 1 of the line's normal form in norm_arena; 0 = not made
    uint32_t norm_length;
  };
  std::vector<SignatureSlot> signatures;
  // Whether an earlier line (of those looked up before) has the normal form of line `i` of
  // `text`, whose AlnumSignature is `signature`; when not, line `i` is entered. `have_norm`:
  // `norm` already holds the line's normal form.
  bool SeenBySignature(std::string_view text, size_t i, uint64_t signature, bool have_norm);
  // The same for the normal form in `norm`, by its hash (lines with few letters and digits).
  bool SeenByNormalForm();
  std::string norm_arena;
  std::string norm;
  std::string other_norm;
  std::string new_text;
  std::string site;
};

namespace {

constexpr int32_t kNone = -1;

inline void TakeMin(int32_t* slot, int32_t rule) {
  if (*slot == kNone || rule < *slot) *slot = rule;
}

// A line's ASCII letters (either case) and digits as a multiset: the sum of a random 32-bit
// value per character in the high half, their count in the low half. NormalizeLine never
// creates, drops or reorders these characters (it lower-cases letters, maps quotes, dashes
// and spaces, all other bytes being non-ASCII or punctuation), so lines with equal normal
// forms have equal signatures; unequal signatures spare both lines their normalization.
struct AlnumTable {
  uint64_t value[256];
  constexpr AlnumTable() : value() {
    for (int c = 0; c < 256; ++c) {
      const bool upper = c >= 'A' && c <= 'Z';
      if (!upper && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9')) continue;
      uint64_t z = static_cast<uint64_t>(upper ? c + 32 : c) * 0x9E3779B97F4A7C15ull;  // splitmix64
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      value[c] = ((z ^ (z >> 31)) & 0xFFFFFFFF00000000ull) | 1;
    }
  }
};
constexpr AlnumTable kAlnum;

uint64_t AlnumSignature(std::string_view line) {
  const auto* p = reinterpret_cast<const unsigned char*>(line.data());
  const size_t n = line.size();
  uint64_t a = 0, b = 0, c = 0, d = 0;  // four sums: independent adds per cycle
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a += kAlnum.value[p[i]];
    b += kAlnum.value[p[i + 1]];
    c += kAlnum.value[p[i + 2]];
    d += kAlnum.value[p[i + 3]];
  }
  for (; i < n; ++i) a += kAlnum.value[p[i]];
  return a + b + c + d;
}

// The new text as pieces of the old, in order: each kept non-blank line byte-identical; between
// two kept lines the earlier line's own break, and when blank lines stood between them, the
// first such blank line's break too (one blank line; its own bytes keep CRLF texts CRLF).
// Leading and trailing blank lines and the last kept line's break are not pieces.
template <typename F>
void ForEachKeptPiece(const std::vector<Line>& lines, const std::vector<int32_t>& reason, F piece) {
  const size_t n = lines.size();
  size_t prev = n;         // last kept line
  size_t first_blank = n;  // first blank line after it
  for (size_t i = 0; i < n; ++i) {
    const Line& line = lines[i];
    if (line.blank) {
      if (prev != n && first_blank == n) first_blank = i;
      continue;
    }
    if (reason[i] != kNone) continue;
    if (prev != n) {
      piece(lines[prev].end, lines[prev].next);
      if (first_blank != n) piece(lines[first_blank].end, lines[first_blank].next);
    }
    piece(line.begin, line.end);
    prev = i;
    first_blank = n;
  }
}

}  // namespace

bool Cleaner::State::SeenBySignature(std::string_view text, size_t i, uint64_t signature,
                                     bool have_norm) {
  const size_t mask = signatures.size() - 1;
  size_t slot = ((signature >> 32) ^ (signature * 0x9E3779B97F4A7C15ull)) & mask;
  auto line_bytes = [&](size_t k) {
    return text.substr(lines[k].begin, lines[k].end - lines[k].begin);
  };
  for (; signatures[slot].line_plus_one != 0; slot = (slot + 1) & mask) {
    SignatureSlot& s = signatures[slot];
    if (s.signature != signature) continue;
    // Equal signatures: compare the normal forms, made now.
    if (s.norm_plus_one == 0) {
      NormalizeLine(line_bytes(s.line_plus_one - 1), &other_norm);
      s.norm_plus_one = static_cast<uint32_t>(norm_arena.size() + 1);
      s.norm_length = static_cast<uint32_t>(other_norm.size());
      norm_arena.append(other_norm);
    }
    if (!have_norm) {
      NormalizeLine(line_bytes(i), &norm);
      have_norm = true;
    }
    if (s.norm_length == norm.size() &&
        std::memcmp(norm_arena.data() + s.norm_plus_one - 1, norm.data(), norm.size()) == 0) {
      return true;
    }
  }
  signatures[slot] = {signature, static_cast<uint32_t>(i + 1), 0, 0};
  return false;
}

bool Cleaner::State::SeenByNormalForm() {
  if (table.empty()) table.assign(signatures.size(), Slot{0, 0, 0});
  const uint64_t h = HashBytes(norm);
  const size_t mask = table.size() - 1;
  size_t slot = h & mask;
  for (; table[slot].offset_plus_one != 0; slot = (slot + 1) & mask) {
    const Slot& s = table[slot];
    if (s.hash == h && s.length == norm.size() &&
        std::memcmp(norm_arena.data() + s.offset_plus_one - 1, norm.data(), s.length) == 0) {
      return true;
    }
  }
  table[slot] = {h, static_cast<uint32_t>(norm_arena.size() + 1),
                 static_cast<uint32_t>(norm.size())};
  norm_arena.append(norm);
  return false;
}

Result<std::unique_ptr<Cleaner>> Cleaner::Create(CleanerOptions options,
                                                 std::shared_ptr<const PatternSet> patterns) {
  if (!(options.tail_fraction >= 0.0 && options.tail_fraction <= 1.0)) {
    return Status::RunError("tail fraction must be in [0, 1]");
  }
  if (options.text_field.empty()) return Status::RunError("text field name is empty");
  if (patterns == nullptr) return Status::RunError("no pattern set");
  if (options.site_profile != nullptr && options.url_field.empty()) {
    return Status::RunError("URL field name is empty");
  }
  std::unique_ptr<const Classifier> classifier;
  if (options.classifier.enabled) {
    auto made = Classifier::Create(options.classifier);
    if (!made.ok()) return made.status();
    classifier = std::make_unique<const Classifier>(std::move(made.value()));
  }
  auto cleaner = std::unique_ptr<Cleaner>(new Cleaner(std::move(options), std::move(patterns)));
  cleaner->classifier_ = std::move(classifier);
  return cleaner;
}

Cleaner::Cleaner(CleanerOptions options, std::shared_ptr<const PatternSet> patterns)
    : options_(std::move(options)), patterns_(std::move(patterns)) {}

Cleaner::~Cleaner() = default;

Cleaner::StatePtr Cleaner::MakeState() const { return StatePtr(new State(*patterns_)); }

void Cleaner::StateDeleter::operator()(State* state) const { delete state; }

void Cleaner::EmptyScratchForTesting(State& state) { state.scratch = PatternSet::Scratch(); }

const Classifier::Scratch& Cleaner::ClassifierScratch(const State& state) {
  return state.classifier_scratch;
}

Result<bool> Cleaner::CleanText(std::string_view text, State& st, Stats* stats, std::string* out,
                                int* drop_doc_rule, std::string_view site) const {
  *drop_doc_rule = kNone;
  SplitLines(text, &st.lines);
  // A failed scan says nothing of which rules match: cleaning on as if none did would write
  // the text with its boilerplate, and no count would show it. The shard fails instead.
  if (Status scanned = patterns_->Scan(text, st.lines, st.scratch, &st.hits); !scanned.ok()) {
    return Status::ShardError("rule scan failed: " + scanned.message());
  }
  const size_t n = st.lines.size();
  const auto& rules = patterns_->rules();
  const int32_t rule_count = static_cast<int32_t>(rules.size());
  for (const Line& l : st.lines) stats->lines_in += l.blank ? 0 : 1;

  st.verdicts.assign(n, State::Verdict{kNone, kNone, kNone, kNone, false});
  for (const Hit& h : st.hits) {
    const size_t li = h.line;
    if (st.lines[li].blank) continue;
    State::Verdict& v = st.verdicts[li];
    int32_t r = static_cast<int32_t>(h.rule);
    switch (rules[r].action) {
      case Action::kDrop: TakeMin(&v.drop, r); break;
      case Action::kTruncate: TakeMin(&v.truncate, r); break;
      case Action::kDropDoc: TakeMin(&v.drop_doc, r); break;
      case Action::kKeep: v.keep = true; break;
      case Action::kCut: TakeMin(&v.cut, r); break;
    }
  }

  // drop-doc: the lowest-numbered rule wins, whatever line it matched.
  if (!st.hits.empty()) {
    int32_t doc_rule = kNone;
    for (const State::Verdict& v : st.verdicts) {
      if (!v.keep && v.drop_doc != kNone) TakeMin(&doc_rule, v.drop_doc);
    }
    if (doc_rule != kNone) {
      *drop_doc_rule = doc_rule;
      ++stats->docs_dropped_by[doc_rule];
      return true;
    }
  }

  // truncate and cut: the first non-protected line whose rule may cut there cuts the rest. A
  // truncate line may in the tail, or after truncate_after_prose_bytes of prose; a cut line
  // anywhere after cut_after_prose_bytes of prose. On the same line the lower rule names it.
  const double tail_start = static_cast<double>(text.size()) * (1.0 - options_.tail_fraction);
  size_t cut = n;
  int32_t cut_rule = kNone;
  if (!st.hits.empty()) {
    size_t prose_before = 0;  // bytes of long lines before line i
    const size_t prose_needed = options_.truncate_after_prose_bytes;
    for (size_t i = 0; i < n; ++i) {
      const State::Verdict& v = st.verdicts[i];
      const Line& l = st.lines[i];
      if (!v.keep) {
        int32_t here = kNone;
        if (v.truncate != kNone &&
            (l.begin >= tail_start || (prose_needed > 0 && prose_before >= prose_needed))) {
          here = v.truncate;
        }
        if (v.cut != kNone && prose_before >= options_.cut_after_prose_bytes) {
          TakeMin(&here, v.cut);
        }
        if (here != kNone) {
          cut = i;
          cut_rule = here;
          break;
        }
      }
      if (l.end - l.begin >= CleanerOptions::kLongLineBytes) prose_before += l.end - l.begin;
    }
  }

  // The classifier judges the lines no rule removed; keep-protected lines are content context.
  if (classifier_ != nullptr) {
    st.marks.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const State::Verdict& v = st.verdicts[i];
      st.marks[i] = st.lines[i].blank ? LineMark::kBlank
                    : v.keep          ? LineMark::kProtected
                    : (i >= cut || v.drop != kNone || v.truncate != kNone || v.cut != kNone)
                        ? LineMark::kRemoved
                        : LineMark::kOpen;
    }
    classifier_->Classify(text, st.lines, &st.marks, &st.classifier_scratch);
  }
  const int32_t cls_reason = rule_count + static_cast<int32_t>(ExtraReason::kClassifier);
  const int32_t dup_reason = rule_count + static_cast<int32_t>(ExtraReason::kDuplicate);
  const int32_t site_reason = rule_count + static_cast<int32_t>(ExtraReason::kSiteRepeated);
  const SiteProfile::Lines* site_lines =
      options_.site_profile != nullptr && !site.empty() ? options_.site_profile->Find(site)
                                                        : nullptr;
  st.reason.assign(n, kNone);
  bool any_removed = false;

  // Dedup table sized for every line; cleared per document.
  const bool dedup = options_.dedup;
  size_t cap = 16;
  if (dedup) {
    while (cap < 2 * n) cap <<= 1;
    st.table.clear();  // made on first use: few lines need it
    st.signatures.assign(cap, State::SignatureSlot{0, 0, 0, 0});
    st.norm_arena.clear();
  }

  for (size_t i = 0; i < n; ++i) {
    const Line& line = st.lines[i];
    if (line.blank) continue;
    const State::Verdict& v = st.verdicts[i];
    int32_t reason = kNone;
    if (!v.keep) {
      if (i >= cut) {
        reason = cut_rule;
      } else if (v.drop != kNone || v.truncate != kNone || v.cut != kNone) {
        // Outside the cut, each removing rule acts as drop: the lowest-numbered names it.
        for (int32_t r : {v.drop, v.truncate, v.cut}) {
          if (r != kNone) TakeMin(&reason, r);
        }
      } else if (classifier_ != nullptr && st.marks[i] == LineMark::kChrome) {
        reason = cls_reason;
      }
    }
    bool normalized = false;
    if (reason == kNone && site_lines != nullptr && !v.keep) {
      NormalizeLine(text.substr(line.begin, line.end - line.begin), &st.norm);
      normalized = true;
      if (!st.norm.empty() && SiteProfile::Contains(*site_lines, HashBytes(st.norm))) {
        reason = site_reason;
      }
    }
    if (reason == kNone && dedup && line.end - line.begin >= options_.min_dedup_bytes) {
      const std::string_view bytes = text.substr(line.begin, line.end - line.begin);
      const uint64_t signature = AlnumSignature(bytes);
      bool seen = false;
      if ((signature & 0xFFFFFFFF) >= options_.min_dedup_bytes) {
        // So many letters and digits survive normalization: the normal form is long enough.
        seen = st.SeenBySignature(text, i, signature, normalized);
      } else {
        if (!normalized) NormalizeLine(bytes, &st.norm);
        if (st.norm.size() >= options_.min_dedup_bytes) seen = st.SeenByNormalForm();
      }
      if (seen && !v.keep) reason = dup_reason;
    }
    if (reason != kNone) {
      st.reason[i] = reason;
      stats->CountRemoved(static_cast<size_t>(reason));
      any_removed = true;
    }
  }
  if (!any_removed) return false;

  out->clear();
  uint32_t run_begin = 0, run_end = 0;  // adjacent pieces appended as one
  ForEachKeptPiece(st.lines, st.reason, [&](uint32_t begin, uint32_t end) {
    if (begin != run_end) {
      out->append(text.data() + run_begin, run_end - run_begin);
      run_begin = begin;
    }
    run_end = end;
  });
  out->append(text.data() + run_begin, run_end - run_begin);
  return true;
}

void Cleaner::AppendRemovals(std::string_view text, const State& st,
                             std::vector<Removal>* out) const {
  const std::vector<Line>& lines = st.lines;
  // The gaps between kept pieces, cut at line starts: a line's own bytes in a gap carry its
  // reason when a reason removed it, else (a blank line, a kept line's break) kLayout.
  size_t li = 0;
  auto emit_gap = [&](uint32_t begin, uint32_t end) {
    while (begin < end) {
      while (lines[li].next <= begin && li + 1 < lines.size()) ++li;
      const Line& line = lines[li];
      const uint32_t stop = std::min<uint32_t>(end, line.next);
      const int32_t reason = line.blank ? Removal::kLayout
                             : st.reason[li] == kNone ? Removal::kLayout : st.reason[li];
      if (!out->empty() && out->back().end == begin && out->back().reason == reason &&
          reason == Removal::kLayout) {
        out->back().end = stop;  // one layout stretch for a run of blank lines
      } else {
        out->push_back(Removal{begin, stop, reason});
      }
      begin = stop;
    }
  };
  uint32_t at = 0;
  ForEachKeptPiece(lines, st.reason, [&](uint32_t begin, uint32_t end) {
    emit_gap(at, begin);
    at = end;
  });
  emit_gap(at, static_cast<uint32_t>(text.size()));
}

std::string_view Cleaner::ReasonName(int32_t reason) const {
  const int32_t rule_count = static_cast<int32_t>(patterns_->rules().size());
  if (reason >= 0 && reason < rule_count) return patterns_->rules()[reason].name;
  if (reason >= rule_count && reason < rule_count + static_cast<int32_t>(ExtraReason::kCount)) {
    return ExtraReasonName(static_cast<ExtraReason>(reason - rule_count));
  }
  return "layout";
}

RecordOutcome Cleaner::CleanRecord(std::string_view record, State& st, Stats* stats,
                                   std::string* out) const {
  RecordOutcome outcome;
  record::RecordFields fields;
  // The URL is read only for the site profile: without one its value matters to nothing.
  const std::string_view url_path =
      options_.site_profile != nullptr ? std::string_view(options_.url_field) : std::string_view();
  if (auto bad = record::ParseRecordFields(st.parser, record, options_.text_field, url_path,
                                           &fields)) {
    outcome.verdict = RecordVerdict::kBad;
    outcome.bad = *bad;
    return outcome;
  }

  int drop_rule = kNone;
  std::string_view site;
  if (!fields.url.empty() && options_.site_profile->namer().SiteOf(fields.url, &st.site)) {
    site = st.site;
    ++stats->records_with_site;
    if (options_.site_profile->Find(site) != nullptr) ++stats->records_site_in_profile;
  }
  Result<bool> cleaned = CleanText(fields.text, st, stats, &st.new_text, &drop_rule, site);
  if (!cleaned.ok()) {
    outcome.verdict = RecordVerdict::kFailed;
    outcome.error = cleaned.status().message();
    return outcome;
  }
  if (!cleaned.value()) {
    out->append(record);
    return outcome;
  }
  if (drop_rule != kNone) {
    outcome.verdict = RecordVerdict::kDropped;
    return outcome;
  }
  outcome.changed = true;
  const char* token_begin = fields.text_token.data();
  const char* token_end = token_begin + fields.text_token.size();
  out->append(record.data(), token_begin - record.data());
  out->push_back('"');
  AppendJsonEscaped(st.new_text, out);
  out->push_back('"');
  out->append(token_end, record.data() + record.size() - token_end);
  return outcome;
}

void AppendJsonEscaped(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  typedef unsigned char V16 __attribute__((vector_size(16)));
  static_assert(std::endian::native == std::endian::little, "lane k is byte k of the words");
  auto special = [](unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; };
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    // The next byte to escape: sixteen at a time (GCC vector extensions), then one by one.
    const char* q = p;
    while (end - q >= 16) {
      V16 v;
      std::memcpy(&v, q, 16);
      const auto hit = (v < 0x20) | (v == '"') | (v == '\\');
      uint64_t words[2];
      std::memcpy(words, &hit, sizeof words);
      if ((words[0] | words[1]) == 0) {
        q += 16;
        continue;
      }
      q += words[0] != 0 ? std::countr_zero(words[0]) / 8 : 8 + std::countr_zero(words[1]) / 8;
      break;
    }
    if (end - q < 16) {
      while (q < end && !special(static_cast<unsigned char>(*q))) ++q;
    }
    out->append(p, q - p);
    if (q == end) break;
    const unsigned char c = static_cast<unsigned char>(*q);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\t': out->append("\\t"); break;
      case '\r': out->append("\\r"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default: {
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(esc, 6);
      }
    }
    p = q + 1;
  }
}

}  // namespace boilerstrip
