// boilerstrip profile | merge | inspect: flags → options → library call → summary, exit code.
#include "cli/site_commands.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>


#include <unordered_map>

#include "boilerstrip/pipeline.h"
#include "boilerstrip/text.h"
#include "cli/clean_flags.h"
#include "cli/flags.h"
#include "cli/summary.h"

namespace boilerstrip::cli {

const char kSiteUsage[] = R"(
site profiles (lines a site repeats on many of its pages; docs/cluster.md):
  boilerstrip profile [OPTIONS] INPUT... -o PROFILE
      count, per site (registrable domain of the URL), the documents holding each line
      -o, --output FILE       the profile to write (an existing one is kept unless -f)
      -T, --threads N         worker threads, 0 = all cores (default 0)
      --text-field NAME       (default: text)
      --url-field PATH        field of the URL, dotted for nested objects (default: url)
      --psl FILE              Public Suffix List (default: the newest of system and built-in)
      --memory B              counting memory before spilling sorted runs (default 1G)
      --max-record-size B     longer records are skipped and counted (default 256M)
      --stats FILE            write the counters as JSON
      --rank R --world-size W take inputs R, R+W, ... (defaults from SLURM_ARRAY_TASK_*)
      -f, --force, -q, -v
  boilerstrip merge [--final [THRESHOLDS]] [-f] [-q] PROFILE... -o PROFILE
      add the counts of many profiles (any grouping gives the same bytes); --final drops
      sites and lines that cannot pass THRESHOLDS (the result cannot be merged again);
      an existing output is kept unless -f
  boilerstrip inspect PROFILE [--site DOMAIN] [--top N] [--text SHARD]...
      header, totals, the biggest sites; with --site, its most repeated lines (hash, docs,
      and with --text, the text of each as first found in those shards' pages of the site;
      --url-field, --text-field and --psl as for profile)
  clean --site-profile PROFILE [--url-field PATH] [--psl FILE] [THRESHOLDS]
      drop lines their site repeats (keep rules still protect); reason site-repeated
  THRESHOLDS: --min-site-docs N (default 5) --min-line-share F (default 0.5)
              --min-line-docs N (default 100, 0 = off): a line is dropped when its site has
              >= N docs and the line is in >= F of them or in >= min-line-docs of them
)";

namespace {

const char kProfileUsage[] = R"(usage: boilerstrip profile [OPTIONS] INPUT... -o PROFILE

Counts, per site (registrable domain of the URL, by the Public Suffix List), the documents
holding each normalized line: the map step of site profiles (docs/cluster.md). Reserved names
(.example, .test, localhost) and IP addresses are no site; a profile of 0 sites is an error
(exit 2).

  -o, --output FILE       the profile to write (an existing one is kept unless -f)
  -T, --threads N         worker threads, 0 = all cores (default 0)
      --text-field PATH   the JSON field holding the text, dotted for nested objects
                          (default: text)
      --url-field PATH    field of the URL, dotted for nested objects (default: url)
      --psl FILE          Public Suffix List (default: the newest of system and built-in)
      --memory B          counting memory before spilling sorted runs (default 1G)
      --max-record-size B longer records are skipped and counted (default 256M)
      --stats FILE        write the counters as JSON
      --rank R            take inputs R, R+W, ... of the sorted list
      --world-size W      (defaults from SLURM_ARRAY_TASK_*)
  -f, --force             replace an existing profile
  -q, --quiet             no summary
  -v, --verbose

exit status: 0 written (or kept); 1 usage error; 2 a shard could not be read, or 0 sites.
)";

const char kMergeUsage[] = R"(usage: boilerstrip merge [OPTIONS] PROFILE... -o PROFILE

Adds the counts of many profiles: the reduce step (any grouping gives the same bytes).

  -o, --output FILE       the merged profile to write
      --final             drop the sites and lines that cannot pass the thresholds below
                          (smaller; the result cannot be merged again)
      --min-site-docs N   sites with fewer documents are never touched (default 5)
      --min-line-share F  a line on >= F of its site's documents goes (default 0.5)
      --min-line-docs N   ... or on >= N of them; 0 = off (default 100)
  -f, --force             replace an existing output (else it is kept, and merge says so)
  -q, --quiet             no summary
)";

const char kInspectUsage[] = R"(usage: boilerstrip inspect PROFILE [OPTIONS]

Prints a profile's header, totals and biggest sites; with --site, that site's most repeated
lines (hash and documents), and with --text, the text of each as first found in those shards'
pages of the site.

      --site DOMAIN       the site to show (a registrable domain: example.co.uk)
      --top N             how many sites or lines (default 20)
      --text SHARD        shards to find the lines' text in (needs --site); repeatable
      --url-field PATH    field of the URL in those shards (default: url)
      --text-field PATH   field of the text in those shards (default: text)
      --psl FILE          Public Suffix List (default: the system's newest)
)";

constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitFailed = 2;

size_t ParseBytes(const std::string& flag, const std::string& s) {
  return static_cast<size_t>(ParseSizeOrDie(flag, s));
}

std::string InfoJson(const ProfileInfo& i) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"version\": %u, \"final\": %s, \"sites\": %llu, \"entries\": %llu, "
                "\"docs\": %llu, \"bytes\": %llu}",
                i.version, i.final ? "true" : "false", (unsigned long long)i.sites,
                (unsigned long long)i.entries, (unsigned long long)i.docs,
                (unsigned long long)i.file_bytes);
  return buf;
}

}  // namespace

bool ParseSiteThreshold(const std::string& flag, const std::string& value, SiteOptions* options) {
  auto applied = ApplySiteThreshold(flag, value, options);
  if (!applied.ok()) Die(applied.status().message());
  return applied.value();
}

int ProfileMain(int argc, char** argv) {
  ProfileOptions o;
  std::string stats_path;
  std::optional<long> rank, world;  // --rank, --world-size when given
  Args args(argc, argv, "oT");
  while (args.Next()) {
    const std::string& a = args.flag();
    if (args.positional()) o.inputs.push_back(a);
    else if (a == "-o" || a == "--output") o.output = args.Value();
    else if (a == "-T" || a == "--threads") o.threads = static_cast<int>(ParseInt("-T", args.Value(), 0, 4096));
    else if (a == "--text-field") o.text_field = args.Value();
    else if (a == "--url-field") o.url_field = args.Value();
    else if (a == "--psl") o.psl_file = args.Value();
    else if (a == "--memory") o.memory_bytes = ParseBytes(a, args.Value());
    else if (a == "--max-record-size") o.max_record_bytes = ParseBytes(a, args.Value());
    else if (a == "--stats") stats_path = args.Value();
    else if (a == "--rank") rank = ParseInt(a, args.Value(), 0, 1 << 30);
    else if (a == "--world-size") world = ParseInt(a, args.Value(), 1, 1 << 30);
    else if (a == "-f" || a == "--force") o.force = true;
    else if (a == "-q" || a == "--quiet") o.verbosity = 0;
    else if (a == "-v" || a == "--verbose") o.verbosity = 2;
    else if (a == "-h" || a == "--help") {
      std::fputs(kProfileUsage, stdout);
      return kExitOk;
    } else Die("unknown option '" + a + "'");
  }
  if (o.inputs.empty()) Die("profile: no input given");
  if (o.output.empty()) Die("profile: no output file given (-o PROFILE)");
  auto share = RankFromEnv(rank, world);
  if (!share.ok()) Die(share.status().message());
  o.rank = share.value().rank;
  o.world_size = share.value().world;
  InstallSignalHandlers();
  auto r = RunProfile(o);
  if (InterruptRequested()) {
    std::fprintf(stderr, "boilerstrip: interrupted; temporary files removed\n");
    return 130;
  }
  if (!r.ok()) {
    std::fprintf(stderr, "boilerstrip: %s\n", r.status().message().c_str());
    return r.status().scope() == ErrorScope::kRun ? kExitUsage : kExitFailed;
  }
  const ProfileReport& p = r.value();
  bool stats_written = true;
  if (!stats_path.empty()) {
    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "{\n  \"version\": 1,\n  \"shards\": %llu,\n  \"skipped\": %s,\n"
                  "  \"records_in\": %llu,\n  \"records_profiled\": %llu,\n"
                  "  \"records_no_site\": %llu,\n  \"records_bad\": %llu,\n  \"lines\": %llu,\n"
                  "  \"bytes_in\": %llu,\n  \"spills\": %llu,\n  \"seconds\": %.3f,\n"
                  "  \"profile\": %s\n}\n",
                  (unsigned long long)p.shards, p.skipped ? "true" : "false",
                  (unsigned long long)p.records_in, (unsigned long long)p.records_profiled,
                  (unsigned long long)p.records_no_site, (unsigned long long)p.records_bad,
                  (unsigned long long)p.lines, (unsigned long long)p.bytes_in,
                  (unsigned long long)p.spills, p.seconds, InfoJson(p.out).c_str());
    stats_written = WriteFileOrFail(stats_path, buf);
  }
  if (o.verbosity > 0 && !p.skipped) {
    std::fprintf(stderr,
                 "boilerstrip: profiled %llu shard%s: %llu records (%llu with a site, %llu "
                 "without, %llu bad), %s in %.2f s\n"
                 "  profile: %llu sites, %llu docs, %llu entries, %llu bytes (%.1f B/entry)\n",
                 (unsigned long long)p.shards, p.shards == 1 ? "" : "s",
                 (unsigned long long)p.records_in, (unsigned long long)p.records_profiled,
                 (unsigned long long)p.records_no_site, (unsigned long long)p.records_bad,
                 HumanBytes(p.bytes_in).c_str(), p.seconds, (unsigned long long)p.out.sites,
                 (unsigned long long)p.out.docs, (unsigned long long)p.out.entries,
                 (unsigned long long)p.out.file_bytes,
                 p.out.entries ? double(p.out.file_bytes) / p.out.entries : 0.0);
  }
  if (!stats_written) return kExitUsage;
  if (!p.skipped && p.out.sites == 0 && p.records_in > 0) {
    // A profile of no site removes nothing: a wrong --url-field, URLs under reserved names
    // (.example, .test, localhost) or IP addresses. Written, but the run did not do its job.
    std::fprintf(stderr,
                 "boilerstrip: profile: 0 sites in %s: none of %llu records has a URL with a "
                 "registrable domain at --url-field '%s' (%llu without a site, %llu bad); "
                 "check --url-field (a dotted path like metadata.url); reserved names "
                 "(.example, .test, localhost) and IP addresses are no site\n",
                 o.output.c_str(), (unsigned long long)p.records_in, o.url_field.c_str(),
                 (unsigned long long)p.records_no_site, (unsigned long long)p.records_bad);
    return kExitFailed;
  }
  return stats_written ? kExitOk : kExitUsage;
}

int MergeMain(int argc, char** argv) {
  std::vector<std::string> inputs;
  std::string output;
  bool final = false, quiet = false, force = false;
  SiteOptions thresholds;
  Args args(argc, argv, "o");
  while (args.Next()) {
    const std::string& a = args.flag();
    if (args.positional()) inputs.push_back(a);
    else if (a == "-o" || a == "--output") output = args.Value();
    else if (a == "--final") final = true;
    else if (a == "--min-site-docs" || a == "--min-line-share" || a == "--min-line-docs") {
      ParseSiteThreshold(a, args.Value(), &thresholds);
    } else if (a == "-q" || a == "--quiet") quiet = true;
    else if (a == "-f" || a == "--force") force = true;
    else if (a == "-h" || a == "--help") {
      std::fputs(kMergeUsage, stdout);
      return kExitOk;
    } else Die("unknown option '" + a + "'");
  }
  if (inputs.empty()) Die("merge: no input profile given");
  if (output.empty()) Die("merge: no output file given (-o PROFILE)");
  if (KeepExistingOutput(output, force, quiet ? 0 : 1)) return kExitOk;
  ProfileInfo info;
  InstallSignalHandlers();
  Status s = MergeProfiles(inputs, output, final ? &thresholds : nullptr, &info);
  if (InterruptRequested()) {
    std::fprintf(stderr, "boilerstrip: interrupted; temporary files removed\n");
    return 130;
  }
  if (!s.ok()) {
    std::fprintf(stderr, "boilerstrip: %s\n", s.message().c_str());
    return s.scope() == ErrorScope::kRun ? kExitUsage : kExitFailed;
  }
  if (!quiet) {
    std::fprintf(stderr, "boilerstrip: merged %zu profile%s%s: %llu sites, %llu docs, %llu entries, %llu bytes\n",
                 inputs.size(), inputs.size() == 1 ? "" : "s", final ? " (final)" : "",
                 (unsigned long long)info.sites, (unsigned long long)info.docs,
                 (unsigned long long)info.entries, (unsigned long long)info.file_bytes);
  }
  return kExitOk;
}

int InspectMain(int argc, char** argv) {
  std::string path, site, url_field = "url", text_field = "text", psl_file;
  std::vector<std::string> text_inputs;
  long top = 20;
  Args args(argc, argv, "");
  while (args.Next()) {
    const std::string& a = args.flag();
    if (args.positional()) {
      if (!path.empty()) Die("inspect: one profile at a time");
      path = a;
    } else if (a == "--site") site = args.Value();
    else if (a == "--text") text_inputs.push_back(args.Value());
    else if (a == "--url-field") url_field = args.Value();
    else if (a == "--text-field") text_field = args.Value();
    else if (a == "--psl") psl_file = args.Value();
    else if (a == "--top") top = ParseInt(a, args.Value(), 1, 1L << 30);
    else if (a == "-h" || a == "--help") {
      std::fputs(kInspectUsage, stdout);
      return kExitOk;
    } else Die("unknown option '" + a + "'");
  }
  if (path.empty()) Die("inspect: no profile given");
  if (!text_inputs.empty() && site.empty()) Die("inspect: --text needs --site");
  std::vector<std::string> text_shards;
  std::shared_ptr<const SiteNamer> namer;
  if (!text_inputs.empty()) {
    RunOptions list;
    list.inputs = text_inputs;
    auto shards = ListShards(list);
    if (!shards.ok()) Die(shards.status().message());
    text_shards = shards.value();
    auto n = SiteNamer::Create(psl_file);
    if (!n.ok()) Die(n.status().message());
    namer = n.value();
  }
  auto reader = ProfileReader::Open(path);
  if (!reader.ok()) {
    std::fprintf(stderr, "boilerstrip: %s\n", reader.status().message().c_str());
    return kExitUsage;
  }
  ProfileReader& r = *reader.value();
  const ProfileInfo& i = r.info();
  std::printf("profile %s: format %u, %s\n", path.c_str(), i.version,
              i.final ? "final" : "counts (mergeable)");
  if (i.final) {
    std::printf("  pruned for --min-site-docs %u --min-line-share %g --min-line-docs %u\n",
                i.min_site_docs, i.share_ppm / 1e6, i.min_line_docs);
  }
  std::printf("  %llu sites, %llu documents, %llu line entries, %llu bytes (%.2f B/entry)\n",
              (unsigned long long)i.sites, (unsigned long long)i.docs,
              (unsigned long long)i.entries, (unsigned long long)i.file_bytes,
              i.entries ? double(i.file_bytes) / i.entries : 0.0);
  struct SiteRow {
    std::string name;
    uint64_t docs, entries, max_line;
  };
  std::vector<SiteRow> rows;
  std::vector<std::pair<uint64_t, uint64_t>> lines;  // (docs, hash) of --site
  bool found = false;
  while (r.NextSite()) {
    SiteRow row{std::string(r.site()), r.site_docs(), 0, 0};
    uint64_t h, d;
    const bool wanted = !site.empty() && r.site() == site;
    while (r.NextEntry(&h, &d)) {
      ++row.entries;
      row.max_line = std::max(row.max_line, d);
      if (wanted) lines.emplace_back(d, h);
    }
    found = found || wanted;
    if (site.empty()) {
      rows.push_back(std::move(row));
      // Keep the biggest `top` sites without holding every site.
      if (rows.size() > static_cast<size_t>(4 * top)) {
        std::sort(rows.begin(), rows.end(), [](const SiteRow& a, const SiteRow& b) {
          return a.docs != b.docs ? a.docs > b.docs : a.name < b.name;
        });
        rows.resize(top);
      }
    } else if (wanted) {
      std::printf("site %s: %llu documents, %llu distinct lines\n", row.name.c_str(),
                  (unsigned long long)row.docs, (unsigned long long)row.entries);
      std::sort(lines.begin(), lines.end(), [](auto& a, auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
      });
      if (lines.size() > static_cast<size_t>(top)) lines.resize(top);
      std::unordered_map<uint64_t, std::string> texts;
      if (namer != nullptr) {
        for (const auto& l : lines) texts[l.second];
        Status found_texts =
            FindSiteLineTexts(text_shards, site, url_field, text_field, *namer, &texts);
        if (!found_texts.ok()) {
          std::fprintf(stderr, "boilerstrip: %s\n", found_texts.message().c_str());
          return kExitFailed;
        }
      }
      std::printf("  %-16s %8s %7s%s\n", "line hash", "docs", "share", namer ? "  text" : "");
      for (const auto& [docs, hash] : lines) {
        std::printf("  %016llx %8llu %6.1f%%", (unsigned long long)hash,
                    (unsigned long long)docs, 100.0 * docs / row.docs);
        if (namer != nullptr) {
          const std::string& t = texts[hash];
          std::printf("  %s", t.empty() ? "(not found)" : t.substr(0, 100).c_str());
        }
        std::printf("\n");
      }
    }
  }
  if (!r.status().ok()) {
    std::fprintf(stderr, "boilerstrip: %s\n", r.status().message().c_str());
    return kExitFailed;
  }
  if (!site.empty() && !found) {
    std::fprintf(stderr, "boilerstrip: %s: no site %s in the profile\n", path.c_str(), site.c_str());
    return kExitFailed;
  }
  if (site.empty()) {
    std::sort(rows.begin(), rows.end(), [](const SiteRow& a, const SiteRow& b) {
      return a.docs != b.docs ? a.docs > b.docs : a.name < b.name;
    });
    if (rows.size() > static_cast<size_t>(top)) rows.resize(top);
    std::printf("  %-40s %8s %10s %10s\n", "site", "docs", "lines", "max docs");
    for (const SiteRow& row : rows) {
      std::printf("  %-40s %8llu %10llu %10llu\n", row.name.c_str(), (unsigned long long)row.docs,
                  (unsigned long long)row.entries, (unsigned long long)row.max_line);
    }
  }
  return kExitOk;
}

}  // namespace boilerstrip::cli
