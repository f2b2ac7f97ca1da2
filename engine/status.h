// Status and StatusOr: anml's recoverable-error values.
//
// Every fallible operation in the consume, learn, commit loop returns one of
// these instead of throwing. The code says what the caller should do next:
// kUnavailable and kDeadlineExceeded are transient (retry the same call);
// every other error is permanent for that input (route it to the dead-letter
// topic, fix the configuration, or stop). Foreign error spaces (librdkafka,
// RocksDB) are translated into these codes in exactly one place each, in
// connectors/ and state/.
//
// The type lives in engine/ because engine/ is the root of the dependency
// graph: every other folder may use it, and engine/ depends on nothing of ours.
//
// Thread safety: values; a const Status may be read from several threads.
#ifndef ANML_ENGINE_STATUS_H_
#define ANML_ENGINE_STATUS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace anml {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // The input is malformed; retrying cannot help.
  kNotFound,            // A named thing does not exist.
  kAlreadyExists,       // Creating something that is already there.
  kFailedPrecondition,  // The system is not in a state to do this.
  kOutOfRange,          // A value is outside its documented limits.
  kResourceExhausted,   // A configured limit (memory, count, disk) is hit.
  kDataLoss,            // Stored data is corrupt or of an unknown format.
  kUnavailable,         // Transient: a peer or resource is down; retry.
  kDeadlineExceeded,    // Transient: the operation timed out; retry.
  kInternal,            // A broken invariant: a bug in anml.
};

// The name of a code as it appears in messages and metric labels, for
// example "InvalidArgument".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // An OK status.
  Status() = default;
  Status(StatusCode code, std::string message);

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // True when repeating the same operation later may succeed.
  bool IsRetryable() const;

  // "OK", or "<CodeName>: <message>".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>"; OK stays OK.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Shorthands for the common codes; each message should say what failed,
// where, and the expected against the actual value.
Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status AlreadyExists(std::string message);
Status FailedPrecondition(std::string message);
Status OutOfRange(std::string message);
Status ResourceExhausted(std::string message);
Status DataLoss(std::string message);
Status Unavailable(std::string message);
Status DeadlineExceeded(std::string message);
Status Internal(std::string message);

// Either a value of T or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // Precondition: !status.ok(). An OK status without a value is a bug and is
  // turned into kInternal.
  StatusOr(Status status) : state_(std::move(status)) {  // NOLINT: implicit
    if (std::get<Status>(state_).ok()) {
      state_ = Internal("StatusOr constructed from an OK status without a value");
    }
  }
  StatusOr(T value) : state_(std::move(value)) {}  // NOLINT: implicit

  bool ok() const { return std::holds_alternative<T>(state_); }

  // The error, or OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }

  // Precondition: ok().
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<Status, T> state_;
};

}  // namespace anml

// Returns the status of `expr` from the enclosing function when it is an
// error.
#define ANML_RETURN_IF_ERROR(expr)           \
  do {                                       \
    ::anml::Status anml_status_ = (expr);    \
    if (!anml_status_.ok()) return anml_status_; \
  } while (false)

#endif  // ANML_ENGINE_STATUS_H_
