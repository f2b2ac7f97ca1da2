#include "state/state_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <sys/mount.h>

#include "state/record_codec.h"
#include "tests/state/mounted_tmpfs.h"
#include "tests/state/raw_db.h"
#include "tests/state/temp_dir.h"

namespace anml::state {
namespace {

using engine::ContributorStats;
using engine::ModelSnapshot;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

ContributorStats Record(double seed) {
  ContributorStats stats;
  stats.reputation = seed / 10.0;
  stats.gradient_sum = {seed, -seed, 0.5};
  stats.samples = static_cast<uint64_t>(seed);
  stats.attribution = seed * 0.25;
  return stats;
}

ModelSnapshot Model(uint64_t version) {
  ModelSnapshot model;
  model.version = version;
  model.reals["theta"] = {1.0 * static_cast<double>(version), 2.0};
  model.integers["pipeline"] = {static_cast<int64_t>(version)};
  model.texts["reference.members"] = {"c1"};
  return model;
}

class StateStoreTest : public ::testing::Test {
 protected:
  StoreOptions Options() const {
    StoreOptions options;
    options.path = dir_.Sub("store");
    options.block_cache_bytes = size_t{8} << 20;
    options.write_buffer_bytes = size_t{4} << 20;
    return options;
  }

  std::unique_ptr<StateStore> OpenOrDie(StoreOptions options) {
    StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Writes `value` under `key` into a column family, bypassing the codec.
  void PutRaw(const std::string& family, const std::string& key, const std::string& value) {
    RawDb raw(Options().path);
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw.db().Put({}, raw.Family(family), key, value).ok());
  }

  TempDir dir_;
};

TEST_F(StateStoreTest, NewStoreRecoversNothing) {
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  StatusOr<RecoveredState> state = store->Recover();
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_FALSE(state->model.has_value());
  EXPECT_TRUE(state->offsets.empty());
  EXPECT_FALSE(store->Load("c1")->has_value());
}

TEST_F(StateStoreTest, CommittedStepSurvivesReopen) {
  const ContributorStats c1 = Record(1), c2 = Record(2);
  const ModelSnapshot model = Model(3);
  {
    auto store = OpenOrDie(Options());
    ASSERT_NE(store, nullptr);
    CommitBatch batch;
    batch.contributors = {{"c1", &c1, std::nullopt}, {"c2", &c2, std::nullopt}};
    batch.model = &model;
    batch.offsets[{"samples", 0}] = 100;
    batch.offsets[{"samples", 1}] = 7;
    ASSERT_TRUE(store->Commit(batch).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  StatusOr<RecoveredState> state = store->Recover();
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  ASSERT_TRUE(state->model.has_value());
  EXPECT_EQ(*state->model, model);
  EXPECT_EQ(state->offsets, (OffsetMap{{{"samples", 0}, 100}, {{"samples", 1}, 7}}));
  EXPECT_EQ(**store->Load("c1"), c1);
  EXPECT_EQ(**store->Load("c2"), c2);
  EXPECT_EQ(*store->CountContributors(), 2u);
}

// StartCommit() returns before RocksDB has the step; reads other than
// LoadMany() wait for it, and one step at a time is in flight.
TEST_F(StateStoreTest, StartedCommitIsSeenByReadsAndFinishedOnce) {
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  ContributorStats c1 = Record(1);
  const ModelSnapshot model = Model(4);
  CommitBatch batch;
  batch.contributors = {{"c1", &c1, std::nullopt}};
  batch.model = &model;
  batch.offsets[{"samples", 0}] = 10;
  ASSERT_TRUE(store->StartCommit(batch).ok());
  c1.samples = 99;  // Encoded already: the change is not part of the step.
  EXPECT_TRUE(store->commit_in_flight());

  const Status second = store->StartCommit(CommitBatch());
  EXPECT_EQ(second.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.message(),
            "state store '" + Options().path + "': a commit is already in flight; finish it first");

  EXPECT_EQ(**store->Load("c1"), Record(1));
  EXPECT_EQ(store->Recover()->offsets.at({"samples", 0}), 10);
  EXPECT_TRUE(store->commit_in_flight()) << "reads leave the outcome to FinishCommit()";
  EXPECT_EQ(store->Stats().commits_total, 0u);
  ASSERT_TRUE(store->FinishCommit().ok());
  EXPECT_FALSE(store->commit_in_flight());
  EXPECT_EQ(store->Stats().commits_total, 1u);
  EXPECT_TRUE(store->FinishCommit().ok()) << "nothing in flight";
  EXPECT_EQ(store->Stats().commits_total, 1u);
}

TEST_F(StateStoreTest, CloseWritesTheCommitInFlight) {
  const ContributorStats c1 = Record(1);
  {
    auto store = OpenOrDie(Options());
    ASSERT_NE(store, nullptr);
    CommitBatch batch;
    batch.contributors = {{"c1", &c1, std::nullopt}};
    batch.offsets[{"samples", 0}] = 3;
    ASSERT_TRUE(store->StartCommit(batch).ok());
    ASSERT_TRUE(store->Close().ok());
    EXPECT_FALSE(store->commit_in_flight());
  }
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Recover()->offsets.at({"samples", 0}), 3);
  EXPECT_EQ(**store->Load("c1"), c1);
}

TEST_F(StateStoreTest, LoadManyAnswersEachIdInOrder) {
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  const ContributorStats c2 = Record(2);
  CommitBatch batch;
  batch.contributors = {{"c2", &c2, std::nullopt}};
  ASSERT_TRUE(store->Commit(batch).ok());
  const std::vector<std::string_view> ids = {"c1", "c2", "c3"};
  auto loaded = store->LoadMany(ids);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 3u);
  EXPECT_FALSE((*loaded)[0].has_value());
  EXPECT_EQ((*loaded)[1], c2);
  EXPECT_FALSE((*loaded)[2].has_value());
  EXPECT_EQ(store->Stats().loads_total, 3u);
  EXPECT_EQ(store->Stats().loads_found_total, 1u);
}

// Ids in id order skip RocksDB's sort of the keys; out of order they are
// sorted there, and either way result i answers ids[i].
TEST_F(StateStoreTest, LoadManyAnswersIdsOutOfOrder) {
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  const ContributorStats c1 = Record(1);
  const ContributorStats c3 = Record(3);
  CommitBatch batch;
  batch.contributors = {{"c1", &c1, std::nullopt}, {"c3", &c3, std::nullopt}};
  ASSERT_TRUE(store->Commit(batch).ok());
  const std::vector<std::string_view> ids = {"c3", "c2", "c1", "c3"};
  auto loaded = store->LoadMany(ids);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 4u);
  EXPECT_EQ((*loaded)[0], c3);
  EXPECT_FALSE((*loaded)[1].has_value());
  EXPECT_EQ((*loaded)[2], c1);
  EXPECT_EQ((*loaded)[3], c3);
}

// The ContributorCache keeps decoded records, so reading a contributor
// must not also keep its raw block; metadata reads still fill the cache,
// which shows the usage figure does move when blocks are added.
TEST_F(StateStoreTest, ContributorLoadsLeaveDataBlocksOutOfTheBlockCache) {
  constexpr int kContributors = 2000;
  std::vector<std::string> ids;
  for (int i = 0; i < kContributors; ++i) ids.push_back("contributor-" + std::to_string(i));
  {
    auto store = OpenOrDie(Options());
    ASSERT_NE(store, nullptr);
    const ContributorStats record = Record(1);
    CommitBatch batch;
    for (const std::string& id : ids) {
      batch.contributors.push_back({id, &record, std::nullopt});
      batch.metadata.emplace_back(id, ContributorMetadata{engine::Verification::kVerified, 0.9});
    }
    ASSERT_TRUE(store->Commit(batch).ok());
    ASSERT_TRUE(store->Close().ok());  // Flushes: reads now go to table files.
  }
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  const uint64_t at_open = store->Stats().block_cache_usage_bytes;

  const std::vector<std::string_view> views(ids.begin(), ids.end());
  auto loaded = store->LoadMany(views);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(store->Stats().loads_found_total, static_cast<uint64_t>(kContributors));
  ASSERT_TRUE(store->Load(ids.back())->has_value());
  EXPECT_EQ(store->Stats().block_cache_usage_bytes, at_open);

  auto metadata = store->LoadMetadataMany(views);
  ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
  ASSERT_TRUE((*metadata)[0].has_value());
  EXPECT_GT(store->Stats().block_cache_usage_bytes, at_open);
}

TEST_F(StateStoreTest, MetadataAndWeightsAreStoredBesideRecords) {
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  const ContributorStats c1 = Record(1);
  StoredWeight weight;
  weight.report.weight = 1.25;
  weight.model_version = 4;
  CommitBatch batch;
  batch.contributors = {{"c1", &c1, weight}};
  batch.metadata = {{"unseen", {engine::Verification::kVerified, 0.9}}};
  ASSERT_TRUE(store->Commit(batch).ok());
  EXPECT_EQ((*store->LoadWeight("c1"))->report.weight, 1.25);
  EXPECT_EQ((*store->LoadMetadata("unseen"))->verification, engine::Verification::kVerified);
  EXPECT_FALSE(store->LoadMetadata("c1")->has_value());
  EXPECT_FALSE(store->Load("unseen")->has_value());
}

TEST_F(StateStoreTest, KeepsOnlyTheNewestModels) {
  StoreOptions options = Options();
  options.models_kept = 2;
  {
    auto store = OpenOrDie(options);
    ASSERT_NE(store, nullptr);
    for (uint64_t version = 1; version <= 5; ++version) {
      const ModelSnapshot model = Model(version);
      CommitBatch batch;
      batch.model = &model;
      ASSERT_TRUE(store->Commit(batch).ok());
    }
  }
  RawDb raw(options.path);
  ASSERT_TRUE(raw.ok());
  std::vector<uint64_t> versions;
  std::unique_ptr<rocksdb::Iterator> it(raw.db().NewIterator({}, raw.Family("models")));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    versions.push_back(*DecodeModelKey(it->key().ToStringView()));
  }
  EXPECT_EQ(versions, (std::vector<uint64_t>{4, 5}));
}

TEST_F(StateStoreTest, SameModelVersionOverwrites) {
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  ModelSnapshot model = Model(2);
  CommitBatch batch;
  batch.model = &model;
  ASSERT_TRUE(store->Commit(batch).ok());
  model.reals["theta"] = {9.0};
  ASSERT_TRUE(store->Commit(batch).ok());
  EXPECT_EQ(store->Recover()->model->reals.at("theta"), std::vector<double>{9.0});
}

TEST_F(StateStoreTest, IterationVisitsEveryRecordInIdOrder) {
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  const ContributorStats a = Record(1), b = Record(2);
  StoredWeight weight;
  weight.report.weight = 3.0;
  CommitBatch batch;
  batch.contributors = {{"b", &b, weight}, {"a", &a, weight}};
  ASSERT_TRUE(store->Commit(batch).ok());
  std::vector<std::string> ids;
  ASSERT_TRUE(store
                  ->ForEachContributor([&](std::string_view id, const ContributorStats&) {
                    ids.emplace_back(id);
                    return true;
                  })
                  .ok());
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b"}));
  int weights = 0;
  ASSERT_TRUE(store
                  ->ForEachWeight([&](std::string_view, const StoredWeight& w) {
                    weights += w.report.weight == 3.0;
                    return false;  // Stops after the first.
                  })
                  .ok());
  EXPECT_EQ(weights, 1);
}

// Contributor memtables hash their ids and sort them only when iterated; a
// scan must still see every record once, in id order, whether it sits in a
// table file or in memory and in whatever order the commit listed it.
TEST_F(StateStoreTest, ScanSeesFlushedAndUnflushedRecordsInIdOrder) {
  const ContributorStats record = Record(1);
  std::vector<std::string> expected;
  auto commit_ids = [&](StateStore& store, int parity) {
    std::vector<std::string> ids;
    for (int i = parity; i < 400; i += 2) ids.push_back(fmt::format("id-{:03}", i));
    CommitBatch batch;
    for (auto id = ids.rbegin(); id != ids.rend(); ++id) {
      batch.contributors.push_back({*id, &record, std::nullopt});
    }
    ASSERT_TRUE(store.Commit(batch).ok());
    expected.insert(expected.end(), ids.begin(), ids.end());
  };
  {
    auto store = OpenOrDie(Options());
    ASSERT_NE(store, nullptr);
    commit_ids(*store, 0);
    ASSERT_TRUE(store->Close().ok());  // Even ids go to a table file.
  }
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  commit_ids(*store, 1);  // Odd ids stay in the memtable.
  std::sort(expected.begin(), expected.end());

  std::vector<std::string> seen;
  ASSERT_TRUE(store
                  ->ForEachContributor([&](std::string_view id, const ContributorStats&) {
                    seen.emplace_back(id);
                    return true;
                  })
                  .ok());
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(*store->CountContributors(), expected.size());
}

TEST_F(StateStoreTest, StatsCountCommitsAndReadRocksDb) {
  StoreOptions options = Options();
  options.sync = true;
  auto store = OpenOrDie(options);
  ASSERT_NE(store, nullptr);
  const ContributorStats c1 = Record(1);
  CommitBatch batch;
  batch.contributors = {{"c1", &c1, std::nullopt}};
  ASSERT_TRUE(store->Commit(batch).ok());
  ASSERT_TRUE(store->Commit(batch).ok());
  const StoreStats stats = store->Stats();
  EXPECT_EQ(stats.commits_total, 2u);
  EXPECT_EQ(stats.committed_contributors_total, 2u);
  EXPECT_GT(stats.commit_bytes_total, 0u);
  EXPECT_GT(stats.wal_bytes_total, 0u);
  EXPECT_GE(stats.wal_syncs_total, 2u);
  EXPECT_GT(stats.memtable_bytes, 0u);
  EXPECT_EQ(stats.block_cache_capacity_bytes, options.block_cache_bytes);
}

// Error paths. Each asserts on the code and on the text naming the place.

TEST_F(StateStoreTest, CorruptValueNamesStoreFamilyAndKey) {
  { ASSERT_NE(OpenOrDie(Options()), nullptr); }
  std::string value = EncodeContributor(Record(1));
  value[5] = static_cast<char>(value[5] ^ 1);
  PutRaw("contributors", "c1", value);
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  auto loaded = store->Load("c1");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(loaded.status().message(),
                       "state store '" + Options().path +
                           "', column family 'contributors': contributor value at key \"c1\": "
                           "checksum mismatch"))
      << loaded.status().message();
  Status scanned = store->ForEachContributor([](auto, const auto&) { return true; });
  EXPECT_EQ(scanned.code(), StatusCode::kDataLoss);
}

TEST_F(StateStoreTest, UnknownVersionFailsRecovery) {
  { ASSERT_NE(OpenOrDie(Options()), nullptr); }
  std::string value = EncodeOffset(5);
  value[0] = 2;
  PutRaw("offsets", *OffsetKey({"samples", 3}), value);
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  StatusOr<RecoveredState> state = store->Recover();
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(state.status().message(),
                       "column family 'offsets': offset value at key \"\\x00\\x07samples\\x00"
                       "\\x00\\x00\\x03\": unknown format version 2 (this build reads version 1)"))
      << state.status().message();
}

TEST_F(StateStoreTest, MissingColumnFamilyIsDataLoss) {
  { ASSERT_NE(OpenOrDie(Options()), nullptr); }
  {
    RawDb raw(Options().path);
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw.db().DropColumnFamily(raw.Family("offsets")).ok());
  }
  StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(Options());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(store.status().message(),
            "state store '" + Options().path +
                "': column family 'offsets' is missing (found: default, contributors, metadata, "
                "weights, models)");
}

TEST_F(StateStoreTest, ForeignDatabaseIsNotAStateStore) {
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, Options().path, &db).ok());
    for (const char* name : {"contributors", "metadata", "weights", "models", "offsets"}) {
      rocksdb::ColumnFamilyHandle* handle = nullptr;
      ASSERT_TRUE(db->CreateColumnFamily({}, name, &handle).ok());
      ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    }
    delete db;
  }
  StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(Options());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(store.status().message(),
                       "key \"anml.store.layout\" is missing in column family 'default'"))
      << store.status().message();
}

TEST_F(StateStoreTest, MissingStoreWithoutCreateIsNotFound) {
  StoreOptions options = Options();
  options.create_if_missing = false;
  StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.status().message(), "no state store at '" + options.path + "' (no CURRENT file)");
}

TEST_F(StateStoreTest, PathThatIsAFileCannotBeOpened) {
  std::ofstream(Options().path) << "not a directory";
  StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(Options());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(store.status().message(), "opening state store '" + Options().path + "'"))
      << store.status().message();
}

TEST_F(StateStoreTest, InvalidOptionsAndCommitsAreRejected) {
  StoreOptions options = Options();
  options.models_kept = 0;
  EXPECT_EQ(StateStore::Open(options).status().message(),
            "state store '" + options.path + "': models_kept is 0, expected >= 1");

  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  const ContributorStats c1 = Record(1);
  const std::string long_id(300, 'x');
  CommitBatch batch;
  batch.contributors = {{"ok", &c1, std::nullopt}, {long_id, &c1, std::nullopt}};
  Status status = store->Commit(batch);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(status.message(), "is 300 bytes, at most 256 allowed")) << status.message();
  EXPECT_FALSE(store->Load("ok")->has_value()) << "a rejected step must write nothing";

  batch.contributors = {{"c1", nullptr, std::nullopt}};
  EXPECT_EQ(store->Commit(batch).message(), "commit: contributor \"c1\" has no record");

  const ModelSnapshot newer = Model(5), older = Model(4);
  CommitBatch models;
  models.model = &newer;
  ASSERT_TRUE(store->Commit(models).ok());
  models.model = &older;
  EXPECT_EQ(store->Commit(models).message(),
            "state store '" + Options().path +
                "': commit of model version 4, but version 5 is already stored");
}

TEST_F(StateStoreTest, ReadOnlyAndClosedStoresRefuseCommits) {
  { ASSERT_NE(OpenOrDie(Options()), nullptr); }
  StoreOptions options = Options();
  options.read_only = true;
  auto store = OpenOrDie(options);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Commit(CommitBatch()).message(),
            "state store '" + options.path + "' is open read-only");
  ASSERT_TRUE(store->Close().ok());
  EXPECT_EQ(store->Commit(CommitBatch()).message(), "state store '" + options.path + "' is closed");
  EXPECT_EQ(store->Load("c1").status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(StateStoreTest, ReadOnlyFileSystemIsFailedPrecondition) {
  MountedTmpfs disk(dir_.Sub("ro"), "size=16m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.error();
  StoreOptions options = Options();
  options.path = dir_.Sub("ro") + "/store";
  {
    auto store = OpenOrDie(options);
    ASSERT_NE(store, nullptr);
  }
  ASSERT_TRUE(disk.Remount(MS_RDONLY).ok());
  StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(store.status().message(), "opening state store '" + options.path + "'"))
      << store.status().message();
  EXPECT_TRUE(Contains(store.status().message(), "Read-only file system"))
      << store.status().message();

  // The same store still opens for inspection.
  options.read_only = true;
  EXPECT_TRUE(StateStore::Open(options).ok());
}

TEST_F(StateStoreTest, FullDiskIsResourceExhausted) {
  MountedTmpfs disk(dir_.Sub("full"), "size=2m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.error();
  StoreOptions options = Options();
  options.path = dir_.Sub("full") + "/store";
  options.write_buffer_bytes = size_t{64} << 20;  // Never flushes: the log fills the disk.
  auto store = OpenOrDie(options);
  ASSERT_NE(store, nullptr);

  ContributorStats big;
  big.gradient_sum.assign(2048, 0.5);  // About 16 KiB per record.
  const std::vector<std::string> ids = {"a", "b", "c", "d", "e", "f", "g", "h"};
  Status status;
  for (int step = 0; step < 1000 && status.ok(); ++step) {
    CommitBatch batch;
    for (const std::string& id : ids) batch.contributors.push_back({id, &big, std::nullopt});
    batch.offsets[{"samples", 0}] = step + 1;
    status = store->Commit(batch);
  }
  ASSERT_FALSE(status.ok()) << "2 MiB filled without an error";
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted) << status.ToString();
  EXPECT_TRUE(Contains(status.message(), "committing to state store '" + options.path + "'"))
      << status.message();
  EXPECT_TRUE(Contains(status.message(), "No space left on device")) << status.message();

  Status again = store->Commit(CommitBatch());
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(again.message(),
                       "takes no commits after a failed write; reopen it. The "
                       "first failure: ResourceExhausted: committing"))
      << again.message();
}

}  // namespace
}  // namespace anml::state
