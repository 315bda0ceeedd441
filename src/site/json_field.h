// Reading a (possibly nested) string field while validating a whole JSON value.
// Internal to the library.
#ifndef BOILERSTRIP_SRC_SITE_JSON_FIELD_H_
#define BOILERSTRIP_SRC_SITE_JSON_FIELD_H_

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

namespace boilerstrip::site {

// Splits a dotted field path ("metadata.url") into its components.
std::vector<std::string> SplitFieldPath(std::string_view path);

// Consumes `value` completely, so that the whole value is validated (On-Demand checks only
// what it is asked for: keys' escapes, skipped values), and when the value reached by
// path[depth..] is a string, points *found at its unescaped bytes (owned by the parser's
// document, valid until its next iterate()). With depth == path.size() the value itself is the
// one looked for. `nesting` is the value's nesting depth (a record's top-level values are at 2):
// On-Demand does not enforce its max_depth while iterating, so past simdjson::DEFAULT_MAX_DEPTH
// the value is a DEPTH_ERROR, as the DOM parser says, and deep input cannot overflow the stack.
simdjson::error_code ConsumeCapturing(simdjson::ondemand::value value,
                                      const std::vector<std::string>& path, size_t depth,
                                      std::string_view* found, size_t nesting = 2);

// Consumes and validates a record's top-level value, capturing nothing.
simdjson::error_code ConsumeValue(simdjson::ondemand::value value);

}  // namespace boilerstrip::site

#endif  // BOILERSTRIP_SRC_SITE_JSON_FIELD_H_
