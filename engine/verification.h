// A contributor's verification level, as the contributors topic states it.
#ifndef ANML_ENGINE_VERIFICATION_H_
#define ANML_ENGINE_VERIFICATION_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace anml::engine {

enum class Verification : uint8_t {
  kUnverified = 0,  // The default for a contributor with no metadata.
  kPending = 1,
  kVerified = 2,
  kRevoked = 3,
};

inline constexpr int kVerificationLevels = 4;

// "unverified", "pending", "verified" or "revoked".
std::string_view VerificationName(Verification level);

// Parses a name produced by VerificationName; nullopt for anything else.
std::optional<Verification> ParseVerification(std::string_view name);

}  // namespace anml::engine

#endif  // ANML_ENGINE_VERIFICATION_H_
