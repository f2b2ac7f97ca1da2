#include "engine/contributor_table.h"

#include <utility>

namespace anml::engine {

std::optional<uint32_t> ContributorTable::Find(std::string_view id) const {
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return it->second;
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
  index_.emplace(entry.id, slot);
  LinkAsNewest(slot);
  bytes_ += RecordBytes(entry);
  return slot;
}

void ContributorTable::Evict(uint32_t slot) {
  Slot& entry = slots_[slot];
  bytes_ -= RecordBytes(entry);
  Unlink(slot);
  index_.erase(entry.id);
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
  // The index holds a second copy of the id, plus hash-node overhead.
  constexpr size_t kIndexNodeOverhead = 48;
  return slot.stats.ApproximateBytes() + 2 * slot.id.capacity() + kIndexNodeOverhead;
}

}  // namespace anml::engine
