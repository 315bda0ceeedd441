#include "record/record_fields.h"

#include <cstring>

namespace boilerstrip::record {

namespace od = simdjson::ondemand;

namespace {

// A top-level value is at nesting 2 (the record's object is 1). On-Demand does not enforce its
// max_depth while iterating, so past simdjson::DEFAULT_MAX_DEPTH a value is a DEPTH_ERROR, as the
// DOM parser says, and deep input cannot overflow the stack.
constexpr size_t kTopNesting = 2;

// Where a value stands on the URL path. `on`: the keys so far followed the path; then `rest` is
// what of the path lies below the value, and `here` says the value is the one looked for.
struct PathPos {
  std::string_view rest;
  bool on = false;
  bool here = false;

  // The position of the value under key `key` of an object at this position.
  PathPos Below(std::string_view key) const {
    if (!on || here) return {};
    const size_t dot = rest.find('.');
    if (rest.substr(0, dot) != key) return {};
    if (dot == std::string_view::npos) return {{}, true, true};
    return {rest.substr(dot + 1), true, false};
  }
};

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// What the walk found of the text field (a top-level key or a dotted path).
struct TextState {
  bool found = false;
  bool duplicate = false;
  bool non_string = false;
  bool bad_string = false;
};

simdjson::error_code Walk(od::value value, PathPos url_pos, PathPos text_pos, size_t nesting,
                          RecordFields* fields, TextState* text);

// The value the text path reaches: a string is the text; anything else (or a second one) is
// still consumed whole, so that a broken record is invalid JSON before its text is judged.
simdjson::error_code TakeText(od::value value, size_t nesting, RecordFields* fields,
                              TextState* text) {
  if (text->found) text->duplicate = true;
  text->found = true;
  od::json_type type;
  if (auto err = value.type().get(type)) return err;
  if (type != od::json_type::string || text->duplicate) {
    text->non_string = text->non_string || type != od::json_type::string;
    return Walk(value, PathPos{}, PathPos{}, nesting, fields, text);
  }
  // The token runs to the next structural character: cut it back to the closing quote.
  std::string_view token = value.raw_json_token();
  while (!token.empty() && token.back() != '"') token.remove_suffix(1);
  fields->text_token = token;
  if (value.get_string().get(fields->text)) {
    text->bad_string = true;  // the rest of the record is still checked
  }
  return simdjson::SUCCESS;
}

// Checks a scalar value (string, number, boolean, null); a string's value goes to *str.
simdjson::error_code CheckScalar(od::value value, od::json_type type, std::string_view* str) {
  switch (type) {
    case od::json_type::string:
      return value.get_string().get(*str);
    case od::json_type::number: {
      // Not get_number(): it fails on numbers the grammar allows but no double or 64-bit
      // integer holds (1e400, 30 digits), and nothing here needs the number's value. The token
      // runs to the next structural character; whitespace before it is no part of the number.
      // The token is only looked at: the enclosing object or array steps over it.
      std::string_view token = value.raw_json_token();
      while (!token.empty() && IsJsonWhitespace(token.back())) token.remove_suffix(1);
      return IsJsonNumber(token) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
    }
    case od::json_type::boolean: {
      bool b;
      return value.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null;
      if (auto err = value.is_null().get(is_null)) return err;
      return is_null ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE;
    }
    default:
      return simdjson::INCORRECT_TYPE;
  }
}

// Consumes `value` whole, so that all of it is validated, where no path goes below: Walk's
// work without the paths, in a smaller stack frame (a record may nest 1024 deep).
simdjson::error_code Validate(od::value value, size_t nesting) {
  if (nesting > simdjson::DEFAULT_MAX_DEPTH) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto err = value.type().get(type)) return err;
  if (type == od::json_type::object) {
    od::object obj;
    if (auto err = value.get_object().get(obj)) return err;
    for (auto field : obj) {
      std::string_view key;
      if (auto err = field.unescaped_key().get(key)) return err;
      od::value v;
      if (auto err = field.value().get(v)) return err;
      if (auto err = Validate(v, nesting + 1)) return err;
    }
    return simdjson::SUCCESS;
  }
  if (type == od::json_type::array) {
    od::array arr;
    if (auto err = value.get_array().get(arr)) return err;
    for (auto element : arr) {
      od::value v;
      if (auto err = element.get(v)) return err;
      if (auto err = Validate(v, nesting + 1)) return err;
    }
    return simdjson::SUCCESS;
  }
  std::string_view str;
  return CheckScalar(value, type, &str);
}

// Consumes `value` whole, so that all of it is validated, points fields->url at the string at
// `url_pos` when the path reaches one, and takes the text where `text_pos` reaches it.
simdjson::error_code Walk(od::value value, PathPos url_pos, PathPos text_pos, size_t nesting,
                          RecordFields* fields, TextState* text) {
  if (nesting > simdjson::DEFAULT_MAX_DEPTH) return simdjson::DEPTH_ERROR;
  if (text_pos.here) return TakeText(value, nesting, fields, text);
  if (!url_pos.on && !text_pos.on) return Validate(value, nesting);
  od::json_type type;
  if (auto err = value.type().get(type)) return err;
  switch (type) {
    case od::json_type::object: {
      od::object obj;
      if (auto err = value.get_object().get(obj)) return err;
      for (auto field : obj) {
        std::string_view key;
        if (auto err = field.unescaped_key().get(key)) return err;
        od::value v;
        if (auto err = field.value().get(v)) return err;
        if (auto err = Walk(v, url_pos.Below(key), text_pos.Below(key), nesting + 1, fields, text)) {
          return err;
        }
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array arr;
      if (auto err = value.get_array().get(arr)) return err;
      for (auto element : arr) {
        od::value v;
        if (auto err = element.get(v)) return err;
        if (auto err = Validate(v, nesting + 1)) return err;
      }
      return simdjson::SUCCESS;
    }
    default: {
      std::string_view str;
      if (auto err = CheckScalar(value, type, &str)) return err;
      if (type == od::json_type::string && url_pos.here) fields->url = str;
      return simdjson::SUCCESS;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

BadRecord FromSimdjson(simdjson::error_code err) {
  return err == simdjson::UTF8_ERROR ? BadRecord::kInvalidUtf8 : BadRecord::kInvalidJson;
}

}  // namespace

bool IsJsonNumber(std::string_view token) {
  const char* p = token.data();
  const char* const end = p + token.size();
  auto digit = [&] { return p < end && *p >= '0' && *p <= '9'; };
  auto digits = [&] {  // one or more
    if (!digit()) return false;
    while (digit()) ++p;
    return true;
  };
  if (p < end && *p == '-') ++p;
  if (p < end && *p == '0') {
    ++p;  // a leading zero stands alone
  } else if (!digits()) {
    return false;
  }
  if (p < end && *p == '.') {
    ++p;
    if (!digits()) return false;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (!digits()) return false;
  }
  return p == end;
}

std::optional<BadRecord> ParseRecordFields(od::parser& parser, std::string_view record,
                                           std::string_view text_field, std::string_view url_path,
                                           RecordFields* fields) {
  *fields = RecordFields{};
  std::string_view json = record;
  if (json.size() >= 3 && std::memcmp(json.data(), "\xEF\xBB\xBF", 3) == 0) json.remove_prefix(3);

  od::document doc;
  auto err = parser
                 .iterate(simdjson::padded_string_view(json.data(), json.size(),
                                                       json.size() + simdjson::SIMDJSON_PADDING))
                 .get(doc);
  if (err) return FromSimdjson(err);
  od::object obj;
  if ((err = doc.get_object().get(obj))) return FromSimdjson(err);

  const PathPos url_top = url_path.empty() ? PathPos{} : PathPos{url_path, true, false};
  const PathPos text_top{text_field, true, false};
  TextState text;
  for (auto field : obj) {
    std::string_view key;
    if ((err = field.unescaped_key().get(key))) return FromSimdjson(err);
    od::value value;
    if ((err = field.value().get(value))) return FromSimdjson(err);
    if ((err = Walk(value, url_top.Below(key), text_top.Below(key), kTopNesting, fields, &text))) {
      return FromSimdjson(err);
    }
  }
  // Anything after the object (trailing garbage, a second value) makes the record invalid.
  if (const char* trailing; doc.current_location().get(trailing) == simdjson::SUCCESS) {
    return BadRecord::kInvalidJson;
  }
  if (!text.found) return BadRecord::kMissingText;
  if (text.duplicate) return BadRecord::kDuplicateText;
  if (text.non_string) return BadRecord::kNonStringText;
  if (text.bad_string) return BadRecord::kInvalidString;
  return std::nullopt;
}

}  // namespace boilerstrip::record
