#include "engine/verification.h"

namespace anml::engine {

std::string_view VerificationName(Verification level) {
  switch (level) {
    case Verification::kUnverified: return "unverified";
    case Verification::kPending: return "pending";
    case Verification::kVerified: return "verified";
    case Verification::kRevoked: return "revoked";
  }
  return "unknown";
}

std::optional<Verification> ParseVerification(std::string_view name) {
  for (int i = 0; i < kVerificationLevels; ++i) {
    auto level = static_cast<Verification>(i);
    if (VerificationName(level) == name) return level;
  }
  return std::nullopt;
}

}  // namespace anml::engine
