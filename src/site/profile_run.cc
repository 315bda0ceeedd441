// The map pass: shards → per site, the number of documents holding each normalized line.
//
// serial read (whole records) → parallel parse (site + the document's distinct line hashes)
// → serial count into one open-addressing table. When the table reaches the memory budget it is
// sorted in place and spilled as a profile run; the runs are k-way merged at the end. The
// output is a canonical function of the input records, whatever the threads or spills.
#include <fcntl.h>
#include <simdjson.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/info.h>
#include <tbb/parallel_pipeline.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <unordered_map>

#include "boilerstrip/site_profile.h"
#include "boilerstrip/text.h"
#include "io/io.h"
#include "io/record_reader.h"
#include "io/shard_list.h"
#include "pipeline/threads.h"
#include "pipeline/tsan.h"
#include "record/record_fields.h"

namespace boilerstrip {
namespace {

namespace od = simdjson::ondemand;
namespace fs = std::filesystem;

struct Batch {
  std::string data;  // records, '\n'-separated, then SIMDJSON_PADDING bytes
  size_t len = 0;
  // Parse results.
  struct Doc {
    uint32_t site_begin, site_len;
    uint32_t hash_begin, hash_end;
  };
  std::string sites;
  std::vector<Doc> docs;
  std::vector<uint64_t> hashes;
  uint64_t records = 0, bad = 0, no_site = 0, lines = 0;
};

struct Worker {
  od::parser parser;
  std::vector<Line> lines;
  std::string norm;
  std::string site;
};

// (site, line hash) → documents; 16 bytes a slot, load ≤ 1/2.
class CountTable {
 public:
  struct Slot {
    uint64_t hash;
    uint32_t site;
    uint32_t count;  // 0 = empty
  };
  size_t bytes() const { return slots_.size() * sizeof(Slot); }
  size_t size() const { return used_; }
  bool NeedsGrow() const { return 2 * (used_ + 1) > slots_.size(); }
  // The table's bytes once `more` new entries were added (0 growth: its bytes now).
  size_t GrowBytesFor(size_t more) const {
    size_t cap = std::max<size_t>(64, slots_.size());
    while (2 * (used_ + more) > cap) cap *= 2;
    return cap * sizeof(Slot);
  }

  void Add(uint32_t site, uint64_t hash) {
    if (NeedsGrow()) Grow();
    size_t mask = slots_.size() - 1;
    size_t i = Mix(site, hash) & mask;
    for (;;) {
      Slot& s = slots_[i];
      if (s.count == 0) {
        s = {hash, site, 1};
        ++used_;
        return;
      }
      if (s.hash == hash && s.site == site) {
        ++s.count;
        return;
      }
      i = (i + 1) & mask;
    }
  }
  // Moves the entries to the front and returns them; the table is empty afterwards.
  std::vector<Slot> TakeEntries() {
    size_t n = 0;
    for (const Slot& s : slots_) {
      if (s.count != 0) slots_[n++] = s;
    }
    slots_.resize(n);
    std::vector<Slot> out;
    out.swap(slots_);
    used_ = 0;
    return out;
  }

 private:
  static size_t Mix(uint32_t site, uint64_t hash) {
    return static_cast<size_t>(hash ^ (uint64_t{site} * 0x9E3779B97F4A7C15ull));
  }
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(std::max<size_t>(64, old.size() * 2), Slot{0, 0, 0});
    used_ = 0;
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.count == 0) continue;
      size_t i = Mix(s.site, s.hash) & mask;
      while (slots_[i].count != 0) i = (i + 1) & mask;
      slots_[i] = s;
      ++used_;
    }
  }
  std::vector<Slot> slots_;
  size_t used_ = 0;
};

bool BlankRecord(std::string_view rec) {
  for (char c : rec) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

class Profiler {
 public:
  Profiler(const ProfileOptions& o, std::shared_ptr<const SiteNamer> namer,
           std::vector<std::string> shards)
      : o_(o), namer_(std::move(namer)), shards_(std::move(shards)) {}

  Result<ProfileReport> Go();

 private:
  Batch* Read();
  void Parse(Batch* b, Worker& w) const;
  void Count(Batch* b);
  Status Spill(const std::string& path);
  std::string RunPath(size_t index) const;

  const ProfileOptions& o_;
  std::shared_ptr<const SiteNamer> namer_;
  std::vector<std::string> shards_;
  size_t next_shard_ = 0;
  std::unique_ptr<io::RecordReader> reader_;
  std::string current_;
  uint64_t too_long_ = 0;  // read side: records skipped past max_record_bytes
  Status status_;        // read side
  std::atomic<bool> stop_{false};  // set by the count side when a spill fails
  Status spill_status_;  // count side (the two serial stages may run at the same time)
  ProfileReport report_;

  std::unordered_map<std::string, uint32_t> site_ids_;
  std::vector<std::string> site_names_;
  std::vector<uint64_t> site_docs_;
  CountTable table_;
  std::vector<std::string> runs_;
};

constexpr size_t kBatchBytes = size_t{4} << 20;

Batch* Profiler::Read() {
  for (;;) {
    if (!status_.ok() || stop_.load()) return nullptr;
    if (io::InterruptRequested()) {
      status_ = Status::RunError("interrupted; temporary files removed");
      current_.clear();
      return nullptr;
    }
    if (reader_ == nullptr) {
      if (next_shard_ == shards_.size()) return nullptr;
      current_ = shards_[next_shard_++];
      auto src = io::OpenSource(current_);
      if (!src.ok()) {
        status_ = src.status();
        return nullptr;
      }
      io::RecordReaderOptions ro;
      ro.batch_bytes = kBatchBytes;
      ro.max_record_bytes = o_.max_record_bytes;
      reader_ = std::make_unique<io::RecordReader>(std::move(src.value()), ro);
      if (o_.verbosity >= 2) std::fprintf(stderr, "boilerstrip: profiling %s\n", current_.c_str());
    }
    auto b = std::make_unique<Batch>();
    io::ChunkInfo info;
    Status st = reader_->Next(&b->data, &info);
    if (!st.ok()) {
      status_ = st;
      return nullptr;
    }
    if (info.end) {
      report_.bytes_in += info.offset + b->data.size();
      reader_.reset();
    }
    if (info.part) {
      // A record over max_record_bytes, streamed past in parts: counted once, never held.
      if (info.first_part) ++too_long_;  // the read stage's own counter: Count() runs meanwhile
      continue;
    }
    if (b->data.empty()) continue;
    b->len = b->data.size();
    b->data.resize(b->len + simdjson::SIMDJSON_PADDING, '\0');
    return b.release();
  }
}

void Profiler::Parse(Batch* b, Worker& w) const {
  std::string_view all(b->data.data(), b->len);
  size_t pos = 0;
  while (pos < all.size()) {
    size_t nl = all.find('\n', pos);
    size_t end = nl == std::string_view::npos ? all.size() : nl;
    std::string_view rec = all.substr(pos, end - pos);
    pos = end + 1;
    if (BlankRecord(rec)) continue;
    ++b->records;
    if (rec.size() > o_.max_record_bytes) {
      ++b->bad;
      continue;
    }
    // The padding after the batch, or the rest of the batch, makes every record padded. A bad
    // record of any kind is counted bad: the cleaner quarantines it, so it has no lines.
    record::RecordFields fields;
    if (record::ParseRecordFields(w.parser, rec, o_.text_field, o_.url_field, &fields)
            .has_value()) {
      ++b->bad;
      continue;
    }
    const std::string_view text = fields.text;
    if (fields.url.empty() || !namer_->SiteOf(fields.url, &w.site)) {
      ++b->no_site;
      continue;
    }
    Batch::Doc d;
    d.site_begin = static_cast<uint32_t>(b->sites.size());
    d.site_len = static_cast<uint32_t>(w.site.size());
    b->sites += w.site;
    d.hash_begin = static_cast<uint32_t>(b->hashes.size());
    SplitLines(text, &w.lines);
    for (const Line& l : w.lines) {
      if (l.blank) continue;
      NormalizeLine(text.substr(l.begin, l.end - l.begin), &w.norm);
      if (w.norm.empty()) continue;
      b->hashes.push_back(HashBytes(w.norm));
    }
    auto first = b->hashes.begin() + d.hash_begin;
    std::sort(first, b->hashes.end());
    b->hashes.erase(std::unique(first, b->hashes.end()), b->hashes.end());
    d.hash_end = static_cast<uint32_t>(b->hashes.size());
    b->lines += d.hash_end - d.hash_begin;
    b->docs.push_back(d);
  }
}

void Profiler::Count(Batch* b) {
  report_.records_in += b->records;
  report_.records_bad += b->bad;
  report_.records_no_site += b->no_site;
  report_.records_profiled += b->docs.size();
  report_.lines += b->lines;
  for (const Batch::Doc& d : b->docs) {
    std::string_view name(b->sites.data() + d.site_begin, d.site_len);
    auto [it, inserted] =
        site_ids_.try_emplace(std::string(name), static_cast<uint32_t>(site_names_.size()));
    if (inserted) {
      site_names_.emplace_back(name);
      site_docs_.push_back(0);
    }
    uint32_t id = it->second;
    const size_t n = d.hash_end - d.hash_begin;
    if (table_.size() > 0 && table_.GrowBytesFor(n) > o_.memory_bytes && spill_status_.ok()) {
      // Spill what is counted so far, between documents, so that every run is a valid
      // profile in which no line is in more documents than its site.
      std::string run = RunPath(runs_.size());
      spill_status_ = Spill(run);
      if (!spill_status_.ok()) stop_.store(true);  // no point reading on: the run fails
      runs_.push_back(run);
      ++report_.spills;
    }
    ++site_docs_[id];
    for (uint32_t i = d.hash_begin; i < d.hash_end; ++i) table_.Add(id, b->hashes[i]);
  }
  delete b;
}

std::string Profiler::RunPath(size_t index) const {
  // The process id keeps two runs on one output (a requeued task beside its first attempt) from
  // reading each other's spills.
  return o_.output + ".run" + std::to_string(::getpid()) + "-" + std::to_string(index);
}

Status Profiler::Spill(const std::string& path) {
  std::vector<uint32_t> order(site_names_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return site_names_[a] < site_names_[b]; });
  std::vector<uint32_t> rank(order.size());
  for (uint32_t r = 0; r < order.size(); ++r) rank[order[r]] = r;
  std::vector<CountTable::Slot> entries = table_.TakeEntries();
  std::sort(entries.begin(), entries.end(), [&](const auto& a, const auto& b) {
    return rank[a.site] != rank[b.site] ? rank[a.site] < rank[b.site] : a.hash < b.hash;
  });
  auto writer = ProfileWriter::Create(path, nullptr);
  if (!writer.ok()) return writer.status();
  ProfileWriter& w = *writer.value();
  size_t e = 0;
  for (uint32_t id : order) {
    // A site spilled earlier whose documents all went to earlier runs has nothing here.
    bool has_entries = e < entries.size() && entries[e].site == id;
    if (site_docs_[id] == 0 && !has_entries) continue;
    w.BeginSite(site_names_[id], site_docs_[id]);
    for (; e < entries.size() && entries[e].site == id; ++e) w.Add(entries[e].hash, entries[e].count);
    w.EndSite();
    site_docs_[id] = 0;
  }
  std::vector<CountTable::Slot>().swap(entries);
  return w.Finish();
}

Result<ProfileReport> Profiler::Go() {
  auto start = std::chrono::steady_clock::now();
  report_.shards = shards_.size();
  size_t threads = o_.threads > 0 ? static_cast<size_t>(o_.threads)
                                  : static_cast<size_t>(tbb::info::default_concurrency());
  internal::TsanFreshWorkers fresh_workers;  // declared first: ends the workers last
  internal::ThreadLimits limits(threads);  // pipeline/threads.h
  tbb::enumerable_thread_specific<Worker> workers;
  // The read stage's state is tagged by `this`, the count stage's by &report_ (tsan.h).
  tbb::parallel_pipeline(
      2 * threads + 2,
      tbb::make_filter<void, Batch*>(tbb::filter_mode::serial_in_order,
                                     [&](tbb::flow_control& fc) -> Batch* {
                                       TBB_HANDOFF_ACQUIRE(this);
                                       Batch* b = Read();
                                       if (b == nullptr) fc.stop();
                                       if (b != nullptr) TBB_HANDOFF_RELEASE(b);
                                       TBB_HANDOFF_RELEASE(this);
                                       return b;
                                     }) &
          tbb::make_filter<Batch*, Batch*>(tbb::filter_mode::parallel,
                                           [&](Batch* b) {
                                             TBB_HANDOFF_ACQUIRE(b);
                                             Parse(b, workers.local());
                                             TBB_HANDOFF_RELEASE(b);
                                             return b;
                                           }) &
          tbb::make_filter<Batch*, void>(tbb::filter_mode::serial_in_order,
                                         [&](Batch* b) {
                                           TBB_HANDOFF_ACQUIRE(b);
                                           TBB_HANDOFF_ACQUIRE(&report_);
                                           Count(b);
                                           TBB_HANDOFF_RELEASE(&report_);
                                         }));
  TBB_HANDOFF_ACQUIRE(this);  // the pipeline's end: every stage's work is done
  TBB_HANDOFF_ACQUIRE(&report_);
  auto cleanup = [&] {
    for (const std::string& r : runs_) ::unlink(r.c_str());
  };
  if (!status_.ok()) {
    cleanup();
    if (status_.scope() == ErrorScope::kRun) return status_;
    return Status::ShardError((current_.empty() ? "" : current_ + ": ") + status_.message());
  }
  report_.records_in += too_long_;
  report_.records_bad += too_long_;
  Status s = spill_status_;
  if (!s.ok()) {
  } else if (runs_.empty()) {
    s = Spill(o_.output);
  } else {
    std::string run = RunPath(runs_.size());
    runs_.push_back(run);
    s = Spill(run);
    if (s.ok()) s = MergeProfiles(runs_, o_.output, nullptr);
  }
  cleanup();
  if (!s.ok()) return s;
  auto reader = ProfileReader::Open(o_.output);
  if (!reader.ok()) return reader.status();
  report_.out = reader.value()->info();
  report_.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report_;
}

}  // namespace

Result<ProfileReport> RunProfile(const ProfileOptions& options) {
  if (options.output.empty()) return Status::RunError("profile: no output file (-o PROFILE)");
  if (options.text_field.empty() || options.url_field.empty()) {
    return Status::RunError("profile: empty field name");
  }
  if (options.memory_bytes < (size_t{1} << 20)) {
    return Status::RunError("profile: memory budget below 1 MiB");
  }
  io::RecordReaderOptions reader_options;
  reader_options.max_record_bytes = options.max_record_bytes;
  if (Status st = io::ValidateRecordReaderOptions(reader_options); !st.ok()) return st;
  auto shards = io::ListShards(options.inputs, options.rank, options.world_size);
  if (!shards.ok()) return shards.status();
  std::error_code ec;
  fs::path parent = fs::path(options.output).parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (!fs::is_directory(parent, ec)) {
      return Status::RunError(parent.string() + ": cannot create the output directory");
    }
  }
  if (!options.force && fs::exists(options.output, ec)) {
    ProfileReport r;
    r.skipped = true;
    r.shards = shards.value().size();
    if (options.verbosity >= 1) {
      std::fprintf(stderr, "boilerstrip: %s: output exists, skipped (--force to redo)\n",
                   options.output.c_str());
    }
    auto reader = ProfileReader::Open(options.output);
    if (reader.ok()) r.out = reader.value()->info();
    return r;
  }
  auto namer = SiteNamer::Create(options.psl_file);
  if (!namer.ok()) return namer.status();
  Profiler p(options, std::move(namer.value()), std::move(shards.value()));
  return p.Go();
}

}  // namespace boilerstrip
