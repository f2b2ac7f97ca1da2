#include "state/contributor_cache.h"

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "engine/pipeline.h"
#include "tests/state/mounted_tmpfs.h"
#include "tests/state/raw_db.h"
#include "tests/state/temp_dir.h"

namespace anml::state {
namespace {

using engine::ContributorStats;
using engine::ContributorTable;

ContributorStats Record(double seed) {
  ContributorStats stats;
  stats.gradient_sum.assign(16, seed);
  stats.samples = static_cast<uint64_t>(seed);
  return stats;
}

class ContributorCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions options;
    options.path = dir_.Sub("store");
    options.block_cache_bytes = size_t{8} << 20;
    options.write_buffer_bytes = size_t{4} << 20;
    auto store = StateStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  // Creates (dirty) records id0..id{n-1} with their index as seed.
  void CreateRecords(int n) {
    for (int i = 0; i < n; ++i) {
      const std::string id = "id" + std::to_string(i);
      const uint32_t slot = table().Intern(id, Record(i));
      ASSERT_TRUE(table().dirty(slot));
    }
  }

  ContributorTable& table() { return residents_.table(); }

  TempDir dir_;
  std::unique_ptr<StateStore> store_;
  TableResidents residents_;
};

TEST_F(ContributorCacheTest, CommitStoresDirtyRecordsAndClearsTheirFlags) {
  ContributorCache cache(store_.get(), &residents_, size_t{1} << 30);
  CreateRecords(3);
  ASSERT_TRUE(cache.Commit(nullptr, {{{"samples", 0}, 3}}).ok());
  EXPECT_TRUE(table().dirty_slots().empty());
  EXPECT_EQ(table().size(), 3u);
  EXPECT_EQ(**store_->Load("id2"), Record(2));
  EXPECT_EQ(store_->Recover()->offsets.at({"samples", 0}), 3);
}

TEST_F(ContributorCacheTest, EvictsLeastRecentlyUsedDownToTheBudget) {
  CreateRecords(10);
  const size_t per_record = table().approximate_bytes() / 10;
  ContributorCache cache(store_.get(), &residents_, 4 * per_record);
  table().Touch(*table().Find("id0"));  // id0 becomes the most recent.
  ASSERT_TRUE(cache.Commit(nullptr, {}).ok());
  EXPECT_EQ(table().size(), 10u) << "nothing is evicted while its write is in flight";
  ASSERT_TRUE(cache.FinishCommit().ok());

  EXPECT_LE(table().approximate_bytes(), 4 * per_record);
  EXPECT_EQ(table().size(), 4u);
  for (const char* kept : {"id0", "id9", "id8", "id7"}) {
    SCOPED_TRACE(kept);
    EXPECT_TRUE(table().Find(kept).has_value());
  }
  EXPECT_FALSE(table().Find("id1").has_value());
  EXPECT_EQ(cache.stats().evictions_total, 6u);
  EXPECT_EQ(**store_->Load("id1"), Record(1)) << "an evicted record must be in the store";
}

TEST_F(ContributorCacheTest, EnsureResidentLoadsStoredRecordsClean) {
  ContributorCache cache(store_.get(), &residents_, 0);
  CreateRecords(2);
  ASSERT_TRUE(cache.Commit(nullptr, {}).ok());
  ASSERT_TRUE(cache.FinishCommit().ok());
  ASSERT_EQ(table().size(), 0u) << "a zero budget evicts everything";

  const std::vector<std::string_view> ids = {"id1", "new", "id1", "id0"};
  auto metadata = cache.EnsureResident(ids);
  ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
  EXPECT_TRUE(metadata->empty());
  ASSERT_TRUE(table().Find("id1").has_value());
  EXPECT_EQ(table().stats(*table().Find("id1")), Record(1));
  EXPECT_FALSE(table().dirty(*table().Find("id1")));
  EXPECT_FALSE(table().Find("new").has_value());

  const std::vector<std::string_view> again = {"id0"};
  ASSERT_TRUE(cache.EnsureResident(again).ok());
  const CacheStats stats = cache.stats();
  EXPECT_EQ(stats.misses_total, 3u) << "id1, new and id0, each read once";
  EXPECT_EQ(stats.loads_total, 2u);
  EXPECT_EQ(stats.hits_total, 2u) << "the repeat of id1, then the resident id0";
}

TEST_F(ContributorCacheTest, ReturnsStoredMetadataOfUnseenContributors) {
  ContributorCache cache(store_.get(), &residents_, size_t{1} << 30);
  const ContributorMetadata verified{engine::Verification::kVerified, 0.9};
  ASSERT_TRUE(cache.Commit(nullptr, {}, {{"fresh", verified}}).ok());
  const std::vector<std::string_view> ids = {"fresh", "other"};
  auto metadata = cache.EnsureResident(ids);
  ASSERT_TRUE(metadata.ok());
  ASSERT_EQ(metadata->size(), 1u);
  EXPECT_EQ((*metadata)[0].first, "fresh");
  EXPECT_EQ((*metadata)[0].second, verified);
}

TEST_F(ContributorCacheTest, FailedCommitKeepsRecordsDirtyAndResident) {
  ContributorCache cache(store_.get(), &residents_, 0);
  engine::ModelSnapshot newer, older;
  newer.version = 2;
  older.version = 1;
  ASSERT_TRUE(cache.Commit(&newer, {}).ok());
  CreateRecords(2);
  Status status = cache.Commit(&older, {});
  ASSERT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(table().dirty_slots().size(), 2u);
  EXPECT_EQ(table().size(), 2u);
  EXPECT_FALSE(store_->Load("id0")->has_value());
}

// The engine's next step runs while RocksDB writes the previous one: its
// loads must not see stale records, and its changes must not be lost.
TEST_F(ContributorCacheTest, NextStepRunsWhileThePreviousIsWritten) {
  CreateRecords(4);
  const size_t per_record = table().approximate_bytes() / 4;
  ContributorCache cache(store_.get(), &residents_, 2 * per_record);
  ASSERT_TRUE(cache.Commit(nullptr, {{{"samples", 0}, 4}}).ok());
  ASSERT_TRUE(store_->commit_in_flight());

  // The next step: loads a stored-nowhere id, changes id0 again.
  const std::vector<std::string_view> ids = {"id0", "id9"};
  ASSERT_TRUE(cache.EnsureResident(ids).ok());
  const uint32_t id0 = *table().Find("id0");
  table().stats(id0).samples = 100;
  table().MarkDirty(id0);
  ASSERT_TRUE(cache.Commit(nullptr, {{{"samples", 0}, 5}}).ok());

  // Committing the second step finished the first and evicted down to the
  // budget, keeping the changed id0.
  EXPECT_EQ(cache.stats().commits_total, 1u);
  EXPECT_LE(table().size(), 2u);
  ASSERT_TRUE(table().Find("id0").has_value());
  ASSERT_TRUE(cache.FinishCommit().ok());
  EXPECT_EQ(cache.stats().commits_total, 2u);
  EXPECT_FALSE(store_->commit_in_flight());
  EXPECT_EQ((*store_->Load("id0"))->samples, 100u);
  EXPECT_EQ(**store_->Load("id3"), Record(3));
  EXPECT_EQ(store_->Recover()->offsets.at({"samples", 0}), 5);
}

// A write that fails (the disk is full) is reported by the next call, and
// the step's records are dirty again, so nothing of it is lost.
TEST_F(ContributorCacheTest, FailedWriteMarksItsRecordsDirtyAgain) {
  MountedTmpfs disk(dir_.Sub("full"), "size=2m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.error();
  StoreOptions options;
  options.path = dir_.Sub("full") + "/store";
  options.write_buffer_bytes = size_t{64} << 20;  // Never flushes: the log fills the disk.
  auto store = StateStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ContributorCache cache(store->get(), &residents_, size_t{1} << 30);

  // Each step writes 8 new records of about 16 KiB.
  ContributorStats big;
  big.gradient_sum.assign(2048, 0.5);
  Status status;
  int step = 0;
  for (; step < 1000 && status.ok(); ++step) {
    for (int i = 0; i < 8; ++i) table().Intern(fmt::format("s{}-{}", step, i), big);
    status = cache.Commit(nullptr, {{{"samples", 0}, step + 1}});
  }
  ASSERT_EQ(status.code(), StatusCode::kResourceExhausted) << status.ToString();
  // The last Commit() found the previous step's write failed and started
  // nothing: both steps' records are dirty.
  const int last = step - 1;
  ASSERT_GE(last, 1);
  EXPECT_EQ(table().dirty_slots().size(), 16u);
  for (int failed : {last - 1, last}) {
    for (int i = 0; i < 8; ++i) {
      const auto slot = table().Find(fmt::format("s{}-{}", failed, i));
      ASSERT_TRUE(slot.has_value());
      EXPECT_TRUE(table().dirty(*slot)) << "step " << failed << " record " << i;
    }
  }
  EXPECT_FALSE((*store)->commit_in_flight());
  EXPECT_EQ(cache.FinishCommit(), Status::Ok()) << "nothing is left in flight";
}

TEST_F(ContributorCacheTest, CorruptStoredRecordFailsTheLoadNamingTheKey) {
  const std::string path = store_->options().path;
  ASSERT_TRUE(store_->Close().ok());
  {
    RawDb raw(path);
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw.db().Put({}, raw.Family("contributors"), "bad", "\x01\x01garbage").ok());
  }
  SetUp();
  ContributorCache cache(store_.get(), &residents_, 0);
  const std::vector<std::string_view> ids = {"bad"};
  auto loaded = cache.EnsureResident(ids);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(loaded.status().message().find("column family 'contributors': contributor value at "
                                           "key \"bad\": checksum mismatch"),
            std::string::npos)
      << loaded.status().message();
  EXPECT_FALSE(table().Find("bad").has_value());
}

TEST_F(ContributorCacheTest, PipelineCommitsPublishWeightsWithTheModelVersion) {
  engine::EngineConfig config;
  config.dimension = 2;
  auto pipeline = engine::Pipeline::Create(config);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  PipelineResidents residents(pipeline->get());
  ContributorCache cache(store_.get(), &residents, size_t{1} << 30);

  const std::vector<double> x = {0.5, -1.0};
  engine::Sample sample;
  sample.contributor = (*pipeline)->Intern("lab-17");
  sample.features = x;
  sample.label = 1;
  sample.time_ms = 1000;
  sample.key = 1;
  ASSERT_TRUE((*pipeline)->Process(sample).ok());
  const engine::ModelSnapshot model = (*pipeline)->Snapshot();
  ASSERT_TRUE(cache.Commit(&model, {{{"samples", 0}, 1}}).ok());

  auto weight = store_->LoadWeight("lab-17");
  ASSERT_TRUE(weight.ok() && weight->has_value());
  EXPECT_EQ((*weight)->model_version, model.version);
  EXPECT_EQ((*weight)->report.weight, (*pipeline)->Report(sample.contributor).weight);
  EXPECT_EQ(**store_->Load("lab-17"), (*pipeline)->contributors().stats(sample.contributor));
}

}  // namespace
}  // namespace anml::state
