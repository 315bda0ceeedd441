// PatternSet: all rules in one Hyperscan block-mode database.
//
// Rules are compiled with HS_FLAG_MULTILINE and without HS_FLAG_SINGLEMATCH: one scan reports
// every match of every rule, and the cleaner maps match end offsets to lines.
#include "boilerstrip/pattern_set.h"

#include <hs/hs.h>

#include <limits>

namespace boilerstrip {
namespace {

unsigned HsFlags(const Rule& rule) {
  unsigned flags = HS_FLAG_MULTILINE;
  if (rule.caseless) flags |= HS_FLAG_CASELESS;
  if (rule.utf8) flags |= HS_FLAG_UTF8 | HS_FLAG_UCP;
  return flags;
}

int OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long to,
            unsigned int /*flags*/, void* context) {
  static_cast<std::vector<Hit>*>(context)->push_back(
      {static_cast<uint32_t>(id), static_cast<uint32_t>(to)});
  return 0;
}

// Compiles one rule alone, to attribute an error to it.
std::string CompileError(const Rule& rule) {
  std::string expr = PatternSet::Expression(rule);
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  std::string message;
  if (hs_compile(expr.c_str(), HsFlags(rule), HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
    message = err != nullptr && err->message != nullptr ? err->message : "compile failed";
    hs_free_compile_error(err);
  }
  hs_free_database(db);
  return message;
}

}  // namespace

PatternSet::Scratch::~Scratch() { hs_free_scratch(s_); }

PatternSet::Scratch& PatternSet::Scratch::operator=(Scratch&& other) noexcept {
  if (this != &other) {
    hs_free_scratch(s_);
    s_ = other.s_;
    other.s_ = nullptr;
  }
  return *this;
}

std::string PatternSet::Expression(const Rule& rule) {
  if (!rule.whole_line) return rule.pattern;
  // Leading and trailing horizontal space (NBSP included) and a '\r' before '\n' do not stop a
  // whole-line match.
  const char* space = rule.utf8 ? "[ \\t\\r\\f\\v\\x{A0}]*" : "(?:[ \\t\\r\\f\\v]|\\xC2\\xA0)*";
  return std::string("^") + space + "(?:" + rule.pattern + ")" + space + "$";
}

Result<std::unique_ptr<PatternSet>> PatternSet::Compile(std::vector<Rule> rules,
                                                        std::vector<RuleError>* errors) {
  std::unique_ptr<PatternSet> set(new PatternSet());
  set->rules_ = std::move(rules);
  const auto& rs = set->rules_;
  if (rs.empty()) return set;
  if (rs.size() > std::numeric_limits<uint32_t>::max() / 2) {
    return Status::RunError("too many rules");
  }
  std::vector<std::string> exprs;
  std::vector<const char*> expr_ptrs;
  std::vector<unsigned> flags, ids;
  exprs.reserve(rs.size());
  for (size_t i = 0; i < rs.size(); ++i) {
    exprs.push_back(Expression(rs[i]));
    flags.push_back(HsFlags(rs[i]));
    ids.push_back(static_cast<unsigned>(i));
  }
  for (const auto& e : exprs) expr_ptrs.push_back(e.c_str());
  hs_compile_error_t* err = nullptr;
  hs_error_t rc = hs_compile_multi(expr_ptrs.data(), flags.data(), ids.data(),
                                   static_cast<unsigned>(rs.size()), HS_MODE_BLOCK, nullptr,
                                   &set->db_, &err);
  if (rc != HS_SUCCESS) {
    std::string whole = err != nullptr && err->message != nullptr ? err->message : "";
    hs_free_compile_error(err);
    // Hyperscan names only the first bad expression; compile each alone to report them all.
    size_t before = errors->size();
    for (const Rule& r : rs) {
      std::string message = CompileError(r);
      if (!message.empty()) errors->push_back({r.file, r.line_number, r.name, message});
    }
    if (errors->size() == before) {
      // Each compiles alone but not together (e.g. the set is too large).
      errors->push_back({"", 0, "", "rule set failed to compile: " + whole});
    }
    return Status::RunError("rules failed to compile");
  }
  if (hs_alloc_scratch(set->db_, &set->proto_scratch_) != HS_SUCCESS) {
    return Status::RunError("cannot allocate Hyperscan scratch");
  }
  return set;
}

PatternSet::~PatternSet() {
  hs_free_scratch(proto_scratch_);
  hs_free_database(db_);
}

PatternSet::Scratch PatternSet::MakeScratch() const {
  Scratch s;
  if (proto_scratch_ != nullptr && hs_clone_scratch(proto_scratch_, &s.s_) != HS_SUCCESS) {
    s.s_ = nullptr;
  }
  return s;
}

Status PatternSet::Scan(std::string_view text, Scratch& scratch, std::vector<Hit>* hits) const {
  hits->clear();
  if (db_ == nullptr || text.empty()) return Status::Ok();
  if (scratch.s_ == nullptr) return Status::RunError("no Hyperscan scratch");
  if (text.size() > std::numeric_limits<unsigned>::max()) {
    return Status::Error(ErrorScope::kRecord, "text too long to scan");
  }
  hs_error_t rc = hs_scan(db_, text.data(), static_cast<unsigned>(text.size()), 0, scratch.s_,
                          OnMatch, hits);
  if (rc != HS_SUCCESS) {
    return Status::Error(ErrorScope::kRecord, "Hyperscan scan failed: " + std::to_string(rc));
  }
  return Status::Ok();
}

}  // namespace boilerstrip
