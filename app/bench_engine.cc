#include "app/commands.h"

namespace anml::app {

void AddBenchEngineCommand(CLI::App& bench, int* exit_code) {
  CLI::App* command = bench.add_subcommand("engine", "Samples per second of the engine step");
  command->callback([exit_code] { *exit_code = 0; });
}

}  // namespace anml::app
