// StateStore: the engine's durable state in RocksDB.
//
// Operation. One RocksDB database with a column family per kind of record:
//   contributors  contributor id -> ContributorStats (the engine's record,
//                 including its verification and reputation)
//   metadata      contributor id -> ContributorMetadata, the last value the
//                 contributors topic gave; kept apart from the records so
//                 that metadata for contributors the engine has not seen
//                 yet survives a restart and is applied when they first
//                 appear (ContributorCache::EnsureResident returns it)
//   weights       contributor id -> StoredWeight, the last published weight,
//                 so `anml inspect` can rank contributors without the engine
//   models        version (8 bytes, big-endian) -> ModelSnapshot; the newest
//                 StoreOptions::models_kept versions are kept, older ones
//                 deleted in the same batch that writes a newer one
//   offsets       (topic, partition) -> next offset to consume
// and the default column family holding the store's layout marker. Values
// use the encoding in record_codec.h.
//
// Every engine step ends in one Commit(): all changed records, the model
// and the input offsets go into a single RocksDB write batch, so after a
// crash the store holds either the whole step or none of it, and the
// offsets always describe exactly the samples the state reflects. The
// engine commits in two halves, StartCommit() and FinishCommit(), so that
// RocksDB writes one step while the engine loads the next one's records.
//
// Durability. The write-ahead log is always on. By default a commit is
// done once the batch is in the log in the operating system's page
// cache: it survives the process being killed, not the machine losing
// power. With StoreOptions::sync each commit fsyncs the log first and also
// survives power loss, at the cost of one fsync per step.
//
// Ownership. The store owns the RocksDB handle; Close() (or the destructor)
// flushes the memtables so the next open has no log to replay.
//
// Concurrency: one thread at a time; the engine's thread owns the store.
// The store's own writer thread, started by the first commit, runs only
// RocksDB's write of the step in flight.
// A read-only open (for `anml inspect`) takes no lock; it is meant for a
// stopped store, since a writer's compactions may delete files under it.
//
// Limitations. Contributor counts from Recover() and Stats() are RocksDB's
// estimates; CountContributors() is exact but reads every key. A crash
// during the very first open, between creating the column families and
// writing the layout marker, leaves a directory that later opens reject
// as DataLoss; delete it and start again. Reopening after a crash replays
// the write-ahead log (bounded to 256 MiB), which takes longer than the
// reopen after Close() that `anml bench state` measures. A commit
// that carries no model keeps the previous one: the caller must include
// the model in every step that applied samples.
#ifndef ANML_STATE_STATE_STORE_H_
#define ANML_STATE_STATE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/contributor_stats.h"
#include "engine/model_snapshot.h"
#include "engine/status.h"
#include "state/records.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
struct ReadOptions;
class Statistics;
class WriteBatch;
}  // namespace rocksdb

namespace anml::state {
namespace internal {
class WriterThread;
}  // namespace internal

struct StoreOptions {
  // The store's directory.
  std::string path;
  // Create an empty store when `path` holds none.
  bool create_if_missing = true;
  // Open without the write lock; Commit() then fails. For inspection.
  bool read_only = false;
  // fsync the write-ahead log at every commit (survives power loss).
  bool sync = false;
  // RocksDB's block cache for all column families: the pinned indexes and
  // bloom filters of the contributor families (about 9 MiB per 1,000,000
  // stored contributors, kept even when larger than this) and the blocks
  // of the other families. Contributor records are cached decoded, by the
  // ContributorCache, not here.
  size_t block_cache_bytes = size_t{32} << 20;
  // Memtable size of the contributor column families; RocksDB keeps up to
  // two per family before stalling writes. With uniform updates every
  // flushed file overlaps the whole next level, so larger memtables mean
  // fewer rewrites of it: in `anml bench state` compaction took 0.8-1.1 us
  // per update with 32 MiB against 1.35-1.6 us with 16 MiB, but resident
  // memory rose by 15-25 MiB, past the budgets.
  size_t write_buffer_bytes = size_t{16} << 20;
  // All memtables together; past it RocksDB flushes the largest. With the
  // block cache this bounds RocksDB's memory apart from small overheads.
  size_t memtable_budget_bytes = size_t{64} << 20;
  // How many of the newest model snapshots to keep (at least 1). Recovery
  // always uses the newest: the offsets belong to it.
  int models_kept = 2;
};

// One engine step: everything written atomically by Commit().
struct CommitBatch {
  struct Contributor {
    std::string_view id;
    const engine::ContributorStats* stats = nullptr;  // Not null.
    // The weight published for it in this step, if any.
    std::optional<StoredWeight> weight;
  };
  std::vector<Contributor> contributors;
  // Metadata from the contributors topic in this step, by contributor id.
  std::vector<std::pair<std::string, ContributorMetadata>> metadata;
  // The model after this step, or null to keep the stored one.
  const engine::ModelSnapshot* model = nullptr;
  // The next offset of every partition this step consumed from.
  OffsetMap offsets;
};

// What Open() found, for the engine to continue from.
struct RecoveredState {
  std::optional<engine::ModelSnapshot> model;  // The newest snapshot.
  OffsetMap offsets;
  uint64_t estimated_contributors = 0;
};

// Plain numbers for the service's metrics. Counters (`_total`) count since
// this store was opened; the rest are gauges read from RocksDB.
struct StoreStats {
  uint64_t commits_total = 0;
  uint64_t committed_contributors_total = 0;
  uint64_t commit_bytes_total = 0;  // Encoded bytes written in batches.
  uint64_t loads_total = 0;         // Contributor lookups.
  uint64_t loads_found_total = 0;
  uint64_t block_cache_hits_total = 0;
  uint64_t block_cache_misses_total = 0;
  uint64_t bloom_filter_useful_total = 0;  // Lookups a filter answered.
  uint64_t wal_bytes_total = 0;
  uint64_t wal_syncs_total = 0;
  uint64_t stall_micros_total = 0;  // Writes delayed by RocksDB.
  // Bytes RocksDB wrote to table files, by memtable flushes and by
  // compactions; against commit_bytes_total, the write amplification.
  uint64_t flush_bytes_total = 0;
  uint64_t compaction_write_bytes_total = 0;
  uint64_t live_data_bytes = 0;  // Estimated live data on disk.
  uint64_t sst_files_bytes = 0;
  uint64_t memtable_bytes = 0;
  uint64_t block_cache_usage_bytes = 0;
  uint64_t block_cache_capacity_bytes = 0;
  uint64_t pending_compaction_bytes = 0;
  uint64_t estimated_contributors = 0;
};

class StateStore {
 public:
  // Opens the store at options.path, creating it when absent and allowed.
  // Errors:
  //   NotFound            no store there and create_if_missing (or
  //                       read_only) forbids creating one;
  //   DataLoss            a required column family or the layout marker is
  //                       missing, or the layout is of another version;
  //   FailedPrecondition  the directory cannot be used (read-only file
  //                       system, not a directory, locked by a process);
  //   ResourceExhausted   the disk is full;
  //   InvalidArgument     models_kept < 1.
  // Every message names the path and, where one is involved, the column
  // family.
  static StatusOr<std::unique_ptr<StateStore>> Open(const StoreOptions& options);

  // Closes the store, logging (not returning) a failure to flush.
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // Flushes memtables and closes RocksDB. Idempotent; after it every other
  // call fails with FailedPrecondition.
  Status Close();

  // The newest model snapshot and all offsets, logged at INFO. DataLoss
  // naming the key when a stored value does not decode.
  StatusOr<RecoveredState> Recover();

  // The stored record of `id`, or nullopt when none. DataLoss naming the
  // key when the value does not decode.
  StatusOr<std::optional<engine::ContributorStats>> Load(std::string_view id);

  // Load() for many ids in one RocksDB call; result i belongs to ids[i].
  // Ids in any order; in id order RocksDB need not sort them.
  StatusOr<std::vector<std::optional<engine::ContributorStats>>> LoadMany(
      std::span<const std::string_view> ids);

  StatusOr<std::optional<ContributorMetadata>> LoadMetadata(std::string_view id);
  // LoadMetadata() for many ids in one RocksDB call.
  StatusOr<std::vector<std::optional<ContributorMetadata>>> LoadMetadataMany(
      std::span<const std::string_view> ids);
  StatusOr<std::optional<StoredWeight>> LoadWeight(std::string_view id);

  // Writes one step atomically (see the class comment). Errors:
  //   FailedPrecondition  read-only or closed store; a model older than the
  //                       newest stored one; an I/O failure (after which
  //                       RocksDB refuses writes until reopened);
  //   ResourceExhausted   the disk is full;
  //   InvalidArgument     a contributor with a null record or an id over
  //                       256 bytes, or a topic name that does not fit a key.
  // Nothing is written on error. After a write that RocksDB failed, every
  // later commit fails with FailedPrecondition quoting that first error:
  // the store must be reopened (RocksDB stops taking writes after a failed
  // log write, and a second attempt can abort inside RocksDB).
  Status Commit(const CommitBatch& batch);

  // Commit() in two halves, so the caller's thread can go on while RocksDB
  // writes the step. StartCommit() checks and encodes the step on the
  // calling thread, so its records may change as soon as it returns, and
  // hands the write to the store's writer thread; it fails as Commit() does
  // before writing, and with FailedPrecondition while another commit is in
  // flight. FinishCommit() waits for the write and returns what Commit()
  // would have (OK when nothing is in flight).
  //
  // While a commit is in flight LoadMany() runs at once and sees the store
  // with or without that commit, so ask it only for records the commit
  // does not write (ContributorCache never does: it keeps those records
  // resident). Every other read, and Close(), first waits for the write;
  // its outcome stays for FinishCommit() (or Close() returns it).
  Status StartCommit(const CommitBatch& batch);
  Status FinishCommit();
  bool commit_in_flight() const { return in_flight_ != nullptr; }

  // Calls fn(id, record) for every stored contributor in id order until fn
  // returns false. DataLoss naming the key on a value that does not decode.
  Status ForEachContributor(
      const std::function<bool(std::string_view, const engine::ContributorStats&)>& fn);
  Status ForEachWeight(const std::function<bool(std::string_view, const StoredWeight&)>& fn);

  // The exact number of stored contributor records (reads every key).
  StatusOr<uint64_t> CountContributors();

  StoreStats Stats() const;
  const StoreOptions& options() const { return options_; }

 private:
  StateStore(StoreOptions options, std::unique_ptr<rocksdb::DB> db,
             std::vector<rocksdb::ColumnFamilyHandle*> handles,
             std::shared_ptr<rocksdb::Statistics> statistics);

  static rocksdb::ReadOptions ReadOptionsFor(int family);
  Status CheckLayout(bool is_new);
  Status CheckWritable() const;
  Status LoadModelVersions();
  Status ReadOffsets(OffsetMap* offsets);
  void LogRecovered(const RecoveredState& state) const;
  Status Put(rocksdb::WriteBatch* out, int family, std::string_view key,
             std::string_view value) const;
  Status AddContributors(const CommitBatch& batch, rocksdb::WriteBatch* out) const;
  Status AddModel(const engine::ModelSnapshot& model, rocksdb::WriteBatch* out,
                  std::set<uint64_t>* versions) const;
  Status AddOffsets(const OffsetMap& offsets, rocksdb::WriteBatch* out) const;
  StatusOr<std::optional<std::string>> Get(int family, std::string_view key);
  // Waits for the commit in flight, if any, leaving its outcome for
  // FinishCommit().
  void AwaitWrite();
  template <typename T, typename Decode>
  StatusOr<std::vector<std::optional<T>>> MultiLoad(int family,
                                                    std::span<const std::string_view> keys,
                                                    Decode decode);
  Status Scan(int family,
              const std::function<Status(std::string_view, std::string_view, bool*)>& fn);
  Status Where(const Status& status, int family) const;
  uint64_t Property(int family, std::string_view name) const;
  uint64_t PropertySum(std::string_view name) const;

  StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // Indexed by Family.
  std::shared_ptr<rocksdb::Statistics> statistics_;
  std::set<uint64_t> model_versions_;  // Stored snapshot versions.
  Status write_failure_;               // The first failed RocksDB write.
  struct InFlight;
  std::unique_ptr<InFlight> in_flight_;  // The commit being written, if any.
  // Started by the first commit; a read-only store never has one.
  std::unique_ptr<internal::WriterThread> writer_;
  StoreStats counters_;
};

}  // namespace anml::state

#endif  // ANML_STATE_STATE_STORE_H_
