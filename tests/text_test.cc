#include "boilerstrip/text.h"

#include <gtest/gtest.h>

#include <cctype>

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


// The specification of NormalizeLine written the slow, obvious way (one code point at a time,
// a space appended and trimmed), to check the optimised version against on random inputs.
std::string NormReference(std::string_view line) {
  std::string out;
  auto space = [&] {
    if (!out.empty() && out.back() != ' ') out.push_back(' ');
  };
  const auto* s = reinterpret_cast<const unsigned char*>(line.data());
  size_t n = line.size(), i = 0;
  while (i < n) {
    unsigned c = s[i], c1 = i + 1 < n ? s[i + 1] : 0, c2 = i + 2 < n ? s[i + 2] : 0;
    if (c == ' ' || (c >= '\t' && c <= '\r')) space(), i += 1;
    else if (c < 0x80) out.push_back(static_cast<char>(std::tolower(static_cast<int>(c)))), i += 1;
    else if (c == 0xC2 && c1 == 0xA0) space(), i += 2;
    else if (c == 0xC3 && c1 >= 0x80 && c1 <= 0x9E && c1 != 0x97) out += "\xC3", out.push_back(static_cast<char>(c1 + 0x20)), i += 2;
    else if (c == 0xCE && c1 >= 0x91 && c1 <= 0xA9 && c1 != 0xA2) {
      unsigned cp = 0x391 + (c1 - 0x91) + 0x20;
      out.push_back(static_cast<char>(0xC0 | (cp >> 6))), out.push_back(static_cast<char>(0x80 | (cp & 0x3F))), i += 2;
    } else if (c == 0xD0 && c1 >= 0x80 && c1 <= 0xAF) {
      unsigned cp = 0x400 + (c1 - 0x80);
      cp += cp < 0x410 ? 0x50 : 0x20;
      out.push_back(static_cast<char>(0xC0 | (cp >> 6))), out.push_back(static_cast<char>(0x80 | (cp & 0x3F))), i += 2;
    } else if (c == 0xCA && c1 == 0xBC) out += '\'', i += 2;
    else if (c == 0xE2 && c1 == 0x80 && c2 != 0) {
      if (c2 >= 0x98 && c2 <= 0x9B) out += '\'';
      else if (c2 >= 0x9C && c2 <= 0x9F) out += '"';
      else if (c2 >= 0x90 && c2 <= 0x95) out += '-';
      else if ((c2 >= 0x80 && c2 <= 0x8A) || c2 == 0xAF || c2 == 0xA8 || c2 == 0xA9) space();
      else if (c2 == 0x8B) {}
      else if (c2 == 0xB2) out += '\'';
      else if (c2 == 0xB3) out += '"';
      else out.append(line.substr(i, 3));
      i += 3;
    } else if (c == 0xE2 && c1 == 0x88 && c2 == 0x92) out += '-', i += 3;
    else if ((c == 0xE2 && c1 == 0x81 && c2 == 0x9F) || (c == 0xE3 && c1 == 0x80 && c2 == 0x80)) space(), i += 3;
    else out.push_back(static_cast<char>(c)), i += 1;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

TEST(Text, NormalizationMatchesReferenceOnRandomInput) {
  // Pieces that exercise every branch, glued at random (splitmix64, fixed seed).
  const std::vector<std::string> pieces = {
      "a", "Z", "q", " ", "  ", "\t", "\r", "\n", "\v", "\f", "\xC2\xA0", "\xC3\x89", "\xC3\x97",
      "\xC3\x9F", "\xCE\x91", "\xCE\xA2", "\xCE\xA9", "\xD0\x80", "\xD0\x90", "\xD0\xAF",
      "\xCA\xBC", "\xE2\x80\x98", "\xE2\x80\x9D", "\xE2\x80\x93", "\xE2\x80\x83", "\xE2\x80\x8B",
      "\xE2\x80\xA8", "\xE2\x80\xB2", "\xE2\x80\xB3", "\xE2\x80\xA6", "\xE2\x88\x92",
      "\xE2\x81\x9F", "\xE3\x80\x80", "\xE2\x80", "\xE2", "\xC2", "\xFF", std::string(1, '\0'),
      "Hello", "WORLD", "x1-2", "The Quick Brown", " fox  jumps ", "abcdefghij klm", "A B C D E F"};
  uint64_t state = 12345;
  auto next = [&state] {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  std::string out;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string line;
    size_t parts = next() % 40;  // long enough lines for the 16-byte path too
    for (size_t k = 0; k < parts; ++k) line += pieces[next() % pieces.size()];
    NormalizeLine(line, &out);
    ASSERT_EQ(out, NormReference(line)) << testing::PrintToString(line);
  }
}

TEST(Text, CountCodePointsMatchesBytewiseCount) {
  // Every byte value, at every length across the 16-byte blocks and the 255-block flush.
  uint64_t state = 99;
  auto next = [&state] {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    return z ^ (z >> 31);
  };
  for (size_t len : {0, 1, 15, 16, 17, 31, 33, 200, 4079, 4080, 4081, 4096, 9000}) {
    for (int iter = 0; iter < 20; ++iter) {
      std::string s(len, '\0');
      for (char& c : s) c = static_cast<char>(next() % 4 == 0 ? 0x80 + next() % 64 : next());
      size_t want = 0;
      for (unsigned char c : s) want += (c & 0xC0) != 0x80;
      ASSERT_EQ(CountCodePoints(s), want) << "length " << len;
    }
  }
  EXPECT_EQ(CountCodePoints("h\xC3\xA9llo \xE2\x80\x94 \xF0\x9F\x98\x80"), 9u);
}

}  // namespace
}  // namespace boilerstrip
