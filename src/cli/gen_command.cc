// `boilerstrip gen`: flags → SampleOptions → WriteSample. The generator lives in src/gen/.
#include "cli/gen_command.h"

#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>

#include "boilerstrip/sample.h"
#include "cli/flags.h"

namespace boilerstrip {
namespace {

constexpr char kGenUsage[] = R"(usage: boilerstrip gen [OPTIONS]

Writes a deterministic sample shard of news-like JSONL records with the chrome the default
rules remove, for tests, demos and benchmarks. The same seed gives the same bytes everywhere;
a smaller --size gives a prefix of a larger one.

  -o, --output FILE   output file; a name ending in .zst is zstd-compressed (level 3),
                      one ending in .gz gzip-compressed; - = standard output (default)
      --size BYTES    uncompressed size to reach: 20M, 20MB, 1.5M, 1G, 300K (powers of
                      1024; default 20M)
      --seed N        seed of the record stream (default 1)
      --sites N       number of sites; each repeats its own header lines on its pages
                      (default 16)
      --truth FILE    also write, per record, {"id":..,"chrome":[..],"site":[..]}: the
                      0-based indices of the text's lines that are chrome (the default rules
                      or in-document dedup remove them) and site-repeated lines
  -f, --force         replace an existing output (or truth file); without it an existing
                      one is kept and the command says so
)";

}  // namespace

int GenCommand(int argc, char** argv) {
  SampleOptions opt;
  std::string output = "-";
  std::string truth;
  bool force = false;
  cli::Args args(argc, argv, "o", "gen");
  while (args.Next()) {
    const std::string& a = args.flag();
    if (a == "-h" || a == "--help") {
      std::fputs(kGenUsage, stdout);
      return 0;
    }
    if (a == "-o" || a == "--output") {
      output = args.Value();
    } else if (a == "-f" || a == "--force") {
      force = true;
    } else if (a == "--truth") {
      truth = args.Value();
    } else if (a == "--size") {
      std::string v = args.Value();
      if (!cli::ParseSize(v, &opt.size_bytes)) {
        args.Fail("--size: expected a size like 1G, got '" + v + "'");
      }
    } else if (a == "--seed" || a == "--sites") {
      std::string v = args.Value();
      uint64_t x = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
      if (v.empty() || ec != std::errc() || p != v.data() + v.size()) {
        args.Fail(a + ": expected a non-negative integer, got '" + v + "'");
      }
      if (a == "--seed") {
        opt.seed = x;
      } else {
        if (x < 1 || x > 100000) args.Fail("--sites: expected 1..100000, got '" + v + "'");
        opt.sites = static_cast<uint32_t>(x);
      }
    } else {
      args.Fail("unknown option '" + a + "'");
    }
  }
  if (!truth.empty() && truth == output) args.Fail("--truth and -o name the same file");
  // An existing sample (or truth file) is kept unless -f, as every command keeps its outputs.
  const bool keep_output = cli::KeepExistingOutput(output, force, 1);
  const bool keep_truth = cli::KeepExistingOutput(truth, force, 1);
  if (keep_output || keep_truth) return 0;
  Status st = WriteSample(opt, output, truth, nullptr);
  if (!st.ok()) {
    std::fprintf(stderr, "boilerstrip: %s\n", st.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace boilerstrip
