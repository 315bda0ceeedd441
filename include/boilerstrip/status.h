// Status and Result: expected failures as values.
//
// Every error carries a scope that decides what the caller does with it:
//   kRecord  — one record is bad: counted and quarantined (or passed / fatal by option);
//   kShard   — one shard cannot be finished: its output is removed, the run goes on, exit 2;
//   kRun     — nothing can be done (bad usage, bad rules): stop before any work, exit 1.
// Asserts are reserved for programmer errors; user input never trips one.
#ifndef BOILERSTRIP_STATUS_H_
#define BOILERSTRIP_STATUS_H_

#include <string>
#include <utility>
#include <variant>

namespace boilerstrip {

enum class ErrorScope { kRecord, kShard, kRun };

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status Error(ErrorScope scope, std::string message) {
    return Status(scope, std::move(message));
  }
  static Status RunError(std::string message) { return Error(ErrorScope::kRun, std::move(message)); }
  static Status ShardError(std::string message) {
    return Error(ErrorScope::kShard, std::move(message));
  }

  bool ok() const { return !failed_; }
  ErrorScope scope() const { return scope_; }
  // The human-readable message; empty when ok().
  const std::string& message() const { return message_; }

 private:
  Status(ErrorScope scope, std::string message)
      : failed_(true), scope_(scope), message_(std::move(message)) {}
  bool failed_ = false;
  ErrorScope scope_ = ErrorScope::kRun;
  std::string message_;
};

// Either a value or a failed Status. REQUIRES: a Result built from a Status is built from a
// failed one.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: ok().
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  // The error; an OK Status when ok().
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace boilerstrip

#endif  // BOILERSTRIP_STATUS_H_
