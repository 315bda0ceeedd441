// `boilerstrip report`: flags → options → BuildReport → HTML (and JSON) → exit code.
#include "cli/report_command.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/pattern_set.h"
#include "boilerstrip/pipeline.h"
#include "boilerstrip/rules.h"
#include "cli/flags.h"
#include "cli/site_commands.h"
#include "io/atomic_file.h"
#include "io/shard_list.h"
#include "report/report.h"

namespace boilerstrip::cli {

const char kReportUsage[] = R"(usage: boilerstrip report [OPTIONS] INPUT... -o REPORT.html

Cleans the inputs as clean would, writes no shard, and writes one self-contained HTML page
(inline CSS and SVG, no script, nothing loaded from anywhere) showing what was removed and
why: totals and the options used (rule files with their hashes), removed characters and lines
by reason, the share of each document removed (with the documents that lost over 80%), the
sites that lost most, the lines each reason removed most often and a few it removed once,
and sampled documents line by line, removed lines struck through with their reason.

  -o, --output FILE       the HTML report (- = standard output)
      --json FILE         also write the same figures as JSON
      --sample N          documents shown line by line, chosen by --seed (default 50,
                          at most 1000)
      --seed N            sample seed (default 0); the same seed, the same documents
      --max-docs N        stop after N records (default: all)
  -T, --threads N         worker threads, 0 = all cores (default 0)
  -q, --quiet             no summary
  INPUT and the cleaning options are clean's: -p/--patterns, --text-field, --tail-fraction,
  --truncate-after-prose, --min-dup-length, --[no-]dedup, --[no-]classifier,
  --classifier-*, --no-title-headline, --site-profile, --url-field, --psl, the site
  thresholds, --max-record-size, --batch-size (see boilerstrip --help).

exit status: 0 report written; 1 usage, rule or run error, or the report could not be
written; 2 report written but some shard failed (named in the report and on stderr);
130 interrupted (nothing written).
)";

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitShardFailed = 2;
constexpr int kExitInterrupted = 130;

double ParseFraction(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end || !(x >= 0) || x > 1) {
    Die(flag + ": expected a number in [0, 1], got '" + v + "'");
  }
  return x;
}

}  // namespace

int ReportMain(int argc, char** argv) {
  report::ReportOptions ro;
  CleanerOptions clean;
  std::vector<std::string> inputs, pattern_paths;
  std::string html_path, json_path;
  CleanSiteFlags site;
  int classifier_flag = -1, dedup_flag = -1;
  bool quiet = false;
  std::vector<std::pair<std::string, std::string>> given;  // cleaning flags as given
  Args args(argc, argv, "opT", "report");
  while (args.Next()) {
    const std::string& a = args.flag();
    auto val = [&]() {
      std::string v = args.Value();
      given.emplace_back(a, v);
      return v;
    };
    auto flag = [&]() { given.emplace_back(a, ""); };
    if (args.positional()) inputs.push_back(a);
    else if (a == "-o" || a == "--output") html_path = args.Value();
    else if (a == "--json") json_path = args.Value();
    else if (a == "--sample") ro.sample = ParseInt(a, args.Value(), 0, report::kMaxSample);
    else if (a == "--seed") ro.seed = ParseInt(a, args.Value(), 0, (1L << 62));
    else if (a == "--max-docs") ro.max_docs = ParseInt(a, args.Value(), 1, (1L << 62));
    else if (a == "-T" || a == "--threads") ro.threads = ParseInt("-T", args.Value(), 0, 4096);
    else if (a == "-q" || a == "--quiet") quiet = true;
    else if (a == "-p" || a == "--patterns") pattern_paths.push_back(args.Value());
    else if (a == "--text-field") clean.text_field = val();
    else if (a == "--max-record-size") ro.max_record_bytes = ParseSizeOrDie(a, val());
    else if (a == "--batch-size") ro.batch_bytes = ParseSizeOrDie(a, val());
    else if (a == "--tail-fraction") clean.tail_fraction = ParseFraction(a, val());
    else if (a == "--truncate-after-prose") clean.truncate_after_prose_bytes = ParseInt(a, val(), 0, 1L << 40);
    else if (a == "--min-dup-length") clean.min_dedup_bytes = ParseInt(a, val(), 0, 1 << 30);
    else if (a == "--no-dedup") dedup_flag = 0;
    else if (a == "--dedup") dedup_flag = 1;
    else if (a == "--no-classifier") classifier_flag = 0;
    else if (a == "--classifier") classifier_flag = 1;
    else if (a == "--classifier-short") clean.classifier.short_chars = ParseInt(a, val(), 0, 1 << 20);
    else if (a == "--classifier-long") clean.classifier.long_chars = ParseInt(a, val(), 0, 1 << 20);
    else if (a == "--classifier-run") clean.classifier.max_inner_run = ParseInt(a, val(), 0, 1 << 20);
    else if (a == "--classifier-top-run") clean.classifier.max_top_run = ParseInt(a, val(), 0, 1 << 20);
    else if (a == "--classifier-headlines") clean.classifier.max_headline_lines = ParseInt(a, val(), 0, 1 << 20);
    else if (a == "--classifier-block") clean.classifier.min_block_bytes = ParseInt(a, val(), 0, 1 << 30);
    else if (a == "--classifier-block-gap") clean.classifier.max_block_gap = ParseInt(a, val(), 0, 1 << 20);
    else if (a == "--no-title-headline") flag(), clean.classifier.title_headline = false;
    else if (a == "--classifier-comments") clean.classifier.min_comment_meta = ParseInt(a, val(), 0, 1 << 20);
    else if (a == "--classifier-comments-after") clean.classifier.comment_prose_bytes = ParseInt(a, val(), 0, 1 << 30);
    else if (a == "--classifier-comments-gap") clean.classifier.comment_meta_gap = ParseInt(a, val(), 1, 1 << 20);
    else if (a == "--classifier-stopwords") clean.classifier.min_stopword_share = ParseFraction(a, val());
    else if (ParseCleanSiteFlag(a, val, &site)) continue;
    else if (a == "-h" || a == "--help") {
      std::fputs(kReportUsage, stdout);
      return kExitOk;
    } else Die("report: unknown option '" + a + "'");
  }
  if (inputs.empty()) Die("report: no input given");
  if (html_path.empty()) Die("report: no output given (-o REPORT.html, or -o - for stdout)");

  auto shards = io::ListShards(inputs, 0, 1);
  if (!shards.ok()) Die(shards.status().message());
  if (shards.value().empty()) Die("report: the inputs hold no shard");
  ro.shards = std::move(shards.value());

  if (pattern_paths.empty()) pattern_paths.push_back(DefaultPatternsPath());
  bool foreign_preset = false;
  for (std::string& p : pattern_paths) {
    bool preset = false;
    p = ResolvePatternsPath(p, &preset);
    foreign_preset |= preset && p != DefaultPatternsPath();
  }
  clean.dedup = dedup_flag == -1 ? !foreign_preset : dedup_flag == 1;
  clean.classifier.enabled = classifier_flag == -1 ? !foreign_preset : classifier_flag == 1;
  if (!site.profile_path.empty()) {
    auto profile = SiteProfile::Load(site.profile_path, site.options);
    if (!profile.ok()) Die(profile.status().message());
    clean.site_profile = std::move(profile.value());
    clean.url_field = site.url_field;
  } else if (!site.url_field.empty()) {
    auto namer = SiteNamer::Create(site.options.psl_file);
    if (!namer.ok()) Die(namer.status().message());
    ro.namer = std::move(namer.value());
  }
  ro.url_field = site.url_field;

  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  LoadRules(pattern_paths, &rules, &errors);
  std::shared_ptr<const PatternSet> patterns;
  if (errors.empty()) {
    auto set = PatternSet::Compile(std::move(rules), &errors);
    if (set.ok() && errors.empty()) patterns = std::move(set.value());
  }
  if (patterns == nullptr) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
    std::fprintf(stderr, "boilerstrip: %zu error%s in rules\n", errors.size(),
                 errors.size() == 1 ? "" : "s");
    return kExitUsage;
  }
  auto cleaner = Cleaner::Create(clean, patterns);
  if (!cleaner.ok()) Die(cleaner.status().message());

  // What made the figures, shown in the report so that two reports can be compared.
  for (const std::string& p : pattern_paths) ro.settings.emplace_back("-p", p);
  ro.settings.emplace_back("classifier", clean.classifier.enabled ? "on" : "off");
  ro.settings.emplace_back("dedup", clean.dedup ? "on" : "off");
  for (auto& g : given) ro.settings.push_back(std::move(g));

  InstallSignalHandlers();
  auto built = report::BuildReport(ro, *cleaner.value());
  if (!built.ok()) {
    std::fprintf(stderr, "boilerstrip: %s\n", built.status().message().c_str());
    return kExitUsage;
  }
  const report::Report& r = built.value();
  if (r.interrupted || InterruptRequested()) {
    std::fprintf(stderr, "boilerstrip: interrupted; no report written\n");
    return kExitInterrupted;
  }
  for (const auto& s : r.shards) {
    if (s.failed) std::fprintf(stderr, "boilerstrip: %s: %s\n", s.path.c_str(), s.error.c_str());
  }
  const std::string html = report::RenderHtml(r);
  if (Status st = io::WriteFileAtomically(html_path, html); !st.ok()) {
    std::fprintf(stderr, "boilerstrip: %s: cannot write the report: %s\n", html_path.c_str(),
                 st.message().c_str());
    return kExitUsage;
  }
  if (!json_path.empty()) {
    if (Status st = io::WriteFileAtomically(json_path, report::RenderJson(r)); !st.ok()) {
      std::fprintf(stderr, "boilerstrip: %s: cannot write the JSON: %s\n", json_path.c_str(),
                   st.message().c_str());
      return kExitUsage;
    }
  }
  if (!quiet) {
    const Stats& t = r.totals;
    std::fprintf(stderr,
                 "boilerstrip: report of %llu records from %zu shard%s written to %s (%.1f MB)\n"
                 "  lines: %llu of %llu removed (%.1f%%), by %zu reason%s; %zu documents sampled\n",
                 static_cast<unsigned long long>(t.records_in), r.shards.size(),
                 r.shards.size() == 1 ? "" : "s", html_path.c_str(), html.size() / 1e6,
                 static_cast<unsigned long long>(t.lines_removed),
                 static_cast<unsigned long long>(t.lines_in),
                 t.lines_in ? 100.0 * t.lines_removed / t.lines_in : 0.0, r.reasons.size(),
                 r.reasons.size() == 1 ? "" : "s", r.samples.size());
  }
  return r.any_failed() ? kExitShardFailed : kExitOk;
}

}  // namespace boilerstrip::cli
