// The state subsystem's named logger ("state"), for lifecycle messages:
// open, recovery, close. Nothing per record is logged above TRACE.
#ifndef ANML_STATE_INTERNAL_LOGGER_H_
#define ANML_STATE_INTERNAL_LOGGER_H_

#include <memory>

#include <rocksdb/env.h>
#include <spdlog/spdlog.h>

namespace anml::state::internal {

// Registered on first use as a clone of the default logger, so it follows
// the application's sinks and level.
spdlog::logger& Logger();

// RocksDB's own diagnostics (warnings and worse) sent to Logger(). It
// replaces RocksDB's LOG file in the store directory: that file lives on the
// same disk as the data, and when the disk fills, RocksDB's writer of it
// aborts the process on its next line (seen with 7.8.3's assertion-enabled
// build), turning a full disk into a crash instead of an error.
std::shared_ptr<rocksdb::Logger> MakeRocksDbLogger();

}  // namespace anml::state::internal

#endif  // ANML_STATE_INTERNAL_LOGGER_H_
