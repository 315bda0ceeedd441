#include <cstdio>

#include "boilerstrip/stats.h"

namespace boilerstrip {

std::string_view BadRecordName(BadRecord reason) {
  switch (reason) {
    case BadRecord::kInvalidJson: return "invalid-json";
    case BadRecord::kInvalidUtf8: return "invalid-utf8";
    case BadRecord::kInvalidString: return "invalid-string";
    case BadRecord::kMissingText: return "missing-text";
    case BadRecord::kNonStringText: return "non-string-text";
    case BadRecord::kDuplicateText: return "duplicate-text";
    case BadRecord::kTooLong: return "too-long";
    case BadRecord::kCount: break;
  }
  return "?";
}

std::string_view ExtraReasonName(ExtraReason reason) {
  switch (reason) {
    case ExtraReason::kDuplicate: return "duplicate";
    case ExtraReason::kSiteRepeated: return "site-repeated";
    case ExtraReason::kClassifier: return "classifier";
    case ExtraReason::kCount: break;
  }
  return "?";
}

void Stats::Resize(size_t rule_count) {
  removed_by.assign(rule_count + static_cast<size_t>(ExtraReason::kCount), 0);
  docs_dropped_by.assign(rule_count, 0);
}

Stats& Stats::operator+=(const Stats& o) {
  records_in += o.records_in;
  records_out += o.records_out;
  records_changed += o.records_changed;
  quarantined += o.quarantined;
  passed_bad += o.passed_bad;
  dropped_doc += o.dropped_doc;
  blank_input_lines += o.blank_input_lines;
  lines_in += o.lines_in;
  lines_removed += o.lines_removed;
  bytes_in += o.bytes_in;
  bytes_out += o.bytes_out;
  records_with_site += o.records_with_site;
  records_site_in_profile += o.records_site_in_profile;
  seconds += o.seconds;
  cpu_seconds += o.cpu_seconds;
  serial_cpu_seconds += o.serial_cpu_seconds;
  if (removed_by.size() < o.removed_by.size()) removed_by.resize(o.removed_by.size());
  for (size_t i = 0; i < o.removed_by.size(); ++i) removed_by[i] += o.removed_by[i];
  if (docs_dropped_by.size() < o.docs_dropped_by.size()) {
    docs_dropped_by.resize(o.docs_dropped_by.size());
  }
  for (size_t i = 0; i < o.docs_dropped_by.size(); ++i) docs_dropped_by[i] += o.docs_dropped_by[i];
  for (size_t i = 0; i < bad_by.size(); ++i) bad_by[i] += o.bad_by[i];
  return *this;
}

namespace {

void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out->append(buf);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

}  // namespace

std::string StatsToJson(const Stats& s, const std::vector<std::string>& rule_names, int indent) {
  std::string pad(indent + 2, ' ');
  std::string close_pad(indent, ' ');
  std::string out = "{\n";
  auto num = [&](const char* key, uint64_t v, bool comma = true) {
    out += pad + "\"" + key + "\": " + std::to_string(v) + (comma ? ",\n" : "\n");
  };
  num("records_in", s.records_in);
  num("records_out", s.records_out);
  num("records_changed", s.records_changed);
  num("quarantined", s.quarantined);
  num("passed_bad", s.passed_bad);
  num("dropped_doc", s.dropped_doc);
  num("blank_input_lines", s.blank_input_lines);
  num("lines_in", s.lines_in);
  num("lines_removed", s.lines_removed);
  num("bytes_in", s.bytes_in);
  num("bytes_out", s.bytes_out);
  num("records_with_site", s.records_with_site);
  num("records_site_in_profile", s.records_site_in_profile);

  auto map = [&](const char* key, auto&& name_of, const auto& counts) {
    out += pad + "\"" + key + "\": {";
    bool first = true;
    for (size_t i = 0; i < counts.size(); ++i) {
      if (counts[i] == 0) continue;
      out += first ? "" : ", ";
      first = false;
      AppendQuoted(name_of(i), &out);
      out += ": " + std::to_string(counts[i]);
    }
    out += "},\n";
  };
  auto reason_name = [&](size_t i) -> std::string {
    if (i < rule_names.size()) return rule_names[i];
    return std::string(ExtraReasonName(static_cast<ExtraReason>(i - rule_names.size())));
  };
  map("lines_removed_by", reason_name, s.removed_by);
  map("docs_dropped_by", [&](size_t i) { return rule_names[i]; }, s.docs_dropped_by);
  map("bad_records", [](size_t i) { return std::string(BadRecordName(static_cast<BadRecord>(i))); },
      s.bad_by);
  char secs[64];
  std::snprintf(secs, sizeof secs, "%.6f", s.cpu_seconds);
  out += pad + "\"cpu_seconds\": " + secs + ",\n";
  std::snprintf(secs, sizeof secs, "%.6f", s.serial_cpu_seconds);
  out += pad + "\"serial_cpu_seconds\": " + secs + ",\n";
  std::snprintf(secs, sizeof secs, "%.3f", s.seconds);
  out += pad + "\"seconds\": " + secs + "\n" + close_pad + "}";
  return out;
}

}  // namespace boilerstrip
