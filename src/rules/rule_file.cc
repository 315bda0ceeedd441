// Rule-file parser. The grammar is written in patterns/README.md; keep the two in step.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "boilerstrip/rules.h"

#ifndef BOILERSTRIP_SOURCE_PATTERNS
#define BOILERSTRIP_SOURCE_PATTERNS ""
#endif

namespace boilerstrip {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Splits off the next whitespace-delimited word of *s.
std::string_view NextWord(std::string_view* s) {
  size_t i = 0;
  while (i < s->size() && IsSpace((*s)[i])) ++i;
  size_t j = i;
  while (j < s->size() && !IsSpace((*s)[j])) ++j;
  std::string_view word = s->substr(i, j - i);
  s->remove_prefix(j);
  return word;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool ParseAction(std::string_view word, Action* action) {
  if (word == "drop") *action = Action::kDrop;
  else if (word == "truncate") *action = Action::kTruncate;
  else if (word == "drop-doc") *action = Action::kDropDoc;
  else if (word == "keep") *action = Action::kKeep;
  else return false;
  return true;
}

}  // namespace

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kDrop: return "drop";
    case Action::kTruncate: return "truncate";
    case Action::kDropDoc: return "drop-doc";
    case Action::kKeep: return "keep";
  }
  return "?";
}

std::string RuleError::ToString() const {
  std::string s;
  if (!file.empty()) {
    s = file;
    if (line_number > 0) s += ":" + std::to_string(line_number);
    s += ": ";
  }
  if (!rule.empty()) s += "rule " + rule + ": ";
  return s + message;
}

void ParseRuleText(std::string_view text, const std::string& file, std::vector<Rule>* rules,
                   std::vector<RuleError>* errors) {
  int line_number = 0;
  // Index of the rule that example lines attach to; -1 before the first rule or after a rule
  // line that failed to parse (its examples are then skipped silently: the rule's own error
  // says enough).
  long current = -1;
  bool current_failed = false;
  std::string current_name;  // name on the last rule line, parsed or not: examples belong to it
  auto error = [&](std::string rule, std::string message) {
    errors->push_back({file, line_number, std::move(rule), std::move(message)});
  };
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_number;
    std::string_view line = TrimRight(raw);
    if (line.empty()) continue;
    size_t first = line.find_first_not_of(" \t");
    if (line[first] == '#') continue;

    if (first > 0) {  // an indented line: an example of the rule above
      std::string_view body = line.substr(first);
      bool must_match;
      if (body.rfind("match:", 0) == 0) {
        must_match = true;
        body.remove_prefix(6);
      } else if (body.rfind("nomatch:", 0) == 0) {
        must_match = false;
        body.remove_prefix(8);
      } else {
        error(current_name, "indented line must be 'match: LINE' or 'nomatch: LINE'");
        continue;
      }
      if (!body.empty() && body.front() == ' ') body.remove_prefix(1);
      if (current_failed) continue;
      if (current < 0) {
        error("", "example line before any rule");
        continue;
      }
      (*rules)[current].examples.push_back({must_match, std::string(body), line_number});
      continue;
    }

    // A rule line: NAME ACTION FLAGS PATTERN
    current_failed = true;
    std::string_view rest = line;
    std::string_view name = NextWord(&rest);
    current_name = std::string(name);
    std::string_view action_word = NextWord(&rest);
    std::string_view flags = NextWord(&rest);
    size_t p = 0;
    while (p < rest.size() && IsSpace(rest[p])) ++p;
    std::string_view pattern = rest.substr(p);
    if (!ValidName(name)) {
      error(std::string(name), "bad rule name (letters, digits, '-', '_', '.'; at most 128)");
      continue;
    }
    Rule rule;
    rule.name = std::string(name);
    rule.file = file;
    rule.line_number = line_number;
    if (action_word.empty()) {
      error(rule.name, "missing action (drop, truncate, drop-doc or keep)");
      continue;
    }
    if (!ParseAction(action_word, &rule.action)) {
      error(rule.name, "unknown action '" + std::string(action_word) +
                           "' (expected drop, truncate, drop-doc or keep)");
      continue;
    }
    if (flags.empty()) {
      error(rule.name, "missing flags ('-' or letters from i, l, u)");
      continue;
    }
    bool flags_ok = true;
    if (flags != "-") {
      for (char c : flags) {
        bool* flag = c == 'i' ? &rule.caseless : c == 'l' ? &rule.whole_line
                   : c == 'u' ? &rule.utf8 : nullptr;
        if (flag == nullptr || *flag) {
          error(rule.name, std::string("bad flags '") + std::string(flags) +
                               "' (use '-' or each of i, l, u at most once)");
          flags_ok = false;
          break;
        }
        *flag = true;
      }
    }
    if (!flags_ok) continue;
    if (pattern.empty()) {
      error(rule.name, "missing pattern");
      continue;
    }
    rule.pattern = std::string(pattern);
    rules->push_back(std::move(rule));
    current = static_cast<long>(rules->size()) - 1;
    current_failed = false;
  }
}

void LoadRules(const std::vector<std::string>& paths, std::vector<Rule>* rules,
               std::vector<RuleError>* errors) {
  namespace fs = std::filesystem;
  size_t first_new = rules->size();
  for (const std::string& path : paths) {
    std::vector<std::string> files;
    std::error_code ec;
    if (path == kNoRules && !fs::exists(path, ec)) continue;  // asked for: no rules
    const size_t rules_before = rules->size(), errors_before = errors->size();
    if (fs::is_directory(path, ec)) {
      for (const auto& entry : fs::directory_iterator(path, ec)) {
        if (entry.path().extension() == ".rules") files.push_back(entry.path().string());
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) errors->push_back({path, 0, "", "no *.rules files in directory"});
    } else {
      files.push_back(path);
    }
    for (const std::string& file : files) {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        errors->push_back({file, 0, "", "cannot read rule file"});
        continue;
      }
      std::ostringstream buf;
      buf << in.rdbuf();
      ParseRuleText(buf.str(), file, rules, errors);
    }
    // A path that yields no rule (an empty file, /dev/null, a directory of empty files) is
    // almost surely a mistake; no rules at all are asked for by name (kNoRules).
    if (rules->size() == rules_before && errors->size() == errors_before) {
      errors->push_back({path, 0, "", "no rules"});
    }
  }
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = first_new; i < rules->size(); ++i) {
    const Rule& r = (*rules)[i];
    auto [it, inserted] = seen.emplace(r.name, i);
    if (!inserted) {
      const Rule& before = (*rules)[it->second];
      errors->push_back({r.file, r.line_number, r.name,
                         "duplicate rule name (first defined at " + before.file + ":" +
                             std::to_string(before.line_number) + ")"});
    }
  }
}

std::string DefaultPatternsPath() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("BOILERSTRIP_PATTERNS"); env != nullptr && *env) return env;
  std::error_code ec;
  std::string source = BOILERSTRIP_SOURCE_PATTERNS;
  if (!source.empty() && fs::is_directory(source, ec)) return source;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share/boilerstrip/patterns/default";
    if (fs::is_directory(installed, ec)) return installed.string();
  }
  return source.empty() ? "patterns/default" : source;
}

std::string ResolvePatternsPath(const std::string& arg, bool* is_preset) {
  namespace fs = std::filesystem;
  if (is_preset != nullptr) *is_preset = false;
  std::error_code ec;
  if (arg.empty() || arg == kNoRules || fs::exists(arg, ec)) return arg;
  for (char c : arg) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return arg;
  }
  // Presets sit beside the default set, wherever DefaultPatternsPath found it.
  fs::path dir = fs::path(DefaultPatternsPath()).parent_path() / arg;
  if (!fs::is_directory(dir, ec)) return arg;
  if (is_preset != nullptr) *is_preset = true;
  return dir.string();
}

}  // namespace boilerstrip
