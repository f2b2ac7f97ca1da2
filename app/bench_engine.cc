// `anml bench engine`: samples per second of the full per-sample step.
//
// For each feature dimension the same seeded stream (binary labels from a
// hidden linear model, 100 contributors of which 10 flip 40% of their
// labels) is replayed twice in one run: through a Pipeline with all five
// default candidate schemes (every shadow learner, every factor, the
// held-out split, g_ref refreshes), and through one plain GlmLearner that
// weighs every sample 1 (predict then update), the reference. Contributor
// ids are resolved to slots once, as the connectors do per record.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "engine/glm_learner.h"
#include "engine/pipeline.h"
#include "simulation/synthetic_stream.h"

namespace anml::app {
namespace {

constexpr int kContributors = 100;
constexpr int kFlippers = 10;
constexpr double kFlipRate = 0.4;
constexpr int64_t kStepMs = 50;

struct Stream {
  int dimension = 0;
  std::vector<double> features;  // samples x dimension, row-major.
  std::vector<double> labels;
  std::vector<uint32_t> contributors;
};

// The simulated stream, copied into flat arrays so the timed loops read
// memory the way a decoded batch does.
Stream MakeStream(int dimension, size_t samples, uint64_t seed) {
  std::vector<simulation::ContributorSpec> specs(kContributors);
  for (int c = 0; c < kContributors; ++c) {
    specs[c].id = fmt::format("c{}", c);
    if (c < kFlippers) {
      specs[c].behavior = simulation::Behavior::kLabelFlip;
      specs[c].rate = kFlipRate;
    }
  }
  simulation::SyntheticStream source(dimension, specs, seed, kStepMs);
  Stream stream;
  stream.dimension = dimension;
  stream.features.reserve(samples * dimension);
  for (size_t i = 0; i < samples; ++i) {
    simulation::SyntheticSample sample = source.Next();
    stream.features.insert(stream.features.end(), sample.features.begin(),
                           sample.features.end());
    stream.labels.push_back(sample.label);
    stream.contributors.push_back(static_cast<uint32_t>(sample.contributor));
  }
  return stream;
}

std::span<const double> Row(const Stream& stream, size_t i) {
  return {stream.features.data() + i * stream.dimension, static_cast<size_t>(stream.dimension)};
}

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Samples per second of the full pipeline step over `passes` of the stream.
double PipelineRate(const Stream& stream, int passes) {
  engine::EngineConfig config;
  config.dimension = stream.dimension;
  auto pipeline = std::move(engine::Pipeline::Create(config)).value();
  std::vector<uint32_t> slots;
  for (int c = 0; c < kContributors; ++c) slots.push_back(pipeline->Intern(fmt::format("c{}", c)));
  const size_t n = stream.labels.size();
  int64_t time_ms = 1'700'000'000'000;
  uint64_t key = 0;
  auto start = Clock::now();
  for (int pass = 0; pass < passes; ++pass) {
    for (size_t i = 0; i < n; ++i) {
      engine::Sample sample{slots[stream.contributors[i]], Row(stream, i), stream.labels[i],
                            time_ms += kStepMs, ++key};
      // Every generated sample is valid, so Process cannot fail here.
      (void)pipeline->Process(sample);
    }
  }
  return static_cast<double>(n) * passes / Seconds(start);
}

// Samples per second of one unweighted learner on the same stream.
double PlainRate(const Stream& stream, int passes) {
  engine::GlmLearner learner(engine::Task::kBinary, stream.dimension, 2, {});
  std::vector<double> prediction(1);
  const size_t n = stream.labels.size();
  auto start = Clock::now();
  for (int pass = 0; pass < passes; ++pass) {
    for (size_t i = 0; i < n; ++i) {
      learner.Predict(Row(stream, i), prediction);
      learner.Update(Row(stream, i), prediction, stream.labels[i], 1.0);
    }
  }
  double rate = static_cast<double>(n) * passes / Seconds(start);
  // Keep the optimizer from discarding the learner's work.
  if (learner.parameters()[0] == 12345.678) std::puts("");
  return rate;
}

struct Options {
  std::vector<int> dimensions = {16, 64, 256};
  size_t samples = 200'000;
  int passes = 5;
  bool json = false;
};

void Run(const Options& options) {
  nlohmann::json results = nlohmann::json::array();
  std::printf("%-6s %18s %18s %8s %14s\n", "d", "anml samples/s", "plain samples/s", "ratio",
              "anml ns/sample");
  for (int dimension : options.dimensions) {
    Stream stream = MakeStream(dimension, options.samples, /*seed=*/7);
    double plain = PlainRate(stream, options.passes);
    double anml = PipelineRate(stream, options.passes);
    std::printf("%-6d %18.0f %18.0f %8.3f %14.1f\n", dimension, anml, plain, anml / plain,
                1e9 / anml);
    results.push_back({{"dimension", dimension},
                       {"anml_samples_per_second", anml},
                       {"plain_samples_per_second", plain},
                       {"ratio", anml / plain}});
  }
  std::printf("anml: full step, 5 candidate schemes (uniform, gradient_only, sample_level,\n"
              "anml_multiplicative, anml_gated), %d contributors; plain: one unweighted\n"
              "logistic learner. %zu samples x %d passes per dimension, one thread.\n",
              kContributors, options.samples, options.passes);
  if (options.json) {
    nlohmann::json out = {{"benchmark", "engine"}, {"samples", options.samples},
                          {"passes", options.passes}, {"results", results}};
    std::printf("%s\n", out.dump().c_str());
  }
}

}  // namespace

void AddBenchEngineCommand(CLI::App& bench, int* exit_code) {
  auto options = std::make_shared<Options>();
  CLI::App* command = bench.add_subcommand(
      "engine", "Samples per second of the full engine step beside a plain learner");
  command->add_option("--dimensions", options->dimensions, "Feature dimensions to measure")
      ->capture_default_str();
  command->add_option("--samples", options->samples, "Samples in the stream")
      ->capture_default_str();
  command->add_option("--passes", options->passes, "Passes over the stream")
      ->capture_default_str()->check(CLI::PositiveNumber);
  command->add_flag("--json", options->json, "Print one JSON object as the last line");
  command->callback([options, exit_code] {
    Run(*options);
    *exit_code = 0;
  });
}

}  // namespace anml::app
