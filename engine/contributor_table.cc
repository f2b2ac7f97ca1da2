#include "engine/contributor_table.h"

#include <algorithm>
#include <functional>
#include <utility>

namespace anml::engine {
namespace {

// A bucket holds the low 32 bits of the id's hash above the slot number;
// an empty bucket is all ones, which no resident slot (< kNoSlot) can be.
constexpr uint64_t kEmptyBucket = ~uint64_t{0};
constexpr size_t kMinBuckets = 16;

uint32_t HashOf(std::string_view id) {
  return static_cast<uint32_t>(std::hash<std::string_view>{}(id));
}
uint64_t MakeBucket(uint32_t hash, uint32_t slot) { return (uint64_t{hash} << 32) | slot; }
uint32_t BucketHash(uint64_t bucket) { return static_cast<uint32_t>(bucket >> 32); }
uint32_t BucketSlot(uint64_t bucket) { return static_cast<uint32_t>(bucket); }

}  // namespace

std::optional<uint32_t> ContributorTable::Find(std::string_view id) const {
  const size_t bucket = FindBucket(id, HashOf(id));
  if (bucket == kNoBucket) return std::nullopt;
  return BucketSlot(buckets_[bucket]);
}

// Linear probing from the id's home bucket; the table is never full, so an
// empty bucket ends every search.
size_t ContributorTable::FindBucket(std::string_view id, uint32_t hash) const {
  if (buckets_.empty()) return kNoBucket;
  const size_t mask = buckets_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const uint64_t bucket = buckets_[i];
    if (bucket == kEmptyBucket) return kNoBucket;
    if (BucketHash(bucket) == hash && slots_[BucketSlot(bucket)].id == id) return i;
  }
}

void ContributorTable::IndexInsert(uint32_t hash, uint32_t slot) {
  if ((count_ + 1) * 8 > buckets_.size() * 7) {
    Rehash(std::max(kMinBuckets, buckets_.size() * 2));
  }
  const size_t mask = buckets_.size() - 1;
  size_t i = hash & mask;
  while (buckets_[i] != kEmptyBucket) i = (i + 1) & mask;
  buckets_[i] = MakeBucket(hash, slot);
  ++count_;
}

// Backward-shift deletion: each later entry of the probe run moves into the
// hole when the hole lies on its own probe path (between its home bucket
// and where it sits), so searches never meet a gap and need no tombstones.
void ContributorTable::IndexErase(size_t hole) {
  const size_t mask = buckets_.size() - 1;
  for (size_t next = (hole + 1) & mask; buckets_[next] != kEmptyBucket; next = (next + 1) & mask) {
    const size_t home = BucketHash(buckets_[next]) & mask;
    if (((next - home) & mask) >= ((next - hole) & mask)) {
      buckets_[hole] = buckets_[next];
      hole = next;
    }
  }
  buckets_[hole] = kEmptyBucket;
  --count_;
}

void ContributorTable::Rehash(size_t bucket_count) {
  std::vector<uint64_t> old =
      std::exchange(buckets_, std::vector<uint64_t>(bucket_count, kEmptyBucket));
  const size_t mask = bucket_count - 1;
  for (uint64_t bucket : old) {
    if (bucket == kEmptyBucket) continue;
    size_t i = BucketHash(bucket) & mask;
    while (buckets_[i] != kEmptyBucket) i = (i + 1) & mask;
    buckets_[i] = bucket;
  }
}

uint32_t ContributorTable::Intern(std::string_view id, const ContributorStats& prototype) {
  if (auto slot = Find(id)) {
    Touch(*slot);
    return *slot;
  }
  uint32_t slot = Insert(id, prototype);
  MarkDirty(slot);
  return slot;
}

uint32_t ContributorTable::Adopt(std::string_view id, ContributorStats stats) {
  return Insert(id, std::move(stats));
}

uint32_t ContributorTable::Insert(std::string_view id, ContributorStats stats) {
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& entry = slots_[slot];
  entry.id.assign(id);
  entry.stats = std::move(stats);
  entry.resident = true;
  entry.dirty = false;
  IndexInsert(HashOf(entry.id), slot);
  LinkAsNewest(slot);
  bytes_ += RecordBytes(entry);
  return slot;
}

void ContributorTable::Evict(uint32_t slot) {
  Slot& entry = slots_[slot];
  bytes_ -= RecordBytes(entry);
  Unlink(slot);
  IndexErase(FindBucket(entry.id, HashOf(entry.id)));
  entry = Slot();
  free_slots_.push_back(slot);
}

void ContributorTable::Touch(uint32_t slot) {
  if (lru_head_ == slot) return;
  Unlink(slot);
  LinkAsNewest(slot);
}

void ContributorTable::MarkDirty(uint32_t slot) {
  if (slots_[slot].dirty) return;
  slots_[slot].dirty = true;
  dirty_.push_back(slot);
}

void ContributorTable::ClearDirty() {
  for (uint32_t slot : dirty_) slots_[slot].dirty = false;
  dirty_.clear();
}

void ContributorTable::Unlink(uint32_t slot) {
  Slot& entry = slots_[slot];
  if (entry.older != kNoSlot) slots_[entry.older].newer = entry.newer;
  if (entry.newer != kNoSlot) slots_[entry.newer].older = entry.older;
  if (lru_head_ == slot) lru_head_ = entry.older;
  if (lru_tail_ == slot) lru_tail_ = entry.newer;
  entry.older = entry.newer = kNoSlot;
}

void ContributorTable::LinkAsNewest(uint32_t slot) {
  Slot& entry = slots_[slot];
  entry.older = lru_head_;
  entry.newer = kNoSlot;
  if (lru_head_ != kNoSlot) slots_[lru_head_].newer = slot;
  lru_head_ = slot;
  if (lru_tail_ == kNoSlot) lru_tail_ = slot;
}

size_t ContributorTable::RecordBytes(const Slot& slot) {
  // The slot itself, the id's heap buffer, and two index buckets: the
  // index is between 7/16 and 7/8 full.
  constexpr size_t kIndexBytes = 2 * sizeof(uint64_t);
  return sizeof(Slot) - sizeof(ContributorStats) + slot.stats.ApproximateBytes() +
         slot.id.capacity() + kIndexBytes;
}

}  // namespace anml::engine
