#include "state/record_codec.h"

#include <span>
#include <utility>

#include <fmt/format.h>

#include "state/internal/bytes.h"
#include "state/internal/crc32c.h"

namespace anml::state {
namespace {

using internal::ByteReader;
using internal::ByteWriter;

constexpr size_t kHeaderBytes = 2;    // Format version, record kind.
constexpr size_t kChecksumBytes = 4;  // Trailing CRC-32C.
constexpr size_t kModelKeyBytes = 8;
constexpr size_t kMaxTopicBytes = 0xffff;

Status Corrupt(RecordKind kind, std::string_view key, std::string_view what) {
  return DataLoss(
      fmt::format("{} value at key {}: {}", RecordKindName(kind), PrintableKey(key), what));
}

// Starts `value` over with the header, keeping its buffer and making room
// for `field_bytes` of fields and the checksum.
void BeginInto(RecordKind kind, size_t field_bytes, std::string* value) {
  value->clear();
  value->reserve(kHeaderBytes + field_bytes + kChecksumBytes);
  value->push_back(static_cast<char>(kFormatVersion));
  value->push_back(static_cast<char>(kind));
}

void FinishInto(std::string* value) {
  const uint32_t crc = internal::Crc32c(*value);
  ByteWriter(value).PutU32(crc);
}

std::string Begin(RecordKind kind) {
  std::string value;
  BeginInto(kind, 0, &value);
  return value;
}

std::string Finish(std::string value) {
  FinishInto(&value);
  return value;
}

// Checks the header and checksum of `value` and returns its fields. The
// version is checked before the checksum so a value from a newer build is
// reported as such, not as damage.
StatusOr<std::string_view> OpenValue(RecordKind kind, std::string_view key,
                                     std::string_view value) {
  if (value.size() < kHeaderBytes + kChecksumBytes) {
    return Corrupt(kind, key,
                   fmt::format("value is {} bytes, shorter than the {}-byte "
                               "header and checksum",
                               value.size(), kHeaderBytes + kChecksumBytes));
  }
  const auto version = static_cast<uint8_t>(value[0]);
  if (version != kFormatVersion) {
    return Corrupt(kind, key,
                   fmt::format("unknown format version {} (this build reads "
                               "version {})",
                               version, kFormatVersion));
  }
  const auto found = static_cast<RecordKind>(value[1]);
  if (found != kind) {
    return Corrupt(kind, key,
                   fmt::format("record kind is {}, expected {}", static_cast<int>(found),
                               static_cast<int>(kind)));
  }
  const std::string_view covered = value.substr(0, value.size() - kChecksumBytes);
  uint32_t stored = 0;
  ByteReader(value.substr(covered.size())).ReadU32("checksum", &stored);
  const uint32_t computed = internal::Crc32c(covered);
  if (stored != computed) {
    return Corrupt(kind, key,
                   fmt::format("checksum mismatch: stored {:#010x}, computed "
                               "{:#010x}",
                               stored, computed));
  }
  return covered.substr(kHeaderBytes);
}

// Runs `read` over the fields of a value of `kind` and checks nothing is
// left over; any failure becomes DataLoss naming the key.
template <typename T, typename ReadFn>
StatusOr<T> DecodeValue(RecordKind kind, std::string_view key, std::string_view value,
                        std::string_view last_field, ReadFn read) {
  StatusOr<std::string_view> fields = OpenValue(kind, key, value);
  if (!fields.ok()) return fields.status();
  ByteReader reader(*fields);
  T out{};
  read(reader, out);
  reader.ExpectEnd(last_field);
  if (!reader.ok()) return Corrupt(kind, key, reader.error());
  return out;
}

void ReadVerification(ByteReader& reader, engine::Verification* out) {
  uint8_t level = 0;
  if (!reader.ReadU8("verification", &level)) return;
  if (level >= engine::kVerificationLevels) {
    reader.Fail(fmt::format("field 'verification' is {}, expected 0 to {}", level,
                            engine::kVerificationLevels - 1));
    return;
  }
  *out = static_cast<engine::Verification>(level);
}

void WriteReals(ByteWriter& writer, std::span<const double> values) {
  writer.PutU32(static_cast<uint32_t>(values.size()));
  for (double value : values) writer.PutF64(value);
}

void ReadReals(ByteReader& reader, std::string_view field, std::vector<double>* out) {
  uint32_t count = 0;
  if (!reader.ReadCount(field, sizeof(double), &count)) return;
  out->resize(count);
  for (double& value : *out) reader.ReadF64(field, &value);
}

void ReadHeldoutLoss(ByteReader& reader, engine::ContributorStats& stats) {
  uint32_t count = 0;
  if (!reader.ReadCount("heldout_loss", sizeof(double), &count)) return;
  if (count != stats.heldout_loss.size()) {
    reader.Fail(fmt::format("field 'heldout_loss' has {} entries, expected {} (one per scheme)",
                            count, stats.heldout_loss.size()));
    return;
  }
  for (double& loss : stats.heldout_loss) reader.ReadF64("heldout_loss", &loss);
}

void ReadContributorFields(ByteReader& reader, engine::ContributorStats& stats) {
  ReadVerification(reader, &stats.verification);
  reader.ReadF64("reputation", &stats.reputation);
  reader.ReadBool("has_metadata", &stats.has_metadata);
  reader.ReadI64("as_of_ms", &stats.as_of_ms);
  ReadReals(reader, "gradient_sum", &stats.gradient_sum);
  reader.ReadF64("gradient_weight", &stats.gradient_weight);
  reader.ReadF64("consistent", &stats.consistent);
  reader.ReadF64("inconsistent", &stats.inconsistent);
  ReadHeldoutLoss(reader, stats);
  reader.ReadF64("heldout_weight", &stats.heldout_weight);
  reader.ReadI64("first_time_ms", &stats.first_time_ms);
  reader.ReadI64("last_time_ms", &stats.last_time_ms);
  reader.ReadU64("samples", &stats.samples);
  reader.ReadU64("heldout_samples", &stats.heldout_samples);
  reader.ReadF64("attribution", &stats.attribution);
}

template <typename T, typename WriteFn>
void WriteNamedArrays(ByteWriter& writer, const std::map<std::string, std::vector<T>>& arrays,
                      WriteFn write_element) {
  writer.PutU32(static_cast<uint32_t>(arrays.size()));
  for (const auto& [name, values] : arrays) {
    writer.PutString(name);
    writer.PutU32(static_cast<uint32_t>(values.size()));
    for (const T& value : values) write_element(value);
  }
}

// Each array needs at least its u32 name length and u32 element count, and
// each element at least `min_element_bytes`.
template <typename T, typename ReadFn>
void ReadNamedArrays(ByteReader& reader, std::string_view field, size_t min_element_bytes,
                     std::map<std::string, std::vector<T>>* out, ReadFn read_element) {
  uint32_t arrays = 0;
  if (!reader.ReadCount(field, 8, &arrays)) return;
  for (uint32_t a = 0; a < arrays && reader.ok(); ++a) {
    std::string name;
    uint32_t count = 0;
    if (!reader.ReadString(field, &name)) return;
    const std::string element_field = fmt::format("{}[{}]", field, name);
    if (!reader.ReadCount(element_field, min_element_bytes, &count)) return;
    std::vector<T> values(count);
    for (T& value : values) read_element(element_field, &value);
    if (!out->emplace(std::move(name), std::move(values)).second) {
      reader.Fail(fmt::format("field '{}' names an array twice", element_field));
    }
  }
}

void ReadModelFields(ByteReader& reader, engine::ModelSnapshot& model) {
  reader.ReadU64("version", &model.version);
  ReadNamedArrays(reader, "reals", sizeof(double), &model.reals,
                  [&](std::string_view f, double* v) { reader.ReadF64(f, v); });
  ReadNamedArrays(reader, "integers", sizeof(int64_t), &model.integers,
                  [&](std::string_view f, int64_t* v) { reader.ReadI64(f, v); });
  ReadNamedArrays(reader, "texts", sizeof(uint32_t), &model.texts,
                  [&](std::string_view f, std::string* v) { reader.ReadString(f, v); });
}

void WriteReport(ByteWriter& writer, const engine::ContributorReport& report) {
  for (double value :
       {report.weight, report.q, report.v, report.r, report.t, report.gate, report.consistency}) {
    writer.PutF64(value);
  }
  writer.PutU64(report.samples);
  writer.PutF64(report.attribution);
}

void ReadReport(ByteReader& reader, engine::ContributorReport& report) {
  reader.ReadF64("weight", &report.weight);
  reader.ReadF64("q", &report.q);
  reader.ReadF64("v", &report.v);
  reader.ReadF64("r", &report.r);
  reader.ReadF64("t", &report.t);
  reader.ReadF64("gate", &report.gate);
  reader.ReadF64("consistency", &report.consistency);
  reader.ReadU64("samples", &report.samples);
  reader.ReadF64("attribution", &report.attribution);
}

void PutBigEndian(uint64_t value, size_t width, std::string* out) {
  for (size_t i = width; i-- > 0;) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t GetBigEndian(std::string_view bytes) {
  uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

}  // namespace

std::string_view RecordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kContributor:
      return "contributor";
    case RecordKind::kMetadata:
      return "metadata";
    case RecordKind::kModel:
      return "model";
    case RecordKind::kOffset:
      return "offset";
    case RecordKind::kWeight:
      return "weight";
    case RecordKind::kStoreInfo:
      return "store info";
  }
  return "unknown";
}

std::string PrintableKey(std::string_view key) {
  std::string out = "\"";
  for (char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\') {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string EncodeContributor(const engine::ContributorStats& stats) {
  std::string value;
  EncodeContributorInto(stats, &value);
  return value;
}

void EncodeContributorInto(const engine::ContributorStats& stats, std::string* value) {
  BeginInto(RecordKind::kContributor, ContributorFieldBytes(stats.gradient_sum.size()), value);
  ByteWriter writer(value);
  writer.PutU8(static_cast<uint8_t>(stats.verification));
  writer.PutF64(stats.reputation);
  writer.PutU8(stats.has_metadata ? 1 : 0);
  writer.PutI64(stats.as_of_ms);
  WriteReals(writer, stats.gradient_sum);
  writer.PutF64(stats.gradient_weight);
  writer.PutF64(stats.consistent);
  writer.PutF64(stats.inconsistent);
  WriteReals(writer, stats.heldout_loss);
  writer.PutF64(stats.heldout_weight);
  writer.PutI64(stats.first_time_ms);
  writer.PutI64(stats.last_time_ms);
  writer.PutU64(stats.samples);
  writer.PutU64(stats.heldout_samples);
  writer.PutF64(stats.attribution);
  FinishInto(value);
}

StatusOr<engine::ContributorStats> DecodeContributor(std::string_view key, std::string_view value) {
  return DecodeValue<engine::ContributorStats>(RecordKind::kContributor, key, value, "attribution",
                                               ReadContributorFields);
}

std::string EncodeMetadata(const ContributorMetadata& metadata) {
  std::string value = Begin(RecordKind::kMetadata);
  ByteWriter writer(&value);
  writer.PutU8(static_cast<uint8_t>(metadata.verification));
  writer.PutF64(metadata.reputation);
  return Finish(std::move(value));
}

StatusOr<ContributorMetadata> DecodeMetadata(std::string_view key, std::string_view value) {
  return DecodeValue<ContributorMetadata>(RecordKind::kMetadata, key, value, "reputation",
                                          [](ByteReader& reader, ContributorMetadata& metadata) {
                                            ReadVerification(reader, &metadata.verification);
                                            reader.ReadF64("reputation", &metadata.reputation);
                                          });
}

std::string EncodeModel(const engine::ModelSnapshot& snapshot) {
  std::string value = Begin(RecordKind::kModel);
  ByteWriter writer(&value);
  writer.PutU64(snapshot.version);
  WriteNamedArrays(writer, snapshot.reals, [&](double v) { writer.PutF64(v); });
  WriteNamedArrays(writer, snapshot.integers, [&](int64_t v) { writer.PutI64(v); });
  WriteNamedArrays(writer, snapshot.texts, [&](const std::string& v) { writer.PutString(v); });
  return Finish(std::move(value));
}

StatusOr<engine::ModelSnapshot> DecodeModel(std::string_view key, std::string_view value) {
  return DecodeValue<engine::ModelSnapshot>(RecordKind::kModel, key, value, "texts",
                                            ReadModelFields);
}

std::string EncodeOffset(int64_t next_offset) {
  std::string value = Begin(RecordKind::kOffset);
  ByteWriter(&value).PutI64(next_offset);
  return Finish(std::move(value));
}

StatusOr<int64_t> DecodeOffset(std::string_view key, std::string_view value) {
  return DecodeValue<int64_t>(
      RecordKind::kOffset, key, value, "next_offset", [](ByteReader& reader, int64_t& offset) {
        reader.ReadI64("next_offset", &offset);
        if (reader.ok() && offset < 0) {
          reader.Fail(fmt::format("field 'next_offset' is {}, expected >= 0", offset));
        }
      });
}

std::string EncodeWeight(const StoredWeight& weight) {
  std::string value = Begin(RecordKind::kWeight);
  ByteWriter writer(&value);
  WriteReport(writer, weight.report);
  writer.PutU64(weight.model_version);
  return Finish(std::move(value));
}

StatusOr<StoredWeight> DecodeWeight(std::string_view key, std::string_view value) {
  return DecodeValue<StoredWeight>(RecordKind::kWeight, key, value, "model_version",
                                   [](ByteReader& reader, StoredWeight& weight) {
                                     ReadReport(reader, weight.report);
                                     reader.ReadU64("model_version", &weight.model_version);
                                   });
}

std::string EncodeStoreInfo(uint32_t layout_version) {
  std::string value = Begin(RecordKind::kStoreInfo);
  ByteWriter(&value).PutU32(layout_version);
  return Finish(std::move(value));
}

StatusOr<uint32_t> DecodeStoreInfo(std::string_view key, std::string_view value) {
  return DecodeValue<uint32_t>(
      RecordKind::kStoreInfo, key, value, "layout_version",
      [](ByteReader& reader, uint32_t& layout) { reader.ReadU32("layout_version", &layout); });
}

std::string ModelKey(uint64_t version) {
  std::string key;
  PutBigEndian(version, kModelKeyBytes, &key);
  return key;
}

StatusOr<uint64_t> DecodeModelKey(std::string_view key) {
  if (key.size() != kModelKeyBytes) {
    return DataLoss(fmt::format("model key {} is {} bytes, expected {}", PrintableKey(key),
                                key.size(), kModelKeyBytes));
  }
  return GetBigEndian(key);
}

StatusOr<std::string> OffsetKey(const TopicPartition& partition) {
  if (partition.topic.size() > kMaxTopicBytes) {
    return InvalidArgument(fmt::format("topic name is {} bytes, at most {} fit an offset key",
                                       partition.topic.size(), kMaxTopicBytes));
  }
  std::string key;
  PutBigEndian(partition.topic.size(), 2, &key);
  key += partition.topic;
  PutBigEndian(static_cast<uint32_t>(partition.partition), 4, &key);
  return key;
}

StatusOr<TopicPartition> DecodeOffsetKey(std::string_view key) {
  const size_t topic_bytes = key.size() < 2 ? 0 : GetBigEndian(key.substr(0, 2));
  if (key.size() < 2 || key.size() != 2 + topic_bytes + 4) {
    return DataLoss(fmt::format("offset key {} is {} bytes, expected 2 + topic length + 4",
                                PrintableKey(key), key.size()));
  }
  TopicPartition partition;
  partition.topic = std::string(key.substr(2, topic_bytes));
  partition.partition = static_cast<int32_t>(GetBigEndian(key.substr(2 + topic_bytes)));
  return partition;
}

}  // namespace anml::state
