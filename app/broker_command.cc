// `anml broker`: runs the embedded Kafka cluster until SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>

#include <fmt/format.h>

#include "app/commands.h"
#include "connectors/embedded_broker.h"

namespace anml::app {
namespace {

// Blocks SIGINT and SIGTERM in this thread before librdkafka starts its
// threads, which inherit the mask, so that sigwait() below receives them.
// A shell starts background jobs with SIGINT ignored, and an ignored signal
// is discarded even when blocked, so the default disposition is restored.
sigset_t BlockStopSignals() {
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int RunBroker(const connectors::EmbeddedBrokerOptions& options) {
  sigset_t signals = BlockStopSignals();
  auto broker = connectors::EmbeddedBroker::Start(options);
  if (!broker.ok()) {
    fmt::print(stderr, "anml broker: {}\n", broker.status().ToString());
    return 1;
  }
  // One parseable line on stdout; everything else goes to stderr.
  fmt::print("bootstrap={}\n", (*broker)->bootstrap_servers());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  fmt::print(stderr, "anml broker: signal {} received, stopping\n", received);
  return 0;
}

}  // namespace

void AddBrokerCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<connectors::EmbeddedBrokerOptions>();
  CLI::App* command = app.add_subcommand(
      "broker", "Serve an in-memory Kafka cluster with anml's topics until stopped");
  command->add_option("--partitions", options->partitions, "Partitions per topic")
      ->check(CLI::Range(1, 1024));
  command->add_option("--brokers", options->brokers, "Brokers in the cluster")
      ->check(CLI::Range(1, 16));
  command->callback([options, exit_code] { *exit_code = RunBroker(*options); });
}

}  // namespace anml::app
