// HashMemTableFactory under a real RocksDB: what reads and iterators see in
// the mutable memtable, after a flush to a table file, and after the log is
// replayed at reopen, checked against an ordered std::map (whose string
// order is bytewise, RocksDB's). Few buckets for many keys, so every chain
// holds many ids.
#include "state/internal/hash_memtable.h"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "tests/state/temp_dir.h"

namespace anml::state::internal {
namespace {

constexpr size_t kExpectedEntries = 32;  // 64 buckets.

class HashMemTableTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  void TearDown() override { Close(); }

  void Open(size_t write_buffer = size_t{4} << 20) {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.allow_concurrent_memtable_write = false;
    options.write_buffer_size = write_buffer;
    options.compression = rocksdb::kNoCompression;  // Table files as large as their data.
    options.memtable_factory = std::make_shared<HashMemTableFactory>(kExpectedEntries);
    rocksdb::DB* db = nullptr;
    const rocksdb::Status status = rocksdb::DB::Open(options, dir_.Sub("db"), &db);
    ASSERT_TRUE(status.ok()) << status.ToString();
    db_.reset(db);
  }
  void Close() {
    if (db_) {
      for (const rocksdb::Snapshot* snapshot : snapshots_) db_->ReleaseSnapshot(snapshot);
      snapshots_.clear();
      ASSERT_TRUE(db_->Close().ok());
      db_.reset();
    }
  }

  void Put(const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), key, value).ok());
    model_[key] = value;
  }
  void Delete(const std::string& key) {
    ASSERT_TRUE(db_->Delete(rocksdb::WriteOptions(), key).ok());
    model_.erase(key);
  }
  const rocksdb::Snapshot* Snapshot() {
    snapshots_.push_back(db_->GetSnapshot());
    return snapshots_.back();
  }

  // The value of `key`, "<none>" when not found.
  std::string Get(const std::string& key, const rocksdb::Snapshot* snapshot = nullptr) {
    rocksdb::ReadOptions read;
    read.snapshot = snapshot;
    std::string value;
    const rocksdb::Status status = db_->Get(read, key, &value);
    if (status.IsNotFound()) return "<none>";
    EXPECT_TRUE(status.ok()) << status.ToString();
    return value;
  }

  // A random key and 2,000 more, several written twice or deleted, with
  // keys that are prefixes of others, a zero byte and bytes above 0x7f.
  void WriteMixedKeys() {
    for (const std::string& key : {std::string("a"), std::string("a\0", 2), std::string("ab"),
                                  std::string("b"), std::string("\x80"), std::string("\xff\xff"),
                                  std::string(1, '\0')}) {
      std::string value = "edge ";
      Put(key, value.append(key));
    }
    std::mt19937_64 rng(7);
    for (int i = 0; i < 2000; ++i) {
      const std::string key = fmt::format("k{}", rng() % 1500);
      if (i % 7 == 3) {
        Delete(key);
      } else {
        Put(key, fmt::format("v{}", i));
      }
    }
  }

  // Forward and backward iteration, and seeks, against the model.
  void ExpectIterationMatchesModel() {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    std::map<std::string, std::string> seen;
    std::string previous;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!seen.empty()) {
        EXPECT_LT(previous, it->key().ToString());
      }
      previous = it->key().ToString();
      seen[previous] = it->value().ToString();
    }
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_EQ(seen, model_);

    auto expected = model_.rbegin();
    for (it->SeekToLast(); it->Valid(); it->Prev(), ++expected) {
      ASSERT_NE(expected, model_.rend());
      EXPECT_EQ(it->key().ToString(), expected->first);
    }
    EXPECT_EQ(expected, model_.rend());

    for (const std::string& target : {std::string("k5"), std::string("a"), std::string("k"),
                                     std::string("zzz"), std::string("\x81")}) {
      it->Seek(target);
      const auto at_or_after = model_.lower_bound(target);
      ASSERT_EQ(it->Valid(), at_or_after != model_.end()) << target;
      if (it->Valid()) {
        EXPECT_EQ(it->key().ToString(), at_or_after->first);
      }

      it->SeekForPrev(target);
      auto after = model_.upper_bound(target);
      ASSERT_EQ(it->Valid(), after != model_.begin()) << target;
      if (it->Valid()) {
        EXPECT_EQ(it->key().ToString(), (--after)->first);
      }
    }
  }

  TempDir dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<const rocksdb::Snapshot*> snapshots_;
  std::map<std::string, std::string> model_;
};

TEST_F(HashMemTableTest, ReadsSeeTheNewestVersionAtTheirSnapshot) {
  Open();
  Put("c", "1");
  const rocksdb::Snapshot* first = Snapshot();
  Put("c", "2");
  Put("d", "x");
  const rocksdb::Snapshot* second = Snapshot();
  Put("c", "3");
  Delete("d");

  EXPECT_EQ(Get("c"), "3");
  EXPECT_EQ(Get("c", first), "1");
  EXPECT_EQ(Get("c", second), "2");
  EXPECT_EQ(Get("d"), "<none>");
  EXPECT_EQ(Get("d", first), "<none>");
  EXPECT_EQ(Get("d", second), "x");
  EXPECT_EQ(Get("e"), "<none>");

  // MultiGet takes the same path, key by key.
  const std::vector<rocksdb::Slice> keys = {"c", "d", "e"};
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), keys.size(), keys.data(),
                values.data(), statuses.data());
  ASSERT_TRUE(statuses[0].ok());
  EXPECT_EQ(values[0].ToString(), "3");
  EXPECT_TRUE(statuses[1].IsNotFound());
  EXPECT_TRUE(statuses[2].IsNotFound());
}

TEST_F(HashMemTableTest, IteratesInBytewiseOrderBeforeAndAfterAFlush) {
  Open();
  WriteMixedKeys();
  ExpectIterationMatchesModel();

  // The flush writes the memtable to a table file through its iterator;
  // RocksDB refuses keys out of order there.
  ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions()).ok());
  std::string files;
  ASSERT_TRUE(db_->GetProperty("rocksdb.num-files-at-level0", &files));
  EXPECT_EQ(files, "1");
  ExpectIterationMatchesModel();
  for (const auto& [key, value] : model_) EXPECT_EQ(Get(key), value) << key;
}

// The sort ranks keys by eight bytes after the prefix they all share: here
// a long one, keys that differ only past those eight bytes, and keys that
// end inside them or at the shared prefix itself.
TEST_F(HashMemTableTest, IteratesInBytewiseOrderWhenKeysShareALongPrefix) {
  Open();
  const std::string shared = "contributor-";
  for (const std::string& tail :
       {std::string(), std::string(1, '\0'), std::string("\0\0", 2), std::string("0"),
        std::string("00000000"), std::string("00000000\xff"), std::string("\xff\xff"),
        std::string("0000000"), std::string("00000000000000000001")}) {
    Put(shared + tail, "edge");
  }
  std::mt19937_64 rng(11);
  for (int i = 0; i < 1000; ++i) {
    // Twenty digits: most keys agree on the first eight after the prefix.
    Put(shared + fmt::format("{:020}", rng() % 100000), fmt::format("v{}", i));
  }
  ExpectIterationMatchesModel();
  ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions()).ok());
  ExpectIterationMatchesModel();
}

TEST_F(HashMemTableTest, ReplaysTheLogIntoANewMemtableAtReopen) {
  Open();
  WriteMixedKeys();
  Close();
  Open();
  ExpectIterationMatchesModel();
  EXPECT_EQ(Get("k1500"), "<none>");
}

TEST_F(HashMemTableTest, SmallMemtablesFillAndFlushByTheirReportedSize) {
  Open(/*write_buffer=*/size_t{64} << 10);
  const std::string value(200, 'v');
  for (int i = 0; i < 2000; ++i) Put("id" + std::to_string(i), value + std::to_string(i));
  // About 420 KiB went through 64 KiB memtables, and RocksDB keeps at most
  // two of them: once no flush is pending or running, the rest is in files.
  uint64_t pending = 1;
  for (int wait = 0; wait < 1000 && pending > 0; ++wait) {
    uint64_t queued = 0, running = 0;
    ASSERT_TRUE(db_->GetIntProperty("rocksdb.mem-table-flush-pending", &queued));
    ASSERT_TRUE(db_->GetIntProperty("rocksdb.num-running-flushes", &running));
    pending = queued + running;
    if (pending > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  uint64_t flushed = 0;
  ASSERT_TRUE(db_->GetIntProperty("rocksdb.total-sst-files-size", &flushed));
  EXPECT_GT(flushed, uint64_t{250} << 10);
  for (const int i : {0, 1234, 1999}) {
    EXPECT_EQ(Get("id" + std::to_string(i)), value + std::to_string(i));
  }
}

// One writer commits batches while another thread reads ids the writer has
// finished: each must be found whole, never half-linked.
TEST_F(HashMemTableTest, ReadersSeeEveryFinishedWriteWhileTheWriterRuns) {
  Open();
  constexpr int kBatches = 200;
  constexpr int kPerBatch = 50;
  std::atomic<int> written{0};
  std::atomic<int> reads{0};
  std::atomic<int> wrong{0};
  std::thread reader([&] {
    std::mt19937 rng(3);
    while (written.load() < kBatches * kPerBatch) {
      const int done = written.load();
      if (done == 0) continue;
      const int id = static_cast<int>(rng() % static_cast<unsigned>(done));
      std::string value;
      const rocksdb::Status status =
          db_->Get(rocksdb::ReadOptions(), "id" + std::to_string(id), &value);
      if (!status.ok() || value != "value" + std::to_string(id)) ++wrong;
      ++reads;
    }
  });
  for (int b = 0; b < kBatches; ++b) {
    rocksdb::WriteBatch batch;
    for (int i = b * kPerBatch; i < (b + 1) * kPerBatch; ++i) {
      ASSERT_TRUE(batch.Put("id" + std::to_string(i), "value" + std::to_string(i)).ok());
    }
    ASSERT_TRUE(db_->Write(rocksdb::WriteOptions(), &batch).ok());
    written.store((b + 1) * kPerBatch);
  }
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace anml::state::internal
