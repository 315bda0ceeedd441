// The sample-shard generator: word lists, page templates, JSON writing and the shard file.
//
// Every choice is drawn from one splitmix64 stream in a fixed order, so the output is the same
// on every machine and library version. Chrome lines are taken from lists that the default
// rules are known to catch; what each line is (article, chrome, site) is recorded as the text
// is built, which is the truth the tests score the cleaner against.
#include "boilerstrip/sample.h"

#include <zstd.h>

#include <cstdio>
#include <memory>
#include <set>
#include <string_view>
#include <utility>

#include "io/atomic_file.h"
#include "io/codec.h"

namespace boilerstrip {
namespace {

using SV = std::string_view;

// --- word lists (written for this generator) ---

constexpr SV kNouns[] = {
    "council", "plan", "budget", "river", "bridge", "harbour", "school", "hospital", "railway",
    "festival", "election", "market", "factory", "museum", "library", "court", "treaty",
    "project", "report", "survey", "proposal", "strike", "summit", "agreement", "inquiry",
    "programme", "network", "garden", "vineyard", "orchestra", "league", "season", "harvest",
    "coastline", "district", "airport", "tunnel", "reservoir", "forest", "campaign", "reform",
    "exhibition", "policy", "ceasefire", "tariff", "pipeline", "stadium", "ferry", "clinic",
    "laboratory", "archive", "monastery", "cathedral", "union", "committee", "ministry",
    "company", "startup", "shipyard", "brewery", "village", "valley", "island", "glacier"};
constexpr SV kPlurals[] = {
    "residents", "farmers", "officials", "engineers", "students", "nurses", "voters",
    "fishermen", "investors", "teachers", "volunteers", "scientists", "commuters", "tourists",
    "workers", "families", "drivers", "doctors", "artists", "shopkeepers", "pilots", "rangers"};
constexpr SV kAdjectives[] = {
    "new", "long-awaited", "controversial", "regional", "national", "ambitious", "modest",
    "temporary", "historic", "costly", "delayed", "revised", "joint", "local", "annual",
    "independent", "northern", "southern", "coastal", "rural", "urban", "public", "private",
    "unexpected", "rare", "sweeping", "cautious", "fragile", "record", "second", "final"};
constexpr SV kPast[] = {
    "approved", "rejected", "announced", "postponed", "criticised", "welcomed", "reviewed",
    "opened", "closed", "expanded", "funded", "blocked", "delayed", "signed", "completed",
    "launched", "questioned", "defended", "inspected", "restored", "cancelled", "extended"};
constexpr SV kVerbs[] = {
    "review", "expand", "replace", "fund", "restore", "close", "open", "inspect", "delay",
    "support", "oppose", "build", "rebuild", "sell", "protect", "modernise", "reopen", "study"};
constexpr SV kPresent[] = {"worries", "divides", "surprises", "unites", "frustrates",
                           "encourages", "puzzles", "reassures"};
constexpr SV kPlaces[] = {
    "Northfield", "Riverton", "Ashby", "Kingsport", "Lakeside", "Millbrook", "Eastwick",
    "Stonebridge", "Fairhaven", "Greenville", "Oakridge", "Westmoor", "Brightwater", "Highcliff",
    "São Paulo", "Kraków", "Zürich", "Malmö", "Reykjavík", "Île-de-France", "Łódź", "Córdoba",
    "Beijing", "Nairobi", "Lisbon", "Montréal", "Tromsø", "Gdańsk", "Bogotá", "Düsseldorf"};
constexpr SV kFirstAscii[] = {"Anna", "James", "Maria", "David", "Laura", "Peter", "Sofia",
                              "Daniel", "Helen", "Thomas", "Grace", "Samuel", "Clara", "Oliver",
                              "Ruth", "Martin", "Alice", "George", "Nina", "Victor"};
constexpr SV kLastAscii[] = {"Walker", "Bennett", "Okafor", "Lindqvist", "Moreau", "Tanaka",
                             "Hughes", "Fischer", "Kowalski", "Sato", "Reyes", "Brennan",
                             "Novak", "Harper", "Costa", "Whitfield", "Adeyemi", "Larsen"};
constexpr SV kNamesIntl[] = {"Aleksandar Vučić", "Jürgen Müller", "José Ramírez",
                             "Zoë Ødegaard", "Łukasz Wójcik", "Chloé Dubois", "Søren Kjær",
                             "Ana Şahin", "Iñaki Etxeberria", "Dvořák Jiří", "Ngozi Èze",
                             "Ольга Петрова", "Γιώργος Παπαδόπουλος", "李明"};
constexpr SV kOrgs[] = {"the regional council", "the ministry of transport", "the port authority",
                        "the national audit office", "the chamber of commerce",
                        "the farmers' association", "the university", "the central bank",
                        "the health board", "local police", "the weather service",
                        "the environment agency", "the workers' union"};
constexpr SV kDays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                        "Sunday"};
constexpr SV kMonths[] = {"January", "February", "March", "April", "May", "June", "July",
                          "August", "September", "October", "November", "December"};
constexpr SV kRoles[] = {"deputy mayor", "spokesperson", "chair", "minister", "director",
                         "head of operations", "senior engineer", "vice president"};
constexpr SV kAgencies[] = {"dpa", "Reuters", "AFP", "AP", "EPA"};
constexpr SV kTopics[] = {"culture", "science", "health", "local politics", "food", "travel",
                          "technology", "climate", "education", "sport", "housing"};
constexpr SV kCategories[] = {"News", "Politics", "Business", "Local", "World", "Culture",
                              "Science", "Opinion", "Travel", "Uncategorized", "Sport"};
constexpr SV kSubheads[] = {"What happens next", "A long road", "Reaction at home",
                            "The numbers behind the deal", "Looking ahead", "Background",
                            "Questions remain", "A divided town", "Lessons from the past"};
constexpr SV kSections[] = {"news", "world", "politics", "business", "local", "culture",
                            "science", "sport"};
constexpr SV kMastheads[] = {"Herald", "Courier", "Gazette", "Chronicle", "Tribune", "Post",
                             "Observer", "Ledger", "Dispatch", "Sentinel", "Review", "Times"};
constexpr SV kNavItems[] = {"Home", "World", "Politics", "Business", "Sport", "Culture",
                            "Science", "Opinion", "Local", "Weather", "Video", "Podcasts",
                            "Obituaries", "Events", "Jobs", "Archive"};
constexpr SV kNavSeps[] = {" | ", " · ", " / ", " • ", "  "};
constexpr SV kSloganHeads[] = {"Independent news from", "Your daily paper for",
                               "Reporting on", "Serving the people of",
                               "Stories that matter in"};

// Chrome the default rules remove (each list was checked against patterns/default).
constexpr SV kShareLines[] = {"Share this article", "Share on Facebook", "Share this",
                              "Share: Facebook Twitter Email", "Tweet"};
constexpr SV kSocialRuns[] = {"Facebook Twitter LinkedIn Email", "Facebook | Twitter | WhatsApp",
                              "Facebook, Twitter, Pinterest, Email"};
constexpr SV kFollowLines[] = {"Follow us on Instagram", "Like us on Facebook",
                               "Follow us on Twitter"};
constexpr SV kNewsletterLines[] = {"Sign up for our newsletter to get the latest news.",
                                   "Subscribe to our newsletter",
                                   "Get our best stories delivered to your inbox every morning.",
                                   "Newsletter", "Subscribe", "Enter your email address"};
constexpr SV kCookieLines[] = {"This website uses cookies to improve your experience.",
                               "We use cookies to personalise content and ads.",
                               "Accept all cookies"};
constexpr SV kSourceLines[] = {"Source link", "Original source"};
constexpr SV kCommentLines[] = {"Leave a Comment", "Leave a Reply", "No comments yet",
                                "Join the discussion"};
constexpr SV kPolicyLines[] = {
    "Your email address will not be published. Required fields are marked *", "Cancel reply",
    "Post Comment"};

template <typename T, size_t N>
constexpr size_t Count(const T (&)[N]) {
  return N;
}

// splitmix64: tiny, fast and the same everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  uint64_t Range(uint64_t lo, uint64_t hi) { return lo + Below(hi - lo + 1); }
  // True with probability p.
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }
  template <typename T, size_t N>
  SV Pick(const T (&list)[N]) {
    return list[Below(N)];
  }

 private:
  uint64_t s_;
};

struct Site {
  std::string domain;
  std::string name;
  std::string slogan;
  std::string nav;
  std::string handle;
};

// The text being built: lines and their kinds.
struct Page {
  std::vector<std::string> lines;
  std::vector<SampleLineKind> kinds;
  void Add(std::string line, SampleLineKind kind) {
    lines.push_back(std::move(line));
    kinds.push_back(kind);
  }
  void Blank() { Add("", SampleLineKind::kArticle); }
};

// Replaces ASCII apostrophes with ’ and back: the variant a CMS gives a duplicated title.
std::string SwapApostrophes(SV s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\'') {
      out += "\xE2\x80\x99";
    } else if (s.substr(i, 3) == "\xE2\x80\x99") {
      out += '\'';
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

void AppendUtf16Escape(unsigned cp, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[6] = {'\\', 'u', kHex[(cp >> 12) & 15], kHex[(cp >> 8) & 15], kHex[(cp >> 4) & 15],
                 kHex[cp & 15]};
  out->append(buf, 6);
}

// Appends `s` as the inside of a JSON string. With `ascii`, non-ASCII characters become \uXXXX
// (surrogate pairs past the BMP); with `escape_slash`, '/' becomes "\/" (as PHP writes it).
void AppendJson(SV s, bool ascii, bool escape_slash, std::string* out) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': *out += "\\\""; continue;
      case '\\': *out += "\\\\"; continue;
      case '\n': *out += "\\n"; continue;
      case '\r': *out += "\\r"; continue;
      case '\t': *out += "\\t"; continue;
      case '/':
        *out += escape_slash ? "\\/" : "/";
        continue;
      default: break;
    }
    if (c < 0x20) {
      AppendUtf16Escape(c, out);
    } else if (c < 0x80 || !ascii) {
      out->push_back(static_cast<char>(c));
    } else {
      // The generator writes valid UTF-8 only.
      int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      unsigned cp = c & (len == 4 ? 0x07 : len == 3 ? 0x0F : 0x1F);
      for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      i += len - 1;
      if (cp >= 0x10000) {
        cp -= 0x10000;
        AppendUtf16Escape(0xD800 + (cp >> 10), out);
        AppendUtf16Escape(0xDC00 + (cp & 0x3FF), out);
      } else {
        AppendUtf16Escape(cp, out);
      }
    }
  }
}

}  // namespace

class SampleGenerator::Impl {
 public:
  explicit Impl(const SampleOptions& options) : opt_(options), rng_(options.seed) {
    std::set<std::string> domains;
    for (uint32_t i = 0; i < opt_.sites; ++i) sites_.push_back(MakeSite(i, &domains));
  }

  void Next(SampleRecord* rec);

 private:
  Site MakeSite(uint32_t index, std::set<std::string>* domains);
  std::string Name(bool ascii_only);
  std::string Sentence();
  std::string Paragraph(size_t sentences);
  std::string Title();
  std::string Caption();

  SampleOptions opt_;
  Rng rng_;
  std::vector<Site> sites_;
  uint64_t count_ = 0;
  // Per-document style: typographic (’) or ASCII (') apostrophes and quotes.
  bool typographic_ = false;
};

SampleGenerator::SampleGenerator(const SampleOptions& options)
    : impl_(std::make_unique<Impl>(options)) {}
SampleGenerator::~SampleGenerator() = default;
void SampleGenerator::Next(SampleRecord* record) { impl_->Next(record); }

Site SampleGenerator::Impl::MakeSite(uint32_t index, std::set<std::string>* domains) {
  Site s;
  SV place = rng_.Pick(kPlaces);
  // ASCII place names for the masthead keep domains simple.
  while (static_cast<unsigned char>(place.back()) >= 0x80 ||
         place.find_first_of("\xC3\xC5\xC4") != SV::npos) {
    place = rng_.Pick(kPlaces);
  }
  SV masthead = rng_.Pick(kMastheads);
  s.name = (rng_.Chance(0.5) ? "The " : "") + std::string(place) + " " + std::string(masthead);
  std::string base;
  for (char c : std::string(place) + std::string(masthead)) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c >= 'a' && c <= 'z') base += c;
  }
  s.handle = base;
  // Real public suffixes, so that `profile` finds the sites (reserved names such as .example
  // are no site to it): .com, .co.uk and blogspot.com subdomains (a suffix of the PSL's
  // private section) in turn. Chosen by index, not drawn: the record stream's draws stay the
  // same.
  static constexpr SV kSuffixes[] = {".com", ".co.uk", ".blogspot.com"};
  const SV suffix = kSuffixes[index % 3];
  s.domain = base + std::string(suffix);
  if (!domains->insert(s.domain).second) {
    s.domain = base + std::to_string(index) + std::string(suffix);
    domains->insert(s.domain);
  }
  s.slogan = std::string(rng_.Pick(kSloganHeads)) + " " + std::string(place) + " since " +
             std::to_string(rng_.Range(1850, 2015));
  SV sep = rng_.Pick(kNavSeps);
  size_t items = rng_.Range(5, 9);
  size_t start = rng_.Below(Count(kNavItems) - items + 1);
  s.nav = "Home";
  for (size_t i = 0; i < items; ++i) {
    if (kNavItems[start + i] == "Home") continue;
    s.nav += sep;
    s.nav += kNavItems[start + i];
  }
  return s;
}

std::string SampleGenerator::Impl::Name(bool ascii_only) {
  if (!ascii_only && rng_.Chance(0.2)) return std::string(rng_.Pick(kNamesIntl));
  return std::string(rng_.Pick(kFirstAscii)) + " " + std::string(rng_.Pick(kLastAscii));
}

std::string SampleGenerator::Impl::Sentence() {
  const SV apos = typographic_ ? "\xE2\x80\x99" : "'";
  const SV open = typographic_ ? "\xE2\x80\x9C" : "\"";
  const SV close = typographic_ ? "\xE2\x80\x9D" : "\"";
  std::string s;
  auto w = [&](SV x) { s += x; };
  switch (rng_.Below(8)) {
    case 0:
      w(Name(false)), w(" said on "), w(rng_.Pick(kDays)), w(" that the "),
          w(rng_.Pick(kAdjectives)), w(" "), w(rng_.Pick(kNouns)), w(" would "),
          w(rng_.Pick(kVerbs)), w(" the "), w(rng_.Pick(kNouns)), w(" in "),
          w(rng_.Pick(kPlaces)), w(".");
      break;
    case 1:
      w("The "), w(rng_.Pick(kNouns)), w(" "), w(rng_.Pick(kPast)), w(" "),
          w(std::to_string(rng_.Range(2, 4000))), w(" "), w(rng_.Pick(kPlurals)), w(" in "),
          w(rng_.Pick(kPlaces)), w(", according to "), w(rng_.Pick(kOrgs)), w(".");
      break;
    case 2:
      w(open), w("We "), w(rng_.Pick(kVerbs)), w(" the "), w(rng_.Pick(kNouns)), w(" because the "),
          w(rng_.Pick(kPlurals)), w(" asked us to,"), w(close), w(" "), w(Name(false)),
          w(" told "), w(rng_.Pick(kOrgs)), w(".");
      break;
    case 3: {
      SV org = rng_.Pick(kOrgs);
      s += static_cast<char>(org[0] - 32);
      s += org.substr(1);
      w(" "), w(rng_.Pick(kPast)), w(" the "), w(rng_.Pick(kAdjectives)), w(" "),
          w(rng_.Pick(kNouns)), w(" after "), w(std::to_string(rng_.Range(2, 30))),
          w(" months of talks.");
      break;
    }
    case 4:
      w("In "), w(rng_.Pick(kPlaces)), w(", "), w(rng_.Pick(kPlurals)), w(" "),
          w(rng_.Pick(kPast)), w(" the "), w(rng_.Pick(kNouns)), w(apos), w("s "),
          w(rng_.Pick(kNouns)), w(" \xE2\x80\x94 a "), w(rng_.Pick(kAdjectives)), w(" "),
          w(rng_.Pick(kNouns)), w(" for the region.");
      break;
    case 5:
      w("It was the "), w(rng_.Pick(kAdjectives)), w(" "), w(rng_.Pick(kNouns)),
          w(" since "), w(std::to_string(rng_.Range(1950, 2024))), w(", when "),
          w(Name(false)), w(" "), w(rng_.Pick(kPast)), w(" the "), w(rng_.Pick(kNouns)),
          w(" on the edge of "), w(rng_.Pick(kPlaces)), w(".");
      break;
    case 6:
      w("Costs rose to "), w(std::to_string(rng_.Range(1, 900))), w("."),
          w(std::to_string(rng_.Below(10))), w(" million euros, up "),
          w(std::to_string(rng_.Range(2, 40))), w("% on last year, and the "),
          w(rng_.Pick(kNouns)), w(" doesn"), w(apos), w("t expect a "), w(rng_.Pick(kAdjectives)),
          w(" "), w(rng_.Pick(kNouns)), w(" before "), w(rng_.Pick(kMonths)), w(".");
      break;
    default:
      w("Critics say the "), w(rng_.Pick(kNouns)), w(" "), w(rng_.Pick(kPresent)), w(" the "),
          w(rng_.Pick(kPlurals)), w(" of "), w(rng_.Pick(kPlaces)), w(", who "),
          w(rng_.Pick(kPast)), w(" a "), w(rng_.Pick(kAdjectives)), w(" "), w(rng_.Pick(kNouns)),
          w(" in "), w(std::to_string(rng_.Range(1990, 2024))), w(".");
      break;
  }
  // Rare extras that exercise the JSON escapes: a path with backslashes, an emoji.
  if (rng_.Chance(0.01)) s += " The files are kept under C:\\Archive\\" + std::string(rng_.Pick(kNouns)) + ".";
  if (rng_.Chance(0.01)) s += " \xF0\x9F\x8E\x89";
  return s;
}

std::string SampleGenerator::Impl::Paragraph(size_t sentences) {
  std::string p;
  for (size_t i = 0; i < sentences; ++i) {
    if (i > 0) p += ' ';
    p += Sentence();
  }
  return p;
}

std::string SampleGenerator::Impl::Title() {
  const SV apos = typographic_ ? "\xE2\x80\x99" : "'";
  std::string t;
  switch (rng_.Below(3)) {
    case 0:
      t = Name(false) + " and " + Name(false) + " to visit " + std::string(rng_.Pick(kPlaces)) +
          " in " + std::string(rng_.Pick(kMonths)) + " for " + std::string(rng_.Pick(kNouns)) +
          " talks";
      break;
    case 1: {
      SV org = rng_.Pick(kOrgs);
      t = std::string(1, static_cast<char>(org[0] - 32)) + std::string(org.substr(1)) + " " +
          std::string(rng_.Pick(kPast)) + " " + std::string(rng_.Pick(kAdjectives)) + " " +
          std::string(rng_.Pick(kNouns)) + " as " + std::string(rng_.Pick(kPlurals)) +
          " wait";
      break;
    }
    default:
      t = "Why " + std::string(rng_.Pick(kPlaces)) + std::string(apos) + "s " +
          std::string(rng_.Pick(kNouns)) + " " + std::string(rng_.Pick(kPresent)) + " its " +
          std::string(rng_.Pick(kPlurals));
      break;
  }
  return t;
}

std::string SampleGenerator::Impl::Caption() {
  const SV apos = typographic_ ? "\xE2\x80\x99" : "'";
  return Name(false) + ", " + std::string(rng_.Pick(kRoles)) + " of " +
         std::string(rng_.Pick(kOrgs)) + ", speaks at the " + std::string(rng_.Pick(kNouns)) +
         std::string(apos) + "s opening in " + std::string(rng_.Pick(kPlaces)) + " on " +
         std::string(rng_.Pick(kMonths)) + " " + std::to_string(rng_.Range(1, 28)) + ". " +
         Name(true) + "/" + std::string(rng_.Pick(kAgencies));
}

void SampleGenerator::Impl::Next(SampleRecord* rec) {
  using K = SampleLineKind;
  const uint64_t n = count_++;
  const Site& site = sites_[rng_.Below(sites_.size())];
  typographic_ = rng_.Chance(0.5);
  const bool crlf = rng_.Chance(0.03);
  const bool ascii_json = rng_.Chance(0.15);
  const bool escape_slash = rng_.Chance(0.1);
  const bool long_doc = rng_.Chance(opt_.long_doc_rate);
  Page page;

  // Header: the site's own repeated lines, then chrome the rules catch.
  if (rng_.Chance(0.7)) {
    page.Add(site.name, K::kSite);
    if (rng_.Chance(0.5)) page.Add(site.slogan, K::kSite);
    page.Add(site.nav, K::kSite);
    page.Blank();
  }
  if (rng_.Chance(0.12)) page.Add(std::string(rng_.Pick(kCookieLines)), K::kChrome);
  if (rng_.Chance(0.25)) page.Add(std::string(rng_.Pick(kShareLines)), K::kChrome);
  const std::string title = Title();
  page.Add(title, K::kArticle);
  if (rng_.Chance(0.6)) {
    page.Blank();
    page.Add(rng_.Chance(0.5) ? SwapApostrophes(title) : title, K::kChrome);  // duplicate
  }
  page.Blank();
  if (rng_.Chance(0.3)) {
    page.Add((rng_.Chance(0.7) ? "By " : "Written by ") + Name(true), K::kChrome);
    page.Blank();
  }

  // Body.
  const size_t paragraphs = rng_.Range(3, 20);
  const size_t target = long_doc ? rng_.Range(800u << 10, 1300u << 10) : 0;
  size_t body_bytes = 0;
  std::vector<std::string> captions;
  bool used_subhead[Count(kSubheads)] = {};
  for (size_t i = 0; long_doc ? body_bytes < target : i < paragraphs; ++i) {
    if (i > 0 && rng_.Chance(0.08)) {
      size_t k = rng_.Below(Count(kSubheads));
      if (!used_subhead[k]) {
        used_subhead[k] = true;
        page.Add(std::string(kSubheads[k]), K::kArticle);
        page.Blank();
      }
    }
    std::string p = Paragraph(rng_.Range(1, 7));
    body_bytes += p.size() + 2;
    page.Add(std::move(p), K::kArticle);
    page.Blank();
    if (rng_.Chance(0.06)) {
      std::string c = Caption();
      page.Add(c, K::kArticle);
      page.Blank();
      captions.push_back(std::move(c));
    }
    if (rng_.Chance(0.03)) {
      std::string row = std::string(rng_.Pick(kPlaces)) + "\t" +
                        std::to_string(rng_.Range(100, 99999)) + "\t" +
                        std::to_string(rng_.Range(100, 99999)) + "\t" +
                        std::to_string(rng_.Range(1, 99)) + "%";
      page.Add(std::move(row), K::kArticle);
      page.Blank();
    }
    if (rng_.Chance(0.04)) {
      switch (rng_.Below(3)) {
        case 0: page.Add(std::string(rng_.Pick(kNewsletterLines)), K::kChrome); break;
        case 1: page.Add("Photo: " + Name(true) + "/" + std::string(rng_.Pick(kAgencies)), K::kChrome); break;
        default: page.Add("Getty Images", K::kChrome); break;
      }
      page.Blank();
    }
  }
  // Captions repeated below the article (the second copy is a duplicate, quote style swapped).
  for (const std::string& c : captions) {
    if (rng_.Chance(0.7)) {
      page.Add(rng_.Chance(0.5) ? SwapApostrophes(c) : c, K::kChrome);
      page.Blank();
    }
  }

  // Footer: the rules catch every line here, except the site's name, which goes only when the
  // footer starts in the text's tail (default tail fraction 1/3) and a truncate rule cuts it.
  struct FooterLine {
    std::string text;
    bool needs_cut;  // removed only by the truncate cut
  };
  std::vector<FooterLine> footer;
  if (rng_.Chance(0.85)) {
    if (rng_.Chance(0.3)) footer.push_back({std::string(rng_.Pick(kSocialRuns)), false});
    if (rng_.Chance(0.6)) footer.push_back({std::string(rng_.Pick(kSourceLines)), false});
    if (rng_.Chance(0.6)) {
      std::string posted;
      switch (rng_.Below(3)) {
        case 0: posted = "Posted in"; break;
        case 1: posted = "Posted in " + std::string(rng_.Pick(kCategories)) + ", " + std::string(rng_.Pick(kCategories)); break;
        default: posted = "Filed under: " + std::string(rng_.Pick(kCategories)); break;
      }
      footer.push_back({posted, false});
    }
    if (rng_.Chance(0.4)) footer.push_back({site.name, true});
    if (rng_.Chance(0.2)) footer.push_back({std::string(rng_.Pick(kFollowLines)), false});
    if (rng_.Chance(0.4)) {
      const std::string im = typographic_ ? "I\xE2\x80\x99m" : "I'm";
      std::string blurb =
          rng_.Chance(0.5)
              ? im + " a contributing writer at " + site.name + ", where I cover " +
                    std::string(rng_.Pick(kTopics)) + " and " + std::string(rng_.Pick(kTopics)) +
                    ". " + Paragraph(1)
              : Name(true) + " is a senior reporter at " + site.name + ", covering " +
                    std::string(rng_.Pick(kTopics)) + " and " + std::string(rng_.Pick(kTopics)) +
                    ".";
      footer.push_back({std::move(blurb), false});
    }
    if (rng_.Chance(0.15)) footer.push_back({std::string(rng_.Pick(kNewsletterLines)), false});
    if (rng_.Chance(0.7)) {
      footer.push_back({rng_.Chance(0.2) ? std::to_string(rng_.Range(1, 250)) + " Comments"
                                         : std::string(rng_.Pick(kCommentLines)),
                        false});
      if (rng_.Chance(0.3)) footer.push_back({std::string(rng_.Pick(kPolicyLines)), false});
    }
  }
  // Where would the footer start, and is a truncate line first among its lines?
  size_t begin = 0;
  for (const std::string& l : page.lines) begin += l.size() + (crlf ? 2 : 1);
  size_t footer_bytes = 0;
  for (const FooterLine& f : footer) footer_bytes += 2 * (f.text.size() + (crlf ? 2 : 1));
  bool cut = !footer.empty() && begin >= 0.7 * static_cast<double>(begin + footer_bytes);
  bool seen_truncate = false;
  for (const FooterLine& f : footer) {
    bool truncate = f.text == "Source link" || f.text == "Original source" ||
                    f.text.rfind("Posted in", 0) == 0 || f.text.rfind("Filed under", 0) == 0;
    if (truncate) seen_truncate = true;
    if (f.needs_cut && !(cut && seen_truncate)) continue;
    page.Add(f.text, K::kChrome);
    if (rng_.Chance(0.5)) page.Blank();
  }
  // No trailing blank lines beyond one (crawls often end with one).
  while (page.lines.size() > 1 && page.lines.back().empty() &&
         page.lines[page.lines.size() - 2].empty()) {
    page.lines.pop_back();
    page.kinds.pop_back();
  }

  // The record.
  std::string text;
  const SV eol = crlf ? "\r\n" : "\n";
  for (size_t i = 0; i < page.lines.size(); ++i) {
    if (i > 0) text += eol;
    text += page.lines[i];
  }
  char id[48];
  std::snprintf(id, sizeof id, "gen-%llu-%08llu", static_cast<unsigned long long>(opt_.seed),
                static_cast<unsigned long long>(n));
  rec->id = id;
  std::string url = "https://" + site.domain + "/" + std::string(rng_.Pick(kSections)) + "/";
  for (char c : title) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) url += c;
    else if (c >= 'A' && c <= 'Z') url += static_cast<char>(c + 32);
    else if (c == ' ' && url.back() != '-') url += '-';
  }
  url += "-" + std::to_string(rng_.Range(1000, 999999));
  std::string& j = rec->json;
  j.clear();
  j += "{\"id\":\"";
  j += rec->id;
  j += "\",\"url\":\"";
  AppendJson(url, false, escape_slash, &j);
  j += "\",";
  if (rng_.Chance(0.3)) {
    j += "\"title\":\"";
    AppendJson(title, ascii_json, false, &j);
    j += "\",";
  }
  j += "\"text\":\"";
  AppendJson(text, ascii_json, false, &j);
  j += "\",\"metadata\":{\"language\":\"en\",\"dump\":\"CC-MAIN-2025-";
  j += std::to_string(10 + rng_.Below(40));
  j += "\",\"date\":\"2025-";
  j += std::to_string(10 + rng_.Below(3));
  j += "-";
  j += std::to_string(10 + rng_.Below(19));
  j += "T";
  j += std::to_string(10 + rng_.Below(14));
  j += ":00:00Z\",\"warc\":{\"offset\":";
  j += std::to_string(rng_.Below(uint64_t{1} << 32));
  j += ",\"length\":";
  j += std::to_string(text.size() / 3 + rng_.Below(5000));
  j += "},\"quality\":0.";
  j += std::to_string(100 + rng_.Below(900));
  j += ",\"tags\":[\"";
  j += rng_.Pick(kSections);
  j += "\",\"";
  j += rng_.Pick(kTopics);
  j += "\"],\"truncated\":";
  j += long_doc ? "true" : "false";
  j += ",\"license\":null}}";
  rec->kinds = std::move(page.kinds);
}

Status ValidateSampleOptions(const SampleOptions& options) {
  if (options.sites < 1 || options.sites > 100000) {
    return Status::RunError("--sites must be in [1, 100000]");
  }
  if (!(options.long_doc_rate >= 0.0 && options.long_doc_rate <= 1.0)) {
    return Status::RunError("long document rate must be in [0, 1]");
  }
  return Status::Ok();
}

namespace {

// An output file, zstd-compressed when named *.zst, gzip when named *.gz, else plain, written through io::AtomicFile: a regular file
// appears whole when Close() succeeds (and never otherwise), while a device, a FIFO or "-" is
// written in place, never replaced.
class Output {
 public:
  ~Output() { ZSTD_freeCCtx(cctx_); }  // an unclosed file_ removes its temporary
  Status Open(const std::string& path) {
    path_ = path;
    auto f = io::AtomicFile::Open(path);
    // A sample that cannot be written stops the run (the generator has nothing else to do).
    if (!f.ok()) return Status::RunError(f.status().message());
    file_ = std::move(f.value());
    if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0) {
      gzip_ = true;  // one gzip member per flushed buffer (ISA-L level 1)
    } else if (path.size() > 4 && path.compare(path.size() - 4, 4, ".zst") == 0) {
      cctx_ = ZSTD_createCCtx();
      ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, 3);
      ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);
    }
    return Status::Ok();
  }
  // Buffers `bytes`; flushes past 4 MiB.
  Status Put(SV bytes) {
    buf_.append(bytes);
    return buf_.size() >= (4u << 20) ? Flush(false) : Status::Ok();
  }
  Status Close() {
    if (Status st = Flush(true); !st.ok()) return st;
    if (Status st = file_->Commit(); !st.ok()) return Status::RunError(st.message());
    return Status::Ok();
  }

 private:
  Status Flush(bool end) {
    SV data = buf_;
    if (gzip_) {
      if (buf_.empty() && !end) return Status::Ok();
      if (buf_.empty() && wrote_member_) return Status::Ok();  // the last member ended it
      if (Status st = compressor_.Compress(io::Format::kGzip, 1, buf_, &zbuf_); !st.ok()) {
        return Status::RunError(path_ + ": " + st.message());
      }
      wrote_member_ = true;
      data = zbuf_;
    } else if (cctx_ != nullptr) {
      zbuf_.resize(ZSTD_compressBound(buf_.size()) + 1024);
      ZSTD_inBuffer in{buf_.data(), buf_.size(), 0};
      size_t produced = 0;
      while (true) {
        ZSTD_outBuffer out{zbuf_.data() + produced, zbuf_.size() - produced, 0};
        size_t left = ZSTD_compressStream2(cctx_, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(left)) return Status::RunError(path_ + ": zstd: " + ZSTD_getErrorName(left));
        produced += out.pos;
        if (end ? left == 0 : in.pos == in.size) break;
        if (produced == zbuf_.size()) zbuf_.resize(zbuf_.size() * 2);
      }
      data = SV(zbuf_.data(), produced);
    }
    if (Status st = file_->Append(data); !st.ok()) return Status::RunError(st.message());
    buf_.clear();
    return Status::Ok();
  }

  std::string path_;
  std::unique_ptr<io::AtomicFile> file_;
  ZSTD_CCtx* cctx_ = nullptr;
  bool gzip_ = false;
  bool wrote_member_ = false;
  io::FrameCompressor compressor_;
  std::string buf_, zbuf_;
};

}  // namespace

Status WriteSample(const SampleOptions& options, const std::string& path,
                   const std::string& truth_path, uint64_t* bytes_written) {
  if (Status st = ValidateSampleOptions(options); !st.ok()) return st;
  Output out, truth;
  if (Status st = out.Open(path); !st.ok()) return st;
  if (!truth_path.empty()) {
    if (Status st = truth.Open(truth_path); !st.ok()) return st;
  }
  SampleGenerator gen(options);
  SampleRecord rec;
  uint64_t total = 0;
  std::string line;
  while (total < options.size_bytes) {
    gen.Next(&rec);
    rec.json += '\n';
    total += rec.json.size();
    if (Status st = out.Put(rec.json); !st.ok()) return st;
    if (truth_path.empty()) continue;
    line = "{\"id\":\"" + rec.id + "\",\"chrome\":[";
    for (int pass = 0; pass < 2; ++pass) {
      SampleLineKind want = pass == 0 ? SampleLineKind::kChrome : SampleLineKind::kSite;
      if (pass == 1) line += "],\"site\":[";
      bool first = true;
      for (size_t i = 0; i < rec.kinds.size(); ++i) {
        if (rec.kinds[i] != want) continue;
        if (!first) line += ',';
        line += std::to_string(i);
        first = false;
      }
    }
    line += "]}\n";
    if (Status st = truth.Put(line); !st.ok()) return st;
  }
  if (Status st = out.Close(); !st.ok()) return st;
  if (!truth_path.empty()) {
    if (Status st = truth.Close(); !st.ok()) return st;
  }
  if (bytes_written != nullptr) *bytes_written = total;
  return Status::Ok();
}

}  // namespace boilerstrip
