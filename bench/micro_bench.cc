// Micro-benchmarks of the per-record hot path, on records from the sample generator:
//   BM_ParseSplice   simdjson parse + validate + text unescape + splice (no rules, no dedup)
//   BM_Scan          one Hyperscan scan of each text with the default rules
//   BM_ScanRules/N   the same with N synthetic literal/caseless rules (10 ... 10000): the scan
//                    cost should stay flat as rules are added
//   BM_LinesDedup    line split + normalize + hash of every line
//   BM_CleanRecord   the whole per-record clean with the default rules
//   BM_Measure       the classifier's per-line measure (length, words, stopwords, symbols) of
//                    every non-blank line, as the default with its line model measures them
//   BM_ScanWithout/R the default rules less rule R, and BM_ScanOnly/R rule R alone: what each
//                    rule costs the scan (run with --benchmark_filter=Scan)
// Every benchmark counts the input bytes (bytes/s) and documents (items/s).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <memory>
#include <string>
#include <vector>

#include "boilerstrip/classifier.h"
#include "boilerstrip/cleaner.h"
#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rules.h"
#include "boilerstrip/sample.h"
#include "boilerstrip/text.h"

namespace bs = boilerstrip;

namespace {

// ~8 MiB of generated records, each followed by simdjson padding, plus their unescaped texts.
struct Corpus {
  std::string buffer;                     // records, each padded
  std::vector<std::string_view> records;  // views into buffer
  std::vector<std::string> texts;         // unescaped text fields
  size_t record_bytes = 0;
  size_t text_bytes = 0;
};

const Corpus& GetCorpus() {
  static const Corpus corpus = [] {
    Corpus c;
    bs::SampleOptions opt;
    opt.seed = 7;
    opt.long_doc_rate = 0;  // a single 1 MB record would dominate a corpus this small
    bs::SampleGenerator gen(opt);
    bs::SampleRecord rec;
    std::vector<std::pair<size_t, size_t>> spans;
    while (c.record_bytes < (size_t{8} << 20)) {
      gen.Next(&rec);
      spans.emplace_back(c.buffer.size(), rec.json.size());
      c.buffer += rec.json;
      c.buffer.append(simdjson::SIMDJSON_PADDING, ' ');
      c.record_bytes += rec.json.size();
    }
    simdjson::ondemand::parser parser;
    for (auto [off, len] : spans) {
      std::string_view r(c.buffer.data() + off, len);
      c.records.push_back(r);
      auto doc = parser.iterate(simdjson::padded_string_view(r.data(), r.size(),
                                                             r.size() + simdjson::SIMDJSON_PADDING));
      std::string_view text = doc["text"].get_string().value();
      c.texts.emplace_back(text);
      c.text_bytes += text.size();
    }
    return c;
  }();
  return corpus;
}

std::shared_ptr<const bs::PatternSet> Compile(std::vector<bs::Rule> rules) {
  std::vector<bs::RuleError> errors;
  auto set = bs::PatternSet::Compile(std::move(rules), &errors);
  if (!set.ok() || !errors.empty()) {
    std::fprintf(stderr, "bench: cannot compile rules\n");
    std::abort();
  }
  return std::move(set.value());
}

std::shared_ptr<const bs::PatternSet> DefaultPatterns() {
  static const auto set = [] {
    std::vector<bs::Rule> rules;
    std::vector<bs::RuleError> errors;
    bs::LoadRules({bs::DefaultPatternsPath()}, &rules, &errors);
    if (!errors.empty()) {
      std::fprintf(stderr, "bench: %s\n", errors[0].ToString().c_str());
      std::abort();
    }
    return Compile(std::move(rules));
  }();
  return set;
}

// `n` distinct synthetic rules, like a site-specific allow/deny list: half whole-line caseless
// literals ("promo line 17 for site"), half literals found anywhere in a line.
std::vector<bs::Rule> SyntheticRules(int n) {
  static const char* kWords[] = {"promo", "banner", "widget", "sponsor", "teaser", "ticker",
                                 "sidebar", "popup", "footer", "masthead", "related", "trending"};
  std::vector<bs::Rule> rules;
  for (int i = 0; i < n; ++i) {
    bs::Rule r;
    r.name = "synthetic-" + std::to_string(i);
    r.action = bs::Action::kDrop;
    r.pattern = std::string(kWords[i % 12]) + " " + kWords[(i / 12) % 12] + " line " +
                std::to_string(i) + " for site";
    r.caseless = i % 2 == 0;
    r.whole_line = i % 2 == 0;
    r.file = "synthetic";
    rules.push_back(std::move(r));
  }
  return rules;
}

void Count(benchmark::State& state, size_t bytes_per_iter, size_t docs_per_iter) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes_per_iter));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * docs_per_iter));
}

// Cleans every record of the corpus per iteration with `cleaner`.
// Each pass starts from a fresh state (and so a cold scan cache, see PatternSet::Scan): every
// pass sees the corpus once, as a run does, and never the lines it remembers from the last pass.
void CleanAllRecords(benchmark::State& state, const Corpus& c, const bs::Cleaner& cleaner) {
  bs::Stats stats;
  stats.Resize(cleaner.patterns().rules().size());
  std::string out;
  for (auto _ : state) {
    auto st = cleaner.MakeState();
    out.clear();
    for (std::string_view r : c.records) {
      benchmark::DoNotOptimize(cleaner.CleanRecord(r, *st, &stats, &out));
    }
  }
  Count(state, c.record_bytes, c.records.size());
}

void BM_ParseSplice(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  bs::CleanerOptions opt;
  opt.dedup = false;
  opt.classifier.enabled = false;  // parse + splice alone: no line stage
  auto cleaner = std::move(bs::Cleaner::Create(opt, Compile({})).value());
  CleanAllRecords(state, c, *cleaner);
}
BENCHMARK(BM_ParseSplice)->Unit(benchmark::kMillisecond);

void ScanWith(benchmark::State& state, const bs::PatternSet& set) {
  const Corpus& c = GetCorpus();
  std::vector<bs::Hit> hits;
  size_t total_hits = 0;
  for (auto _ : state) {
    auto scratch = set.MakeScratch();  // a cold scan cache each pass, as in CleanAllRecords
    for (const std::string& t : c.texts) {
      if (!set.Scan(t, scratch, &hits).ok()) state.SkipWithError("scan failed");
      total_hits += hits.size();
    }
  }
  benchmark::DoNotOptimize(total_hits);
  state.counters["rules"] = static_cast<double>(set.rules().size());
  state.counters["remembers"] = set.remembers_lines() ? 1 : 0;  // Compile's choice, timed
  Count(state, c.text_bytes, c.texts.size());
}

void BM_Scan(benchmark::State& state) { ScanWith(state, *DefaultPatterns()); }
BENCHMARK(BM_Scan)->Unit(benchmark::kMillisecond);

void BM_ScanRules(benchmark::State& state) {
  auto set = Compile(SyntheticRules(static_cast<int>(state.range(0))));
  ScanWith(state, *set);
}
BENCHMARK(BM_ScanRules)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_LinesDedup(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  std::vector<bs::Line> lines;
  std::string norm;
  uint64_t acc = 0;
  for (auto _ : state) {
    for (const std::string& t : c.texts) {
      bs::SplitLines(t, &lines);
      for (const bs::Line& l : lines) {
        if (l.blank) continue;
        bs::NormalizeLine(std::string_view(t).substr(l.begin, l.end - l.begin), &norm);
        acc ^= bs::HashBytes(norm);
      }
    }
  }
  benchmark::DoNotOptimize(acc);
  Count(state, c.text_bytes, c.texts.size());
}
BENCHMARK(BM_LinesDedup)->Unit(benchmark::kMillisecond);

void BM_Measure(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  auto classifier = bs::Classifier::Create(bs::ClassifierOptions());
  if (!classifier.ok()) {
    state.SkipWithError("classifier options rejected");
    return;
  }
  std::vector<std::vector<bs::Line>> lines(c.texts.size());
  size_t measured = 0;
  for (size_t t = 0; t < c.texts.size(); ++t) bs::SplitLines(c.texts[t], &lines[t]);
  uint64_t acc = 0;
  for (auto _ : state) {
    for (size_t t = 0; t < c.texts.size(); ++t) {
      const std::string_view text = c.texts[t];
      for (const bs::Line& l : lines[t]) {
        if (l.blank) continue;
        const bs::LineFeatures f = classifier.value().Measure(text.substr(l.begin, l.end - l.begin));
        acc += f.chars + f.words + f.stop + f.symbols + f.visible + f.ends_sentence;
        ++measured;
      }
    }
  }
  benchmark::DoNotOptimize(acc);
  state.counters["lines"] = benchmark::Counter(static_cast<double>(measured),
                                               benchmark::Counter::kIsRate);
  Count(state, c.text_bytes, c.texts.size());
}
BENCHMARK(BM_Measure)->Unit(benchmark::kMillisecond);

void BM_CleanRecord(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  auto cleaner = std::move(bs::Cleaner::Create(bs::CleanerOptions(), DefaultPatterns()).value());
  CleanAllRecords(state, c, *cleaner);
}
BENCHMARK(BM_CleanRecord)->Unit(benchmark::kMillisecond);

// Per-rule cost: the scan without each default rule, and each rule alone. The sets are
// compiled when a benchmark first runs, so filtering them out costs nothing.
void RegisterRuleBenchmarks() {
  auto rules = std::make_shared<std::vector<bs::Rule>>();
  std::vector<bs::RuleError> errors;
  bs::LoadRules({bs::DefaultPatternsPath()}, rules.get(), &errors);
  if (!errors.empty()) return;
  for (size_t i = 0; i < rules->size(); ++i) {
    for (bool only : {false, true}) {
      auto cache = std::make_shared<std::shared_ptr<const bs::PatternSet>>();
      auto run = [rules, i, only, cache](benchmark::State& st) {
        if (*cache == nullptr) {
          std::vector<bs::Rule> subset;
          for (size_t k = 0; k < rules->size(); ++k) {
            if ((k == i) == only) subset.push_back((*rules)[k]);
          }
          *cache = Compile(std::move(subset));
        }
        ScanWith(st, **cache);
      };
      std::string name = (only ? "BM_ScanOnly/" : "BM_ScanWithout/") + (*rules)[i].name;
      benchmark::RegisterBenchmark(name.c_str(), run)->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RegisterRuleBenchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
