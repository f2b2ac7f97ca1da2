#include "state/internal/crc32c.h"

#include <array>
#include <cstring>

namespace anml::state::internal {
namespace {

// The Castagnoli polynomial, bit-reversed for the least-significant-bit-
// first table walk.
constexpr uint32_t kPolynomial = 0x82f63b78u;

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1u) ? (crc >> 1) ^ kPolynomial : crc >> 1;
    }
    table[byte] = crc;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = MakeTable();

uint32_t TableCrc(uint32_t crc, std::string_view bytes) {
  for (char c : bytes) {
    crc = kTable[(crc ^ static_cast<unsigned char>(c)) & 0xffu] ^ (crc >> 8);
  }
  return crc;
}

#if defined(__x86_64__)
// SSE 4.2 computes the same polynomial eight bytes per instruction; every
// value of every commit is checksummed, so this is on the hot path.
__attribute__((target("sse4.2"))) uint32_t HardwareCrc(uint32_t crc, std::string_view bytes) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  uint64_t wide = crc;
  for (; left >= 8; p += 8, left -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);  // Little-endian on x86, as the polynomial expects.
    wide = __builtin_ia32_crc32di(wide, word);
  }
  crc = static_cast<uint32_t>(wide);
  for (; left > 0; ++p, --left) {
    crc = __builtin_ia32_crc32qi(crc, static_cast<unsigned char>(*p));
  }
  return crc;
}

const bool kHasHardwareCrc = __builtin_cpu_supports("sse4.2");
#endif

}  // namespace

uint32_t Crc32c(std::string_view bytes) {
#if defined(__x86_64__)
  if (kHasHardwareCrc) return HardwareCrc(0xffffffffu, bytes) ^ 0xffffffffu;
#endif
  return TableCrc(0xffffffffu, bytes) ^ 0xffffffffu;
}

}  // namespace anml::state::internal
