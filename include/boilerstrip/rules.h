// Rules: named patterns with an action, read from rule files (grammar: patterns/README.md).
//
// Parsing only reads text; it does not compile patterns (see pattern_set.h). Every syntax error
// is reported with its file, line and rule name, and parsing goes on so that one pass reports
// them all.
#ifndef BOILERSTRIP_RULES_H_
#define BOILERSTRIP_RULES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "boilerstrip/status.h"

namespace boilerstrip {

enum class Action : uint8_t {
  kDrop,      // remove the matching line
  kTruncate,  // remove the line and all after it, when in the document's tail; else as kDrop
  kDropDoc,   // remove the whole document
  kKeep,      // protect the line from every other rule, from dedup and from site removal
};

// "drop", "truncate", "drop-doc", "keep".
std::string_view ActionName(Action action);

// An example line attached to a rule, checked by `boilerstrip check` and the rule tests.
struct RuleExample {
  bool must_match = true;  // true: "match:" line; false: "nomatch:" line.
  std::string line;
  int line_number = 0;  // where the example stands in its file
};

struct Rule {
  std::string name;     // unique across every loaded file
  Action action = Action::kDrop;
  std::string pattern;  // as written (before whole-line wrapping)
  bool caseless = false;    // flag i
  bool whole_line = false;  // flag l: the pattern must cover the whole line (modulo spaces)
  bool utf8 = false;        // flag u: UTF-8 mode with Unicode properties
  std::string file;     // where it was defined, for messages
  int line_number = 0;
  std::vector<RuleExample> examples;
};

// One problem found in a rule file: "FILE:LINE: rule NAME: MESSAGE" (rule part omitted when the
// line names no rule).
struct RuleError {
  std::string file;
  int line_number = 0;
  std::string rule;
  std::string message;
  std::string ToString() const;
};

// Parses rule-file text. Appends rules to *rules and problems to *errors; `file` only labels
// messages. Never throws; malformed lines become errors.
void ParseRuleText(std::string_view text, const std::string& file, std::vector<Rule>* rules,
                   std::vector<RuleError>* errors);

// Loads every rule file under each path (a file, or a directory: its *.rules files, sorted by
// name, not recursive). Reports unreadable paths, an empty rule set and duplicate rule names as
// errors. Rules keep the order they were read in; that order breaks ties between rules.
void LoadRules(const std::vector<std::string>& paths, std::vector<Rule>* rules,
               std::vector<RuleError>* errors);

// The bundled default rule directory: $BOILERSTRIP_PATTERNS if set, else the source tree's
// patterns/default as configured at build time, else <exe dir>/../share/boilerstrip/patterns.
std::string DefaultPatternsPath();

// Resolves a -p argument: an existing file or directory is returned as it is; otherwise a bare
// NAME (letters, digits, '-', '_') names a bundled preset, the directory NAME beside the
// default one, returned when it exists (and *is_preset set, when not null). Anything else is
// returned unchanged, for LoadRules to report.
std::string ResolvePatternsPath(const std::string& arg, bool* is_preset);

}  // namespace boilerstrip

#endif  // BOILERSTRIP_RULES_H_
