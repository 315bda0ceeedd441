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

// --min-site-docs, --min-line-share, --min-line-docs into *options (clean_flags.h); false for
// another flag. Exits with a usage error on a bad value.
bool ParseSiteThreshold(const std::string& flag, const std::string& value, SiteOptions* options);

}  // namespace boilerstrip::cli

#endif  // BOILERSTRIP_SRC_CLI_SITE_COMMANDS_H_
