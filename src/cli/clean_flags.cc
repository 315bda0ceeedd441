#include "cli/clean_flags.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "boilerstrip/line_model.h"
#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rules.h"

namespace boilerstrip::cli {

Result<long> ParseIntFlag(const std::string& flag, const std::string& v, long lo, long hi) {
  long x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size() || x < lo || x > hi) {
    return Status::RunError(flag + ": expected an integer in [" + std::to_string(lo) + ", " +
                            std::to_string(hi) + "], got '" + v + "'");
  }
  return x;
}

Result<double> ParseFractionFlag(const std::string& flag, const std::string& v, double lo,
                                 double hi, bool lo_open) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  // Written so that NaN fails too.
  const bool in_range = (lo_open ? x > lo : x >= lo) && x <= hi;
  if (v.empty() || end == v.c_str() || *end || !in_range) {
    return Status::RunError(flag + ": expected a number in " + (lo_open ? "(" : "[") +
                            (lo == 0 ? "0" : std::to_string(lo)) + ", " +
                            (hi == 1 ? "1" : std::to_string(hi)) + "], got '" + v + "'");
  }
  return x;
}

Result<bool> ApplySiteThreshold(const std::string& flag, const std::string& value,
                                SiteOptions* options) {
  if (flag == "--min-site-docs" || flag == "--min-line-docs") {
    auto n = ParseIntFlag(flag, value, flag == "--min-site-docs" ? 1 : 0, 1L << 31);
    if (!n.ok()) return n.status();
    (flag == "--min-site-docs" ? options->min_site_docs : options->min_line_docs) =
        static_cast<uint32_t>(n.value());
  } else if (flag == "--min-line-share") {
    auto share = ParseFractionFlag(flag, value, 0, 1, /*lo_open=*/true);
    if (!share.ok()) return share.status();
    options->min_line_share = share.value();
  } else {
    return false;
  }
  return true;
}

namespace {

// The integer flags of the cleaner and the classifier: name, field, lower and upper bound.
struct IntFlag {
  const char* name;
  size_t CleanerOptions::*cleaner = nullptr;
  size_t ClassifierOptions::*classifier = nullptr;
  long lo;
  long hi;
};

const IntFlag kIntFlags[] = {
    {"--truncate-after-prose", &CleanerOptions::truncate_after_prose_bytes, nullptr, 0, 1L << 40},
    {"--cut-after-prose", &CleanerOptions::cut_after_prose_bytes, nullptr, 0, 1L << 40},
    {"--min-dup-length", &CleanerOptions::min_dedup_bytes, nullptr, 0, 1 << 30},
    {"--classifier-short", nullptr, &ClassifierOptions::short_chars, 0, 1 << 20},
    {"--classifier-long", nullptr, &ClassifierOptions::long_chars, 0, 1 << 20},
    {"--classifier-run", nullptr, &ClassifierOptions::max_inner_run, 0, 1 << 20},
    {"--classifier-top-run", nullptr, &ClassifierOptions::max_top_run, 0, 1 << 20},
    {"--classifier-headlines", nullptr, &ClassifierOptions::max_headline_lines, 0, 1 << 20},
    {"--classifier-block", nullptr, &ClassifierOptions::min_block_bytes, 0, 1 << 30},
    {"--classifier-block-gap", nullptr, &ClassifierOptions::max_block_gap, 0, 1 << 20},
    {"--classifier-comments", nullptr, &ClassifierOptions::min_comment_meta, 0, 1 << 20},
    {"--classifier-comments-after", nullptr, &ClassifierOptions::comment_prose_bytes, 0, 1 << 30},
    {"--classifier-comments-gap", nullptr, &ClassifierOptions::comment_meta_gap, 1, 1 << 20},
};

const char* const kSwitches[] = {"--no-dedup",     "--dedup", "--no-classifier",
                                 "--classifier",   "--no-title-headline", "--no-line-model"};

}  // namespace

bool IsCleanSwitch(const std::string& flag) {
  for (const char* s : kSwitches) {
    if (flag == s) return true;
  }
  return false;
}

Result<bool> ApplyCleanFlag(const std::string& a, const std::function<std::string()>& val,
                            CleanerSetup* s) {
  CleanerOptions& o = s->options;
  for (const IntFlag& f : kIntFlags) {
    if (a != f.name) continue;
    auto n = ParseIntFlag(a, val(), f.lo, f.hi);
    if (!n.ok()) return n.status();
    (f.cleaner != nullptr ? o.*f.cleaner : o.classifier.*f.classifier) =
        static_cast<size_t>(n.value());
    return true;
  }
  if (a == "-p" || a == "--patterns") s->patterns.push_back(val());
  else if (a == "--text-field") o.text_field = val();
  else if (a == "--tail-fraction") {
    auto f = ParseFractionFlag(a, val(), 0, 1, /*lo_open=*/false);
    if (!f.ok()) return f.status();
    o.tail_fraction = f.value();
  } else if (a == "--classifier-stopwords") {
    auto f = ParseFractionFlag(a, val(), 0, 1, /*lo_open=*/false);
    if (!f.ok()) return f.status();
    o.classifier.min_stopword_share = f.value();
  } else if (a == "--no-dedup") s->dedup = 0;
  else if (a == "--dedup") s->dedup = 1;
  else if (a == "--no-classifier") s->classifier = 0;
  else if (a == "--classifier") s->classifier = 1;
  else if (a == "--no-title-headline") o.classifier.title_headline = false;
  else if (a == "--no-line-model") s->line_model = 0;
  else if (a == "--line-model") s->line_model = 1, s->line_model_path = val();
  else if (a == "--line-model-threshold") {
    const std::string v = val();
    char* end = nullptr;
    const double t = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end || !std::isfinite(t)) {
      return Status::RunError("--line-model-threshold: expected a number, got '" + v + "'");
    }
    o.classifier.line_model_threshold = t;
  }
  else if (a == "--site-profile") s->site_profile = val();
  else if (a == "--url-field") o.url_field = val();
  else if (a == "--psl") s->site.psl_file = val();
  else if (a == "--min-site-docs" || a == "--min-line-share" || a == "--min-line-docs") {
    return ApplySiteThreshold(a, val(), &s->site);
  } else return false;
  return true;
}

Result<std::unique_ptr<Cleaner>> BuildCleaner(CleanerSetup setup,
                                              std::vector<std::string>* rule_errors) {
  CleanerOptions options = std::move(setup.options);
  if (!setup.site_profile.empty()) {
    auto profile = SiteProfile::Load(setup.site_profile, setup.site);
    if (!profile.ok()) return profile.status();
    options.site_profile = std::move(profile.value());
  }
  std::vector<std::string> paths = std::move(setup.patterns);
  if (paths.empty()) paths.push_back(DefaultPatternsPath());
  // A bundled preset other than default reproduces another pipeline's line rules: our own
  // stages (classifier, dedup) stay off unless asked for.
  bool foreign_preset = false;
  for (std::string& p : paths) {
    bool preset = false;
    p = ResolvePatternsPath(p, &preset);
    foreign_preset |= preset && p != DefaultPatternsPath();
  }
  options.dedup = setup.dedup == -1 ? !foreign_preset : setup.dedup == 1;
  options.classifier.enabled = setup.classifier == -1 ? !foreign_preset : setup.classifier == 1;
  // The learned line model belongs to the default classifier: a foreign preset (C4's rules)
  // runs without it, even with --classifier, unless a model file is named.
  if (options.classifier.enabled &&
      (setup.line_model == 1 || (setup.line_model == -1 && !foreign_preset))) {
    auto model = LineModel::Load(setup.line_model_path.empty() ? LineModel::DefaultPath()
                                                               : setup.line_model_path);
    if (!model.ok()) {
      return Status::RunError(model.status().message() + " (--no-line-model runs without it)");
    }
    options.classifier.line_model = std::move(model.value());
  }

  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  LoadRules(paths, &rules, &errors);
  std::shared_ptr<const PatternSet> patterns;
  if (errors.empty()) {
    auto set = PatternSet::Compile(std::move(rules), &errors);
    if (set.ok() && errors.empty()) patterns = std::move(set.value());
  }
  if (patterns == nullptr) {
    for (const RuleError& e : errors) rule_errors->push_back(e.ToString());
    return Status::RunError(std::to_string(errors.size()) + " error" +
                            (errors.size() == 1 ? "" : "s") + " in rules");
  }
  return Cleaner::Create(std::move(options), std::move(patterns));
}

}  // namespace boilerstrip::cli
