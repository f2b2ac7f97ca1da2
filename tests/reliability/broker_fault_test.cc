// Fault test: EngineService in-process against a 3-broker embedded cluster
// whose fault controls are driven while samples flow.
//
// Faults, each injected several times between bursts of samples:
// - every broker down, then up again (no progress possible meanwhile);
// - the leader of every samples partition moved to another broker;
// - Fetch requests failing with a retryable error (NOT_LEADER_OR_FOLLOWER).
// Proves: Step() never returns a non-retryable error; the service keeps
// stepping through every fault; readiness turns not-ready while every
// broker is down and ready again once they are back; and at the end each
// contributor's trained plus held-out count in the pipeline equals exactly
// what the producer had acknowledged for it: no loss, no duplicates.
// Prints "faults injected: N" and what readiness said in each outage.
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "connectors/embedded_broker.h"
#include "connectors/record_producer.h"
#include "service/engine_service.h"
#include "tests/state/temp_dir.h"

namespace anml {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr int kBrokers = 3;
constexpr int kPartitions = 4;
constexpr int kContributors = 8;
constexpr int kSamplesPerBurst = 300;
constexpr int kRounds = 3;  // Of each fault kind.
constexpr int16_t kFetchApiKey = 1;

class BrokerFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    connectors::EmbeddedBrokerOptions broker_options;
    broker_options.brokers = kBrokers;
    broker_options.partitions = kPartitions;
    auto broker = connectors::EmbeddedBroker::Start(broker_options);
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::move(broker).value();

    auto producer = connectors::RecordProducer::Create(broker_->client_config(), "fault-test");
    ASSERT_TRUE(producer.ok()) << producer.status().ToString();
    producer_ = std::move(producer).value();

    service::ServiceOptions options;
    options.dimension = 2;
    options.state_dir = state_.Sub("state");
    options.http_address = "127.0.0.1:0";
    options.batch_size = 200;
    options.poll_timeout_ms = 50;
    options.embedded_partitions = kPartitions;
    options.kafka = {"session.timeout.ms=6000", "heartbeat.interval.ms=1000"};
    auto engine = service::EngineService::Start(options, broker_->bootstrap_servers());
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
  }

  // Sends a burst of samples and counts them once the broker acknowledged.
  void ProduceBurst() {
    for (int i = 0; i < kSamplesPerBurst; ++i, ++sent_) {
      const std::string id = fmt::format("lab-{}", sent_ % kContributors);
      const std::string value = fmt::format(
          R"({{"contributor":"{}","features":[{},{}],"label":{},"time":{},"id":"s-{}"}})", id,
          (sent_ % 7) * 0.1, (sent_ % 5) * -0.2, sent_ % 2, 1'764'763'200'000 + sent_, sent_);
      ASSERT_TRUE(producer_->Send("anml.samples", id, value).ok());
      ++produced_[id];
    }
    Status flushed = producer_->Flush(milliseconds(30'000));
    ASSERT_TRUE(flushed.ok()) << flushed.ToString();
  }

  // Steps for `duration`; a retryable error is what a fault may cause, a
  // non-retryable one fails the test.
  void StepFor(milliseconds duration, std::string* not_ready = nullptr) {
    const auto end = Clock::now() + duration;
    while (Clock::now() < end) {
      auto step = engine_->Step();
      if (!step.ok()) {
        ASSERT_TRUE(step.status().IsRetryable()) << step.status().ToString();
        ++retryable_errors_;
      }
      if (not_ready != nullptr && not_ready->empty()) *not_ready = engine_->NotReadyReason();
    }
  }

  uint64_t Applied(const std::string& id) const {
    auto slot = engine_->pipeline().contributors().Find(id);
    if (!slot) return 0;
    const engine::ContributorStats& stats = engine_->pipeline().contributors().stats(*slot);
    return stats.samples + stats.heldout_samples;
  }

  uint64_t AppliedTotal() const {
    uint64_t total = 0;
    for (const auto& [id, count] : produced_) total += Applied(id);
    return total;
  }

  // Steps until the service is ready or `timeout` passes; the time taken.
  milliseconds StepUntilReady(milliseconds timeout) {
    const auto start = Clock::now();
    while (Clock::now() - start < timeout && !engine_->NotReadyReason().empty()) {
      StepFor(milliseconds(100));
    }
    return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  }

  // Steps until every produced sample is applied or `timeout` passes.
  void CatchUp(milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    while (Clock::now() < end && AppliedTotal() < static_cast<uint64_t>(sent_)) {
      StepFor(milliseconds(200));
    }
  }

  state::TempDir state_;
  std::unique_ptr<connectors::EmbeddedBroker> broker_;
  std::unique_ptr<connectors::RecordProducer> producer_;
  std::unique_ptr<service::EngineService> engine_;
  std::map<std::string, uint64_t> produced_;
  int sent_ = 0;
  int faults_ = 0;
  int retryable_errors_ = 0;
};

TEST_F(BrokerFaultTest, ServiceLosesAndDuplicatesNothingUnderBrokerFaults) {
  ProduceBurst();
  CatchUp(milliseconds(60'000));
  ASSERT_EQ(AppliedTotal(), static_cast<uint64_t>(sent_)) << "no progress before any fault";

  std::vector<std::string> readiness;
  for (int round = 0; round < kRounds; ++round) {
    // 1. Every broker down while the engine keeps stepping, then up.
    ProduceBurst();
    // Ready before the outage (a rebalance from the last round may still
    // be settling), so that not-ready below is the outage's doing.
    StepUntilReady(milliseconds(20'000));
    ASSERT_EQ(engine_->NotReadyReason(), "") << "round " << round;
    for (int b = 1; b <= kBrokers; ++b) ASSERT_TRUE(broker_->SetBrokerDown(b).ok());
    ++faults_;
    std::string not_ready;
    StepFor(milliseconds(3'000), &not_ready);
    EXPECT_EQ(not_ready, "every Kafka broker is down") << "round " << round;
    EXPECT_EQ(engine_->NotReadyReason(), "every Kafka broker is down") << "round " << round;
    for (int b = 1; b <= kBrokers; ++b) ASSERT_TRUE(broker_->SetBrokerUp(b).ok());
    const milliseconds back = StepUntilReady(milliseconds(20'000));
    EXPECT_EQ(engine_->NotReadyReason(), "") << "round " << round;
    readiness.push_back(fmt::format("'{}' while down, ready {} ms after the brokers came back",
                                    not_ready, back.count()));
    CatchUp(milliseconds(60'000));
    EXPECT_EQ(AppliedTotal(), static_cast<uint64_t>(sent_))
        << "after brokers down, round " << round;

    // 2. Every samples partition's leader moves to the next broker.
    ProduceBurst();
    for (int p = 0; p < kPartitions; ++p) {
      ASSERT_TRUE(
          broker_->MovePartitionLeader("anml.samples", p, 1 + (p + round + 1) % kBrokers).ok());
      ++faults_;
    }
    CatchUp(milliseconds(60'000));
    EXPECT_EQ(AppliedTotal(), static_cast<uint64_t>(sent_))
        << "after leader moves, round " << round;

    // 3. The next Fetch requests fail with a retryable error.
    ASSERT_TRUE(
        broker_->PushRequestErrors(kFetchApiKey, 5, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
            .ok());
    faults_ += 5;
    ProduceBurst();
    CatchUp(milliseconds(60'000));
    EXPECT_EQ(AppliedTotal(), static_cast<uint64_t>(sent_))
        << "after fetch errors, round " << round;
  }

  for (const auto& [id, count] : produced_) {
    SCOPED_TRACE(id);
    EXPECT_EQ(Applied(id), count);
  }
  std::printf(
      "faults injected: %d (brokers down %d times, %d leader moves, %d fetch errors); "
      "%d retryable step errors; samples produced %d, applied exactly once\n",
      faults_, kRounds, kRounds * kPartitions, kRounds * 5, retryable_errors_, sent_);
  for (const std::string& line : readiness) std::printf("readiness: %s\n", line.c_str());
}

TEST_F(BrokerFaultTest, FaultControlsRejectUnknownBrokers) {
  EXPECT_EQ(broker_->SetBrokerDown(0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(broker_->SetBrokerUp(kBrokers + 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(broker_->MovePartitionLeader("anml.samples", 0, 7).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(broker_->PushRequestErrors(kFetchApiKey, -1, RD_KAFKA_RESP_ERR_NO_ERROR).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace anml
