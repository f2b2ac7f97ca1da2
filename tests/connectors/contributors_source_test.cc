// Integration test of the contributors source against the embedded broker,
// fed by confluent-kafka: it replays the topic from the beginning at start,
// follows later records, and dead-letters invalid metadata.
#include "connectors/contributors_source.h"

#include <chrono>

#include <gtest/gtest.h>

#include "connectors/embedded_broker.h"
#include "tests/connectors/external_client.h"

namespace anml::connectors {
namespace {

using std::chrono::milliseconds;

class ContributorsSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = EmbeddedBroker::Start({});
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::move(*broker);
  }

  int Produce(const std::string& key, const nlohmann::json& value, int partition) {
    return testing::PythonProduce(broker_->bootstrap_servers(),
                                  {{{"topic", "anml.contributors"}, {"partition", partition},
                                    {"key", key}, {"value", value}}});
  }

  std::unique_ptr<EmbeddedBroker> broker_;
};

TEST_F(ContributorsSourceTest, ReplaysFromBeginningThenFollows) {
  ASSERT_EQ(Produce("lab-1", R"({"verification":"verified","reputation":0.82})", 0), 0);
  ASSERT_EQ(Produce("lab-2", R"({"verification":"galactic","reputation":0.5})", 1), 0);
  ASSERT_EQ(Produce("lab-3", R"({"verification":"pending","reputation":0.1})", 2), 0);

  ContributorsSourceOptions options;
  options.kafka = broker_->client_config();
  auto source = ContributorsSource::Create(options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  std::vector<ContributorRecord> records;
  ASSERT_TRUE((*source)->CatchUp(milliseconds(20000), &records).ok());
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ((*source)->dead_letter_counters().count(DeadLetterReason::kBadVerification), 1u);

  ASSERT_EQ(Produce("lab-1", nullptr, 0), 0);
  records.clear();
  for (int i = 0; i < 100 && records.empty(); ++i) {
    ASSERT_TRUE((*source)->Poll(milliseconds(200), &records).ok());
  }
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].contributor, "lab-1");
  EXPECT_TRUE(records[0].deleted);
  ASSERT_TRUE((*source)->FlushDeadLetters(milliseconds(10000)).ok());
  auto letters = testing::PythonConsume(broker_->bootstrap_servers(), "anml.deadletter", 1, 20);
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0]["headers"]["anml.error.reason"], "bad_verification");
  EXPECT_EQ(letters[0]["headers"]["anml.source.topic"], "anml.contributors");
}

TEST_F(ContributorsSourceTest, MissingTopicIsNotFound) {
  ContributorsSourceOptions options;
  options.kafka = broker_->client_config();
  options.topics.contributors = "anml.nobody";
  auto source = ContributorsSource::Create(options);
  EXPECT_EQ(source.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(source.status().message(), "topic 'anml.nobody' does not exist on the cluster");
}

}  // namespace
}  // namespace anml::connectors
