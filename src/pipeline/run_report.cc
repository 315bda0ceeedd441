// The run report: whether any shard failed, and the JSON that --stats writes.
#include <algorithm>
#include <string>
#include <vector>

#include "boilerstrip/pipeline.h"
#include "boilerstrip/stats.h"
#include "boilerstrip/cleaner.h"

namespace boilerstrip {

bool RunReport::any_failed() const {
  return std::any_of(shards.begin(), shards.end(), [](const ShardReport& s) {
    return s.state == ShardReport::State::kFailed;
  });
}

std::string RunReportToJson(const RunReport& report, const std::vector<std::string>& rule_names) {
  std::string out = "{\n  \"version\": 1,\n  \"total\": ";
  out += StatsToJson(report.total, rule_names, 2);
  out += ",\n  \"stages\": [";
  for (size_t i = 0; i < report.stages.size(); ++i) {
    out += i ? ", \"" : "\"";
    AppendJsonEscaped(report.stages[i], &out);
    out += "\"";
  }
  out += "]";
  out += ",\n  \"interrupted\": ";
  out += report.interrupted ? "true" : "false";
  out += ",\n  \"broken_pipe\": ";
  out += report.broken_pipe ? "true" : "false";
  out += ",\n  \"shards\": [";
  for (size_t i = 0; i < report.shards.size(); ++i) {
    const ShardReport& s = report.shards[i];
    out += i == 0 ? "\n" : ",\n";
    out += "    {\n      \"input\": \"";
    AppendJsonEscaped(s.input, &out);
    out += "\",\n      \"output\": \"";
    AppendJsonEscaped(s.output, &out);
    out += "\",\n      \"state\": \"";
    out += ShardStateName(s.state);
    out += "\",\n";
    if (!s.error.empty()) {
      out += "      \"error\": \"";
      AppendJsonEscaped(s.error, &out);
      out += "\",\n";
    }
    out += "      \"stats\": " + StatsToJson(s.stats, rule_names, 6) + "\n    }";
  }
  out += report.shards.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

const char* ShardStateName(ShardReport::State state) {
  switch (state) {
    case ShardReport::State::kDone: return "done";
    case ShardReport::State::kSkipped: return "skipped";
    case ShardReport::State::kFailed: return "failed";
    case ShardReport::State::kInterrupted: return "interrupted";
    case ShardReport::State::kNotStarted: return "not-started";
  }
  return "failed";
}

}  // namespace boilerstrip
