#include "state/contributor_cache.h"

#include <algorithm>

namespace anml::state {

ContributorCache::ContributorCache(StateStore* store, ResidentContributors* residents,
                                   size_t max_bytes)
    : store_(store), residents_(residents), max_bytes_(max_bytes) {}

// The distinct ids of `ids` that are not resident, in id order. Only the
// misses are deduplicated: a batch's ids are mostly resident or mostly
// distinct, and sorting the misses is cheaper than hashing every id. A
// repeat of a missing id counts as a hit, since the one load serves it, so
// hits plus misses is the number of ids looked up.
std::vector<std::string_view> ContributorCache::Missing(std::span<const std::string_view> ids) {
  const engine::ContributorTable& table = residents_->table();
  std::vector<std::string_view> missing;
  for (std::string_view id : ids) {
    if (!table.Find(id)) missing.push_back(id);
  }
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  counters_.hits_total += ids.size() - missing.size();
  counters_.misses_total += missing.size();
  return missing;
}

StatusOr<ContributorCache::MetadataList> ContributorCache::EnsureResident(
    std::span<const std::string_view> ids) {
  const std::vector<std::string_view> missing = Missing(ids);
  if (missing.empty()) return MetadataList();
  auto loaded = store_->LoadMany(missing);
  if (!loaded.ok()) return loaded.status();

  engine::ContributorTable& table = residents_->table();
  std::vector<std::string_view> unseen;
  for (size_t i = 0; i < missing.size(); ++i) {
    if (!(*loaded)[i]) {
      unseen.push_back(missing[i]);
      continue;
    }
    table.Adopt(missing[i], std::move(*(*loaded)[i]));
    ++counters_.loads_total;
  }
  return UnseenMetadata(unseen);
}

// Contributors seen for the first time: their metadata may have arrived on
// the contributors topic before their first sample.
StatusOr<ContributorCache::MetadataList> ContributorCache::UnseenMetadata(
    std::span<const std::string_view> unseen) {
  MetadataList metadata;
  if (unseen.empty()) return metadata;
  auto stored = store_->LoadMetadataMany(unseen);
  if (!stored.ok()) return stored.status();
  for (size_t i = 0; i < unseen.size(); ++i) {
    if ((*stored)[i]) metadata.emplace_back(std::string(unseen[i]), *(*stored)[i]);
  }
  return metadata;
}

Status ContributorCache::Commit(const engine::ModelSnapshot* model, const OffsetMap& offsets,
                                const MetadataList& metadata) {
  ANML_RETURN_IF_ERROR(FinishCommit());
  engine::ContributorTable& table = residents_->table();
  CommitBatch batch;
  batch.contributors.reserve(table.dirty_slots().size());
  for (uint32_t slot : table.dirty_slots()) {
    CommitBatch::Contributor entry{table.id(slot), &table.stats(slot), std::nullopt};
    if (auto report = residents_->Report(slot)) {
      entry.weight = StoredWeight{*report, model != nullptr ? model->version : 0};
    }
    batch.contributors.push_back(std::move(entry));
  }
  batch.model = model;
  batch.offsets = offsets;
  batch.metadata = metadata;
  ANML_RETURN_IF_ERROR(store_->StartCommit(batch));

  // The step's records are encoded: the engine may change them again, and
  // they are dirty again if it does. Until the write is done they are not
  // evictable, which keeps them out of EnsureResident's lookups.
  in_flight_ = table.dirty_slots();
  table.ClearDirty();
  return Status::Ok();
}

Status ContributorCache::FinishCommit() {
  if (!store_->commit_in_flight()) return Status::Ok();
  Status written = store_->FinishCommit();
  engine::ContributorTable& table = residents_->table();
  if (!written.ok()) {
    // Not stored: the records are dirty again, so a later commit (after
    // reopening the store) carries them.
    for (uint32_t slot : in_flight_) table.MarkDirty(slot);
    in_flight_.clear();
    return written;
  }
  in_flight_.clear();
  ++counters_.commits_total;
  EvictToBudget();
  return Status::Ok();
}

void ContributorCache::EvictToBudget() {
  engine::ContributorTable& table = residents_->table();
  uint32_t slot = table.LeastRecentlyUsed();
  while (table.approximate_bytes() > max_bytes_ && slot != engine::ContributorTable::kNoSlot) {
    const uint32_t next = table.MoreRecentlyUsed(slot);
    // The records of the next step, already changed, are dirty and stay.
    if (!table.dirty(slot)) {
      residents_->Evict(slot);
      ++counters_.evictions_total;
    }
    slot = next;
  }
}

CacheStats ContributorCache::stats() const {
  CacheStats stats = counters_;
  stats.resident = residents_->table().size();
  stats.resident_bytes = residents_->table().approximate_bytes();
  stats.max_bytes = max_bytes_;
  return stats;
}

}  // namespace anml::state
