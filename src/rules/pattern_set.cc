// PatternSet: all rules in one Hyperscan block-mode database.
//
// Rules are compiled with HS_FLAG_MULTILINE and without HS_FLAG_SINGLEMATCH: one scan reports
// every match of every rule, and the cleaner maps match end offsets to lines.
#include "boilerstrip/pattern_set.h"

#include <fcntl.h>
#include <hs/hs.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "boilerstrip/text.h"

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

// The compiled-database cache: $BOILERSTRIP_CACHE_DIR (empty = off), else
// $XDG_CACHE_HOME/boilerstrip, else $HOME/.cache/boilerstrip. Compiling a large rule set costs a
// good part of a second per process; a Slurm array of thousands of short tasks pays it once.
std::string CacheDir() {
  if (const char* dir = std::getenv("BOILERSTRIP_CACHE_DIR")) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg) {
    return std::string(xdg) + "/boilerstrip";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home) {
    return std::string(home) + "/.cache/boilerstrip";
  }
  return "";
}

// The cache key covers everything the database depends on: every expression with its flags and
// id, Hyperscan's version and the platform it compiles for. Two independent 64-bit hashes.
std::string CacheKey(const std::vector<std::string>& exprs, const std::vector<unsigned>& flags) {
  std::string material = hs_version();
  hs_platform_info_t platform{};
  if (hs_populate_platform(&platform) == HS_SUCCESS) {
    material.append("|").append(std::to_string(platform.tune));
    material.append("|").append(std::to_string(platform.cpu_features));
  }
  for (size_t i = 0; i < exprs.size(); ++i) {
    material.append("\n").append(std::to_string(flags[i])).append(":");
    material.append(std::to_string(exprs[i].size())).append(":").append(exprs[i]);
  }
  char key[40];
  std::snprintf(key, sizeof key, "%016llx%016llx",
                static_cast<unsigned long long>(HashBytes(material)),
                static_cast<unsigned long long>(HashBytes("boilerstrip-db/" + material)));
  return key;
}

hs_database_t* LoadCached(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string bytes = buf.str();
  hs_database_t* db = nullptr;
  if (bytes.empty() ||
      hs_deserialize_database(bytes.data(), bytes.size(), &db) != HS_SUCCESS) {
    return nullptr;  // damaged or from another build: compile afresh (and overwrite it)
  }
  return db;
}

// Best effort: a cache that cannot be written is no error. Written to a temporary name and
// renamed, so that concurrent tasks never read a partial file.
void StoreCached(const std::string& dir, const std::string& path, const hs_database_t* db) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return;
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = mkstemp(tmp.data());
  bool ok = fd >= 0;
  for (size_t done = 0; ok && done < length;) {
    ssize_t n = ::write(fd, bytes + done, length - done);
    ok = n > 0;
    done += ok ? static_cast<size_t>(n) : 0;
  }
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  if (ok) ok = std::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok && fd >= 0) ::unlink(tmp.c_str());
  std::free(bytes);
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
  const std::string cache_dir = CacheDir();
  std::string cache_path;
  if (!cache_dir.empty()) {
    cache_path = cache_dir + "/rules-" + CacheKey(exprs, flags) + ".hsdb";
    set->db_ = LoadCached(cache_path);
  }
  const bool from_cache = set->db_ != nullptr;
  hs_compile_error_t* err = nullptr;
  hs_error_t rc = from_cache ? HS_SUCCESS : hs_compile_multi(expr_ptrs.data(), flags.data(), ids.data(),
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
  if (!cache_path.empty() && !from_cache) {
    StoreCached(cache_dir, cache_path, set->db_);
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
