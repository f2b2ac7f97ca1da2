// Little-endian, fixed-width encoding of the scalars in stored values.
//
// Every multi-byte number is written least significant byte first with
// explicit shifts, so a value written on one machine reads back identically
// on any other, whatever its native byte order. Doubles travel as their
// IEEE-754 bit pattern.
//
// ByteReader never reads past its input: the first read that would run off
// the end, or any check that fails, records an error naming the field, the
// byte position and what was expected, and every later read fails too.
//
// Thread safety: none; each value is read or written by one thread.
#ifndef ANML_STATE_INTERNAL_BYTES_H_
#define ANML_STATE_INTERNAL_BYTES_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace anml::state::internal {

class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}

  void PutU8(uint8_t value) { out_->push_back(static_cast<char>(value)); }
  void PutU32(uint32_t value) { PutLittleEndian<4>(value); }
  void PutU64(uint64_t value) { PutLittleEndian<8>(value); }
  void PutI64(int64_t value) { PutU64(static_cast<uint64_t>(value)); }
  void PutF64(double value) { PutU64(std::bit_cast<uint64_t>(value)); }
  // A u32 length followed by the bytes.
  void PutString(std::string_view value);

 private:
  // Inline, one append per number: values are encoded on the commit path,
  // a few dozen numbers per contributor record.
  template <size_t kWidth>
  void PutLittleEndian(uint64_t value) {
    char bytes[kWidth];
    for (size_t i = 0; i < kWidth; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xffu);
    out_->append(bytes, kWidth);
  }

  std::string* out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  // Each returns false, and records why, when the input ends first or an
  // earlier read failed. `field` names the value in the error message.
  bool ReadU8(std::string_view field, uint8_t* out);
  bool ReadU32(std::string_view field, uint32_t* out);
  bool ReadU64(std::string_view field, uint64_t* out);
  bool ReadI64(std::string_view field, int64_t* out);
  bool ReadF64(std::string_view field, double* out);
  bool ReadBool(std::string_view field, bool* out);
  bool ReadString(std::string_view field, std::string* out);

  // A u32 element count, rejected when `count * element_bytes` exceeds the
  // bytes left, so a corrupt count can never cause a huge allocation.
  bool ReadCount(std::string_view field, size_t element_bytes, uint32_t* out);

  // Records a failed check, unless an earlier error is already recorded.
  void Fail(std::string message);

  // False, with an error, when bytes are left after the last field.
  bool ExpectEnd(std::string_view last_field);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  size_t position() const { return position_; }
  size_t remaining() const { return in_.size() - position_; }

 private:
  bool Take(std::string_view field, size_t bytes, const char** out);

  std::string_view in_;
  size_t position_ = 0;
  std::string error_;
};

}  // namespace anml::state::internal

#endif  // ANML_STATE_INTERNAL_BYTES_H_
