#include "pipeline/resume.h"

#include <simdjson.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <unistd.h>

#include <filesystem>

#include "io/atomic_file.h"

#ifndef BOILERSTRIP_VERSION
#define BOILERSTRIP_VERSION "0.1.0"
#endif

namespace boilerstrip::resume {
namespace {

namespace fs = std::filesystem;

// FNV-1a, 64 bits: stable across builds and machines, which std::hash is not.
struct Fnv {
  uint64_t h = 0xcbf29ce484222325ull;
  void Add(std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
    h ^= 0xff;  // a separator no UTF-8 byte sequence holds, so "ab"+"c" != "a"+"bc"
    h *= 0x100000001b3ull;
  }
  std::string Hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
  }
};

std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void AppendString(std::string_view s, std::string* out) {
  out->push_back('"');
  AppendJsonEscaped(s, out);
  out->push_back('"');
}

const char* ModeName(BadRecordMode m) {
  switch (m) {
    case BadRecordMode::kQuarantine: return "quarantine";
    case BadRecordMode::kPass: return "pass";
    case BadRecordMode::kFail: return "fail";
  }
  return "?";
}

const char* FormatName(OutputFormat f) {
  switch (f) {
    case OutputFormat::kAuto: return "auto";
    case OutputFormat::kPlain: return "plain";
    case OutputFormat::kZstd: return "zst";
    case OutputFormat::kGzip: return "gz";
  }
  return "?";
}

}  // namespace

Fingerprint MakeFingerprint(const RunOptions& run, const Cleaner& cleaner) {
  Fingerprint fp;
  fp.emplace_back("tool", "boilerstrip " BOILERSTRIP_VERSION);
  Fnv rules;
  for (const Rule& r : cleaner.patterns().rules()) {
    rules.Add(r.name);
    rules.Add(ActionName(r.action));
    rules.Add(r.pattern);
    rules.Add(std::string(r.caseless ? "i" : "") + (r.whole_line ? "l" : "") + (r.utf8 ? "u" : ""));
  }
  fp.emplace_back("rules", std::to_string(cleaner.patterns().rules().size()) + " rules, hash " +
                               rules.Hex());
  const CleanerOptions& c = cleaner.options();
  auto add = [&](const char* k, std::string v) { fp.emplace_back(k, std::move(v)); };
  add("text-field", c.text_field);
  add("tail-fraction", Num(c.tail_fraction));
  add("truncate-after-prose", std::to_string(c.truncate_after_prose_bytes));
  add("cut-after-prose", std::to_string(c.cut_after_prose_bytes));
  add("dedup", c.dedup ? "on" : "off");
  if (c.dedup) add("min-dup-length", std::to_string(c.min_dedup_bytes));
  const ClassifierOptions& k = c.classifier;
  add("classifier", k.enabled ? "on" : "off");
  if (k.enabled) {
    add("classifier-short", std::to_string(k.short_chars));
    add("classifier-long", std::to_string(k.long_chars));
    add("classifier-stopwords", Num(k.min_stopword_share));
    add("classifier-symbol-share", Num(k.max_symbol_share));
    add("classifier-run", std::to_string(k.max_inner_run));
    add("classifier-top-run", std::to_string(k.max_top_run));
    add("classifier-document-stopwords", Num(k.min_document_stopword_share));
    add("classifier-heading-lines", std::to_string(k.max_heading_lines));
    add("classifier-heading-chars", std::to_string(k.min_heading_chars));
    add("classifier-headlines", std::to_string(k.max_headline_lines));
    add("title-headline", k.title_headline ? "on" : "off");
    add("classifier-comments", std::to_string(k.min_comment_meta));
    add("classifier-comments-gap", std::to_string(k.comment_meta_gap));
    add("classifier-comments-after", std::to_string(k.comment_prose_bytes));
    add("classifier-block", std::to_string(k.min_block_bytes));
    add("classifier-block-gap", std::to_string(k.max_block_gap));
    add("classifier-scan-bytes", std::to_string(k.scan_bytes));
    if (k.line_model != nullptr) {
      add("line-model", "model " + k.line_model->digest() + ", threshold " +
                            Num(std::isnan(k.line_model_threshold) ? k.line_model->threshold()
                                                                   : k.line_model_threshold));
    } else {
      add("line-model", "off");
    }
  }
  if (c.site_profile != nullptr) {
    const ProfileInfo& i = c.site_profile->info();
    const SiteOptions& s = c.site_profile->options();
    add("site-profile", std::to_string(i.sites) + " sites, " + std::to_string(i.entries) +
                            " entries, " + std::to_string(i.docs) + " docs, " +
                            std::to_string(i.file_bytes) + " bytes" + (i.final ? ", final" : ""));
    add("site-thresholds", std::to_string(s.min_site_docs) + "/" + std::to_string(s.share_ppm()) +
                               "ppm/" + std::to_string(s.min_line_docs));
    add("psl", s.psl_file.empty() ? "(system)" : s.psl_file);
    add("url-field", c.url_field);
  } else {
    add("site-profile", "none");
  }
  // annotate writes attribute rows where clean writes records (its attribute prefix is not
  // recorded: annotate outputs are resumed by the other fields only).
  add("writes", run.rows != nullptr ? "attribute rows" : "records");
  add("on-bad-record", ModeName(run.on_bad_record));
  add("output-format", FormatName(run.output_format));
  // Not --level, --gzip-level or --batch-size: they change how an output is compressed (frame
  // and member boundaries), never what it holds.
  add("max-record-size", std::to_string(run.max_record_bytes));
  return fp;
}

std::string ManifestPath(const std::string& output) {
  fs::path p(output);
  return (p.parent_path() / ("." + p.filename().string() + ".done.json")).string();
}

std::string ManifestJson(const Fingerprint& fingerprint, const std::string& input,
                         int64_t input_size, const Stats& stats,
                         const std::vector<std::string>& rule_names) {
  std::string out = "{\n  \"version\": 1,\n  \"made_by\": {";
  for (size_t i = 0; i < fingerprint.size(); ++i) {
    out += i ? ",\n    " : "\n    ";
    AppendString(fingerprint[i].first, &out);
    out += ": ";
    AppendString(fingerprint[i].second, &out);
  }
  out += "\n  },\n  \"input\": ";
  AppendString(input, &out);
  out += ",\n  \"input_size\": " + std::to_string(input_size);
  out += ",\n  \"stats\": " + StatsToJson(stats, rule_names, 2) + "\n}\n";
  return out;
}

namespace {

// Reads a StatsToJson object back. Counters it does not know are ignored (a newer writer).
Status ParseStats(simdjson::dom::object obj, const std::vector<std::string>& rule_names,
                  Stats* stats) {
  stats->Resize(rule_names.size());
  auto reason_index = [&](std::string_view name) -> int64_t {
    for (size_t i = 0; i < rule_names.size(); ++i) {
      if (rule_names[i] == name) return static_cast<int64_t>(i);
    }
    for (size_t e = 0; e < static_cast<size_t>(ExtraReason::kCount); ++e) {
      if (ExtraReasonName(static_cast<ExtraReason>(e)) == name) {
        return static_cast<int64_t>(rule_names.size() + e);
      }
    }
    return -1;
  };
  for (auto field : obj) {
    std::string_view key = field.key;
    if (key == "seconds") {
      double d = 0;
      if (field.value.get(d) == simdjson::SUCCESS) stats->seconds = d;
      continue;
    }
    simdjson::dom::object counts;
    if (field.value.get(counts) == simdjson::SUCCESS) {
      for (auto entry : counts) {
        uint64_t n = 0;
        if (entry.value.get(n) != simdjson::SUCCESS) {
          return Status::RunError(std::string(key) + ": not a count");
        }
        if (key == "lines_removed_by") {
          int64_t r = reason_index(entry.key);
          if (r < 0) return Status::RunError("unknown reason " + std::string(entry.key));
          stats->removed_by[r] = n;
        } else if (key == "docs_dropped_by") {
          int64_t r = reason_index(entry.key);
          if (r < 0 || static_cast<size_t>(r) >= rule_names.size()) {
            return Status::RunError("unknown rule " + std::string(entry.key));
          }
          stats->docs_dropped_by[r] = n;
        } else if (key == "bad_records") {
          bool known = false;
          for (size_t b = 0; b < stats->bad_by.size(); ++b) {
            if (BadRecordName(static_cast<BadRecord>(b)) == entry.key) {
              stats->bad_by[b] = n;
              known = true;
            }
          }
          if (!known) return Status::RunError("unknown bad-record reason " + std::string(entry.key));
        }
      }
      continue;
    }
    uint64_t n = 0;
    if (field.value.get(n) != simdjson::SUCCESS) continue;
    if (key == "records_in") stats->records_in = n;
    else if (key == "records_out") stats->records_out = n;
    else if (key == "records_changed") stats->records_changed = n;
    else if (key == "quarantined") stats->quarantined = n;
    else if (key == "passed_bad") stats->passed_bad = n;
    else if (key == "dropped_doc") stats->dropped_doc = n;
    else if (key == "blank_input_lines") stats->blank_input_lines = n;
    else if (key == "lines_in") stats->lines_in = n;
    else if (key == "lines_removed") stats->lines_removed = n;
    else if (key == "bytes_in") stats->bytes_in = n;
    else if (key == "bytes_out") stats->bytes_out = n;
    else if (key == "records_with_site") stats->records_with_site = n;
    else if (key == "records_site_in_profile") stats->records_site_in_profile = n;
  }
  return Status::Ok();
}

}  // namespace

Result<Manifest> ReadManifest(const std::string& path, const std::vector<std::string>& rule_names) {
  // One parser per thread: the check runs serially before the run, over every shard.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.load(path).get(doc)) {
    return Status::RunError(path + ": unreadable manifest: " + simdjson::error_message(err));
  }
  Manifest m;
  simdjson::dom::object made_by, stats;
  std::string_view input;
  const bool ok = doc["made_by"].get(made_by) == simdjson::SUCCESS &&
                  doc["stats"].get(stats) == simdjson::SUCCESS &&
                  doc["input"].get(input) == simdjson::SUCCESS &&
                  doc["input_size"].get(m.input_size) == simdjson::SUCCESS;
  if (!ok) return Status::RunError(path + ": not a boilerstrip manifest");
  m.input = std::string(input);
  for (auto field : made_by) {
    std::string_view v;
    if (field.value.get(v)) return Status::RunError(path + ": not a boilerstrip manifest");
    m.fingerprint.emplace_back(std::string(field.key), std::string(v));
  }
  // Stats name rules: under other rules they may not parse, which the fingerprint says first.
  if (Status st = ParseStats(stats, rule_names, &m.stats); !st.ok()) {
    m.stats_error = path + ": stats: " + st.message();
  }
  return m;
}

std::vector<std::string> Differences(const Manifest& manifest, const Fingerprint& now,
                                     int64_t input_size_now) {
  std::vector<std::string> diffs;
  auto find = [](const Fingerprint& fp, const std::string& key) -> const std::string* {
    for (const auto& [k, v] : fp) {
      if (k == key) return &v;
    }
    return nullptr;
  };
  for (const auto& [key, value] : now) {
    const std::string* then = find(manifest.fingerprint, key);
    if (then == nullptr) {
      diffs.push_back(key + ": (not recorded) → " + value);
    } else if (*then != value) {
      diffs.push_back(key + ": " + *then + " → " + value);
    }
  }
  for (const auto& [key, value] : manifest.fingerprint) {
    if (find(now, key) == nullptr) diffs.push_back(key + ": " + value + " → (not set)");
  }
  if (manifest.input_size >= 0 && input_size_now >= 0 && manifest.input_size != input_size_now) {
    diffs.push_back("input size: " + std::to_string(manifest.input_size) + " → " +
                    std::to_string(input_size_now) + " bytes");
  }
  return diffs;
}

Verdict CheckOutput(const std::string& output, const std::string& input, const Fingerprint& now,
                    const std::vector<std::string>& rule_names) {
  Verdict v;
  struct stat st;
  if (::stat(output.c_str(), &st) != 0) return v;  // kRun
  v.kind = Verdict::kMismatch;
  const std::string manifest_path = ManifestPath(output);
  if (::access(manifest_path.c_str(), F_OK) != 0) {
    v.why = "no manifest (" + manifest_path +
            "): made by an older boilerstrip, or the run was cut before recording it";
    return v;
  }
  Result<Manifest> m = ReadManifest(manifest_path, rule_names);
  if (!m.ok()) {
    v.why = m.status().message();
    return v;
  }
  std::vector<std::string> diffs = Differences(m.value(), now, InputSize(input));
  if (diffs.empty() && !m.value().stats_error.empty()) diffs.push_back(m.value().stats_error);
  if (diffs.empty()) {
    v.kind = Verdict::kSkip;
    v.stats = std::move(m.value().stats);
    return v;
  }
  for (size_t i = 0; i < diffs.size(); ++i) v.why += (i ? "; " : "") + diffs[i];
  return v;
}

Status WriteManifest(const std::string& output, const Fingerprint& fingerprint,
                     const std::string& input, const Stats& stats,
                     const std::vector<std::string>& rule_names) {
  return io::WriteFileAtomically(
      ManifestPath(output), ManifestJson(fingerprint, input, InputSize(input), stats, rule_names));
}

void RemoveManifest(const std::string& output) { ::unlink(ManifestPath(output).c_str()); }

int64_t InputSize(const std::string& path) {
  struct stat st;
  if (path == "-" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  return static_cast<int64_t>(st.st_size);
}

}  // namespace boilerstrip::resume
