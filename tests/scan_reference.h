// The definition of a rule's result on a line, as an oracle for the scan's tests and fuzzer:
// each rule compiled alone (its PatternSet::Expression(), with the flags Compile gives it), and
// each line collapsed and framed alone ('\n' + line + '\n'). PatternSet::Scan must report exactly
// these (line, rule) pairs, whatever its line cache and its one-buffer scan do. Header-only,
// shared by tests/pattern_set_property_test.cc and fuzz/rules_fuzzer.cc.
#ifndef BOILERSTRIP_TESTS_SCAN_REFERENCE_H_
#define BOILERSTRIP_TESTS_SCAN_REFERENCE_H_

#include <hs/hs.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boilerstrip/pattern_set.h"
#include "boilerstrip/text.h"

namespace boilerstrip::testing {

using ScanPairs = std::vector<std::pair<uint32_t, uint32_t>>;  // (line, rule), sorted

class ScanReference {
 public:
  ScanReference() = default;
  ScanReference(const ScanReference&) = delete;
  ScanReference& operator=(const ScanReference&) = delete;
  ~ScanReference() {
    for (hs_database_t* db : dbs_) hs_free_database(db);
    hs_free_scratch(scratch_);
  }

  // Adds the next rule (its index is the number added before). False when Hyperscan rejects it
  // alone (last_error() says why).
  bool Add(const Rule& rule) {
    unsigned flags = HS_FLAG_MULTILINE;
    if (rule.caseless) flags |= HS_FLAG_CASELESS;
    if (rule.utf8) flags |= HS_FLAG_UTF8 | HS_FLAG_UCP;
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_compile(PatternSet::Expression(rule).c_str(), flags, HS_MODE_BLOCK, nullptr, &db,
                   &err) != HS_SUCCESS) {
      last_error_ = err != nullptr && err->message != nullptr ? err->message : "";
      hs_free_compile_error(err);
      return false;
    }
    dbs_.push_back(db);
    return hs_alloc_scratch(db, &scratch_) == HS_SUCCESS;
  }

  // Hyperscan's objection to the last rule Add() refused.
  const std::string& last_error() const { return last_error_; }

  // Every (line, rule) pair of `text` where the rule matches the line alone, sorted.
  ScanPairs Scan(std::string_view text) {
    std::vector<Line> lines;
    SplitLines(text, &lines);
    ScanPairs out;
    for (size_t li = 0; li < lines.size(); ++li) {
      const std::string_view line = text.substr(lines[li].begin, lines[li].end - lines[li].begin);
      std::vector<Line> one;
      SplitLines(line, &one);
      std::string framed;
      std::vector<uint32_t> starts;
      CollapseLines(line, one, &framed, &starts);
      for (size_t r = 0; r < dbs_.size(); ++r) {
        bool matched = false;
        auto on_match = [](unsigned, unsigned long long, unsigned long long, unsigned,
                           void* ctx) {
          *static_cast<bool*>(ctx) = true;
          return 1;  // one match is enough
        };
        hs_scan(dbs_[r], framed.data(), static_cast<unsigned>(framed.size()), 0, scratch_,
                on_match, &matched);
        if (matched) out.emplace_back(static_cast<uint32_t>(li), static_cast<uint32_t>(r));
      }
    }
    return out;
  }

 private:
  std::vector<hs_database_t*> dbs_;
  hs_scratch_t* scratch_ = nullptr;
  std::string last_error_;
};

}  // namespace boilerstrip::testing

#endif  // BOILERSTRIP_TESTS_SCAN_REFERENCE_H_
