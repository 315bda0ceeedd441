#include "boilerstrip/text.h"

#include <gtest/gtest.h>

namespace boilerstrip {
namespace {

std::vector<std::string> Contents(std::string_view text) {
  std::vector<Line> lines;
  SplitLines(text, &lines);
  std::vector<std::string> out;
  for (const Line& l : lines) out.emplace_back(text.substr(l.begin, l.end - l.begin));
  return out;
}

TEST(Text, SplitsAtNewlineAndStripsCarriageReturn) {
  EXPECT_EQ(Contents("a\nb\r\nc"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Contents("a\n"), (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(Contents(""), (std::vector<std::string>{""}));
  // A '\r' not before '\n' is part of the line.
  EXPECT_EQ(Contents("a\rb\n"), (std::vector<std::string>{"a\rb", ""}));
}

TEST(Text, LineOffsetsCoverTheText) {
  std::string_view text = "one\r\n\ntwo";
  std::vector<Line> lines;
  SplitLines(text, &lines);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].next, 5u);
  EXPECT_TRUE(lines[1].blank);
  EXPECT_FALSE(lines[2].blank);
  EXPECT_EQ(lines[2].next, text.size());
}

TEST(Text, BlankIsWhitespaceAndNbspOnly) {
  EXPECT_TRUE(IsBlank(""));
  EXPECT_TRUE(IsBlank(" \t\r\f\v"));
  EXPECT_TRUE(IsBlank("\xC2\xA0 "));
  EXPECT_FALSE(IsBlank(" x "));
  EXPECT_FALSE(IsBlank("\xC2"));  // a lone lead byte is not a space
}

std::string Norm(std::string_view s) {
  std::string out;
  NormalizeLine(s, &out);
  return out;
}

TEST(Text, NormalizationFoldsQuotesDashesSpacesAndCase) {
  EXPECT_EQ(Norm("China’s Vice Minister"), "china's vice minister");
  EXPECT_EQ(Norm("“Quoted” — here"), "\"quoted\" - here");
  EXPECT_EQ(Norm("  a\xC2\xA0\xC2\xA0 b\t c  "), "a b c");
  EXPECT_EQ(Norm("ÉCOLE Ünïon"), "école ünïon");
  EXPECT_EQ(Norm("ΑΘΗΝΑ Москва"), "αθηνα москва");
  EXPECT_EQ(Norm("en–dash minus−sign"), "en-dash minus-sign");
  EXPECT_EQ(Norm("zero\xE2\x80\x8Bwidth"), "zerowidth");
}

TEST(Text, NormalizationKeepsOtherBytes) {
  EXPECT_EQ(Norm("日本語のテキスト"), "日本語のテキスト");
  EXPECT_EQ(Norm("a\xFF" "b"), "a\xFF" "b");  // invalid UTF-8 passes through unharmed
  EXPECT_EQ(Norm("\xE2\x80"), "\xE2\x80");   // truncated sequence at the end
}

TEST(Text, EqualNormalFormsHashEqual) {
  EXPECT_EQ(HashBytes(Norm("It’s  HERE")), HashBytes(Norm("it's here")));
  EXPECT_NE(HashBytes("abcdefgh1"), HashBytes("abcdefgh2"));
  EXPECT_NE(HashBytes(""), HashBytes(std::string_view("\0", 1)));
}

}  // namespace
}  // namespace boilerstrip
