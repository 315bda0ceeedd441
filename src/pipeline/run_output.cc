// The in-order write stage of a `clean` run (run.h): each shard's output and quarantine through
// AtomicFile, failures, the stale-quarantine and manifest steps that finish a shard, the run
// report and the progress line.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "pipeline/run.h"

namespace boilerstrip::clean_run {
namespace {

namespace fs = std::filesystem;

std::atomic<bool>& g_interrupted = io::InterruptFlag();

}  // namespace

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

}  // namespace boilerstrip::clean_run
