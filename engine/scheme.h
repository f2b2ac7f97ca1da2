// The weighting schemes the engine trains side by side.
#ifndef ANML_ENGINE_SCHEME_H_
#define ANML_ENGINE_SCHEME_H_

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace anml::engine {

// How a scheme turns a sample into an importance weight. Each candidate
// scheme trains its own shadow learner; Stage 2 of the gate picks or blends
// the one whose model is served.
enum class Scheme : uint8_t {
  kUniform = 0,          // Every sample weighs 1: the plain baseline.
  kGradientOnly,         // Contributor-level q alone.
  kSampleLevel,          // Per-sample consistency max(0, s_i) alone.
  kAnmlMultiplicative,   // q v r T, normalized and clipped.
  kAnmlSoftmax,          // Tempered product exp(sum beta_k log f_k / tau).
  kAnmlGated,            // Stage 1: v and r amplify only what q supports.
};

inline constexpr size_t kSchemeCount = 6;

inline constexpr std::array<Scheme, kSchemeCount> kAllSchemes = {
    Scheme::kUniform,           Scheme::kGradientOnly, Scheme::kSampleLevel,
    Scheme::kAnmlMultiplicative, Scheme::kAnmlSoftmax,  Scheme::kAnmlGated};

// The stable name used in configuration, metrics and the weights topic,
// for example "anml_gated".
std::string_view SchemeName(Scheme scheme);

// Parses a name produced by SchemeName; nullopt for anything else.
std::optional<Scheme> ParseScheme(std::string_view name);

}  // namespace anml::engine

#endif  // ANML_ENGINE_SCHEME_H_
