// The `anml` command: one binary, subcommands for each job.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "service/options.h"

int main(int argc, char** argv) {
  CLI::App app{"anml: streaming training that weights every sample by its contributor's quality"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "anml 0.1.0");
  int exit_code = 0;

  anml::app::AddRunCommand(app, &exit_code);
  anml::app::AddDemoCommand(app, &exit_code);
  anml::app::AddBrokerCommand(app, &exit_code);
  anml::app::AddInspectCommand(app, &exit_code);
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks that print numbers beside a reference");
  bench->require_subcommand(1);
  anml::app::AddBenchEngineCommand(*bench, &exit_code);
  anml::app::AddBenchStateCommand(*bench, &exit_code);
  anml::app::AddBenchConnectorsCommand(*bench, &exit_code);
  anml::app::AddBenchPaperCommand(*bench, &exit_code);

  std::vector<std::string> args(argv + 1, argv + argc);
  // `anml run` layers its settings: the config file, then ANML_* variables,
  // then the command line, which CLI11 resolves as "last value wins".
  if (!args.empty() && args[0] == "run") {
    auto layered = anml::service::LayeredArguments(
        *app.get_subcommand("run"), {args.begin() + 1, args.end()}, environ);
    if (!layered.ok()) {
      std::fprintf(stderr, "anml run: %s\n", layered.status().message().c_str());
      return 2;
    }
    args.resize(1);
    args.insert(args.end(), layered->begin(), layered->end());
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector in reverse.
  try {
    app.parse(args);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  return exit_code;
}
