#include "state/internal/rocksdb_status.h"

#include <string>

namespace anml::state::internal {
namespace {

StatusCode CodeOf(const rocksdb::Status& status) {
  if (status.IsNotFound()) return StatusCode::kNotFound;
  if (status.IsCorruption()) return StatusCode::kDataLoss;
  if (status.IsNoSpace()) return StatusCode::kResourceExhausted;
  if (status.IsIOError()) return StatusCode::kFailedPrecondition;
  if (status.IsBusy() || status.IsTryAgain()) return StatusCode::kUnavailable;
  if (status.IsTimedOut()) return StatusCode::kDeadlineExceeded;
  if (status.IsInvalidArgument()) return StatusCode::kInvalidArgument;
  if (status.IsNotSupported()) return StatusCode::kFailedPrecondition;
  return StatusCode::kInternal;
}

}  // namespace

Status FromRocksDb(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return Status::Ok();
  std::string message(context);
  message += ": ";
  message += status.ToString();
  return Status(CodeOf(status), std::move(message));
}

}  // namespace anml::state::internal
