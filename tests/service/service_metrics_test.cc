#include "service/service_metrics.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "connectors/dead_letter_reason.h"
#include "engine/sample.h"

namespace anml::service {
namespace {

// The names the service promises (dashboards and alerts use these).
const std::set<std::string> kDeclaredNames = {
    "anml_samples_total",
    "anml_dead_letters_total",
    "anml_state_commits_total",
    "anml_batch_duration_seconds",
    "anml_commit_duration_seconds",
    "anml_weights_published_total",
    "anml_weights_publish_errors_total",
    "anml_gate_switches_total",
    "anml_consumer_lag_messages",
    "anml_state_size_bytes",
    "anml_state_cache_hits_total",
    "anml_state_cache_misses_total",
    "anml_ready",
    "anml_model_version",
    "anml_watermark_seconds",
    "anml_contributors_cached",
    "anml_contributors_active",
    "anml_verified_weight_share_ratio",
    "anml_attribution_sum",
    "anml_served_heldout_loss",
    "anml_gate_excess_loss",
    "anml_gate_excess_bound_loss",
    "anml_scheme_heldout_loss",
    "anml_served_scheme",
    "anml_contributor_factor",
    "anml_build_info",
};

// Metrics registered and fed with a small pipeline, so every labelled
// family has series to show.
class ServiceMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine::EngineConfig config;
    config.dimension = 2;
    auto pipeline = engine::Pipeline::Create(config);
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    pipeline_ = std::move(pipeline).value();
    for (int i = 0; i < 200; ++i) {
      const uint32_t slot = pipeline_->Intern(i % 2 == 0 ? "lab-even" : "lab-odd");
      const double x[2] = {i % 3 - 1.0, i % 5 - 2.0};
      engine::Sample sample{slot, x, x[0] > 0 ? 1.0 : 0.0, 1'000'000 + i, static_cast<uint64_t>(i)};
      ASSERT_TRUE(pipeline_->Process(sample).ok());
    }
    for (int r = 0; r < connectors::kDeadLetterReasonCount; ++r) {
      metrics_.DeadLetters(std::string(
          connectors::DeadLetterReasonName(static_cast<connectors::DeadLetterReason>(r))));
    }
    metrics_.ObservePipeline(*pipeline_, 1);
    metrics_.ObserveState(1024, 5, 2);
  }

  prometheus::Registry registry_;
  ServiceMetrics metrics_{registry_};
  std::unique_ptr<engine::Pipeline> pipeline_;
};

TEST_F(ServiceMetricsTest, EveryDeclaredNameIsExportedWithHelp) {
  std::set<std::string> exported;
  for (const prometheus::MetricFamily& family : registry_.Collect()) {
    SCOPED_TRACE(family.name);
    exported.insert(family.name);
    EXPECT_FALSE(family.help.empty());
    EXPECT_FALSE(family.metric.empty()) << "family has no series";
  }
  EXPECT_EQ(exported, kDeclaredNames);

  const std::string text = prometheus::TextSerializer().Serialize(registry_.Collect());
  for (const std::string& name : kDeclaredNames) {
    SCOPED_TRACE(name);
    EXPECT_NE(text.find("# HELP " + name + " "), std::string::npos);
    EXPECT_NE(text.find("# TYPE " + name + " "), std::string::npos);
  }
}

TEST_F(ServiceMetricsTest, NamesFollowPrometheusConventions) {
  for (const prometheus::MetricFamily& family : registry_.Collect()) {
    SCOPED_TRACE(family.name);
    EXPECT_EQ(family.name.rfind("anml_", 0), 0u);
    const bool counter = family.type == prometheus::MetricType::Counter;
    const bool total =
        family.name.size() > 6 && family.name.compare(family.name.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(counter, total) << "counters, and only counters, end in _total";
  }
}

TEST_F(ServiceMetricsTest, NoLabelNamesAContributor) {
  for (const prometheus::MetricFamily& family : registry_.Collect()) {
    for (const prometheus::ClientMetric& metric : family.metric) {
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        SCOPED_TRACE(family.name + "{" + label.name + "=" + label.value + "}");
        EXPECT_EQ(label.name.find("contributor"), std::string::npos);
        EXPECT_NE(label.value, "lab-even");
        EXPECT_NE(label.value, "lab-odd");
      }
    }
  }
}

TEST_F(ServiceMetricsTest, DeadLetterMetricIsTheOneTheConnectorsName) {
  EXPECT_TRUE(
      kDeclaredNames.count(std::string(connectors::DeadLetterCounters::kDeadLettersMetric)));
}

TEST_F(ServiceMetricsTest, SamplesHaveEveryOutcomeFromTheStart) {
  prometheus::Registry registry;
  ServiceMetrics fresh(registry);
  std::set<std::string> outcomes;
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != "anml_samples_total") continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      for (const auto& label : metric.label) outcomes.insert(label.name + "=" + label.value);
      EXPECT_EQ(metric.counter.value, 0.0);
    }
  }
  EXPECT_EQ(outcomes, (std::set<std::string>{"outcome=trained", "outcome=heldout",
                                             "outcome=validation", "outcome=dead_letter"}));
}

TEST_F(ServiceMetricsTest, CacheCountersAdvanceByTheDifference) {
  metrics_.ObserveState(2048, 9, 2);  // Running totals: hits 5 -> 9, misses unchanged.
  double hits = -1, misses = -1, size = -1;
  for (const prometheus::MetricFamily& family : registry_.Collect()) {
    if (family.name == "anml_state_cache_hits_total") hits = family.metric[0].counter.value;
    if (family.name == "anml_state_cache_misses_total") misses = family.metric[0].counter.value;
    if (family.name == "anml_state_size_bytes") size = family.metric[0].gauge.value;
  }
  EXPECT_EQ(hits, 9.0);
  EXPECT_EQ(misses, 2.0);
  EXPECT_EQ(size, 2048.0);
}

}  // namespace
}  // namespace anml::service
