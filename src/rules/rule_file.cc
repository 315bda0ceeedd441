// Rule-file parser. The grammar is written in patterns/README.md; keep the two in step.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include "boilerstrip/rules.h"
#include "rules/embedded_patterns.h"

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
  else if (word == "cut") *action = Action::kCut;
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
    case Action::kCut: return "cut";
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
  // A UTF-8 byte order mark, as some editors write, is no part of the first line.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
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
      error(rule.name, "missing action (drop, truncate, cut, drop-doc or keep)");
      continue;
    }
    if (!ParseAction(action_word, &rule.action)) {
      error(rule.name, "unknown action '" + std::string(action_word) +
                           "' (expected drop, truncate, cut, drop-doc or keep)");
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

const std::vector<BuiltinRuleFile>& BuiltinRuleFiles() {
  static const std::vector<BuiltinRuleFile> files = [] {
    std::vector<BuiltinRuleFile> v;
    for (size_t i = 0; i < embedded::kFileCount; ++i) {
      const embedded::EmbeddedFile& f = embedded::kFiles[i];
      v.push_back({f.preset, f.name,
                   std::string_view(reinterpret_cast<const char*>(f.data), f.size)});
    }
    return v;
  }();
  return files;
}

std::vector<std::string> BuiltinPresets() {
  std::vector<std::string> names;
  for (const BuiltinRuleFile& f : BuiltinRuleFiles()) {
    if (names.empty() || names.back() != f.preset) names.emplace_back(f.preset);
  }
  return names;
}

namespace {

std::string PresetList() {
  std::string s;
  for (const std::string& name : BuiltinPresets()) s += (s.empty() ? "" : ", ") + name;
  return s;
}

bool BareName(std::string_view arg) {
  if (arg.empty()) return false;
  for (char c : arg) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The whole of file `path`, or the OS's reason it cannot be read.
Result<std::string> ReadRuleFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::RunError(std::strerror(errno));
  std::string bytes;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      return Status::RunError(std::strerror(saved));
    }
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return bytes;
}

}  // namespace

void LoadRules(const std::vector<std::string>& paths, std::vector<Rule>* rules,
               std::vector<RuleError>* errors) {
  namespace fs = std::filesystem;
  size_t first_new = rules->size();
  // Files already read, by identity (canonical path, or the built-in label): a file named twice
  // is read once, not reported as a copy of every one of its rules.
  std::unordered_set<std::string> read;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (path == kNoRules && !fs::exists(path, ec)) continue;  // asked for: no rules
    const size_t rules_before = rules->size(), errors_before = errors->size();
    size_t fresh = 0;  // files of this path not read before
    if (path.rfind(kBuiltinPrefix, 0) == 0 && !fs::exists(path, ec)) {
      const std::string preset = path.substr(kBuiltinPrefix.size());
      bool any = false;
      for (const BuiltinRuleFile& f : BuiltinRuleFiles()) {
        if (f.preset != preset) continue;
        any = true;
        std::string label = path + "/" + std::string(f.name);
        if (!read.insert(label).second) continue;
        ++fresh;
        ParseRuleText(f.bytes, label, rules, errors);
      }
      if (!any) {
        errors->push_back({path, 0, "", "no such built-in preset (built in: " + PresetList() + ")"});
      }
    } else {
      std::vector<std::string> files;
      if (fs::is_directory(path, ec)) {
        for (const auto& entry : fs::directory_iterator(path, ec)) {
          if (entry.path().extension() == ".rules") files.push_back(entry.path().string());
        }
        if (ec) {
          errors->push_back({path, 0, "", "cannot read directory: " + ec.message()});
          continue;
        }
        std::sort(files.begin(), files.end());
        if (files.empty()) errors->push_back({path, 0, "", "no *.rules files in directory"});
      } else {
        files.push_back(path);
      }
      for (const std::string& file : files) {
        std::error_code canon_ec;
        fs::path id = fs::weakly_canonical(file, canon_ec);
        if (!read.insert(canon_ec ? file : id.string()).second) continue;
        ++fresh;
        Result<std::string> bytes = ReadRuleFile(file);
        if (!bytes.ok()) {
          std::string message = "cannot read rule file: " + bytes.status().message();
          // A bare name that is neither a file nor a preset: say which names are presets.
          if (BareName(file) && !fs::exists(file, ec)) {
            message = "no such file, directory or built-in preset (built in: " + PresetList() + ")";
          }
          errors->push_back({file, 0, "", message});
          continue;
        }
        ParseRuleText(bytes.value(), file, rules, errors);
      }
    }
    // A path that yields no rule (an empty file, /dev/null, a directory of empty files) is
    // almost surely a mistake; no rules at all are asked for by name (kNoRules).
    if (fresh > 0 && rules->size() == rules_before && errors->size() == errors_before) {
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

std::string DefaultPatternsPath() { return std::string(kBuiltinPrefix) + "default"; }

std::string ResolvePatternsPath(const std::string& arg, bool* is_preset) {
  namespace fs = std::filesystem;
  if (is_preset != nullptr) *is_preset = false;
  std::error_code ec;
  if (arg.empty() || arg == kNoRules || fs::exists(arg, ec)) return arg;
  std::string name = arg;
  if (name.rfind(kBuiltinPrefix, 0) == 0) name = name.substr(kBuiltinPrefix.size());
  if (!BareName(name)) return arg;
  for (const std::string& preset : BuiltinPresets()) {
    if (preset != name) continue;
    if (is_preset != nullptr) *is_preset = true;
    return std::string(kBuiltinPrefix) + name;
  }
  return arg;
}

}  // namespace boilerstrip
