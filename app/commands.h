// Registration of the `anml` subcommands.
//
// Each subcommand lives in its own source file and adds itself to the
// command-line parser through one of these functions; main.cc only calls
// them. A subcommand's callback runs after parsing and sets the process exit
// code through `*exit_code`.
#ifndef ANML_APP_COMMANDS_H_
#define ANML_APP_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace anml::app {

// `anml bench engine`: per-sample throughput of the full engine step.
void AddBenchEngineCommand(CLI::App& bench, int* exit_code);

// `anml bench paper`: the four experiments against the ANML abstract's
// claims, with a report (bench/paper_experiments.h).
void AddBenchPaperCommand(CLI::App& bench, int* exit_code);

// `anml bench state`: committed contributor updates per second of the state
// store, resident memory with the cache capped, and reopen time.
void AddBenchStateCommand(CLI::App& bench, int* exit_code);

// `anml inspect --state DIR`: model version, offsets, contributor count and
// a contributor's record or the top contributors by weight.
void AddInspectCommand(CLI::App& app, int* exit_code);

// `anml broker [--partitions N] [--brokers N]`: the embedded Kafka cluster
// with anml's topics; prints `bootstrap=HOST:PORT` and serves until SIGINT
// or SIGTERM, then exits 0.
void AddBrokerCommand(CLI::App& app, int* exit_code);

// `anml bench connectors [--json]`: raw librdkafka consumption against the
// samples source's consume+decode+validate rate on the embedded broker.
void AddBenchConnectorsCommand(CLI::App& bench, int* exit_code);

// `anml run`: the engine as a service (see service/engine_service.h); its
// options come from flags, ANML_* variables and --config, in that order.
void AddRunCommand(CLI::App& app, int* exit_code);

// `anml demo [--seconds S]`: the engine on the embedded broker with a
// seeded stream of contributors, a live view and a summary.
void AddDemoCommand(CLI::App& app, int* exit_code);

}  // namespace anml::app

#endif  // ANML_APP_COMMANDS_H_
