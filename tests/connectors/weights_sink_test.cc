// Integration tests of the weights sink against the embedded broker: the
// weights it publishes are read back by an external consumer
// (confluent-kafka), the publication policy holds, and a cluster that
// cannot create the topic is reported rather than ignored.
#include "connectors/weights_sink.h"

#include <chrono>

#include <gtest/gtest.h>

#include "connectors/embedded_broker.h"
#include "tests/connectors/external_client.h"

namespace anml::connectors {
namespace {

using std::chrono::milliseconds;

class WeightsSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = EmbeddedBroker::Start({});
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::move(*broker);
  }

  WeightsSinkOptions Options() const {
    WeightsSinkOptions options;
    options.kafka = broker_->client_config();
    options.policy.min_change = 0.05;
    options.policy.max_interval = milliseconds(1000);
    return options;
  }

  static WeightRecord Weight(const std::string& contributor, double weight) {
    WeightRecord record;
    record.contributor = contributor;
    record.weight = weight;
    record.q = 0.5;
    record.served_scheme = "contributor";
    record.model_version = 3;
    record.time_ms = 1764763200000;
    return record;
  }

  std::unique_ptr<EmbeddedBroker> broker_;
};

TEST_F(WeightsSinkTest, ExternalConsumerReadsPublishedWeights) {
  auto sink = WeightsSink::Create(Options());
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  auto now = WeightsSink::Clock::now();
  for (int i = 0; i < 5; ++i) {
    auto offered = (*sink)->Offer(Weight("lab-" + std::to_string(i), 0.1 * i), now);
    ASSERT_TRUE(offered.ok());
    EXPECT_TRUE(*offered);
  }
  ASSERT_TRUE((*sink)->Flush(milliseconds(10000)).ok());
  EXPECT_EQ((*sink)->published(), 5u);

  auto read = testing::PythonConsume(broker_->bootstrap_servers(), "anml.weights", 5, 30);
  ASSERT_EQ(read.size(), 5u);
  for (const auto& message : read) {
    auto decoded = DecodeWeightRecord(message["value"].get<std::string>());
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(message["key"], decoded->contributor);
    int i = std::stoi(decoded->contributor.substr(4));
    EXPECT_EQ(*decoded, Weight(decoded->contributor, 0.1 * i));
  }
}

TEST_F(WeightsSinkTest, PublishesOnlyOnChangeOrAfterMaxInterval) {
  auto sink = WeightsSink::Create(Options());
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  auto t0 = WeightsSink::Clock::now();
  EXPECT_TRUE(*(*sink)->Offer(Weight("lab-1", 0.50), t0));
  EXPECT_FALSE(*(*sink)->Offer(Weight("lab-1", 0.53), t0 + milliseconds(10)));
  EXPECT_TRUE(*(*sink)->Offer(Weight("lab-1", 0.60), t0 + milliseconds(20)));
  EXPECT_FALSE(*(*sink)->Offer(Weight("lab-1", 0.60), t0 + milliseconds(500)));
  EXPECT_TRUE(*(*sink)->Offer(Weight("lab-1", 0.60), t0 + milliseconds(1020)));
  ASSERT_TRUE((*sink)->Flush(milliseconds(10000)).ok());
  EXPECT_EQ((*sink)->published(), 3u);
}

TEST_F(WeightsSinkTest, MissingTopicOnEmbeddedBrokerIsReportedNotIgnored) {
  WeightsSinkOptions options = Options();
  options.topics.weights = "anml.weights.absent";
  options.admin_timeout = milliseconds(1500);
  auto sink = WeightsSink::Create(options);
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(sink.status().message().find(
                "creating topic 'anml.weights.absent' with cleanup.policy=compact"),
            std::string::npos)
      << sink.status().message();
}

}  // namespace
}  // namespace anml::connectors
