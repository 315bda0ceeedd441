// boilerstrip._boilerstrip: the Python binding, a thin layer over the library the CLI uses.
//
// Python strings go in as their UTF-8 bytes (clean and annotate: CPython caches them on the str
// object, so a view stays valid while the str lives; clean_batch encodes the strs' code points
// itself, off the GIL, and fills its result strs there too); the cleaning runs with the GIL
// released, on a State taken
// from a per-Cleaner pool, so a Cleaner is safe to share across Python threads and clean_batch
// cleans on TBB's threads. Options come through the CLI's own flag table (cli/clean_flags.h):
// a keyword means what the clean flag of the same name means, and a bad value raises ValueError
// with the CLI's message.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <simdjson.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <time.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rule_check.h"
#include "boilerstrip/rules.h"
#include "boilerstrip/stats.h"
#include "boilerstrip/text.h"
#include "cli/clean_flags.h"

namespace py = pybind11;
namespace bs = boilerstrip;

namespace {

// SplitLines works on 32-bit offsets.
constexpr size_t kMaxTextBytes = (size_t{1} << 32) - 1;

std::string SurrogateMessage(const char* what, ptrdiff_t at) {
  return std::string(what) + " is not valid Unicode: a lone surrogate at index " +
         std::to_string(at) +
         " (invalid-string, as the CLI quarantines a text with a \\ud800 escape)";
}

std::string TooLongMessage(const char* what) {
  return std::string(what) + " is longer than 4 GiB of UTF-8";
}

// The UTF-8 bytes of `obj`, which must be a str: TypeError otherwise. A str holding a lone
// surrogate (which no UTF-8 can hold) is a ValueError: the CLI quarantines a record whose text
// holds a `\ud800` escape as invalid-string, and the Python API refuses the text the same way.
std::string_view Utf8Of(PyObject* obj, const char* what) {
  if (!PyUnicode_Check(obj)) {
    throw py::type_error(std::string(what) + " must be str, not " + Py_TYPE(obj)->tp_name);
  }
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(obj, &size);
  if (data == nullptr) {
    PyErr_Clear();
    // Where the surrogate is, for the message.
    Py_ssize_t at = -1;
    const Py_ssize_t n = PyUnicode_GetLength(obj);
    for (Py_ssize_t i = 0; i < n && at < 0; ++i) {
      const Py_UCS4 c = PyUnicode_ReadChar(obj, i);
      if (c >= 0xD800 && c <= 0xDFFF) at = i;
    }
    throw py::value_error(SurrogateMessage(what, at));
  }
  if (static_cast<size_t>(size) > kMaxTextBytes) throw py::value_error(TooLongMessage(what));
  return std::string_view(data, static_cast<size_t>(size));
}

// A str's code points as CPython keeps them (PEP 393: one array of 1, 2 or 4 bytes each). A
// str never changes once made, so while a reference to it is held the array may be read
// without the GIL.
struct StrData {
  const void* data = nullptr;
  size_t length = 0;  // code points
  int kind = PyUnicode_1BYTE_KIND;
  bool ascii = false;
};

// How much text (in bytes of str storage) clean_batch cleans before making its results.
constexpr size_t kBatchBlockBytes = size_t{16} << 20;

constexpr ptrdiff_t kEncoded = -1;
constexpr ptrdiff_t kTooLong = -2;

template <typename Char>
ptrdiff_t EncodeUtf8(const Char* in, size_t n, std::string* out) {
  size_t bytes = n;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t c = in[i];
    if constexpr (sizeof(Char) == 1) {
      bytes += c >= 0x80;
    } else {
      if (c >= 0xD800 && c <= 0xDFFF) return static_cast<ptrdiff_t>(i);
      bytes += (c >= 0x80) + (c >= 0x800) + (c >= 0x10000);
    }
  }
  if (bytes > kMaxTextBytes) return kTooLong;
  out->resize(bytes);
  unsigned char* o = reinterpret_cast<unsigned char*>(out->data());
  for (size_t i = 0; i < n; ++i) {
    const uint32_t c = in[i];
    if (c < 0x80) {
      *o++ = static_cast<unsigned char>(c);
    } else if (c < 0x800) {
      *o++ = static_cast<unsigned char>(0xC0 | (c >> 6));
      *o++ = static_cast<unsigned char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      *o++ = static_cast<unsigned char>(0xE0 | (c >> 12));
      *o++ = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
      *o++ = static_cast<unsigned char>(0x80 | (c & 0x3F));
    } else {
      *o++ = static_cast<unsigned char>(0xF0 | (c >> 18));
      *o++ = static_cast<unsigned char>(0x80 | ((c >> 12) & 0x3F));
      *o++ = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
      *o++ = static_cast<unsigned char>(0x80 | (c & 0x3F));
    }
  }
  return kEncoded;
}

// The UTF-8 of a str's code points into *out, as PyUnicode_AsUTF8AndSize makes it but without
// the interpreter. Returns kEncoded, kTooLong, or the index of the first lone surrogate.
ptrdiff_t EncodeUtf8(const StrData& s, std::string* out) {
  switch (s.kind) {
    case PyUnicode_1BYTE_KIND:
      return EncodeUtf8(static_cast<const Py_UCS1*>(s.data), s.length, out);
    case PyUnicode_2BYTE_KIND:
      return EncodeUtf8(static_cast<const Py_UCS2*>(s.data), s.length, out);
    default:
      return EncodeUtf8(static_cast<const Py_UCS4*>(s.data), s.length, out);
  }
}

// The length in code points of valid UTF-8 `s`, and the maxchar to make its str with: 127,
// 255, 0xFFFF or 0x10FFFF, which PyUnicode_New turns into the str's kind. Each is the exact
// bound of the text's largest code point's class, so the str gets the narrowest kind, as
// CPython requires of every str.
void ShapeOf(std::string_view s, size_t* length, Py_UCS4* maxchar) {
  size_t continuation = 0;
  unsigned char top = 0;
  for (const char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    continuation += (b & 0xC0) == 0x80;
    top = b > top ? b : top;
  }
  *length = s.size() - continuation;
  // Lead bytes: C2-C3 start U+0080-U+00FF, C4-EF up to U+FFFF, F0-F4 the rest.
  *maxchar = top < 0x80 ? 0x7F : top < 0xC4 ? 0xFF : top < 0xF0 ? 0xFFFF : 0x10FFFF;
}

template <typename Char>
void DecodeUtf8Into(std::string_view s, Char* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const uint32_t b = *p;
    if (b < 0x80) {
      *out++ = static_cast<Char>(b);
      p += 1;
    } else if (b < 0xE0) {
      *out++ = static_cast<Char>(((b & 0x1F) << 6) | (p[1] & 0x3F));
      p += 2;
    } else if (b < 0xF0) {
      *out++ = static_cast<Char>(((b & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F));
      p += 3;
    } else {
      *out++ = static_cast<Char>(((b & 0x07) << 18) | ((p[1] & 0x3F) << 12) |
                                 ((p[2] & 0x3F) << 6) | (p[3] & 0x3F));
      p += 4;
    }
  }
}

// Valid UTF-8 `s` into the code point array of a str made by PyUnicode_New with ShapeOf's
// length and maxchar (of kind `kind`).
void DecodeUtf8Into(std::string_view s, int kind, void* dest) {
  switch (kind) {
    case PyUnicode_1BYTE_KIND: {
      // ASCII is its own UTF-8.
      bool ascii = true;
      for (const char ch : s) ascii &= static_cast<unsigned char>(ch) < 0x80;
      if (ascii) {
        std::memcpy(dest, s.data(), s.size());
      } else {
        DecodeUtf8Into(s, static_cast<Py_UCS1*>(dest));
      }
      return;
    }
    case PyUnicode_2BYTE_KIND: DecodeUtf8Into(s, static_cast<Py_UCS2*>(dest)); return;
    default: DecodeUtf8Into(s, static_cast<Py_UCS4*>(dest)); return;
  }
}

// os.fspath(obj) for a str or os.PathLike; TypeError otherwise.
std::string PathOf(const py::handle& obj, const char* what) {
  PyObject* path = PyOS_FSPath(obj.ptr());
  if (path == nullptr) {
    PyErr_Clear();
    throw py::type_error(std::string(what) + " must be a str or os.PathLike, not " +
                         Py_TYPE(obj.ptr())->tp_name);
  }
  py::object owned = py::reinterpret_steal<py::object>(path);
  if (!PyUnicode_Check(path)) {
    throw py::type_error(std::string(what) + " must be a str path, not bytes");
  }
  return std::string(Utf8Of(path, what));
}

// One path, or a list or tuple of them.
std::vector<std::string> PathsOf(const py::handle& obj, const char* what) {
  std::vector<std::string> paths;
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    for (py::handle item : obj) paths.push_back(PathOf(item, what));
    if (paths.empty()) throw py::value_error(std::string(what) + " is empty");
  } else {
    paths.push_back(PathOf(obj, what));
  }
  return paths;
}

int TriState(const py::object& obj, const char* what) {
  if (obj.is_none()) return -1;
  if (!PyBool_Check(obj.ptr())) {
    throw py::type_error(std::string(what) + " must be None, True or False");
  }
  return obj.ptr() == Py_True ? 1 : 0;
}

// Code-point offsets of increasing byte offsets of one UTF-8 text.
class CodePointCounter {
 public:
  explicit CodePointCounter(std::string_view text) : text_(text) {}
  size_t At(size_t byte) {
    if (byte > at_) {
      count_ += bs::CountCodePoints(text_.substr(at_, byte - at_));
      at_ = byte;
    }
    return count_;
  }

 private:
  std::string_view text_;
  size_t at_ = 0;
  size_t count_ = 0;
};

// CPU seconds of the calling thread so far.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Where one clean_batch call spent its CPU, in thread CPU seconds (so it does not depend on how
// loaded the machine is): `serial` with the GIL held on the calling thread (taking the texts,
// making the results: what no second thread can share), `parallel` in the work split over the
// threads. serial / (serial + parallel) is the Amdahl fraction that bounds the speed-up.
struct BatchCpu {
  double serial = 0;
  double parallel = 0;
  size_t texts = 0;
};

class PyCleaner {
 public:
  PyCleaner(const py::object& patterns, const py::object& classifier, const py::object& dedup,
            const py::object& site_profile, const py::kwargs& options) {
    bs::cli::CleanerSetup setup;
    if (!patterns.is_none()) setup.patterns = PathsOf(patterns, "patterns");
    setup.classifier = TriState(classifier, "classifier");
    setup.dedup = TriState(dedup, "dedup");
    if (!site_profile.is_none()) setup.site_profile = PathOf(site_profile, "site_profile");
    for (auto [key, value] : options) ApplyKeyword(py::str(key), value, &setup);
    std::vector<std::string> rule_errors;
    bs::Result<std::unique_ptr<bs::Cleaner>> made = [&] {
      py::gil_scoped_release unlocked;  // compiling rules takes a while
      return bs::cli::BuildCleaner(std::move(setup), &rule_errors);
    }();
    if (!made.ok()) {
      std::string message;
      for (const std::string& e : rule_errors) message += e + "\n";
      throw py::value_error(message + made.status().message());
    }
    cleaner_ = std::move(made.value());
    for (const bs::Rule& r : cleaner_->patterns().rules()) rule_names_.push_back(r.name);
    stats_.Resize(rule_names_.size());
    // Index 0 is Removal::kLayout; then every reason Stats::removed_by counts.
    const int32_t reasons =
        static_cast<int32_t>(rule_names_.size()) + static_cast<int32_t>(bs::ExtraReason::kCount);
    for (int32_t r = bs::Removal::kLayout; r < reasons; ++r) {
      reason_names_.push_back(py::str(std::string(cleaner_->ReasonName(r))));
    }
  }

  py::object Clean(const py::handle& text, const py::handle& url) {
    const std::string_view in = Utf8Of(text.ptr(), "text");
    const std::string site = SiteOf(url);
    Outcome out;
    {
      py::gil_scoped_release unlocked;
      Pooled state(this);
      bs::Stats stats = NewStats();
      const auto start = std::chrono::steady_clock::now();
      out = CleanOne(in, site, *state, &stats, nullptr);
      stats.seconds = Seconds(start);
      if (out.error.empty()) Merge(stats);
    }
    return ToPython(text, std::move(out));
  }

  py::list Annotate(const py::handle& text, const py::handle& url) {
    const std::string_view in = Utf8Of(text.ptr(), "text");
    const std::string site = SiteOf(url);
    std::vector<bs::Removal> removals;
    Outcome out;
    {
      py::gil_scoped_release unlocked;
      Pooled state(this);
      bs::Stats stats = NewStats();
      const auto start = std::chrono::steady_clock::now();
      out = CleanOne(in, site, *state, &stats, &removals);
      stats.seconds = Seconds(start);
      if (out.error.empty()) Merge(stats);
    }
    if (!out.error.empty()) throw std::runtime_error(out.error);
    // Built with the C API and one shared str per reason: a page has hundreds of spans. A
    // span that starts where the one before ends shares its int. The tuples hold only ints
    // and strs, so they can be in no reference cycle: they are taken off the garbage
    // collector's lists (as its own first pass over them would do), which otherwise walked
    // every span a caller keeps, again and again, and cost more than making them.
    py::list spans(removals.size());
    CodePointCounter cp(in);
    PyObject* last_end = nullptr;  // borrowed: the previous span's end
    size_t last_end_at = 0;
    for (size_t i = 0; i < removals.size(); ++i) {
      const bs::Removal& r = removals[i];
      const size_t begin = cp.At(r.begin);
      const size_t end = cp.At(r.end);
      py::tuple span(3);
      PyObject* begin_obj = nullptr;
      if (last_end != nullptr && last_end_at == begin) {
        begin_obj = last_end;
        Py_INCREF(begin_obj);
      } else {
        begin_obj = PyLong_FromSize_t(begin);
        if (begin_obj == nullptr) throw py::error_already_set();
      }
      PyTuple_SET_ITEM(span.ptr(), 0, begin_obj);
      PyObject* end_obj = PyLong_FromSize_t(end);
      if (end_obj == nullptr) throw py::error_already_set();
      PyTuple_SET_ITEM(span.ptr(), 1, end_obj);
      last_end = end_obj;
      last_end_at = end;
      PyObject* reason = ReasonObject(r.reason);
      Py_INCREF(reason);
      PyTuple_SET_ITEM(span.ptr(), 2, reason);
      PyObject_GC_UnTrack(span.ptr());
      PyList_SET_ITEM(spans.ptr(), static_cast<Py_ssize_t>(i), span.release().ptr());
    }
    return spans;
  }

  py::list CleanBatch(const py::handle& texts, const py::handle& urls, int threads) {
    if (threads < 0) throw py::value_error("threads must be >= 0 (0 = all cores)");
    if (PyUnicode_Check(texts.ptr()) || !PySequence_Check(texts.ptr())) {
      throw py::type_error("texts must be a sequence of str");
    }
    // Four phases, so that the GIL is held only for what needs the interpreter: (1) with the
    // GIL, take a reference to each text and where its code points lie; (2) without it, on the
    // arena's threads, each text's UTF-8, its cleaning and the shape of its result; (3) with
    // it, a str of that shape for each changed text; (4) without it, those strs filled in.
    double serial_mark = ThreadCpuSeconds();
    BatchCpu cpu;
    py::sequence seq = py::reinterpret_borrow<py::sequence>(texts);
    const size_t n = py::len(seq);
    std::vector<BatchItem> items(n);
    bool recheck = false;  // something below must be named as the serial checks name it
    for (size_t i = 0; i < n && !recheck; ++i) {
      BatchItem& item = items[i];
      item.index = i;
      item.text = seq[i];  // held: phase 2 reads its code points
      recheck = !item.Take();
    }
    if (!urls.is_none()) {
      if (PyUnicode_Check(urls.ptr()) || !PySequence_Check(urls.ptr())) {
        recheck = true;
      } else {
        py::sequence url_seq = py::reinterpret_borrow<py::sequence>(urls);
        recheck = recheck || py::len(url_seq) != n;
        for (size_t i = 0; i < n && !recheck; ++i) {
          items[i].url_obj = url_seq[i];
          recheck = !items[i].TakeUrl();
        }
      }
    }
    // Bad input raises what the text-by-text checks raise, first bad item first.
    if (recheck) CheckSerially(seq, urls);

    tbb::task_arena arena(threads == 0 ? tbb::task_arena::automatic : threads);
    tbb::enumerable_thread_specific<BatchWorker> workers(this);
    py::list result(n);
    std::vector<size_t> fill;  // changed texts of a block, their strs made and not yet filled
    std::string clean_error;   // the first failed scan: raised once every text is checked
    const auto start = std::chrono::steady_clock::now();
    std::optional<py::gil_scoped_release> unlocked;
    // Block by block, so that a block's cleaned UTF-8 is freed (and its memory reused) before
    // the next block's is made: all of it at once would double the memory the results take.
    for (size_t begin = 0, end = 0; begin < n; begin = end) {
      size_t bytes = 0;
      for (end = begin; end < n && bytes < kBatchBlockBytes; ++end) {
        bytes += items[end].in.length * static_cast<size_t>(items[end].in.kind);
      }
      unlocked.emplace();
      cpu.serial += ThreadCpuSeconds() - serial_mark;
      arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<size_t>(begin, end),
                          [&](const tbb::blocked_range<size_t>& r) {
          BatchWorker& w = workers.local();
          const double chunk_start = ThreadCpuSeconds();
          for (size_t i = r.begin(); i < r.end(); ++i) CleanItem(items[i], w);
          w.cpu += ThreadCpuSeconds() - chunk_start;
        });
      });
      serial_mark = ThreadCpuSeconds();
      // A text the checks refuse (a lone surrogate, found while encoding it) raises before any
      // failed scan, and nothing is counted.
      for (size_t i = begin; i < end; ++i) {
        if (!items[i].input_error.empty()) throw py::value_error(items[i].input_error);
      }
      for (size_t i = begin; i < end && clean_error.empty(); ++i) clean_error = items[i].out.error;
      unlocked.reset();
      if (!clean_error.empty()) continue;  // no results will be returned

      fill.clear();
      for (size_t i = begin; i < end; ++i) {
        BatchItem& item = items[i];
        PyObject* value = nullptr;
        switch (item.out.kind) {
          case Kind::kUnchanged: value = item.text.inc_ref().ptr(); break;
          case Kind::kDropped: value = py::none().release().ptr(); break;
          case Kind::kChanged:
            if (!item.valid_out) {  // not expected: lines of valid UTF-8; strict decoding says why
              value = ToPython(item.text, std::move(item.out)).release().ptr();
              break;
            }
            value = PyUnicode_New(static_cast<Py_ssize_t>(item.out_length), item.out_max);
            if (value == nullptr) throw py::error_already_set();
            item.dest = PyUnicode_DATA(value);
            item.dest_kind = PyUnicode_KIND(value);
            fill.push_back(i);
            break;
        }
        PyList_SET_ITEM(result.ptr(), static_cast<Py_ssize_t>(i), value);
        item.text = py::object();
      }
      // The new strs are ours alone until returned: filling them needs no GIL.
      unlocked.emplace();
      cpu.serial += ThreadCpuSeconds() - serial_mark;
      arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<size_t>(0, fill.size()),
                          [&](const tbb::blocked_range<size_t>& r) {
          BatchWorker& w = workers.local();
          const double chunk_start = ThreadCpuSeconds();
          for (size_t k = r.begin(); k < r.end(); ++k) {
            const BatchItem& item = items[fill[k]];
            DecodeUtf8Into(std::string_view(*item.cleaned_in).substr(item.cleaned_at, item.cleaned_size),
                           item.dest_kind, item.dest);
          }
          w.cpu += ThreadCpuSeconds() - chunk_start;
        });
      });
      serial_mark = ThreadCpuSeconds();
      unlocked.reset();
      for (BatchWorker& w : workers) w.buffers.cleaned.clear();
    }
    if (!clean_error.empty()) throw std::runtime_error(clean_error);
    bs::Stats total = NewStats();
    for (BatchWorker& w : workers) {
      total += w.stats;
      cpu.parallel += w.cpu;
    }
    total.seconds = Seconds(start);
    Merge(total);
    cpu.texts = n;
    items.clear();
    cpu.serial += ThreadCpuSeconds() - serial_mark;
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      last_batch_ = cpu;
    }
    return result;
  }

  // The --stats "total" object of everything this Cleaner cleaned, as JSON text, without
  // cpu_seconds and serial_cpu_seconds: they time a run's pipeline stages (read, clean, write;
  // their ratio is the most cores a run can use), and a Cleaner's calls have no such stages.
  std::string StatsJson() {
    std::string json;
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      json = bs::StatsToJson(stats_, rule_names_, 0);
    }
    for (const char* key : {"\"cpu_seconds\": ", "\"serial_cpu_seconds\": "}) {
      const size_t at = json.find(key);
      if (at != std::string::npos) json.erase(at, json.find('\n', at) + 1 - at);
    }
    return json;
  }

  // BatchCpu of the last clean_batch call that returned results, as a dict.
  py::dict LastBatchCpu() {
    BatchCpu cpu;
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      cpu = last_batch_;
    }
    py::dict d;
    d["serial"] = cpu.serial;
    d["parallel"] = cpu.parallel;
    d["texts"] = cpu.texts;
    return d;
  }

  void ResetStats() {
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_ = NewStats();
  }

  const std::vector<std::string>& rule_names() const { return rule_names_; }

  // The shared str of a Removal's reason (borrowed).
  PyObject* ReasonObject(int32_t reason) const {
    const size_t i = static_cast<size_t>(reason - bs::Removal::kLayout);
    return i < reason_names_.size() ? reason_names_[i].ptr() : reason_names_[0].ptr();
  }

 private:
  enum class Kind { kUnchanged, kChanged, kDropped };
  struct Outcome {
    Kind kind = Kind::kUnchanged;
    std::string text;   // kChanged
    std::string error;  // the scan failed
  };

  // A State from the pool, returned to it on destruction. No GIL needed.
  class Pooled {
   public:
    explicit Pooled(PyCleaner* owner) : owner_(owner) {
      std::lock_guard<std::mutex> lock(owner_->pool_mu_);
      if (!owner_->pool_.empty()) {
        state_ = std::move(owner_->pool_.back());
        owner_->pool_.pop_back();
      }
      if (state_ == nullptr) state_ = owner_->cleaner_->MakeState();
    }
    ~Pooled() {
      std::lock_guard<std::mutex> lock(owner_->pool_mu_);
      owner_->pool_.push_back(std::move(state_));
    }
    bs::Cleaner::State& operator*() { return *state_; }

   private:
    PyCleaner* owner_;
    bs::Cleaner::StatePtr state_;
  };

  // One text of a clean_batch call.
  struct BatchItem {
    size_t index = 0;
    py::object text;
    StrData in;
    py::object url_obj;
    std::string_view url;  // UTF-8 of url_obj, cached on it by CPython
    std::string input_error;  // what the serial checks would raise (a ValueError)
    Outcome out;
    // kChanged: the result str's shape, and (phase 3) its code point array.
    size_t out_length = 0;
    Py_UCS4 out_max = 0;
    bool valid_out = false;
    // Valid: the cleaned text, in a worker's buffer (filled by the time phase 3 runs).
    const std::string* cleaned_in = nullptr;
    size_t cleaned_at = 0;
    size_t cleaned_size = 0;
    void* dest = nullptr;
    int dest_kind = 0;

    // Where the text's code points are; false when it is not a str or too long (the serial
    // checks then say so). REQUIRES: the GIL.
    bool Take() {
      PyObject* t = text.ptr();
      if (!PyUnicode_Check(t)) return false;
#if PY_VERSION_HEX < 0x030C0000
      if (PyUnicode_READY(t) != 0) {
        PyErr_Clear();
        return false;
      }
#endif
      in.data = PyUnicode_DATA(t);
      in.length = static_cast<size_t>(PyUnicode_GET_LENGTH(t));
      in.kind = PyUnicode_KIND(t);
      in.ascii = PyUnicode_IS_ASCII(t);
      return !(in.ascii && in.length > kMaxTextBytes);
    }

    // The URL's UTF-8 (None: none); false when it is not a str or not UTF-8. REQUIRES: the GIL.
    bool TakeUrl() {
      if (url_obj.is_none()) return true;
      if (!PyUnicode_Check(url_obj.ptr())) return false;
      Py_ssize_t size = 0;
      const char* data = PyUnicode_AsUTF8AndSize(url_obj.ptr(), &size);
      if (data == nullptr) {
        PyErr_Clear();
        return false;
      }
      url = std::string_view(data, static_cast<size_t>(size));
      return true;
    }
  };

  // A clean_batch thread's working memory, kept in a pool across calls so that its capacity
  // is reused: allocating a block's worth of cleaned text afresh on every call (and freeing
  // it) made the allocator hand memory back to the system and fault it in again, which cost
  // as much CPU as the conversions it was for.
  struct BatchBuffers {
    std::string utf8;     // the text being cleaned, when it is not ASCII
    std::string scratch;  // its cleaned text
    std::string cleaned;  // the cleaned texts of the block, one after another
    void Clear() {
      utf8.clear();
      scratch.clear();
      cleaned.clear();
    }
  };

  // One thread's share of a clean_batch call: a State, its counters, its CPU, and room for
  // the UTF-8 of the text it cleans.
  struct BatchWorker {
    explicit BatchWorker(PyCleaner* owner) : owner(owner), state(owner), stats(owner->NewStats()) {
      std::lock_guard<std::mutex> lock(owner->pool_mu_);
      if (!owner->buffer_pool_.empty()) {
        buffers = std::move(owner->buffer_pool_.back());
        owner->buffer_pool_.pop_back();
      }
    }
    ~BatchWorker() {
      buffers.Clear();
      std::lock_guard<std::mutex> lock(owner->pool_mu_);
      owner->buffer_pool_.push_back(std::move(buffers));
    }
    BatchWorker(const BatchWorker&) = delete;
    BatchWorker& operator=(const BatchWorker&) = delete;

    PyCleaner* owner;
    Pooled state;
    bs::Stats stats;
    double cpu = 0;
    BatchBuffers buffers;
    std::string site;
  };

  // Phase 2 of clean_batch for one text. No GIL: reads only the str's code points, which a
  // held reference keeps alive and unchanging.
  void CleanItem(BatchItem& item, BatchWorker& w) const {
    std::string_view in;
    if (item.in.ascii) {
      in = std::string_view(static_cast<const char*>(item.in.data), item.in.length);
    } else {
      const ptrdiff_t bad = EncodeUtf8(item.in, &w.buffers.utf8);
      if (bad != kEncoded) {
        const std::string what = "texts[" + std::to_string(item.index) + "]";
        item.input_error = bad == kTooLong ? TooLongMessage(what.c_str())
                                           : SurrogateMessage(what.c_str(), bad);
        return;
      }
      in = w.buffers.utf8;
    }
    std::string_view site;
    if (!item.url.empty()) {
      const auto& profile = cleaner_->options().site_profile;
      if (profile != nullptr && profile->namer().SiteOf(item.url, &w.site)) site = w.site;
    }
    item.out = CleanOne(in, site, *w.state, &w.stats, nullptr, &w.buffers.scratch);
    if (item.out.kind == Kind::kChanged) {
      const std::string& cleaned = w.buffers.scratch;
      item.valid_out = simdjson::validate_utf8(cleaned.data(), cleaned.size());
      if (item.valid_out) {
        ShapeOf(cleaned, &item.out_length, &item.out_max);
        item.cleaned_in = &w.buffers.cleaned;
        item.cleaned_at = w.buffers.cleaned.size();
        item.cleaned_size = cleaned.size();
        w.buffers.cleaned.append(cleaned);
      } else {
        item.out.text = cleaned;  // for ToPython's strict decoding to raise on
      }
    }
  }

  static double Seconds(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  bs::Stats NewStats() const {
    bs::Stats s;
    s.Resize(rule_names_.size());
    return s;
  }

  void Merge(const bs::Stats& s) {
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_ += s;
  }

  // The checks of clean_batch's input one item at a time, raising what the first bad one
  // calls for: every text first, then the URLs. Called when the quick pass found a problem.
  void CheckSerially(const py::sequence& seq, const py::handle& urls) const {
    const size_t n = py::len(seq);
    for (size_t i = 0; i < n; ++i) {
      const std::string what = "texts[" + std::to_string(i) + "]";
      (void)Utf8Of(py::object(seq[i]).ptr(), what.c_str());
    }
    if (!urls.is_none()) {
      if (PyUnicode_Check(urls.ptr()) || !PySequence_Check(urls.ptr())) {
        throw py::type_error("urls must be None or a sequence of str or None");
      }
      py::sequence url_seq = py::reinterpret_borrow<py::sequence>(urls);
      if (py::len(url_seq) != n) {
        throw py::value_error("urls has " + std::to_string(py::len(url_seq)) + " items for " +
                              std::to_string(n) + " texts");
      }
      for (size_t i = 0; i < n; ++i) (void)SiteOf(url_seq[i]);
    }
    throw std::logic_error("clean_batch: an item failed the quick check but passed the full one");
  }

  // The site of `url` for the site profile: "" when there is no profile, no URL or no site.
  std::string SiteOf(const py::handle& url) const {
    if (url.is_none()) return {};
    const std::string_view u = Utf8Of(url.ptr(), "url");
    const auto& profile = cleaner_->options().site_profile;
    std::string site;
    if (profile == nullptr || !profile->namer().SiteOf(u, &site)) return {};
    return site;
  }

  // Cleans one text and counts it as one record. With `removals`, also what was removed.
  // The cleaned text goes to *text_out when given (out.text stays empty), else to out.text.
  Outcome CleanOne(std::string_view text, std::string_view site, bs::Cleaner::State& state,
                   bs::Stats* stats, std::vector<bs::Removal>* removals,
                   std::string* text_out = nullptr) const {
    Outcome out;
    int drop_rule = -1;
    std::string* cleaned = text_out != nullptr ? text_out : &out.text;
    bs::Result<bool> changed = cleaner_->CleanText(text, state, stats, cleaned, &drop_rule, site);
    if (!changed.ok()) {
      out.error = changed.status().message();
      return out;
    }
    ++stats->records_in;
    stats->bytes_in += text.size();
    if (changed.value() && drop_rule >= 0) {
      out.kind = Kind::kDropped;
      ++stats->dropped_doc;
      if (removals != nullptr && !text.empty()) {
        removals->push_back({0, static_cast<uint32_t>(text.size()), drop_rule});
      }
      return out;
    }
    ++stats->records_out;
    if (changed.value()) {
      out.kind = Kind::kChanged;
      ++stats->records_changed;
      stats->bytes_out += cleaned->size();
      if (removals != nullptr) cleaner_->AppendRemovals(text, state, removals);
    } else {
      stats->bytes_out += text.size();
    }
    return out;
  }

  static py::object ToPython(const py::handle& original, Outcome out) {
    if (!out.error.empty()) throw std::runtime_error(out.error);
    switch (out.kind) {
      case Kind::kUnchanged: return py::reinterpret_borrow<py::object>(original);
      case Kind::kDropped: return py::none();
      case Kind::kChanged: break;
    }
    PyObject* s = PyUnicode_DecodeUTF8(out.text.data(), static_cast<Py_ssize_t>(out.text.size()),
                                       "strict");
    if (s == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(s);
  }

  // One **options keyword: `tail_fraction=0.5` is `--tail-fraction 0.5`; a switch is given
  // True or False (`title_headline=False` is `--no-title-headline`).
  static void ApplyKeyword(const std::string& key, const py::handle& value,
                           bs::cli::CleanerSetup* setup) {
    std::string flag = "--" + key;
    for (char& c : flag) c = c == '_' ? '-' : c;
    const bool reserved = key.rfind("no_", 0) == 0 || key == "patterns" || key == "text_field" ||
                          key == "url_field";
    auto unexpected = [&] {
      return py::type_error("Cleaner() got an unexpected keyword argument '" + key + "'");
    };
    if (reserved) throw unexpected();
    if (PyBool_Check(value.ptr())) {
      const bool on = value.ptr() == Py_True;
      const std::string no_flag = "--no-" + flag.substr(2);
      if (!bs::cli::IsCleanSwitch(no_flag)) {
        if (bs::cli::IsCleanSwitch(flag) || !IsValuedFlag(flag, setup)) throw unexpected();
        throw py::type_error(key + " takes a value, not " + (on ? "True" : "False"));
      }
      if (!on) {
        (void)bs::cli::ApplyCleanFlag(no_flag, [] { return std::string(); }, setup);
      } else if (bs::cli::IsCleanSwitch(flag)) {
        (void)bs::cli::ApplyCleanFlag(flag, [] { return std::string(); }, setup);
      }
      return;
    }
    std::string text;
    if (PyUnicode_Check(value.ptr())) {
      text = std::string(Utf8Of(value.ptr(), key.c_str()));
    } else if (PyLong_Check(value.ptr()) || PyFloat_Check(value.ptr())) {
      text = py::str(value);
    } else if (PyObject_HasAttrString(value.ptr(), "__fspath__")) {
      text = PathOf(value, key.c_str());
    } else {
      throw py::type_error(key + " must be a number or a str, not " + Py_TYPE(value.ptr())->tp_name);
    }
    if (bs::cli::IsCleanSwitch(flag) || bs::cli::IsCleanSwitch("--no-" + flag.substr(2))) {
      throw py::type_error(key + " takes True or False");
    }
    auto applied = bs::cli::ApplyCleanFlag(flag, [&] { return text; }, setup);
    if (!applied.ok()) throw py::value_error(applied.status().message());
    if (!applied.value()) throw unexpected();
  }

  // Whether `flag` is a cleaning flag that takes a value (tried on a scratch setup).
  static bool IsValuedFlag(const std::string& flag, const bs::cli::CleanerSetup* setup) {
    bs::cli::CleanerSetup scratch = *setup;
    bool asked = false;
    auto applied = bs::cli::ApplyCleanFlag(flag, [&] {
      asked = true;
      return std::string("0");
    }, &scratch);
    return asked;
  }

  std::unique_ptr<bs::Cleaner> cleaner_;
  std::vector<std::string> rule_names_;
  std::vector<py::object> reason_names_;  // ReasonObject
  std::mutex pool_mu_;
  std::vector<bs::Cleaner::StatePtr> pool_;
  std::vector<BatchBuffers> buffer_pool_;  // under pool_mu_
  std::mutex stats_mu_;
  bs::Stats stats_;
  BatchCpu last_batch_;  // under stats_mu_
};

std::vector<std::string> Check(const py::handle& path) {
  std::vector<std::string> paths = PathsOf(path, "path");
  bs::RuleCheckReport report;
  {
    py::gil_scoped_release unlocked;
    // Names resolve as the CLI's check and -p resolve them ("default", "c4").
    for (std::string& p : paths) p = bs::ResolvePatternsPath(p, nullptr);
    report = bs::CheckRules(paths);
  }
  std::vector<std::string> lines;
  for (const bs::RuleError& e : report.errors) lines.push_back(e.ToString());
  return lines;
}

}  // namespace

PYBIND11_MODULE(_boilerstrip, m) {
  m.doc() = "The compiled core of the boilerstrip package; import boilerstrip instead.";
  py::class_<PyCleaner>(m, "Cleaner", R"doc(A compiled rule set and cleaner options (see boilerstrip.Cleaner).)doc")
      .def(py::init<const py::object&, const py::object&, const py::object&, const py::object&,
                    const py::kwargs&>(),
           py::arg("patterns") = py::none(), py::arg("classifier") = py::none(),
           py::arg("dedup") = py::none(), py::arg("site_profile") = py::none(),
           R"doc(Cleaner(patterns=None, classifier=None, dedup=None, site_profile=None, **options)

patterns: None (the bundled default rules), a preset name ("default", "c4"), "none", or a rule
  file or directory path, or a list of them: what `boilerstrip clean -p` takes.
classifier, dedup: None (on, except with a foreign preset such as "c4"), True or False.
site_profile: a path to a site profile (`boilerstrip merge --final` output), or None.
**options: every other cleaning option of `boilerstrip clean`, its flag with '_' for '-':
  tail_fraction=0.5 is --tail-fraction 0.5, min_site_docs=3 is --min-site-docs 3,
  title_headline=False is --no-title-headline. Same meanings and defaults as the CLI.
Raises ValueError with the CLI's message for a bad rule, option value or profile, TypeError
for an unknown keyword or a value of the wrong type.)doc")
      .def("clean", &PyCleaner::Clean, py::arg("text"), py::arg("url") = py::none(),
           R"doc(clean(text, url=None) -> str | None

The cleaned text; the same str object when nothing is removed; None when a drop-doc rule
removes the document. `url` names the document's site for the site profile.
Raises TypeError for a non-str, ValueError for a str holding a lone surrogate.)doc")
      .def("annotate", &PyCleaner::Annotate, py::arg("text"), py::arg("url") = py::none(),
           R"doc(annotate(text, url=None) -> list[tuple[int, int, str]]

What clean(text) removes, as (start, end, reason) spans in str (code point) offsets, in order
and disjoint: a line removed for a reason is one span, the whole line with its line break; the
blank lines and breaks that go with removed lines are spans with reason "layout". Deleting
every span from text gives exactly clean(text). When a drop-doc rule removes the document the
one span is (0, len(text), RULE).)doc")
      .def("clean_batch", &PyCleaner::CleanBatch, py::arg("texts"), py::arg("urls") = py::none(),
           py::arg("threads") = 0,
           R"doc(clean_batch(texts, urls=None, threads=0) -> list[str | None]

clean() of each text, on `threads` threads of the library (0 = all cores) with the GIL
released; the results do not depend on the thread count. Every text is checked before any is
cleaned: a non-str or a lone surrogate raises (naming its index) and nothing is counted.)doc")
      .def("_stats_json", &PyCleaner::StatsJson)
      .def("_last_batch_cpu", &PyCleaner::LastBatchCpu,
           "Thread CPU seconds of the last clean_batch: 'serial' (GIL held, calling thread), "
           "'parallel' (the work split over threads), 'texts'. For bench/python_bench.py.")
      .def("reset_stats", &PyCleaner::ResetStats, "Sets every counter of `stats` back to zero.")
      .def_property_readonly("rule_names", &PyCleaner::rule_names,
                             "The names of the loaded rules, in order.");
  m.def("check", &Check, py::arg("path"),
        R"doc(check(path) -> list[str]

Compiles a rule file or directory or a built-in preset name (or a list of them) and runs each
rule's match:/nomatch: examples, as `boilerstrip check` does; returns every problem at once, in
file and line order, as "FILE:LINE: rule NAME: message" (an empty list when all is well).)doc");
  m.def("default_patterns_path", &bs::DefaultPatternsPath);
}
