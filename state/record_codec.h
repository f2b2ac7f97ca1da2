// The versioned, byte-order-stable binary encoding of every stored value.
//
// Every value is laid out as
//   u8  format version (kFormatVersion)
//   u8  record kind (contributor, metadata, model, offset, weight, store)
//   ... the record's fields, little-endian, fixed width, in declaration order;
//       arrays and strings are preceded by a u32 count
//   u32 CRC-32C of everything before it
// so a value from a newer build, a value of the wrong kind, a damaged value
// and a truncated value are each told apart and reported, never read as a
// default. Fields are never reordered within a version: a change of layout
// means a new format version and a decoder for the old one.
//
// Keys: contributor records, metadata and weights are keyed by the raw
// contributor id; model snapshots by the version as 8 big-endian bytes (so
// keys sort by version); offsets by u16 big-endian topic length, the topic,
// and the partition as 4 big-endian bytes.
//
// Every decoder returns DataLoss whose message names the key (printable,
// non-printing bytes as \xNN) and what was wrong, expected against found.
//
// Thread safety: stateless functions, safe from any thread.
#ifndef ANML_STATE_RECORD_CODEC_H_
#define ANML_STATE_RECORD_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/contributor_stats.h"
#include "engine/model_snapshot.h"
#include "engine/status.h"
#include "state/records.h"

namespace anml::state {

// The layout this build writes and the only one it reads.
inline constexpr uint8_t kFormatVersion = 1;

enum class RecordKind : uint8_t {
  kContributor = 1,
  kMetadata = 2,
  kModel = 3,
  kOffset = 4,
  kWeight = 5,
  kStoreInfo = 6,
};

// "contributor", "metadata", "model", "offset", "weight" or "store info".
std::string_view RecordKindName(RecordKind kind);

// `key` with every byte outside printable ASCII (and the backslash and
// quote) written as \xNN, in double quotes, for error messages.
std::string PrintableKey(std::string_view key);

std::string EncodeContributor(const engine::ContributorStats& stats);
StatusOr<engine::ContributorStats> DecodeContributor(std::string_view key, std::string_view value);

std::string EncodeMetadata(const ContributorMetadata& metadata);
StatusOr<ContributorMetadata> DecodeMetadata(std::string_view key, std::string_view value);

std::string EncodeModel(const engine::ModelSnapshot& snapshot);
StatusOr<engine::ModelSnapshot> DecodeModel(std::string_view key, std::string_view value);

// The value of an offsets entry: the next offset to consume.
std::string EncodeOffset(int64_t next_offset);
StatusOr<int64_t> DecodeOffset(std::string_view key, std::string_view value);

std::string EncodeWeight(const StoredWeight& weight);
StatusOr<StoredWeight> DecodeWeight(std::string_view key, std::string_view value);

// The store-wide layout marker kept in the default column family.
std::string EncodeStoreInfo(uint32_t layout_version);
StatusOr<uint32_t> DecodeStoreInfo(std::string_view key, std::string_view value);

std::string ModelKey(uint64_t version);
// DataLoss unless `key` is exactly 8 bytes.
StatusOr<uint64_t> DecodeModelKey(std::string_view key);

// InvalidArgument when the topic is longer than 65535 bytes.
StatusOr<std::string> OffsetKey(const TopicPartition& partition);
StatusOr<TopicPartition> DecodeOffsetKey(std::string_view key);

}  // namespace anml::state

#endif  // ANML_STATE_RECORD_CODEC_H_
