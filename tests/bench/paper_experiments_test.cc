// Runs the benchmark's quick path on wine with two seeds and checks the
// shape of what `anml bench paper --json` prints and that every error is a
// proportion. Needs ../shared/data/wine.csv (or $ANML_DATA_DIR).
#include "bench/paper_experiments.h"

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "bench/report.h"

namespace anml::bench {
namespace {

std::string WinePath() {
  const char* env = std::getenv("ANML_DATA_DIR");
  return std::string(env != nullptr ? env : "../shared/data") + "/wine.csv";
}

BenchSettings TinySettings() {
  BenchSettings s;
  s.seeds = 2;
  s.passes = 3;
  s.sweep_rates = {0.4, 0.1};
  s.attacks = {Attack::kNone, Attack::kJoint, Attack::kSybil};
  s.peer = false;
  return s;
}

TEST(PaperExperimentsTest, RefreshIntervalFollowsDatasetSize) {
  Dataset small, large;
  small.labels.assign(100, 0);
  large.labels.assign(100000, 0);
  small.dimension = large.dimension = 2;
  EXPECT_EQ(BenchEngineConfig(small, 1).reference.refresh_interval, kMinRefreshInterval);
  // A large dataset is capped at the engine's own default.
  EXPECT_EQ(BenchEngineConfig(large, 1).reference.refresh_interval,
            engine::ReferenceConfig{}.refresh_interval);
  EXPECT_EQ(BenchEngineConfig(large, 1).gate.candidates.size(), engine::kSchemeCount);
}

TEST(PaperExperimentsTest, SummarizeGivesMeanAndStudentInterval) {
  std::vector<double> values = {1.0, 2.0, 3.0};
  Summary s = Summarize(values);
  EXPECT_DOUBLE_EQ(s.mean, 2.0);
  EXPECT_NEAR(s.high - s.mean, 4.303 / std::sqrt(3.0), 1e-9);
  EXPECT_DOUBLE_EQ(s.max, 3.0);
}

TEST(PaperExperimentsTest, QuickRunOnWineHasTheJsonShape) {
  auto data = LoadDataset(WinePath(), "label", std::nullopt);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  auto results = RunDataset(*data, TinySettings(), "", nullptr);
  ASSERT_TRUE(results.ok()) << results.status().ToString();

  PaperRun run;
  run.settings = TinySettings();
  run.quick = true;
  run.datasets.push_back(*results);
  nlohmann::json json = SummaryJson(run);
  ASSERT_TRUE(json["datasets"].contains("wine"));
  const nlohmann::json& wine = json["datasets"]["wine"];
  for (const char* scheme : {"uniform", "gradient_only", "sample_level", "anml_multiplicative",
                             "anml_softmax", "anml_gated", "served"}) {
    SCOPED_TRACE(scheme);
    ASSERT_TRUE(wine["error"].contains(scheme));
    double error = wine["error"][scheme].get<double>();
    EXPECT_GE(error, 0.0);
    EXPECT_LE(error, 1.0);
  }
  double excess = wine["gate_worst_excess"].get<double>();
  EXPECT_GE(excess, 0.0);
  EXPECT_LE(excess, 1.0);
  EXPECT_EQ(results->exp3.size(), 3u);
  EXPECT_EQ(results->exp2.at("top20_error").size(), 2u);
  std::string report = MarkdownReport(run, {});
  EXPECT_NE(report.find("## 4. Contributor-level"), std::string::npos);
  EXPECT_NE(report.find("ANML-style"), std::string::npos);
}

TEST(PaperExperimentsTest, ReplayIsDeterministic) {
  auto data = LoadDataset(WinePath(), "label", std::nullopt);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  Split split = SplitDataset(*data, 3);
  SimulationConfig sim;
  sim.seed = 3;
  sim.attack = Attack::kGradientAlignment;
  auto stream = Simulate(split.train, sim);
  ASSERT_TRUE(stream.ok());
  auto a = Replay(*stream, split, BenchEngineConfig(split.train, 3));
  auto b = Replay(*stream, split, BenchEngineConfig(split.train, 3));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->error, b->error);
  EXPECT_EQ(a->gated_weight, b->gated_weight);
}

}  // namespace
}  // namespace anml::bench
