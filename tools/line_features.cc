// line_features: the line model's feature rows, as the cleaner computes them, for training.
//
// usage: line_features [-p PATTERNS] [CLEAN-FLAGS-FREE] < pages.jsonl > rows.tsv
// Reads plain JSONL records with "id" and "text" on standard input, cleans each text with the
// given rules (default: the default set) and the default classifier without a line model, and
// writes one row per line the model would judge: the record's id, the line's index (its '\n'
// count before it), then LineModel::kFeatures values (%.9g, which reads back as the same
// float). A first row '#' names the columns. scripts/train-line-model.py reads it, so training
// and the cleaner share one definition of every feature. Exits 1 on a bad record or bad rules.
#include <simdjson.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/line_model.h"
#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rules.h"

namespace bs = boilerstrip;

int main(int argc, char** argv) {
  std::vector<std::string> pattern_paths;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "-p" || a == "--patterns") && i + 1 < argc) {
      pattern_paths.push_back(bs::ResolvePatternsPath(argv[++i], nullptr));
    } else {
      std::fprintf(stderr, "usage: line_features [-p PATTERNS]... < pages.jsonl > rows.tsv\n");
      return 2;
    }
  }
  if (pattern_paths.empty()) pattern_paths.push_back(bs::DefaultPatternsPath());
  std::vector<bs::Rule> rules;
  std::vector<bs::RuleError> errors;
  bs::LoadRules(pattern_paths, &rules, &errors);
  std::shared_ptr<const bs::PatternSet> patterns;
  if (errors.empty()) {
    auto set = bs::PatternSet::Compile(std::move(rules), &errors);
    if (set.ok() && errors.empty()) patterns = std::move(set.value());
  }
  if (patterns == nullptr) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
    std::fprintf(stderr, "line_features: bad rules\n");
    return 1;
  }
  bs::CleanerOptions options;
  options.classifier.keep_line_features = true;
  auto cleaner = bs::Cleaner::Create(options, patterns);
  if (!cleaner.ok()) {
    std::fprintf(stderr, "line_features: %s\n", cleaner.status().message().c_str());
    return 1;
  }
  auto state = cleaner.value()->MakeState();
  bs::Stats stats;
  stats.Resize(patterns->rules().size());
  std::string out, record;
  std::printf("#id\tline");
  for (std::string_view name : bs::LineModel::kFeatureNames) {
    std::printf("\t%.*s", static_cast<int>(name.size()), name.data());
  }
  std::printf("\n");
  simdjson::dom::parser parser;
  size_t record_no = 0;
  while (std::getline(std::cin, record)) {
    ++record_no;
    if (record.empty()) continue;
    simdjson::dom::element doc;
    std::string_view id, text;
    if (parser.parse(record).get(doc) || doc["id"].get(id) || doc["text"].get(text)) {
      std::fprintf(stderr, "line_features: record %zu: no string \"id\" and \"text\"\n", record_no);
      return 1;
    }
    const std::string id_copy(id), text_copy(text);  // the parser reuses its buffers
    int drop_doc = -1;
    auto cleaned = cleaner.value()->CleanText(text_copy, *state, &stats, &out, &drop_doc);
    if (!cleaned.ok()) {
      std::fprintf(stderr, "line_features: record %zu: %s\n", record_no,
                   cleaned.status().message().c_str());
      return 1;
    }
    if (drop_doc >= 0) continue;  // the whole document goes: no line is judged
    const bs::Classifier::Scratch& s = bs::Cleaner::ClassifierScratch(*state);
    for (size_t r = 0; r < s.row_lines.size(); ++r) {
      std::printf("%s\t%u", id_copy.c_str(), s.row_lines[r]);
      const size_t count = s.row_lines.size();  // rows are stored by column
      for (size_t k = 0; k < bs::LineModel::kFeatures; ++k) {
        std::printf("\t%.9g", s.rows[k * count + r]);
      }
      std::printf("\n");
    }
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "line_features: write error\n");
    return 1;
  }
  return 0;
}
