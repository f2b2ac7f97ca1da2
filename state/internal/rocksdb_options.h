// RocksDB options for the state store's workload: many small point lookups
// and overwrites of contributor records, one small batch of offsets and one
// model snapshot per step, and fast reopen.
#ifndef ANML_STATE_INTERNAL_ROCKSDB_OPTIONS_H_
#define ANML_STATE_INTERNAL_ROCKSDB_OPTIONS_H_

#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>

#include "state/state_store.h"

namespace anml::state::internal {

// The column families, in the order of the handles the store keeps.
enum Family : int {
  kDefaultFamily = 0,
  kContributorsFamily,
  kMetadataFamily,
  kWeightsFamily,
  kModelsFamily,
  kOffsetsFamily,
  kFamilyCount,
};

// "default", "contributors", "metadata", "weights", "models", "offsets".
const std::string& FamilyName(int family);

rocksdb::DBOptions MakeDbOptions(const StoreOptions& options,
                                 std::shared_ptr<rocksdb::Statistics> statistics);

// One descriptor per Family, sharing one block cache.
std::vector<rocksdb::ColumnFamilyDescriptor> MakeFamilies(const StoreOptions& options);

}  // namespace anml::state::internal

#endif  // ANML_STATE_INTERNAL_ROCKSDB_OPTIONS_H_
