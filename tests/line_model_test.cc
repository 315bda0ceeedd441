// The learned line model: its file parser (bad files get clear errors), its evaluation against
// the scores the training script computed with sklearn (tests/data/line-model-cases.txt), the
// early-stopping decision against the full score, and its place in the classifier.
#include "boilerstrip/line_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "boilerstrip/classifier.h"

namespace boilerstrip {
namespace {

std::string SourceFile(const std::string& rel) {
  return std::string(BOILERSTRIP_SOURCE_DIR) + "/" + rel;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string FeaturesLine() {
  std::string s = "features " + std::to_string(LineModel::kFeatures);
  for (std::string_view n : LineModel::kFeatureNames) s += " " + std::string(n);
  return s;
}

// A small valid model: `trees` trees splitting on feature 0 ("chars") at 10, 20, 30...; leaf k
// is 0.125 * (k - 3), or `leaf` when given.
std::string SmallModel(int trees = 2, std::string threshold = "0.5", std::string leaf = "") {
  std::string s = "# a comment\nboilerstrip-line-model 1\n" + FeaturesLine() +
                  "\ndepth 3\nbase -0.25\nthreshold " + threshold + "\ntrees " +
                  std::to_string(trees) + "\n";
  for (int t = 0; t < trees; ++t) {
    s += "tree";
    for (int k = 0; k < LineModel::kSplits; ++k) s += " 0 " + std::to_string(10 * (k + 1));
    for (int k = 0; k < LineModel::kLeaves; ++k) {
      s += " " + (leaf.empty() ? std::to_string(0.125 * (k - 3)) : leaf);
    }
    s += "\n";
  }
  return s;
}

std::string ParseError(const std::string& text) {
  auto m = LineModel::Parse(text, "test.model");
  EXPECT_FALSE(m.ok()) << text;
  return m.ok() ? std::string() : m.status().message();
}

TEST(LineModelTest, ParsesASmallModelAndWalksItsTrees) {
  auto m = LineModel::Parse(SmallModel(), "test.model");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m.value()->trees(), 2u);
  EXPECT_DOUBLE_EQ(m.value()->threshold(), 0.5);
  std::vector<float> row(LineModel::kFeatures, 0.0f);
  // chars 5: node 0 (x <= 10) left, node 1 (<= 20) left, node 3 (<= 40) left: leaf 0 = -0.375.
  row[0] = 5;
  EXPECT_DOUBLE_EQ(m.value()->Score(row.data()), -0.25 - 2 * 0.375);
  // chars 15: right at node 0 (> 10) → node 2 (<= 30) left → node 5 (<= 60) left: leaf 4.
  row[0] = 15;
  EXPECT_DOUBLE_EQ(m.value()->Score(row.data()), -0.25 + 2 * 0.125);
  // chars 100: right, right, right: leaf 7 = 0.5 each.
  row[0] = 100;
  EXPECT_DOUBLE_EQ(m.value()->Score(row.data()), -0.25 + 2 * 0.5);
  EXPECT_TRUE(m.value()->IsChrome(row.data(), 0.5));
  EXPECT_FALSE(m.value()->IsChrome(row.data(), 0.75));
  // Exactly at a split value goes left (x <= X), as in sklearn.
  row[0] = 10;
  EXPECT_DOUBLE_EQ(m.value()->Score(row.data()), -0.25 - 2 * 0.375);
}

TEST(LineModelTest, BadFilesGetClearErrors) {
  EXPECT_NE(ParseError("").find("empty file"), std::string::npos);
  EXPECT_NE(ParseError("hello\n").find("not a line model"), std::string::npos);
  EXPECT_NE(ParseError("boilerstrip-line-model 2\n").find("unsupported version"), std::string::npos);
  EXPECT_NE(ParseError("boilerstrip-line-model 1\nfeatures 3 a b c\n").find("retrain"),
            std::string::npos);
  std::string good = SmallModel();
  // A feature renamed: the build computes something else there.
  std::string renamed = good;
  renamed.replace(renamed.find(" chars "), 7, " charz ");
  EXPECT_NE(ParseError(renamed).find("feature 0 is 'charz'"), std::string::npos);
  // Truncated: fewer trees than announced.
  std::string truncated = good.substr(0, good.rfind("tree "));
  EXPECT_NE(ParseError(truncated).find("'trees' says 2, the file holds 1"), std::string::npos);
  EXPECT_NE(ParseError(good.substr(0, good.find("depth"))).find("truncated header"),
            std::string::npos);
  // More trees than announced.
  EXPECT_NE(ParseError(good + good.substr(good.rfind("tree "))).find("more trees"),
            std::string::npos);
  // A feature index out of range, a bad number, a missing value, a wrong depth.
  std::string bad_index = good;
  bad_index.replace(bad_index.find("tree 0 "), 7, "tree 99 ");
  EXPECT_NE(ParseError(bad_index).find("bad feature index '99'"), std::string::npos);
  std::string bad_number = good;
  bad_number.replace(bad_number.find("base -0.25"), 10, "base x0.25");
  EXPECT_NE(ParseError(bad_number).find("bad base"), std::string::npos);
  std::string nan_threshold = SmallModel(2, "nan");
  EXPECT_NE(ParseError(nan_threshold).find("bad threshold"), std::string::npos);
  std::string short_tree = good;
  short_tree.erase(short_tree.find(" -0.375"), 7);
  EXPECT_NE(ParseError(short_tree).find("'tree' takes 22 value(s), got 21"), std::string::npos);
  std::string depth = good;
  depth.replace(depth.find("depth 3"), 7, "depth 4");
  EXPECT_NE(ParseError(depth).find("depth 3"), std::string::npos);
  // Errors name the file and line.
  EXPECT_NE(ParseError(bad_index).find("test.model:8:"), std::string::npos);
  // Files that are not there, or not files.
  auto missing = LineModel::Load(SourceFile("tests/data/no-such-model"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("cannot read"), std::string::npos);
  auto dir = LineModel::Load(SourceFile("tests/data"));
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.status().message().find("is a directory"), std::string::npos);
}

// The bundled model gives the scores sklearn gave the same rows when it was trained.
TEST(LineModelTest, BundledModelMatchesTrainingScores) {
  auto m = LineModel::Load(SourceFile("patterns/line-model"));
  ASSERT_TRUE(m.ok()) << m.status().message();
  std::istringstream cases(ReadAll(SourceFile("tests/data/line-model-cases.txt")));
  std::string line;
  size_t checked = 0, chrome = 0;
  while (std::getline(cases, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    double expected = 0;
    in >> expected;
    std::vector<float> row;
    double v = 0;
    while (in >> v) row.push_back(static_cast<float>(v));
    ASSERT_EQ(row.size(), LineModel::kFeatures) << line;
    const double score = m.value()->Score(row.data());
    EXPECT_NEAR(score, expected, 1e-9) << line;
    // The early-stopping decision equals the full score's, at the model's threshold and near
    // this row's own score.
    for (double t : {m.value()->threshold(), expected - 1e-6, expected + 1e-6, expected - 0.3,
                     expected + 0.3}) {
      EXPECT_EQ(m.value()->IsChrome(row.data(), t), score > t) << line << " at " << t;
    }
    chrome += score > m.value()->threshold();
    ++checked;
  }
  EXPECT_GE(checked, 20u);
  // The rows span both decisions, so the test would notice a model that says one thing.
  EXPECT_GT(chrome, 0u);
  EXPECT_LT(chrome, checked);
}

// Decide (blocks of rows, early stop per block; AVX2 floats where the CPU has it) and
// DecidePortable give IsChrome's answers on the fixture rows, for any count (full blocks and a
// tail) and for thresholds near every row's score.
TEST(LineModelTest, DecideEqualsIsChromeOnTheFixture) {
  auto m = LineModel::Load(SourceFile("patterns/line-model"));
  ASSERT_TRUE(m.ok()) << m.status().message();
  std::istringstream cases(ReadAll(SourceFile("tests/data/line-model-cases.txt")));
  std::string line;
  std::vector<float> rows;
  std::vector<double> scores;
  while (std::getline(cases, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    double expected = 0, v = 0;
    in >> expected;
    scores.push_back(expected);
    while (in >> v) rows.push_back(static_cast<float>(v));
  }
  const size_t count = scores.size();
  ASSERT_EQ(rows.size(), count * LineModel::kFeatures);
  ASSERT_GE(count, 17u);
  std::vector<double> thresholds = {m.value()->threshold(), 0.0, -2.0, 2.0};
  for (double s : scores) thresholds.push_back(s - 1e-7), thresholds.push_back(s + 1e-7);
  for (double t : thresholds) {
    for (size_t n : {count, count - 1, size_t{16}, size_t{8}, size_t{3}}) {
      std::vector<uint8_t> chrome(n, 2);
      std::vector<float> columns(n * LineModel::kFeatures);
      for (size_t k = 0; k < n; ++k) {
        for (size_t f = 0; f < LineModel::kFeatures; ++f) {
          columns[f * n + k] = rows[k * LineModel::kFeatures + f];
        }
      }
      m.value()->Decide(columns.data(), n, t, chrome.data());
      std::vector<uint8_t> portable(n, 2);
      m.value()->DecidePortable(columns.data(), n, t, portable.data());
      EXPECT_EQ(portable, chrome) << "at threshold " << t;
      for (size_t k = 0; k < n; ++k) {
        ASSERT_EQ(chrome[k], m.value()->IsChrome(&rows[k * LineModel::kFeatures], t) ? 1 : 0)
            << "row " << k << " of " << n << " at threshold " << t;
        ASSERT_EQ(chrome[k], scores[k] > t ? 1 : 0) << "row " << k << " at threshold " << t;
      }
    }
  }
}

// In the classifier, the model re-decides the open lines; without one, nothing changes; the
// rows are kept on request.
TEST(LineModelTest, ClassifierUsesTheModelOnOpenLinesOnly) {
  // A model whose every leaf says chrome: each open line of a document with prose goes.
  std::string all_chrome = SmallModel(1, "0", "1.0");
  auto model = LineModel::Parse(all_chrome, "all-chrome");
  ASSERT_TRUE(model.ok()) << model.status().message();
  std::vector<float> row(LineModel::kFeatures, 0.0f);
  ASSERT_GT(model.value()->Score(row.data()), 0.0);

  const std::string text =
      "Menu\nThe council met on Tuesday evening and agreed that the old bridge would stay "
      "closed until the engineers had finished their survey.\nKept by a rule\nShare this\n"
      "Removed 1\nRemoved 2\nRemoved 3\nRemoved 4";
  std::vector<Line> lines;
  SplitLines(text, &lines);
  auto run = [&](const ClassifierOptions& options, Classifier::Scratch* scratch) {
    auto c = Classifier::Create(options);
    EXPECT_TRUE(c.ok());
    std::vector<LineMark> marks = {LineMark::kOpen,    LineMark::kOpen,    LineMark::kProtected,
                                   LineMark::kRemoved, LineMark::kRemoved, LineMark::kRemoved,
                                   LineMark::kRemoved, LineMark::kRemoved};
    marks.resize(lines.size(), LineMark::kRemoved);
    c.value().Classify(text, lines, &marks, scratch);
    return marks;
  };
  Classifier::Scratch scratch;
  ClassifierOptions plain;
  auto without = run(plain, &scratch);
  EXPECT_EQ(without[1], LineMark::kContent);
  EXPECT_TRUE(scratch.row_lines.empty());

  ClassifierOptions keep;
  keep.keep_line_features = true;
  EXPECT_EQ(run(keep, &scratch), without);  // rows only: no decision changes
  ASSERT_EQ(scratch.row_lines, (std::vector<uint32_t>{0, 1}));
  ASSERT_EQ(scratch.rows.size(), 2 * LineModel::kFeatures);
  // By column: feature f of row r at rows[f * 2 + r].
  EXPECT_EQ(scratch.rows[1 * 2 + 1], 130.0f);   // bytes of line 1
  EXPECT_EQ(scratch.rows[10 * 2 + 1], 1.0f);    // lines before it
  EXPECT_EQ(scratch.rows[10 * 2 + 0], 0.0f);

  ClassifierOptions with = plain;
  with.line_model = model.value();
  auto judged = run(with, &scratch);
  EXPECT_EQ(judged[0], LineMark::kChrome);
  EXPECT_EQ(judged[1], LineMark::kChrome);
  EXPECT_EQ(judged[2], LineMark::kProtected);  // never judged
  EXPECT_EQ(judged[3], LineMark::kRemoved);
  with.line_model_threshold = 10.0;  // nothing reaches it
  auto none = run(with, &scratch);
  EXPECT_EQ(none[0], LineMark::kContent);
  EXPECT_EQ(none[1], LineMark::kContent);
}

// A document shorter than the pages the model learned from (under 8 non-blank lines: a single
// long paragraph) is left to the structural rules, even with a model that calls every line
// chrome.
TEST(LineModelTest, ShortDocumentsAreLeftToTheStructuralRules) {
  auto model = LineModel::Parse(SmallModel(1, "0", "1.0"), "all-chrome");
  ASSERT_TRUE(model.ok()) << model.status().message();
  ClassifierOptions options;
  options.line_model = model.value();
  auto c = Classifier::Create(options);
  ASSERT_TRUE(c.ok());
  for (int n = 1; n <= 9; ++n) {
    std::string text;
    for (int i = 0; i < n; ++i) {
      text += std::string(i ? "\n" : "") +
              "The council met on Tuesday evening and agreed that the old bridge would stay "
              "closed until the engineers had finished their survey, number " +
              std::to_string(i) + ".";
    }
    std::vector<Line> lines;
    SplitLines(text, &lines);
    std::vector<LineMark> marks(lines.size(), LineMark::kOpen);
    Classifier::Scratch scratch;
    c.value().Classify(text, lines, &marks, &scratch);
    EXPECT_EQ(marks[0], n < 8 ? LineMark::kContent : LineMark::kChrome) << n << " lines";
  }
}

}  // namespace
}  // namespace boilerstrip
