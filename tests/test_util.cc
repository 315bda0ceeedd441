#include "test_util.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <zstd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rules.h"

namespace boilerstrip::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/boilerstrip-test-XXXXXX";
  char* made = mkdtemp(tmpl.data());
  if (made == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  // Undo permission changes a test may have made so that removal succeeds.
  for (auto it = fs::recursive_directory_iterator(path_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  }
  fs::remove_all(path_, ec);
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool FileExists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(path, ec)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

std::string ZstdCompress(const std::string& bytes, int level) {
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), level);
  if (ZSTD_isError(n)) throw std::runtime_error("zstd compress failed");
  out.resize(n);
  return out;
}

std::string ZstdDecompress(const std::string& bytes) {
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
  std::string out;
  char buf[1 << 16];
  size_t ret = 0;
  while (in.pos < in.size) {
    ZSTD_outBuffer o{buf, sizeof buf, 0};
    ret = ZSTD_decompressStream(d, &o, &in);
    if (ZSTD_isError(ret)) {
      ZSTD_freeDCtx(d);
      throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(ret));
    }
    out.append(buf, o.pos);
  }
  ZSTD_freeDCtx(d);
  if (ret != 0) throw std::runtime_error("zstd: truncated");
  return out;
}

int Run(const std::string& command, std::string* out, std::string* err) {
  TempDir dir;
  std::string full = "(" + command + ") >" + dir / "out" + " 2>" + dir / "err";
  int rc = std::system(full.c_str());
  if (out) *out = ReadFile(dir / "out");
  if (err) *err = ReadFile(dir / "err");
  if (WIFEXITED(rc)) return WEXITSTATUS(rc);
  if (WIFSIGNALED(rc)) return 128 + WTERMSIG(rc);
  return rc;
}

std::string Binary() { return BOILERSTRIP_BINARY; }
std::string SourceDir() { return BOILERSTRIP_SOURCE_DIR; }
std::string SharedDir() {
  std::error_code ec;
  fs::path p = fs::path(SourceDir()).parent_path() / "shared";
  return fs::is_directory(p, ec) ? p.string() : "";
}

namespace {

std::unique_ptr<Cleaner> Build(std::vector<Rule> rules, std::vector<RuleError> errors,
                               CleanerOptions options) {
  for (const auto& e : errors) ADD_FAILURE() << e.ToString();
  auto set = PatternSet::Compile(std::move(rules), &errors);
  for (const auto& e : errors) ADD_FAILURE() << e.ToString();
  if (!set.ok()) return nullptr;
  std::shared_ptr<const PatternSet> shared = std::move(set.value());
  auto cleaner = Cleaner::Create(std::move(options), shared);
  if (!cleaner.ok()) {
    ADD_FAILURE() << cleaner.status().message();
    return nullptr;
  }
  return std::move(cleaner.value());
}

}  // namespace

std::unique_ptr<Cleaner> MakeCleaner(const std::string& rule_text, CleanerOptions options) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  ParseRuleText(rule_text, "test.rules", &rules, &errors);
  return Build(std::move(rules), std::move(errors), std::move(options));
}

std::unique_ptr<Cleaner> DefaultCleaner(CleanerOptions options) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  LoadRules({SourceDir() + "/patterns/default"}, &rules, &errors);
  return Build(std::move(rules), std::move(errors), std::move(options));
}

RecordOutcome CleanOne(const Cleaner& cleaner, const std::string& record, std::string* out,
                       Stats* stats) {
  Stats local;
  if (stats == nullptr) stats = &local;
  if (stats->removed_by.empty()) stats->Resize(cleaner.patterns().rules().size());
  simdjson::padded_string padded(record);
  auto state = cleaner.MakeState();
  out->clear();
  return cleaner.CleanRecord(std::string_view(padded.data(), padded.size()), *state, stats, out);
}

std::string CleanTextOf(const Cleaner& cleaner, const std::string& text, Stats* stats,
                        bool* dropped) {
  Stats local;
  if (stats == nullptr) stats = &local;
  if (stats->removed_by.empty()) stats->Resize(cleaner.patterns().rules().size());
  auto state = cleaner.MakeState();
  std::string out;
  int drop_rule = -1;
  bool changed = cleaner.CleanText(text, *state, stats, &out, &drop_rule);
  if (dropped) *dropped = drop_rule >= 0;
  if (drop_rule >= 0) return "";
  return changed ? out : text;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  AppendJsonEscaped(s, &out);
  return out + "\"";
}

}  // namespace boilerstrip::testing
