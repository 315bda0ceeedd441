#include "cli/flags.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace boilerstrip::cli {

void Die(const std::string& msg) {
  std::fprintf(stderr, "boilerstrip: %s\nTry 'boilerstrip --help'.\n", msg.c_str());
  std::exit(1);
}

bool ParseSize(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t mult = 1;
  switch (s.back()) {
    case 'K': case 'k': mult = uint64_t{1} << 10; break;
    case 'M': case 'm': mult = uint64_t{1} << 20; break;
    case 'G': case 'g': mult = uint64_t{1} << 30; break;
    default: break;
  }
  if (mult != 1) s.remove_suffix(1);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > (uint64_t{1} << 50) / mult) {
    return false;
  }
  *out = v * mult;
  return true;
}

long ParseInt(const std::string& flag, const std::string& v, long lo, long hi) {
  long x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size() || x < lo || x > hi) {
    Die(flag + ": expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
        "], got '" + v + "'");
  }
  return x;
}

uint64_t ParseSizeOrDie(const std::string& flag, const std::string& v, uint64_t min) {
  uint64_t n = 0;
  if (!ParseSize(v, &n) || n < min) {
    Die(flag + ": expected a size like 64M, got '" + v + "'");
  }
  return n;
}

}  // namespace boilerstrip::cli
