// Flag-value parsing shared by the subcommands: one spelling of sizes and integers, one usage
// error. Internal to the CLI.
#ifndef BOILERSTRIP_SRC_CLI_FLAGS_H_
#define BOILERSTRIP_SRC_CLI_FLAGS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace boilerstrip::cli {

// Prints "boilerstrip: MSG" and the --help hint to stderr and exits 1 (a usage error).
[[noreturn]] void Die(const std::string& msg);

// Parses a byte count with an optional K, M or G suffix (powers of 1024). False on anything
// else, or past 2^50 bytes.
bool ParseSize(std::string_view s, uint64_t* out);

// The integer value of `v` for `flag`, in [lo, hi]; dies with a message naming the flag otherwise.
long ParseInt(const std::string& flag, const std::string& v, long lo, long hi);

// The size value of `v` for `flag`, at least `min`; dies with a message naming the flag otherwise.
uint64_t ParseSizeOrDie(const std::string& flag, const std::string& v, uint64_t min = 1);

}  // namespace boilerstrip::cli

#endif  // BOILERSTRIP_SRC_CLI_FLAGS_H_
