// Reading one JSONL record: validate it whole, find its text field and, when asked, its URL.
//
// The one place that decides whether a record is good and what its fields are, for the cleaner
// (Cleaner::CleanRecord), the profile pass (RunProfile) and the CLI's `site` inspection. Internal
// to the library: include as "record/record_fields.h".
#ifndef BOILERSTRIP_SRC_RECORD_RECORD_FIELDS_H_
#define BOILERSTRIP_SRC_RECORD_RECORD_FIELDS_H_

#include <simdjson.h>

#include <optional>
#include <string_view>

#include "boilerstrip/stats.h"

namespace boilerstrip::record {

// What ParseRecordFields found in a good record.
struct RecordFields {
  // The text field's string, unescaped. The bytes belong to the parser passed to
  // ParseRecordFields: valid until that parser's next parse (ParseRecordFields or iterate()) or
  // its destruction.
  std::string_view text;
  // The text field's value as written in the record, from its opening quote to its closing one:
  // a view into `record` (so it lives as long as the record's bytes). Every byte of the record
  // before text_token.data() and after text_token.data() + text_token.size() is outside the
  // text, which is what a rewrite of the text keeps as it is.
  std::string_view text_token;
  // The string the URL path reaches, unescaped; empty when no URL path was asked for, when the
  // path reaches nothing or a value that is not a string (null, a number, an object), or when
  // the string is empty. Several values at the path (duplicate keys): the last one. Owned like
  // `text`.
  std::string_view url;
};

// Parses one record (without its line break) with simdjson On-Demand and validates all of it:
// On-Demand checks only what it is asked for, so every value is consumed (strings unescaped,
// keywords matched, numbers checked against RFC 8259's grammar — any number the grammar allows
// is valid however large or precise, and its bytes are not rewritten, since only the text is),
// and nothing may follow the object. A leading UTF-8 byte order mark is skipped (it stays
// outside text_token, and so in a rewritten record).
//
// `text_field` and `url_path` are dotted paths ("text", "content.body"; "url",
// "metadata.url"): object keys from the top, one per component (an array on the way reaches
// nothing; a key holding a dot cannot be named). `url_path` empty = no URL is looked for.
//
// Returns std::nullopt when the record is good, with *fields set; else the reason it is bad
// (*fields then unspecified), decided in this order:
//   kInvalidUtf8    bytes that are not UTF-8 (anywhere in the record);
//   kInvalidJson    not one JSON object, malformed anywhere (including a bad escape in any
//                   string but the text, or a malformed number), or nested deeper than
//                   simdjson::DEFAULT_MAX_DEPTH;
//   kMissingText    the text path reaches nothing;
//   kDuplicateText  it reaches two values or more (a key twice), whatever they are;
//   kNonStringText  its value is not a string;
//   kInvalidString  the text string holds a bad escape (a lone surrogate \ud800, \q).
//
// REQUIRES: simdjson::SIMDJSON_PADDING readable bytes follow record.data() + record.size()
// (their values do not matter). `parser` is used from one thread at a time; the function is
// otherwise stateless and may run concurrently with other parsers.
[[nodiscard]] std::optional<BadRecord> ParseRecordFields(simdjson::ondemand::parser& parser,
                                                         std::string_view record,
                                                         std::string_view text_field,
                                                         std::string_view url_path,
                                                         RecordFields* fields);

// Whether `token` is a number as RFC 8259 writes it:
//   -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
// with nothing before or after. Exposed for tests.
bool IsJsonNumber(std::string_view token);

}  // namespace boilerstrip::record

#endif  // BOILERSTRIP_SRC_RECORD_RECORD_FIELDS_H_
