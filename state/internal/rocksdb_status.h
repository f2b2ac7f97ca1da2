// The one place RocksDB's errors become anml Status values.
//
// Mapping (and so the caller's retry policy):
//   NotFound            -> kNotFound
//   Corruption          -> kDataLoss
//   IOError, no space   -> kResourceExhausted (free disk, then restart)
//   IOError, other      -> kFailedPrecondition (the directory is unusable:
//                          missing, read-only, locked by another process;
//                          RocksDB also stops accepting writes after a
//                          failed log write, so retrying the call cannot help)
//   Busy, TryAgain      -> kUnavailable
//   TimedOut            -> kDeadlineExceeded
//   InvalidArgument     -> kInvalidArgument
//   NotSupported        -> kFailedPrecondition
//   anything else       -> kInternal
#ifndef ANML_STATE_INTERNAL_ROCKSDB_STATUS_H_
#define ANML_STATE_INTERNAL_ROCKSDB_STATUS_H_

#include <string_view>

#include <rocksdb/status.h>

#include "engine/status.h"

namespace anml::state::internal {

// OK for an OK status; otherwise "<context>: <RocksDB's own text>" with the
// code above.
Status FromRocksDb(const rocksdb::Status& status, std::string_view context);

}  // namespace anml::state::internal

#endif  // ANML_STATE_INTERNAL_ROCKSDB_STATUS_H_
