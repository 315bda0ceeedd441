// AttributeRows: a record's Dolma attribute row from the cleaner's removals (annotate.h).
#include "boilerstrip/annotate.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include "boilerstrip/site_profile.h"
#include "boilerstrip/text.h"
#include "record/record_fields.h"

namespace boilerstrip {
namespace {

// Per-thread working memory: the pipeline calls Row from its worker threads, and the Cleaner's
// State keeps its parser to itself.
struct Scratch {
  simdjson::ondemand::parser parser;
  std::string new_text;
  std::string site;
  std::vector<Removal> removals;
  struct Span {
    uint64_t begin;
    uint64_t end;
    int32_t reason;
  };
  std::vector<Span> spans;     // removals in code points
  std::vector<size_t> order;   // span indices grouped by reason
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// One scalar token as it is written, when it is a complete one: a string in quotes, a number,
// true, false, null. Anything else (a bad record's broken token) is not copied.
bool IsScalarToken(std::string_view t) {
  if (t.size() >= 2 && t.front() == '"' && t.back() == '"') return true;
  return t == "true" || t == "false" || t == "null" || record::IsJsonNumber(t);
}

// The top-level "id" and "source" values of `record` as written there (the first of each);
// empty when absent or unreadable. `valid_utf8`: the record is known to be UTF-8 (it passed
// ParseRecordFields), so it is not checked again. REQUIRES: SIMDJSON_PADDING readable bytes
// after the record.
void IdAndSource(simdjson::ondemand::parser& parser, std::string_view record, bool valid_utf8,
                 std::string_view* id, std::string_view* source) {
  *id = {};
  *source = {};
  if (record.empty()) return;
  if (!valid_utf8 && !simdjson::validate_utf8(record.data(), record.size())) return;
  simdjson::ondemand::document doc;
  if (parser.iterate(record.data(), record.size(), record.size() + simdjson::SIMDJSON_PADDING)
          .get(doc)) {
    return;
  }
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) return;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return;
    std::string_view* slot = key == "id" ? id : key == "source" ? source : nullptr;
    if (slot == nullptr || !slot->empty()) continue;
    simdjson::ondemand::value v;
    if (field.value().get(v)) return;
    simdjson::ondemand::json_type type;
    if (v.type().get(type)) return;
    std::string_view token;
    if (type == simdjson::ondemand::json_type::object) {
      simdjson::ondemand::object o;
      if (v.get_object().get(o) || o.raw_json().get(token)) return;
    } else if (type == simdjson::ondemand::json_type::array) {
      simdjson::ondemand::array a;
      if (v.get_array().get(a) || a.raw_json().get(token)) return;
    } else {
      token = v.raw_json_token();
      token = TrimRight(token);
      if (!IsScalarToken(token)) return;
    }
    *slot = TrimRight(token);
    if (!id->empty() && !source->empty()) return;
  }
}

void AppendHead(std::string_view id, std::string_view source, std::string* out) {
  out->append("{\"id\":");
  out->append(id.empty() ? std::string_view("null") : id);
  if (!source.empty()) {
    out->append(",\"source\":");
    out->append(source);
  }
  out->append(",\"attributes\":{");
}

void AppendKey(std::string_view prefix, std::string_view name, std::string* out) {
  out->push_back('"');
  AppendJsonEscaped(prefix, out);
  out->append("__");
  AppendJsonEscaped(name, out);
  out->append("\":[");
}

void AppendSpan(uint64_t begin, uint64_t end, bool first, std::string* out) {
  char buf[64];
  char* p = buf;
  if (!first) *p++ = ',';
  *p++ = '[';
  p = std::to_chars(p, buf + sizeof(buf), begin).ptr;
  *p++ = ',';
  p = std::to_chars(p, buf + sizeof(buf), end).ptr;
  for (const char c : std::string_view(",1.0]")) *p++ = c;
  out->append(buf, static_cast<size_t>(p - buf));
}

}  // namespace

AttributeRows::AttributeRows(const Cleaner& cleaner, std::string prefix)
    : cleaner_(cleaner), prefix_(std::move(prefix)) {}

RecordOutcome AttributeRows::Row(std::string_view record, Cleaner::State& state, Stats* stats,
                                 std::string* out) const {
  Scratch& s = ThreadScratch();
  RecordOutcome outcome;
  const CleanerOptions& o = cleaner_.options();
  record::RecordFields fields;
  const std::string_view url_path =
      o.site_profile != nullptr ? std::string_view(o.url_field) : std::string_view();
  if (auto bad = record::ParseRecordFields(s.parser, record, o.text_field, url_path, &fields)) {
    outcome.verdict = RecordVerdict::kBad;
    outcome.bad = *bad;
    return outcome;
  }
  std::string_view site;
  if (!fields.url.empty() && o.site_profile->namer().SiteOf(fields.url, &s.site)) site = s.site;
  int drop_rule = -1;
  Result<bool> cleaned =
      cleaner_.CleanText(fields.text, state, stats, &s.new_text, &drop_rule, site);
  if (!cleaned.ok()) {
    outcome.verdict = RecordVerdict::kFailed;
    outcome.error = cleaned.status().message();
    return outcome;
  }
  const std::string_view text = fields.text;
  s.removals.clear();
  if (cleaned.value()) {
    if (drop_rule >= 0) {
      s.removals.push_back({0, static_cast<uint32_t>(text.size()), drop_rule});
    } else {
      cleaner_.AppendRemovals(text, state, &s.removals);
    }
  }
  // Byte offsets to code points, in one walk (the stretches are in order). The text's bytes
  // belong to the parser: done before it parses again below.
  s.spans.clear();
  uint64_t cp = 0;
  size_t at = 0;
  auto advance = [&](size_t to) {
    cp += CountCodePoints(text.substr(at, to - at));
    at = to;
    return cp;
  };
  for (const Removal& r : s.removals) {
    const uint64_t begin = advance(r.begin);
    s.spans.push_back({begin, advance(r.end), r.reason});
  }

  std::string_view id, source;
  IdAndSource(s.parser, record, /*valid_utf8=*/true, &id, &source);
  AppendHead(id, source, out);
  AppendKey(prefix_, "removed", out);
  for (size_t i = 0; i < s.spans.size(); ++i) {
    AppendSpan(s.spans[i].begin, s.spans[i].end, i == 0, out);
  }
  out->push_back(']');
  if (drop_rule >= 0) {
    out->push_back(',');
    AppendKey(prefix_, "drop_doc", out);
    AppendSpan(s.spans[0].begin, s.spans[0].end, true, out);
    out->push_back(']');
  }
  // One key per reason, rules first, then the built-in reasons, then layout.
  s.order.resize(s.spans.size());
  for (size_t i = 0; i < s.order.size(); ++i) s.order[i] = i;
  auto rank = [&](size_t i) {
    const int32_t r = s.spans[i].reason;
    return r == Removal::kLayout ? INT32_MAX : r;
  };
  std::stable_sort(s.order.begin(), s.order.end(),
                   [&](size_t a, size_t b) { return rank(a) < rank(b); });
  for (size_t k = 0; k < s.order.size(); ++k) {
    const size_t i = s.order[k];
    const bool first = k == 0 || s.spans[s.order[k - 1]].reason != s.spans[i].reason;
    if (first) {
      if (k > 0) out->push_back(']');
      out->push_back(',');
      AppendKey(prefix_, cleaner_.ReasonName(s.spans[i].reason), out);
    }
    AppendSpan(s.spans[i].begin, s.spans[i].end, first, out);
  }
  if (!s.order.empty()) out->push_back(']');
  out->append("}}");

  if (drop_rule >= 0) {
    outcome.verdict = RecordVerdict::kDropped;
  } else {
    outcome.changed = cleaned.value();
  }
  return outcome;
}

void AttributeRows::BadRow(std::string_view record, std::string* out) const {
  std::string_view id, source;
  IdAndSource(ThreadScratch().parser, record, /*valid_utf8=*/false, &id, &source);
  AppendHead(id, source, out);
  out->append("}}\n");
}

}  // namespace boilerstrip
