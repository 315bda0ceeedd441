// boilerstrip: flags → options → library call → summary and exit code. No filtering logic here.
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "boilerstrip/annotate.h"
#include "boilerstrip/cleaner.h"
#include "boilerstrip/pattern_set.h"
#include "boilerstrip/pipeline.h"
#include "boilerstrip/rule_check.h"
#include "boilerstrip/rules.h"
#include "cli/clean_flags.h"
#include "cli/flags.h"
#include "cli/gen_command.h"
#include "cli/report_command.h"
#include "cli/site_commands.h"
#include "cli/summary.h"

#ifndef BOILERSTRIP_VERSION
#define BOILERSTRIP_VERSION "0.1.0"
#endif

namespace bs = boilerstrip;
using boilerstrip::cli::Die;
using boilerstrip::cli::ParseInt;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitShardFailed = 2;
constexpr int kExitInterrupted = 130;

// `boilerstrip --help`: the commands, then each command's own help.
const char kOverview[] = R"(boilerstrip )" BOILERSTRIP_VERSION R"( — strip boilerplate lines from web-crawl JSONL shards

usage:
  boilerstrip clean [OPTIONS] INPUT... -o OUTDIR
  boilerstrip annotate [OPTIONS] INPUT... -o ATTRDIR   (Dolma attributes; see below)
  boilerstrip check [-v] PATH...      (see boilerstrip check --help)
  boilerstrip profile | merge | inspect ...   (site profiles; see below)
  boilerstrip gen [--size 1G] [--seed N] [--sites N] [--truth FILE] [-o FILE]  (sample shard)
  boilerstrip report [OPTIONS] INPUT... -o REPORT.html   (what clean removes, and why; see
                          boilerstrip report --help)
  boilerstrip --help | --version
  boilerstrip COMMAND --help                  (that command's options)

)";
const char kCleanUsage[] = R"(usage: boilerstrip clean [OPTIONS] INPUT... -o OUTDIR

clean: each INPUT is a JSONL shard, plain, zstd- or gzip-compressed (told by its first bytes,
not its name), a directory (its *.jsonl and *.json files, also with .zst or .gz; its
subdirectories only with --recursive) or - (standard input). Each shard is written to
OUTDIR/<its file name> (with --recursive, OUTDIR/<its path below the directory given>), in
its input's format (the name's .zst or .gz made to match), through a temporary file renamed
when complete, with a manifest of what made it beside it (.NAME.done.json). Standard input
is named stdin.jsonl (OUTDIR/stdin.jsonl, its quarantine stdin.quarantine.jsonl), and treated
like any input. A re-run resumes: a shard whose output and manifest match the run is skipped
(its stats counted); one made differently (other rules, options, tool version or input size,
or no manifest) is an error naming the difference, unless -f or --resume=redo-changed.

  -o, --output OUTDIR     output directory (created if missing); - = standard output
  -r, --recursive         walk the subdirectories of directory inputs (not symlinks to
                          directories) and mirror the tree under OUTDIR (and the
                          quarantine directory)
  -p, --patterns PATH     a rule file or a directory of *.rules files; repeatable
                          (default: the built-in preset default). A NAME that is no
                          existing path names a preset built into the binary (copies
                          of patterns/NAME): default, or c4 (C4's line filter; turns
                          the classifier and dedup off unless --classifier or --dedup
                          is given)
  -T, --threads N         worker threads, 0 = all cores (default 0)
      --text-field PATH   the JSON field holding the text, dotted for nested objects
                          (content.body; default: text)
      --stats FILE        write run statistics as JSON (per shard and in total); - =
                          standard output (not with -o -)
      --on-bad-record M   quarantine (default): bad records go, with the reason, to
                          OUTDIR/<shard>.quarantine.jsonl[.zst|.gz];
                          pass: written to the output unchanged; fail: the shard fails
      --quarantine-dir D  where quarantine files go (default: OUTDIR, or the current
                          directory with -o -, which the summary names)
      --output-format F   zst, gz or plain: every output (and quarantine file) in that
                          format, named with its extension (default: each input's own
                          format; plain with -o -)
      --level N           zstd level of zstd outputs, 1-19 (default 3)
      --gzip-level N      ISA-L level of gzip outputs, 0-3 (default 1, the fast one)
      --max-record-size B records longer than B bytes are bad (default 256M; K/M/G suffixes)
      --batch-size B      uncompressed bytes per batch (default 4M)
      --tail-fraction F   truncate rules cut the rest only from the last F of the text
                          (default 0.333)
      --truncate-after-prose B  truncate rules also cut outside the tail after B bytes
                          of long (prose) lines; 0 = off (default 5000)
      --cut-after-prose B cut rules cut the rest wherever they match, once B bytes of
                          long (prose) lines stand before; else they drop the line;
                          0 = no guard (default 1000)
      --min-dup-length N  normalized lines shorter than N bytes are never duplicates
                          (default 16)
      --no-dedup          keep repeated lines
      --dedup             remove repeated lines even with a preset that turns it off
      --no-classifier     no structural line classifier (on by default)
      --classifier        run the classifier even with a preset that turns it off
      --classifier-short N      lines under N characters are short: context decides
                                (default 50)
      --classifier-long N       prose lines of N characters or more anchor context
                                (default 100)
      --classifier-stopwords F  a line is prose when F of its words are stopwords
                                (default 0.25)
      --classifier-run N        runs of up to N short lines between prose stay (default 6)
      --classifier-top-run N    up to N short lines before the first prose line stay
                                (default 2)
      --classifier-headlines N  more than N headline-like lines together between prose
                                are a link list and go; 0 = off (default 2)
      --classifier-block B      prose lines within --classifier-block-gap lines of each
                                other form a block; every block but the largest needs
                                B bytes of prose, else it is chrome; 0 = off (default 400)
      --classifier-block-gap N  (default 12)
      --no-title-headline       do not keep the line that repeats the page title (the
                                document's first line, or its longer part before or after
                                a separator) as the article's headline (kept by default)
      --classifier-comments N   after --classifier-comments-after B bytes of prose, N or
                                more comment metadata lines ("Jane on May 5 at 4:12 pm",
                                "3 hours ago", "Jane says:"), each within
                                --classifier-comments-gap G lines of the next, start a
                                comment section: it goes to the end; 0 = off (default 0;
                                B 2000, G 12)
      --classifier-comments-after B
      --classifier-comments-gap G
      --no-line-model     the classifier without its learned line model (patterns/line-model,
                          which otherwise re-decides the lines no rule touched; not used
                          with a preset such as c4 unless --line-model is given)
      --line-model FILE   use this line model file (scripts/train-line-model.py)
      --line-model-threshold F  a line is chrome when the model's score exceeds F (default:
                                the model file's threshold)
  -f, --force             redo every shard, even those already done
      --resume MODE       check (default): an existing output made differently from
                          this run is an error; redo-changed: redo those, skip the rest
      --site-profile P    drop lines their site repeats on many pages (reason
                          site-repeated); P from profile and merge (docs/cluster.md)
      --url-field PATH    field of the URL, dotted for nested objects (default: url)
      --psl FILE          Public Suffix List (default: the system's newest)
      --min-site-docs N   sites with fewer documents are never touched (default 5)
      --min-line-share F  a line on >= F of its site's documents goes (default 0.5)
      --min-line-docs N   ... or on >= N of them; 0 = off (default 100)
      --rank R            process inputs R, R+W, R+2W, ... of the sorted list
      --world-size W      (defaults in a Slurm array task: R = (SLURM_ARRAY_TASK_ID -
                          SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP, W =
                          SLURM_ARRAY_TASK_COUNT, for any Slurm array A-B[:S]; else 0 and 1)
  -q, --quiet             no summary; errors only
  -v, --verbose           a line per shard (also per shard already done)
      --progress          status line on stderr: shards, share of the input read, MB
                          read uncompressed and MB/s (default: on when stderr is a terminal)
      --no-progress

exit status: 0 all shards done (or skipped); 1 usage, rule or run-fatal error (nothing
written), or the --stats file could not be written; 2 the run finished but some shard failed;
130 interrupted (temporaries removed).
)";

// annotate takes clean's options.
const char kAnnotateUsage[] = R"(usage: boilerstrip annotate [OPTIONS] INPUT... -o ATTRDIR

annotate: what clean would remove, as Dolma attributes. Takes clean's inputs and options; each
shard gives ATTRDIR/<its file name> (same format), one row per record in the same order:
{"id": ..., "source": ..., "attributes": {"P__removed": [[start, end, 1.0], ...],
"P__<reason>": [...], ...}}, offsets in code points of the text; deleting the P__removed spans
gives clean's text. A drop-doc document gets [0, length, 1.0] under P__drop_doc; a bad record
is quarantined as by clean and still gets its row, with empty attributes.
      --attribute-prefix P  attribute name prefix (default: boilerstrip__boilerstrip)


and every option of clean (boilerstrip clean --help).
)";


// Builds the cleaner the cleaning flags describe, printing every rule error. Exits 1 on failure.
std::unique_ptr<bs::Cleaner> BuildCleanerOrExit(bs::cli::CleanerSetup setup) {
  std::vector<std::string> rule_errors;
  auto cleaner = bs::cli::BuildCleaner(std::move(setup), &rule_errors);
  if (cleaner.ok()) return std::move(cleaner.value());
  if (rule_errors.empty()) Die(cleaner.status().message());
  for (const auto& e : rule_errors) std::fprintf(stderr, "%s\n", e.c_str());
  std::fprintf(stderr, "boilerstrip: %s\n", cleaner.status().message().c_str());
  std::exit(kExitUsage);
}

const char kCheckUsage[] = R"(usage: boilerstrip check [OPTIONS] PATH...

Reads rule files, directories of *.rules files or built-in presets (each PATH as -p of clean
takes it: an existing path, else a preset name such as default or c4), compiles every rule,
runs each rule's match:/nomatch: examples, and reports every problem at once, in file and line
order, as FILE:LINE: rule NAME: message. Exit status 0 when there is none, else 1.

  -v, --verbose   also list each file read, with its rules and examples
  -q, --quiet     no summary line
  -h, --help      this help
)";

int Check(int argc, char** argv) {
  std::vector<std::string> paths;
  int verbosity = 1;
  bs::cli::Args args(argc, argv, "", "check");
  while (args.Next()) {
    const std::string& a = args.flag();
    if (args.positional()) paths.push_back(bs::ResolvePatternsPath(a, nullptr));
    else if (a == "-v" || a == "--verbose") verbosity = 2;
    else if (a == "-q" || a == "--quiet") verbosity = 0;
    else if (a == "-h" || a == "--help") {
      std::fputs(kCheckUsage, stdout);
      return kExitOk;
    } else args.Fail("unknown option '" + a + "'");
  }
  if (paths.empty()) args.Fail("no rule file given");
  bs::RuleCheckReport report = bs::CheckRules(paths);
  if (verbosity > 1) {
    std::vector<std::pair<std::string, std::pair<size_t, size_t>>> files;  // rules, examples
    for (const bs::Rule& r : report.rules) {
      if (files.empty() || files.back().first != r.file) files.push_back({r.file, {0, 0}});
      files.back().second.first += 1;
      files.back().second.second += r.examples.size();
    }
    for (const auto& [file, n] : files) {
      std::fprintf(stderr, "boilerstrip: %s: %zu rules, %zu examples\n", file.c_str(), n.first,
                   n.second);
    }
  }
  for (const auto& e : report.errors) std::printf("%s\n", e.ToString().c_str());
  const size_t n = report.errors.size();
  if (n > 0) {
    if (verbosity > 0) std::fprintf(stderr, "boilerstrip: %zu error%s\n", n, n == 1 ? "" : "s");
    return kExitUsage;
  }
  if (verbosity > 0) {
    std::fprintf(stderr, "boilerstrip: %zu rules and %zu examples OK\n", report.rules.size(),
                 report.examples);
  }
  return kExitOk;
}

// clean, and annotate (`annotate`: attribute rows instead of cleaned records).
int Clean(int argc, char** argv, bool annotate) {
  bs::RunOptions run;
  bs::cli::CleanerSetup setup;
  std::string attribute_prefix = "boilerstrip__boilerstrip";
  const char* command = annotate ? "annotate" : "clean";
  std::string stats_path;
  int progress = -1;  // -1: auto (TTY)
  std::optional<long> rank, world;  // --rank, --world-size when given
  bs::cli::Args args(argc, argv, "opT");
  auto val = [&]() { return args.Value(); };
  while (args.Next()) {
    const std::string& a = args.flag();
    if (args.positional()) {
      run.inputs.push_back(a);
      continue;
    }
    auto cleaning = bs::cli::ApplyCleanFlag(a, val, &setup);
    if (!cleaning.ok()) Die(cleaning.status().message());
    if (cleaning.value()) continue;
    if (a == "-o" || a == "--output") run.output_dir = val();
    else if (annotate && a == "--attribute-prefix") {
      attribute_prefix = val();
      if (attribute_prefix.empty()) Die("--attribute-prefix: empty");
    }
    else if (a == "-T" || a == "--threads") run.threads = ParseInt("-T", val(), 0, 4096);
    else if (a == "--stats") stats_path = val();
    else if (a == "--quarantine-dir") run.quarantine_dir = val();
    else if (a == "--on-bad-record") {
      std::string m = val();
      if (m == "quarantine") run.on_bad_record = bs::BadRecordMode::kQuarantine;
      else if (m == "pass") run.on_bad_record = bs::BadRecordMode::kPass;
      else if (m == "fail") run.on_bad_record = bs::BadRecordMode::kFail;
      else Die("--on-bad-record: expected quarantine, pass or fail, got '" + m + "'");
    } else if (a == "--level") run.zstd_level = static_cast<int>(ParseInt(a, val(), 1, 19));
    else if (a == "--gzip-level") run.gzip_level = static_cast<int>(ParseInt(a, val(), 0, 3));
    else if (a == "--output-format") {
      std::string f = val();
      if (f == "zst" || f == "zstd") run.output_format = bs::OutputFormat::kZstd;
      else if (f == "gz" || f == "gzip") run.output_format = bs::OutputFormat::kGzip;
      else if (f == "plain") run.output_format = bs::OutputFormat::kPlain;
      else Die("--output-format: expected zst, gz or plain, got '" + f + "'");
    }
    else if (a == "--max-record-size" || a == "--batch-size") {
      (a == "--batch-size" ? run.batch_bytes : run.max_record_bytes) =
          boilerstrip::cli::ParseSizeOrDie(a, val());
    }
    else if (a == "-f" || a == "--force") run.force = true;
    else if (a == "-r" || a == "--recursive") run.recursive = true;
    else if (a == "--rank") rank = ParseInt(a, val(), 0, 1 << 30);
    else if (a == "--world-size") world = ParseInt(a, val(), 1, 1 << 30);
    else if (a == "-q" || a == "--quiet") run.verbosity = 0;
    else if (a == "-v" || a == "--verbose") run.verbosity = 2;
    else if (a == "--progress") progress = 1;
    else if (a == "--no-progress") progress = 0;
    else if (a == "--resume") {
      std::string m = val();
      if (m == "redo-changed") run.redo_changed = true;
      else if (m == "check") run.redo_changed = false;
      else Die("--resume: expected check or redo-changed, got '" + m + "'");
    }
    else if (a == "-h" || a == "--help") {
      std::fputs(annotate ? kAnnotateUsage : kCleanUsage, stdout);
      return kExitOk;
    } else Die("unknown option '" + a + "'");
  }
  if (run.inputs.empty()) Die(std::string(command) + ": no input given");
  if (run.output_dir.empty()) {
    Die(std::string(command) + ": no output directory given (-o OUTDIR, or -o - for stdout)");
  }
  if (run.output_dir == "-" && stats_path == "-") {
    Die("--stats - and -o - would both write to standard output: give --stats a file");
  }
  const bool site_profile = !setup.site_profile.empty();
  auto share = bs::cli::RankFromEnv(rank, world);
  if (!share.ok()) Die(share.status().message());
  run.rank = share.value().rank;
  run.world_size = share.value().world;
  run.progress = progress == 1 || (progress == -1 && run.verbosity > 0 && isatty(STDERR_FILENO));

  std::unique_ptr<bs::Cleaner> cleaner = BuildCleanerOrExit(std::move(setup));
  std::vector<std::string> names;
  for (const auto& r : cleaner->patterns().rules()) names.push_back(r.name);

  std::unique_ptr<bs::AttributeRows> rows;
  if (annotate) {
    rows = std::make_unique<bs::AttributeRows>(*cleaner, attribute_prefix);
    run.rows = rows.get();
  }
  bs::InstallSignalHandlers();
  auto report = bs::RunClean(run, *cleaner);
  if (!report.ok()) {
    std::fprintf(stderr, "boilerstrip: %s\n", report.status().message().c_str());
    return kExitUsage;
  }
  const bs::RunReport& r = report.value();
  const bool stats_written =
      stats_path.empty() || bs::cli::WriteFileOrFail(stats_path, bs::RunReportToJson(r, names));
  bs::cli::SummaryContext summary;
  summary.rule_names = names;
  summary.site_profile = site_profile;
  summary.quarantine_dir = !run.quarantine_dir.empty() ? run.quarantine_dir
                           : run.output_dir == "-"     ? "./ (the current directory; --quarantine-dir moves it)"
                                                       : "";
  if (run.verbosity > 0 && !r.interrupted && !r.broken_pipe) bs::cli::PrintSummary(r, summary);
  if (site_profile && !r.interrupted && !r.broken_pipe) bs::cli::WarnSiteMismatch(r);
  if (r.interrupted) {
    std::fprintf(stderr, "boilerstrip: interrupted; temporary files removed\n");
    return kExitInterrupted;
  }
  // A run whose stats are lost is not complete: a summary over many tasks would miss it.
  if (!stats_written) return kExitUsage;
  return r.any_failed() ? kExitShardFailed : kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kOverview, stderr);
    return kExitUsage;
  }
  std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::fputs(kOverview, stdout);
    std::fputs(kCleanUsage, stdout);
    std::fputs("\n", stdout);
    std::fputs(kAnnotateUsage, stdout);
    std::fputs("\n", stdout);
    std::fputs(kCheckUsage, stdout);
    std::fputs(bs::cli::kSiteUsage, stdout);
    return kExitOk;
  }
  if (cmd == "--version" || cmd == "-V") {
    std::printf("boilerstrip %s\n", BOILERSTRIP_VERSION);
    return kExitOk;
  }
  if (cmd == "clean") return Clean(argc - 2, argv + 2, /*annotate=*/false);
  if (cmd == "annotate") return Clean(argc - 2, argv + 2, /*annotate=*/true);
  if (cmd == "gen") return bs::GenCommand(argc - 2, argv + 2);
  if (cmd == "report") return bs::cli::ReportMain(argc - 2, argv + 2);
  if (cmd == "profile") return bs::cli::ProfileMain(argc - 2, argv + 2);
  if (cmd == "merge") return bs::cli::MergeMain(argc - 2, argv + 2);
  if (cmd == "inspect") return bs::cli::InspectMain(argc - 2, argv + 2);
  if (cmd == "check") return Check(argc - 2, argv + 2);
  Die("unknown command '" + cmd + "'");
}
