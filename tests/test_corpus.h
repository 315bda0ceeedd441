// A generated shard for the tests that drive the binary over many records (formats, parallel
// reading): prose and boilerplate lines, with a bad record every ~40. Deterministic per seed.
#ifndef BOILERSTRIP_TESTS_TEST_CORPUS_H_
#define BOILERSTRIP_TESTS_TEST_CORPUS_H_

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

namespace boilerstrip::testing {

struct CorpusShape {
  int vocabulary = 16;        // how many of the words prose lines draw from (at most 16)
  bool unterminated = false;  // half the bad records are an unterminated string, not JSON
};

// Records with boilerplate lines to remove and a bad record every ~40 (a non-string text, or
// with `unterminated` half of them a line that is no JSON), about `bytes` long.
inline std::string Corpus(size_t bytes, uint32_t seed, CorpusShape shape = {}) {
  std::mt19937 rng(seed);
  const char* words[] = {"river",  "council",  "the",    "bridge",  "of",     "budget",
                         "and",    "minister", "closed", "weather", "report", "market",
                         "school", "a",        "new",    "said"};
  const char* chrome[] = {"Share this:", "Source link", "Posted in News", "Leave a Comment"};
  std::string out;
  for (uint32_t id = 0; out.size() < bytes; ++id) {
    if (rng() % 40 == 0) {
      const bool broken = shape.unterminated && rng() % 2 == 0;
      out += broken ? "{\"text\":\"broken\n" : "{\"text\":42}\n";
      continue;
    }
    std::string text;
    for (int l = 0, lines = 2 + rng() % 6; l < lines; ++l) {
      std::string line;
      if (rng() % 4 == 0) {
        line = chrome[rng() % 4];
      } else {
        for (int w = 0, n = 5 + rng() % 12; w < n; ++w) {
          line += std::string(w ? " " : "") + words[rng() % shape.vocabulary];
        }
        line += ".";
      }
      text += (l ? "\\n" : "") + line;
    }
    out += "{\"id\":" + std::to_string(id) + ",\"text\":\"" + text + "\"}\n";
  }
  return out;
}

}  // namespace boilerstrip::testing

#endif  // BOILERSTRIP_TESTS_TEST_CORPUS_H_
