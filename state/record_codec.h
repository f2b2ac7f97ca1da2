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

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/contributor_stats.h"
#include "engine/model_snapshot.h"
#include "engine/scheme.h"
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
// The same into `value`, replacing its contents but keeping its buffer, so
// a commit encodes its records into one string.
void EncodeContributorInto(const engine::ContributorStats& stats, std::string* value);
// The bytes of a contributor value's fields (without the header and the
// checksum) for a gradient sum of `gradient_length` coordinates.
constexpr size_t ContributorFieldBytes(size_t gradient_length) {
  // Verification, reputation, has_metadata, as_of; the gradient sum with
  // its count; gradient weight, consistent, inconsistent; the held-out
  // losses with their count; held-out weight, first and last time, the two
  // sample counts, attribution.
  return 1 + 8 + 1 + 8 + (4 + 8 * gradient_length) + 3 * 8 + (4 + 8 * engine::kSchemeCount) + 8 +
         2 * 8 + 2 * 8 + 8;
}

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
