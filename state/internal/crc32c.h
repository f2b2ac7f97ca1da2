// CRC-32C (Castagnoli), the checksum at the end of every stored value.
//
// RocksDB checksums its blocks and log records, which catches corruption on
// disk; this checksum also catches a value that was damaged before it
// reached RocksDB or was written by something other than anml, and lets the
// error say "checksum mismatch" rather than fail on some later field.
#ifndef ANML_STATE_INTERNAL_CRC32C_H_
#define ANML_STATE_INTERNAL_CRC32C_H_

#include <cstdint>
#include <string_view>

namespace anml::state::internal {

// The CRC-32C of `bytes` (initial value and final xor 0xffffffff).
uint32_t Crc32c(std::string_view bytes);

}  // namespace anml::state::internal

#endif  // ANML_STATE_INTERNAL_CRC32C_H_
