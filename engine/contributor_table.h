// ContributorTable: the contributors resident in memory, by id and by slot.
//
// Each resident contributor has a dense slot number that samples refer to,
// its ContributorStats, a place in a least-recently-used list and a dirty
// flag. The engine marks a record dirty whenever it changes it; the state
// store writes the dirty records at the next commit, clears the flags, and
// keeps memory bounded by evicting clean records from the cold end of the
// LRU list. A record evicted and later loaded again (Adopt) may get a
// different slot: slots are only stable while a record is resident.
//
// The id index is an open-addressing hash table of 8-byte buckets (32 bits
// of the id's hash and the slot number) with linear probing, at most 7/8
// full; the id itself is kept once, in its slot. A lookup touches one
// bucket run and the slot's id, and eviction frees no index node.
//
// Thread safety: none; the engine's thread owns the table.
// Limitations: ids are kept as std::string, one heap allocation per
// contributor for ids longer than the small-string buffer; the index
// doubles, rehashing every entry, when it fills, and never shrinks.
#ifndef ANML_ENGINE_CONTRIBUTOR_TABLE_H_
#define ANML_ENGINE_CONTRIBUTOR_TABLE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/contributor_stats.h"

namespace anml::engine {

class ContributorTable {
 public:
  static constexpr uint32_t kNoSlot = 0xffffffffu;

  ContributorTable() = default;
  ContributorTable(const ContributorTable&) = delete;
  ContributorTable& operator=(const ContributorTable&) = delete;

  // The slot of a resident contributor, or nullopt when it is not resident.
  std::optional<uint32_t> Find(std::string_view id) const;

  // The slot of `id`, creating a fresh record from `prototype` (a cold
  // start) when it is not resident. Marks it most recently used; a new
  // record is dirty.
  uint32_t Intern(std::string_view id, const ContributorStats& prototype);

  // Makes a record loaded from the state store resident, clean and most
  // recently used. Precondition: `id` is not resident.
  uint32_t Adopt(std::string_view id, ContributorStats stats);

  // Removes a resident record. Precondition: it is not dirty (commit it
  // first), so eviction can never lose an update.
  void Evict(uint32_t slot);

  ContributorStats& stats(uint32_t slot) { return slots_[slot].stats; }
  const ContributorStats& stats(uint32_t slot) const { return slots_[slot].stats; }
  const std::string& id(uint32_t slot) const { return slots_[slot].id; }
  bool resident(uint32_t slot) const { return slot < slots_.size() && slots_[slot].resident; }

  // Marks a record most recently used.
  void Touch(uint32_t slot);

  // Marks a record changed since the last commit.
  void MarkDirty(uint32_t slot);
  bool dirty(uint32_t slot) const { return slots_[slot].dirty; }

  // The dirty slots in the order they first became dirty.
  const std::vector<uint32_t>& dirty_slots() const { return dirty_; }

  // Clears every dirty flag (after the state store committed them).
  void ClearDirty();

  // The least recently used resident slot, or kNoSlot when empty.
  uint32_t LeastRecentlyUsed() const { return lru_tail_; }
  // The next more recently used slot after `slot`, or kNoSlot.
  uint32_t MoreRecentlyUsed(uint32_t slot) const { return slots_[slot].newer; }

  // Resident records.
  size_t size() const { return count_; }
  // Approximate bytes held by resident records and their ids.
  size_t approximate_bytes() const { return bytes_; }

  // Calls fn(slot) for every resident record, in slot order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (uint32_t slot = 0; slot < slots_.size(); ++slot) {
      if (slots_[slot].resident) fn(slot);
    }
  }

 private:
  struct Slot {
    std::string id;
    ContributorStats stats;
    uint32_t older = kNoSlot;  // LRU neighbours.
    uint32_t newer = kNoSlot;
    bool resident = false;
    bool dirty = false;
  };

  static constexpr size_t kNoBucket = ~size_t{0};

  uint32_t Insert(std::string_view id, ContributorStats stats);
  void Unlink(uint32_t slot);
  void LinkAsNewest(uint32_t slot);
  static size_t RecordBytes(const Slot& slot);

  // The id index (see the class comment).
  size_t FindBucket(std::string_view id, uint32_t hash) const;
  void IndexInsert(uint32_t hash, uint32_t slot);
  void IndexErase(size_t bucket);
  void Rehash(size_t bucket_count);

  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::vector<uint64_t> buckets_;  // Size 0 or a power of two.
  size_t count_ = 0;               // Resident records, i.e. full buckets.
  std::vector<uint32_t> dirty_;
  uint32_t lru_head_ = kNoSlot;  // Most recently used.
  uint32_t lru_tail_ = kNoSlot;  // Least recently used.
  size_t bytes_ = 0;
};

}  // namespace anml::engine

#endif  // ANML_ENGINE_CONTRIBUTOR_TABLE_H_
