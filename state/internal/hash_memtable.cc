#include "state/internal/hash_memtable.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <string_view>
#include <vector>

#include <rocksdb/slice.h>

namespace anml::state::internal {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the sequence number and type of an internal key are read as a little-endian u64");

// An entry is RocksDB's: varint32 length, internal key (user key, then the
// sequence number and type packed into 8 little-endian bytes, the "tag"),
// varint32 length, value.
struct Key {
  std::string_view user;
  uint64_t tag = 0;
};

Key FromInternal(const rocksdb::Slice& internal) {
  Key key;
  key.user = std::string_view(internal.data(), internal.size() - sizeof(uint64_t));
  std::memcpy(&key.tag, internal.data() + key.user.size(), sizeof key.tag);
  return key;
}

Key FromEntry(const char* entry) { return FromInternal(rocksdb::GetLengthPrefixedSlice(entry)); }

// RocksDB's internal key order under the bytewise comparator: user keys
// ascending, then newer (larger tag) first.
bool Before(const Key& a, const Key& b) {
  const int order = a.user.compare(b.user);
  return order < 0 || (order == 0 && a.tag > b.tag);
}

struct Node {
  std::atomic<Node*> next{nullptr};
  const char* entry = nullptr;
};

struct Sorted {
  Key key;
  const char* entry;
  // Eight bytes of the user key as a big-endian number, for a sort that
  // compares numbers before it reads keys (see SortByKey).
  uint64_t rank = 0;
};

bool SortedBefore(const Sorted& a, const Sorted& b) { return Before(a.key, b.key); }

// Sorts `entries` in internal key order. Ids in a memtable often share a prefix
// (a scheme such as "contributor-" and leading digits), so each entry is first
// ranked by the eight bytes after the prefix all of them share, padded with
// zeros past its end. Two keys whose ranks differ are in rank order, since a
// key that ends inside the window has zeros where the other has bytes no
// smaller; equal ranks fall back to comparing the keys. The flush's sort of
// 100,000 entries then rarely touches their scattered memory.
void SortByKey(std::vector<Sorted>& entries) {
  if (entries.size() < 2) return;
  const std::string_view first = entries.front().key.user;
  size_t common = first.size();
  for (const Sorted& entry : entries) {
    const std::string_view user = entry.key.user;
    const size_t limit = std::min(common, user.size());
    size_t same = 0;
    while (same < limit && user[same] == first[same]) ++same;
    common = same;
  }
  for (Sorted& entry : entries) {
    const std::string_view user = entry.key.user;
    uint64_t rank = 0;
    for (size_t i = common; i < common + sizeof rank; ++i) {
      rank = (rank << 8) | (i < user.size() ? static_cast<unsigned char>(user[i]) : 0u);
    }
    entry.rank = rank;
  }
  std::sort(entries.begin(), entries.end(), [](const Sorted& a, const Sorted& b) {
    return a.rank != b.rank ? a.rank < b.rank : Before(a.key, b.key);
  });
}

// Every entry of a snapshot, sorted; positions past the end are invalid.
class SortedIterator : public rocksdb::MemTableRep::Iterator {
 public:
  explicit SortedIterator(std::vector<Sorted> entries) : entries_(std::move(entries)) {
    SortByKey(entries_);
  }

  bool Valid() const override { return at_ < entries_.size(); }
  const char* key() const override { return entries_[at_].entry; }
  void Next() override { ++at_; }
  void Prev() override { at_ = at_ == 0 ? entries_.size() : at_ - 1; }
  void Seek(const rocksdb::Slice& internal_key, const char* memtable_key) override {
    const Key target = Target(internal_key, memtable_key);
    at_ = static_cast<size_t>(
        std::partition_point(entries_.begin(), entries_.end(),
                             [&](const Sorted& entry) { return Before(entry.key, target); }) -
        entries_.begin());
  }
  void SeekForPrev(const rocksdb::Slice& internal_key, const char* memtable_key) override {
    const Key target = Target(internal_key, memtable_key);
    // The first entry after the target, then one back.
    at_ = static_cast<size_t>(
        std::partition_point(entries_.begin(), entries_.end(),
                             [&](const Sorted& entry) { return !Before(target, entry.key); }) -
        entries_.begin());
    Prev();
  }
  void SeekToFirst() override { at_ = 0; }
  void SeekToLast() override { at_ = entries_.empty() ? 0 : entries_.size() - 1; }

 private:
  static Key Target(const rocksdb::Slice& internal_key, const char* memtable_key) {
    return memtable_key != nullptr ? FromEntry(memtable_key) : FromInternal(internal_key);
  }

  std::vector<Sorted> entries_;
  size_t at_ = 0;
};

class HashMemTable;

// The entries of one user key at or below a sequence number, newest first:
// what RocksDB's Get() reads through GetDynamicPrefixIterator(). It only
// seeks; every other positioning leaves it invalid.
class PointIterator : public rocksdb::MemTableRep::Iterator {
 public:
  void Bind(const HashMemTable* table) {
    table_ = table;
    matches_.clear();
    at_ = 0;
  }
  bool Valid() const override { return at_ < matches_.size(); }
  const char* key() const override { return matches_[at_].entry; }
  void Next() override { ++at_; }
  void Prev() override { at_ = matches_.size(); }
  void Seek(const rocksdb::Slice& internal_key, const char* memtable_key) override;
  void SeekForPrev(const rocksdb::Slice&, const char*) override { Invalidate(); }
  void SeekToFirst() override { Invalidate(); }
  void SeekToLast() override { Invalidate(); }

 private:
  void Invalidate() {
    matches_.clear();
    at_ = 0;
  }

  const HashMemTable* table_ = nullptr;
  std::vector<Sorted> matches_;  // Kept between lookups for its capacity.
  size_t at_ = 0;
};

class HashMemTable : public rocksdb::MemTableRep {
 public:
  HashMemTable(rocksdb::Allocator* allocator, size_t buckets)
      : MemTableRep(allocator),
        buckets_(new std::atomic<Node*>[buckets]),
        mask_(buckets - 1),
        bytes_(buckets * sizeof(std::atomic<Node*>)) {
    for (size_t i = 0; i < buckets; ++i) buckets_[i].store(nullptr, std::memory_order_relaxed);
  }

  // Links the node at the head of its chain. Only the writer changes a
  // chain, so the plain load of the head cannot be overtaken.
  void Insert(rocksdb::KeyHandle handle) override {
    const char* entry = static_cast<const char*>(handle);
    Node* node = NewNode();
    node->entry = entry;
    std::atomic<Node*>& head = Bucket(FromEntry(entry).user);
    node->next.store(head.load(std::memory_order_relaxed), std::memory_order_relaxed);
    head.store(node, std::memory_order_release);
  }

  bool Contains(const char* memtable_key) const override {
    const Key key = FromEntry(memtable_key);
    for (const Node* node = First(key.user); node != nullptr; node = Next(node)) {
      const Key found = FromEntry(node->entry);
      if (found.tag == key.tag && found.user == key.user) return true;
    }
    return false;
  }

  size_t ApproximateMemoryUsage() override { return bytes_.load(std::memory_order_relaxed); }

  // RocksDB frees the iterator with delete without an arena, and only runs
  // its destructor with one; its storage then comes from this memtable and
  // lives as long as it does (RocksDB holds the memtable while iterating).
  Iterator* GetIterator(rocksdb::Arena* arena) override {
    std::vector<Sorted> entries;
    for (size_t i = 0; i <= mask_; ++i) {
      for (const Node* node = buckets_[i].load(std::memory_order_acquire); node != nullptr;
           node = Next(node)) {
        entries.push_back({FromEntry(node->entry), node->entry});
      }
    }
    if (arena == nullptr) return new SortedIterator(std::move(entries));
    std::lock_guard<std::mutex> lock(iterators_mutex_);
    iterator_storage_.push_back(std::make_unique<IteratorStorage>());
    return new (iterator_storage_.back()->bytes) SortedIterator(std::move(entries));
  }

  // RocksDB's default Get() (this class keeps it: overriding Get() would
  // need RocksDB's internal LookupKey) takes this iterator, seeks it once,
  // reads the entries it yields, and never frees it. So each thread gets
  // one PointIterator, kept and rebound at every lookup. An arena means an
  // ordinary scan (a family with a prefix extractor; the store sets none).
  Iterator* GetDynamicPrefixIterator(rocksdb::Arena* arena) override {
    if (arena != nullptr) return GetIterator(arena);
    thread_local PointIterator lookup;
    lookup.Bind(this);
    return &lookup;
  }

  // The entries of `user` at or below `tag`, newest first.
  void Matches(const Key& target, std::vector<Sorted>* matches) const {
    for (const Node* node = First(target.user); node != nullptr; node = Next(node)) {
      const Key found = FromEntry(node->entry);
      if (found.tag <= target.tag && found.user == target.user) {
        matches->push_back({found, node->entry});
      }
    }
    // Already newest first when inserts came in sequence order, as they do
    // with one writer; sorting a handful costs little and assumes nothing.
    if (matches->size() > 1) std::sort(matches->begin(), matches->end(), SortedBefore);
  }

 private:
  // Small, since a chunk counts toward the memtable's size at once.
  static constexpr size_t kNodesPerChunk = 256;
  struct IteratorStorage {
    alignas(SortedIterator) unsigned char bytes[sizeof(SortedIterator)];
  };

  std::atomic<Node*>& Bucket(std::string_view user) const {
    return buckets_[std::hash<std::string_view>()(user) & mask_];
  }
  const Node* First(std::string_view user) const {
    return Bucket(user).load(std::memory_order_acquire);
  }
  static const Node* Next(const Node* node) { return node->next.load(std::memory_order_acquire); }

  Node* NewNode() {
    if (chunks_.empty() || used_in_chunk_ == kNodesPerChunk) {
      chunks_.push_back(std::make_unique<Node[]>(kNodesPerChunk));
      used_in_chunk_ = 0;
      bytes_.fetch_add(kNodesPerChunk * sizeof(Node), std::memory_order_relaxed);
    }
    return &chunks_.back()[used_in_chunk_++];
  }

  const std::unique_ptr<std::atomic<Node*>[]> buckets_;
  const size_t mask_;
  // The writer's alone.
  std::vector<std::unique_ptr<Node[]>> chunks_;
  size_t used_in_chunk_ = 0;
  // Buckets and nodes, read by RocksDB from any thread. It must not change
  // once the memtable is immutable (RocksDB checks that its list's total
  // still covers it), so the few bytes of iterators are left out.
  std::atomic<size_t> bytes_;
  std::mutex iterators_mutex_;
  // The storage of iterators made in an arena.
  std::vector<std::unique_ptr<IteratorStorage>> iterator_storage_;
};

void PointIterator::Seek(const rocksdb::Slice& internal_key, const char* memtable_key) {
  Invalidate();
  table_->Matches(memtable_key != nullptr ? FromEntry(memtable_key) : FromInternal(internal_key),
                  &matches_);
}

}  // namespace

HashMemTableFactory::HashMemTableFactory(size_t expected_entries)
    : buckets_(std::bit_ceil(std::max<size_t>(2 * expected_entries, 2))) {}

rocksdb::MemTableRep* HashMemTableFactory::CreateMemTableRep(
    const rocksdb::MemTableRep::KeyComparator&, rocksdb::Allocator* allocator,
    const rocksdb::SliceTransform*, rocksdb::Logger*) {
  return new HashMemTable(allocator, buckets_);
}

}  // namespace anml::state::internal
