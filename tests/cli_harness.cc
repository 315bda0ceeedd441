#include "cli_harness.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace boilerstrip::testing {
namespace fs = std::filesystem;

namespace {

std::vector<char*> Argv(const std::vector<std::string>& args, std::vector<std::string>* store) {
  store->clear();
  store->push_back(BOILERSTRIP_BINARY);
  for (const auto& a : args) store->push_back(a);
  std::vector<char*> argv;
  for (auto& s : *store) argv.push_back(s.data());
  argv.push_back(nullptr);
  return argv;
}

void Redirect(const std::string& path, int fd, int flags) {
  int f = ::open(path.empty() ? "/dev/null" : path.c_str(), flags, 0644);
  if (f < 0) ::_exit(126);
  ::dup2(f, fd);
  ::close(f);
}

}  // namespace

pid_t SpawnCli(const std::vector<std::string>& args, const std::string& stdout_path,
               const std::string& stderr_path) {
  std::vector<std::string> store;
  std::vector<char*> argv = Argv(args, &store);
  pid_t pid = ::fork();
  if (pid == 0) {
    Redirect("", STDIN_FILENO, O_RDONLY);
    Redirect(stdout_path, STDOUT_FILENO, O_WRONLY | O_CREAT | O_TRUNC);
    Redirect(stderr_path, STDERR_FILENO, O_WRONLY | O_CREAT | O_TRUNC);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int WaitCli(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

CliResult RunCli(const std::vector<std::string>& args, const std::string& stdin_path,
                 const std::string& stdout_path) {
  TempDir io;
  std::string out = stdout_path.empty() ? io / "stdout" : stdout_path;
  std::string err = io / "stderr";
  std::vector<std::string> store;
  std::vector<char*> argv = Argv(args, &store);
  pid_t pid = ::fork();
  if (pid == 0) {
    Redirect(stdin_path, STDIN_FILENO, O_RDONLY);
    Redirect(out, STDOUT_FILENO, O_WRONLY | O_CREAT | O_TRUNC);
    Redirect(err, STDERR_FILENO, O_WRONLY | O_CREAT | O_TRUNC);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  CliResult r;
  r.exit_code = WaitCli(pid);
  if (stdout_path.empty()) r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

namespace {

void Flatten(simdjson::dom::element e, const std::string& prefix,
             std::map<std::string, std::string>* out) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT:
      for (auto [k, v] : e.get_object()) {
        Flatten(v, prefix.empty() ? std::string(k) : prefix + "." + std::string(k), out);
      }
      break;
    case simdjson::dom::element_type::ARRAY: {
      size_t i = 0;
      for (auto v : e.get_array()) Flatten(v, prefix + "." + std::to_string(i++), out);
      break;
    }
    case simdjson::dom::element_type::STRING:
      (*out)[prefix] = std::string(e.get_string().value());
      break;
    default:
      (*out)[prefix] = simdjson::minify(e);
  }
}

uint64_t Num(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : std::stoull(it->second);
}

std::string FromBase64(std::string_view s) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    int v = val(c);
    EXPECT_GE(v, 0) << "bad base64";
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> ReadStats(const std::string& path) {
  std::map<std::string, std::string> out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string text = ReadFile(path);
  auto err = parser.parse(text).get(root);
  EXPECT_EQ(err, simdjson::SUCCESS) << "stats JSON does not parse: " << path;
  if (err) return out;
  Flatten(root, "", &out);
  return out;
}

void ExpectBalanced(const std::string& stats_path) {
  auto m = ReadStats(stats_path);
  ASSERT_TRUE(m.count("total.records_in")) << stats_path;
  std::vector<std::string> scopes = {"total"};
  for (size_t i = 0; m.count("shards." + std::to_string(i) + ".state"); ++i) {
    scopes.push_back("shards." + std::to_string(i) + ".stats");
  }
  for (const std::string& s : scopes) {
    uint64_t in = Num(m, s + ".records_in"), out = Num(m, s + ".records_out");
    uint64_t q = Num(m, s + ".quarantined"), dropped = Num(m, s + ".dropped_doc");
    uint64_t passed = Num(m, s + ".passed_bad");
    EXPECT_EQ(in, out + q + dropped) << s << " in " << stats_path;
    uint64_t bad = 0;
    for (const auto& [k, v] : m) {
      if (k.rfind(s + ".bad_records.", 0) == 0) bad += std::stoull(v);
    }
    EXPECT_EQ(bad, q + passed) << s << " in " << stats_path;
  }
}

std::vector<QuarantineEntry> ReadQuarantine(const std::string& path) {
  std::string text = ReadFile(path);
  if (path.size() > 4 && path.substr(path.size() - 4) == ".zst") text = ZstdDecompress(text);
  std::vector<QuarantineEntry> entries;
  simdjson::dom::parser parser;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    simdjson::dom::element e;
    auto err = parser.parse(line).get(e);
    EXPECT_EQ(err, simdjson::SUCCESS) << "quarantine line is not JSON: " << line;
    if (err) continue;
    QuarantineEntry q;
    q.reason = std::string(e["reason"].get_string().value());
    q.shard = std::string(e["shard"].get_string().value());
    q.offset = e["offset"].get_uint64().value();
    std::string_view raw;
    if (e["raw"].get_string().get(raw) == simdjson::SUCCESS) {
      q.raw = std::string(raw);
    } else {
      q.base64 = true;
      q.raw = FromBase64(e["raw_base64"].get_string().value());
    }
    entries.push_back(std::move(q));
  }
  return entries;
}

void ExpectQuarantineMatchesInput(const std::vector<QuarantineEntry>& entries,
                                  std::string_view input) {
  for (const QuarantineEntry& q : entries) {
    ASSERT_LE(q.offset + q.raw.size(), input.size()) << q.reason;
    EXPECT_EQ(input.substr(q.offset, q.raw.size()), q.raw) << q.reason << " at " << q.offset;
    size_t end = q.offset + q.raw.size();
    EXPECT_TRUE(end == input.size() || input[end] == '\n') << q.reason << " at " << q.offset;
    EXPECT_TRUE(q.offset == 0 || input[q.offset - 1] == '\n') << q.reason << " at " << q.offset;
  }
}

}  // namespace boilerstrip::testing
