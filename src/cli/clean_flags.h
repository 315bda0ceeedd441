// The cleaning flags: the options every command that cleans takes (clean, annotate, report),
// and the Python module's Cleaner keywords, parsed by one table and built into one Cleaner.
// Internal to the CLI and the Python binding; compiled into boilerstrip_lib so that both link it.
#ifndef BOILERSTRIP_SRC_CLI_CLEAN_FLAGS_H_
#define BOILERSTRIP_SRC_CLI_CLEAN_FLAGS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/site_profile.h"
#include "boilerstrip/status.h"

namespace boilerstrip::cli {

// What the cleaning flags say, before anything is loaded.
struct CleanerSetup {
  // -p arguments in order: paths, preset names or "none". Default: empty (the bundled default).
  std::vector<std::string> patterns;
  // Everything but site_profile, dedup and classifier.enabled (below). Defaults: CleanerOptions'.
  CleanerOptions options;
  // --classifier / --no-classifier: 1 / 0; -1 = not given (on, except with a foreign preset).
  int classifier = -1;
  // --dedup / --no-dedup: 1 / 0; -1 = not given (on, except with a foreign preset).
  int dedup = -1;
  // --line-model FILE / --no-line-model: 1 / 0; -1 = not given (the bundled model with the
  // classifier, except with a foreign preset). line_model_path: FILE.
  int line_model = -1;
  std::string line_model_path;
  // --site-profile PATH. Default: none.
  std::string site_profile;
  // --min-site-docs, --min-line-share, --min-line-docs, --psl.
  SiteOptions site;
};

// Applies `flag` ("--tail-fraction", "-p", ...) when it is a cleaning flag, asking `value` for
// its value only when it takes one. Returns false when `flag` is no cleaning flag (nothing
// changed), true when applied, and a kRun error with the CLI's message ("--tail-fraction:
// expected a number in [0, 1], got 'x'") for a bad value.
Result<bool> ApplyCleanFlag(const std::string& flag, const std::function<std::string()>& value,
                            CleanerSetup* setup);

// Whether `flag` is a cleaning flag that takes no value (--no-dedup, --classifier, ...).
bool IsCleanSwitch(const std::string& flag);

// Loads what `setup` names and builds the Cleaner: resolves presets (a bundled preset other
// than default turns the classifier and dedup off unless they were asked for), loads and
// compiles the rules, loads the site profile. Rule problems are appended to *rule_errors as
// "FILE:LINE: rule NAME: message" lines, and the result is then a kRun error saying how many;
// any other failure is a kRun error with its message.
Result<std::unique_ptr<Cleaner>> BuildCleaner(CleanerSetup setup,
                                              std::vector<std::string>* rule_errors);

// Non-dying relatives of flags.h's parsers, with the same messages.
Result<long> ParseIntFlag(const std::string& flag, const std::string& v, long lo, long hi);
Result<double> ParseFractionFlag(const std::string& flag, const std::string& v, double lo,
                                 double hi, bool lo_open);
// --min-site-docs, --min-line-share, --min-line-docs into *options; false for another flag.
Result<bool> ApplySiteThreshold(const std::string& flag, const std::string& value,
                                SiteOptions* options);

}  // namespace boilerstrip::cli

#endif  // BOILERSTRIP_SRC_CLI_CLEAN_FLAGS_H_
