// FindSiteLineTexts: the text behind a profile's line hashes, for `inspect --text`.
#include <simdjson.h>

#include "boilerstrip/site_profile.h"
#include "boilerstrip/text.h"
#include "io/io.h"
#include "io/record_reader.h"
#include "record/record_fields.h"

namespace boilerstrip {

Status FindSiteLineTexts(const std::vector<std::string>& shards, const std::string& site,
                         const std::string& url_field, const std::string& text_field,
                         const SiteNamer& namer, std::unordered_map<uint64_t, std::string>* texts) {
  simdjson::ondemand::parser parser;
  std::vector<Line> lines;
  std::string norm, record_site, chunk;
  size_t left = texts->size();
  for (const std::string& path : shards) {
    if (left == 0) break;
    auto src = io::OpenSource(path);
    if (!src.ok()) return src.status();
    io::RecordReader reader(std::move(src.value()), io::RecordReaderOptions());
    while (!reader.done() && left > 0) {
      io::ChunkInfo info;
      if (Status st = reader.Next(&chunk, &info); !st.ok()) return st;
      if (info.part) continue;  // an over-long record: bad, skipped
      std::string_view all(chunk);
      for (size_t pos = 0; pos < all.size() && left > 0;) {
        size_t nl = all.find('\n', pos);
        size_t end = nl == std::string_view::npos ? all.size() : nl;
        std::string_view rec = all.substr(pos, end - pos);
        pos = end + 1;
        // The chunk's capacity leaves simdjson's padding after every record in it.
        record::RecordFields fields;
        if (IsBlank(rec) ||
            record::ParseRecordFields(parser, rec, text_field, url_field, &fields).has_value() ||
            fields.url.empty() || !namer.SiteOf(fields.url, &record_site) ||
            record_site != site) {
          continue;
        }
        SplitLines(fields.text, &lines);
        for (const Line& l : lines) {
          if (l.blank) continue;
          std::string_view line = fields.text.substr(l.begin, l.end - l.begin);
          NormalizeLine(line, &norm);
          auto it = texts->find(HashBytes(norm));
          if (it != texts->end() && it->second.empty()) {
            it->second.assign(line);
            --left;
          }
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace boilerstrip
