#include "site/json_field.h"

namespace boilerstrip::site {

namespace od = simdjson::ondemand;

std::vector<std::string> SplitFieldPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t dot = path.find('.', start);
    parts.emplace_back(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

simdjson::error_code ConsumeCapturing(od::value value, const std::vector<std::string>& path,
                                      size_t depth, std::string_view* found, size_t nesting) {
  if (nesting > simdjson::DEFAULT_MAX_DEPTH) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto err = value.type().get(type)) return err;
  const bool here = depth == path.size();
  switch (type) {
    case od::json_type::object: {
      od::object obj;
      if (auto err = value.get_object().get(obj)) return err;
      for (auto field : obj) {
        std::string_view key;
        if (auto err = field.unescaped_key().get(key)) return err;
        od::value v;
        if (auto err = field.value().get(v)) return err;
        // Past the path (or off it) nothing more is captured: depth beyond path.size().
        size_t next = !here && depth < path.size() && key == path[depth] ? depth + 1
                                                                           : path.size() + 1;
        if (auto err = ConsumeCapturing(v, path, next, found, nesting + 1)) return err;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array arr;
      if (auto err = value.get_array().get(arr)) return err;
      for (auto element : arr) {
        od::value v;
        if (auto err = element.get(v)) return err;
        if (auto err = ConsumeCapturing(v, path, path.size() + 1, found, nesting + 1)) return err;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto err = value.get_string().get(s)) return err;
      if (here) *found = s;
      return simdjson::SUCCESS;
    }
    case od::json_type::number: {
      od::number n;
      return value.get_number().get(n);
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
  }
  return simdjson::INCORRECT_TYPE;
}

simdjson::error_code ConsumeValue(od::value value) {
  static const std::vector<std::string> kNoPath;
  return ConsumeCapturing(value, kNoPath, 1, nullptr);
}

}  // namespace boilerstrip::site
