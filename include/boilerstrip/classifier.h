// LineClassifier: tells site chrome from prose by the shape of lines, with no patterns and no
// model file.
//
// Each line gets a first class from its own features: its length in characters, its word count,
// the share of its words that are stopwords (a built-in English list, or the caller's), whether
// it ends in sentence punctuation, and the share of digits and symbols. Then context decides the
// ambiguous lines, in the manner of jusText: a short line (a heading, a date, a byline) between
// two prose lines stays; a run of short lines (a menu, a tag list, a footer) goes; a medium line
// stays unless chrome surrounds it. The document's start counts as prose for what follows it
// directly (a title above the article is content); its end counts as chrome. Beyond single
// runs: the line repeating the page title (the first line) is the headline and stays; groups of
// prose lines far from the article with little prose in them go; and, when asked, a comment
// section found by its metadata lines goes to the end.
//
// Deterministic and linear in the text: word statistics look at most `scan_bytes` of each line.
// A Classifier is immutable; its const methods may be called concurrently.
#ifndef BOILERSTRIP_CLASSIFIER_H_
#define BOILERSTRIP_CLASSIFIER_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "boilerstrip/line_model.h"
#include "boilerstrip/status.h"
#include "boilerstrip/text.h"

namespace boilerstrip {

struct ClassifierOptions {
  // Run the classifier at all. Default: true.
  bool enabled = true;
  // A line shorter than this many characters (code points) is short: context decides it.
  // Default: 50.
  size_t short_chars = 50;
  // A prose line at least this long is good: it anchors its neighbours. Default: 100.
  size_t long_chars = 100;
  // A line counts as prose when at least this share of its words are stopwords. Lines with
  // too few words in the stopword list's script are judged by punctuation instead. In [0, 1].
  // Default: 0.25.
  double min_stopword_share = 0.25;
  // A medium line (not short, not prose) whose share of digits and symbols among its
  // non-space characters reaches this is chrome outright. In (0, 1]. Default: 0.5.
  double max_symbol_share = 0.5;
  // A run of at most this many short lines between two prose lines stays (headings, dates,
  // bylines, short list items); a longer run is a menu and goes, unless most of its words are
  // lowercase (an ingredient list, a list of steps: menus and headline lists are capitalized).
  // Default: 6.
  size_t max_inner_run = 6;
  // A run of at most this many short lines at the start of the document, before the first prose
  // line, stays (a title and a byline). Default: 2.
  size_t max_top_run = 2;
  // A document whose long lines have fewer stopwords than this share of their words is in a
  // language the list does not cover: punctuation then decides what is prose. Default: 0.1.
  double min_document_stopword_share = 0.1;
  // When a run of short lines goes, up to this many of its last lines stay if they stand right
  // above a prose line and each has at least min_heading_chars characters (a headline and a
  // byline above the article; menu entries are shorter). Default: 2.
  size_t max_heading_lines = 2;
  // Default: 25.
  size_t min_heading_chars = 25;
  // A run between prose lines that holds more than this many headline-like lines (at least
  // min_heading_chars, mostly capitalized words, no sentence punctuation) is a list of links
  // to other articles and goes, however short. 0 = no such check. Default: 2.
  size_t max_headline_lines = 2;
  // The first later line that repeats the document's first line (the page title), or the
  // longer part of it before or after a separator ("Headline | Site"), is the article's
  // headline: content, and it anchors its neighbours. Default: true.
  bool title_headline = true;
  // A comment section: after comment_prose_bytes of long prose lines, a run of at least this
  // many comment metadata lines (a clock time, "3 hours ago", "Jane says:"; under 100 bytes),
  // each within comment_meta_gap lines of the next, starts the comments; from there (and a
  // short name line right above) to the end is chrome. 0 = off. Defaults: 0 (off), 12, 2000.
  size_t min_comment_meta = 0;
  size_t comment_meta_gap = 12;
  size_t comment_prose_bytes = 2000;
  // Prose lines with at most max_block_gap other non-blank lines between neighbours form a
  // block. Every block but the one with the most prose needs at least min_block_bytes bytes of
  // prose lines, else its lines are chrome (a teaser's summary or a blurb amid menus).
  // min_block_bytes 0 = off. Defaults: 400 and 12.
  size_t min_block_bytes = 400;
  size_t max_block_gap = 12;
  // Word statistics look at no more than this many bytes of a line (its start), which keeps the
  // classifier cheap on long lines. Must be at least 16. Default: 160.
  size_t scan_bytes = 160;
  // Lowercase stopwords (UTF-8), each one word of at most 16 bytes. Empty: the built-in
  // English list. Default: empty.
  std::vector<std::string> stopwords;
  // The learned line model (line_model.h): after the rules of shape and context, it decides
  // every open line of a document that has prose, from the line's features and the classifier's
  // own decision. Null = none. Default: none (the CLI loads the bundled model for the default
  // rules; `--no-line-model` turns it off).
  std::shared_ptr<const LineModel> line_model;
  // Chrome when the model's score exceeds this; NaN = the model file's threshold.
  double line_model_threshold = std::numeric_limits<double>::quiet_NaN();
  // Keep the model's feature rows of the last Classify in the Scratch (row_lines, rows), with
  // or without a model: what tools/line_features dumps for training. Default: false.
  bool keep_line_features = false;
};

// What the caller knows about a line before the classifier runs, and what it decides.
enum class LineMark : uint8_t {
  kOpen,       // in: undecided (non-blank, not touched by a rule)
  kRemoved,    // in: a rule removed it (counts as chrome context)
  kProtected,  // in: a keep rule protects it (counts as content context)
  kBlank,      // in: a blank line (ignored)
  kContent,    // out: an open line the classifier keeps
  kChrome,     // out: an open line the classifier removes
};

// The features of one line, as the classifier measures them (word statistics over the line's
// first scan_bytes only).
struct LineFeatures {
  uint32_t chars = 0;    // code points in the whole line
  uint32_t words = 0;    // words (runs of letters, digits, apostrophes, non-ASCII)
  uint32_t latin = 0;    // words with an ASCII letter
  uint32_t stop = 0;     // of those, stopwords
  uint32_t capitalized = 0;  // of those, words that start with an ASCII capital
  uint32_t symbols = 0;  // ASCII digits and punctuation
  uint32_t visible = 0;  // non-space characters
  bool ends_sentence = false;  // last visible character is sentence punctuation
};

class Classifier {
 public:
  // Per-thread working memory for Classify, reused across calls.
  struct Scratch {
    std::vector<uint8_t> classes;
    std::vector<LineFeatures> features;  // of short lines only `chars` until measured
    std::vector<uint8_t> measured;       // features[i] holds every field
    std::string title, line;             // normalized lines (headline detection)
    std::vector<uint32_t> meta;          // comment metadata lines
    struct Block {
      size_t first, last, mass;  // first and last prose line, bytes of prose
    };
    std::vector<Block> blocks;  // blocks of prose lines
    // The line model's input: the open lines it judged (in order) and their feature rows,
    // LineModel::kFeatures floats each, stored by column: feature f of row r at
    // rows[f * row_lines.size() + r]. Filled only with a model or keep_line_features, and
    // only for documents with prose and at least 8 non-blank lines (others are left to the
    // structural rules).
    std::vector<uint32_t> row_lines;
    std::vector<float> rows;
    std::vector<uint8_t> chrome;  // the model's decision per row
    // Per line, for the model's neighbour features.
    std::vector<uint32_t> nonblank;
    std::vector<uint8_t> state, ends, is_meta;
    std::vector<float> stop_share;
  };

  // Measures one line.
  LineFeatures Measure(std::string_view line) const;
  // The same, a byte at a time (the reference Measure must equal; used for scan windows over
  // 512 bytes).
  LineFeatures MeasureScalar(std::string_view line) const;

  // Validates options (returns a run-scope error naming the bad field).
  static Result<Classifier> Create(ClassifierOptions options);

  // Decides every kOpen line of *marks (one mark per entry of `lines`, which index `text`) as
  // kContent or kChrome; other marks are left as they are. A document without any prose line
  // is left alone: every open line becomes kContent (the classifier cannot judge lists, tables
  // or code). A document whose words are mostly not in the stopword list (another language)
  // is judged by sentence punctuation instead of stopwords.
  // REQUIRES: marks->size() == lines.size().
  void Classify(std::string_view text, const std::vector<Line>& lines,
                std::vector<LineMark>* marks, Scratch* scratch) const;

  const ClassifierOptions& options() const { return options_; }

  // A word of up to 16 bytes, ASCII-lowercased and packed with zero padding: stopwords are
  // looked up by their bytes, with no per-byte hashing.
  struct WordKey {
    uint64_t lo, hi;
    bool operator==(const WordKey&) const = default;
  };

 private:
  explicit Classifier(ClassifierOptions options);
  bool IsStopword(const WordKey& key) const;
  // The line model's stage of Classify: the feature rows of the open lines (marks as given to
  // Classify, scratch->classes as the rules of shape and context left them), then, with a
  // model, its decisions into scratch->classes.
  void ApplyLineModel(std::string_view text, const std::vector<Line>& lines,
                      const std::vector<LineMark>& marks, Scratch* scratch) const;

  ClassifierOptions options_;
  std::vector<WordKey> table_;  // open addressing; lo == 0 = empty
  unsigned shift_ = 58;         // slot = hash >> shift_
  size_t max_stopword_bytes_ = 0;  // longer words are never looked up
};

}  // namespace boilerstrip

#endif  // BOILERSTRIP_CLASSIFIER_H_
