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
#include "cli/clean_flags.h"
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
  INPUT (with --recursive) and the cleaning options are clean's: -p/--patterns, --text-field, --tail-fraction,
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

}  // namespace

int ReportMain(int argc, char** argv) {
  report::ReportOptions ro;
  CleanerSetup setup;
  std::vector<std::string> inputs;
  std::string html_path, json_path;
  bool quiet = false, recursive = false;
  std::vector<std::pair<std::string, std::string>> given;  // cleaning flags as given
  Args args(argc, argv, "opT", "report");
  while (args.Next()) {
    const std::string& a = args.flag();
    if (args.positional()) {
      inputs.push_back(a);
      continue;
    }
    bool took_value = false;
    auto val = [&]() {
      std::string v = args.Value();
      given.emplace_back(a, v);
      took_value = true;
      return v;
    };
    auto cleaning = ApplyCleanFlag(a, val, &setup);
    if (!cleaning.ok()) Die(cleaning.status().message());
    if (cleaning.value()) {
      if (!took_value) given.emplace_back(a, "");
      continue;
    }
    if (a == "-o" || a == "--output") html_path = args.Value();
    else if (a == "--json") json_path = args.Value();
    else if (a == "--sample") ro.sample = ParseInt(a, args.Value(), 0, report::kMaxSample);
    else if (a == "--seed") ro.seed = ParseInt(a, args.Value(), 0, (1L << 62));
    else if (a == "--max-docs") ro.max_docs = ParseInt(a, args.Value(), 1, (1L << 62));
    else if (a == "-T" || a == "--threads") ro.threads = ParseInt("-T", args.Value(), 0, 4096);
    else if (a == "-q" || a == "--quiet") quiet = true;
    else if (a == "-r" || a == "--recursive") recursive = true;
    else if (a == "--max-record-size") ro.max_record_bytes = ParseSizeOrDie(a, args.Value());
    else if (a == "--batch-size") ro.batch_bytes = ParseSizeOrDie(a, args.Value());
    else if (a == "-h" || a == "--help") {
      std::fputs(kReportUsage, stdout);
      return kExitOk;
    } else Die("report: unknown option '" + a + "'");
  }
  if (inputs.empty()) Die("report: no input given");
  if (html_path.empty()) Die("report: no output given (-o REPORT.html, or -o - for stdout)");

  auto shards = io::ListShards(inputs, 0, 1, recursive);
  if (!shards.ok()) Die(shards.status().message());
  if (shards.value().empty()) Die("report: the inputs hold no shard");
  ro.shards = std::move(shards.value());

  const std::vector<std::string> pattern_args = setup.patterns;
  const std::string psl_file = setup.site.psl_file;
  std::vector<std::string> rule_errors;
  auto built_cleaner = BuildCleaner(std::move(setup), &rule_errors);
  if (!built_cleaner.ok()) {
    for (const auto& e : rule_errors) std::fprintf(stderr, "%s\n", e.c_str());
    if (rule_errors.empty()) Die(built_cleaner.status().message());
    std::fprintf(stderr, "boilerstrip: %s\n", built_cleaner.status().message().c_str());
    return kExitUsage;
  }
  const Cleaner& cleaner = *built_cleaner.value();
  ro.url_field = cleaner.options().url_field;
  if (cleaner.options().site_profile == nullptr && !ro.url_field.empty()) {
    auto namer = SiteNamer::Create(psl_file);
    if (!namer.ok()) Die(namer.status().message());
    ro.namer = std::move(namer.value());
  }

  // What made the figures, shown in the report so that two reports can be compared.
  for (const std::string& p : pattern_args) ro.settings.emplace_back("-p", p);
  if (pattern_args.empty()) ro.settings.emplace_back("-p", "(the bundled default)");
  ro.settings.emplace_back("classifier", cleaner.options().classifier.enabled ? "on" : "off");
  ro.settings.emplace_back("dedup", cleaner.options().dedup ? "on" : "off");
  for (auto& g : given) {
    if (g.first != "-p" && g.first != "--patterns") ro.settings.push_back(std::move(g));
  }

  InstallSignalHandlers();
  auto built = report::BuildReport(ro, cleaner);
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
