#include "state/internal/bytes.h"

#include <bit>
#include <utility>

#include <fmt/format.h>

namespace anml::state::internal {
namespace {

uint64_t LoadLittleEndian(const char* bytes, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value |= uint64_t{static_cast<unsigned char>(bytes[i])} << (8 * i);
  }
  return value;
}

}  // namespace

void ByteWriter::PutString(std::string_view value) {
  PutU32(static_cast<uint32_t>(value.size()));
  out_->append(value);
}

bool ByteReader::Take(std::string_view field, size_t bytes, const char** out) {
  if (!ok()) return false;
  if (remaining() < bytes) {
    Fail(fmt::format("truncated: field '{}' needs {} bytes at byte {}, {} left", field, bytes,
                     position_, remaining()));
    return false;
  }
  *out = in_.data() + position_;
  position_ += bytes;
  return true;
}

bool ByteReader::ReadU8(std::string_view field, uint8_t* out) {
  const char* bytes;
  if (!Take(field, 1, &bytes)) return false;
  *out = static_cast<uint8_t>(bytes[0]);
  return true;
}

bool ByteReader::ReadU32(std::string_view field, uint32_t* out) {
  const char* bytes;
  if (!Take(field, 4, &bytes)) return false;
  *out = static_cast<uint32_t>(LoadLittleEndian(bytes, 4));
  return true;
}

bool ByteReader::ReadU64(std::string_view field, uint64_t* out) {
  const char* bytes;
  if (!Take(field, 8, &bytes)) return false;
  *out = LoadLittleEndian(bytes, 8);
  return true;
}

bool ByteReader::ReadI64(std::string_view field, int64_t* out) {
  uint64_t bits;
  if (!ReadU64(field, &bits)) return false;
  *out = static_cast<int64_t>(bits);
  return true;
}

bool ByteReader::ReadF64(std::string_view field, double* out) {
  uint64_t bits;
  if (!ReadU64(field, &bits)) return false;
  *out = std::bit_cast<double>(bits);
  return true;
}

bool ByteReader::ReadBool(std::string_view field, bool* out) {
  const size_t at = position_;
  uint8_t byte;
  if (!ReadU8(field, &byte)) return false;
  if (byte > 1) {
    Fail(fmt::format("field '{}' at byte {} is {}, expected 0 or 1", field, at, byte));
    return false;
  }
  *out = byte == 1;
  return true;
}

bool ByteReader::ReadString(std::string_view field, std::string* out) {
  uint32_t size;
  if (!ReadCount(field, 1, &size)) return false;
  const char* bytes;
  if (!Take(field, size, &bytes)) return false;
  out->assign(bytes, size);
  return true;
}

bool ByteReader::ReadCount(std::string_view field, size_t element_bytes, uint32_t* out) {
  const size_t at = position_;
  uint32_t count;
  if (!ReadU32(field, &count)) return false;
  if (uint64_t{count} * element_bytes > remaining()) {
    Fail(fmt::format("field '{}' at byte {} claims {} elements of {} bytes, only {} bytes left",
                     field, at, count, element_bytes, remaining()));
    return false;
  }
  *out = count;
  return true;
}

void ByteReader::Fail(std::string message) {
  if (ok()) error_ = std::move(message);
}

bool ByteReader::ExpectEnd(std::string_view last_field) {
  if (!ok()) return false;
  if (remaining() == 0) return true;
  Fail(fmt::format("{} unexpected bytes after field '{}' at byte {}", remaining(), last_field,
                   position_));
  return false;
}

}  // namespace anml::state::internal
