#include "state/state_store.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rocksdb/db.h>
#include <rocksdb/statistics.h>
#include <rocksdb/write_batch.h>

#include "state/internal/logger.h"
#include "state/internal/rocksdb_options.h"
#include "state/internal/rocksdb_status.h"
#include "state/internal/writer_thread.h"
#include "state/record_codec.h"

namespace anml::state {
namespace {

using internal::FamilyName;
using internal::FromRocksDb;

// The store-wide layout: which column families exist and how keys are
// built. Each value also carries its own format version (record_codec.h).
constexpr uint32_t kStoreLayout = 1;
constexpr std::string_view kLayoutKey = "anml.store.layout";
// Contributor ids are UTF-8 of at most this many bytes (DESIGN.md, 4).
constexpr size_t kMaxIdBytes = 256;

std::string FoundFamilies(const std::vector<std::string>& names) {
  return fmt::format("{}", fmt::join(names, ", "));
}

// DataLoss naming the first required column family an existing store lacks.
Status CheckFamilies(const StoreOptions& options) {
  std::vector<std::string> names;
  const rocksdb::DBOptions db_options;
  ANML_RETURN_IF_ERROR(
      FromRocksDb(rocksdb::DB::ListColumnFamilies(db_options, options.path, &names),
                  fmt::format("listing column families of state store '{}'", options.path)));
  for (int family = 0; family < internal::kFamilyCount; ++family) {
    if (std::find(names.begin(), names.end(), FamilyName(family)) != names.end()) continue;
    return DataLoss(fmt::format("state store '{}': column family '{}' is missing (found: {})",
                                options.path, FamilyName(family), FoundFamilies(names)));
  }
  return Status::Ok();
}

bool StoreExists(const std::string& path) {
  std::error_code error;
  // An error (for example a path through a regular file) means "no store";
  // opening then reports RocksDB's own reason.
  return std::filesystem::exists(std::filesystem::path(path) / "CURRENT", error);
}

uint64_t Ticker(const rocksdb::Statistics& statistics, rocksdb::Tickers ticker) {
  return statistics.getTickerCount(ticker);
}

Status CheckId(std::string_view id) {
  if (id.empty()) return InvalidArgument("contributor id is empty");
  if (id.size() <= kMaxIdBytes) return Status::Ok();
  return InvalidArgument(fmt::format("contributor id {}... is {} bytes, at most {} allowed",
                                     PrintableKey(id.substr(0, 32)), id.size(), kMaxIdBytes));
}

}  // namespace

// A commit StartCommit() handed to the writer thread. The writer thread
// sets `written`; the owner's thread reads it only after waiting for it.
struct StateStore::InFlight {
  rocksdb::WriteBatch write;
  std::set<uint64_t> versions;  // model_versions_ once it is written.
  size_t contributors = 0;
  Status written;
};

StatusOr<std::unique_ptr<StateStore>> StateStore::Open(const StoreOptions& options) {
  if (options.models_kept < 1) {
    return InvalidArgument(fmt::format("state store '{}': models_kept is {}, expected >= 1",
                                       options.path, options.models_kept));
  }
  const bool exists = StoreExists(options.path);
  if (!exists && (!options.create_if_missing || options.read_only)) {
    return NotFound(fmt::format("no state store at '{}' (no CURRENT file)", options.path));
  }
  if (exists) ANML_RETURN_IF_ERROR(CheckFamilies(options));
  if (!exists) {
    std::error_code error;
    // RocksDB would create the directory too, but logs an error first; when
    // this fails, opening reports why.
    std::filesystem::create_directories(options.path, error);
  }

  std::shared_ptr<rocksdb::Statistics> statistics = rocksdb::CreateDBStatistics();
  statistics->set_stats_level(rocksdb::StatsLevel::kExceptDetailedTimers);
  rocksdb::DBOptions db_options = internal::MakeDbOptions(options, statistics);
  db_options.create_missing_column_families = !exists;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const auto families = internal::MakeFamilies(options);
  const rocksdb::Status opened =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, options.path, families, &handles, &raw)
          : rocksdb::DB::Open(db_options, options.path, families, &handles, &raw);
  ANML_RETURN_IF_ERROR(FromRocksDb(opened, fmt::format("opening state store '{}'", options.path)));

  std::unique_ptr<StateStore> store(new StateStore(options, std::unique_ptr<rocksdb::DB>(raw),
                                                   std::move(handles), std::move(statistics)));
  ANML_RETURN_IF_ERROR(store->CheckLayout(!exists));
  ANML_RETURN_IF_ERROR(store->LoadModelVersions());
  internal::Logger().info("opened state store '{}' ({}{}{})", options.path,
                          exists ? "existing" : "new", options.read_only ? ", read-only" : "",
                          options.sync ? ", fsync per commit" : "");
  return store;
}

StateStore::StateStore(StoreOptions options, std::unique_ptr<rocksdb::DB> db,
                       std::vector<rocksdb::ColumnFamilyHandle*> handles,
                       std::shared_ptr<rocksdb::Statistics> statistics)
    : options_(std::move(options)),
      db_(std::move(db)),
      handles_(std::move(handles)),
      statistics_(std::move(statistics)) {}

StateStore::~StateStore() {
  Status closed = Close();
  if (!closed.ok()) internal::Logger().error("{}", closed.ToString());
}

Status StateStore::Close() {
  if (!db_) return Status::Ok();
  // A step in flight is written (or fails) before anything closes.
  const Status in_flight = FinishCommit();
  writer_.reset();
  Status flushed;
  if (!options_.read_only) {
    // Flushing makes the next open fast: nothing is left in the log to
    // replay. The data is already durable in the log without it.
    flushed = FromRocksDb(db_->Flush(rocksdb::FlushOptions(), handles_),
                          fmt::format("flushing state store '{}'", options_.path));
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    // Destroying a handle only frees memory; it fails only for the default
    // family's handle, which RocksDB owns and frees itself.
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  handles_.clear();
  Status closed = FromRocksDb(db_->Close(), fmt::format("closing state store '{}'", options_.path));
  db_.reset();
  internal::Logger().info("closed state store '{}'", options_.path);
  if (!in_flight.ok()) return in_flight;
  return flushed.ok() ? closed : flushed;
}

Status StateStore::CheckLayout(bool is_new) {
  if (is_new) {
    return Where(FromRocksDb(db_->Put(rocksdb::WriteOptions(), handles_[internal::kDefaultFamily],
                                      kLayoutKey, EncodeStoreInfo(kStoreLayout)),
                             "writing the layout marker"),
                 internal::kDefaultFamily);
  }
  StatusOr<std::optional<std::string>> value = Get(internal::kDefaultFamily, kLayoutKey);
  if (!value.ok()) return value.status();
  if (!value->has_value()) {
    return DataLoss(
        fmt::format("state store '{}': key \"{}\" is missing in column family "
                    "'default'; not an anml state store",
                    options_.path, kLayoutKey));
  }
  StatusOr<uint32_t> layout = DecodeStoreInfo(kLayoutKey, **value);
  if (!layout.ok()) return Where(layout.status(), internal::kDefaultFamily);
  if (*layout == kStoreLayout) return Status::Ok();
  return DataLoss(fmt::format("state store '{}': layout version {}, this build reads {}",
                              options_.path, *layout, kStoreLayout));
}

Status StateStore::LoadModelVersions() {
  return Scan(internal::kModelsFamily,
              [this](std::string_view key, std::string_view, bool*) -> Status {
                StatusOr<uint64_t> version = DecodeModelKey(key);
                if (!version.ok()) return version.status();
                model_versions_.insert(*version);
                return Status::Ok();
              });
}

Status StateStore::CheckWritable() const {
  if (!db_) return FailedPrecondition(fmt::format("state store '{}' is closed", options_.path));
  if (options_.read_only) {
    return FailedPrecondition(fmt::format("state store '{}' is open read-only", options_.path));
  }
  if (write_failure_.ok()) return Status::Ok();
  return FailedPrecondition(
      fmt::format("state store '{}' takes no commits after a failed "
                  "write; reopen it. The first failure: {}",
                  options_.path, write_failure_.ToString()));
}

Status StateStore::Where(const Status& status, int family) const {
  return status.WithContext(
      fmt::format("state store '{}', column family '{}'", options_.path, FamilyName(family)));
}

// Contributor records are read without adding their data blocks to the
// block cache: the ContributorCache above keeps the decoded records the
// engine uses, so caching their raw blocks as well would hold each hot
// record twice. The block cache then keeps what every lookup needs, the
// pinned indexes and bloom filters, and the small column families.
// With `anml bench state` (1,000,000 contributors, uniform updates, the
// same 192 MiB of budgets) loading evicted records took 4.7-5.0 s per
// 1,000,000 updates this way, against 7.5 s with a 64 MiB block cache
// holding raw blocks.
rocksdb::ReadOptions StateStore::ReadOptionsFor(int family) {
  rocksdb::ReadOptions options;
  options.fill_cache = family != internal::kContributorsFamily;
  return options;
}

StatusOr<std::optional<std::string>> StateStore::Get(int family, std::string_view key) {
  if (!db_) return FailedPrecondition(fmt::format("state store '{}' is closed", options_.path));
  AwaitWrite();
  std::string value;
  const rocksdb::Status status =
      db_->Get(ReadOptionsFor(family), handles_[static_cast<size_t>(family)], key, &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) {
    return Where(FromRocksDb(status, fmt::format("reading key {}", PrintableKey(key))), family);
  }
  return std::optional<std::string>(std::move(value));
}

Status StateStore::Scan(
    int family, const std::function<Status(std::string_view, std::string_view, bool*)>& fn) {
  if (!db_) return FailedPrecondition(fmt::format("state store '{}' is closed", options_.path));
  AwaitWrite();
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(ReadOptionsFor(family), handles_[static_cast<size_t>(family)]));
  bool more = true;
  for (it->SeekToFirst(); more && it->Valid(); it->Next()) {
    Status status = fn(it->key().ToStringView(), it->value().ToStringView(), &more);
    if (!status.ok()) return Where(status, family);
  }
  return Where(FromRocksDb(it->status(), "scanning"), family);
}

StatusOr<RecoveredState> StateStore::Recover() {
  RecoveredState state;
  if (!model_versions_.empty()) {
    const std::string key = ModelKey(*model_versions_.rbegin());
    StatusOr<std::optional<std::string>> value = Get(internal::kModelsFamily, key);
    if (!value.ok()) return value.status();
    if (!value->has_value()) {
      return Internal(fmt::format("state store '{}': model key {} listed at open is gone",
                                  options_.path, PrintableKey(key)));
    }
    StatusOr<engine::ModelSnapshot> model = DecodeModel(key, **value);
    if (!model.ok()) return Where(model.status(), internal::kModelsFamily);
    state.model = std::move(*model);
  }
  ANML_RETURN_IF_ERROR(ReadOffsets(&state.offsets));
  state.estimated_contributors =
      Property(internal::kContributorsFamily, rocksdb::DB::Properties::kEstimateNumKeys);
  LogRecovered(state);
  return state;
}

Status StateStore::ReadOffsets(OffsetMap* offsets) {
  return Scan(internal::kOffsetsFamily,
              [offsets](std::string_view key, std::string_view value, bool*) -> Status {
                StatusOr<TopicPartition> partition = DecodeOffsetKey(key);
                if (!partition.ok()) return partition.status();
                StatusOr<int64_t> offset = DecodeOffset(key, value);
                if (!offset.ok()) return offset.status();
                (*offsets)[*partition] = *offset;
                return Status::Ok();
              });
}

void StateStore::LogRecovered(const RecoveredState& state) const {
  std::string offsets;
  for (const auto& [partition, offset] : state.offsets) {
    offsets += fmt::format("{}{}/{}@{}", offsets.empty() ? "" : ", ", partition.topic,
                           partition.partition, offset);
  }
  internal::Logger().info(
      "recovered state store '{}': model version {}, {} input partitions [{}], about {} "
      "contributors",
      options_.path, state.model ? fmt::format("{}", state.model->version) : "none",
      state.offsets.size(), offsets, state.estimated_contributors);
}

StatusOr<std::optional<engine::ContributorStats>> StateStore::Load(std::string_view id) {
  StatusOr<std::optional<std::string>> value = Get(internal::kContributorsFamily, id);
  if (!value.ok()) return value.status();
  ++counters_.loads_total;
  if (!value->has_value()) return std::optional<engine::ContributorStats>();
  ++counters_.loads_found_total;
  StatusOr<engine::ContributorStats> stats = DecodeContributor(id, **value);
  if (!stats.ok()) return Where(stats.status(), internal::kContributorsFamily);
  return std::optional<engine::ContributorStats>(std::move(*stats));
}

// One MultiGet for all keys; each value is decoded straight from RocksDB's
// buffer, without a copy: this runs once per record loaded. MultiGet sorts
// its keys unless told they are sorted; ContributorCache asks in id order,
// which is RocksDB's (both compare bytes as unsigned), and checking that
// costs one comparison per key against the sort's dozen.
template <typename T, typename Decode>
StatusOr<std::vector<std::optional<T>>> StateStore::MultiLoad(
    int family, std::span<const std::string_view> keys, Decode decode) {
  if (!db_) return FailedPrecondition(fmt::format("state store '{}' is closed", options_.path));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  const bool sorted = std::is_sorted(keys.begin(), keys.end());
  db_->MultiGet(ReadOptionsFor(family), handles_[static_cast<size_t>(family)], slices.size(),
                slices.data(), values.data(), statuses.data(), sorted);
  std::vector<std::optional<T>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    // The error context is formatted only for an error.
    if (!statuses[i].ok()) {
      return Where(FromRocksDb(statuses[i], fmt::format("reading key {}", PrintableKey(keys[i]))),
                   family);
    }
    StatusOr<T> decoded = decode(keys[i], values[i].ToStringView());
    if (!decoded.ok()) return Where(decoded.status(), family);
    out[i] = std::move(*decoded);
  }
  return out;
}

StatusOr<std::vector<std::optional<engine::ContributorStats>>> StateStore::LoadMany(
    std::span<const std::string_view> ids) {
  auto loaded =
      MultiLoad<engine::ContributorStats>(internal::kContributorsFamily, ids, DecodeContributor);
  if (!loaded.ok()) return loaded.status();
  counters_.loads_total += ids.size();
  counters_.loads_found_total += static_cast<uint64_t>(
      std::count_if(loaded->begin(), loaded->end(), [](const auto& record) { return record; }));
  return loaded;
}

StatusOr<std::vector<std::optional<ContributorMetadata>>> StateStore::LoadMetadataMany(
    std::span<const std::string_view> ids) {
  AwaitWrite();
  return MultiLoad<ContributorMetadata>(internal::kMetadataFamily, ids, DecodeMetadata);
}

StatusOr<std::optional<ContributorMetadata>> StateStore::LoadMetadata(std::string_view id) {
  StatusOr<std::optional<std::string>> value = Get(internal::kMetadataFamily, id);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<ContributorMetadata>();
  StatusOr<ContributorMetadata> metadata = DecodeMetadata(id, **value);
  if (!metadata.ok()) return Where(metadata.status(), internal::kMetadataFamily);
  return std::optional<ContributorMetadata>(*metadata);
}

StatusOr<std::optional<StoredWeight>> StateStore::LoadWeight(std::string_view id) {
  StatusOr<std::optional<std::string>> value = Get(internal::kWeightsFamily, id);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<StoredWeight>();
  StatusOr<StoredWeight> weight = DecodeWeight(id, **value);
  if (!weight.ok()) return Where(weight.status(), internal::kWeightsFamily);
  return std::optional<StoredWeight>(*weight);
}

Status StateStore::Commit(const CommitBatch& batch) {
  ANML_RETURN_IF_ERROR(StartCommit(batch));
  return FinishCommit();
}

Status StateStore::StartCommit(const CommitBatch& batch) {
  ANML_RETURN_IF_ERROR(CheckWritable());
  if (in_flight_) {
    return FailedPrecondition(fmt::format(
        "state store '{}': a commit is already in flight; finish it first", options_.path));
  }

  // 1. Encode the whole step into one write batch on this thread: the caller
  //    may change its records as soon as this returns, and an encoding error
  //    leaves the store untouched.
  auto step = std::make_unique<InFlight>();
  step->versions = model_versions_;
  step->contributors = batch.contributors.size();
  ANML_RETURN_IF_ERROR(AddContributors(batch, &step->write));
  if (batch.model != nullptr) {
    ANML_RETURN_IF_ERROR(AddModel(*batch.model, &step->write, &step->versions));
  }
  ANML_RETURN_IF_ERROR(AddOffsets(batch.offsets, &step->write));

  // 2. Apply it atomically on the writer thread: RocksDB logs the batch as
  //    one record, so a crash leaves all of it or none. With sync the log is
  //    fsynced first.
  if (!writer_) writer_ = std::make_unique<internal::WriterThread>("anml:writer");
  in_flight_ = std::move(step);
  writer_->Run([this, step = in_flight_.get()] {
    rocksdb::WriteOptions options;
    options.sync = options_.sync;
    step->written = FromRocksDb(db_->Write(options, &step->write),
                                fmt::format("committing to state store '{}'", options_.path));
  });
  return Status::Ok();
}

Status StateStore::FinishCommit() {
  if (!in_flight_) return Status::Ok();
  writer_->Wait();
  std::unique_ptr<InFlight> step = std::move(in_flight_);
  if (!step->written.ok()) {
    write_failure_ = step->written;
    return step->written;
  }
  // 3. Only a written batch changes what this object believes is stored.
  model_versions_ = std::move(step->versions);
  ++counters_.commits_total;
  counters_.committed_contributors_total += step->contributors;
  counters_.commit_bytes_total += step->write.GetDataSize();
  return Status::Ok();
}

void StateStore::AwaitWrite() {
  if (in_flight_) writer_->Wait();
}

Status StateStore::Put(rocksdb::WriteBatch* out, int family, std::string_view key,
                       std::string_view value) const {
  rocksdb::Status put = out->Put(handles_[static_cast<size_t>(family)], key, value);
  if (put.ok()) return Status::Ok();  // Runs per record committed: no formatting.
  return Where(FromRocksDb(put, fmt::format("adding key {} to the commit", PrintableKey(key))),
               family);
}

Status StateStore::AddContributors(const CommitBatch& batch, rocksdb::WriteBatch* out) const {
  std::string value;  // One buffer for every record: the batch copies each.
  for (const CommitBatch::Contributor& contributor : batch.contributors) {
    ANML_RETURN_IF_ERROR(CheckId(contributor.id));
    if (contributor.stats == nullptr) {
      return InvalidArgument(
          fmt::format("commit: contributor {} has no record", PrintableKey(contributor.id)));
    }
    EncodeContributorInto(*contributor.stats, &value);
    ANML_RETURN_IF_ERROR(Put(out, internal::kContributorsFamily, contributor.id, value));
    if (contributor.weight) {
      ANML_RETURN_IF_ERROR(
          Put(out, internal::kWeightsFamily, contributor.id, EncodeWeight(*contributor.weight)));
    }
  }
  for (const auto& [id, metadata] : batch.metadata) {
    ANML_RETURN_IF_ERROR(CheckId(id));
    ANML_RETURN_IF_ERROR(Put(out, internal::kMetadataFamily, id, EncodeMetadata(metadata)));
  }
  return Status::Ok();
}

Status StateStore::AddModel(const engine::ModelSnapshot& model, rocksdb::WriteBatch* out,
                            std::set<uint64_t>* versions) const {
  // Recovery takes the highest version; an older one would be ignored, and
  // the offsets committed with it would then not match the model.
  if (!versions->empty() && model.version < *versions->rbegin()) {
    return FailedPrecondition(fmt::format(
        "state store '{}': commit of model version {}, but version {} is already stored",
        options_.path, model.version, *versions->rbegin()));
  }
  ANML_RETURN_IF_ERROR(
      Put(out, internal::kModelsFamily, ModelKey(model.version), EncodeModel(model)));
  versions->insert(model.version);
  while (versions->size() > static_cast<size_t>(options_.models_kept)) {
    const std::string oldest = ModelKey(*versions->begin());
    ANML_RETURN_IF_ERROR(Where(
        FromRocksDb(out->Delete(handles_[internal::kModelsFamily], oldest), "deleting a model"),
        internal::kModelsFamily));
    versions->erase(versions->begin());
  }
  return Status::Ok();
}

Status StateStore::AddOffsets(const OffsetMap& offsets, rocksdb::WriteBatch* out) const {
  for (const auto& [partition, offset] : offsets) {
    if (offset < 0) {
      return InvalidArgument(fmt::format("commit: offset of {}/{} is {}, expected >= 0",
                                         partition.topic, partition.partition, offset));
    }
    StatusOr<std::string> key = OffsetKey(partition);
    if (!key.ok()) return key.status();
    ANML_RETURN_IF_ERROR(Put(out, internal::kOffsetsFamily, *key, EncodeOffset(offset)));
  }
  return Status::Ok();
}

Status StateStore::ForEachContributor(
    const std::function<bool(std::string_view, const engine::ContributorStats&)>& fn) {
  return Scan(internal::kContributorsFamily,
              [&fn](std::string_view key, std::string_view value, bool* more) -> Status {
                StatusOr<engine::ContributorStats> stats = DecodeContributor(key, value);
                if (!stats.ok()) return stats.status();
                *more = fn(key, *stats);
                return Status::Ok();
              });
}

Status StateStore::ForEachWeight(
    const std::function<bool(std::string_view, const StoredWeight&)>& fn) {
  return Scan(internal::kWeightsFamily,
              [&fn](std::string_view key, std::string_view value, bool* more) -> Status {
                StatusOr<StoredWeight> weight = DecodeWeight(key, value);
                if (!weight.ok()) return weight.status();
                *more = fn(key, *weight);
                return Status::Ok();
              });
}

StatusOr<uint64_t> StateStore::CountContributors() {
  uint64_t count = 0;
  Status scanned = Scan(internal::kContributorsFamily,
                        [&count](std::string_view, std::string_view, bool*) -> Status {
                          ++count;
                          return Status::Ok();
                        });
  if (!scanned.ok()) return scanned;
  return count;
}

uint64_t StateStore::Property(int family, std::string_view name) const {
  uint64_t value = 0;
  if (!db_) return 0;
  // A property RocksDB cannot compute reads as 0: these are gauges for
  // metrics, and a missing sample is better than a failed scrape.
  const bool known = db_->GetIntProperty(handles_[static_cast<size_t>(family)],
                                         rocksdb::Slice(name.data(), name.size()), &value);
  return known ? value : 0;
}

uint64_t StateStore::PropertySum(std::string_view name) const {
  uint64_t total = 0;
  for (int family = 0; family < internal::kFamilyCount; ++family) total += Property(family, name);
  return total;
}

StoreStats StateStore::Stats() const {
  using Properties = rocksdb::DB::Properties;
  StoreStats stats = counters_;
  stats.block_cache_hits_total = Ticker(*statistics_, rocksdb::BLOCK_CACHE_HIT);
  stats.block_cache_misses_total = Ticker(*statistics_, rocksdb::BLOCK_CACHE_MISS);
  stats.bloom_filter_useful_total = Ticker(*statistics_, rocksdb::BLOOM_FILTER_USEFUL);
  stats.wal_bytes_total = Ticker(*statistics_, rocksdb::WAL_FILE_BYTES);
  stats.wal_syncs_total = Ticker(*statistics_, rocksdb::WAL_FILE_SYNCED);
  stats.stall_micros_total = Ticker(*statistics_, rocksdb::STALL_MICROS);
  stats.flush_bytes_total = Ticker(*statistics_, rocksdb::FLUSH_WRITE_BYTES);
  stats.compaction_write_bytes_total = Ticker(*statistics_, rocksdb::COMPACT_WRITE_BYTES);
  stats.live_data_bytes = PropertySum(Properties::kEstimateLiveDataSize);
  stats.sst_files_bytes = PropertySum(Properties::kTotalSstFilesSize);
  stats.memtable_bytes = PropertySum(Properties::kCurSizeAllMemTables);
  stats.pending_compaction_bytes = PropertySum(Properties::kEstimatePendingCompactionBytes);
  // The block cache is shared, so any one family reports it.
  stats.block_cache_usage_bytes = Property(internal::kDefaultFamily, Properties::kBlockCacheUsage);
  stats.block_cache_capacity_bytes =
      Property(internal::kDefaultFamily, Properties::kBlockCacheCapacity);
  stats.estimated_contributors =
      Property(internal::kContributorsFamily, Properties::kEstimateNumKeys);
  return stats;
}

}  // namespace anml::state
