#include "boilerstrip/site_profile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "boilerstrip/cleaner.h"
#include "boilerstrip/text.h"
#include "test_util.h"

namespace boilerstrip {
namespace {

using testing::CleanOne;
using testing::CleanTextOf;
using testing::MakeCleaner;
using testing::Quote;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

std::shared_ptr<const SiteNamer> Namer() {
  auto n = SiteNamer::Create();
  EXPECT_TRUE(n.ok()) << n.status().message();
  return n.value();
}

std::string SiteOf(const std::string& url) {
  std::string site;
  return Namer()->SiteOf(url, &site) ? site : "<none>";
}

TEST(SiteNamer, RegistrableDomainOfTheHost) {
  EXPECT_EQ(SiteOf("https://www.bbc.co.uk/news/1"), "bbc.co.uk");
  EXPECT_EQ(SiteOf("http://News.BBC.CO.UK:8080/x?y#z"), "bbc.co.uk");
  EXPECT_EQ(SiteOf("https://user:pw@a.b.example.com/"), "example.com");
  EXPECT_EQ(SiteOf("https://foo.blogspot.com/post"), "foo.blogspot.com");  // private suffix
  EXPECT_EQ(SiteOf("https://www.nytimes.com."), "nytimes.com");
  EXPECT_EQ(SiteOf("http://192.168.1.7/page"), "192.168.1.7");
  EXPECT_EQ(SiteOf("http://[2001:db8::1]:80/"), "[2001:db8::1]");
}

TEST(SiteNamer, NoUsableSite) {
  EXPECT_EQ(SiteOf(""), "<none>");
  EXPECT_EQ(SiteOf("www.bbc.co.uk/news"), "<none>");  // no scheme
  EXPECT_EQ(SiteOf("https:///path"), "<none>");
  EXPECT_EQ(SiteOf("https://co.uk/"), "<none>");  // a public suffix itself
  EXPECT_EQ(SiteOf("https://dragnet-data.invalid/141"), "<none>");
  EXPECT_EQ(SiteOf("http://localhost:8000/"), "<none>");
  EXPECT_EQ(SiteOf("http://a b.com/"), "<none>");
}

TEST(SiteNamer, MissingListFileIsARunError) {
  auto n = SiteNamer::Create("/nonexistent/public_suffix_list.dat");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().scope(), ErrorScope::kRun);
}

TEST(SiteOptions, Decision) {
  SiteOptions o;  // 5 docs, share 0.5, 100 docs
  EXPECT_FALSE(IsSiteRepeated(o, 4, 4));      // too few site docs
  EXPECT_TRUE(IsSiteRepeated(o, 5, 3));       // 60%
  EXPECT_FALSE(IsSiteRepeated(o, 5, 2));      // 40%
  EXPECT_TRUE(IsSiteRepeated(o, 10, 5));      // exactly half
  EXPECT_FALSE(IsSiteRepeated(o, 1000, 99));
  EXPECT_TRUE(IsSiteRepeated(o, 1000, 100));  // the absolute count on big sites
  o.min_line_docs = 0;
  EXPECT_FALSE(IsSiteRepeated(o, 1000, 499));
  o.min_line_share = 0.01;
  EXPECT_FALSE(IsSiteRepeated(o, 100, 1));  // one page is never "repeated"
  EXPECT_TRUE(IsSiteRepeated(o, 100, 2));
  o.min_line_share = 0;
  EXPECT_FALSE(o.Validate().ok());
  o.min_line_share = 1.5;
  EXPECT_FALSE(o.Validate().ok());
  o.min_line_share = 1;
  o.min_site_docs = 0;
  EXPECT_FALSE(o.Validate().ok());
}

// Writes a profile with the given sites: name → (docs, {hash → docs}).
void WriteProfile(const std::string& path,
                  const std::vector<std::pair<std::string, std::pair<uint64_t, std::vector<std::pair<uint64_t, uint64_t>>>>>& sites) {
  auto w = ProfileWriter::Create(path, nullptr);
  ASSERT_TRUE(w.ok()) << w.status().message();
  for (const auto& [name, v] : sites) {
    w.value()->BeginSite(name, v.first);
    for (const auto& [h, d] : v.second) w.value()->Add(h, d);
    w.value()->EndSite();
  }
  ASSERT_TRUE(w.value()->Finish().ok());
}

TEST(ProfileFile, RoundTrip) {
  TempDir dir;
  WriteProfile(dir / "p", {{"a.com", {3, {{0, 1}, {5, 3}, {~uint64_t{0}, 2}}}},
                           {"b.org", {1, {}}}});
  auto r = ProfileReader::Open(dir / "p");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ProfileReader& rd = *r.value();
  EXPECT_EQ(rd.info().sites, 2u);
  EXPECT_EQ(rd.info().entries, 3u);
  EXPECT_EQ(rd.info().docs, 4u);
  EXPECT_FALSE(rd.info().final);
  ASSERT_TRUE(rd.NextSite());
  EXPECT_EQ(rd.site(), "a.com");
  EXPECT_EQ(rd.site_docs(), 3u);
  uint64_t h, d;
  ASSERT_TRUE(rd.NextEntry(&h, &d));
  EXPECT_EQ(h, 0u);
  EXPECT_EQ(d, 1u);
  ASSERT_TRUE(rd.NextEntry(&h, &d));
  EXPECT_EQ(h, 5u);
  EXPECT_EQ(d, 3u);
  ASSERT_TRUE(rd.NextEntry(&h, &d));
  EXPECT_EQ(h, ~uint64_t{0});
  EXPECT_FALSE(rd.NextEntry(&h, &d));
  ASSERT_TRUE(rd.NextSite());
  EXPECT_EQ(rd.site(), "b.org");
  EXPECT_FALSE(rd.NextSite());
  EXPECT_TRUE(rd.status().ok()) << rd.status().message();
  EXPECT_FALSE(testing::Exists(dir / "p.tmp"));
}

TEST(ProfileFile, EveryFlippedByteIsCaught) {
  TempDir dir;
  WriteProfile(dir / "p", {{"a.com", {9, {{1, 2}, {700, 9}}}}, {"b.org", {6, {{3, 6}}}}});
  const std::string good = ReadFile(dir / "p");
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x10;
    WriteFile(dir / "bad", bad);
    auto r = ProfileReader::Open(dir / "bad");
    if (!r.ok()) continue;  // header damage: refused at open
    while (r.value()->NextSite()) {
      uint64_t h, d;
      while (r.value()->NextEntry(&h, &d)) {
      }
    }
    EXPECT_FALSE(r.value()->status().ok()) << "byte " << i << " flipped unnoticed";
  }
}

TEST(ProfileFile, MergeSumsAndIsOrderFree) {
  TempDir dir;
  WriteProfile(dir / "x", {{"a.com", {2, {{1, 1}, {2, 2}}}}, {"c.com", {1, {{9, 1}}}}});
  WriteProfile(dir / "y", {{"a.com", {3, {{2, 3}, {4, 1}}}}, {"b.com", {5, {{1, 5}}}}});
  WriteProfile(dir / "z", {{"c.com", {1, {{9, 1}, {10, 1}}}}});
  ASSERT_TRUE(MergeProfiles({dir / "x", dir / "y", dir / "z"}, dir / "m1", nullptr).ok());
  ASSERT_TRUE(MergeProfiles({dir / "z", dir / "x"}, dir / "zx", nullptr).ok());
  ASSERT_TRUE(MergeProfiles({dir / "y", dir / "zx"}, dir / "m2", nullptr).ok());
  EXPECT_EQ(ReadFile(dir / "m1"), ReadFile(dir / "m2"));
  WriteProfile(dir / "want", {{"a.com", {5, {{1, 1}, {2, 5}, {4, 1}}}},
                              {"b.com", {5, {{1, 5}}}},
                              {"c.com", {2, {{9, 2}, {10, 1}}}}});
  EXPECT_EQ(ReadFile(dir / "m1"), ReadFile(dir / "want"));

  SiteOptions o;  // final: sites ≥ 5 docs, lines ≥ half of them and ≥ 2
  ASSERT_TRUE(MergeProfiles({dir / "m1"}, dir / "final", &o).ok());
  auto r = ProfileReader::Open(dir / "final");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value()->info().final);
  EXPECT_EQ(r.value()->info().sites, 2u);    // c.com is too small
  EXPECT_EQ(r.value()->info().entries, 2u);  // a.com's hash 2, b.com's hash 1
  EXPECT_FALSE(MergeProfiles({dir / "final"}, dir / "again", nullptr).ok());
  EXPECT_FALSE(testing::Exists(dir / "again"));
}

TEST(ProfileFile, LoadKeepsOnlyRepeatedLines) {
  TempDir dir;
  WriteProfile(dir / "p", {{"a.com", {10, {{1, 5}, {2, 4}, {3, 10}}}}, {"b.com", {4, {{1, 4}}}}});
  auto p = SiteProfile::Load(dir / "p", SiteOptions());
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p.value()->repeated_lines(), 2u);
  const SiteProfile::Lines* a = p.value()->Find("a.com");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(SiteProfile::Contains(*a, 1));
  EXPECT_FALSE(SiteProfile::Contains(*a, 2));
  EXPECT_TRUE(SiteProfile::Contains(*a, 3));
  EXPECT_EQ(p.value()->Find("b.com"), nullptr);
  EXPECT_EQ(p.value()->Find("c.com"), nullptr);
}

uint64_t LineHash(const std::string& line) {
  std::string norm;
  NormalizeLine(line, &norm);
  return HashBytes(norm);
}

// A cleaner whose profile says "Menu" and "Share on Friendface" are chrome of a.com.
std::unique_ptr<Cleaner> SiteCleaner(const TempDir& dir, const std::string& rules,
                                     const std::string& url_field = "url") {
  std::vector<std::pair<uint64_t, uint64_t>> lines = {{LineHash("Menu"), 8},
                                                      {LineHash("Share on Friendface"), 6},
                                                      {LineHash("Rare line"), 1}};
  std::sort(lines.begin(), lines.end());
  WriteProfile(dir / "p", {{"a.com", {8, lines}}});
  auto p = SiteProfile::Load(dir / "p", SiteOptions());
  EXPECT_TRUE(p.ok());
  CleanerOptions o;
  o.site_profile = p.value();
  o.url_field = url_field;
  return MakeCleaner(rules, o);
}

TEST(Cleaner, SiteRepeatedLinesAreDroppedAndCounted) {
  TempDir dir;
  auto c = SiteCleaner(dir, "never drop - ^zzqq-never$\n");
  Stats stats;
  std::string out;
  std::string rec = "{\"url\":\"https://www.A.com/x\",\"text\":" +
                    Quote("MENU\n\nThe article.\n  share on friendface \nRare line") + "}";
  auto outcome = CleanOne(*c, rec, &out, &stats);
  EXPECT_EQ(outcome.verdict, RecordVerdict::kWritten);
  EXPECT_EQ(out, "{\"url\":\"https://www.A.com/x\",\"text\":" + Quote("The article.\nRare line") + "}");
  const size_t rules = c->patterns().rules().size();
  EXPECT_EQ(stats.removed_by[rules + static_cast<size_t>(ExtraReason::kSiteRepeated)], 2u);
  EXPECT_EQ(stats.lines_removed, 2u);
}

TEST(Cleaner, SiteStepNeedsAUsableUrlOfAProfiledSite) {
  TempDir dir;
  auto c = SiteCleaner(dir, "never drop - ^zzqq-never$\n");
  const std::string text = Quote("Menu\nThe article.");
  for (const std::string& rec : {"{\"text\":" + text + "}",
                                 "{\"url\":null,\"text\":" + text + "}",
                                 "{\"url\":\"not a url\",\"text\":" + text + "}",
                                 "{\"url\":\"https://b.com/\",\"text\":" + text + "}"}) {
    std::string out;
    auto outcome = CleanOne(*c, rec, &out);
    EXPECT_EQ(outcome.verdict, RecordVerdict::kWritten);
    EXPECT_EQ(out, rec);
  }
  // CleanText without a site never consults the profile.
  EXPECT_EQ(CleanTextOf(*c, "Menu\nThe article."), "Menu\nThe article.");
}

TEST(Cleaner, KeepRulesProtectSiteRepeatedLines) {
  TempDir dir;
  auto c = SiteCleaner(dir, "menu keep il menu\n");
  std::string out;
  std::string rec = "{\"url\":\"https://a.com/\",\"text\":" +
                    Quote("Menu\nShare on Friendface\nThe article.") + "}";
  CleanOne(*c, rec, &out);
  EXPECT_EQ(out, "{\"url\":\"https://a.com/\",\"text\":" + Quote("Menu\nThe article.") + "}");
}

TEST(Cleaner, NestedUrlField) {
  TempDir dir;
  auto c = SiteCleaner(dir, "never drop - ^zzqq-never$\n", "meta.src.url");
  std::string out;
  std::string rec = "{\"meta\":{\"url\":\"https://b.com/\",\"src\":{\"x\":[1,{\"url\":\"https://b.com\"}],"
                    "\"url\":\"https://a.com/1\"}},\"text\":" + Quote("Menu\nThe article.") + "}";
  CleanOne(*c, rec, &out);
  EXPECT_NE(out.find(Quote("The article.")), std::string::npos) << out;
  // An invalid record stays invalid whatever the URL path reaches.
  auto bad = CleanOne(*c, "{\"meta\":{\"src\":{\"url\":\"https://a.com/1\",}},\"text\":\"x\"}", &out);
  EXPECT_EQ(bad.verdict, RecordVerdict::kBad);
}

TEST(RunProfile, BadOptionsAreRunErrors) {
  TempDir dir;
  ProfileOptions o;
  o.inputs = {dir / "missing.jsonl"};
  o.output = dir / "p";
  auto r = RunProfile(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().scope(), ErrorScope::kRun);
  WriteFile(dir / "s.jsonl", "{\"url\":\"https://a.com/\",\"text\":\"x\"}\n");
  o.inputs = {dir / "s.jsonl"};
  o.memory_bytes = 1000;
  EXPECT_FALSE(RunProfile(o).ok());
  o.memory_bytes = size_t{1} << 20;
  o.output.clear();
  EXPECT_FALSE(RunProfile(o).ok());
}

TEST(RunProfile, CountsEachLineOncePerDocument) {
  TempDir dir;
  WriteFile(dir / "s.jsonl",
            "{\"url\":\"https://a.com/1\",\"text\":\"Menu\\nMenu\\nmenu\\n\\nBody one\"}\n"
            "\n"
            "{\"url\":\"https://www.a.com/2\",\"text\":\"  MENU\\r\\nBody two\"}\n"
            "{\"url\":\"https://b.com/2\",\"text\":\"\"}");  // no final newline
  ProfileOptions o;
  o.inputs = {dir / "s.jsonl"};
  o.output = dir / "p";
  auto r = RunProfile(o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().records_in, 3u);
  EXPECT_EQ(r.value().records_profiled, 3u);
  auto rd = ProfileReader::Open(dir / "p");
  ASSERT_TRUE(rd.ok());
  ASSERT_TRUE(rd.value()->NextSite());
  EXPECT_EQ(rd.value()->site(), "a.com");
  EXPECT_EQ(rd.value()->site_docs(), 2u);
  uint64_t h, d;
  std::map<uint64_t, uint64_t> got;
  while (rd.value()->NextEntry(&h, &d)) got[h] = d;
  EXPECT_EQ(got.size(), 3u);
  EXPECT_EQ(got[LineHash("Menu")], 2u);
  EXPECT_EQ(got[LineHash("Body one")], 1u);
  ASSERT_TRUE(rd.value()->NextSite());
  EXPECT_EQ(rd.value()->site(), "b.com");
  EXPECT_EQ(rd.value()->site_docs(), 1u);
  EXPECT_FALSE(rd.value()->NextEntry(&h, &d));
  EXPECT_FALSE(rd.value()->NextSite());
  EXPECT_TRUE(rd.value()->status().ok());
}

}  // namespace
}  // namespace boilerstrip
