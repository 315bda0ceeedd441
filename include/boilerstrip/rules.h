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

// One problem found in a rule file: "FILE:LINE: rule NAME: MESSAGE" (the rule part omitted when
// the line names no rule, the line when the problem is the whole file: line_number 0).
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

// The rule path that stands for no rules at all (`-p none`): what the floor of a benchmark or a
// run of only the classifier and dedup asks for.
inline constexpr std::string_view kNoRules = "none";

// Loads every rule file under each path (a file, or a directory: its *.rules files, sorted by
// name, not recursive). Reports as errors, naming the path: an unreadable path, a directory
// without *.rules files, a path that yields no rule though nothing in it is wrong ("PATH: no
// rules"), and duplicate rule names. The path kNoRules, when no file or directory has that
// name, loads no rules and is no error. Rules keep the order they were read in; that order
// breaks ties between rules.
void LoadRules(const std::vector<std::string>& paths, std::vector<Rule>* rules,
               std::vector<RuleError>* errors);

// The bundled default rule directory: $BOILERSTRIP_PATTERNS if set, else the source tree's
// patterns/default as configured at build time, else <exe dir>/../share/boilerstrip/patterns.
std::string DefaultPatternsPath();

// Resolves a -p argument: an existing file or directory is returned as it is; kNoRules ("none")
// is returned as it is, for LoadRules to load no rules (it is no preset: *is_preset stays
// false); otherwise a bare NAME (letters, digits, '-', '_') names a bundled preset, the
// directory NAME beside the default one, returned when it exists (and *is_preset set, when not
// null). Anything else is returned unchanged, for LoadRules to report.
std::string ResolvePatternsPath(const std::string& arg, bool* is_preset);

}  // namespace boilerstrip

#endif  // BOILERSTRIP_RULES_H_
