#include "state/internal/rocksdb_options.h"

#include <algorithm>
#include <array>

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include "state/internal/hash_memtable.h"
#include "state/internal/logger.h"

namespace anml::state::internal {
namespace {

// Ten bits per key gives bloom filters about a 1% false-positive rate, so a
// lookup of a contributor that was never stored (every new contributor)
// rarely reads a data block.
constexpr double kBloomBitsPerKey = 10.0;
// Memtable bloom filter size as a fraction of the memtable, for the same
// reason before a flush.
constexpr double kMemtableBloomRatio = 0.02;
// Small column families (offsets, models, metadata) need little memtable.
constexpr size_t kSmallWriteBuffer = size_t{4} << 20;
// A contributor record's memtable entry: key, value of a 16-coordinate
// record (about 290 bytes) and RocksDB's framing.
constexpr size_t kContributorEntryBytes = 320;
// Bound the log so a crash never leaves more than this to replay at open.
constexpr uint64_t kMaxWalBytes = uint64_t{256} << 20;

bool Supported(rocksdb::CompressionType type) {
  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  return std::find(supported.begin(), supported.end(), type) != supported.end();
}

// Contributor records and weights are mostly doubles that barely compress;
// measured with `anml bench state` on 1,000,000 records, LZ4 with a ZSTD
// bottom level cut lookups of evicted records to about half the speed of
// no compression, for little space. Model snapshots and metadata are
// written once per step or rarely: they take LZ4, or ZSTD at the bottom
// level, whichever this RocksDB build supports.
void ChooseCompression(bool per_contributor, rocksdb::ColumnFamilyOptions* family) {
  if (per_contributor) {
    family->compression = family->bottommost_compression = rocksdb::kNoCompression;
    return;
  }
  family->compression = Supported(rocksdb::kLZ4Compression)      ? rocksdb::kLZ4Compression
                        : Supported(rocksdb::kSnappyCompression) ? rocksdb::kSnappyCompression
                                                                 : rocksdb::kNoCompression;
  family->bottommost_compression = Supported(rocksdb::kZSTD) ? rocksdb::kZSTD : family->compression;
}

rocksdb::ColumnFamilyOptions MakeFamilyOptions(std::shared_ptr<rocksdb::Cache> cache,
                                               size_t write_buffer, bool point_lookups,
                                               bool per_contributor) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = std::move(cache);
  // Index and filter blocks live in the block cache, so its usage shows
  // them.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  if (per_contributor) {
    // Contributor lookups do not cache data blocks (see StateStore), so
    // nothing would bring an evicted index or filter back: they are pinned
    // for every file instead, about 9 MiB per 1,000,000 stored contributors
    // (measured with `anml bench state`), held even past the cache's size.
    table.metadata_cache_options.unpartitioned_pinning = rocksdb::PinningTier::kAll;
  }
  table.format_version = 5;
  if (point_lookups) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
  }

  rocksdb::ColumnFamilyOptions family;
  family.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  family.write_buffer_size = write_buffer;
  family.max_write_buffer_number = 2;
  family.level_compaction_dynamic_level_bytes = true;
  if (point_lookups) {
    family.memtable_whole_key_filtering = true;
    family.memtable_prefix_bloom_size_ratio = kMemtableBloomRatio;
  }
  ChooseCompression(per_contributor, &family);
  if (per_contributor) {
    // A commit inserts about a thousand scattered ids, and every read is a
    // point lookup: a hash-indexed memtable that sorts only when flushed
    // (see hash_memtable.h), with buckets for entries of about a contributor
    // record's size.
    family.memtable_factory =
        std::make_shared<HashMemTableFactory>(write_buffer / kContributorEntryBytes);
  }
  return family;
}

}  // namespace

const std::string& FamilyName(int family) {
  static const std::array<std::string, kFamilyCount> kNames = {rocksdb::kDefaultColumnFamilyName,
                                                               "contributors",
                                                               "metadata",
                                                               "weights",
                                                               "models",
                                                               "offsets"};
  return kNames[static_cast<size_t>(family)];
}

rocksdb::DBOptions MakeDbOptions(const StoreOptions& options,
                                 std::shared_ptr<rocksdb::Statistics> statistics) {
  rocksdb::DBOptions db;
  db.create_if_missing = options.create_if_missing && !options.read_only;
  db.create_missing_column_families = false;
  db.statistics = std::move(statistics);
  db.max_background_jobs = 2;
  // The hash memtable (see hash_memtable.h) takes one writer at a time;
  // the store has one.
  db.allow_concurrent_memtable_write = false;
  db.max_total_wal_size = kMaxWalBytes;
  db.db_write_buffer_size = options.memtable_budget_bytes;
  db.info_log = MakeRocksDbLogger();
  db.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  return db;
}

std::vector<rocksdb::ColumnFamilyDescriptor> MakeFamilies(const StoreOptions& options) {
  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (int family = 0; family < kFamilyCount; ++family) {
    const bool per_contributor = family == kContributorsFamily || family == kWeightsFamily;
    const bool point_lookups = per_contributor || family == kMetadataFamily;
    const size_t buffer = per_contributor ? options.write_buffer_bytes : kSmallWriteBuffer;
    families.emplace_back(FamilyName(family),
                          MakeFamilyOptions(cache, buffer, point_lookups, per_contributor));
  }
  return families;
}

}  // namespace anml::state::internal
