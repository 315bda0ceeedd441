// Sample shards: deterministic, realistic JSONL crawl records for tests, demos and benchmarks.
//
// A record is a news-like page: prose paragraphs written from built-in word lists, a title, and
// the chrome DESIGN.md lists (duplicated titles and captions with typographic-quote variants,
// share / follow / cookie / newsletter lines, "Source link", "Posted in", author blurbs,
// "Leave a Comment") plus, per site, header lines the site repeats on every page (its name,
// slogan and navigation run). The JSON is what crawls hold: `id`, `url` on a set of sites, a
// nested `metadata` object, escapes (\" \\ \t \/ and \uXXXX for some non-ASCII text) and a few
// very long (~1 MB) documents.
//
// The stream is a pure function of SampleOptions::seed and SampleOptions::sites: the records do
// not depend on the size asked for, so a smaller sample is a prefix of a larger one, on any
// machine (own PRNG, no std distributions).
#ifndef BOILERSTRIP_SAMPLE_H_
#define BOILERSTRIP_SAMPLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "boilerstrip/status.h"

namespace boilerstrip {

struct SampleOptions {
  // Seed of the record stream. Default: 1.
  uint64_t seed = 1;
  // Uncompressed bytes to write (records and their '\n'); generation stops after the record
  // that reaches it, so the output is at least this long and shorter than this plus one record.
  // Default: 20 MiB.
  uint64_t size_bytes = uint64_t{20} << 20;
  // Number of distinct sites the records' URLs are spread over; each site has its own
  // repeated header lines. Must be in [1, 100000]. Default: 16.
  uint32_t sites = 16;
  // Fraction of documents that are very long (~1 MiB of text). Must be in [0, 1].
  // Default: 1/4000.
  double long_doc_rate = 1.0 / 4000.0;
};

// What a line of a generated text is. The truth a test or an evaluation scores against.
enum class SampleLineKind : uint8_t {
  kArticle,  // content: must survive cleaning (blank lines count as article)
  kChrome,   // boilerplate the default rules or in-document dedup remove
  kSite,     // a line its site repeats on its pages (header, navigation): needs a site profile
};

struct SampleRecord {
  std::string id;
  std::string json;                   // one JSONL record, without the '\n'
  std::vector<SampleLineKind> kinds;  // per line of the text, split at '\n'
};

// Yields the record stream. Not thread-safe; each generator is independent.
class SampleGenerator {
 public:
  // REQUIRES: options validated by ValidateSampleOptions.
  explicit SampleGenerator(const SampleOptions& options);
  ~SampleGenerator();
  SampleGenerator(const SampleGenerator&) = delete;
  SampleGenerator& operator=(const SampleGenerator&) = delete;

  // Replaces *record with the next record of the stream.
  void Next(SampleRecord* record);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// A kRun error naming the bad option, or OK.
Status ValidateSampleOptions(const SampleOptions& options);

// Writes a sample shard to `path` ("-" = standard output; a name ending in ".zst" is written
// as one zstd stream at level 3, single-threaded; one ending in ".gz" as gzip, a member per
// 4 MiB) and, when `truth_path` is not empty, one JSON
// line per record to it: {"id":ID,"chrome":[LINE,...],"site":[LINE,...]} with the 0-based
// indices of the text's chrome and site lines. Files are written to a temporary name and
// renamed when complete. *bytes_written (may be null) receives the uncompressed size.
Status WriteSample(const SampleOptions& options, const std::string& path,
                   const std::string& truth_path, uint64_t* bytes_written);

}  // namespace boilerstrip

#endif  // BOILERSTRIP_SAMPLE_H_
