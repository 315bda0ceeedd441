// The end-of-run summary of `clean` on stderr: shards, stages, records (quarantined by reason),
// sites, lines, bytes, top removal reasons. Internal to the CLI.
#ifndef BOILERSTRIP_SRC_CLI_SUMMARY_H_
#define BOILERSTRIP_SRC_CLI_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "boilerstrip/pipeline.h"

namespace boilerstrip::cli {

// "812 bytes", "3.2 KB", "20.1 MB", "1.07 GB" (powers of 1000, as the summary's rates).
std::string HumanBytes(uint64_t bytes);

// "1 rule", "2 rules": `n` and the noun, plural unless n == 1 (nouns taking an s).
std::string Plural(uint64_t n, const std::string& noun);

struct SummaryContext {
  std::vector<std::string> rule_names;
  // Where quarantine files went when that is not beside the outputs (-o -, --quarantine-dir);
  // empty otherwise.
  std::string quarantine_dir;
  bool site_profile = false;
};

void PrintSummary(const RunReport& report, const SummaryContext& context);

// With a site profile: the warnings for a run whose records name no site, or none the profile
// holds (a wrong --url-field, a profile of other shards). Printed even with -q.
void WarnSiteMismatch(const RunReport& report);

}  // namespace boilerstrip::cli

#endif  // BOILERSTRIP_SRC_CLI_SUMMARY_H_
