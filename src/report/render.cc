// The report's two renderings: one self-contained HTML page and JSON.
//
// The page loads nothing: its CSS is one <style> element, its charts inline SVG, and it has no
// script. Every byte that comes from the input (document text, URLs, paths, option values) goes
// through AppendHtmlEscaped with a cap on what it may add, and every list is bounded, so a
// hostile input can neither break out of its element nor grow the page past kMaxHtmlBytes.
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "report/report.h"

namespace boilerstrip::report {
namespace {

constexpr size_t kReasonsCharted = 60;
constexpr size_t kReasonSectionsDetailed = 200;
constexpr size_t kTopLineOut = 700;          // escaped bytes of one top-list line
constexpr size_t kSampleLineOut = 6000;      // escaped bytes of one sampled line
constexpr size_t kSamplesOut = 10u << 20;    // escaped bytes of all sampled documents
constexpr size_t kSampleDocOut = 256u << 10;  // escaped bytes of one sampled document
constexpr size_t kShardsListed = 200;
constexpr size_t kSmallOut = 600;            // a path, a URL, an option value, a title

// Twelve colours that stay apart on white, for reasons in chart order.
constexpr const char* kPalette[] = {"#4e79a7", "#e15759", "#f28e2b", "#59a14f",
                                    "#b07aa1", "#9c755f", "#76b7b2", "#d4a017",
                                    "#ff6f91", "#6b6ecf", "#8c6d31", "#17becf"};
constexpr size_t kPaletteSize = sizeof kPalette / sizeof kPalette[0];

// The code point of the UTF-8 sequence at s[i] and its length; length 0 when the bytes there
// are not valid UTF-8 (overlong, surrogate, past U+10FFFF, cut).
uint32_t Decode(std::string_view s, size_t i, size_t* len) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  *len = 0;
  size_t n;
  uint32_t cp, min;
  if (c < 0x80) {
    *len = 1;
    return c;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *len = n;
  return cp;
}

// Code points that would act instead of show: C0 and C1 controls (but tab), DEL, the bidi
// embeddings, overrides, isolates and marks, the line and paragraph separators, and the BOM.
bool ShownAsMark(uint32_t cp) {
  return (cp < 0x20 && cp != '\t') || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C ||
         cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF;
}

void Escape(std::string_view text, size_t max_out, bool spans, std::string* out) {
  const size_t start = out->size();
  char buf[96];
  for (size_t i = 0; i < text.size();) {
    size_t len;
    const uint32_t cp = Decode(text, i, &len);
    std::string_view piece;
    if (len == 0) {
      std::snprintf(buf, sizeof buf, spans ? "<span class=\"cc\">\\x%02X</span>" : "[\\x%02X]",
                    static_cast<unsigned char>(text[i]));
      piece = buf;
      len = 1;
    } else if (ShownAsMark(cp)) {
      std::snprintf(buf, sizeof buf, spans ? "<span class=\"cc\">U+%04X</span>" : "[U+%04X]", cp);
      piece = buf;
    } else {
      switch (cp) {
        case '&': piece = "&amp;"; break;
        case '<': piece = "&lt;"; break;
        case '>': piece = "&gt;"; break;
        case '"': piece = "&quot;"; break;
        case '\'': piece = "&#39;"; break;
        default: piece = text.substr(i, len);
      }
    }
    if (out->size() - start + piece.size() > max_out) {
      std::snprintf(buf, sizeof buf,
                    spans ? "<span class=\"cut\">… %zu more bytes</span>" : "… (%zu more bytes)",
                    text.size() - i);
      out->append(buf);
      return;
    }
    out->append(piece);
    i += len;
  }
}

// `text` escaped, whole (for short strings of our own making, like rule names).
std::string H(std::string_view text, size_t max_out = kSmallOut) {
  std::string out;
  Escape(text, max_out, true, &out);
  return out;
}

// For SVG <text> and attribute values: marks as plain text, no spans.
std::string SvgText(std::string_view text, size_t max_out = 200) {
  std::string out;
  Escape(text, max_out, false, &out);
  return out;
}

std::string Num(uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Pct(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, share > 0 && share < 0.001 ? "%.2f%%" : "%.1f%%", 100 * share);
  return buf;
}

std::string MB(uint64_t bytes) {
  char buf[32];
  if (bytes < 10000) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.2f MB", bytes / 1e6);
  }
  return buf;
}

std::string Fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

double Share(uint64_t part, uint64_t whole) { return whole ? double(part) / whole : 0.0; }

// An id for a reason's section: letters, digits, '-' and '_' of its name after its position.
std::string ReasonId(size_t pos, std::string_view name) {
  std::string id = "reason-" + std::to_string(pos) + "-";
  for (char c : name.substr(0, 64)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    id += ok ? c : '_';
  }
  return id;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

const char kCss[] = R"CSS(
:root{--fg:#1d2430;--mut:#5c6675;--bd:#dfe3e8;--warn:#c0392b}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:#fff;max-width:1120px;margin:0 auto;padding:12px 24px 48px}
h1{font-size:22px;margin:8px 0 2px}h2{font-size:18px;border-bottom:1px solid var(--bd);padding-bottom:4px;margin:32px 0 10px}
h3{font-size:15px;margin:22px 0 6px}
.sub{color:var(--mut);margin:0 0 12px}
table{border-collapse:collapse;margin:4px 0}td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}
th{color:var(--mut);font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px;overflow-wrap:anywhere}
.grid{display:grid;grid-template-columns:auto 1fr;gap:2px 16px}
.note{color:var(--mut);font-size:13px}
.warn{color:var(--warn)}
svg{display:block;max-width:100%;height:auto}
svg text{font:12px system-ui,sans-serif;fill:var(--fg)}svg .val{fill:var(--mut)}svg .axis{stroke:var(--bd)}
svg a:hover .lbl{text-decoration:underline}
rect.bar{fill:var(--c)}rect.bar2{fill:var(--c);opacity:.45}rect.hbar{fill:#4e79a7}rect.hbar.hi{fill:var(--warn)}
.tag{display:inline-block;font:11px/16px system-ui,sans-serif;padding:0 6px;border-radius:3px;color:#fff;background:var(--c);white-space:nowrap;min-width:0}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;background:var(--c);margin-right:6px}
.doc{border:1px solid var(--bd);border-radius:6px;margin:14px 0;padding:8px 10px}
.doc h3{margin:0 0 6px;font-size:14px}
.lines{font:12px/1.55 ui-monospace,"DejaVu Sans Mono",monospace}
.ln{display:grid;grid-template-columns:150px 1fr;gap:8px;padding:0 4px;border-radius:3px}
.ln .t{white-space:pre-wrap;overflow-wrap:anywhere;unicode-bidi:isolate;min-height:1.55em}
.ln.rm{background:color-mix(in srgb,var(--c) 10%,#fff)}
.ln.rm del{text-decoration:line-through 2px;text-decoration-color:var(--c);color:#555}
.ln .g{text-align:right}
.fold{color:var(--mut);font-style:italic;padding:0 4px 0 162px}
.cc{font:10px system-ui,sans-serif;border:1px solid var(--warn);color:var(--warn);border-radius:2px;padding:0 2px;margin:0 1px}
.cut{color:var(--mut);font-style:italic}
.bar-cell{width:220px}.minibar{height:10px;background:var(--warn);border-radius:2px}
ul.once li{margin:2px 0}
)CSS";

class Html {
 public:
  explicit Html(const Report& r) : r_(r) {
    for (size_t i = 0; i < r.reasons.size(); ++i) pos_[r.reasons[i].reason] = i;
  }
  std::string Render();

 private:
  void Head();
  void Totals();
  void Options();
  void ReasonChart();
  void Histogram();
  void Sites();
  void Reasons();
  void Samples();
  std::string Tag(int32_t reason) const;
  std::string Where(const DocRef& d) const;
  std::string ClassOf(int32_t reason) const {
    auto it = pos_.find(reason);
    return it == pos_.end() ? "k-none" : "k" + std::to_string(it->second % kPaletteSize);
  }
  std::string NameOf(int32_t reason) const {
    if (reason == Removal::kLayout) return "layout";
    auto it = pos_.find(reason);
    if (it != pos_.end()) return r_.reasons[it->second].name;
    return reason >= 0 && static_cast<size_t>(reason) < r_.rule_names.size()
               ? r_.rule_names[reason]
               : "?";
  }

  const Report& r_;
  std::unordered_map<int32_t, size_t> pos_;  // reason → position in r_.reasons
  std::string o_;
};

std::string Html::Tag(int32_t reason) const {
  auto it = pos_.find(reason);
  if (it == pos_.end()) return "<span class=\"tag k-none\">" + H(NameOf(reason)) + "</span>";
  return "<a class=\"tag " + ClassOf(reason) + "\" href=\"#" +
         ReasonId(it->second, r_.reasons[it->second].name) + "\">" + H(NameOf(reason)) + "</a>";
}

std::string Html::Where(const DocRef& d) const {
  std::string s = "<code>" + H(BaseName(r_.shards[d.shard].path)) + ":" + std::to_string(d.line) +
                  "</code>";
  if (!d.url.empty()) s += " <code>" + H(d.url) + "</code>";
  return s;
}

void Html::Head() {
  o_ += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        "<meta name=\"referrer\" content=\"no-referrer\">"
        "<title>boilerstrip report</title><style>";
  o_ += kCss;
  for (size_t i = 0; i < kPaletteSize; ++i) {
    o_ += ".k" + std::to_string(i) + "{--c:" + kPalette[i] + "}";
  }
  o_ += ".k-none{--c:#888}</style></head><body>\n";
  o_ += "<h1>boilerstrip report</h1><p class=\"sub\">What cleaning removed and why: ";
  o_ += Num(r_.totals.records_in) + (r_.totals.records_in == 1 ? " record" : " records") +
        " from " + Num(r_.shards.size()) + " shard" +
        (r_.shards.size() == 1 ? "" : "s");
  if (r_.stopped_at_max_docs) o_ += ", stopped at --max-docs " + Num(r_.options.max_docs);
  o_ += ". Nothing was written but this report.</p>\n";
  o_ += "<nav class=\"note\"><a href=\"#totals\">Totals</a> · <a href=\"#options\">Options</a> · "
        "<a href=\"#by-reason\">By reason</a> · <a href=\"#share\">Share removed per document</a>"
        " · <a href=\"#sites\">Sites</a> · <a href=\"#reasons\">Removed lines per reason</a> · "
        "<a href=\"#samples\">Sampled documents</a></nav>\n";
}

void Html::Totals() {
  const Stats& t = r_.totals;
  uint64_t bad = 0;
  for (uint64_t b : t.bad_by) bad += b;
  o_ += "<h2 id=\"totals\">Totals</h2><table>";
  auto row = [&](const std::string& k, const std::string& v, const std::string& note = "") {
    o_ += "<tr><th>" + k + "</th><td class=\"n\">" + v + "</td><td class=\"note\">" + note +
          "</td></tr>";
  };
  row("documents", Num(t.records_in),
      Num(t.records_out) + " kept (" + Num(t.records_changed) + " changed), " +
          Num(t.dropped_doc) + " dropped by drop-doc rules");
  row("bad records", Num(bad), bad ? "clean would quarantine them" : "");
  for (size_t i = 0; i < t.bad_by.size(); ++i) {
    if (t.bad_by[i]) {
      row("&nbsp;&nbsp;" + H(BadRecordName(static_cast<BadRecord>(i))), Num(t.bad_by[i]));
    }
  }
  row("lines", Num(t.lines_in), Num(t.lines_removed) + " removed (" +
                                    Pct(Share(t.lines_removed, t.lines_in)) + ")");
  row("bytes in", MB(t.bytes_in), "uncompressed records");
  row("bytes out", MB(t.bytes_out),
      Pct(1 - Share(t.bytes_out, t.bytes_in)) + " of the input removed");
  row("text removed", MB(r_.removed_text_bytes),
      Pct(Share(r_.removed_text_bytes, r_.text_bytes)) + " of " + MB(r_.text_bytes) +
          " of text; " + MB(r_.layout_bytes) + " of it blank lines and breaks");
  row("documents changed", Num(r_.docs_with_removals),
      Pct(Share(r_.docs_with_removals, t.records_in - bad)) + " of the good documents");
  o_ += "</table>\n";
}

void Html::Options() {
  o_ += "<h2 id=\"options\">Options</h2><div class=\"grid\">";
  for (const auto& [k, v] : r_.options.settings) {
    o_ += "<code>" + H(k) + "</code><code>" + H(v) + "</code>";
  }
  o_ += "<code>--sample</code><code>" + std::to_string(r_.options.sample) + "</code>";
  o_ += "<code>--seed</code><code>" + std::to_string(r_.options.seed) + "</code>";
  if (r_.options.max_docs) {
    o_ += "<code>--max-docs</code><code>" + std::to_string(r_.options.max_docs) + "</code>";
  }
  o_ += "</div><h3>Rule files</h3><p class=\"note\">Rule set hash <code>" +
        H(r_.rule_set_hash) + "</code> (xxh3 of every rule's name, action, pattern and flags):"
        " two reports with the same hash ran the same rules.</p><table><tr><th>file</th>"
        "<th class=\"n\">rules</th><th>xxh3 of the file</th></tr>";
  size_t shown = 0;
  for (const RuleFileInfo& f : r_.rule_files) {
    if (++shown > kShardsListed) {
      o_ += "<tr><td class=\"note\">and " + Num(r_.rule_files.size() - kShardsListed) +
            " more</td></tr>";
      break;
    }
    o_ += "<tr><td><code>" + H(f.path) + "</code></td><td class=\"n\">" + Num(f.rules) +
          "</td><td><code>" + (f.hash.empty() ? "unreadable" : H(f.hash)) + "</code></td></tr>";
  }
  o_ += "</table><h3>Inputs</h3><table><tr><th>shard</th><th>state</th></tr>";
  // Failed shards first, then in input order.
  std::vector<size_t> order(r_.shards.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_partition(order.begin(), order.end(), [&](size_t i) { return r_.shards[i].failed; });
  for (size_t k = 0; k < order.size(); ++k) {
    if (k == kShardsListed) {
      o_ += "<tr><td class=\"note\">and " + Num(order.size() - k) + " more</td></tr>";
      break;
    }
    const ShardOutcome& s = r_.shards[order[k]];
    o_ += "<tr><td><code>" + H(s.path) + "</code></td><td" + (s.failed ? " class=\"warn\"" : "") +
          ">" + (s.failed ? "failed: " : "") + (s.error.empty() ? "read" : H(s.error)) +
          "</td></tr>";
  }
  o_ += "</table>\n";
}

void Html::ReasonChart() {
  o_ += "<h2 id=\"by-reason\">Removed by reason</h2>";
  if (r_.reasons.empty()) {
    o_ += "<p>Nothing was removed.</p>\n";
    return;
  }
  o_ += "<p class=\"note\">Each row is one reason: the long bar counts removed characters, the "
        "thin one removed lines (of dropped documents, for a drop-doc rule). Click a row for its "
        "lines.</p>";
  const size_t n = std::min(r_.reasons.size(), kReasonsCharted);
  uint64_t max_chars = 1, max_lines = 1;
  for (size_t i = 0; i < n; ++i) {
    max_chars = std::max(max_chars, r_.reasons[i].chars);
    max_lines = std::max(max_lines, r_.reasons[i].lines);
  }
  const int row_h = 26, label_w = 230, bar_w = 560;
  const int height = static_cast<int>(n) * row_h + 8;
  o_ += "<svg class=\"chart\" id=\"chart-reasons\" role=\"img\" aria-label=\"removed by reason\" "
        "viewBox=\"0 0 1000 " + std::to_string(height) + "\" width=\"1000\" height=\"" +
        std::to_string(height) + "\">";
  for (size_t i = 0; i < n; ++i) {
    const ReasonFigures& f = r_.reasons[i];
    const int y = static_cast<int>(i) * row_h + 4;
    const int w1 = f.chars ? std::max(1, static_cast<int>(std::lround(double(f.chars) / max_chars * bar_w))) : 0;
    const int w2 = f.lines ? std::max(1, static_cast<int>(std::lround(double(f.lines) / max_lines * bar_w))) : 0;
    o_ += "<a href=\"#" + ReasonId(i, f.name) + "\"><g class=\"" + ClassOf(f.reason) +
          "\"><title>" + SvgText(f.name) + ": " + Num(f.chars) + " characters, " + Num(f.lines) +
          " lines</title>";
    o_ += "<text class=\"lbl\" x=\"" + std::to_string(label_w - 8) + "\" y=\"" +
          std::to_string(y + 13) + "\" text-anchor=\"end\">" + SvgText(f.name, 120) + "</text>";
    o_ += "<rect class=\"bar\" x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 2) +
          "\" width=\"" + std::to_string(w1) + "\" height=\"13\"/>";
    o_ += "<rect class=\"bar2\" x=\"" + std::to_string(label_w) + "\" y=\"" +
          std::to_string(y + 16) + "\" width=\"" + std::to_string(w2) + "\" height=\"5\"/>";
    o_ += "<text class=\"val\" x=\"" + std::to_string(label_w + std::max(w1, w2) + 6) + "\" y=\"" +
          std::to_string(y + 13) + "\">" + Num(f.chars) + " chars · " + Num(f.lines) +
          " lines</text></g></a>";
  }
  o_ += "</svg>";
  if (r_.reasons.size() > n) {
    o_ += "<p class=\"note\">" + Num(r_.reasons.size() - n) +
          " reasons that removed less are not charted; each has its section below.</p>";
  }
  o_ += "\n";
}

void Html::Histogram() {
  o_ += "<h2 id=\"share\">Share of each document removed</h2><p class=\"note\">Documents by the "
        "share of their text removed (bytes, blank lines included). The first bar is the "
        "documents left untouched; red bars are the ones that lost more than 80%: where a rule "
        "eats an article, it shows there first.</p>";
  uint64_t max = 1;
  for (uint64_t c : r_.histogram) max = std::max(max, c);
  const int left = 40, plot_w = 940, top = 18, plot_h = 170, height = 230;
  const double bw = plot_w / 21.0;
  o_ += "<svg class=\"chart\" id=\"chart-share\" role=\"img\" aria-label=\"share removed per "
        "document\" viewBox=\"0 0 1000 " + std::to_string(height) + "\" width=\"1000\" height=\"" +
        std::to_string(height) + "\">";
  o_ += "<line class=\"axis\" x1=\"" + std::to_string(left) + "\" y1=\"" +
        std::to_string(top + plot_h) + "\" x2=\"" + std::to_string(left + plot_w) + "\" y2=\"" +
        std::to_string(top + plot_h) + "\"/>";
  for (size_t i = 0; i < 21; ++i) {
    const uint64_t c = r_.histogram[i];
    const int h = c ? std::max(1, static_cast<int>(std::lround(double(c) / max * plot_h))) : 0;
    const double x = left + i * bw + 3;
    const std::string label = i == 0 ? "0" : "≤" + std::to_string(i * 5);
    o_ += "<g><title>" + (i == 0 ? std::string("nothing removed") :
                          "more than " + std::to_string((i - 1) * 5) + "% up to " +
                          std::to_string(i * 5) + "%") + ": " + Num(c) + " documents</title>";
    o_ += "<rect class=\"hbar" + std::string(i > 16 ? " hi" : "") + "\" x=\"" + Fixed(x, 1) +
          "\" y=\"" + std::to_string(top + plot_h - h) + "\" width=\"" + Fixed(bw - 6, 1) +
          "\" height=\"" + std::to_string(h) + "\"/>";
    o_ += "<text class=\"val\" x=\"" + Fixed(x + (bw - 6) / 2, 1) + "\" y=\"" +
          std::to_string(top + plot_h - h - 4) + "\" text-anchor=\"middle\">" + Num(c) +
          "</text><text x=\"" + Fixed(x + (bw - 6) / 2, 1) + "\" y=\"" +
          std::to_string(top + plot_h + 16) + "\" text-anchor=\"middle\">" + label + "</text></g>";
  }
  o_ += "<text x=\"" + std::to_string(left + plot_w / 2) + "\" y=\"" + std::to_string(height - 4) +
        "\" text-anchor=\"middle\" class=\"val\">% of the document's text removed</text></svg>";
  o_ += "<h3 id=\"over80\">Documents that lost more than 80%</h3>";
  if (r_.over_80_count == 0) {
    o_ += "<p>None (documents dropped by a drop-doc rule are counted in their rule's section).</p>\n";
    return;
  }
  o_ += "<p class=\"note\">" + Num(r_.over_80_count) + " documents" +
        (r_.over_80_count > r_.over_80.size()
             ? ", the " + Num(r_.over_80.size()) + " that lost most listed"
             : std::string()) +
        " (shard:line, URL, first line). Documents dropped by a drop-doc rule are in their "
        "rule's section.</p><table><tr><th class=\"n\">removed</th><th>document</th></tr>";
  for (const DocRef& d : r_.over_80) {
    o_ += "<tr><td class=\"n\">" + Pct(d.share()) + "</td><td>" + Where(d) + "<br>" +
          H(d.title) + "</td></tr>";
  }
  o_ += "</table>\n";
}

void Html::Sites() {
  o_ += "<h2 id=\"sites\">Sites with the most removed</h2>";
  if (!r_.urls_read) {
    o_ += "<p class=\"note\">No URL field was read (no site namer).</p>\n";
    return;
  }
  if (r_.sites.empty()) {
    o_ += "<p class=\"note\">No record has a URL with a registrable domain in the URL field <code>" +
          H(r_.options.url_field) + "</code> (reserved names such as <code>.example</code> have "
          "none; --url-field names another field).</p>\n";
    return;
  }
  o_ += "<p class=\"note\">" + Num(r_.docs_with_site) + " documents on " + Num(r_.sites_total) +
        " sites (registrable domain of <code>" + H(r_.options.url_field) + "</code>); the " +
        Num(r_.sites.size()) + " that lost most text.</p><table><tr><th>site</th>"
        "<th class=\"n\">documents</th><th class=\"n\">lines removed</th>"
        "<th class=\"n\">text removed</th><th class=\"n\">share</th><th></th></tr>";
  for (const SiteFigures& s : r_.sites) {
    const double share = Share(s.removed_bytes, s.text_bytes);
    o_ += "<tr><td><code>" + H(s.site) + "</code></td><td class=\"n\">" + Num(s.docs) +
          "</td><td class=\"n\">" + Num(s.lines_removed) + "</td><td class=\"n\">" +
          MB(s.removed_bytes) + "</td><td class=\"n\">" + Pct(share) +
          "</td><td class=\"bar-cell\"><div class=\"minibar\" style=\"width:" +
          Fixed(std::min(100.0, 100 * share), 1) + "%\"></div></td></tr>";
  }
  o_ += "</table>\n";
}

void Html::Reasons() {
  o_ += "<h2 id=\"reasons\">Removed lines per reason</h2>";
  if (r_.reasons.empty()) {
    o_ += "<p>Nothing was removed.</p>\n";
    return;
  }
  o_ += "<p class=\"note\">Per reason, the lines it removed most often, then a few it removed "
        "only once: those are where article text gets lost.</p>";
  for (size_t i = 0; i < r_.reasons.size(); ++i) {
    const ReasonFigures& f = r_.reasons[i];
    const bool drop_doc = f.kind == "drop-doc";
    o_ += "<section class=\"reason\" id=\"" + ReasonId(i, f.name) + "\"><h3><span class=\"sw " +
          ClassOf(f.reason) + "\"></span>" + H(f.name) + " <span class=\"note\">(" + H(f.kind) +
          ")</span></h3><p>";
    if (drop_doc) {
      o_ += Num(f.docs) + " documents dropped: " + Num(f.lines) + " lines, " + Num(f.chars) +
            " characters.";
    } else {
      o_ += Num(f.lines) + " lines, " + Num(f.chars) + " characters, in " + Num(f.docs) +
            " documents.";
    }
    if (f.approximate) {
      o_ += " <span class=\"note\">Too many distinct lines to count all: the rarest were "
            "forgotten, so counts are lower bounds.</span>";
    }
    o_ += "</p>";
    if (i >= kReasonSectionsDetailed) {
      o_ += "</section>";
      continue;
    }
    if (!f.top.empty()) {
      o_ += "<table class=\"top\"><tr><th class=\"n\">times</th><th>" +
            std::string(drop_doc ? "first line of the dropped document" : "removed line") +
            "</th></tr>";
      for (const LineCount& lc : f.top) {
        o_ += "<tr><td class=\"n\">" + Num(lc.count) + "</td><td class=\"mono\">";
        Escape(lc.text, kTopLineOut, true, &o_);
        o_ += "</td></tr>";
      }
      o_ += "</table>";
    }
    if (!f.singletons.empty()) {
      o_ += "<p class=\"note\">Removed once:</p><ul class=\"once mono\">";
      for (const LineCount& lc : f.singletons) {
        o_ += "<li>";
        Escape(lc.text, kTopLineOut, true, &o_);
        o_ += "</li>";
      }
      o_ += "</ul>";
    }
    o_ += "</section>\n";
  }
}

void Html::Samples() {
  o_ += "<h2 id=\"samples\">Sampled documents</h2>";
  if (r_.samples.empty()) {
    o_ += "<p class=\"note\">No document sampled (--sample 0, or no good record).</p>\n";
    return;
  }
  o_ += "<p class=\"note\">" + Num(r_.samples.size()) +
        (r_.samples.size() == 1 ? " document" : " documents") + " chosen by --seed " +
        std::to_string(r_.options.seed) + ", in input order. Removed lines are struck through, "
        "coloured and labelled with their reason; long runs of kept lines are folded.</p>";
  const size_t doc_budget = std::min(kSampleDocOut, kSamplesOut / r_.samples.size());
  for (size_t k = 0; k < r_.samples.size(); ++k) {
    const SampleDoc& d = r_.samples[k];
    const size_t start = o_.size();
    o_ += "<article class=\"doc\" id=\"doc-" + std::to_string(k) + "\"><h3>" + Where(d.ref) +
          "</h3><p class=\"note\">" + Num(d.lines) + " lines, " + MB(d.ref.text_bytes) + "; " +
          Pct(d.ref.share()) + " removed";
    if (d.ref.dropped_by >= 0) o_ += ": the whole document, by the drop-doc rule " + Tag(d.ref.dropped_by);
    o_ += "</p><div class=\"lines\">";
    for (const ShownLine& s : d.shown) {
      const size_t used = o_.size() - start;
      if (used + 400 > doc_budget) {
        o_ += "<div class=\"fold\">⋯ the rest is not shown (the report's size bound) ⋯</div>";
        break;
      }
      if (s.kind == ShownLine::kFold) {
        o_ += "<div class=\"fold\">⋯ " + Num(s.folded) + " line" + (s.folded == 1 ? "" : "s") +
              " not shown ⋯</div>";
        continue;
      }
      const size_t cap = std::min(kSampleLineOut, doc_budget - used - 400);
      if (s.kind == ShownLine::kKept) {
        o_ += "<div class=\"ln\"><span class=\"g\"></span><span class=\"t\">";
        Escape(s.text, cap, true, &o_);
        if (s.bytes > s.text.size()) o_ += "<span class=\"cut\">… " + Num(s.bytes - s.text.size()) + " more bytes</span>";
        o_ += "</span></div>";
      } else if (s.reason == Removal::kLayout || s.blank) {
        o_ += "<div class=\"ln rm k-none\" title=\"blank line removed\"><span class=\"g\"></span>"
              "<del class=\"t\"></del></div>";
      } else {
        o_ += "<div class=\"ln rm " + ClassOf(s.reason) + "\" title=\"removed: " +
              SvgText(NameOf(s.reason)) + "\"><span class=\"g\">" + Tag(s.reason) +
              "</span><del class=\"t\">";
        Escape(s.text, cap, true, &o_);
        if (s.bytes > s.text.size()) o_ += "<span class=\"cut\">… " + Num(s.bytes - s.text.size()) + " more bytes</span>";
        o_ += "</del></div>";
      }
    }
    o_ += "</div></article>\n";
  }
}

std::string Html::Render() {
  Head();
  Totals();
  Options();
  ReasonChart();
  Histogram();
  Sites();
  Reasons();
  Samples();
  o_ += "<footer class=\"note\"><p>Made by <code>boilerstrip report</code>. The same figures as "
        "JSON: <code>--json FILE</code>.</p></footer></body></html>\n";
  return std::move(o_);
}

// JSON ------------------------------------------------------------------------------------

// `s` as a JSON string; bytes that are not UTF-8 (a path, an argument) become U+FFFD.
void JStr(std::string_view s, std::string* out) {
  out->push_back('"');
  if (simdjson::validate_utf8(s.data(), s.size())) {
    AppendJsonEscaped(s, out);
  } else {
    std::string clean;
    for (size_t i = 0; i < s.size();) {
      size_t len;
      Decode(s, i, &len);
      if (len == 0) {
        clean += "\xEF\xBF\xBD";
        i += 1;
      } else {
        clean.append(s.substr(i, len));
        i += len;
      }
    }
    AppendJsonEscaped(clean, out);
  }
  out->push_back('"');
}

std::string J(std::string_view s) {
  std::string out;
  JStr(s, &out);
  return out;
}

std::string JDoc(const Report& r, const DocRef& d) {
  return "\"shard\": " + J(r.shards[d.shard].path) + ", \"line\": " + std::to_string(d.line) +
         ", \"offset\": " + std::to_string(d.offset) + ", \"url\": " + J(d.url) +
         ", \"text_bytes\": " + std::to_string(d.text_bytes) + ", \"removed_bytes\": " +
         std::to_string(d.removed_bytes) + ", \"share_removed\": " + Fixed(d.share(), 4);
}

std::string JLines(const std::vector<LineCount>& lines) {
  std::string out = "[";
  for (size_t i = 0; i < lines.size(); ++i) {
    out += (i ? ", " : "") + std::string("{\"count\": ") + std::to_string(lines[i].count) +
           ", \"text\": " + J(lines[i].text) + "}";
  }
  return out + "]";
}

}  // namespace

void AppendHtmlEscaped(std::string_view text, size_t max_out, std::string* out) {
  Escape(text, max_out, true, out);
}

std::string RenderHtml(const Report& report) { return Html(report).Render(); }

std::string RenderJson(const Report& r) {
  std::string o = "{\n  \"inputs\": [";
  for (size_t i = 0; i < r.shards.size(); ++i) {
    const ShardOutcome& s = r.shards[i];
    o += (i ? ",\n    " : "\n    ") + std::string("{\"path\": ") + J(s.path) +
         ", \"state\": " + (s.failed ? "\"failed\"" : s.error.empty() ? "\"read\"" : "\"partial\"") +
         ", \"error\": " + J(s.error) + "}";
  }
  o += "],\n  \"options\": [";
  for (size_t i = 0; i < r.options.settings.size(); ++i) {
    o += (i ? ", " : "") + std::string("[") + J(r.options.settings[i].first) + ", " +
         J(r.options.settings[i].second) + "]";
  }
  o += "],\n  \"sample\": " + std::to_string(r.options.sample) + ", \"seed\": " +
       std::to_string(r.options.seed) + ", \"max_docs\": " + std::to_string(r.options.max_docs) +
       ", \"stopped_at_max_docs\": " + (r.stopped_at_max_docs ? "true" : "false") + ",\n";
  o += "  \"rule_set_hash\": " + J(r.rule_set_hash) + ",\n  \"rule_files\": [";
  for (size_t i = 0; i < r.rule_files.size(); ++i) {
    o += (i ? ", " : "") + std::string("{\"path\": ") + J(r.rule_files[i].path) +
         ", \"rules\": " + std::to_string(r.rule_files[i].rules) + ", \"xxh3\": " +
         J(r.rule_files[i].hash) + "}";
  }
  o += "],\n  \"totals\": " + StatsToJson(r.totals, r.rule_names, 2) + ",\n";
  o += "  \"text\": {\"bytes\": " + std::to_string(r.text_bytes) + ", \"removed_bytes\": " +
       std::to_string(r.removed_text_bytes) + ", \"layout_bytes\": " +
       std::to_string(r.layout_bytes) + ", \"docs_with_removals\": " +
       std::to_string(r.docs_with_removals) + "},\n";
  o += "  \"reasons\": [";
  for (size_t i = 0; i < r.reasons.size(); ++i) {
    const ReasonFigures& f = r.reasons[i];
    o += (i ? ",\n    " : "\n    ") + std::string("{\"name\": ") + J(f.name) + ", \"kind\": " +
         J(f.kind) + ", \"lines\": " + std::to_string(f.lines) + ", \"chars\": " +
         std::to_string(f.chars) + ", \"bytes\": " + std::to_string(f.bytes) + ", \"docs\": " +
         std::to_string(f.docs) + ", \"approximate\": " + (f.approximate ? "true" : "false") +
         ",\n     \"top\": " + JLines(f.top) + ",\n     \"once\": " + JLines(f.singletons) + "}";
  }
  o += "],\n  \"histogram\": [";
  for (size_t i = 0; i < 21; ++i) {
    o += (i ? ", " : "") + std::string("{\"above\": ") + std::to_string(i == 0 ? 0 : (i - 1) * 5) +
         ", \"upto\": " + std::to_string(i * 5) + ", \"docs\": " + std::to_string(r.histogram[i]) +
         "}";
  }
  o += "],\n  \"over_80\": {\"count\": " + std::to_string(r.over_80_count) + ", \"listed\": [";
  for (size_t i = 0; i < r.over_80.size(); ++i) {
    o += (i ? ",\n    " : "\n    ") + std::string("{") + JDoc(r, r.over_80[i]) + ", \"title\": " +
         J(r.over_80[i].title) + "}";
  }
  o += "]},\n  \"sites\": {\"url_field\": " + J(r.urls_read ? r.options.url_field : "") +
       ", \"docs_with_site\": " + std::to_string(r.docs_with_site) + ", \"sites\": " +
       std::to_string(r.sites_total) + ", \"top\": [";
  for (size_t i = 0; i < r.sites.size(); ++i) {
    const SiteFigures& s = r.sites[i];
    o += (i ? ",\n    " : "\n    ") + std::string("{\"site\": ") + J(s.site) + ", \"docs\": " +
         std::to_string(s.docs) + ", \"text_bytes\": " + std::to_string(s.text_bytes) +
         ", \"removed_bytes\": " + std::to_string(s.removed_bytes) + ", \"lines_removed\": " +
         std::to_string(s.lines_removed) + "}";
  }
  o += "]},\n  \"samples\": [";
  for (size_t i = 0; i < r.samples.size(); ++i) {
    const SampleDoc& d = r.samples[i];
    o += (i ? ",\n    " : "\n    ") + std::string("{") + JDoc(r, d.ref) + ", \"lines\": " +
         std::to_string(d.lines) + ", \"dropped_by\": " +
         (d.ref.dropped_by >= 0 ? J(r.rule_names[d.ref.dropped_by]) : "null") + ", \"shown\": [";
    for (size_t k = 0; k < d.shown.size(); ++k) {
      const ShownLine& s = d.shown[k];
      o += k ? ", " : "";
      if (s.kind == ShownLine::kFold) {
        o += "{\"folded\": " + std::to_string(s.folded) + "}";
        continue;
      }
      std::string reason = "null";
      if (s.kind == ShownLine::kRemoved) {
        reason = s.reason == Removal::kLayout ? "\"layout\""
                 : static_cast<size_t>(s.reason) < r.rule_names.size()
                     ? J(r.rule_names[s.reason])
                     : J(ExtraReasonName(static_cast<ExtraReason>(s.reason - r.rule_names.size())));
      }
      o += "{\"removed\": " + reason + ", \"bytes\": " + std::to_string(s.bytes) + ", \"text\": " +
           J(s.text) + "}";
    }
    o += "]}";
  }
  o += "]\n}\n";
  return o;
}

}  // namespace boilerstrip::report
