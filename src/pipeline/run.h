// The shared state of a `clean` run (pipeline.cc): the batches that travel the stages, the
// shards with their writer-side state, and the Run that drives them. Its methods live in
// pipeline.cc (lanes, read, decode, cut, clean) and run_output.cc (the in-order write: outputs,
// quarantines, failures, manifests, the report and the progress line). Internal to the library.
#ifndef BOILERSTRIP_SRC_PIPELINE_RUN_H_
#define BOILERSTRIP_SRC_PIPELINE_RUN_H_

#include <tbb/enumerable_thread_specific.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/pipeline.h"
#include "io/atomic_file.h"
#include "io/codec.h"
#include "io/frames.h"
#include "io/io.h"
#include "io/record_reader.h"
#include "pipeline/resume.h"

namespace boilerstrip::clean_run {

using Clock = std::chrono::steady_clock;

// The first bytes of a shard kept to describe it when none of its records is JSON.
inline constexpr size_t kHeadSample = 4096;

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
inline uint64_t ThreadCpuNanos() {
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

// A quarantine entry's opening, up to its offset: {"reason":...,"shard":...,"offset":N
inline void AppendQuarantineHead(BadRecord why, const std::string& shard, uint64_t offset,
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

}  // namespace boilerstrip::clean_run

#endif  // BOILERSTRIP_SRC_PIPELINE_RUN_H_
