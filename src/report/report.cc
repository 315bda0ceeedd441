// BuildReport: one tbb::parallel_pipeline over the shards — read chunks of whole records
// (serial), clean and measure each chunk (parallel), fold the chunk's figures into the report
// (serial, in input order). Every figure a chunk makes is a function of its bytes and its
// position alone, and the fold runs in input order, so the report is the same at any thread
// count.
#include "report/report.h"

#include <simdjson.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/info.h>
#include <tbb/parallel_pipeline.h>

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "boilerstrip/pipeline.h"
#include "boilerstrip/rules.h"
#include "boilerstrip/text.h"
#include "io/codec.h"
#include "io/io.h"
#include "io/record_reader.h"
#include "pipeline/threads.h"
#include "pipeline/tsan.h"
#include "record/record_fields.h"

namespace boilerstrip::report {
namespace {

constexpr size_t kUrlShowBytes = 300;
constexpr size_t kTitleShowBytes = 200;
constexpr size_t kTopLineBytes = 300;    // a removed line kept for the top lists
constexpr size_t kSampleLineBytes = 1500;  // a line of a sampled document
constexpr size_t kMaxShownLines = 300;   // lines (and folds) of one sampled document
constexpr size_t kOver80Listed = 100;
constexpr size_t kHeadSample = 4096;     // first bytes of a shard, to say what a non-JSON one holds
constexpr size_t kSitesListed = 30;
constexpr size_t kTopLines = 12;
constexpr size_t kSingletons = 4;
// Distinct removed lines counted per reason before the rarest are forgotten (memory bound).
constexpr size_t kMaxDistinctLines = 200000;

// The longest prefix of `s` of at most `max` bytes that ends at a code-point boundary.
std::string_view CapView(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string Cap(std::string_view s, size_t max) { return std::string(CapView(s, max)); }

std::string_view StripBreak(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

bool BlankRecord(std::string_view rec) {
  for (char c : rec) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

uint64_t SampleKey(uint64_t seed, uint32_t shard, uint64_t offset) {
  char buf[20];
  std::memcpy(buf, &seed, 8);
  std::memcpy(buf + 8, &shard, 4);
  std::memcpy(buf + 12, &offset, 8);
  return HashBytes(std::string_view(buf, sizeof buf));
}

// Sample order: smallest key first; position breaks (improbable) ties.
bool SampleLess(const SampleDoc& a, const SampleDoc& b) {
  if (a.key != b.key) return a.key < b.key;
  if (a.ref.shard != b.ref.shard) return a.ref.shard < b.ref.shard;
  return a.ref.offset < b.ref.offset;
}

// Over-80 order: most removed first, then input order.
bool Over80Less(const DocRef& a, const DocRef& b) {
  const double sa = a.share(), sb = b.share();
  if (sa != sb) return sa > sb;
  if (a.shard != b.shard) return a.shard < b.shard;
  return a.offset < b.offset;
}

// A distinct removed line of the whole run, its text in its reason's arena.
struct RunLine {
  uint64_t count = 0;
  uint32_t off = 0, len = 0;
};

struct ReasonAcc {
  uint64_t lines = 0, chars = 0, bytes = 0, docs = 0;
  std::unordered_map<uint64_t, RunLine> lines_seen;
  std::string arena;  // texts of lines_seen (and of forgotten lines, until compacted)
  bool approximate = false;
};

struct SiteAcc {
  uint64_t docs = 0, text_bytes = 0, removed_bytes = 0, lines_removed = 0;
};

// A removed line as a chunk counts it: its text is kept in the chunk's arena, so that counting
// a line allocates nothing; only the fold makes strings, once per distinct line.
struct LocalLine {
  uint64_t count = 0;
  uint32_t off = 0, len = 0;
};

struct ChunkReason {
  uint64_t lines = 0, chars = 0, bytes = 0, docs = 0;
  std::unordered_map<uint64_t, LocalLine> lines_seen;
};

// What one chunk contributes.
struct ChunkFigures {
  std::string arena;  // texts of the chunk's distinct removed lines
  Stats stats;
  uint64_t newlines = 0;  // line breaks of the shard in the chunk (the part's own, for a part)
  uint64_t layout_bytes = 0, text_bytes = 0, removed_text_bytes = 0, docs_with_removals = 0;
  uint64_t docs_with_site = 0;
  std::vector<ChunkReason> reasons;
  std::array<uint64_t, 21> histogram{};
  uint64_t over_80_count = 0;
  std::vector<DocRef> over_80;   // line numbers local to the chunk (0-based)
  std::unordered_map<std::string, SiteAcc> sites;
  std::vector<SampleDoc> samples;  // a heap by SampleLess, local line numbers
  std::string fatal;  // the chunk's shard cannot be cleaned: why
};

struct Chunk {
  uint32_t shard = 0;
  std::string data;
  io::ChunkInfo info;
  std::string read_error;  // the shard failed while reading here
  bool last = false;       // the last chunk the reader gives of this shard
  bool cut_at_max = false;
  ChunkFigures fig;
};

struct Worker {
  explicit Worker(const Cleaner& cleaner) : state(cleaner.MakeState()) {}
  Cleaner::StatePtr state;
  simdjson::ondemand::parser parser;
  std::string new_text, escaped, site;
  std::vector<Removal> removals;
  std::vector<Line> lines;
  std::vector<uint64_t> reason_stamp;  // the document that last counted each reason
  uint64_t doc_stamp = 0;
};

// The CPU time the calling thread has used, in nanoseconds.
uint64_t ThreadCpuNanos() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// Adds the CPU time of its scope (one stage's work on one chunk) to the run's clocks, as
// `clean` counts them (Stats::cpu_seconds): every stage into `all`, the stages that take one
// chunk at a time (read, fold) into `serial` too.
class StageClock {
 public:
  StageClock(std::atomic<uint64_t>& all, std::atomic<uint64_t>* serial)
      : all_(all), serial_(serial), start_(ThreadCpuNanos()) {}
  ~StageClock() {
    const uint64_t spent = ThreadCpuNanos() - start_;
    all_.fetch_add(spent, std::memory_order_relaxed);
    if (serial_ != nullptr) serial_->fetch_add(spent, std::memory_order_relaxed);
  }
  StageClock(const StageClock&) = delete;
  StageClock& operator=(const StageClock&) = delete;

 private:
  std::atomic<uint64_t>& all_;
  std::atomic<uint64_t>* const serial_;
  const uint64_t start_;
};

class Builder {
 public:
  Builder(const ReportOptions& options, const Cleaner& cleaner)
      : opt_(options),
        cleaner_(cleaner),
        rule_count_(cleaner.patterns().rules().size()),
        reason_count_(rule_count_ + static_cast<size_t>(ExtraReason::kCount)) {
    const auto& profile = cleaner.options().site_profile;
    namer_ = profile != nullptr ? &profile->namer() : options.namer.get();
    // With a site profile the cleaner reads its own URL field; the report names sites by it.
    url_path_ = namer_ == nullptr      ? std::string()
                : profile != nullptr ? cleaner.options().url_field
                                     : options.url_field;
    report_.options = options;
    report_.totals.Resize(rule_count_);
    reasons_.resize(reason_count_);
    report_.urls_read = !url_path_.empty();
    for (const auto& path : options.shards) report_.shards.push_back({path, false, {}});
    shard_state_.assign(options.shards.size(), kNotRead);
    line_base_.assign(options.shards.size(), 0);
    shard_counts_.assign(options.shards.size(), ShardCounts());
  }

  Report Go();

 private:
  enum ShardState { kNotRead, kReading, kDone, kFailed, kCut };

  Chunk* Read();
  void Process(Chunk* c, Worker& w) const;
  void ProcessRecord(std::string_view rec, uint64_t offset, uint64_t local_line, Chunk* c,
                     Worker& w) const;
  void Sample(const Chunk& c, std::string_view text, const std::vector<Line>& lines,
              const std::vector<Removal>& removals, const DocRef& ref, uint64_t key,
              ChunkFigures* f) const;
  void Fold(Chunk* c);
  void Finish();

  Chunk* Take() {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (pool_.empty()) return new Chunk;
    Chunk* c = pool_.back().release();
    pool_.pop_back();
    return c;
  }
  void Give(Chunk* c) {
    c->data.clear();
    c->read_error.clear();
    c->last = c->cut_at_max = false;
    c->fig = ChunkFigures();
    std::lock_guard<std::mutex> lock(pool_mu_);
    pool_.emplace_back(c);
  }

  const ReportOptions& opt_;
  const Cleaner& cleaner_;
  const size_t rule_count_;
  const size_t reason_count_;
  const SiteNamer* namer_ = nullptr;
  std::string url_path_;

  // Reader state (serial stage).
  size_t next_shard_ = 0;
  uint32_t cur_shard_ = 0;
  std::unique_ptr<io::RecordReader> reader_;
  uint64_t docs_read_ = 0;
  bool stop_after_record_ = false;  // --max-docs reached inside an over-long record
  bool stop_ = false;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Chunk>> pool_;

  // CPU time of every stage, and of the serial ones (read, fold), in nanoseconds.
  std::atomic<uint64_t> cpu_nanos_{0};
  std::atomic<uint64_t> serial_nanos_{0};

  // Fold state (serial stage).
  Report report_;
  std::vector<ReasonAcc> reasons_;
  std::unordered_map<std::string, SiteAcc> sites_;
  std::vector<SampleDoc> samples_;  // a heap by SampleLess
  std::vector<int> shard_state_;
  std::vector<uint64_t> line_base_;
  // What clean needs to fail a shard of which no record is JSON: its counts and first bytes.
  struct ShardCounts {
    uint64_t records = 0, not_json = 0, too_long = 0;
    std::string head;
  };
  std::vector<ShardCounts> shard_counts_;
};

Chunk* Builder::Read() {
  while (!stop_) {
    if (InterruptRequested()) {
      report_.interrupted = true;
      return nullptr;
    }
    if (opt_.max_docs > 0 && docs_read_ >= opt_.max_docs && !stop_after_record_) {
      stop_ = true;
      report_.stopped_at_max_docs = true;
      return nullptr;
    }
    if (reader_ == nullptr) {
      if (next_shard_ >= opt_.shards.size()) return nullptr;
      cur_shard_ = static_cast<uint32_t>(next_shard_++);
      auto src = io::OpenSource(opt_.shards[cur_shard_]);
      if (!src.ok()) {
        Chunk* c = Take();
        c->shard = cur_shard_;
        c->read_error = src.status().message();
        c->last = true;
        return c;
      }
      io::RecordReaderOptions ro;
      ro.batch_bytes = opt_.batch_bytes;
      ro.max_record_bytes = opt_.max_record_bytes;
      reader_ = std::make_unique<io::RecordReader>(std::move(src.value()), ro);
    }
    Chunk* c = Take();
    c->shard = cur_shard_;
    if (Status st = reader_->Next(&c->data, &c->info); !st.ok()) {
      c->data.clear();
      c->info = io::ChunkInfo();
      c->read_error = st.message();
      c->last = true;
      reader_.reset();
      return c;
    }
    c->last = c->info.end;
    if (opt_.max_docs > 0) {
      if (c->info.part) {
        if (c->info.first_part && ++docs_read_ >= opt_.max_docs) stop_after_record_ = true;
        if (c->info.last_part && stop_after_record_) {
          stop_after_record_ = false;
          c->cut_at_max = c->last = true;
          stop_ = true;
        }
      } else {
        // Cut the chunk after the record that reaches the limit.
        std::string_view all(c->data);
        for (size_t pos = 0; pos < all.size();) {
          size_t nl = all.find('\n', pos);
          size_t end = nl == std::string_view::npos ? all.size() : nl;
          if (!BlankRecord(all.substr(pos, end - pos)) && ++docs_read_ >= opt_.max_docs) {
            const size_t keep = nl == std::string_view::npos ? all.size() : nl + 1;
            if (keep < all.size() || !c->info.end) {
              c->data.resize(keep);
              c->cut_at_max = true;
            }
            c->last = true;
            stop_ = true;
            break;
          }
          pos = end + 1;
        }
      }
      if (stop_) {
        report_.stopped_at_max_docs = c->cut_at_max;
        reader_.reset();
      }
    }
    if (c->info.end) reader_.reset();
    return c;
  }
  return nullptr;
}

void Builder::Process(Chunk* c, Worker& w) const {
  ChunkFigures& f = c->fig;
  f.stats.Resize(rule_count_);
  f.reasons.resize(reason_count_);
  if (w.reason_stamp.size() != reason_count_) w.reason_stamp.assign(reason_count_, 0);
  if (!c->read_error.empty()) return;
  f.stats.bytes_in = c->data.size() + (c->info.last_part ? 1 : 0);
  if (c->info.part) {
    // An over-long record is bad (too-long), as in clean; its parts are only counted.
    if (c->info.first_part) {
      ++f.stats.records_in;
      ++f.stats.bad_by[static_cast<size_t>(BadRecord::kTooLong)];
      ++f.stats.quarantined;
    }
    f.newlines = c->info.last_part ? 1 : 0;
    return;
  }
  const std::string_view all(c->data);
  uint64_t local_line = 0;
  for (size_t pos = 0; pos < all.size() && f.fatal.empty(); ++local_line) {
    const size_t nl = all.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? all.size() : nl;
    ProcessRecord(all.substr(pos, end - pos), c->info.offset + pos, local_line, c, w);
    if (nl == std::string_view::npos) {
      pos = all.size();
    } else {
      pos = nl + 1;
      ++f.newlines;
    }
  }
}

void Builder::ProcessRecord(std::string_view rec, uint64_t offset, uint64_t local_line, Chunk* c,
                            Worker& w) const {
  ChunkFigures& f = c->fig;
  Stats& st = f.stats;
  if (BlankRecord(rec)) {
    ++st.blank_input_lines;
    return;
  }
  ++st.records_in;
  auto bad = [&](BadRecord why) {
    ++st.bad_by[static_cast<size_t>(why)];
    ++st.quarantined;
  };
  if (rec.size() > opt_.max_record_bytes) return bad(BadRecord::kTooLong);
  if (rec.size() >= 3 && std::memcmp(rec.data(), "\xEF\xBB\xBF", 3) == 0) {
    return bad(BadRecord::kInvalidJson);  // a byte-order mark inside a shard, as clean has it
  }
  record::RecordFields fields;
  // The chunk's capacity leaves simdjson's padding after every record in it.
  if (auto why = record::ParseRecordFields(w.parser, rec, cleaner_.options().text_field,
                                           url_path_, &fields)) {
    return bad(*why);
  }
  const std::string_view text = fields.text;
  std::string_view site;
  if (!fields.url.empty() && namer_ != nullptr && namer_->SiteOf(fields.url, &w.site)) {
    site = w.site;
  }
  int drop_rule = -1;
  Result<bool> cleaned = cleaner_.CleanText(
      text, *w.state, &st, &w.new_text, &drop_rule,
      cleaner_.options().site_profile != nullptr ? site : std::string_view());
  if (!cleaned.ok()) {
    f.fatal = "record at offset " + std::to_string(offset) + ": " + cleaned.status().message();
    return;
  }
  const bool changed = cleaned.value();
  const bool dropped = changed && drop_rule >= 0;
  // What clean writes for the record: as it is, with the new text spliced in, or nothing.
  if (dropped) {
    ++st.dropped_doc;
  } else {
    ++st.records_out;
    if (changed) {
      ++st.records_changed;
      w.escaped.clear();
      AppendJsonEscaped(w.new_text, &w.escaped);
      st.bytes_out += rec.size() - fields.text_token.size() + 2 + w.escaped.size() + 1;
    } else {
      st.bytes_out += rec.size() + 1;
    }
  }

  w.removals.clear();
  if (dropped) {
    w.removals.push_back({0, static_cast<uint32_t>(text.size()), drop_rule});
  } else if (changed) {
    cleaner_.AppendRemovals(text, *w.state, &w.removals);
  }
  ++w.doc_stamp;
  uint64_t removed = 0, removed_lines = 0;
  for (const Removal& m : w.removals) {
    const std::string_view bytes = text.substr(m.begin, m.end - m.begin);
    removed += bytes.size();
    if (m.reason == Removal::kLayout) {
      f.layout_bytes += bytes.size();
      continue;
    }
    ChunkReason& r = f.reasons[static_cast<size_t>(m.reason)];
    r.bytes += bytes.size();
    r.chars += CountCodePoints(StripBreak(bytes));
    if (w.reason_stamp[m.reason] != w.doc_stamp) {
      w.reason_stamp[m.reason] = w.doc_stamp;
      ++r.docs;
    }
    std::string_view shown = StripBreak(bytes);
    uint64_t lines = 1;
    if (dropped) {
      // A dropped document: its non-blank lines, listed under its first one.
      SplitLines(text, &w.lines);
      shown = {};
      lines = 0;
      for (const Line& l : w.lines) {
        if (l.blank) continue;
        if (shown.empty()) shown = text.substr(l.begin, l.end - l.begin);
        ++lines;
      }
    }
    r.lines += lines;
    removed_lines += lines;
    const uint64_t h = HashBytes(shown);
    auto [it, fresh] = r.lines_seen.try_emplace(h);
    if (fresh) {
      const std::string_view capped = CapView(shown, kTopLineBytes);
      it->second.off = static_cast<uint32_t>(f.arena.size());
      it->second.len = static_cast<uint32_t>(capped.size());
      f.arena.append(capped);
    }
    ++it->second.count;
  }
  f.text_bytes += text.size();
  f.removed_text_bytes += removed;
  f.docs_with_removals += removed > 0;
  const size_t bin =
      removed == 0 ? 0
                   : static_cast<size_t>(std::min<uint64_t>(
                         20, std::max<uint64_t>(1, (removed * 20 + text.size() - 1) / text.size())));
  ++f.histogram[bin];

  if (!site.empty()) {
    ++f.docs_with_site;
    SiteAcc& s = f.sites[std::string(site)];
    ++s.docs;
    s.text_bytes += text.size();
    s.removed_bytes += removed;
    s.lines_removed += removed_lines;
  }

  const bool over_80 = !dropped && removed * 5 > text.size() * 4;
  const uint64_t key = SampleKey(opt_.seed, c->shard, offset);
  const bool sampled =
      opt_.sample > 0 && (f.samples.size() < opt_.sample || key < f.samples.front().key);
  if (!over_80 && !sampled) return;

  DocRef ref;
  ref.shard = c->shard;
  ref.line = local_line;
  ref.offset = offset;
  ref.url = Cap(fields.url, kUrlShowBytes);
  ref.text_bytes = text.size();
  ref.removed_bytes = removed;
  ref.dropped_by = dropped ? drop_rule : -1;
  SplitLines(text, &w.lines);
  for (const Line& l : w.lines) {
    if (!l.blank) {
      ref.title = Cap(text.substr(l.begin, l.end - l.begin), kTitleShowBytes);
      break;
    }
  }
  if (over_80) {
    ++f.over_80_count;
    f.over_80.push_back(ref);
    if (f.over_80.size() >= 2 * kOver80Listed) {
      std::sort(f.over_80.begin(), f.over_80.end(), Over80Less);
      f.over_80.resize(kOver80Listed);
    }
  }
  if (sampled) Sample(*c, text, w.lines, w.removals, ref, key, &f);
}

void Builder::Sample(const Chunk& c, std::string_view text, const std::vector<Line>& lines,
                     const std::vector<Removal>& removals, const DocRef& ref, uint64_t key,
                     ChunkFigures* f) const {
  SampleDoc doc;
  doc.ref = ref;
  doc.key = key;
  // The status of each line: removed (with its reason) or kept.
  const size_t n = lines.size();
  std::vector<int32_t> reason(n, -2);  // -2 kept
  size_t ri = 0;
  for (size_t i = 0; i < n; ++i) {
    const Line& l = lines[i];
    if (l.next == l.begin) continue;  // the empty line after a final break
    while (ri < removals.size() && removals[ri].end <= l.begin) ++ri;
    if (ri < removals.size() && removals[ri].begin <= l.begin) reason[i] = removals[ri].reason;
  }
  // The last line is the empty one after a final '\n': not shown.
  size_t count = n;
  if (count > 1 && lines[count - 1].begin == lines[count - 1].next) --count;
  doc.lines = count;
  // Shown: removed lines and two lines around each, the first three and the last line; a run
  // of fewer than three other lines is shown rather than folded.
  std::vector<char> show(count, 0);
  bool any_removed = false;
  for (size_t i = 0; i < count; ++i) {
    if (reason[i] == -2 || lines[i].blank) continue;
    any_removed = true;
    for (size_t j = i >= 2 ? i - 2 : 0; j < count && j <= i + 2; ++j) show[j] = 1;
  }
  const size_t head = any_removed ? 3 : 6;
  for (size_t i = 0; i < count && i < head; ++i) show[i] = 1;
  if (count > 0 && any_removed) show[count - 1] = 1;
  for (size_t i = 0; i < count;) {
    if (show[i]) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < count && !show[j]) ++j;
    if (j - i < 3) std::fill(show.begin() + i, show.begin() + j, 1);
    i = j;
  }
  for (size_t i = 0; i < count;) {
    if (doc.shown.size() + 1 >= kMaxShownLines) {
      ShownLine fold;
      fold.kind = ShownLine::kFold;
      fold.folded = count - i;
      doc.shown.push_back(std::move(fold));
      break;
    }
    if (!show[i]) {
      size_t j = i;
      while (j < count && !show[j]) ++j;
      ShownLine fold;
      fold.kind = ShownLine::kFold;
      fold.folded = j - i;
      doc.shown.push_back(std::move(fold));
      i = j;
      continue;
    }
    const Line& l = lines[i];
    ShownLine s;
    s.kind = reason[i] == -2 ? ShownLine::kKept : ShownLine::kRemoved;
    s.reason = reason[i] == -2 ? -1 : reason[i];
    s.blank = l.blank;
    s.bytes = l.end - l.begin;
    s.text = Cap(text.substr(l.begin, l.end - l.begin), kSampleLineBytes);
    doc.shown.push_back(std::move(s));
    ++i;
  }
  f->samples.push_back(std::move(doc));
  std::push_heap(f->samples.begin(), f->samples.end(), SampleLess);
  if (f->samples.size() > opt_.sample) {
    std::pop_heap(f->samples.begin(), f->samples.end(), SampleLess);
    f->samples.pop_back();
  }
}

void Builder::Fold(Chunk* c) {
  const uint32_t shard = c->shard;
  ChunkFigures& f = c->fig;
  if (shard_state_[shard] == kNotRead) shard_state_[shard] = kReading;
  if (shard_state_[shard] == kFailed) return;  // the rest of a failed shard counts for nothing
  if (!c->read_error.empty() || !f.fatal.empty()) {
    shard_state_[shard] = kFailed;
    report_.shards[shard].failed = true;
    report_.shards[shard].error = !c->read_error.empty() ? c->read_error : f.fatal;
    if (c->read_error.empty()) return;  // the failed chunk's records are not counted
  }
  const uint64_t base = line_base_[shard];
  line_base_[shard] += f.newlines;
  ShardCounts& sc = shard_counts_[shard];
  if (sc.head.size() < kHeadSample) sc.head.append(c->data, 0, kHeadSample - sc.head.size());
  sc.records += f.stats.records_in;
  sc.not_json += f.stats.bad_by[static_cast<size_t>(BadRecord::kInvalidJson)] +
                 f.stats.bad_by[static_cast<size_t>(BadRecord::kInvalidUtf8)];
  sc.too_long += f.stats.bad_by[static_cast<size_t>(BadRecord::kTooLong)];
  report_.totals += f.stats;
  report_.layout_bytes += f.layout_bytes;
  report_.text_bytes += f.text_bytes;
  report_.removed_text_bytes += f.removed_text_bytes;
  report_.docs_with_removals += f.docs_with_removals;
  report_.docs_with_site += f.docs_with_site;
  for (size_t i = 0; i < 21; ++i) report_.histogram[i] += f.histogram[i];
  for (size_t r = 0; r < f.reasons.size(); ++r) {
    ChunkReason& from = f.reasons[r];
    ReasonAcc& to = reasons_[r];
    to.lines += from.lines;
    to.chars += from.chars;
    to.bytes += from.bytes;
    to.docs += from.docs;
    // In chunk order, so the text kept for a line is its first occurrence's.
    for (const auto& [h, lc] : from.lines_seen) {
      auto [it, fresh] = to.lines_seen.try_emplace(h);
      if (fresh) {
        it->second.off = static_cast<uint32_t>(to.arena.size());
        it->second.len = lc.len;
        to.arena.append(f.arena, lc.off, lc.len);
      }
      it->second.count += lc.count;
    }
    if (to.lines_seen.size() > kMaxDistinctLines) {
      // Forget the rarest lines until half the bound is left: later counts of a forgotten line
      // start again, so every count is then a lower bound (said in the report). The fold runs
      // in input order, so this is the same at any thread count.
      to.approximate = true;
      for (uint64_t t = 1; to.lines_seen.size() > kMaxDistinctLines / 2; ++t) {
        std::erase_if(to.lines_seen, [t](const auto& e) { return e.second.count <= t; });
      }
      std::string arena;
      for (auto& [h, line] : to.lines_seen) {
        const uint32_t off = static_cast<uint32_t>(arena.size());
        arena.append(to.arena, line.off, line.len);
        line.off = off;
      }
      to.arena.swap(arena);
    }
  }
  for (auto& [site, s] : f.sites) {
    SiteAcc& to = sites_[site];
    to.docs += s.docs;
    to.text_bytes += s.text_bytes;
    to.removed_bytes += s.removed_bytes;
    to.lines_removed += s.lines_removed;
  }
  report_.over_80_count += f.over_80_count;
  for (DocRef& d : f.over_80) {
    d.line += base + 1;
    report_.over_80.push_back(std::move(d));
  }
  if (report_.over_80.size() >= 2 * kOver80Listed) {
    std::sort(report_.over_80.begin(), report_.over_80.end(), Over80Less);
    report_.over_80.resize(kOver80Listed);
  }
  for (SampleDoc& d : f.samples) {
    d.ref.line += base + 1;
    samples_.push_back(std::move(d));
    std::push_heap(samples_.begin(), samples_.end(), SampleLess);
    if (samples_.size() > opt_.sample) {
      std::pop_heap(samples_.begin(), samples_.end(), SampleLess);
      samples_.pop_back();
    }
  }
  if (c->last && shard_state_[shard] != kFailed) {
    shard_state_[shard] = c->cut_at_max ? kCut : kDone;
    // As clean has it: a shard of which no record is JSON is no JSONL at all, a failure.
    if (sc.not_json > 0 && sc.not_json + sc.too_long == sc.records) {
      shard_state_[shard] = kFailed;
      report_.shards[shard].failed = true;
      report_.shards[shard].error = opt_.shards[shard] + ": no record is JSON (" +
                                    std::to_string(sc.not_json) + " of " +
                                    std::to_string(sc.records) + " records are not): the data " +
                                    io::DescribeNonJson(sc.head);
    }
  }
}

void Builder::Finish() {
  for (size_t r = 0; r < reason_count_; ++r) {
    ReasonAcc& acc = reasons_[r];
    const bool drop_doc = r < rule_count_ && cleaner_.patterns().rules()[r].action == Action::kDropDoc;
    if (acc.bytes == 0 && report_.totals.removed_by[r] == 0 &&
        (!drop_doc || report_.totals.docs_dropped_by[r] == 0)) {
      continue;
    }
    ReasonFigures fig;
    fig.reason = static_cast<int32_t>(r);
    fig.name = std::string(cleaner_.ReasonName(fig.reason));
    fig.kind = r < rule_count_ ? (drop_doc ? "drop-doc" : "rule")
                               : std::string(ExtraReasonName(
                                     static_cast<ExtraReason>(r - rule_count_)));
    fig.lines = acc.lines;
    fig.chars = acc.chars;
    fig.bytes = acc.bytes;
    fig.docs = acc.docs;
    fig.approximate = acc.approximate;
    // The most frequent lines (ties: by text, then hash) and a few removed once (the smallest
    // hashes mixed with the seed: a fair pick), selected without sorting every line.
    struct Entry {
      uint64_t count, hash;
      std::string_view text;
    };
    std::vector<Entry> all, once;
    all.reserve(acc.lines_seen.size());
    for (const auto& [h, line] : acc.lines_seen) {
      const Entry e{line.count, h, std::string_view(acc.arena).substr(line.off, line.len)};
      (e.count > 1 ? all : once).push_back(e);
    }
    auto by_count = [](const Entry& a, const Entry& b) {
      if (a.count != b.count) return a.count > b.count;
      if (a.text != b.text) return a.text < b.text;
      return a.hash < b.hash;
    };
    const size_t top = std::min(all.size(), kTopLines);
    std::partial_sort(all.begin(), all.begin() + top, all.end(), by_count);
    for (size_t i = 0; i < top; ++i) {
      fig.top.push_back({all[i].count, all[i].hash, std::string(all[i].text)});
    }
    const uint64_t mix = opt_.seed * 0x9E3779B97F4A7C15ull;
    auto by_key = [mix](const Entry& a, const Entry& b) {
      const uint64_t ka = a.hash ^ mix, kb = b.hash ^ mix;
      return ka != kb ? ka < kb : a.text < b.text;
    };
    const size_t picks = std::min(once.size(), kSingletons);
    std::partial_sort(once.begin(), once.begin() + picks, once.end(), by_key);
    for (size_t i = 0; i < picks; ++i) {
      fig.singletons.push_back({once[i].count, once[i].hash, std::string(once[i].text)});
    }
    report_.reasons.push_back(std::move(fig));
  }
  std::stable_sort(report_.reasons.begin(), report_.reasons.end(),
                   [](const ReasonFigures& a, const ReasonFigures& b) {
                     if (a.chars != b.chars) return a.chars > b.chars;
                     return a.reason < b.reason;
                   });

  report_.sites_total = sites_.size();
  std::vector<SiteFigures> sites;
  sites.reserve(sites_.size());
  for (auto& [name, s] : sites_) {
    sites.push_back({name, s.docs, s.text_bytes, s.removed_bytes, s.lines_removed});
  }
  const size_t keep = std::min(kSitesListed, sites.size());
  std::partial_sort(sites.begin(), sites.begin() + keep, sites.end(),
                    [](const SiteFigures& a, const SiteFigures& b) {
                      if (a.removed_bytes != b.removed_bytes) return a.removed_bytes > b.removed_bytes;
                      return a.site < b.site;
                    });
  sites.resize(keep);
  report_.sites = std::move(sites);

  std::sort(report_.over_80.begin(), report_.over_80.end(), Over80Less);
  if (report_.over_80.size() > kOver80Listed) report_.over_80.resize(kOver80Listed);

  std::sort(samples_.begin(), samples_.end(), [](const SampleDoc& a, const SampleDoc& b) {
    if (a.ref.shard != b.ref.shard) return a.ref.shard < b.ref.shard;
    return a.ref.offset < b.ref.offset;
  });
  report_.samples = std::move(samples_);

  for (size_t i = 0; i < report_.shards.size(); ++i) {
    if (shard_state_[i] == kReading) {
      // Started but its last chunk never came: the run was stopped.
      report_.shards[i].error = "not read to the end (stopped)";
    } else if (shard_state_[i] == kNotRead) {
      report_.shards[i].error = "not read (stopped before it)";
    } else if (shard_state_[i] == kCut) {
      report_.shards[i].error = "read up to --max-docs";
    }
  }

  // The rule files, with hashes, so that two reports can be compared.
  const auto& rules = cleaner_.patterns().rules();
  std::string set_bytes;
  for (const Rule& r : rules) {
    auto it = std::find_if(report_.rule_files.begin(), report_.rule_files.end(),
                           [&](const RuleFileInfo& f) { return f.path == r.file; });
    if (it == report_.rule_files.end()) {
      RuleFileInfo info;
      info.path = r.file;
      // A built-in preset's file ("builtin:default/x.rules") is hashed from its embedded bytes.
      std::optional<std::string> bytes;
      for (const BuiltinRuleFile& f : BuiltinRuleFiles()) {
        if (std::string(kBuiltinPrefix) + std::string(f.preset) + "/" + std::string(f.name) ==
            r.file) {
          bytes = std::string(f.bytes);
        }
      }
      if (!bytes) {
        std::ifstream in(r.file, std::ios::binary);
        if (in) {
          std::stringstream ss;
          ss << in.rdbuf();
          bytes = ss.str();
        }
      }
      if (bytes) {
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx",
                      static_cast<unsigned long long>(HashBytes(*bytes)));
        info.hash = hex;
      }
      report_.rule_files.push_back(std::move(info));
      it = report_.rule_files.end() - 1;
    }
    ++it->rules;
    set_bytes += r.name;
    set_bytes += '\0';
    set_bytes += ActionName(r.action);
    set_bytes += '\0';
    set_bytes += r.pattern;
    set_bytes += r.caseless ? "i" : "";
    set_bytes += r.whole_line ? "l" : "";
    set_bytes += r.utf8 ? "u" : "";
    set_bytes += '\n';
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(HashBytes(set_bytes)));
  report_.rule_set_hash = hex;
  for (const Rule& r : rules) report_.rule_names.push_back(r.name);
}

Report Builder::Go() {
  const auto start = std::chrono::steady_clock::now();
  const size_t threads = opt_.threads > 0 ? static_cast<size_t>(opt_.threads)
                                          : static_cast<size_t>(tbb::info::default_concurrency());
  {
    internal::TsanFreshWorkers fresh_workers;  // declared first: ends the workers last
    internal::ThreadLimits limits(threads);  // pipeline/threads.h
    tbb::enumerable_thread_specific<Worker> workers([this] { return Worker(cleaner_); });
    int run_end = 0;
    tbb::parallel_pipeline(
        2 * threads + 2,
        tbb::make_filter<void, Chunk*>(tbb::filter_mode::serial_in_order,
                                       [this, &run_end](tbb::flow_control& fc) -> Chunk* {
                                         TBB_HANDOFF_ACQUIRE(&reader_);
                                         Chunk* c = nullptr;
                                         {
                                           StageClock clock(cpu_nanos_, &serial_nanos_);
                                           c = Read();
                                         }
                                         if (c == nullptr) fc.stop();
                                         if (c != nullptr) TBB_HANDOFF_RELEASE(c);
                                         TBB_HANDOFF_RELEASE(&reader_);
                                         TBB_HANDOFF_RELEASE(&run_end);
                                         return c;
                                       }) &
            tbb::make_filter<Chunk*, Chunk*>(tbb::filter_mode::parallel,
                                             [this, &workers, &run_end](Chunk* c) {
                                               TBB_HANDOFF_ACQUIRE(c);
                                               StageClock clock(cpu_nanos_, nullptr);
                                               Process(c, workers.local());
                                               TBB_HANDOFF_RELEASE(c);
                                               TBB_HANDOFF_RELEASE(&run_end);
                                               return c;
                                             }) &
            tbb::make_filter<Chunk*, void>(tbb::filter_mode::serial_in_order,
                                           [this, &run_end](Chunk* c) {
                                             TBB_HANDOFF_ACQUIRE(c);
                                             TBB_HANDOFF_ACQUIRE(&report_);
                                             StageClock clock(cpu_nanos_, &serial_nanos_);
                                             Fold(c);
                                             Give(c);
                                             TBB_HANDOFF_RELEASE(&report_);
                                             TBB_HANDOFF_RELEASE(&run_end);
                                           }));
    TBB_HANDOFF_ACQUIRE(&run_end);
  }
  Finish();
  report_.totals.cpu_seconds = static_cast<double>(cpu_nanos_.load()) / 1e9;
  report_.totals.serial_cpu_seconds = static_cast<double>(serial_nanos_.load()) / 1e9;
  report_.totals.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::move(report_);
}

}  // namespace

bool Report::any_failed() const {
  return std::any_of(shards.begin(), shards.end(), [](const ShardOutcome& s) { return s.failed; });
}

Result<Report> BuildReport(const ReportOptions& options, const Cleaner& cleaner) {
  if (options.shards.empty()) return Status::RunError("report: no input shard");
  if (options.sample > kMaxSample) {
    return Status::RunError("--sample must be at most " + std::to_string(kMaxSample));
  }
  io::RecordReaderOptions ro;
  ro.batch_bytes = options.batch_bytes;
  ro.max_record_bytes = options.max_record_bytes;
  if (Status st = io::ValidateRecordReaderOptions(ro); !st.ok()) return st;
  Builder builder(options, cleaner);
  return builder.Go();
}

}  // namespace boilerstrip::report
