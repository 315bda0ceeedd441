// The streaming pipeline: per shard, serial read → parallel clean + compress → serial in-order
// write.
//
// Each shard runs through its own tbb::parallel_pipeline, and several shards' pipelines run at
// once ("lanes", about one per two threads), so no stage is passed by all shards one at a time:
// a run of many shards keeps all cores busy, and each shard's serial stages (its read, its
// in-order write) cap only that shard. Standard output carries the shards one after another,
// so a run to "-" has one lane. A zstd shard's read is split (io/zstd_frames.h): the reader
// hands out whole frames, workers decode them in parallel, and a serial cut makes batches of
// whole records from the decoded chunks in order. Every stage's CPU time is measured with the
// thread's own clock (Stats::cpu_seconds, serial_cpu_seconds).
#include "boilerstrip/pipeline.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <time.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/info.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_group.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <mutex>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "boilerstrip/annotate.h"
#include "io/atomic_file.h"
#include "io/frames.h"
#include "io/io.h"
#include "io/record_reader.h"
#include "io/shard_list.h"
#include "pipeline/resume.h"
#include "pipeline/threads.h"
#include "pipeline/tsan.h"

#ifdef BOILERSTRIP_TSAN
// TBB's first stage reads the reference to its body, which libtbb wrote when it built the filter
// on the lane's thread, before any code of ours runs on the worker that picked the stage up, so
// TBB_PIPELINE_START_ACQUIRE cannot order it. Only a report whose top frame is that TBB header's
// code is suppressed; a race in any stage's own code still has the stage as its top frame.
extern "C" const char* __tsan_default_suppressions() {
  return "race_top:oneapi/tbb/detail/_pipeline_filters.h\n";
}
#endif

namespace boilerstrip {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::atomic<bool>& g_interrupted = io::InterruptFlag();

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "a.jsonl.zst", "a.jsonl.gz", "a.jsonl" → "a"; used for the quarantine file's name.
std::string Stem(const std::string& name) {
  std::string stem(io::StripCompressionExtension(name));
  if (EndsWith(stem, ".jsonl")) stem.resize(stem.size() - 6);
  return stem;
}

// The first bytes of a shard kept to describe it when none of its records is JSON.
constexpr size_t kHeadSample = 4096;

struct Batch {
  size_t shard = 0;
  bool shard_end = false;
  bool skip = false;  // after its shard's last batch (a decode error ended it): nothing to do
  // An over-long record streamed in parts: data is one part of it.
  bool part = false;
  bool first_part = false;
  bool last_part = false;
  // The part goes to the quarantine as base64, encoded (and compressed) by the writer a slice
  // at a time: a part can be as long as --max-record-size, its base64 a third longer.
  bool part_to_quarantine = false;
  uint64_t offset = 0;  // uncompressed offset of data[begin] in its shard
  size_t begin = 0;     // the batch's bytes are data[begin, size)
  std::string data;     // whole records (or one part); capacity includes simdjson padding
  Status read_error;    // on a shard_end batch: why the shard could not be read to the end
  // A zstd or gzip shard read frame-parallel: the chunk, and its frames to decode in `raw`.
  io::FrameChunk chunk;
  std::string raw;

  // Filled by the clean stage.
  std::string out, quarantine;
  std::string zout, zquarantine;
  std::string fatal;  // --on-bad-record fail: the bad record's description
  Stats stats;

  std::string_view records() const { return std::string_view(data).substr(begin); }
};

struct Shard {
  std::string input;
  std::string name;          // output file name
  std::string output;        // final path ("" for stdout)
  std::string quarantine;    // final quarantine path
  io::Format format = io::Format::kPlain;  // of the output and the quarantine
  std::unique_ptr<io::Source> preopened;  // stdin, opened early to sniff its compression
  bool preopened_undecoded = false;       // ... and compressed, its frames still to decode
  io::Format preopened_format = io::Format::kPlain;  // ... in this format
  Status open_error;                      // why stdin could not be opened (or decoded)
  bool begun = false;     // the reader opened it
  // Writer-side state.
  std::unique_ptr<io::AtomicFile> out, q;  // opened on first use
  bool wrote_any = false;
  std::string head;  // the shard's first uncompressed bytes (kHeadSample)
  bool failed = false;
  bool finished = false;  // written completely and renamed into place
  bool reported = false;  // its ShardReport is in the RunReport
  std::string error;
  Clock::time_point start;
  ShardReport report;
};

// The CPU time the calling thread has used, in nanoseconds.
uint64_t ThreadCpuNanos() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// One shard's trip through its pipeline: the reading side's state and the shard's CPU clocks.
struct Pass {
  explicit Pass(size_t i) : shard(i) {}
  const size_t shard;
  // Plain shards (and an empty one): the reader reads and cuts, serially.
  std::unique_ptr<io::RecordReader> reader;
  // zstd and gzip shards: the reader hands out frames (members), workers decode them, the
  // cutter cuts.
  std::unique_ptr<io::FrameReader> frames;
  std::unique_ptr<io::RecordCutter> cutter;
  bool ended = false;     // the shard's last batch (or chunk) is made
  bool cut_ended = false;  // the cutter made the shard's last batch
  uint64_t raw_seen = 0;  // raw bytes counted into the run's progress
  std::atomic<uint64_t> cpu_nanos{0};
  std::atomic<uint64_t> serial_nanos{0};  // in the stages that take one batch at a time
};

// Adds the CPU time of its scope (one stage's work on one batch) to the shard's clocks.
class StageClock {
 public:
  StageClock(Pass& pass, bool serial) : pass_(pass), serial_(serial), start_(ThreadCpuNanos()) {}
  ~StageClock() {
    const uint64_t spent = ThreadCpuNanos() - start_;
    pass_.cpu_nanos.fetch_add(spent, std::memory_order_relaxed);
    if (serial_) pass_.serial_nanos.fetch_add(spent, std::memory_order_relaxed);
  }
  StageClock(const StageClock&) = delete;
  StageClock& operator=(const StageClock&) = delete;

 private:
  Pass& pass_;
  const bool serial_;
  const uint64_t start_;
};

struct Worker {
  explicit Worker(const Cleaner& cleaner) : state(cleaner.MakeState()) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  Cleaner::StatePtr state;
  io::FrameCompressor compressor;  // one zstd frame or gzip member per batch
  io::FrameDecoder decoder;        // for the frames of zstd and gzip shards
};

bool BlankRecord(std::string_view rec) {
  for (char c : rec) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

void AppendQuarantineHead(BadRecord why, const std::string& shard, uint64_t offset,
                          std::string* q) {
  q->append("{\"reason\":\"");
  q->append(BadRecordName(why));
  q->append("\",\"shard\":\"");
  AppendJsonEscaped(shard, q);
  q->append("\",\"offset\":");
  q->append(std::to_string(offset));
}

class Run {
 public:
  Run(const RunOptions& options, const Cleaner& cleaner, std::vector<Shard> shards,
      resume::Fingerprint fingerprint, std::vector<std::string> rule_names)
      : opt_(options), cleaner_(cleaner), shards_(std::move(shards)),
        rule_count_(cleaner.patterns().rules().size()),
        to_stdout_(options.output_dir == "-"), fingerprint_(std::move(fingerprint)),
        rule_names_(std::move(rule_names)) {}

  ~Run() {
    for (Batch* b : pool_) delete b;
  }

  RunReport Go();

 private:
  // --- shards, several at once ---
  void Lane(size_t tokens);
  void RunShard(size_t index, size_t tokens);
  Status OpenShard(Shard& s, Pass& p);

  // --- read (serial per shard) ---
  Batch* Read(Pass& p);
  Batch* ReadFrames(Pass& p);
  Batch* NewBatch(size_t shard);
  void Recycle(Batch* b);
  void CountRaw(Pass& p, uint64_t raw_offset);

  // --- zstd frames, gzip members: decode (parallel), cut (serial per shard) ---
  void Decode(const Pass& p, Batch* b, Worker& w) const;
  void Cut(Pass& p, Batch* b) const;

  // --- clean (parallel) ---
  void Clean(Batch* b, Worker& w) const;
  void CleanRecords(Batch* b, Worker& w) const;
  void CleanPart(Batch* b) const;
  void Bad(Batch* b, std::string_view rec, uint64_t offset, BadRecord why) const;

  // --- write (serial per shard) ---
  void Write(Batch* b);
  void Fail(Shard& s, std::string message);
  void Finish(Shard& s);
  void Report(Shard& s);
  bool Open(Shard& s, bool quarantine);
  bool Put(Shard& s, bool quarantine, std::string_view bytes);
  bool PutPart(Shard& s, const Batch& b);
  void Progress(bool final);
  void RemoveTemporaries();

  const RunOptions& opt_;
  const Cleaner& cleaner_;
  std::vector<Shard> shards_;
  const size_t rule_count_;
  const bool to_stdout_;
  const resume::Fingerprint fingerprint_;  // written beside each output (resume.h)
  const std::vector<std::string> rule_names_;
  tbb::enumerable_thread_specific<Worker>* workers_ = nullptr;
  // Uncompressed bytes written so far, by every lane's writer (for progress).
  std::atomic<uint64_t> bytes_in_done_{0};

  std::atomic<size_t> next_shard_{0};  // the next shard a lane takes
  std::atomic<bool> stop_{false};      // broken pipe, or fatal stdout error
  std::atomic<bool> broken_pipe_{false};
  std::vector<std::atomic<bool>> aborted_;  // per shard: its writer gave up on it
  std::atomic<uint64_t> raw_done_{0};
  uint64_t raw_total_ = 0;

  // Written batches, kept with their buffers' capacity for the reader to reuse: a warm buffer
  // costs no allocation and no page faults (fresh 4 MiB buffers per batch showed up in the
  // profile as malloc, page faults and kernel page clearing).
  std::mutex pool_mu_;
  std::vector<Batch*> pool_;

  std::mutex report_mu_;  // the report and the progress line, shared by the lanes
  RunReport report_;
  Clock::time_point run_start_ = Clock::now();
  Clock::time_point last_progress_{};
};

Batch* Run::NewBatch(size_t shard) {
  Batch* b = nullptr;
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      b = pool_.back();
      pool_.pop_back();
    }
  }
  if (b == nullptr) b = new Batch();
  b->shard = shard;
  b->stats.Resize(rule_count_);
  return b;
}

void Run::Recycle(Batch* b) {
  // Back to a blank batch. A buffer grown far past a batch (a long record) is released, so the
  // pool holds at most a few batches' worth of memory per token.
  const size_t keep = 2 * opt_.batch_bytes + (2 << 20);
  for (std::string* buf :
       {&b->data, &b->out, &b->quarantine, &b->zout, &b->zquarantine, &b->raw}) {
    if (buf->capacity() > keep) {
      std::string().swap(*buf);
    } else {
      buf->clear();
    }
  }
  b->shard = 0;
  b->shard_end = b->skip = false;
  b->chunk = io::FrameChunk();
  b->part = b->first_part = b->last_part = b->part_to_quarantine = false;
  b->offset = 0;
  b->begin = 0;
  b->read_error = Status::Ok();
  b->fatal.clear();
  b->stats = Stats();
  std::lock_guard<std::mutex> lock(pool_mu_);
  pool_.push_back(b);
}

void Run::CountRaw(Pass& p, uint64_t raw_offset) {
  raw_done_.fetch_add(raw_offset - p.raw_seen, std::memory_order_relaxed);
  p.raw_seen = raw_offset;
}

Status Run::OpenShard(Shard& s, Pass& p) {
  if (!s.open_error.ok()) return s.open_error;
  std::unique_ptr<io::Source> src = std::move(s.preopened);
  bool undecoded = s.preopened_undecoded;
  io::Format format = s.preopened_format;
  if (src == nullptr) {
    auto opened = io::OpenSourceUndecoded(s.input, &format, &undecoded);
    if (!opened.ok()) return opened.status();
    src = std::move(opened.value());
  }
  io::RecordReaderOptions ro;
  ro.batch_bytes = opt_.batch_bytes;
  ro.max_record_bytes = opt_.max_record_bytes;
  if (undecoded) {
    // Frames of up to two batches are decoded in parallel (boilerstrip's own, at the same
    // batch size: a batch's output may be longer than its input); a larger one is decoded by
    // the reader as it streams in.
    p.frames = io::NewFrameReader(format, std::move(src), io::SourceName(s.input),
                                  opt_.batch_bytes, 2 * opt_.batch_bytes);
    p.cutter = std::make_unique<io::RecordCutter>(ro);
  } else {
    p.reader = std::make_unique<io::RecordReader>(std::move(src), ro);
  }
  return Status::Ok();
}

Batch* Run::Read(Pass& p) {
  if (p.ended || g_interrupted.load() || stop_.load()) return nullptr;
  Batch* b = NewBatch(p.shard);
  if (aborted_[p.shard].load()) {  // the writer failed this shard: skip the rest of it
    b->shard_end = true;
    p.ended = true;
    return b;
  }
  io::ChunkInfo info;
  Status st = p.reader->Next(&b->data, &info);
  CountRaw(p, p.reader->raw_offset());
  if (!st.ok()) {
    b->data.clear();
    b->read_error = st;
    info.end = true;
  }
  b->offset = info.offset;
  b->part = info.part;
  b->first_part = info.first_part;
  b->last_part = info.last_part;
  b->shard_end = info.end;
  p.ended = info.end;
  return b;
}

Batch* Run::ReadFrames(Pass& p) {
  if (p.ended || g_interrupted.load() || stop_.load()) return nullptr;
  Batch* b = NewBatch(p.shard);
  if (aborted_[p.shard].load()) {  // the writer failed this shard: skip the rest of it
    b->chunk.end = true;
    p.ended = true;
    return b;
  }
  Status st = p.frames->Next(&b->raw, &b->data, io::RecordCutter::kHeadroom, &b->chunk);
  CountRaw(p, p.frames->raw_offset());
  if (!st.ok()) {
    b->read_error = st;
    b->chunk = io::FrameChunk();
    b->chunk.end = true;
  }
  p.ended = b->chunk.end;
  return b;
}

void Run::Decode(const Pass& p, Batch* b, Worker& w) const {
  if (!b->chunk.frames || !b->read_error.ok()) return;
  Status st = p.frames->Decode(w.decoder, b->raw, b->chunk, io::RecordCutter::kHeadroom,
                               &b->data);
  if (!st.ok()) b->read_error = st;
}

void Run::Cut(Pass& p, Batch* b) const {
  if (p.cut_ended) {  // a decode error ended the shard before this chunk
    b->skip = true;
    return;
  }
  if (!b->read_error.ok()) {
    b->data.clear();
    b->begin = 0;
    b->shard_end = p.cut_ended = true;
    return;
  }
  io::ChunkInfo info;
  p.cutter->Cut(&b->data, b->chunk.end, &b->begin, &info);
  b->offset = info.offset;
  b->part = info.part;
  b->first_part = info.first_part;
  b->last_part = info.last_part;
  b->shard_end = p.cut_ended = info.end;
}

void Run::Bad(Batch* b, std::string_view rec, uint64_t offset, BadRecord why) const {
  ++b->stats.bad_by[static_cast<size_t>(why)];
  const Shard& s = shards_[b->shard];
  // Rows stay aligned with the records: a bad one has its (empty) row whatever else happens.
  if (opt_.rows != nullptr && opt_.on_bad_record != BadRecordMode::kFail) {
    opt_.rows->BadRow(why == BadRecord::kTooLong ? std::string_view() : rec, &b->out);
  }
  switch (opt_.on_bad_record) {
    case BadRecordMode::kPass:
      ++b->stats.passed_bad;
      ++b->stats.records_out;
      if (opt_.rows != nullptr) break;
      b->out.append(rec);
      b->out.push_back('\n');
      break;
    case BadRecordMode::kQuarantine:
      ++b->stats.quarantined;
      AppendQuarantineHead(why, s.input, offset, &b->quarantine);
      if (simdjson::validate_utf8(rec.data(), rec.size())) {
        b->quarantine.append(",\"raw\":\"");
        AppendJsonEscaped(rec, &b->quarantine);
      } else {
        b->quarantine.append(",\"raw_base64\":\"");
        io::AppendBase64(rec, &b->quarantine);
      }
      b->quarantine.append("\"}\n");
      break;
    case BadRecordMode::kFail:
      if (b->fatal.empty()) {
        b->fatal = "bad record at offset " + std::to_string(offset) + ": " +
                   std::string(BadRecordName(why));
      }
      break;
  }
}

void Run::CleanRecords(Batch* b, Worker& w) const {
  const std::string_view records = b->records();
  const char* data = records.data();
  const char* end = data + records.size();
  const char* p = data;
  b->out.reserve(records.size() + 64);
  while (p < end && b->fatal.empty()) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* rec_end = nl != nullptr ? nl : end;
    std::string_view rec(p, rec_end - p);
    uint64_t offset = b->offset + static_cast<uint64_t>(p - data);
    p = nl != nullptr ? nl + 1 : end;
    if (BlankRecord(rec)) {
      ++b->stats.blank_input_lines;
      continue;
    }
    ++b->stats.records_in;
    if (rec.size() > opt_.max_record_bytes) {
      Bad(b, rec, offset, BadRecord::kTooLong);
      continue;
    }
    if (rec.size() >= 3 && std::memcmp(rec.data(), "\xEF\xBB\xBF", 3) == 0) {
      // A byte-order mark is no JSON (RFC 8259); the one at the start of a shard is not part
      // of any record (the reader drops it), so this one is inside the shard: a bad record.
      Bad(b, rec, offset, BadRecord::kInvalidJson);
      continue;
    }
    RecordOutcome r = opt_.rows != nullptr
                          ? opt_.rows->Row(rec, *w.state, &b->stats, &b->out)
                          : cleaner_.CleanRecord(rec, *w.state, &b->stats, &b->out);
    switch (r.verdict) {
      case RecordVerdict::kWritten:
        b->out.push_back('\n');
        ++b->stats.records_out;
        b->stats.records_changed += r.changed ? 1 : 0;
        break;
      case RecordVerdict::kDropped:
        ++b->stats.dropped_doc;
        if (opt_.rows != nullptr) b->out.push_back('\n');  // a row says it was dropped
        break;
      case RecordVerdict::kBad:
        Bad(b, rec, offset, r.bad);
        break;
      case RecordVerdict::kFailed:
        if (b->fatal.empty()) {
          b->fatal = "record at offset " + std::to_string(offset) + ": " + r.error;
        }
        break;
    }
  }
}

void Run::CleanPart(Batch* b) const {
  // An over-long record, one part per batch; parts but the last are multiples of 3 bytes, so
  // their base64 forms concatenate.
  std::string_view part = b->records();
  if (b->first_part) {
    ++b->stats.records_in;
    ++b->stats.bad_by[static_cast<size_t>(BadRecord::kTooLong)];
    if (opt_.rows != nullptr && opt_.on_bad_record != BadRecordMode::kFail) {
      opt_.rows->BadRow({}, &b->out);
    }
  }
  switch (opt_.on_bad_record) {
    case BadRecordMode::kPass:
      if (b->first_part) ++b->stats.passed_bad, ++b->stats.records_out;
      if (opt_.rows != nullptr) break;
      b->out.append(part);
      if (b->last_part) b->out.push_back('\n');
      break;
    case BadRecordMode::kQuarantine:
      if (b->first_part) ++b->stats.quarantined;
      b->part_to_quarantine = true;  // PutPart writes it
      break;
    case BadRecordMode::kFail:
      if (b->first_part) {
        b->fatal = "bad record at offset " + std::to_string(b->offset) + ": too-long";
      }
      break;
  }
}

void Run::Clean(Batch* b, Worker& w) const {
  if (b->skip) return;
  b->stats.bytes_in = b->records().size() + (b->last_part ? 1 : 0);
  if (b->part) {
    CleanPart(b);
  } else {
    CleanRecords(b, w);
  }
  b->stats.bytes_out = b->out.size();
  const io::Format format = shards_[b->shard].format;
  if (format != io::Format::kPlain && b->fatal.empty()) {
    const int level = format == io::Format::kGzip ? opt_.gzip_level : opt_.zstd_level;
    Status st = Status::Ok();
    if (!b->out.empty()) st = w.compressor.Compress(format, level, b->out, &b->zout);
    if (st.ok() && !b->quarantine.empty()) {
      st = w.compressor.Compress(format, level, b->quarantine, &b->zquarantine);
    }
    if (!st.ok()) b->fatal = st.message();
  }
}

bool Run::Open(Shard& s, bool quarantine) {
  std::unique_ptr<io::AtomicFile>& f = quarantine ? s.q : s.out;
  if (f != nullptr) return true;
  if (quarantine && s.name.find('/') != std::string::npos) {  // --recursive: mirrored subdir
    std::error_code ec;
    fs::create_directories(fs::path(s.quarantine).parent_path(), ec);  // Open names a failure
  }
  auto opened = io::AtomicFile::Open(quarantine ? s.quarantine : to_stdout_ ? "-" : s.output);
  if (!opened.ok()) {
    Fail(s, opened.status().message());
    return false;
  }
  f = std::move(opened.value());
  return true;
}

bool Run::Put(Shard& s, bool quarantine, std::string_view bytes) {
  if (bytes.empty()) return true;
  if (!Open(s, quarantine)) return false;
  io::AtomicFile& f = quarantine ? *s.q : *s.out;
  Status st = f.Append(bytes);
  if (st.ok()) return true;
  if (!quarantine && to_stdout_) {
    // A closed standard output is a normal stop (`| head`), not a failure; the shard it cut
    // is reported as interrupted, the ones after it as not started.
    if (f.error_number() == EPIPE) {
      broken_pipe_.store(true);
    } else {
      Fail(s, s.input + ": " + st.message());
    }
    stop_.store(true);
    return false;
  }
  Fail(s, st.message());
  return false;
}

bool Run::PutPart(Shard& s, const Batch& b) {
  // Slices of 3 MiB (a multiple of 3, as every part but a record's last is: their base64 forms
  // concatenate), each its own zstd frame or gzip member when compressed: the memory a part
  // costs beyond its own bytes is one slice's, however long the part.
  constexpr size_t kSlice = size_t{3} << 20;
  const std::string_view part = b.records();
  const bool compressed = s.format != io::Format::kPlain;
  const int level = s.format == io::Format::kGzip ? opt_.gzip_level : opt_.zstd_level;
  io::FrameCompressor& compressor = workers_->local().compressor;
  std::string piece, z;
  size_t pos = 0;
  do {
    piece.clear();
    if (pos == 0 && b.first_part) {
      AppendQuarantineHead(BadRecord::kTooLong, s.input, b.offset, &piece);
      piece.append(",\"raw_base64\":\"");
    }
    const std::string_view slice = part.substr(pos, kSlice);
    io::AppendBase64(slice, &piece);
    pos += slice.size();
    if (pos == part.size() && b.last_part) piece.append("\"}\n");
    if (compressed) {
      if (Status st = compressor.Compress(s.format, level, piece, &z); !st.ok()) {
        Fail(s, s.input + ": " + st.message());
        return false;
      }
    }
    if (!Put(s, true, compressed ? std::string_view(z) : std::string_view(piece))) return false;
  } while (pos < part.size());
  return true;
}

void Run::Fail(Shard& s, std::string message) {
  if (s.failed) return;
  s.failed = true;
  s.error = std::move(message);
  s.out.reset();  // aborts: the temporaries are removed
  s.q.reset();
  aborted_[static_cast<size_t>(&s - shards_.data())].store(true);
}

void Run::Finish(Shard& s) {
  // A shard of which no record is JSON is no JSONL at all (a compressed stream inside another,
  // a binary file, text of another kind): a failure, not a shard of quarantined garbage.
  const Stats& stats = s.report.stats;
  const uint64_t not_json = stats.bad_by[static_cast<size_t>(BadRecord::kInvalidJson)] +
                            stats.bad_by[static_cast<size_t>(BadRecord::kInvalidUtf8)];
  const uint64_t too_long = stats.bad_by[static_cast<size_t>(BadRecord::kTooLong)];
  if (not_json > 0 && not_json + too_long == stats.records_in) {
    return Fail(s, s.input + ": no record is JSON (" + std::to_string(not_json) + " of " +
                       std::to_string(stats.records_in) + " records are not): the data " +
                       io::DescribeNonJson(s.head));
  }
  // Every record of a shard (two or more) bad for one reason (all missing-text: a wrong
  // --text-field) is a mistake in the run, not in the records: say so loudly rather than
  // quarantine the whole shard. A lone bad record keeps the record contract, and too-long
  // records are exempt (the limit is the run's own; they are kept whole).
  for (size_t r = 0; r < stats.bad_by.size(); ++r) {
    if (stats.records_in < 2 || stats.bad_by[r] != stats.records_in) continue;
    if (static_cast<BadRecord>(r) == BadRecord::kTooLong) continue;
    const auto why = static_cast<BadRecord>(r);
    std::string hint;
    if (why == BadRecord::kMissingText || why == BadRecord::kNonStringText ||
        why == BadRecord::kDuplicateText) {
      hint = " (is --text-field right? it names a key or a dotted path like content.body)";
    }
    return Fail(s, s.input + ": every record (" + std::to_string(stats.records_in) + ") is bad: " +
                       std::string(BadRecordName(why)) + hint);
  }
  if (!Open(s, false)) return;  // an empty shard still gets its (empty) output
  if (!s.wrote_any && s.format != io::Format::kPlain) {
    // An empty compressed shard is still a valid file of its format: one empty frame (zstd)
    // or member (gzip).
    std::string empty;
    io::FrameCompressor compressor;
    const int level = s.format == io::Format::kGzip ? opt_.gzip_level : opt_.zstd_level;
    Status cst = compressor.Compress(s.format, level, "", &empty);
    if (!cst.ok()) return Fail(s, cst.message());
    if (!Put(s, false, empty)) return;
  }
  // The quarantine first, the output last: the output's final name marks a complete shard.
  if (s.q != nullptr) {
    Status st = s.q->Commit();
    s.q.reset();
    if (!st.ok()) return Fail(s, st.message());
  } else if (!s.quarantine.empty()) {
    // A stale quarantine from an earlier run of this shard (a regular file only: the run
    // checked that no other shard of it writes this name).
    struct stat st;
    if (::lstat(s.quarantine.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      ::unlink(s.quarantine.c_str());
    }
  }
  // The old manifest goes before the output is replaced, the new one comes after: a crash in
  // between leaves an output without one, which a resume redoes or reports, never trusts.
  if (!s.output.empty()) resume::RemoveManifest(s.output);
  Status st = s.out->Commit();
  s.out.reset();
  if (!st.ok()) return Fail(s, st.message());
  if (!s.output.empty()) {
    // Without the time: a manifest is the same bytes at any thread count, and a shard a later
    // run skips costs that run no time.
    Stats recorded = s.report.stats;
    recorded.seconds = 0;
    st = resume::WriteManifest(s.output, fingerprint_, s.input, recorded, rule_names_);
    if (!st.ok()) return Fail(s, "the output is complete but its manifest is not: " + st.message());
  }
  s.finished = true;
}

void Run::Write(Batch* b) {
  if (b->skip) return Recycle(b);
  Shard& s = shards_[b->shard];
  if (!s.failed && !stop_.load()) {
    if (!b->fatal.empty()) {
      Fail(s, s.input + ": " + b->fatal);
    } else {
      const bool compressed = s.format != io::Format::kPlain;
      std::string_view out = compressed ? b->zout : b->out;
      std::string_view q = compressed ? b->zquarantine : b->quarantine;
      if (s.head.size() < kHeadSample) {
        s.head.append(b->records().substr(0, kHeadSample - s.head.size()));
      }
      if (Put(s, false, out) && Put(s, true, q) && (!b->part_to_quarantine || PutPart(s, *b))) {
        s.wrote_any = s.wrote_any || !out.empty();
        s.report.stats += b->stats;
        bytes_in_done_ += b->stats.bytes_in;
      }
    }
  }
  if (b->shard_end) {
    if (!b->read_error.ok()) Fail(s, b->read_error.message());
    if (!s.failed && !stop_.load()) Finish(s);
  }
  Recycle(b);
  std::lock_guard<std::mutex> lock(report_mu_);
  Progress(false);
}

// REQUIRES: report_mu_ is held.
void Run::Report(Shard& s) {
  s.reported = true;
  if (s.begun) {
    s.report.stats.seconds = std::chrono::duration<double>(Clock::now() - s.start).count();
  }
  if (!s.failed && !s.finished) {
    // Cut by a signal or a closed standard output: never reported as done.
    s.report.state = s.begun ? ShardReport::State::kInterrupted : ShardReport::State::kNotStarted;
  } else if (s.failed) {
    s.report.state = ShardReport::State::kFailed;
    s.report.error = s.error;
    // Errors are printed even with -q (verbosity 0): a failed shard is never silent. (One
    // that failed because the run was interrupted is covered by the CLI's own message.)
    if (!g_interrupted.load()) {
      if (opt_.progress) std::fprintf(stderr, "\r\033[K");
      std::fprintf(stderr, "boilerstrip: %s\n", s.error.c_str());
    }
  } else if (opt_.verbosity >= 2) {
    if (opt_.progress) std::fprintf(stderr, "\r\033[K");
    const Stats& st = s.report.stats;
    std::fprintf(stderr, "boilerstrip: %s: %llu records, %llu lines removed of %llu, %.1f MB in %.2f s\n",
                 s.input.c_str(), static_cast<unsigned long long>(st.records_in),
                 static_cast<unsigned long long>(st.lines_removed),
                 static_cast<unsigned long long>(st.lines_in), st.bytes_in / 1e6, st.seconds);
  }
  report_.total += s.report.stats;
  report_.shards.push_back(s.report);
}

// REQUIRES: report_mu_ is held (or the lanes are done).
void Run::Progress(bool final) {
  if (!opt_.progress) return;
  auto now = Clock::now();
  if (!final && now - last_progress_ < std::chrono::milliseconds(250)) return;
  last_progress_ = now;
  double secs = std::chrono::duration<double>(now - run_start_).count();
  // The share of the input read is told by file bytes (compressed, as they lie on disk); the
  // amount and the speed are uncompressed, as the summary counts them.
  uint64_t raw = raw_done_.load(std::memory_order_relaxed);
  double file_rate = secs > 0 ? raw / secs : 0;
  double eta = file_rate > 0 && raw_total_ > raw ? (raw_total_ - raw) / file_rate : 0;
  const double mb = bytes_in_done_ / 1e6;
  std::fprintf(stderr,
               "\r\033[K%zu/%zu shards  %.0f%% of input  %.1f MB uncompressed, %.1f MB/s  "
               "%llu records  ETA %.0fs",
               report_.shards.size(), shards_.size(),
               raw_total_ > 0 ? std::min(100.0, 100.0 * raw / raw_total_) : 0.0, mb,
               secs > 0 ? mb / secs : 0.0,
               static_cast<unsigned long long>(report_.total.records_in), eta);
  if (final) std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

void Run::RemoveTemporaries() {
  for (Shard& s : shards_) {
    s.out.reset();  // aborts
    s.q.reset();
  }
}

void Run::RunShard(size_t index, size_t tokens) {
  Shard& s = shards_[index];
  Pass p(index);
  s.start = Clock::now();
  s.begun = true;
  Status opened = Status::Ok();
  {
    StageClock clock(p, true);  // opening and sniffing belong to the read
    opened = OpenShard(s, p);
  }
  if (!opened.ok()) {
    Fail(s, opened.message());
  } else {
    // Each stage's work on each batch is timed with the thread's CPU clock; the serial_in_order
    // stages' time is also the shard's serial time.
    auto serial = [&p](auto&& work) {
      TBB_HANDOFF_ACQUIRE(&p);
      StageClock clock(p, true);
      work();
    };
    auto parallel = [&p](auto&& work) {
      StageClock clock(p, false);
      work();
    };
    auto done = [&p](Batch* b) {
      TBB_HANDOFF_RELEASE(b);
      TBB_HANDOFF_RELEASE(&p);
      return b;
    };
    const auto read = tbb::make_filter<void, Batch*>(
        tbb::filter_mode::serial_in_order, [&, this](tbb::flow_control& fc) -> Batch* {
          TBB_PIPELINE_START_ACQUIRE();
          Batch* b = nullptr;
          serial([&] { b = p.frames != nullptr ? ReadFrames(p) : Read(p); });
          if (b == nullptr) fc.stop();
          if (b != nullptr) TBB_HANDOFF_RELEASE(b);
          TBB_HANDOFF_RELEASE(&p);
          return b;
        });
    const auto decode = tbb::make_filter<Batch*, Batch*>(
        tbb::filter_mode::parallel, [&, this](Batch* b) {
          TBB_PIPELINE_START_ACQUIRE();
          TBB_HANDOFF_ACQUIRE(b);
          parallel([&] { Decode(p, b, workers_->local()); });
          return done(b);
        });
    const auto cut = tbb::make_filter<Batch*, Batch*>(
        tbb::filter_mode::serial_in_order, [&, this](Batch* b) {
          TBB_PIPELINE_START_ACQUIRE();
          TBB_HANDOFF_ACQUIRE(b);
          serial([&] { Cut(p, b); });
          return done(b);
        });
    const auto clean = tbb::make_filter<Batch*, Batch*>(
        tbb::filter_mode::parallel, [&, this](Batch* b) {
          TBB_PIPELINE_START_ACQUIRE();
          TBB_HANDOFF_ACQUIRE(b);
          parallel([&] { Clean(b, workers_->local()); });
          return done(b);
        });
    const auto write = tbb::make_filter<Batch*, void>(
        tbb::filter_mode::serial_in_order, [&, this](Batch* b) {
          TBB_PIPELINE_START_ACQUIRE();
          TBB_HANDOFF_ACQUIRE(b);
          TBB_HANDOFF_ACQUIRE(&s);
          serial([&] { Write(b); });
          TBB_HANDOFF_RELEASE(&s);
          TBB_HANDOFF_RELEASE(&p);
        });
    TBB_PIPELINE_START_RELEASE();
    if (p.frames != nullptr) {
      tbb::parallel_pipeline(tokens, read & decode & cut & clean & write);
    } else {
      tbb::parallel_pipeline(tokens, read & clean & write);
    }
    TBB_HANDOFF_ACQUIRE(&p);  // the pipeline's end: every stage's work on the shard is done
  }
  s.report.stats.cpu_seconds = static_cast<double>(p.cpu_nanos.load()) / 1e9;
  s.report.stats.serial_cpu_seconds = static_cast<double>(p.serial_nanos.load()) / 1e9;
  std::lock_guard<std::mutex> lock(report_mu_);
  Report(s);
  Progress(false);
}

void Run::Lane(size_t tokens) {
  while (!g_interrupted.load() && !stop_.load()) {
    const size_t i = next_shard_.fetch_add(1);
    if (i >= shards_.size()) break;
    RunShard(i, tokens);
    TBB_HANDOFF_RELEASE(&shards_);
  }
}

RunReport Run::Go() {
  for (const Shard& s : shards_) {
    struct stat st;
    if (s.input != "-" && ::stat(s.input.c_str(), &st) == 0) raw_total_ += st.st_size;
  }
  aborted_ = std::vector<std::atomic<bool>>(shards_.size());
  size_t threads = opt_.threads > 0 ? static_cast<size_t>(opt_.threads)
                                    : static_cast<size_t>(tbb::info::default_concurrency());
  internal::TsanFreshWorkers fresh_workers;  // declared first: ends the workers last
  internal::ThreadLimits limits(threads);  // deep enough stacks, the caller still working
  const size_t tokens =
      opt_.max_batches_in_flight > 0 ? opt_.max_batches_in_flight : 2 * threads + 2;
  tbb::enumerable_thread_specific<Worker> workers([this] { return Worker(cleaner_); });
  workers_ = &workers;
  // About one shard at a time per two threads: each shard's serial stages keep one thread
  // busy at most, its clean stage the rest. Standard output takes the shards one by one.
  const size_t lanes =
      to_stdout_ ? 1 : std::max<size_t>(1, std::min(shards_.size(), (threads + 1) / 2));
  const size_t lane_tokens = std::max<size_t>(1, tokens / lanes);
  tbb::task_group group;
  for (size_t l = 0; l < lanes; ++l) group.run([this, lane_tokens] { Lane(lane_tokens); });
  group.wait();
  TBB_HANDOFF_ACQUIRE(&shards_);  // every lane is done
  workers_ = nullptr;
  report_.broken_pipe = broken_pipe_.load();
  Progress(true);
  // A shard that the stop cut before a lane took it never started: report it here, or it
  // would vanish from the report and the exit status.
  for (Shard& s : shards_) {
    if (!s.reported) Report(s);
  }
  // The run's serial time is its longest chain of one-batch-at-a-time work: the shards' serial
  // stages run side by side (a lane each), so the longest shard's; on standard output, where
  // the shards go one after another, all of theirs.
  if (!to_stdout_) {
    double longest = 0;
    for (const Shard& s : shards_) longest = std::max(longest, s.report.stats.serial_cpu_seconds);
    report_.total.serial_cpu_seconds = longest;
  }
  if (g_interrupted.load()) {
    report_.interrupted = true;
    RemoveTemporaries();
  } else if (report_.broken_pipe) {
    RemoveTemporaries();
  }
  return std::move(report_);
}

}  // namespace

bool RunReport::any_failed() const {
  return std::any_of(shards.begin(), shards.end(), [](const ShardReport& s) {
    return s.state == ShardReport::State::kFailed;
  });
}

Result<std::vector<std::string>> ListShards(const RunOptions& options) {
  return io::ListShards(options.inputs, options.rank, options.world_size, options.recursive);
}

namespace {

// The format a shard is written in: the one asked for, else its input's (plain on standard
// output, which carries one format for the whole run).
io::Format OutputFormatOf(OutputFormat requested, io::Format input, bool to_stdout) {
  switch (requested) {
    case OutputFormat::kPlain: return io::Format::kPlain;
    case OutputFormat::kZstd: return io::Format::kZstd;
    case OutputFormat::kGzip: return io::Format::kGzip;
    case OutputFormat::kAuto: break;
  }
  return to_stdout ? io::Format::kPlain : input;
}

// A path's identity for collision checks: absolute and lexically normal.
std::string PathKey(const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  return (ec ? fs::path(path) : abs).lexically_normal().string();
}

// Checks that no two files the run writes share a path, and that none is an input: one
// shard's finish would otherwise replace or delete another's output or quarantine.
Status CheckCollisions(const std::vector<Shard>& shards, bool to_stdout) {
  std::map<std::string, std::string> written;  // path key → what writes it
  std::map<std::string, std::string> inputs;
  for (const Shard& s : shards) {
    if (s.input != "-") inputs.emplace(PathKey(s.input), s.input);
  }
  auto claim = [&](const std::string& path, const std::string& what) -> Status {
    const std::string key = PathKey(path);
    auto in = inputs.find(key);
    if (in != inputs.end()) {
      return Status::RunError(what + " " + path + " would overwrite the input " + in->second);
    }
    auto [it, inserted] = written.emplace(key, what);
    if (!inserted) {
      return Status::RunError(what + " and " + it->second + " are both " + path +
                              ": rename one of the inputs");
    }
    return Status::Ok();
  };
  for (const Shard& s : shards) {
    if (!to_stdout) {
      if (Status st = claim(s.output, "the output of " + s.input); !st.ok()) return st;
    }
    if (Status st = claim(s.quarantine, "the quarantine of " + s.input); !st.ok()) return st;
  }
  return Status::Ok();
}

std::vector<std::string> RunStages(const Cleaner& cleaner) {
  std::vector<std::string> stages;
  const CleanerOptions& o = cleaner.options();
  if (!cleaner.patterns().rules().empty()) stages.push_back("rules");
  if (o.classifier.enabled) stages.push_back("classifier");
  if (o.dedup) stages.push_back("dedup");
  if (o.site_profile != nullptr) stages.push_back("site-profile");
  return stages;
}

}  // namespace

Result<RunReport> RunClean(const RunOptions& options, const Cleaner& cleaner) {
  if (options.zstd_level < 1 || options.zstd_level > ZSTD_maxCLevel()) {
    return Status::RunError("--level must be 1.." + std::to_string(ZSTD_maxCLevel()));
  }
  if (options.gzip_level < io::kMinGzipLevel || options.gzip_level > io::kMaxGzipLevel) {
    return Status::RunError("--gzip-level must be " + std::to_string(io::kMinGzipLevel) + ".." +
                            std::to_string(io::kMaxGzipLevel));
  }
  io::RecordReaderOptions reader_options;
  reader_options.batch_bytes = options.batch_bytes;
  reader_options.max_record_bytes = options.max_record_bytes;
  if (Status st = io::ValidateRecordReaderOptions(reader_options); !st.ok()) return st;
  auto inputs = io::ListShardEntries(options.inputs, options.rank, options.world_size,
                                     options.recursive);
  if (!inputs.ok()) return inputs.status();
  const bool to_stdout = options.output_dir == "-";
  if (options.output_dir.empty()) return Status::RunError("no output directory (-o)");
  std::error_code ec;
  if (!to_stdout) {
    fs::create_directories(options.output_dir, ec);
    if (!fs::is_directory(options.output_dir)) {
      return Status::RunError(options.output_dir + ": cannot create output directory" +
                              (ec ? ": " + ec.message() : ""));
    }
    if (::access(options.output_dir.c_str(), W_OK) != 0) {
      return Status::RunError(options.output_dir + ": output directory is not writable: " +
                              std::strerror(errno));
    }
  }
  std::string qdir = !options.quarantine_dir.empty() ? options.quarantine_dir
                     : to_stdout                     ? "."
                                                     : options.output_dir;
  if (!options.quarantine_dir.empty()) {  // created like the output directory, before any work
    fs::create_directories(qdir, ec);
    if (!fs::is_directory(qdir)) {
      return Status::RunError(qdir + ": cannot create quarantine directory" +
                              (ec ? ": " + ec.message() : ""));
    }
  }
  std::vector<Shard> shards;
  std::set<std::string> names;
  for (const io::ShardEntry& in : inputs.value()) {
    Shard s;
    s.input = in.path;
    // The file's name ("stdin.jsonl" for "-"), or with --recursive its path below the directory
    // given, mirrored under OUTDIR; the output format's extension is set below.
    s.name = in.relative;
    if (!names.insert(s.name).second) {
      return Status::RunError(in.path + ": another input has the same " +
                              (options.recursive ? "path below its directory" : "file name") +
                              " (" + s.name + "); outputs would collide");
    }
    shards.push_back(std::move(s));
  }
  for (Shard& s : shards) {
    // The output follows the input's format, which its first bytes tell (never its name).
    io::Format input_format = io::Format::kPlain;
    if (s.input == "-") {
      // stdin's bytes can be looked at only once: open it now. A stream that cannot be read
      // (a format not supported) fails its shard, like a file's.
      auto src = io::OpenSourceUndecoded("-", &input_format, &s.preopened_undecoded);
      s.preopened_format = input_format;
      if (src.ok()) {
        s.preopened = std::move(src.value());
      } else {
        s.open_error = src.status();
      }
    } else if (options.output_format == OutputFormat::kAuto && !to_stdout) {
      // A file that cannot be opened or is not supported fails by name when the reader opens
      // it; until then its name stands in.
      auto sniffed = io::SniffFormat(s.input);
      input_format = sniffed.ok() ? sniffed.value() : io::FormatFromName(s.input);
    }
    s.format = OutputFormatOf(options.output_format, input_format, to_stdout);
    s.name = std::string(io::StripCompressionExtension(s.name)) + io::FormatExtension(s.format);
    if (!to_stdout) {
      s.output = (fs::path(options.output_dir) / s.name).string();
      if (fs::equivalent(s.input, s.output, ec)) {
        return Status::RunError(s.input + ": output would overwrite the input");
      }
    }
    s.quarantine = (fs::path(qdir) / (Stem(s.name) + ".quarantine.jsonl" +
                                      io::FormatExtension(s.format))).string();
    s.report.input = s.input;
    s.report.output = s.output;
  }
  if (Status st = CheckCollisions(shards, to_stdout); !st.ok()) return st;
  // The subdirectories a --recursive run mirrors, made before any work (a quarantine's only
  // when it is first written).
  for (const Shard& s : shards) {
    if (to_stdout || s.name.find('/') == std::string::npos) continue;
    const fs::path dir = fs::path(s.output).parent_path();
    fs::create_directories(dir, ec);
    if (!fs::is_directory(dir)) {
      return Status::RunError(dir.string() + ": cannot create output directory" +
                              (ec ? ": " + ec.message() : ""));
    }
  }
  // Resume: a final-named output is complete (it is renamed into place only when done), and
  // its manifest says what made it (resume.h).
  std::vector<std::string> rule_names;
  for (const Rule& r : cleaner.patterns().rules()) rule_names.push_back(r.name);
  resume::Fingerprint fingerprint = resume::MakeFingerprint(options, cleaner);
  std::vector<Shard> todo;
  RunReport done_before;
  std::vector<std::string> mismatches;
  for (Shard& s : shards) {
    if (!to_stdout && !options.force) {
      resume::Verdict v = resume::CheckOutput(s.output, s.input, fingerprint, rule_names);
      if (v.kind == resume::Verdict::kSkip) {
        s.report.state = ShardReport::State::kSkipped;
        s.report.stats = std::move(v.stats);
        if (options.verbosity >= 2) {
          std::fprintf(stderr, "boilerstrip: %s: already done, skipped (--force to redo)\n",
                       s.output.c_str());
        }
        done_before.total += s.report.stats;
        done_before.shards.push_back(s.report);
        continue;
      }
      if (v.kind == resume::Verdict::kMismatch && !options.redo_changed) {
        mismatches.push_back(s.output + ": " + v.why);
        continue;
      }
    }
    todo.push_back(std::move(s));
  }
  if (!mismatches.empty()) {
    std::string msg = std::to_string(mismatches.size()) + " existing output" +
                      (mismatches.size() == 1 ? " was" : "s were") +
                      " made differently from this run; --resume=redo-changed redoes " +
                      (mismatches.size() == 1 ? "it" : "them") + ", -f redoes every shard:";
    for (size_t i = 0; i < mismatches.size() && i < 10; ++i) msg += "\n  " + mismatches[i];
    if (mismatches.size() > 10) {
      msg += "\n  ... and " + std::to_string(mismatches.size() - 10) + " more";
    }
    return Status::RunError(msg);
  }
  // Temporaries that a killed earlier run left for these outputs (a live concurrent run's are
  // locked and stay).
  std::vector<std::string> targets;
  for (const Shard& s : todo) {
    if (!s.output.empty()) targets.push_back(s.output);
    targets.push_back(s.quarantine);
  }
  io::RemoveStaleTemporaries(targets);
  RunReport report;
  if (!todo.empty()) {
    Run run(options, cleaner, std::move(todo), std::move(fingerprint), std::move(rule_names));
    report = run.Go();
  }
  if (report.total.removed_by.empty()) report.total.Resize(cleaner.patterns().rules().size());
  report.total += done_before.total;
  for (ShardReport& r : done_before.shards) report.shards.push_back(std::move(r));
  report.stages = RunStages(cleaner);
  std::stable_sort(report.shards.begin(), report.shards.end(),
                   [](const ShardReport& a, const ShardReport& b) { return a.input < b.input; });
  return report;
}

std::string RunReportToJson(const RunReport& report, const std::vector<std::string>& rule_names) {
  std::string out = "{\n  \"version\": 1,\n  \"total\": ";
  out += StatsToJson(report.total, rule_names, 2);
  out += ",\n  \"stages\": [";
  for (size_t i = 0; i < report.stages.size(); ++i) {
    out += i ? ", \"" : "\"";
    AppendJsonEscaped(report.stages[i], &out);
    out += "\"";
  }
  out += "]";
  out += ",\n  \"interrupted\": ";
  out += report.interrupted ? "true" : "false";
  out += ",\n  \"broken_pipe\": ";
  out += report.broken_pipe ? "true" : "false";
  out += ",\n  \"shards\": [";
  for (size_t i = 0; i < report.shards.size(); ++i) {
    const ShardReport& s = report.shards[i];
    out += i == 0 ? "\n" : ",\n";
    out += "    {\n      \"input\": \"";
    AppendJsonEscaped(s.input, &out);
    out += "\",\n      \"output\": \"";
    AppendJsonEscaped(s.output, &out);
    out += "\",\n      \"state\": \"";
    out += ShardStateName(s.state);
    out += "\",\n";
    if (!s.error.empty()) {
      out += "      \"error\": \"";
      AppendJsonEscaped(s.error, &out);
      out += "\",\n";
    }
    out += "      \"stats\": " + StatsToJson(s.stats, rule_names, 6) + "\n    }";
  }
  out += report.shards.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

const char* ShardStateName(ShardReport::State state) {
  switch (state) {
    case ShardReport::State::kDone: return "done";
    case ShardReport::State::kSkipped: return "skipped";
    case ShardReport::State::kFailed: return "failed";
    case ShardReport::State::kInterrupted: return "interrupted";
    case ShardReport::State::kNotStarted: return "not-started";
  }
  return "failed";
}

bool InterruptRequested() { return io::InterruptRequested(); }

void InstallSignalHandlers() { io::InstallSignalHandlers(); }

}  // namespace boilerstrip
