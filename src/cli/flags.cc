#include "cli/flags.h"

#include <sys/stat.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <tuple>
#include <utility>

#include "io/atomic_file.h"

namespace boilerstrip::cli {

void Die(const std::string& msg) {
  std::fprintf(stderr, "boilerstrip: %s\nTry 'boilerstrip --help'.\n", msg.c_str());
  std::exit(1);
}

Args::Args(int argc, char** argv, std::string_view short_with_value, std::string command)
    : argc_(argc), argv_(argv), short_with_value_(short_with_value), command_(std::move(command)) {}

bool Args::Next() {
  CheckValueUsed();
  if (i_ >= argc_) return false;
  flag_ = argv_[i_++];
  attached_.clear();
  has_attached_ = false;
  value_used_ = false;
  if (flag_.rfind("--", 0) == 0) {
    size_t eq = flag_.find('=');
    if (eq != std::string::npos) {
      attached_ = flag_.substr(eq + 1);
      flag_.resize(eq);
      has_attached_ = true;
    }
  } else if (flag_.size() > 2 && flag_[0] == '-' &&
             short_with_value_.find(flag_[1]) != std::string::npos) {
    attached_ = flag_.substr(2);
    flag_.resize(2);
    has_attached_ = true;
  }
  return true;
}

std::string Args::Value() {
  if (!has_attached_) {
    if (i_ >= argc_) Fail(flag_ + ": missing value");
    attached_ = argv_[i_++];  // kept, so that asking twice gives the same value
    has_attached_ = true;
  }
  value_used_ = true;
  return attached_;
}

void Args::CheckValueUsed() const {
  if (has_attached_ && !value_used_) Fail(flag_ + ": takes no value, got '" + attached_ + "'");
}

void Args::Fail(const std::string& msg) const {
  if (command_.empty()) Die(msg);
  std::fprintf(stderr, "boilerstrip: %s: %s\nTry 'boilerstrip %s --help'.\n", command_.c_str(),
               msg.c_str(), command_.c_str());
  std::exit(1);
}

bool ParseSize(std::string_view s, uint64_t* out) {
  // The suffix: K, M or G, optionally followed by B or iB, any case ("20MB", "1.5M", "1GiB");
  // a bare trailing B means bytes.
  auto lower = [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); };
  if (!s.empty() && lower(s.back()) == 'b') {
    s.remove_suffix(1);
    if (!s.empty() && lower(s.back()) == 'i') s.remove_suffix(1);
  }
  uint64_t mult = 1;
  if (!s.empty()) {
    switch (lower(s.back())) {
      case 'k': mult = uint64_t{1} << 10; break;
      case 'm': mult = uint64_t{1} << 20; break;
      case 'g': mult = uint64_t{1} << 30; break;
      default: break;
    }
  }
  if (mult != 1) s.remove_suffix(1);
  if (s.empty()) return false;
  // An integer part and an optional fraction of up to 9 digits ("1.5M"), rounded to bytes.
  std::string_view whole = s, frac;
  if (size_t dot = s.find('.'); dot != std::string_view::npos) {
    whole = s.substr(0, dot);
    frac = s.substr(dot + 1);
    if (whole.empty() || frac.empty() || frac.size() > 9) return false;
  }
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), v);
  if (ec != std::errc() || p != whole.data() + whole.size() || v > (uint64_t{1} << 50) / mult) {
    return false;
  }
  uint64_t f = 0, scale = 1;
  for (char c : frac) {
    if (c < '0' || c > '9') return false;
    f = f * 10 + static_cast<uint64_t>(c - '0');
    scale *= 10;
  }
  const uint64_t total = v * mult + (f * mult + scale / 2) / scale;
  if (total > (uint64_t{1} << 50)) return false;
  *out = total;
  return true;
}

long ParseInt(const std::string& flag, const std::string& v, long lo, long hi) {
  long x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size() || x < lo || x > hi) {
    Die(flag + ": expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
        "], got '" + v + "'");
  }
  return x;
}

uint64_t ParseSizeOrDie(const std::string& flag, const std::string& v, uint64_t min) {
  uint64_t n = 0;
  if (!ParseSize(v, &n) || n < min) {
    Die(flag + ": expected a size like 64M, got '" + v + "'");
  }
  return n;
}

namespace {

// The value of environment variable `name` when set and not empty: an integer in [lo, 2^30].
Status EnvInt(const GetEnv& getenv, const char* name, long lo, std::optional<long>* out) {
  const char* v = getenv(name);
  if (v == nullptr || *v == '\0') return Status::Ok();
  std::string_view s(v);
  long x = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (ec != std::errc() || p != s.data() + s.size() || x < lo || x > (1L << 30)) {
    return Status::RunError(std::string(name) + ": expected an integer in [" + std::to_string(lo) +
                            ", " + std::to_string(1L << 30) + "], got '" + std::string(s) + "'");
  }
  *out = x;
  return Status::Ok();
}

}  // namespace

Result<TaskShare> RankFromEnv(std::optional<long> rank, std::optional<long> world,
                              const GetEnv& getenv) {
  std::optional<long> id, min, max, step, count;
  if (!rank || !world) {  // with both given, the environment is not read
    if (Status st = EnvInt(getenv, "SLURM_ARRAY_TASK_ID", 0, &id); !st.ok()) return st;
  }
  const bool array = id.has_value();
  if (array) {
    if (Status st = EnvInt(getenv, "SLURM_ARRAY_TASK_COUNT", 1, &count); !st.ok()) return st;
    if (!count) {
      return Status::RunError(
          "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: pass --rank R "
          "--world-size W explicitly");
    }
    for (auto [name, lo, out] : {std::tuple{"SLURM_ARRAY_TASK_MIN", 0L, &min},
                                 std::tuple{"SLURM_ARRAY_TASK_MAX", 0L, &max},
                                 std::tuple{"SLURM_ARRAY_TASK_STEP", 1L, &step}}) {
      if (Status st = EnvInt(getenv, name, lo, out); !st.ok()) return st;
    }
  }
  if (!world) world = array ? *count : 1;
  if (!rank) {
    rank = 0;
    if (array) {
      // Array ids are whatever --array said (1-64, 0-30:2); the rank is the position in the
      // range, so that ranks 0..COUNT-1 each take their share and none is left out.
      const long lo = min.value_or(0), st = step.value_or(1);
      const long hi = max.value_or(lo + st * (*count - 1));
      const std::string range = std::to_string(lo) + "-" + std::to_string(hi) +
                                (st == 1 ? "" : ":" + std::to_string(st));
      if (hi < lo || (hi - lo) % st != 0 || (hi - lo) / st + 1 != *count) {
        return Status::RunError(
            "SLURM_ARRAY_TASK_COUNT=" + std::to_string(*count) + " does not match the range " +
            range + " of SLURM_ARRAY_TASK_MIN/_MAX/_STEP: the array is an index list (like " +
            "--array=1,2,9), not a range, and has no rank to derive; pass --rank R --world-size "
            "W explicitly (R: this task's position in the list, W: the number of tasks)");
      }
      if (*id < lo || *id > hi || (*id - lo) % st != 0) {
        return Status::RunError("SLURM_ARRAY_TASK_ID=" + std::to_string(*id) +
                                " is not an index of the array " + range +
                                " (SLURM_ARRAY_TASK_MIN/_MAX/_STEP); pass --rank R --world-size "
                                "W explicitly");
      }
      rank = (*id - lo) / st;
    }
  }
  if (*rank < 0 || *world < 1 || *rank >= *world) {
    return Status::RunError("--rank must be below --world-size (rank " + std::to_string(*rank) +
                            ", world size " + std::to_string(*world) + ")");
  }
  return TaskShare{static_cast<size_t>(*rank), static_cast<size_t>(*world)};
}

bool WriteFileOrFail(const std::string& path, std::string_view bytes) {
  Status st = io::WriteFileAtomically(path, bytes);
  if (st.ok()) return true;
  std::fprintf(stderr, "boilerstrip: %s: cannot write stats: %s\n", path.c_str(),
               st.message().c_str());
  return false;
}

bool KeepExistingOutput(const std::string& path, bool force, int verbosity) {
  if (force || path.empty() || path == "-") return false;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  // A device or FIFO (/dev/null, /dev/stdout, a pipe) is written to, not an output to keep.
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) return false;
  if (verbosity >= 1) {
    std::fprintf(stderr, "boilerstrip: %s: output exists, skipped (--force to redo)\n",
                 path.c_str());
  }
  return true;
}

}  // namespace boilerstrip::cli
