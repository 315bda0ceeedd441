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
// thread's own clock (Stats::cpu_seconds, serial_cpu_seconds). The state the stages share is
// in run.h, the in-order write stage in run_output.cc, the report's JSON in run_report.cc.
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
#include "pipeline/run.h"
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

bool BlankRecord(std::string_view rec) {
  for (char c : rec) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

namespace clean_run {

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

}  // namespace clean_run

Result<std::vector<std::string>> ListShards(const RunOptions& options) {
  return io::ListShards(options.inputs, options.rank, options.world_size, options.recursive);
}

namespace {

using clean_run::Run;
using clean_run::Shard;

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

bool InterruptRequested() { return io::InterruptRequested(); }

void InstallSignalHandlers() { io::InstallSignalHandlers(); }

}  // namespace boilerstrip
