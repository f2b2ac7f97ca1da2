// `anml run` and `anml demo`: the engine as a service, and the demo.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "app/commands.h"
#include "connectors/embedded_broker.h"
#include "service/demo.h"
#include "service/engine_service.h"
#include "service/logging.h"

namespace anml::app {
namespace {

// Exit codes: 0 a clean stop, 1 a failure while running, 2 a configuration
// error.
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::atomic<bool> stop_requested{false};

void RequestStop(int /*signal*/) { stop_requested = true; }

// SIGTERM and SIGINT ask the loop to finish its batch, commit and exit.
void InstallStopHandlers() {
  struct sigaction action {};
  action.sa_handler = RequestStop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

int RunService(const service::ServiceOptions& options) {
  service::ConfigureLogging(options.log_level);
  InstallStopHandlers();
  if (options.brokers.empty()) {
    spdlog::error("--brokers (ANML_BROKERS) is required: name a Kafka cluster "
                  "(host:port,...) or 'embedded' for the built-in broker");
    return kExitUsage;
  }
  std::unique_ptr<connectors::EmbeddedBroker> broker;
  std::string bootstrap = options.brokers;
  if (options.brokers == "embedded") {
    connectors::EmbeddedBrokerOptions broker_options;
    broker_options.partitions = options.embedded_partitions;
    broker_options.topics = service::ServiceTopics(options);
    auto started = connectors::EmbeddedBroker::Start(broker_options);
    if (!started.ok()) {
      spdlog::error("embedded broker: {}", started.status().ToString());
      return kExitFailure;
    }
    broker = std::move(started).value();
    bootstrap = broker->bootstrap_servers();
    spdlog::info("embedded broker serving at {}", bootstrap);
  }
  auto engine = service::EngineService::Start(options, bootstrap);
  if (!engine.ok()) {
    spdlog::error("cannot start: {}", engine.status().ToString());
    return engine.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  Status stopped = (*engine)->Run(stop_requested);
  if (!stopped.ok()) {
    spdlog::error("stopped on error: {}", stopped.ToString());
    return kExitFailure;
  }
  spdlog::info("stopped cleanly");
  return 0;
}

std::string FreshDemoDirectory() {
  std::string pattern = "/tmp/anml-demo-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return "anml-demo-state";
  return pattern;
}

}  // namespace

void AddRunCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<service::ServiceOptions>();
  CLI::App* command = app.add_subcommand(
      "run", "Consume samples, train, keep state, publish weights, serve metrics");
  service::RegisterServiceOptions(*command, options.get());
  command->footer("Every option can also be set as ANML_<NAME> (e.g. ANML_BROKERS) or in the "
                  "--config file; flags win over the environment, which wins over the file.");
  command->callback([options, exit_code] { *exit_code = RunService(*options); });
}

void AddDemoCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<service::DemoOptions>();
  options->service.http_address = "127.0.0.1:0";
  options->service.log_level = "warn";
  CLI::App* command = app.add_subcommand(
      "demo", "The engine on the embedded broker with a seeded stream of contributors");
  command->add_option("--seconds", options->seconds, "How long the generator sends")
      ->capture_default_str()->check(CLI::Range(1.0, 86400.0));
  command->add_option("--rate", options->samples_per_second, "Samples per second sent")
      ->capture_default_str()->check(CLI::Range(10.0, 50000.0));
  command->add_option("--seed", options->seed, "Seed of the contributors' stream")
      ->capture_default_str();
  command->add_option("--state-dir", options->service.state_dir,
                      "State directory (default: a fresh one under /tmp)");
  command->add_option("--http-address", options->service.http_address,
                      "host:port of /metrics (port 0 picks a free one)")
      ->capture_default_str();
  command->add_option("--log-level", options->service.log_level, "Log level")
      ->capture_default_str();
  command->callback([options, exit_code] {
    service::DemoOptions demo = *options;
    if (demo.service.state_dir == service::ServiceOptions().state_dir) {
      demo.service.state_dir = FreshDemoDirectory();
    }
    service::ConfigureLogging(demo.service.log_level);
    InstallStopHandlers();
    Status status = service::RunDemo(demo, stop_requested);
    if (!status.ok()) std::fprintf(stderr, "demo failed: %s\n", status.ToString().c_str());
    *exit_code = status.ok() ? 0 : kExitFailure;
  });
}

}  // namespace anml::app
