// Helpers shared by the tests: temporary directories, files, running the CLI, and a cleaner
// built from rule text.
#ifndef BOILERSTRIP_TESTS_TEST_UTIL_H_
#define BOILERSTRIP_TESTS_TEST_UTIL_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "boilerstrip/cleaner.h"

namespace boilerstrip::testing {

// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string operator/(std::string_view name) const;

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);  // "" when missing
void WriteFile(const std::string& path, std::string_view bytes);  // creates parent dirs
bool Exists(const std::string& path);
// Names of the entries of a directory, sorted (dot files included).
// (Resume manifests, .NAME.done.json, are left out.)
std::vector<std::string> ListDir(const std::string& path);

// zstd frames (level 3) of `data`, with or without a checksum.
std::string ZstdFrame(std::string_view data, bool checksum = true);
std::string ZstdDecompress(std::string_view frames);  // fails the test on error

// Runs a shell command; returns its exit status (or 128 + signal). Captures stdout/stderr when
// the pointers are given.
int Run(const std::string& command, std::string* out = nullptr, std::string* err = nullptr);

// The boilerstrip binary under test, and the project's source directory.
std::string Binary();
std::string SourceDir();
std::string SharedDir();  // ../shared beside the source tree; "" when absent

// A cleaner over the given rule text (the test fails on rule errors).
std::unique_ptr<Cleaner> MakeCleaner(const std::string& rules, CleanerOptions options = {});
// A cleaner over the bundled default rules.
std::unique_ptr<Cleaner> DefaultCleaner(CleanerOptions options = {});

// Runs CleanRecord on a copy of `record` with simdjson padding; returns the outcome and fills
// *out with the written record.
RecordOutcome CleanOne(const Cleaner& cleaner, const std::string& record, std::string* out,
                       Stats* stats = nullptr);

// Cleans a text through CleanText; returns the new text (or the input when unchanged; "" with
// *dropped set when a drop-doc rule fired).
std::string CleanTextOf(const Cleaner& cleaner, const std::string& text, Stats* stats = nullptr,
                        bool* dropped = nullptr);

// JSON-quotes a string (for building records).
std::string Quote(const std::string& s);

}  // namespace boilerstrip::testing

#endif  // BOILERSTRIP_TESTS_TEST_UTIL_H_
