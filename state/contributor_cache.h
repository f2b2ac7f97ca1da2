// ContributorCache: keeps the engine's resident contributor records within
// a byte budget, loading stored records on demand and committing changes.
//
// Operation. The engine's ContributorTable is the cache's memory; RocksDB
// is the backing store. Each engine step runs
//   1. EnsureResident(ids of the batch): every id that is not resident but
//      has a stored record is loaded (one RocksDB MultiGet) and adopted as a
//      clean record, so the engine's Intern() finds it instead of creating
//      a cold start; ids with no record but with stored metadata get that
//      metadata back to apply after Intern();
//   2. the engine processes the batch, marking the records it changes dirty;
//   3. Commit(model, offsets): every dirty record, its weight, the model and
//      the offsets are encoded into one batch and the dirty flags cleared;
//      RocksDB writes the batch on the store's writer thread while the
//      engine goes on with the next step, whose loads then overlap the
//      write. The next Commit() (or FinishCommit()) waits for the write,
//      then evicts the least recently used clean records until the table's
//      approximate bytes are within the budget.
// A dirty record is never evicted, and a record being written is not
// evicted before its write is done, so eviction never loses an update and
// a lookup never reads a record older than the one resident. A failed
// write marks its records dirty again.
// After a restart: StateStore::Recover(), Pipeline::Restore() with its
// model, EnsureResident(Pipeline::ReferenceMembers()), then consume from
// the recovered offsets (tests/state/crash_child.cc does exactly this).
//
// Ownership. Borrows the store and the residents; both must outlive it.
//
// Concurrency: the engine's thread calls every method; only RocksDB's
// write of a step runs elsewhere (StateStore::StartCommit()).
//
// Limitations. Between commits the table may exceed the budget by the
// records two steps load or create; the budget is enforced when a write
// finishes. A step's write error is returned by the next Commit() or
// FinishCommit(), not by the Commit() that started it. Sizes are
// ContributorTable's approximations, not allocator truth, so resident
// memory is the budget plus allocator overhead. When updates are spread
// evenly over more contributors than the budget holds, the share of
// lookups answered in memory is about the share of records that fit, and
// every other lookup is a RocksDB read from the table files (5 to 7.5 us
// each in `anml bench state`, most of an update's cost there); skewed
// streams, where a few contributors send most samples, miss far less.
#ifndef ANML_STATE_CONTRIBUTOR_CACHE_H_
#define ANML_STATE_CONTRIBUTOR_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/contributor_table.h"
#include "engine/model_snapshot.h"
#include "engine/pipeline.h"
#include "engine/status.h"
#include "state/records.h"
#include "state/state_store.h"

namespace anml::state {

// What the cache needs from whoever owns the resident records.
class ResidentContributors {
 public:
  virtual ~ResidentContributors() = default;
  virtual engine::ContributorTable& table() = 0;
  // Removes a clean record (and anything the owner keeps about its slot).
  virtual void Evict(uint32_t slot) = 0;
  // The weight to publish for a resident record, or nullopt when the owner
  // computes none.
  virtual std::optional<engine::ContributorReport> Report(uint32_t slot) const = 0;
};

// The engine's pipeline as the owner of the resident records.
class PipelineResidents final : public ResidentContributors {
 public:
  // `pipeline` must outlive this object.
  explicit PipelineResidents(engine::Pipeline* pipeline) : pipeline_(pipeline) {}
  engine::ContributorTable& table() override { return pipeline_->contributors(); }
  void Evict(uint32_t slot) override { pipeline_->Evict(slot); }
  std::optional<engine::ContributorReport> Report(uint32_t slot) const override {
    return pipeline_->Report(slot);
  }

 private:
  engine::Pipeline* pipeline_;
};

// A bare ContributorTable with no engine around it, for tools and
// benchmarks that update records directly. Publishes no weights.
class TableResidents final : public ResidentContributors {
 public:
  engine::ContributorTable& table() override { return table_; }
  void Evict(uint32_t slot) override { table_.Evict(slot); }
  std::optional<engine::ContributorReport> Report(uint32_t) const override { return std::nullopt; }

 private:
  engine::ContributorTable table_;
};

struct CacheStats {
  // Every id passed to EnsureResident is one hit or one miss: a miss is a
  // distinct id of the call that was not resident and was looked up in the
  // store; the rest (resident ids, repeats of a missing id) are hits.
  uint64_t hits_total = 0;
  uint64_t misses_total = 0;
  uint64_t loads_total = 0;  // Misses that found a stored record.
  uint64_t evictions_total = 0;
  uint64_t commits_total = 0;  // Steps written.
  size_t resident = 0;         // Records resident now.
  size_t resident_bytes = 0;   // Their approximate bytes.
  size_t max_bytes = 0;        // The budget.
};

class ContributorCache {
 public:
  using MetadataList = std::vector<std::pair<std::string, ContributorMetadata>>;

  // `store` and `residents` must outlive the cache. `max_bytes` bounds the
  // approximate bytes of resident records after each commit.
  ContributorCache(StateStore* store, ResidentContributors* residents, size_t max_bytes);

  // Makes the stored record of every id in `ids` resident (see the class
  // comment). Duplicates are fine. Returns the stored metadata of ids that
  // have no record, resident or stored: the caller applies it with
  // Pipeline::SetMetadata() after Intern(). Errors are the store's
  // (DataLoss naming the key for a corrupt record); records loaded before
  // the error stay resident and clean, which is harmless.
  StatusOr<MetadataList> EnsureResident(std::span<const std::string_view> ids);

  // Commits one step: the dirty records (with their weights), `model` (may
  // be null to keep the stored one), `offsets` and `metadata` in one write
  // batch. RocksDB writes it on the store's writer thread while the caller
  // goes on: Commit() first finishes the previous step's write (see
  // FinishCommit()), then encodes this step, clears the dirty flags and
  // starts its write. Errors are the previous write's, or this step's
  // encoding errors (StateStore::StartCommit()), after which nothing of
  // this step is started and its records stay dirty.
  Status Commit(const engine::ModelSnapshot* model, const OffsetMap& offsets,
                const MetadataList& metadata = {});

  // Waits for the write Commit() started and returns its outcome (OK when
  // none is in flight); then evicts down to the budget. Call it before
  // acting on the step being stored. When the write failed, nothing of
  // the step is stored and its records are dirty again, so a commit after
  // reopening the store loses nothing. Errors are StateStore::Commit()'s.
  Status FinishCommit();

  CacheStats stats() const;

 private:
  void EvictToBudget();
  StatusOr<MetadataList> UnseenMetadata(std::span<const std::string_view> unseen);
  std::vector<std::string_view> Missing(std::span<const std::string_view> ids);

  StateStore* store_;
  ResidentContributors* residents_;
  size_t max_bytes_;
  CacheStats counters_;
  std::vector<uint32_t> in_flight_;  // Slots of the step being written.
};

}  // namespace anml::state

#endif  // ANML_STATE_CONTRIBUTOR_CACHE_H_
