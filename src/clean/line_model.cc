// The learned line model's file parser and its tree evaluation (flat arrays, complete trees).
#include "boilerstrip/line_model.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "boilerstrip/rules.h"
#include "rules/embedded_patterns.h"

namespace boilerstrip {
namespace {

constexpr std::string_view kMagic = "boilerstrip-line-model";
constexpr int kVersion = 1;

// Splits a line at spaces and tabs.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

// A finite number, the whole field.
bool ParseDouble(std::string_view s, double* out) {
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(buf.c_str(), &end);
  return !buf.empty() && end == buf.c_str() + buf.size() && errno == 0 && std::isfinite(*out);
}

// The largest float not above x: for every float v, v <= x exactly when v <= FloatAtMost(x),
// so comparing floats with it splits as sklearn's comparison of float32 features with its
// double thresholds does.
float FloatAtMost(double x) {
  float f = static_cast<float>(x);  // to nearest; infinite beyond the float range
  if (static_cast<double>(f) > x) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

bool ParseCount(std::string_view s, size_t max, size_t* out) {
  if (s.empty() || s.size() > 9) return false;
  size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

}  // namespace

Result<std::shared_ptr<const LineModel>> LineModel::Parse(std::string_view text,
                                                          std::string_view name) {
  auto model = std::shared_ptr<LineModel>(new LineModel());
  {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ull;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    model->digest_ = hex;
  }
  size_t line_no = 0;
  auto fail = [&](const std::string& why) -> Status {
    return Status::RunError("line model " + std::string(name) +
                            (line_no > 0 ? ":" + std::to_string(line_no) : std::string()) + ": " +
                            why);
  };
  // The header keys in order, then the trees.
  enum Step { kHeader, kFeaturesKey, kDepthKey, kBaseKey, kThresholdKey, kTreesKey, kTreeLines };
  Step step = kHeader;
  size_t want_trees = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    std::vector<std::string_view> f = Fields(line);
    if (f.empty() || f[0].starts_with("#")) continue;
    auto expect_key = [&](std::string_view key, size_t values) -> Status {
      if (f[0] != key) return fail("expected '" + std::string(key) + "', got '" + std::string(f[0]) + "'");
      if (f.size() != values + 1) {
        return fail("'" + std::string(key) + "' takes " + std::to_string(values) + " value(s), got " +
                    std::to_string(f.size() - 1));
      }
      return Status::Ok();
    };
    switch (step) {
      case kHeader:
        if (f[0] != kMagic) return fail("not a line model (no '" + std::string(kMagic) + "' header)");
        if (f.size() != 2 || f[1] != std::to_string(kVersion)) {
          return fail("unsupported version (this build reads version " + std::to_string(kVersion) + ")");
        }
        step = kFeaturesKey;
        break;
      case kFeaturesKey: {
        if (f[0] != "features") return fail("expected 'features', got '" + std::string(f[0]) + "'");
        size_t count = 0;
        if (f.size() < 2 || !ParseCount(f[1], 1 << 20, &count)) return fail("bad feature count");
        if (count != kFeatures || f.size() != 2 + count) {
          return fail("the model has " + std::string(f.size() >= 2 ? f[1] : "no") +
                      " features; this build computes " + std::to_string(kFeatures) +
                      " (retrain it with scripts/train-line-model.py)");
        }
        for (size_t i = 0; i < kFeatures; ++i) {
          if (f[2 + i] != kFeatureNames[i]) {
            return fail("feature " + std::to_string(i) + " is '" + std::string(f[2 + i]) +
                        "'; this build computes '" + std::string(kFeatureNames[i]) +
                        "' there (retrain it with scripts/train-line-model.py)");
          }
        }
        step = kDepthKey;
        break;
      }
      case kDepthKey:
        if (Status s = expect_key("depth", 1); !s.ok()) return s;
        if (f[1] != std::to_string(kDepth)) return fail("trees must have depth " + std::to_string(kDepth));
        step = kBaseKey;
        break;
      case kBaseKey:
        if (Status s = expect_key("base", 1); !s.ok()) return s;
        if (!ParseDouble(f[1], &model->base_)) return fail("bad base '" + std::string(f[1]) + "'");
        step = kThresholdKey;
        break;
      case kThresholdKey:
        if (Status s = expect_key("threshold", 1); !s.ok()) return s;
        if (!ParseDouble(f[1], &model->threshold_)) return fail("bad threshold '" + std::string(f[1]) + "'");
        step = kTreesKey;
        break;
      case kTreesKey:
        if (Status s = expect_key("trees", 1); !s.ok()) return s;
        if (!ParseCount(f[1], 100000, &want_trees) || want_trees == 0) {
          return fail("bad tree count '" + std::string(f[1]) + "' (1 to 100000)");
        }
        step = kTreeLines;
        break;
      case kTreeLines: {
        if (Status s = expect_key("tree", 2 * kSplits + kLeaves); !s.ok()) return s;
        if (model->trees_ == want_trees) return fail("more trees than 'trees' says");
        Tree tree{};
        for (int k = 0; k < kSplits; ++k) {
          size_t feature = 0;
          double x = 0;
          if (!ParseCount(f[1 + 2 * k], kFeatures - 1, &feature)) {
            return fail("split " + std::to_string(k) + ": bad feature index '" +
                        std::string(f[1 + 2 * k]) + "' (0 to " + std::to_string(kFeatures - 1) + ")");
          }
          // Finite only: a leaf above depth 3 is written as a split that always goes left,
          // with a huge threshold (1e300), over copies of itself.
          if (!ParseDouble(f[2 + 2 * k], &x)) {
            return fail("split " + std::to_string(k) + ": bad threshold '" + std::string(f[2 + 2 * k]) + "'");
          }
          tree.feature[k] = static_cast<uint8_t>(feature);
          tree.split[k] = FloatAtMost(x);
        }
        for (int k = 0; k < kLeaves; ++k) {
          double v = 0;
          if (!ParseDouble(f[1 + 2 * kSplits + k], &v)) {
            return fail("leaf " + std::to_string(k) + ": bad value '" +
                        std::string(f[1 + 2 * kSplits + k]) + "'");
          }
          tree.leaf[k] = v;
        }
        model->tree_.push_back(tree);
        ++model->trees_;
        break;
      }
    }
  }
  line_no = 0;
  if (step != kTreeLines) return fail(step == kHeader ? "empty file" : "truncated header");
  if (model->trees_ != want_trees) {
    return fail("'trees' says " + std::to_string(want_trees) + ", the file holds " +
                std::to_string(model->trees_) + " (truncated?)");
  }
  // Bounds of what the trees from t on can still add, for IsChrome's early answer. The margin
  // covers the rounding of summing in another order.
  const size_t n = model->trees_;
  model->lo_.assign(n + 1, 0.0);
  model->hi_.assign(n + 1, 0.0);
  double magnitude = std::abs(model->base_);
  for (size_t t = n; t-- > 0;) {
    const double* l = model->tree_[t].leaf;
    model->lo_[t] = model->lo_[t + 1] + *std::min_element(l, l + kLeaves);
    model->hi_[t] = model->hi_[t + 1] + *std::max_element(l, l + kLeaves);
    for (int k = 0; k < kLeaves; ++k) magnitude += std::abs(l[k]);
  }
  const double margin = 1e-9 * (1.0 + magnitude);
  for (size_t t = 0; t <= n; ++t) model->lo_[t] -= margin, model->hi_[t] += margin;
  // Float sums: each rounding (a leaf to float, each of the n + 1 additions, the bounds) is at
  // most 2^-24 of a magnitude below `magnitude`; four times their sum, and never under 1e-4.
  model->float_margin_ = std::max(1e-4, 4.0 * (2.0 * n + 4.0) * magnitude * 0x1p-24);
  for (Tree& t : model->tree_) {
    for (int k = 0; k < kLeaves; ++k) t.leaf_float[k] = static_cast<float>(t.leaf[k]);
  }
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  model->avx2_ = __builtin_cpu_supports("avx2");
#endif
  return std::shared_ptr<const LineModel>(std::move(model));
}

Result<std::shared_ptr<const LineModel>> LineModel::Load(const std::string& path) {
  std::error_code ec;
  if (path == DefaultPath() && !std::filesystem::exists(path, ec)) {
    // The bundled model, compiled in like the presets, so that the binary needs no file.
    if (embedded::kLineModelSize == 0) {
      return Status::RunError("line model " + path + ": this build has no bundled model");
    }
    return Parse(std::string(reinterpret_cast<const char*>(embedded::kLineModel),
                             embedded::kLineModelSize),
                 path);
  }
  if (std::filesystem::is_directory(path, ec)) {
    return Status::RunError("line model " + path + ": is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::RunError("line model " + path + ": cannot read the file");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::RunError("line model " + path + ": read error");
  return Parse(buf.str(), path);
}

std::string LineModel::DefaultPath() {
  return std::string(kBuiltinPrefix) + "line-model";
}

double LineModel::Score(const float* row) const {
  double s = base_;
  for (const Tree& t : tree_) s += t.leaf[Leaf(t, row)];
  return s;
}

bool LineModel::IsChrome(const float* row, double threshold) const {
  double s = base_;
  for (size_t t = 0; t < trees_; ++t) {
    // Every 4 trees: can the rest still cross the threshold?
    if ((t & 3) == 0) {
      if (s + lo_[t] > threshold) return true;
      if (s + hi_[t] <= threshold) return false;
    }
    s += tree_[t].leaf[Leaf(tree_[t], row)];
  }
  return s > threshold;
}

namespace {

// Leaf index (0..7) of a complete depth-3 tree from the outcomes of all seven of its splits
// (bit k: split k goes right), breadth-first.
struct LeafTable {
  uint8_t leaf[128];
  constexpr LeafTable() : leaf() {
    for (int mask = 0; mask < 128; ++mask) {
      int node = 0;
      for (int d = 0; d < LineModel::kDepth; ++d) node = 2 * node + 1 + ((mask >> node) & 1);
      leaf[mask] = static_cast<uint8_t>(node - LineModel::kSplits);
    }
  }
};
constexpr LeafTable kLeafTable;

}  // namespace

void LineModel::Decide(const float* columns, size_t count, double threshold,
                       uint8_t* chrome) const {
#if defined(__x86_64__) || defined(__i386__)
  if (avx2_) {
    const size_t done = DecideAvx2(columns, count, threshold, chrome);
    // The last rows (fewer than eight) one by one.
    float row[kFeatures];
    for (size_t k = done; k < count; ++k) {
      for (size_t f = 0; f < kFeatures; ++f) row[f] = columns[f * count + k];
      chrome[k] = IsChrome(row, threshold);
    }
    return;
  }
#endif
  DecidePortable(columns, count, threshold, chrome);
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2"))) size_t LineModel::DecideAvx2(const float* columns, size_t count,
                                                              double threshold,
                                                              uint8_t* chrome) const {
  // The threshold's own rounding to float too.
  const double eps = float_margin_ + 4.0 * std::abs(threshold) * 0x1p-24;
  const __m256 above = _mm256_set1_ps(static_cast<float>(threshold + eps));  // surely chrome
  const __m256 below = _mm256_set1_ps(static_cast<float>(threshold - eps));  // surely not
  const __m256i four = _mm256_set1_epi32(4), two = _mm256_set1_epi32(2), one = _mm256_set1_epi32(1);
  float row[kFeatures];
  size_t k = 0;
  for (; k + 8 <= count; k += 8) {
    const float* base = columns + k;
    __m256 s = _mm256_set1_ps(static_cast<float>(base_));
    size_t t = 0;
    for (; t < trees_; ++t) {
      // Every 8 trees: stop when each row's bounds decide it.
      if ((t & 7) == 0 && t > 0) {
        const __m256 lo = _mm256_add_ps(s, _mm256_set1_ps(static_cast<float>(lo_[t])));
        const __m256 hi = _mm256_add_ps(s, _mm256_set1_ps(static_cast<float>(hi_[t])));
        const __m256 decided = _mm256_or_ps(_mm256_cmp_ps(lo, above, _CMP_GT_OQ),
                                            _mm256_cmp_ps(hi, below, _CMP_LE_OQ));
        if (_mm256_movemask_ps(decided) == 0xFF) break;
      }
      const Tree& tr = tree_[t];
      // (A macro: a lambda would not inherit the function's target.)
#define BOILERSTRIP_GO_RIGHT(n)                                                  \
  _mm256_cmp_ps(_mm256_loadu_ps(base + tr.feature[n] * count), _mm256_set1_ps(tr.split[n]), \
                _CMP_GT_OQ)
      // Path bits: b0 at the root, b1 at node 1 + b0, b2 at node 3 + 2 b0 + b1.
      const __m256 b0 = BOILERSTRIP_GO_RIGHT(0);
      const __m256 b1 = _mm256_blendv_ps(BOILERSTRIP_GO_RIGHT(1), BOILERSTRIP_GO_RIGHT(2), b0);
      const __m256 left = _mm256_blendv_ps(BOILERSTRIP_GO_RIGHT(3), BOILERSTRIP_GO_RIGHT(4), b1);
      const __m256 right = _mm256_blendv_ps(BOILERSTRIP_GO_RIGHT(5), BOILERSTRIP_GO_RIGHT(6), b1);
      const __m256 b2 = _mm256_blendv_ps(left, right, b0);
      const __m256i leaf = _mm256_or_si256(
          _mm256_or_si256(_mm256_and_si256(_mm256_castps_si256(b0), four),
                          _mm256_and_si256(_mm256_castps_si256(b1), two)),
          _mm256_and_si256(_mm256_castps_si256(b2), one));
      s = _mm256_add_ps(s, _mm256_permutevar8x32_ps(_mm256_loadu_ps(tr.leaf_float), leaf));
#undef BOILERSTRIP_GO_RIGHT
    }
    // Stopped early: the bounds decide every row (chrome when the lower one is above). Else
    // the full sum, and in double where it is too near the threshold to tell.
    __m256 sure, maybe;
    if (t < trees_) {
      sure = _mm256_cmp_ps(_mm256_add_ps(s, _mm256_set1_ps(static_cast<float>(lo_[t]))), above,
                           _CMP_GT_OQ);
      maybe = _mm256_setzero_ps();
    } else {
      sure = _mm256_cmp_ps(s, above, _CMP_GT_OQ);
      maybe = _mm256_andnot_ps(_mm256_or_ps(sure, _mm256_cmp_ps(s, below, _CMP_LE_OQ)),
                               _mm256_castsi256_ps(_mm256_set1_epi32(-1)));
    }
    const int sure_bits = _mm256_movemask_ps(sure), maybe_bits = _mm256_movemask_ps(maybe);
    for (int j = 0; j < 8; ++j) {
      if ((maybe_bits >> j) & 1) {
        for (size_t f = 0; f < kFeatures; ++f) row[f] = columns[f * count + k + j];
        chrome[k + j] = IsChrome(row, threshold);
      } else {
        chrome[k + j] = (sure_bits >> j) & 1;
      }
    }
  }
  return k;
}
#endif

void LineModel::DecidePortable(const float* columns, size_t count, double threshold,
                               uint8_t* chrome) const {
  // Eight rows at a time, all seven splits of a tree compared at once for the eight (GCC
  // vector extensions: SIMD compares of a column against one threshold, no dependent loads);
  // the seven outcomes index the leaf.
  constexpr size_t kBlock = 8;
  typedef float V8 __attribute__((vector_size(32)));
  typedef int32_t I8 __attribute__((vector_size(32)));
  size_t k = 0;
  for (; k + kBlock <= count; k += kBlock) {
    double s[kBlock];
    for (size_t j = 0; j < kBlock; ++j) s[j] = base_;
    size_t t = 0;
    for (; t < trees_; ++t) {
      // Every 8 trees: stop when no row of the block can still cross the threshold.
      if ((t & 7) == 0 && t > 0) {
        bool open = false;
        for (size_t j = 0; j < kBlock; ++j) {
          open |= !(s[j] + lo_[t] > threshold) && !(s[j] + hi_[t] <= threshold);
        }
        if (!open) break;
      }
      const Tree& tree = tree_[t];
      I8 mask = {};
      for (int n = 0; n < kSplits; ++n) {
        V8 x;
        std::memcpy(&x, columns + tree.feature[n] * count + k, sizeof x);
        mask |= (x > tree.split[n]) & (1 << n);
      }
      for (size_t j = 0; j < kBlock; ++j) s[j] += tree.leaf[kLeafTable.leaf[mask[j]]];
    }
    for (size_t j = 0; j < kBlock; ++j) {
      // Stopped early: every row is decided by its bounds; else by its full score.
      chrome[k + j] = t < trees_ ? s[j] + lo_[t] > threshold : s[j] > threshold;
    }
  }
  float row[kFeatures];
  for (; k < count; ++k) {
    for (size_t f = 0; f < kFeatures; ++f) row[f] = columns[f * count + k];
    chrome[k] = IsChrome(row, threshold);
  }
}

}  // namespace boilerstrip
