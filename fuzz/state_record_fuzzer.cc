// Fuzz target: the state store's value and key decoders
// (state/record_codec.h) on arbitrary bytes.
//
// The first byte picks the decoder (low 3 bits) and whether to reseal the
// value (bit 7): resealing appends the CRC-32C of the bytes, so the input
// reaches the field parsing behind the checksum instead of stopping at a
// checksum mismatch. Whatever the bytes, a decode must not crash, leak or
// hit undefined behaviour, and a rejection must be a non-OK Status with a
// message. An accepted value must encode again to a value that decodes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_stats.h"
#include "state/internal/crc32c.h"
#include "state/record_codec.h"

namespace {

namespace state = anml::state;

constexpr std::string_view kKey = "lab-17";

std::string Sealed(std::string_view body) {
  std::string value(body);
  const uint32_t crc = state::internal::Crc32c(body);
  for (int shift = 0; shift < 32; shift += 8) value.push_back(static_cast<char>(crc >> shift));
  return value;
}

// Decodes, and for an accepted value checks that its encoding decodes too.
template <typename Decoded, typename Decode, typename Encode>
bool Check(const Decode& decode, const Encode& encode, std::string_view value) {
  anml::StatusOr<Decoded> decoded = decode(kKey, value);
  if (!decoded.ok()) {
    anml::fuzz::Require(!decoded.status().message().empty(), "rejection without a message");
    return false;
  }
  anml::fuzz::Require(decode(kKey, encode(*decoded)).ok(), "re-encoded value does not decode");
  return true;
}

bool Decode(uint8_t decoder, std::string_view value) {
  switch (decoder % 8) {
    case 0: return Check<anml::engine::ContributorStats>(state::DecodeContributor,
                                                         state::EncodeContributor, value);
    case 1: return Check<state::ContributorMetadata>(state::DecodeMetadata,
                                                     state::EncodeMetadata, value);
    case 2: return Check<anml::engine::ModelSnapshot>(state::DecodeModel, state::EncodeModel,
                                                      value);
    case 3: return Check<int64_t>(state::DecodeOffset, state::EncodeOffset, value);
    case 4: return Check<state::StoredWeight>(state::DecodeWeight, state::EncodeWeight, value);
    case 5: return Check<uint32_t>(state::DecodeStoreInfo, state::EncodeStoreInfo, value);
    case 6: return state::DecodeModelKey(value).ok();
    default: {
      auto partition = state::DecodeOffsetKey(value);
      if (!partition.ok()) return false;
      auto key = state::OffsetKey(*partition);
      anml::fuzz::Require(key.ok() && *key == value, "offset key does not round-trip");
      return true;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  anml::fuzz::FuzzStats::Install("state_record");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool reseal = (data[0] & 0x80) != 0;
  const std::string value = reseal ? Sealed(body) : std::string(body);
  const bool accepted = Decode(data[0], value);
  anml::fuzz::FuzzStats::Count(!accepted);
  return 0;
}
