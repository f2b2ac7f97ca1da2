#include "engine/pipeline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace anml::engine {
namespace {

constexpr int kDimension = 4;

// One contributor's sample before it is given a slot.
struct RawSample {
  std::string contributor;
  std::vector<double> features;
  double label;
  int64_t time_ms;
  uint64_t key;
};

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest() {
    config_.dimension = kDimension;
    config_.reference.refresh_interval = 32;
    config_.gate.heldout_fraction = 0.1;
  }

  std::unique_ptr<Pipeline> Make(const EngineConfig& config) {
    auto pipeline = Pipeline::Create(config);
    EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    return std::move(pipeline).value();
  }

  // `count` samples from `contributors`, in turn, with label x0 + x1 > 0;
  // contributors whose name starts with "bad" flip the label.
  std::vector<RawSample> Stream(const std::vector<std::string>& contributors, int count) {
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<RawSample> samples;
    for (int i = 0; i < count; ++i) {
      RawSample s;
      s.contributor = contributors[static_cast<size_t>(i) % contributors.size()];
      for (int j = 0; j < kDimension; ++j) s.features.push_back(normal(rng_));
      s.label = s.features[0] + s.features[1] > 0 ? 1.0 : 0.0;
      if (s.contributor.rfind("bad", 0) == 0) s.label = 1.0 - s.label;
      s.time_ms = clock_ms_ += 60'000;
      s.key = MixHash(next_key_++);
      samples.push_back(std::move(s));
    }
    return samples;
  }

  static void Feed(Pipeline& pipeline, const std::vector<RawSample>& samples) {
    for (const RawSample& raw : samples) {
      Sample sample{.contributor = pipeline.Intern(raw.contributor),
                    .features = raw.features,
                    .label = raw.label,
                    .time_ms = raw.time_ms,
                    .key = raw.key};
      auto outcome = pipeline.Process(sample);
      ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    }
  }

  // Every contributor record of `pipeline`, by id.
  static std::map<std::string, ContributorStats> Records(const Pipeline& pipeline) {
    std::map<std::string, ContributorStats> records;
    pipeline.contributors().ForEach([&](uint32_t slot) {
      records[pipeline.contributors().id(slot)] = pipeline.contributors().stats(slot);
    });
    return records;
  }

  static void ExpectReportInRange(const ContributorReport& report, const CombineConfig& combine) {
    EXPECT_GE(report.weight, combine.weight_min);
    EXPECT_LE(report.weight, combine.weight_max);
    for (double factor : {report.q, report.v, report.r, report.gate}) {
      EXPECT_GE(factor, 0.0);
      EXPECT_LE(factor, 1.0);
    }
    EXPECT_GT(report.t, 0.0);
    EXPECT_LE(report.t, 1.0);
    EXPECT_GE(report.consistency, -1.0);
    EXPECT_LE(report.consistency, 1.0);
    EXPECT_FALSE(std::isnan(report.attribution));
  }

  EngineConfig config_;
  std::mt19937_64 rng_{2026};
  int64_t clock_ms_ = 1'700'000'000'000;
  uint64_t next_key_ = 0;
};

// ---------------------------------------------------------------------------
// Error paths.

TEST_F(PipelineTest, CreateRejectsAnInvalidConfigNamingTheField) {
  struct Case {
    std::string name;
    void (*edit)(EngineConfig&);
    std::string field;
  };
  const Case cases[] = {
      {"dimension 0", [](EngineConfig& c) { c.dimension = 0; }, "dimension"},
      {"held-out fraction 0.9", [](EngineConfig& c) { c.gate.heldout_fraction = 0.9; },
       "gate.heldout_fraction"},
      {"multiclass with 2 classes",
       [](EngineConfig& c) {
         c.task = Task::kMulticlass;
         c.classes = 2;
       },
       "classes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EngineConfig config = config_;
    c.edit(config);
    auto pipeline = Pipeline::Create(config);
    ASSERT_FALSE(pipeline.ok());
    EXPECT_EQ(pipeline.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(pipeline.status().message().find(c.field), std::string::npos)
        << pipeline.status().message();
  }
}

TEST_F(PipelineTest, ProcessRejectsInvalidSamplesAndChangesNothing) {
  struct Case {
    std::string name;
    Task task;
    std::vector<double> features;
    double label;
    bool resident;
    std::string message;
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const Case cases[] = {
      {"three features", Task::kBinary, {1, 2, 3}, 1.0, true,
       "sample from contributor 'alice': expected 4 features, got 3"},
      {"NaN feature", Task::kBinary, {1, 2, nan, 4}, 1.0, true,
       "sample from contributor 'alice': feature 2 is nan, expected a finite number"},
      {"infinite feature", Task::kBinary, {inf, 2, 3, 4}, 1.0, true, "feature 0 is inf"},
      {"binary label 2", Task::kBinary, {1, 2, 3, 4}, 2.0, true,
       "sample from contributor 'alice': label 2.000000 is not valid for binary"},
      {"NaN label", Task::kRegression, {1, 2, 3, 4}, nan, true, "label nan is not valid"},
      {"multiclass label 4 of 4", Task::kMulticlass, {1, 2, 3, 4}, 4.0, true,
       "label 4.000000 is not valid for multiclass with 4 classes"},
      {"multiclass label -1", Task::kMulticlass, {1, 2, 3, 4}, -1.0, true,
       "label -1.000000 is not valid for multiclass with 4 classes"},
      {"multiclass label 1.5", Task::kMulticlass, {1, 2, 3, 4}, 1.5, true,
       "label 1.500000 is not valid for multiclass with 4 classes"},
      {"slot not resident", Task::kBinary, {1, 2, 3, 4}, 1.0, false,
       "sample: contributor slot 7 is not resident"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EngineConfig config = config_;
    config.task = c.task;
    config.classes = c.task == Task::kMulticlass ? 4 : 2;
    auto pipeline = Make(config);
    // Some history first, so there is state to disturb.
    for (const RawSample& raw : Stream({"alice", "bob"}, 40)) {
      Sample sample{.contributor = pipeline->Intern(raw.contributor),
                    .features = raw.features,
                    .label = c.task == Task::kMulticlass ? 1.0 : raw.label,
                    .time_ms = raw.time_ms,
                    .key = raw.key};
      ASSERT_TRUE(pipeline->Process(sample).ok());
    }
    pipeline->contributors().ClearDirty();
    const uint32_t alice = pipeline->Intern("alice");
    const ModelSnapshot before = pipeline->Snapshot();
    const auto records = Records(*pipeline);
    const uint64_t trained = pipeline->trained_samples();
    const uint64_t heldout = pipeline->heldout_samples();

    Sample sample{.contributor = c.resident ? alice : 7u,
                  .features = c.features,
                  .label = c.label,
                  .time_ms = clock_ms_ + 1,
                  .key = 12345};
    auto outcome = pipeline->Process(sample);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(outcome.status().message().find(c.message), std::string::npos)
        << outcome.status().message();

    EXPECT_EQ(pipeline->trained_samples(), trained);
    EXPECT_EQ(pipeline->heldout_samples(), heldout);
    EXPECT_EQ(Records(*pipeline), records);
    EXPECT_TRUE(pipeline->contributors().dirty_slots().empty());
    EXPECT_EQ(pipeline->Snapshot(), before);

    // A validation sample is checked the same way (no contributor needed).
    if (c.resident) {
      Status status = pipeline->ProcessValidation(sample);
      EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(pipeline->Snapshot(), before);
    }
  }
}

// ---------------------------------------------------------------------------
// The held-out split.

TEST_F(PipelineTest, ProcessRejectsARecordOfAnotherConfiguration) {
  // A stored record from an engine whose gradients had another size, e.g.
  // a state directory reused with a different --dimension.
  auto pipeline = Make(config_);
  ContributorStats foreign;
  foreign.gradient_sum.assign(kDimension + 7, 0.0);
  uint32_t slot = pipeline->contributors().Adopt("old-lab", foreign);
  std::vector<double> x(kDimension, 0.5);
  auto outcome = pipeline->Process({slot, x, 1.0, 1'700'000'000'000, 1});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(outcome.status().message(),
            "sample from contributor 'old-lab': its record holds " +
                std::to_string(kDimension + 7) + " gradient coordinates, expected " +
                std::to_string(kDimension + 1) +
                " (a record from an engine of another configuration)");
  EXPECT_EQ(pipeline->trained_samples() + pipeline->heldout_samples(), 0u);
}

TEST_F(PipelineTest, HeldOutSplitIsDeterministicByKeyAndNearTheFraction) {
  for (double fraction : {0.05, 0.2}) {
    SCOPED_TRACE("fraction " + std::to_string(fraction));
    config_.gate.heldout_fraction = fraction;
    auto first = Make(config_);
    auto second = Make(config_);
    const uint32_t a = first->Intern("a");
    const uint32_t b = second->Intern("b");
    constexpr int kSamples = 4000;
    std::vector<double> x(kDimension, 0.5);
    int held = 0;
    for (int i = 0; i < kSamples; ++i) {
      const uint64_t key = MixHash(static_cast<uint64_t>(i) * 7919);
      auto one = first->Process({.contributor = a, .features = x, .label = 1, .time_ms = i,
                                 .key = key});
      // A different contributor, label, features and time: only the key
      // decides.
      std::vector<double> other(kDimension, -1.0);
      auto two = second->Process({.contributor = b, .features = other, .label = 0,
                                  .time_ms = 2 * i, .key = key});
      ASSERT_TRUE(one.ok() && two.ok());
      ASSERT_EQ(*one, *two) << "key " << key;
      held += *one == SampleOutcome::kHeldOut;
    }
    // Binomial: the standard deviation of the fraction is at most 0.0064;
    // 0.025 is almost four of them.
    EXPECT_NEAR(static_cast<double>(held) / kSamples, fraction, 0.025);
    EXPECT_EQ(first->heldout_samples(), static_cast<uint64_t>(held));
    EXPECT_EQ(first->trained_samples(), static_cast<uint64_t>(kSamples - held));
  }
}

TEST_F(PipelineTest, NoSampleIsHeldOutWithAZeroFraction) {
  config_.gate.heldout_fraction = 0.0;
  auto pipeline = Make(config_);
  Feed(*pipeline, Stream({"a", "b"}, 500));
  EXPECT_EQ(pipeline->heldout_samples(), 0u);
  EXPECT_EQ(pipeline->trained_samples(), 500u);
}

// ---------------------------------------------------------------------------
// Snapshots.

TEST_F(PipelineTest, RestoredPipelineContinuesBitIdentically) {
  const std::vector<std::string> crowd = {"alice", "bob", "carol", "dave", "bad_eve", "bad_fay"};
  auto original = Make(config_);
  Feed(*original, Stream(crowd, 300));
  // A newcomer that is busy just before the snapshot and then goes quiet:
  // it is not yet in the reference set, but the next refresh must see it.
  Feed(*original, Stream({"quiet"}, 10));
  ASSERT_NE(original->trained_samples() % 32, 0u) << "snapshot mid-interval";

  const ModelSnapshot snapshot = original->Snapshot();
  auto restored = Make(config_);
  ASSERT_TRUE(restored->Restore(snapshot).ok());
  // Adopt copies of the records in reverse id order, so slots differ.
  const auto records = Records(*original);
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    restored->contributors().Adopt(it->first, it->second);
  }

  const auto more = Stream(crowd, 400);
  Feed(*original, more);
  Feed(*restored, more);

  EXPECT_EQ(restored->trained_samples(), original->trained_samples());
  EXPECT_EQ(restored->served(), original->served());
  EXPECT_EQ(restored->Gate().robust_loss, original->Gate().robust_loss);
  const auto probes = Stream({"probe"}, 20);
  for (Scheme scheme : original->Gate().candidates) {
    SCOPED_TRACE(std::string(SchemeName(scheme)));
    for (const RawSample& probe : probes) {
      std::vector<double> expected(original->OutputCount()), actual(restored->OutputCount());
      original->PredictWith(scheme, probe.features, expected);
      restored->PredictWith(scheme, probe.features, actual);
      ASSERT_EQ(actual, expected);  // Bit-identical, not merely close.
    }
  }
  for (const std::string& id : crowd) {
    SCOPED_TRACE(id);
    const uint32_t a = *original->contributors().Find(id);
    const uint32_t b = *restored->contributors().Find(id);
    EXPECT_EQ(restored->contributors().stats(b), original->contributors().stats(a));
    EXPECT_EQ(restored->Report(b).weight, original->Report(a).weight);
  }
  EXPECT_EQ(restored->Snapshot(), original->Snapshot());
}

TEST_F(PipelineTest, RestoringOverAUsedPipelineContinuesLikeAFreshRestore) {
  const std::vector<std::string> crowd = {"alice", "bob", "carol", "dave"};
  auto reused = Make(config_);
  // "late" sends one sample early on: resident, but never active.
  Feed(*reused, Stream({"late"}, 1));
  Feed(*reused, Stream(crowd, 200));
  const ModelSnapshot snapshot = reused->Snapshot();
  const auto records = Records(*reused);
  ASSERT_LT(reused->trained_samples() % 32, 20u) << "room before the next refresh";

  // The reused pipeline trains "late" a little (no refresh), then rolls
  // back: snapshot restored, records overwritten in place.
  Feed(*reused, Stream({"late"}, 5));
  ASSERT_TRUE(reused->Restore(snapshot).ok());
  reused->contributors().ForEach([&](uint32_t slot) {
    reused->contributors().stats(slot) = records.at(reused->contributors().id(slot));
  });
  reused->contributors().ClearDirty();

  auto fresh = Make(config_);
  ASSERT_TRUE(fresh->Restore(snapshot).ok());
  for (const auto& [id, stats] : records) fresh->contributors().Adopt(id, stats);

  const auto late = Stream({"late"}, 5);
  const auto more = Stream(crowd, 200);
  for (Pipeline* pipeline : {reused.get(), fresh.get()}) {
    Feed(*pipeline, late);
    Feed(*pipeline, more);
  }
  EXPECT_EQ(reused->Snapshot(), fresh->Snapshot());
  EXPECT_EQ(Records(*reused), Records(*fresh));
}

TEST_F(PipelineTest, RestoreRejectsAMissingOrMisSizedArrayAndChangesNothing) {
  auto source = Make(config_);
  Feed(*source, Stream({"a", "b", "c"}, 200));
  const ModelSnapshot good = source->Snapshot();

  struct Case {
    std::string name;
    void (*corrupt)(ModelSnapshot&);
    std::string array;
  };
  const Case cases[] = {
      {"missing learner parameters",
       [](ModelSnapshot& s) { s.reals.erase("learner.anml_gated.parameters"); },
       "'learner.anml_gated.parameters' is missing"},
      {"short accumulators",
       [](ModelSnapshot& s) { s.reals["learner.uniform.accumulators"].pop_back(); },
       "'learner.uniform.accumulators' has 4 values, expected 5"},
      {"long reference", [](ModelSnapshot& s) { s.reals["reference"].push_back(0.0); },
       "'reference' has 6 values, expected 5"},
      {"missing combiner", [](ModelSnapshot& s) { s.reals.erase("combiner"); },
       "'combiner' is missing"},
      {"short validation gradient",
       [](ModelSnapshot& s) { s.reals["validation_gradient"].resize(2); },
       "'validation_gradient' has 2 values, expected 6"},
      {"missing counters", [](ModelSnapshot& s) { s.integers.erase("pipeline"); },
       "'pipeline' is missing"},
      {"missing gate loss sums", [](ModelSnapshot& s) { s.reals.erase("gate.loss_sum"); },
       "'gate.loss_sum' is missing"},
      {"bad served index", [](ModelSnapshot& s) { s.integers["gate.state"][0] = 99; },
       "'gate.state'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ModelSnapshot bad = good;
    c.corrupt(bad);
    auto target = Make(config_);
    Feed(*target, Stream({"x", "y"}, 100));
    const ModelSnapshot before = target->Snapshot();

    Status status = target->Restore(bad);
    EXPECT_EQ(status.code(), StatusCode::kDataLoss);
    EXPECT_NE(status.message().find(c.array), std::string::npos) << status.message();
    EXPECT_EQ(target->Snapshot(), before);
  }
}

TEST_F(PipelineTest, SnapshotVersionIncreasesOnlyWhenSamplesWereApplied) {
  auto pipeline = Make(config_);
  const uint64_t initial = pipeline->Snapshot().version;
  const uint32_t slot = pipeline->Intern("a");
  EXPECT_EQ(pipeline->Snapshot().version, initial);  // Interning trains nothing.

  Feed(*pipeline, Stream({"a"}, 3));
  const uint64_t after_samples = pipeline->Snapshot().version;
  EXPECT_EQ(after_samples, initial + 1);
  EXPECT_EQ(pipeline->Snapshot().version, after_samples);

  std::vector<double> wrong_size(kDimension + 1, 0.0);
  EXPECT_FALSE(pipeline->Process({.contributor = slot, .features = wrong_size}).ok());
  EXPECT_EQ(pipeline->Snapshot().version, after_samples);

  Feed(*pipeline, Stream({"a"}, 1));
  EXPECT_EQ(pipeline->Snapshot().version, after_samples + 1);
}

// ---------------------------------------------------------------------------
// Reports under adversarial but valid input.

TEST_F(PipelineTest, ReportsStayInRangeAfterAdversarialButValidInput) {
  struct Case {
    std::string name;
    Task task;
    GateConfig::Mode mode;
    std::vector<std::string> contributors;
    double scale;  // Multiplies every feature; 0 sends zero vectors.
  };
  const std::vector<std::string> crowd = {"a", "b", "bad_c", "d"};
  const Case cases[] = {
      {"zero vectors", Task::kBinary, GateConfig::Mode::kSelect, crowd, 0.0},
      {"huge features", Task::kBinary, GateConfig::Mode::kSelect, crowd, 1e150},
      {"huge features, blend", Task::kBinary, GateConfig::Mode::kBlend, crowd, 1e150},
      {"huge features, multiclass", Task::kMulticlass, GateConfig::Mode::kSelect, crowd, 1e150},
      {"huge features, regression", Task::kRegression, GateConfig::Mode::kSelect, crowd, 1e150},
      {"only one contributor", Task::kBinary, GateConfig::Mode::kSelect, {"solo"}, 1.0},
      {"only one contributor, blend", Task::kBinary, GateConfig::Mode::kBlend, {"solo"}, 1.0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EngineConfig config = config_;
    config.task = c.task;
    config.classes = c.task == Task::kMulticlass ? 3 : 2;
    config.gate.mode = c.mode;
    auto pipeline = Make(config);
    auto samples = Stream(c.contributors, 600);
    for (RawSample& s : samples) {
      for (double& x : s.features) x *= c.scale;
      if (c.task == Task::kMulticlass) s.label = static_cast<double>(s.key % 3);
    }
    Feed(*pipeline, samples);
    pipeline->SetMetadata(pipeline->Intern(c.contributors.front()), Verification::kVerified, 1.0);

    pipeline->contributors().ForEach([&](uint32_t slot) {
      SCOPED_TRACE(pipeline->contributors().id(slot));
      ExpectReportInRange(pipeline->Report(slot), config.combine);
      for (Scheme scheme : pipeline->Gate().candidates) {
        double w = pipeline->ContributorWeight(scheme, slot);
        EXPECT_GE(w, config.combine.weight_min);
        EXPECT_LE(w, config.combine.weight_max);
      }
    });
    const GateReport gate = pipeline->Gate();
    double blend_total = 0;
    for (double w : gate.blend_weight) {
      EXPECT_GE(w, 0.0);
      blend_total += w;
    }
    EXPECT_NEAR(blend_total, 1.0, 1e-9);
    EXPECT_GE(gate.excess, 0.0);
    EXPECT_FALSE(std::isnan(gate.excess_bound));
  }
}

}  // namespace
}  // namespace anml::engine
