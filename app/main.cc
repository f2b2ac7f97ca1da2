// The `anml` command: one binary, subcommands for each job.
#include <CLI/CLI.hpp>

#include "app/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"anml: streaming training that weights every sample by its contributor's quality"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "anml 0.1.0");
  int exit_code = 0;

  CLI::App* bench = app.add_subcommand("bench", "Benchmarks that print numbers beside a reference");
  bench->require_subcommand(1);
  anml::app::AddBenchEngineCommand(*bench, &exit_code);
  anml::app::AddBenchConnectorsCommand(*bench, &exit_code);
  anml::app::AddBrokerCommand(app, &exit_code);
  anml::app::AddBenchPaperCommand(*bench, &exit_code);

  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
