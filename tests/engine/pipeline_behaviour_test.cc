// Behaviour of the whole per-sample step on seeded synthetic streams.
//
// Each test builds a stream of contributors of chosen quality
// (simulation/synthetic_stream.h), replays it through a Pipeline, and
// checks what DESIGN.md section 2 promises: label flippers end with the
// lowest q; faked credentials buy nothing under Stage 1; contributor-level
// weighting beats sample-level weighting under subtle corruption; with
// honest signals the gate serves ANML; under the joint attack the served
// held-out loss stays within the gate's stated bound of the best candidate.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "engine/pipeline.h"
#include "simulation/synthetic_stream.h"

namespace anml::engine {
namespace {

using simulation::Behavior;
using simulation::ContributorSpec;
using simulation::SyntheticSample;
using simulation::SyntheticStream;

constexpr int kDimension = 8;
constexpr int kContributors = 20;
constexpr size_t kStreamLength = 40'000;
constexpr size_t kTestSetSize = 4'000;

// `bad` of kContributors contributors behave as `behavior` with `rate`; the
// rest are honest. Claimed metadata is set by the caller.
std::vector<ContributorSpec> Population(int bad, Behavior behavior, double rate) {
  std::vector<ContributorSpec> specs;
  for (int i = 0; i < kContributors; ++i) {
    ContributorSpec spec;
    spec.id = (i < bad ? "bad-" : "good-") + std::to_string(i);
    if (i < bad) {
      spec.behavior = behavior;
      spec.rate = rate;
    }
    specs.push_back(spec);
  }
  return specs;
}

void ClaimMetadata(std::vector<ContributorSpec>& specs, const std::string& prefix,
                   Verification verification, double reputation) {
  for (ContributorSpec& spec : specs) {
    if (spec.id.rfind(prefix, 0) == 0) {
      spec.verification = verification;
      spec.reputation = reputation;
    }
  }
}

EngineConfig BinaryConfig() {
  EngineConfig config;
  config.task = Task::kBinary;
  config.dimension = kDimension;
  config.gate.candidates.assign(kAllSchemes.begin(), kAllSchemes.end());
  return config;
}

// A pipeline that has replayed `kStreamLength` samples of the stream.
struct Replay {
  std::unique_ptr<Pipeline> pipeline;
  std::vector<uint32_t> slots;  // Per contributor spec.
  std::vector<SyntheticSample> test_set;

  double TestError(Scheme scheme) const {
    std::vector<double> out(1);
    return simulation::ErrorRate(test_set, [&](const std::vector<double>& x) {
      pipeline->PredictWith(scheme, x, out);
      return out[0];
    });
  }
  double ServedTestError() const {
    std::vector<double> out(1);
    return simulation::ErrorRate(test_set, [&](const std::vector<double>& x) {
      pipeline->Predict(x, out);
      return out[0];
    });
  }
  ContributorReport Report(size_t contributor) const {
    return pipeline->Report(slots[contributor]);
  }
};

Replay Replayed(const std::vector<ContributorSpec>& specs, const EngineConfig& config,
           uint64_t seed) {
  Replay replay;
  auto created = Pipeline::Create(config);
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  replay.pipeline = std::move(created).value();
  for (const ContributorSpec& spec : specs) {
    uint32_t slot = replay.pipeline->Intern(spec.id);
    replay.pipeline->SetMetadata(slot, spec.verification, spec.reputation);
    replay.slots.push_back(slot);
  }
  SyntheticStream stream(kDimension, specs, seed);
  for (size_t i = 0; i < kStreamLength; ++i) {
    SyntheticSample s = stream.Next();
    Sample sample{replay.slots[s.contributor], s.features, s.label, s.time_ms, s.key};
    auto outcome = replay.pipeline->Process(sample);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
  }
  replay.test_set = stream.CleanSet(kTestSetSize, seed + 1);
  return replay;
}

TEST(PipelineBehaviourTest, LabelFlippersEndWithTheLowestQ) {
  auto specs = Population(4, Behavior::kLabelFlip, 0.4);
  Replay replay = Replayed(specs, BinaryConfig(), 11);
  double worst_honest = 1.0, best_flipper = 0.0;
  for (size_t i = 0; i < specs.size(); ++i) {
    double q = replay.Report(i).q;
    if (specs[i].behavior == Behavior::kHonest) worst_honest = std::min(worst_honest, q);
    else best_flipper = std::max(best_flipper, q);
  }
  EXPECT_LT(best_flipper, worst_honest);
  EXPECT_LT(best_flipper, 0.2);
  EXPECT_GT(worst_honest, 0.5);
}

TEST(PipelineBehaviourTest, FakedCredentialsBuyNothingUnderStageOne) {
  // The same flippers, once claiming nothing and once claiming verified
  // status and a high reputation.
  auto honest_claims = Population(6, Behavior::kLabelFlip, 0.3);
  auto faked_claims = honest_claims;
  ClaimMetadata(faked_claims, "bad-", Verification::kVerified, 0.95);
  Replay plain = Replayed(honest_claims, BinaryConfig(), 12);
  Replay faked = Replayed(faked_claims, BinaryConfig(), 12);
  for (size_t i = 0; i < 6; ++i) {
    SCOPED_TRACE(faked_claims[i].id);
    double gated_plain = plain.pipeline->ContributorWeight(Scheme::kAnmlGated, plain.slots[i]);
    double gated_faked = faked.pipeline->ContributorWeight(Scheme::kAnmlGated, faked.slots[i]);
    double multiplicative_plain =
        plain.pipeline->ContributorWeight(Scheme::kAnmlMultiplicative, plain.slots[i]);
    double multiplicative_faked =
        faked.pipeline->ContributorWeight(Scheme::kAnmlMultiplicative, faked.slots[i]);
    // Without the gate the fake credential does raise the weight...
    EXPECT_GT(multiplicative_faked, multiplicative_plain);
    // ...with it, the faker gains (almost) nothing.
    EXPECT_LE(gated_faked, gated_plain * 1.05 + 1e-6);
  }
}

TEST(PipelineBehaviourTest, ContributorLevelBeatsSampleLevelUnderSubtleCorruption) {
  // 6 of 20 contributors flip 20% of their labels: per sample, a flipped
  // label looks like ordinary label noise.
  double contributor_level = 0, sample_level = 0;
  for (uint64_t seed : {21, 22, 23}) {
    Replay replay = Replayed(Population(6, Behavior::kLabelFlip, 0.2), BinaryConfig(), seed);
    contributor_level += replay.TestError(Scheme::kGradientOnly);
    sample_level += replay.TestError(Scheme::kSampleLevel);
  }
  EXPECT_LT(contributor_level, sample_level);
}

TEST(PipelineBehaviourTest, WithHonestSignalsTheGateServesAnml) {
  // Flippers are honestly unverified with a low reputation; everyone else
  // is verified. The gate starts on uniform and must earn the switch.
  auto specs = Population(6, Behavior::kLabelFlip, 0.45);
  ClaimMetadata(specs, "good-", Verification::kVerified, 0.9);
  ClaimMetadata(specs, "bad-", Verification::kUnverified, 0.2);
  EngineConfig config = BinaryConfig();
  config.gate.initial = Scheme::kUniform;
  Replay replay = Replayed(specs, config, 31);
  GateReport gate = replay.pipeline->Gate();
  EXPECT_NE(gate.served, Scheme::kUniform);
  EXPECT_NE(gate.served, Scheme::kSampleLevel);
  EXPECT_GE(gate.switches, 1u);
  EXPECT_LT(replay.ServedTestError(), replay.TestError(Scheme::kUniform));
}

TEST(PipelineBehaviourTest, JointAttackKeepsServedLossWithinTheStatedBound) {
  // Aligned poison (labels from a model tilted 70 degrees off) with faked
  // credentials, against honest contributors that claim nothing.
  auto specs = Population(6, Behavior::kAligned, 1.2);
  ClaimMetadata(specs, "bad-", Verification::kVerified, 0.95);
  for (uint64_t seed : {41, 42, 43}) {
    SCOPED_TRACE(seed);
    Replay replay = Replayed(specs, BinaryConfig(), seed);
    GateReport gate = replay.pipeline->Gate();
    ASSERT_GE(gate.units, 10u);
    // The gate's guarantee: the served scheme trails the best candidate by
    // at most the confidence radius, or the gate would have switched.
    EXPECT_LE(gate.excess, gate.excess_bound + 1e-12);
    // The served model is never meaningfully worse than the plain baseline.
    EXPECT_LE(replay.ServedTestError(), replay.TestError(Scheme::kUniform) + 0.01);
  }
}

}  // namespace
}  // namespace anml::engine
