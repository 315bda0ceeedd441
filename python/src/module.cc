// boilerstrip._boilerstrip: the Python binding, a thin layer over the library the CLI uses.
//
// Python strings go in as their UTF-8 bytes (CPython caches them on the str object, so a view
// stays valid while the str lives); the cleaning runs with the GIL released, on a State taken
// from a per-Cleaner pool, so a Cleaner is safe to share across Python threads and clean_batch
// cleans on TBB's threads. Options come through the CLI's own flag table (cli/clean_flags.h):
// a keyword means what the clean flag of the same name means, and a bad value raises ValueError
// with the CLI's message.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rule_check.h"
#include "boilerstrip/rules.h"
#include "boilerstrip/stats.h"
#include "cli/clean_flags.h"

namespace py = pybind11;
namespace bs = boilerstrip;

namespace {

// SplitLines works on 32-bit offsets.
constexpr size_t kMaxTextBytes = (size_t{1} << 32) - 1;

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
    throw py::value_error(std::string(what) +
                          " is not valid Unicode: a lone surrogate at index " +
                          std::to_string(at) +
                          " (invalid-string, as the CLI quarantines a text with a \\ud800 escape)");
  }
  if (static_cast<size_t>(size) > kMaxTextBytes) {
    throw py::value_error(std::string(what) + " is longer than 4 GiB of UTF-8");
  }
  return std::string_view(data, static_cast<size_t>(size));
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
    for (; at_ < byte; ++at_) {
      count_ += (static_cast<unsigned char>(text_[at_]) & 0xC0) != 0x80;
    }
    return count_;
  }

 private:
  std::string_view text_;
  size_t at_ = 0;
  size_t count_ = 0;
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
    // Built with the C API and one shared str per reason: a page has hundreds of spans.
    py::list spans(removals.size());
    CodePointCounter cp(in);
    for (size_t i = 0; i < removals.size(); ++i) {
      const bs::Removal& r = removals[i];
      const size_t begin = cp.At(r.begin);
      const size_t end = cp.At(r.end);
      py::tuple span(3);
      PyTuple_SET_ITEM(span.ptr(), 0, PyLong_FromSize_t(begin));
      PyTuple_SET_ITEM(span.ptr(), 1, PyLong_FromSize_t(end));
      PyObject* reason = ReasonObject(r.reason);
      Py_INCREF(reason);
      PyTuple_SET_ITEM(span.ptr(), 2, reason);
      PyList_SET_ITEM(spans.ptr(), static_cast<Py_ssize_t>(i), span.release().ptr());
    }
    return spans;
  }

  py::list CleanBatch(const py::handle& texts, const py::handle& urls, int threads) {
    if (threads < 0) throw py::value_error("threads must be >= 0 (0 = all cores)");
    if (PyUnicode_Check(texts.ptr()) || !PySequence_Check(texts.ptr())) {
      throw py::type_error("texts must be a sequence of str");
    }
    py::sequence seq = py::reinterpret_borrow<py::sequence>(texts);
    const size_t n = py::len(seq);
    // Hold every item: the views below point into them.
    std::vector<py::object> items(n);
    std::vector<std::string_view> in(n);
    std::vector<std::string> sites(n);
    for (size_t i = 0; i < n; ++i) {
      items[i] = seq[i];
      const std::string what = "texts[" + std::to_string(i) + "]";
      in[i] = Utf8Of(items[i].ptr(), what.c_str());
    }
    if (!urls.is_none()) {
      if (PyUnicode_Check(urls.ptr()) || !PySequence_Check(urls.ptr())) {
        throw py::type_error("urls must be None or a sequence of str or None");
      }
      py::sequence url_seq = py::reinterpret_borrow<py::sequence>(urls);
      if (py::len(url_seq) != n) {
        throw py::value_error("urls has " + std::to_string(py::len(url_seq)) +
                              " items for " + std::to_string(n) + " texts");
      }
      for (size_t i = 0; i < n; ++i) sites[i] = SiteOf(url_seq[i]);
    }
    std::vector<Outcome> outs(n);
    {
      py::gil_scoped_release unlocked;
      const auto start = std::chrono::steady_clock::now();
      std::mutex merge_mu;
      bs::Stats total = NewStats();
      tbb::task_arena arena(threads == 0 ? tbb::task_arena::automatic : threads);
      arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<size_t>(0, n), [&](const tbb::blocked_range<size_t>& r) {
          Pooled state(this);
          bs::Stats stats = NewStats();
          for (size_t i = r.begin(); i < r.end(); ++i) {
            outs[i] = CleanOne(in[i], sites[i], *state, &stats, nullptr);
          }
          std::lock_guard<std::mutex> lock(merge_mu);
          total += stats;
        });
      });
      for (const Outcome& o : outs) {
        if (!o.error.empty()) throw std::runtime_error(o.error);
      }
      total.seconds = Seconds(start);
      Merge(total);
    }
    py::list result(n);
    for (size_t i = 0; i < n; ++i) result[i] = ToPython(items[i], std::move(outs[i]));
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
  Outcome CleanOne(std::string_view text, const std::string& site, bs::Cleaner::State& state,
                   bs::Stats* stats, std::vector<bs::Removal>* removals) const {
    Outcome out;
    int drop_rule = -1;
    bs::Result<bool> changed = cleaner_->CleanText(text, state, stats, &out.text, &drop_rule, site);
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
      stats->bytes_out += out.text.size();
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
  std::mutex stats_mu_;
  bs::Stats stats_;
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
