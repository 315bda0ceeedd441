#include "cli/summary.h"

#include <algorithm>
#include <cstdio>

namespace boilerstrip::cli {

std::string HumanBytes(uint64_t bytes) {
  char buf[64];
  if (bytes < 1000) {
    std::snprintf(buf, sizeof buf, "%llu byte%s", static_cast<unsigned long long>(bytes),
                  bytes == 1 ? "" : "s");
  } else if (bytes < 1000 * 1000) {
    std::snprintf(buf, sizeof buf, "%.1f KB", bytes / 1e3);
  } else if (bytes < uint64_t{1000} * 1000 * 1000) {
    std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f GB", bytes / 1e9);
  }
  return buf;
}

std::string Plural(uint64_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

void PrintSummary(const RunReport& report, const SummaryContext& ctx) {
  const Stats& t = report.total;
  size_t done = 0, skipped = 0, failed = 0;
  for (const auto& s : report.shards) {
    done += s.state == ShardReport::State::kDone;
    skipped += s.state == ShardReport::State::kSkipped;
    failed += s.state == ShardReport::State::kFailed;
  }
  std::fprintf(stderr, "boilerstrip: %s: %zu done, %zu skipped, %zu failed\n",
               Plural(report.shards.size(), "shard").c_str(), done, skipped, failed);
  if (skipped > 0) {
    // One line for every shard an earlier run finished (their stats are in the totals).
    std::fprintf(stderr, "  resume:  %zu shard%s already done (manifests match; counted below)\n",
                 skipped, skipped == 1 ? "" : "s");
  }
  std::string stages;
  for (const std::string& st : report.stages) {
    if (!stages.empty()) stages += ", ";
    stages += st;
    if (st == "rules") stages += " (" + Plural(ctx.rule_names.size(), "rule") + ")";
  }
  std::fprintf(stderr, "  stages:  %s\n", stages.empty() ? "none (nothing can be removed)" : stages.c_str());
  std::fprintf(stderr,
               "  records: %llu in, %llu out (%llu changed), %llu quarantined, %llu passed bad, "
               "%llu dropped by drop-doc\n",
               (unsigned long long)t.records_in, (unsigned long long)t.records_out,
               (unsigned long long)t.records_changed, (unsigned long long)t.quarantined,
               (unsigned long long)t.passed_bad, (unsigned long long)t.dropped_doc);
  uint64_t bad = 0;
  for (uint64_t n : t.bad_by) bad += n;
  if (bad > 0) {
    std::string line;
    for (size_t i = 0; i < t.bad_by.size(); ++i) {
      if (t.bad_by[i] == 0) continue;
      line += line.empty() ? "" : ", ";
      line += std::string(BadRecordName(static_cast<BadRecord>(i))) + " " +
              std::to_string(t.bad_by[i]);
    }
    std::fprintf(stderr, "  bad records by reason: %s", line.c_str());
    if (t.quarantined > 0 && !ctx.quarantine_dir.empty()) {
      std::fprintf(stderr, " (quarantined in %s)", ctx.quarantine_dir.c_str());
    }
    std::fprintf(stderr, "\n");
  }
  if (ctx.site_profile) {
    std::fprintf(stderr, "  sites:   %llu records with a site, %llu whose site is in the profile\n",
                 (unsigned long long)t.records_with_site,
                 (unsigned long long)t.records_site_in_profile);
  }
  std::fprintf(stderr, "  lines:   %llu of %llu removed (%.1f%%)\n",
               (unsigned long long)t.lines_removed, (unsigned long long)t.lines_in,
               t.lines_in ? 100.0 * t.lines_removed / t.lines_in : 0.0);
  std::fprintf(stderr, "  bytes:   %s in, %s out (%.1f%%), uncompressed\n",
               HumanBytes(t.bytes_in).c_str(), HumanBytes(t.bytes_out).c_str(),
               t.bytes_in ? 100.0 * t.bytes_out / t.bytes_in : 0.0);
  // The reasons that removed most lines.
  const std::vector<std::string>& names = ctx.rule_names;
  std::vector<std::pair<uint64_t, std::string>> top;
  for (size_t i = 0; i < t.removed_by.size(); ++i) {
    if (t.removed_by[i] == 0) continue;
    std::string name = i < names.size() ? names[i]
                                        : std::string(ExtraReasonName(
                                              static_cast<ExtraReason>(i - names.size())));
    top.emplace_back(t.removed_by[i], name);
  }
  std::sort(top.begin(), top.end(), [](auto& a, auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (!top.empty()) {
    std::fprintf(stderr, "  top reasons:");
    for (size_t i = 0; i < top.size() && i < 6; ++i) {
      std::fprintf(stderr, "%s %s %llu", i ? "," : "", top[i].second.c_str(),
                   (unsigned long long)top[i].first);
    }
    std::fprintf(stderr, "\n");
  }
}

void WarnSiteMismatch(const RunReport& report) {
  const Stats& t = report.total;
  const uint64_t good = t.records_in - std::min(t.records_in, t.quarantined + t.passed_bad);
  if (good == 0) return;
  if (t.records_with_site == 0) {
    std::fprintf(stderr,
                 "boilerstrip: warning: --site-profile: no record has a site (none of %llu "
                 "records has a URL with a registrable domain at --url-field): nothing was "
                 "removed by the profile; is --url-field right?\n",
                 (unsigned long long)good);
  } else if (t.records_site_in_profile == 0) {
    std::fprintf(stderr,
                 "boilerstrip: warning: --site-profile: no record's site is in the profile "
                 "(%llu records with a site): nothing was removed by the profile; was it made "
                 "from these shards?\n",
                 (unsigned long long)t.records_with_site);
  }
}

}  // namespace boilerstrip::cli
