// Helpers shared by the tests: temporary directories, files, running the CLI, and a cleaner
// built from rule text.
#ifndef BOILERSTRIP_TESTS_TEST_UTIL_H_
#define BOILERSTRIP_TESTS_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "boilerstrip/cleaner.h"

namespace boilerstrip::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& bytes);
std::string ReadFile(const std::string& path);  // "" when missing
bool FileExists(const std::string& path);
std::vector<std::string> ListDir(const std::string& path);  // sorted names

std::string ZstdCompress(const std::string& bytes, int level = 3);
std::string ZstdDecompress(const std::string& bytes);  // all frames; throws on error

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
