// Integration tests of the samples source against the embedded broker, fed
// by real external clients (kcat, confluent-kafka). They prove that samples
// arrive decoded and in order per partition, that every kind of malformed
// record lands on the dead-letter topic with the documented headers while
// the valid records around it go through, that assignment seeks to the
// state store's offsets, that a rebalance between two members of one
// group loses no record, that Lag() counts the records not yet polled, and
// that a broker outage is reported until a broker answers again.
#include "connectors/samples_source.h"

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "connectors/embedded_broker.h"
#include "tests/connectors/external_client.h"

namespace anml::connectors {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = std::chrono::seconds(30);

std::string Sample(const std::string& contributor, int id, int dimension = 2) {
  std::string features;
  for (int f = 0; f < dimension; ++f) features += fmt::format("{}{}.5", f ? "," : "", f);
  return fmt::format(R"({{"contributor":"{}","features":[{}],"label":{},"time":{},"id":"s-{}"}})",
                     contributor, features, id % 2, 1764763200000 + id, id);
}

class SamplesSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmbeddedBrokerOptions options;
    options.partitions = 2;
    auto broker = EmbeddedBroker::Start(options);
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::move(*broker);
  }

  SamplesSourceOptions Options(const std::string& group) const {
    SamplesSourceOptions options;
    options.kafka = broker_->client_config();
    options.group_id = group;
    options.schema.dimension = 2;
    options.max_batch = 64;
    return options;
  }

  // Polls until `want` records (valid plus dead-lettered) were read.
  static std::vector<SampleRecord> ReadUntil(SamplesSource& source, size_t want,
                                             size_t* dead_lettered = nullptr) {
    std::vector<SampleRecord> out;
    size_t dead = 0;
    SampleBatch batch;
    const Clock::time_point limit = Clock::now() + kDeadline;
    while (out.size() + dead < want && Clock::now() < limit) {
      Status status = source.Poll(milliseconds(200), &batch);
      EXPECT_TRUE(status.ok()) << status.ToString();
      out.insert(out.end(), batch.records().begin(), batch.records().end());
      dead += batch.dead_lettered();
    }
    if (dead_lettered != nullptr) *dead_lettered = dead;
    return out;
  }

  std::unique_ptr<EmbeddedBroker> broker_;
};

TEST_F(SamplesSourceTest, DeliversKcatSamplesDecodedAndInOrderPerPartition) {
  std::vector<std::string> lines;
  constexpr int kRecords = 200;
  for (int i = 0; i < kRecords; ++i) {
    std::string contributor = fmt::format("lab-{}", i % 7);
    lines.push_back(contributor + "|" + Sample(contributor, i));
  }
  ASSERT_EQ(testing::KcatProduce(broker_->bootstrap_servers(), "anml.samples", lines), 0);

  auto source = SamplesSource::Create(Options("ordered"));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  std::vector<SampleRecord> records = ReadUntil(**source, kRecords);
  ASSERT_EQ(records.size(), static_cast<size_t>(kRecords));

  std::map<int32_t, int64_t> last_offset;
  std::map<std::string, int> last_id;
  for (const SampleRecord& r : records) {
    ASSERT_EQ(r.features, (std::vector<double>{0.5, 1.5}));
    int id = std::stoi(r.id.substr(2));
    EXPECT_EQ(r.time_ms, 1764763200000 + id);
    EXPECT_EQ(r.label, id % 2);
    auto offset = last_offset.find(r.partition);
    if (offset != last_offset.end()) {
      EXPECT_EQ(r.offset, offset->second + 1);
    }
    last_offset[r.partition] = r.offset;
    // One contributor's samples share a partition, so they keep their order.
    auto previous = last_id.find(r.contributor);
    if (previous != last_id.end()) {
      EXPECT_GT(id, previous->second) << r.contributor;
    }
    last_id[r.contributor] = id;
  }
  EXPECT_EQ((*source)->dead_letter_counters().total(), 0u);
}

TEST_F(SamplesSourceTest, DeadLettersEachMalformedRecordWithHeadersAndKeepsTheRest) {
  struct Bad {
    std::string key;
    nlohmann::json value;
    const char* reason;
  };
  const std::vector<Bad> bad = {
      {"lab-1", "{not json", "bad_json"},
      {"lab-1", R"({"features":[1,2],"label":1})", "missing_contributor"},
      {"", R"({"contributor":")" + std::string(300, 'x') + R"(","features":[1,2],"label":1})",
       "oversized_contributor"},
      {"lab-1", R"({"contributor":"lab-1","features":[1,NaN],"label":1})", "bad_feature"},
      {"lab-1", R"({"contributor":"lab-1","features":[1,2,3],"label":1})", "wrong_dimension"},
      {"lab-1", R"({"contributor":"lab-1","features":[1,2],"label":7})", "bad_label"},
      {"lab-1", R"({"contributor":"lab-1","features":[1,2],"label":1,"time":"noon"})", "bad_time"},
      {"lab-1", nullptr, "empty_value"},
      {"lab-2", Sample("lab-1", 0), "key_mismatch"},
  };
  // valid, bad, valid, bad, ..., valid — all on partition 0, in order.
  std::vector<nlohmann::json> messages;
  auto add = [&](const std::string& key, const nlohmann::json& value) {
    messages.push_back({{"topic", "anml.samples"},
                        {"partition", 0},
                        {"key", key},
                        {"value", value},
                        {"headers", {{"trace", "t-1"}}}});
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    add("lab-1", Sample("lab-1", static_cast<int>(i)));
    add(bad[i].key, bad[i].value);
  }
  add("lab-1", Sample("lab-1", 99));
  ASSERT_EQ(testing::PythonProduce(broker_->bootstrap_servers(), messages), 0);

  auto source = SamplesSource::Create(Options("dead-letters"));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  size_t dead = 0;
  std::vector<SampleRecord> records = ReadUntil(**source, messages.size(), &dead);
  ASSERT_EQ(records.size(), bad.size() + 1);
  EXPECT_EQ(dead, bad.size());
  for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].offset, 2 * i);
  ASSERT_TRUE((*source)->FlushDeadLetters(milliseconds(10000)).ok());
  EXPECT_EQ((*source)->dead_letter_counters().total(), bad.size());
  EXPECT_EQ((*source)->dead_letter_counters().count(DeadLetterReason::kKeyMismatch), 1u);

  auto letters = testing::PythonConsume(broker_->bootstrap_servers(), "anml.deadletter",
                                        static_cast<int>(bad.size()), 30);
  ASSERT_EQ(letters.size(), bad.size());
  std::map<int64_t, nlohmann::json> by_offset;
  for (const auto& letter : letters) {
    by_offset[std::stoll(letter["headers"]["anml.source.offset"].get<std::string>())] = letter;
  }
  for (size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE(bad[i].reason);
    const int64_t offset = static_cast<int64_t>(2 * i + 1);
    ASSERT_TRUE(by_offset.count(offset));
    const auto& letter = by_offset[offset];
    const auto& headers = letter["headers"];
    EXPECT_EQ(headers["anml.error.reason"], bad[i].reason);
    EXPECT_EQ(headers["anml.source.topic"], "anml.samples");
    EXPECT_EQ(headers["anml.source.partition"], "0");
    EXPECT_EQ(headers["trace"], "t-1");
    EXPECT_NE(headers["anml.error.message"].get<std::string>().find(
                  fmt::format("anml.samples[0]@{}: ", offset)),
              std::string::npos);
    EXPECT_EQ(letter["value"], bad[i].value);
    EXPECT_EQ(letter["key"], bad[i].key);
  }
}

TEST_F(SamplesSourceTest, SeeksToOffsetsFromTheProviderAndReportsResumeOffsets) {
  std::vector<nlohmann::json> messages;
  for (int i = 0; i < 10; ++i) {
    messages.push_back({{"topic", "anml.samples"},
                        {"partition", i % 2},
                        {"key", "lab-1"},
                        {"value", Sample("lab-1", i)}});
  }
  ASSERT_EQ(testing::PythonProduce(broker_->bootstrap_servers(), messages), 0);
  SamplesSourceOptions options = Options("seek");
  options.offsets = [](const std::string& topic, int32_t partition) -> std::optional<int64_t> {
    EXPECT_EQ(topic, "anml.samples");
    if (partition == 0) return 3;
    return std::nullopt;  // Partition 1 starts from the earliest offset.
  };
  auto source = SamplesSource::Create(std::move(options));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  std::vector<SampleRecord> records = ReadUntil(**source, 2 + 5);
  ASSERT_EQ(records.size(), 7u);
  std::set<std::pair<int32_t, int64_t>> seen;
  for (const auto& r : records) seen.insert({r.partition, r.offset});
  EXPECT_EQ(seen.count({0, 2}), 0u);
  EXPECT_EQ(seen.count({0, 3}), 1u);
  EXPECT_EQ(seen.count({1, 0}), 1u);

  std::vector<PartitionOffset> resume = {{"anml.samples", 0, 5}, {"anml.samples", 1, 5}};
  EXPECT_TRUE((*source)->CommitGroupOffsets(resume).ok());
}

TEST_F(SamplesSourceTest, RebalanceBetweenTwoMembersLosesNoRecord) {
  // The shared "state store": offsets committed after each applied batch.
  std::map<int32_t, int64_t> store;
  auto provider = [&store](const std::string&, int32_t p) -> std::optional<int64_t> {
    auto it = store.find(p);
    if (it == store.end()) return std::nullopt;
    return it->second;
  };
  auto produce = [&](int first, int count) {
    std::vector<nlohmann::json> messages;
    for (int i = first; i < first + count; ++i) {
      messages.push_back({{"topic", "anml.samples"},
                          {"partition", i % 2},
                          {"key", "lab-1"},
                          {"value", Sample("lab-1", i)}});
    }
    ASSERT_EQ(testing::PythonProduce(broker_->bootstrap_servers(), messages), 0);
  };
  std::set<std::string> delivered;
  SampleBatch batch;
  auto step = [&](SamplesSource& source) {
    ASSERT_TRUE(source.Poll(milliseconds(100), &batch).ok());
    for (const auto& r : batch.records()) delivered.insert(r.id);
    for (const auto& o : batch.next_offsets()) store[o.partition] = o.offset;
  };

  produce(0, 50);
  SamplesSourceOptions options = Options("rebalance");
  options.offsets = provider;
  // Short heartbeats let the first member notice the rebalance quickly.
  options.kafka.properties = {{"heartbeat.interval.ms", "500"}, {"session.timeout.ms", "6000"}};
  auto a = SamplesSource::Create(options);
  ASSERT_TRUE(a.ok());
  const Clock::time_point limit = Clock::now() + kDeadline;
  while (delivered.size() < 50 && Clock::now() < limit) step(**a);

  auto b = SamplesSource::Create(options);
  ASSERT_TRUE(b.ok());
  produce(50, 50);
  while ((delivered.size() < 100 || (*b)->Assignment().empty()) && Clock::now() < limit) {
    step(**a);
    step(**b);
  }
  EXPECT_EQ((*a)->Assignment().size() + (*b)->Assignment().size(), 2u);
  EXPECT_FALSE((*b)->Assignment().empty());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(delivered.count(fmt::format("s-{}", i)), 1u) << i;
}

TEST_F(SamplesSourceTest, LagCountsTheRecordsNotYetPolled) {
  constexpr int kRecords = 100;
  std::vector<nlohmann::json> messages;
  for (int i = 0; i < kRecords; ++i) {
    // Record 5 is dead-lettered; it counts as read like a valid one.
    std::string value = i == 5 ? "not json" : Sample("lab-1", i);
    messages.push_back(
        {{"topic", "anml.samples"}, {"partition", 0}, {"key", "lab-1"}, {"value", value}});
  }
  ASSERT_EQ(testing::PythonProduce(broker_->bootstrap_servers(), messages), 0);
  SamplesSourceOptions options = Options("lag");
  options.max_batch = 16;
  auto source = SamplesSource::Create(std::move(options));
  ASSERT_TRUE(source.ok()) << source.status().ToString();

  // Polls until at least `want` records were read; returns how many were.
  int64_t read = 0;
  SampleBatch batch;
  auto read_until = [&](int64_t want) {
    const Clock::time_point limit = Clock::now() + kDeadline;
    while (read < want && Clock::now() < limit) {
      ASSERT_TRUE((*source)->Poll(milliseconds(200), &batch).ok());
      read += static_cast<int64_t>(batch.size() + batch.dead_lettered());
    }
  };
  // The watermark is cached from fetch responses, which may trail the
  // position by one fetch; wait for it without polling.
  auto settled_lag = [&](int64_t expected) {
    StatusOr<int64_t> lag = (*source)->Lag();
    const Clock::time_point limit = Clock::now() + kDeadline;
    while (lag.ok() && *lag != expected && Clock::now() < limit) {
      std::this_thread::sleep_for(milliseconds(20));
      lag = (*source)->Lag();
    }
    return lag;
  };

  read_until(40);
  ASSERT_GE(read, 40);
  ASSERT_LT(read, kRecords);
  StatusOr<int64_t> lag = settled_lag(kRecords - read);
  ASSERT_TRUE(lag.ok()) << lag.status().ToString();
  EXPECT_EQ(*lag, kRecords - read) << "after reading " << read;

  read_until(kRecords);
  ASSERT_EQ(read, kRecords);
  lag = settled_lag(0);
  ASSERT_TRUE(lag.ok()) << lag.status().ToString();
  EXPECT_EQ(*lag, 0);
  EXPECT_EQ((*source)->dead_letter_counters().total(), 1u);
}

TEST_F(SamplesSourceTest, ReportsBrokersUnreachableUntilOneAnswersAgain) {
  auto source = SamplesSource::Create(Options("outage"));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  SampleBatch batch;
  // Polls until brokers_reachable() reads `want`; false on the deadline.
  auto poll_until = [&](bool want) {
    const Clock::time_point limit = Clock::now() + kDeadline;
    while ((*source)->brokers_reachable() != want && Clock::now() < limit) {
      EXPECT_TRUE((*source)->Poll(milliseconds(100), &batch).ok());
    }
    return (*source)->brokers_reachable() == want;
  };
  ASSERT_TRUE(poll_until(true));
  // Let the consumer connect before the outage, so it has a broker to lose.
  const Clock::time_point joined = Clock::now() + std::chrono::seconds(2);
  while (Clock::now() < joined) ASSERT_TRUE((*source)->Poll(milliseconds(100), &batch).ok());

  ASSERT_TRUE(broker_->SetBrokerDown(1).ok());
  EXPECT_TRUE(poll_until(false)) << "the outage was never reported";
  // Probes fail while the broker stays down.
  const Clock::time_point outage = Clock::now() + 3 * SamplesSource::kProbeInterval;
  while (Clock::now() < outage) ASSERT_TRUE((*source)->Poll(milliseconds(100), &batch).ok());
  EXPECT_FALSE((*source)->brokers_reachable());

  ASSERT_TRUE(broker_->SetBrokerUp(1).ok());
  EXPECT_TRUE(poll_until(true)) << "the broker came back but was never probed";
}

TEST_F(SamplesSourceTest, CreateRejectsInvalidSchemaAndProperties) {
  SamplesSourceOptions options = Options("invalid");
  options.schema.dimension = 0;
  EXPECT_EQ(SamplesSource::Create(options).status().message(),
            "record schema: dimension is 0, expected > 0");
  options = Options("invalid");
  options.kafka.properties["no.such.property"] = "1";
  EXPECT_NE(SamplesSource::Create(options).status().message().find(
                "librdkafka property 'no.such.property' is unknown"),
            std::string::npos);
}

}  // namespace
}  // namespace anml::connectors
