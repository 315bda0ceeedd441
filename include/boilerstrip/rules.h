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
  kCut,       // remove the line and all after it wherever it stands, once enough article prose
              // stands before it (CleanerOptions::cut_after_prose_bytes); else as kDrop
};

// "drop", "truncate", "drop-doc", "keep", "cut".
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

// Loads every rule file under each path (a file, a directory: its *.rules files, sorted by
// name, not recursive, or a built-in preset, "builtin:NAME"). A file given twice (the same file
// by two spellings, or in two given directories) is read once. A UTF-8 byte order mark at the
// start of a file is skipped. Reports as errors, naming the path: an unreadable path (with the
// OS's reason), a directory
// without *.rules files, a path that yields no rule though nothing in it is wrong ("PATH: no
// rules"), and duplicate rule names. The path kNoRules, when no file or directory has that
// name, loads no rules and is no error. Rules keep the order they were read in; that order
// breaks ties between rules.
void LoadRules(const std::vector<std::string>& paths, std::vector<Rule>* rules,
               std::vector<RuleError>* errors);

// The presets built into the binary: every patterns/PRESET/*.rules file of the source tree,
// embedded at build time, so that a preset needs no file at run time.
struct BuiltinRuleFile {
  std::string_view preset;  // "default", "c4"
  std::string_view name;    // the file name: "10-post-footer.rules"
  std::string_view bytes;   // its contents
};
// Sorted by preset, then name.
const std::vector<BuiltinRuleFile>& BuiltinRuleFiles();
// The built-in preset names, sorted: "c4", "default", ...
std::vector<std::string> BuiltinPresets();

// The rule path of built-in preset NAME is kBuiltinPrefix + NAME ("builtin:default"); LoadRules
// reads its embedded files (labelled "builtin:NAME/FILE" in messages) unless a file or
// directory of that very name exists.
inline constexpr std::string_view kBuiltinPrefix = "builtin:";

// The rules used when none are named: the built-in default preset, "builtin:default".
std::string DefaultPatternsPath();

// Resolves a -p argument (and each argument of `check`): an existing file or directory is
// returned as it is; kNoRules ("none") is returned as it is, for LoadRules to load no rules (it
// is no preset: *is_preset stays false); a bare NAME (letters, digits, '-', '_') of a built-in
// preset, or "builtin:NAME", gives "builtin:NAME" (and sets *is_preset, when not null).
// Anything else is returned unchanged, for LoadRules to report.
std::string ResolvePatternsPath(const std::string& arg, bool* is_preset);

}  // namespace boilerstrip

#endif  // BOILERSTRIP_RULES_H_
