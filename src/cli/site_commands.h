// The site-profile commands of the CLI (profile, merge, inspect) and clean's site flags.
#ifndef BOILERSTRIP_SRC_CLI_SITE_COMMANDS_H_
#define BOILERSTRIP_SRC_CLI_SITE_COMMANDS_H_

#include <string>

#include "boilerstrip/site_profile.h"

namespace boilerstrip::cli {

// Usage text of the three commands, for --help.
extern const char kSiteUsage[];

int ProfileMain(int argc, char** argv);
int MergeMain(int argc, char** argv);
int InspectMain(int argc, char** argv);

// clean's site flags. Consumes flag `a` (with its value from `val`) and returns true when it is
// one of them. Exits with a usage error on a bad value.
struct CleanSiteFlags {
  std::string profile_path;
  std::string url_field = "url";
  SiteOptions options;
};
template <typename ValueFn>
bool ParseCleanSiteFlag(const std::string& a, ValueFn val, CleanSiteFlags* flags);
bool ParseSiteThreshold(const std::string& flag, const std::string& value, SiteOptions* options);

}  // namespace boilerstrip::cli

template <typename ValueFn>
bool boilerstrip::cli::ParseCleanSiteFlag(const std::string& a, ValueFn val,
                                          CleanSiteFlags* flags) {
  if (a == "--site-profile") flags->profile_path = val();
  else if (a == "--url-field") flags->url_field = val();
  else if (a == "--psl") flags->options.psl_file = val();
  else if (a == "--min-site-docs" || a == "--min-line-share" || a == "--min-line-docs") {
    return ParseSiteThreshold(a, val(), &flags->options);
  } else return false;
  return true;
}

#endif  // BOILERSTRIP_SRC_CLI_SITE_COMMANDS_H_
