// HashMemTableFactory: a RocksDB memtable for the contributor column
// families, whose writes are a thousand scattered ids per commit and whose
// reads are point lookups of one id.
//
// RocksDB's default memtable, a skip list, keeps its entries sorted as they
// arrive: about fifteen key comparisons per insert, each through RocksDB's
// comparator chain, and in Debian's build (which keeps its assertions) as
// many again to check the list. This one keeps a fixed array of hash
// buckets instead. An insert hashes the user key and links one node into
// its bucket's chain; a lookup walks that chain; the entries are sorted
// only when the memtable is iterated, which is once, when the flush writes
// it to a table file.
//
// Order: iteration yields entries as RocksDB orders internal keys under its
// bytewise comparator (user key bytes ascending, then sequence number
// descending), the comparator of every column family of the state store.
// Installing the factory for a family with another comparator would flush
// files in the wrong order; MakeFamilies never does.
//
// Concurrency: RocksDB's memtable contract with concurrent memtable writes
// off. One thread inserts; any number read at the same time. The writer
// fills a node before it links it with a release store, so a reader sees
// an insert whole or not at all.
//
// Limits: the bucket array is fixed when a memtable is created, sized for
// `expected_entries`; more entries only lengthen the chains. An iterator
// sorts a snapshot of the entries when it is created, so creating one costs
// O(n log n) and it does not see later inserts. That suits the flush (the
// memtable is then immutable) and RocksDB's own iterators, which read at a
// sequence number fixed before they were made, but not a caller that makes
// many iterators over a large mutable memtable; the store makes one per
// scan. Merge operands are stored and returned like any entry, but the
// store uses no merge operator.
#ifndef ANML_STATE_INTERNAL_HASH_MEMTABLE_H_
#define ANML_STATE_INTERNAL_HASH_MEMTABLE_H_

#include <cstddef>

#include <rocksdb/memtablerep.h>

namespace anml::state::internal {

class HashMemTableFactory : public rocksdb::MemTableRepFactory {
 public:
  // `expected_entries`: about how many entries one memtable holds; there
  // are twice as many buckets, rounded up to a power of two.
  explicit HashMemTableFactory(size_t expected_entries);

  rocksdb::MemTableRep* CreateMemTableRep(const rocksdb::MemTableRep::KeyComparator& compare,
                                          rocksdb::Allocator* allocator,
                                          const rocksdb::SliceTransform* prefix_extractor,
                                          rocksdb::Logger* logger) override;
  const char* Name() const override { return "AnmlHashMemTable"; }

 private:
  size_t buckets_;
};

}  // namespace anml::state::internal

#endif  // ANML_STATE_INTERNAL_HASH_MEMTABLE_H_
