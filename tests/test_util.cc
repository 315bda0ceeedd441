#include "test_util.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <zstd.h>

#include <algorithm>
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
  std::string tmpl = (fs::temp_directory_path() / "boilerstrip-test-XXXXXX").string();
  char* p = ::mkdtemp(tmpl.data());
  if (p == nullptr) std::abort();
  path_ = p;
}

TempDir::~TempDir() {
  std::error_code ec;
  // Undo chmod-based fixtures so that removal works.
  for (auto it = fs::recursive_directory_iterator(path_, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  }
  fs::remove_all(path_, ec);
}

std::string TempDir::operator/(std::string_view name) const {
  return path_ + "/" + std::string(name);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

bool Exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(path, ec)) {
    std::string name = e.path().filename().string();
    // A resume manifest (.NAME.done.json, beside each complete output of clean) is no output;
    // the tests of resume look for it by name.
    if (name.size() > 10 && name[0] == '.' && name.compare(name.size() - 10, 10, ".done.json") == 0) {
      continue;
    }
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ZstdFrame(std::string_view data, bool checksum) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum ? 1 : 0);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress2(cctx, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(n)) std::abort();
  out.resize(n);
  return out;
}

std::string ZstdDecompress(std::string_view frames) {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ZSTD_inBuffer in{frames.data(), frames.size(), 0};
  std::string out;
  std::string buf(1 << 16, '\0');
  size_t ret = 0;
  while (in.pos < in.size) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    ret = ZSTD_decompressStream(dctx, &o, &in);
    EXPECT_FALSE(ZSTD_isError(ret)) << ZSTD_getErrorName(ret);
    if (ZSTD_isError(ret)) break;
    out.append(buf.data(), o.pos);
  }
  while (!ZSTD_isError(ret) && ret != 0) {  // flush what the decoder still holds
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    ret = ZSTD_decompressStream(dctx, &o, &in);
    out.append(buf.data(), o.pos);
    if (o.pos == 0) break;
  }
  EXPECT_EQ(ret, 0u) << "zstd stream ends inside a frame";
  ZSTD_freeDCtx(dctx);
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
  Result<bool> changed = cleaner.CleanText(text, *state, stats, &out, &drop_rule);
  EXPECT_TRUE(changed.ok()) << changed.status().message();
  if (!changed.ok()) return text;
  if (dropped) *dropped = drop_rule >= 0;
  if (drop_rule >= 0) return "";
  return changed.value() ? out : text;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  AppendJsonEscaped(s, &out);
  return out + "\"";
}

}  // namespace boilerstrip::testing
