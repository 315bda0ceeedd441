// LineModel: a learned line model (gradient-boosted trees) that joins the structural classifier.
//
// The classifier (classifier.h) first decides every open line by its rules of shape and
// context; then, with a model, it measures each open line's features (kFeatureNames: the line's
// own measures, the classifier's own decision, its position, and the same for three non-blank
// neighbours each side) and the model's score decides it instead: chrome when the score (the
// log-odds of boilerplate) exceeds the threshold. Lines a rule removed or protected are never
// scored. scripts/train-line-model.py trains it on features that the same C++ code computes
// (tools/line_features.cc), so there is one definition of every feature.
//
// File format (text, versioned; '#' lines are comments):
//   boilerstrip-line-model 1
//   features N NAME...        the feature names, which must equal kFeatureNames in order
//   depth 3
//   base B                    the initial score
//   threshold T               chrome when score > T
//   trees K
//   tree F0 X0 ... F6 X6 L0 ... L7   K lines: a complete tree of depth 3 in breadth-first order,
//                             seven splits (feature index, threshold: go right when x > X) and
//                             eight leaf values (already scaled by the learning rate)
// The score is B plus the leaf of each tree, summed in file order (as sklearn sums its stages).
// A LineModel is immutable; Score may be called concurrently.
#ifndef BOILERSTRIP_LINE_MODEL_H_
#define BOILERSTRIP_LINE_MODEL_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "boilerstrip/status.h"

namespace boilerstrip {

class LineModel {
 public:
  static constexpr int kDepth = 3;
  static constexpr int kSplits = (1 << kDepth) - 1;  // per tree
  static constexpr int kLeaves = 1 << kDepth;         // per tree
  static constexpr int kNeighbours = 3;               // each side
  static constexpr size_t kOwnFeatures = 17;
  static constexpr size_t kNeighbourFeatures = 4;  // per neighbour
  static constexpr size_t kFeatures = kOwnFeatures + 2 * kNeighbours * kNeighbourFeatures;
  // The features, in row order; defined in classifier.cc (Classifier::LineModelRows).
  static const std::array<std::string_view, kFeatures> kFeatureNames;

  // Parses a model file's text; `name` names it in errors (run-scope, with the line number).
  static Result<std::shared_ptr<const LineModel>> Parse(std::string_view text,
                                                        std::string_view name);
  // Reads and parses a model file.
  static Result<std::shared_ptr<const LineModel>> Load(const std::string& path);
  // The bundled model ("builtin:line-model"): patterns/line-model compiled into the library;
  // a file of that name in the working directory is read instead, as for the presets.
  static std::string DefaultPath();

  // The score of one row of kFeatures values: base plus every tree's leaf.
  double Score(const float* row) const;
  // Whether Score(row) > threshold, stopping as soon as the remaining trees cannot change the
  // answer (the same answer as the full sum).
  bool IsChrome(const float* row, double threshold) const;
  // IsChrome for `count` rows stored by column: feature f of row k at columns[f * count + k];
  // chrome[k] = 1 or 0. Eight rows go through each tree at once: with AVX2 (checked at run
  // time) as float vectors, all seven splits compared and the leaf picked by a permute, the
  // rows near the threshold re-decided in double; else as DecidePortable. Same answers as
  // IsChrome either way.
  void Decide(const float* columns, size_t count, double threshold, uint8_t* chrome) const;
  // Decide without AVX2 (GCC vector extensions, double sums): what CPUs without it run, public
  // so that tests compare the two.
  void DecidePortable(const float* columns, size_t count, double threshold,
                      uint8_t* chrome) const;

  double threshold() const { return threshold_; }
  size_t trees() const { return trees_; }
  // A 64-bit FNV-1a hash of the model's text, in hex: what resume compares.
  const std::string& digest() const { return digest_; }

 private:
  LineModel() = default;
  // One tree, packed: split features and thresholds (go right when x > split; a float
  // threshold that splits every float exactly as sklearn's double one does), leaf values.
  struct Tree {
    float split[kSplits];
    uint8_t feature[kSplits];
    double leaf[kLeaves];
    float leaf_float[kLeaves];  // the leaves rounded to float, for the SIMD walk
  };
  static int Leaf(const Tree& t, const float* row) {
    int node = 0;
    for (int d = 0; d < kDepth; ++d) node = 2 * node + 1 + (row[t.feature[node]] > t.split[node]);
    return node - kSplits;
  }

  // Decide's eight-rows-at-a-time part with AVX2 (a float walk of all seven splits and a leaf
  // permute per tree; rows whose float score lies within float_margin_ of the threshold are
  // re-decided by IsChrome, so every answer is the double score's). Returns how many rows
  // (a multiple of 8) it decided. Called only where the CPU has AVX2.
  size_t DecideAvx2(const float* columns, size_t count, double threshold, uint8_t* chrome) const;

  size_t trees_ = 0;
  std::string digest_;
  // A bound on how far a float sum of base and leaves (in any prefix) can be from the double
  // one, with room to spare.
  double float_margin_ = 0;
  bool avx2_ = false;  // the CPU runs AVX2 (checked once, at Parse)
  double base_ = 0, threshold_ = 0;
  std::vector<Tree> tree_;
  // lo_[t], hi_[t]: bounds of the sum of the leaves of trees t.. (with a safety margin).
  std::vector<double> lo_, hi_;
};

}  // namespace boilerstrip

#endif  // BOILERSTRIP_LINE_MODEL_H_
