// Logging set-up shared by every subcommand that runs the engine.
//
// Each subsystem logs through its own named spdlog logger ("service",
// "state", "connectors"), cloned from the default logger configured here:
// stderr, one line per event with time, logger name and level.
#ifndef ANML_SERVICE_LOGGING_H_
#define ANML_SERVICE_LOGGING_H_

#include <string>

namespace anml::service {

// Sets the default logger's level ("trace", "debug", "info", "warn",
// "error"; anything else means "info") and format.
void ConfigureLogging(const std::string& level);

}  // namespace anml::service

#endif  // ANML_SERVICE_LOGGING_H_
