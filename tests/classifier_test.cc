// The structural line classifier: options validation, line features, context decisions, and
// its place in the Cleaner (after rules, before dedup, under its own reason).
#include "boilerstrip/classifier.h"

#include <gtest/gtest.h>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/pattern_set.h"
#include "boilerstrip/rules.h"

namespace boilerstrip {
namespace {

const char kProse1[] =
    "The council met on Tuesday evening and agreed that the old bridge would stay closed until "
    "the engineers had finished their survey of the stone piers.";
const char kProse2[] =
    "Residents who live on the far side of the river will have to take the ferry, which is "
    "running every twenty minutes from early in the morning until late at night.";

Classifier MakeClassifier(ClassifierOptions options = {}) {
  auto c = Classifier::Create(std::move(options));
  EXPECT_TRUE(c.ok());
  return std::move(c.value());
}

// Classifies `text` with every line open; returns "K"/"C" per line ('.' for blank).
std::string Decide(const Classifier& c, const std::string& text,
                   std::vector<LineMark> preset = {}) {
  std::vector<Line> lines;
  SplitLines(text, &lines);
  std::vector<LineMark> marks(lines.size(), LineMark::kOpen);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].blank) marks[i] = LineMark::kBlank;
    if (i < preset.size() && preset[i] != LineMark::kOpen) marks[i] = preset[i];
  }
  Classifier::Scratch scratch;
  c.Classify(text, lines, &marks, &scratch);
  std::string out;
  for (LineMark m : marks) {
    switch (m) {
      case LineMark::kContent: out += 'K'; break;
      case LineMark::kChrome: out += 'C'; break;
      case LineMark::kBlank: out += '.'; break;
      case LineMark::kRemoved: out += 'r'; break;
      case LineMark::kProtected: out += 'p'; break;
      case LineMark::kOpen: out += '?'; break;
    }
  }
  return out;
}

std::string Join(std::initializer_list<std::string> lines) {
  std::string s;
  for (const auto& l : lines) s += (s.empty() ? "" : "\n") + l;
  return s;
}

TEST(Classifier, RejectsBadOptions) {
  ClassifierOptions o;
  o.min_stopword_share = 1.5;
  EXPECT_FALSE(Classifier::Create(o).ok());
  o = {};
  o.min_stopword_share = -0.1;
  EXPECT_FALSE(Classifier::Create(o).ok());
  o = {};
  o.max_symbol_share = 0;
  EXPECT_FALSE(Classifier::Create(o).ok());
  o = {};
  o.long_chars = 10;
  o.short_chars = 20;
  EXPECT_FALSE(Classifier::Create(o).ok());
  o = {};
  o.scan_bytes = 4;
  EXPECT_FALSE(Classifier::Create(o).ok());
  o = {};
  o.min_document_stopword_share = 2;
  EXPECT_FALSE(Classifier::Create(o).ok());
  o = {};
  o.stopwords = {"two words"};
  auto bad = Classifier::Create(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().scope(), ErrorScope::kRun);
  o.stopwords = {""};
  EXPECT_FALSE(Classifier::Create(o).ok());
  o.stopwords = {"abcdefghijklmnopq"};  // 17 bytes: longer than a stopword key holds
  EXPECT_FALSE(Classifier::Create(o).ok());
  o.stopwords = {"abcdefghijklmnop"};
  EXPECT_TRUE(Classifier::Create(o).ok());
  EXPECT_TRUE(Classifier::Create(ClassifierOptions()).ok());
}

TEST(Classifier, MeasuresLineFeatures) {
  Classifier c = MakeClassifier();
  LineFeatures f = c.Measure("The cat sat on the mat.");
  EXPECT_EQ(f.chars, 23u);
  EXPECT_EQ(f.words, 6u);
  EXPECT_EQ(f.latin, 6u);
  EXPECT_EQ(f.stop, 3u);  // the, on, the
  EXPECT_EQ(f.capitalized, 1u);
  EXPECT_TRUE(f.ends_sentence);
  f = c.Measure("Home | News | 2012");
  EXPECT_EQ(f.words, 3u);
  EXPECT_EQ(f.stop, 0u);
  EXPECT_FALSE(f.ends_sentence);
  EXPECT_EQ(f.symbols, 6u);  // two bars, four digits
  // Code points, not bytes; typographic closing quote ends a sentence.
  f = c.Measure("Café “au lait”");
  EXPECT_EQ(f.chars, 14u);
  EXPECT_TRUE(f.ends_sentence);
  // Only the scan window's words are counted; a word cut by it is not looked up.
  ClassifierOptions o;
  o.scan_bytes = 16;
  Classifier small = MakeClassifier(o);
  f = small.Measure("word word word the end of it");
  EXPECT_EQ(f.words, 4u);
  EXPECT_EQ(f.stop, 0u);  // "the" is cut by the window
  EXPECT_EQ(f.chars, 28u);
}

TEST(Classifier, MaskMeasureEqualsTheByteAtATimeOne) {
  // Lines of every length around the 16- and 64-byte steps, mixing words, stopwords, digits,
  // punctuation, spaces, apostrophes and multi-byte characters, cut anywhere by the window.
  const std::vector<std::string> pieces = {"the", "The", "Of", "x", "  ", "7", "2012", ",", ". ",
                                           "it's", "don’t", "café", "日本語", "\xC3", "|",
                                           "YOURSELVES", "themselves", "a", "'", "\x80\x80",
                                           "word", "\t", "Ω", "—"};
  uint64_t seed = 12345;
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<size_t>(seed >> 33);
  };
  for (size_t scan : {16u, 17u, 63u, 64u, 65u, 160u, 512u}) {
    ClassifierOptions o;
    o.scan_bytes = scan;
    Classifier c = MakeClassifier(o);
    for (int n = 0; n < 400; ++n) {
      std::string line;
      const size_t target = next() % 700;
      while (line.size() < target) line += pieces[next() % pieces.size()] + (next() % 3 ? " " : "");
      const LineFeatures f = c.Measure(line), g = c.MeasureScalar(line);
      ASSERT_EQ(f.chars, g.chars) << line;
      ASSERT_EQ(f.words, g.words) << line;
      ASSERT_EQ(f.latin, g.latin) << line;
      ASSERT_EQ(f.stop, g.stop) << line;
      ASSERT_EQ(f.capitalized, g.capitalized) << line;
      ASSERT_EQ(f.symbols, g.symbols) << line;
      ASSERT_EQ(f.visible, g.visible) << line;
      ASSERT_EQ(f.ends_sentence, g.ends_sentence) << line;
    }
  }
}

TEST(Classifier, LooksUpStopwordsByTheirWholeBytes) {
  Classifier c = MakeClassifier();
  // Any ASCII case; typographic apostrophes; the longest built-in words (10 bytes, past the
  // first eight); never a word that only starts or ends like a stopword.
  EXPECT_EQ(c.Measure("THE The tHe it’s It's themselves YOURSELVES").stop, 7u);
  EXPECT_EQ(c.Measure("theme there's therefore thence bathe ourselvesx ourselve").stop, 1u);
  EXPECT_EQ(c.Measure("Über café naïve").stop, 0u);
  // A caller's list: words of up to 16 bytes, non-ASCII bytes matched exactly.
  ClassifierOptions o;
  o.stopwords = {"und", "abcdefghijklmnop", "straße", "für"};
  Classifier de = MakeClassifier(o);
  EXPECT_EQ(de.Measure("Und UND und abcdefghijklmnop ABCDEFGHIJKLMNOP abcdefghijklmno").stop, 5u);
  EXPECT_EQ(de.Measure("Straße STRAßE straßen für Für the").stop, 4u);
  // A many-word list builds and finds every word.
  std::vector<std::string> many;
  for (int i = 0; i < 3000; ++i) many.push_back(std::string("w").append(std::to_string(i * 7919)));
  o.stopwords = many;
  o.scan_bytes = 1 << 20;
  Classifier big = MakeClassifier(o);
  std::string line;
  for (int i = 0; i < 3000; i += 3) line += many[i] + " w" + std::to_string(i * 7919 + 1) + " ";
  const LineFeatures fb = big.Measure(line);
  EXPECT_EQ(fb.words, 2000u);
  EXPECT_EQ(fb.stop, 1000u);
}

TEST(Classifier, MenuAtTopGoesTitleAndProseStay) {
  Classifier c = MakeClassifier();
  // Title, then prose: the title is content.
  EXPECT_EQ(Decide(c, Join({"Bridge closed for repairs", kProse1, kProse2})), "KKK");
  // A menu of short entries above the article goes; a headline-sized line right above the
  // prose stays.
  EXPECT_EQ(Decide(c, Join({"Home", "News", "Sport", "Weather", "Contact",
                            "Council closes the old bridge for repairs", kProse1, kProse2})),
            "CCCCCKKK");
}

TEST(Classifier, ShortLinesBetweenProseStayLongRunsGo) {
  Classifier c = MakeClassifier();
  // A heading and a date between paragraphs stay.
  EXPECT_EQ(Decide(c, Join({kProse1, "", "What happens next", "", kProse2})), "K.K.K");
  // A run longer than max_inner_run (6) between paragraphs is a menu.
  EXPECT_EQ(Decide(c, Join({kProse1, "World", "Politics", "Business", "Tech", "Science",
                            "Health", "Sports", kProse2})),
            "KCCCCCCCK");
  // ... unless it is mostly lowercase words: a list inside the article.
  EXPECT_EQ(Decide(c, Join({kProse1, "2 cups flour", "1 cup sugar", "3 eggs", "a pinch of salt",
                            "1 tsp vanilla", "butter for the pan", "icing sugar to dust",
                            kProse2})),
            "KKKKKKKKK");
  // Short lines after the last paragraph (a footer) go.
  EXPECT_EQ(Decide(c, Join({kProse1, kProse2, "About", "Jobs"})), "KKCC");
}

TEST(Classifier, HeadlineListsBetweenProseGo) {
  Classifier c = MakeClassifier();
  const std::string h1 = "Council Approves New Budget For Harbour Works";
  const std::string h2 = "Ferry Timetable Changes Announced For Winter";
  const std::string h3 = "Local Teams Prepare For The Regional Finals";
  // Three headline-like lines together are links to other articles.
  EXPECT_EQ(Decide(c, Join({kProse1, h1, h2, h3, kProse2})), "KCCCK");
  // Two stay (a headline and a deck), and so do three short capitalized lines (a heading,
  // a name, a date).
  EXPECT_EQ(Decide(c, Join({kProse1, h1, h2, kProse2})), "KKKK");
  EXPECT_EQ(Decide(c, Join({kProse1, "What Happens Next", "Jane Doe", "May 2012", kProse2})),
            "KKKKK");
  ClassifierOptions o;
  o.max_headline_lines = 0;
  EXPECT_EQ(Decide(MakeClassifier(o), Join({kProse1, h1, h2, h3, kProse2})), "KKKKK");
}

TEST(Classifier, TheLineRepeatingThePageTitleIsTheHeadline) {
  Classifier c = MakeClassifier();
  const std::string headline = "Council closes the old bridge for repairs";
  // The first line is the page title; the headline below it, amid menus, stays and anchors
  // the short lines between it and the article (a byline, a date).
  const std::string doc = Join({headline + " | Riverside Gazette", "Home", "News", "Weather",
                                headline, "By Jane Doe", "May 5, 2012", "Updated", "Comments",
                                "More", kProse1, kProse2});
  EXPECT_EQ(Decide(c, doc), "CCCCKKKKKKKK");
  ClassifierOptions o;
  o.title_headline = false;
  EXPECT_EQ(Decide(MakeClassifier(o), doc), "CCCCCCCCCCKK");
  // The headline may be the title's last part, after site and section names.
  EXPECT_EQ(Decide(c, Join({"Gazette - Local - " + headline, "Home", "News", "Weather",
                            headline, "By Jane Doe", "May 5, 2012", "Updated", "Comments", "More",
                            kProse1, kProse2})),
            "CCCCKKKKKKKK");
  // The site name, the title's shorter part, is no headline; nor is a line that only starts
  // like the title.
  EXPECT_EQ(Decide(c, Join({headline + " | Riverside Gazette", "Home", "News", "Weather",
                            "Riverside Gazette", "Council closes", "Share", "Email", "Print",
                            "More", kProse1, kProse2})),
            "CCCCCCCCCCKK");
}

TEST(Classifier, SmallProseBlocksAwayFromTheArticleGo) {
  Classifier c = MakeClassifier();
  const std::string teaser =
      "Residents say the new ferry timetable has made the morning commute across the river far "
      "easier than before.";
  ASSERT_GE(teaser.size(), 100u);
  std::vector<std::string> menu = {"World", "Politics", "Business", "Tech", "Science",
                                   "Health", "Sports", "Travel", "Food", "Style", "Books",
                                   "Video", "Audio"};  // 13 lines: more than max_block_gap
  std::string doc = Join({kProse1, kProse2, kProse1});
  for (const auto& m : menu) doc += "\n" + m;
  doc += "\n" + teaser + "\nMore\nLatest";
  // A lone prose line (fewer than min_block_bytes) far from the article is a teaser: chrome.
  EXPECT_EQ(Decide(c, doc), "KKKCCCCCCCCCCCCCCCC");
  ClassifierOptions o;
  o.min_block_bytes = 0;
  EXPECT_EQ(Decide(MakeClassifier(o), doc), "KKKCCCCCCCCCCCCCKCC");
  // A block with enough prose stays wherever it stands; so does one within the gap.
  std::string two = Join({kProse1, kProse2, kProse1});
  for (const auto& m : menu) two.append("\n").append(m);
  two.append("\n").append(kProse2).append("\n").append(kProse1).append("\n").append(kProse2);
  EXPECT_EQ(Decide(c, two), "KKKCCCCCCCCCCCCCKKK");
  EXPECT_EQ(Decide(c, Join({kProse1, kProse2, kProse1, "World", "Politics", "Business", teaser})),
            "KKKKKKK");
}

TEST(Classifier, CommentSectionsGoWhenAsked) {
  const std::string article = Join({kProse1, kProse2, kProse1, kProse2});  // 4 x ~160 bytes
  const std::string comments =
      Join({"Jane Doe", "May 5, 2012 at 4:12 pm", kProse2, "Bob Smith says:", kProse1,
            "Ann", "3 hours ago", kProse2});
  const std::string doc = article + "\n" + comments;
  // Off by default: comments written as prose stay, and so do the short lines between them.
  EXPECT_EQ(Decide(MakeClassifier(), doc), "KKKKKKKKKKKK");
  ClassifierOptions o;
  o.min_comment_meta = 3;
  o.comment_prose_bytes = 500;
  // Three metadata lines (a clock time, "says:", "ago") within comment_meta_gap of each other,
  // after enough prose: from the name above the first one to the end, chrome.
  EXPECT_EQ(Decide(MakeClassifier(o), doc), "KKKKCCCCCCCC");
  // Two are not enough.
  o.min_comment_meta = 4;
  EXPECT_EQ(Decide(MakeClassifier(o), doc), "KKKKKKKKKKKK");
  // Nor do timestamps count before enough article prose (a live blog's entries).
  o.min_comment_meta = 3;
  o.comment_prose_bytes = 5000;
  EXPECT_EQ(Decide(MakeClassifier(o), doc), "KKKKKKKKKKKK");
  // Too far apart: no run.
  o.comment_prose_bytes = 500;
  o.comment_meta_gap = 1;
  EXPECT_EQ(Decide(MakeClassifier(o), doc), "KKKKKKKKKKKK");
  // Not metadata: a ratio, a year range, "ago" without a time unit.
  o.comment_meta_gap = 12;
  EXPECT_EQ(Decide(MakeClassifier(o),
                   article + "\n" + Join({"Odds 3:2 on the home side", kProse1,
                                         "Between 1990-2000", kProse2,
                                         "Long ago in Spain", kProse1})),
            "KKKKKKKKKK");
}

TEST(Classifier, MediumLinesNeedProseNearby) {
  Classifier c = MakeClassifier();
  const std::string medium = "Sign up today and get our weekly digest free.";  // 45+ chars
  ASSERT_GE(medium.size(), 45u);
  ClassifierOptions o;
  o.short_chars = 40;
  Classifier c40 = MakeClassifier(o);
  // Next to prose: kept.
  EXPECT_EQ(Decide(c40, Join({kProse1, medium, kProse2})), "KKK");
  // Surrounded by chrome (a symbol-heavy line and the document's end): chrome.
  EXPECT_EQ(Decide(c40, Join({kProse1, kProse2, "|| >> 2012-11-05 | 14:32 | #### | 99% <<",
                              medium})),
            "KKCC");
}

TEST(Classifier, RuleDecisionsShapeTheContext) {
  Classifier c = MakeClassifier();
  // A protected line counts as content: the short line between it and prose stays.
  EXPECT_EQ(Decide(c, Join({kProse1, "Short note", "Kept by rule"}),
                   {LineMark::kOpen, LineMark::kOpen, LineMark::kProtected}),
            "KKp");
  // A removed line is skipped, never re-decided.
  EXPECT_EQ(Decide(c, Join({kProse1, "Share this", "Photo below", kProse2}),
                   {LineMark::kOpen, LineMark::kRemoved}),
            "KrKK");
}

TEST(Classifier, LeavesDocumentsWithoutProseAlone) {
  Classifier c = MakeClassifier();
  EXPECT_EQ(Decide(c, Join({"Milk", "Eggs", "Flour", "Butter"})), "KKKK");
  EXPECT_EQ(Decide(c, ""), ".");
  EXPECT_EQ(Decide(c, "\n \n"), "...");
  // Invalid UTF-8 and control bytes are measured, not trusted.
  EXPECT_EQ(Decide(c, std::string("\xFF\xFE\x80 broken\x01", 11)), "K");
}

TEST(Classifier, OtherLanguagesAreJudgedByPunctuation) {
  Classifier c = MakeClassifier();
  const std::string de1 =
      "Der Stadtrat beschloss am Dienstagabend, dass die alte Brücke gesperrt bleibt, bis die "
      "Ingenieure ihre Untersuchung der Pfeiler abgeschlossen haben.";
  const std::string de2 =
      "Anwohner auf der anderen Seite des Flusses müssen die Fähre nehmen, die alle zwanzig "
      "Minuten fährt.";
  // The English list hardly covers the document: sentences are prose, the menu is not.
  EXPECT_EQ(Decide(c, Join({"Startseite", "Nachrichten", "Sport", "Wetter", de1, de2})),
            "CCCCKK");
  // With a German list the same holds through stopwords.
  ClassifierOptions o;
  o.stopwords = {"der", "die", "das", "dass", "am", "bis", "auf", "des", "alle", "ihre"};
  Classifier de = MakeClassifier(o);
  EXPECT_EQ(Decide(de, Join({"Startseite", "Nachrichten", "Sport", "Wetter", de1, de2})),
            "CCCCKK");
}

TEST(Classifier, IsDeterministicAndHandlesLongDocuments) {
  Classifier c = MakeClassifier();
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text += (i % 10 == 0) ? std::string(kProse1) : "Menu entry " + std::to_string(i % 7);
    text += '\n';
  }
  std::string a = Decide(c, text), b = Decide(c, text);
  EXPECT_EQ(a, b);
  // Runs of nine short lines between paragraphs are menus.
  EXPECT_EQ(a.substr(0, 11), "KCCCCCCCCCK");
}

std::shared_ptr<const PatternSet> Compile(const std::string& rule_text) {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
  ParseRuleText(rule_text, "test.rules", &rules, &errors);
  EXPECT_TRUE(errors.empty());
  auto set = PatternSet::Compile(std::move(rules), &errors);
  EXPECT_TRUE(set.ok());
  return std::shared_ptr<const PatternSet>(std::move(set.value()));
}

TEST(Classifier, RunsInsideTheCleanerUnderItsOwnReason) {
  auto set = Compile(
      "share  drop  il  share\n"
      "  match: share\n"
      "  nomatch: sharp\n"
      "menu-keep  keep  l  Weather\n"
      "  match: Weather\n"
      "  nomatch: Sport\n");
  const size_t kReason = set->rules().size() + static_cast<size_t>(ExtraReason::kClassifier);
  std::string text = Join({"Home", "News", "Sport", "Weather", "Share", "Contact", kProse1,
                           kProse2, "About", "Jobs"});
  CleanerOptions options;
  auto cleaner = Cleaner::Create(options, set);
  ASSERT_TRUE(cleaner.ok());
  auto state = cleaner.value()->MakeState();
  Stats stats;
  stats.Resize(set->rules().size());
  std::string out;
  int drop_doc = -1;
  ASSERT_TRUE(cleaner.value()->CleanText(text, *state, &stats, &out, &drop_doc).value());
  // Weather is protected by its keep rule and counts as content: Contact, one short line
  // between it and the prose, stays. Share goes by its rule (and is skipped as context); the
  // menu above Weather and the footer go by the classifier.
  EXPECT_EQ(out, Join({"Weather", "Contact", kProse1, kProse2}));
  EXPECT_EQ(stats.removed_by[0], 1u);
  EXPECT_EQ(stats.removed_by[kReason], 5u);
  EXPECT_EQ(stats.lines_removed, 6u);

  // Off: only the rule acts.
  options.classifier.enabled = false;
  auto plain = Cleaner::Create(options, set);
  ASSERT_TRUE(plain.ok());
  Stats plain_stats;
  plain_stats.Resize(set->rules().size());
  ASSERT_TRUE(plain.value()->CleanText(text, *state, &plain_stats, &out, &drop_doc).value());
  EXPECT_EQ(plain_stats.removed_by[kReason], 0u);
  EXPECT_EQ(plain_stats.lines_removed, 1u);

  // Bad classifier options fail Cleaner::Create.
  options.classifier.enabled = true;
  options.classifier.min_stopword_share = 7;
  EXPECT_FALSE(Cleaner::Create(options, set).ok());
}

}  // namespace
}  // namespace boilerstrip
