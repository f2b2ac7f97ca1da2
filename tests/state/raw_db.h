// RawDb: a state store's RocksDB opened directly with every column family,
// so tests can plant damage that the store's own API never writes. Test
// support for the state tests.
#ifndef ANML_TESTS_STATE_RAW_DB_H_
#define ANML_TESTS_STATE_RAW_DB_H_

#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>

namespace anml::state {

class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    std::vector<std::string> names;
    if (!rocksdb::DB::ListColumnFamilies({}, path, &names).ok()) return;
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const std::string& name : names) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* db = nullptr;
    if (!rocksdb::DB::Open({}, path, families, &handles_, &db).ok()) return;
    db_.reset(db);
    names_ = names;
  }
  ~RawDb() {
    // Freeing handles cannot fail for the families opened here.
    for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  bool ok() const { return db_ != nullptr; }
  rocksdb::DB& db() { return *db_; }
  rocksdb::ColumnFamilyHandle* Family(const std::string& name) {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return handles_[i];
    }
    return nullptr;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::vector<std::string> names_;
};

}  // namespace anml::state

#endif  // ANML_TESTS_STATE_RAW_DB_H_
