// Fuzzes Cleaner::CleanRecord (parse, clean, splice) with the default rules plus a few drop-doc
// and keep rules. Properties, checked against simdjson's DOM parser as an independent judge
// (its numbers first checked against RFC 8259 by a regular expression and replaced by 0, since
// the DOM rejects valid numbers no double or 64-bit integer holds, such as 1e400):
//   - a record the cleaner accepts (written or dropped) is valid JSON;
//   - a valid JSON object with exactly one string text field is never called bad;
//   - the cleaner never fails (a failed rule scan is no property of the record);
//   - a written record is the input byte for byte, or differs only inside the text value's
//     token, and is itself valid JSON whose new text keeps old lines in order.
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rules.h"
#include "boilerstrip/text.h"
#include "fuzz_util.h"

namespace bs = boilerstrip;

namespace {

const char kExtraRules[] =
    "fuzz-drop-doc drop-doc - ^DROPDOC\n"
    "fuzz-keep keep il keep me\n"
    "fuzz-truncate truncate - ^--cut\n"
    "fuzz-empty-line drop l x*y\n";

struct Env {
  std::unique_ptr<bs::Cleaner> cleaner;
  bs::Cleaner::StatePtr state;
  bs::Stats stats;
  simdjson::dom::parser dom;
};

Env* MakeEnv() {
  std::vector<bs::Rule> rules;
  std::vector<bs::RuleError> errors;
  bs::LoadRules({bs::DefaultPatternsPath()}, &rules, &errors);
  bs::ParseRuleText(kExtraRules, "fuzz-extra.rules", &rules, &errors);
  FUZZ_CHECK(errors.empty());
  auto set = bs::PatternSet::Compile(std::move(rules), &errors);
  FUZZ_CHECK(set.ok());
  std::shared_ptr<const bs::PatternSet> shared(std::move(set.value()));
  auto* env = new Env();
  bs::CleanerOptions options;
  options.min_dedup_bytes = 4;  // let short fuzzed lines reach the dedup path
  auto cleaner = bs::Cleaner::Create(options, shared);
  FUZZ_CHECK(cleaner.ok());
  env->cleaner = std::move(cleaner.value());
  env->state = env->cleaner->MakeState();
  env->stats.Resize(shared->rules().size());
  return env;
}

std::vector<std::string_view> NonBlankLines(std::string_view text) {
  std::vector<std::string_view> out;
  while (true) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    // A '\r' belongs to the separator only before a '\n' (the line model).
    if (nl != std::string_view::npos && !line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (!bs::IsBlank(line)) out.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// Parses `json` with the DOM parser after checking each number against RFC 8259's grammar and
// writing it as 0 (strings are left alone): SUCCESS for valid JSON, whatever its numbers hold.
// *root lives in `normalized` and the parser.
simdjson::error_code JudgeParse(simdjson::dom::parser& dom, std::string_view json,
                                std::string* normalized, simdjson::dom::element* root) {
  static const std::regex kNumber("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");
  auto bare = [](char c) {  // part of a number, keyword or malformed word
    return !std::strchr(" \t\n\r{}[]:,\"", c) || c == '\0';
  };
  normalized->clear();
  size_t i = 0;
  while (i < json.size()) {
    const char c = json[i];
    if (c == '"') {  // a string, copied as it is (an unterminated one to the end)
      size_t j = i + 1;
      while (j < json.size() && json[j] != '"') j += json[j] == '\\' ? 2 : 1;
      j = std::min(j + 1, json.size());
      normalized->append(json.substr(i, j - i));
      i = j;
    } else if (bare(c)) {
      size_t j = i;
      while (j < json.size() && bare(json[j])) ++j;
      const std::string_view word = json.substr(i, j - i);
      if (c == '-' || (c >= '0' && c <= '9')) {
        if (!std::regex_match(word.begin(), word.end(), kNumber)) return simdjson::NUMBER_ERROR;
        normalized->push_back('0');
      } else {
        normalized->append(word);
      }
      i = j;
    } else {
      normalized->push_back(c);
      ++i;
    }
  }
  return dom.parse(*normalized).get(*root);
}

// The text field of a DOM object: 0 fields, 1 string, or "other" (several, or not a string).
enum class TextField { kNone, kString, kOther };
TextField FindText(simdjson::dom::object obj, std::string_view* text) {
  int count = 0;
  bool is_string = false;
  for (auto field : obj) {
    if (field.key != "text") continue;
    ++count;
    is_string = field.value.is_string();
    if (is_string) *text = field.value.get_string().value();
  }
  if (count == 0) return TextField::kNone;
  return count == 1 && is_string ? TextField::kString : TextField::kOther;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Env* env = MakeEnv();
  if (size > (1 << 20)) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The pipeline hands the cleaner one line at a time.
  input = input.substr(0, input.find('\n'));

  // The record with padding whose bytes are hostile (the contract says they do not matter).
  std::string buf(input);
  buf.append(simdjson::SIMDJSON_PADDING, '"');
  std::string_view record(buf.data(), input.size());

  std::string out;
  bs::RecordOutcome r = env->cleaner->CleanRecord(record, *env->state, &env->stats, &out);

  std::string_view json = record;
  if (json.size() >= 3 && std::memcmp(json.data(), "\xEF\xBB\xBF", 3) == 0) json.remove_prefix(3);
  simdjson::dom::element root;
  std::string normalized;
  bool dom_ok = JudgeParse(env->dom, json, &normalized, &root) == simdjson::SUCCESS;
  std::string old_text;
  TextField field = TextField::kNone;
  if (dom_ok && root.is_object()) {
    std::string_view t;
    field = FindText(root.get_object().value(), &t);
    old_text = std::string(t);
  }

  FUZZ_CHECK(r.verdict != bs::RecordVerdict::kFailed);
  if (r.verdict != bs::RecordVerdict::kBad) {
    FUZZ_CHECK(dom_ok);
    FUZZ_CHECK(root.is_object());
    FUZZ_CHECK(field == TextField::kString);
  } else if (dom_ok && root.is_object() && field == TextField::kString) {
    std::fprintf(stderr, "valid record called bad: %s\n",
                 std::string(bs::BadRecordName(r.bad)).c_str());
    FUZZ_CHECK(false);
  }
  if (r.verdict != bs::RecordVerdict::kWritten) {
    FUZZ_CHECK(out.empty());
    return 0;
  }
  if (!r.changed) {
    FUZZ_CHECK(out == record);
    return 0;
  }
  FUZZ_CHECK(out != record);
  // Only the text value's token may differ: find it with On-Demand, independently of the cleaner.
  simdjson::ondemand::parser od;
  simdjson::padded_string padded(json);
  auto doc = od.iterate(padded);
  std::string_view token;
  for (auto f : doc.get_object()) {
    std::string_view key = f.unescaped_key().value();
    auto v = f.value();
    if (key == "text") token = v.raw_json_token().value();
  }
  while (!token.empty() && token.back() != '"') token.remove_suffix(1);
  FUZZ_CHECK(!token.empty());
  size_t tb = (record.size() - json.size()) + static_cast<size_t>(token.data() - padded.data());
  size_t te = tb + token.size();
  size_t tail = record.size() - te;
  FUZZ_CHECK(out.size() >= tb + tail);
  FUZZ_CHECK(std::memcmp(out.data(), record.data(), tb) == 0);
  FUZZ_CHECK(std::memcmp(out.data() + out.size() - tail, record.data() + te, tail) == 0);

  // The new record parses, and its text keeps old lines, in order, byte for byte.
  std::string out_json = out.substr(record.size() - json.size());
  simdjson::dom::element out_root;
  std::string out_normalized;
  FUZZ_CHECK(JudgeParse(env->dom, out_json, &out_normalized, &out_root) == simdjson::SUCCESS);
  FUZZ_CHECK(out_root.is_object());
  std::string_view new_text;
  FUZZ_CHECK(FindText(out_root.get_object().value(), &new_text) == TextField::kString);
  std::vector<std::string_view> old_lines = NonBlankLines(old_text);
  std::vector<std::string_view> new_lines = NonBlankLines(new_text);
  FUZZ_CHECK(new_lines.size() < old_lines.size());
  size_t j = 0;
  for (std::string_view line : new_lines) {
    while (j < old_lines.size() && old_lines[j] != line) ++j;
    FUZZ_CHECK(j < old_lines.size());
    ++j;
  }
  return 0;
}
