#include "engine/scheme.h"

namespace anml::engine {

std::string_view SchemeName(Scheme scheme) {
  switch (scheme) {
    case Scheme::kUniform: return "uniform";
    case Scheme::kGradientOnly: return "gradient_only";
    case Scheme::kSampleLevel: return "sample_level";
    case Scheme::kAnmlMultiplicative: return "anml_multiplicative";
    case Scheme::kAnmlSoftmax: return "anml_softmax";
    case Scheme::kAnmlGated: return "anml_gated";
  }
  return "unknown";
}

std::optional<Scheme> ParseScheme(std::string_view name) {
  for (Scheme scheme : kAllSchemes) {
    if (SchemeName(scheme) == name) return scheme;
  }
  return std::nullopt;
}

}  // namespace anml::engine
