// ServiceMetrics: every Prometheus metric `anml run` exports.
//
// Names follow Prometheus conventions: the anml_ prefix, base units in the
// name (_seconds, _bytes), _total on counters. Contributor ids are never
// labels: per-contributor values go to the weights topic, and the metrics
// carry their distribution (quantiles over resident contributors) instead.
// Labels have small fixed value sets: outcome, reason, scheme, factor,
// quantile, result.
//
// Ownership: the metrics live in the registry passed to the constructor,
// which must outlive this object.
// Thread safety: prometheus-cpp metrics are safe to update from any thread.
#ifndef ANML_SERVICE_SERVICE_METRICS_H_
#define ANML_SERVICE_SERVICE_METRICS_H_

#include <array>
#include <map>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "engine/pipeline.h"

namespace anml::service {

// Quantiles published for each factor's distribution over contributors.
inline constexpr std::array<double, 5> kFactorQuantiles = {0.05, 0.25, 0.5, 0.75, 0.95};

class ServiceMetrics {
 public:
  explicit ServiceMetrics(prometheus::Registry& registry);

  // Samples by outcome: trained, heldout, validation, dead_letter.
  prometheus::Counter& Samples(const std::string& outcome);
  // Dead letters by reason code (bad_json, wrong_dimension, ...).
  prometheus::Counter& DeadLetters(const std::string& reason);

  prometheus::Histogram& batch_duration() { return batch_duration_; }
  prometheus::Histogram& commit_duration() { return commit_duration_; }
  prometheus::Counter& commits_ok() { return commits_ok_; }
  prometheus::Counter& commits_failed() { return commits_failed_; }
  prometheus::Counter& weights_published() { return weights_published_; }
  prometheus::Counter& publish_errors() { return publish_errors_; }
  prometheus::Counter& gate_switches() { return gate_switches_; }
  prometheus::Gauge& consumer_lag() { return consumer_lag_; }
  prometheus::Gauge& ready() { return ready_; }

  // Records the state store's size and the contributor cache's running hit
  // and miss counts (the counters advance by the difference).
  void ObserveState(double size_bytes, uint64_t cache_hits, uint64_t cache_misses);

  // Refreshes the learning and contributor gauges from the pipeline: the
  // gate's losses and served scheme, model version, watermark, resident and
  // active contributor counts, factor quantiles, verified weight share and
  // attribution total. Walks the resident contributors once.
  void ObservePipeline(engine::Pipeline& pipeline, uint64_t model_version);

 private:
  void ObserveGate(const engine::GateReport& gate);
  void ObserveContributors(const engine::Pipeline& pipeline);

  prometheus::Family<prometheus::Counter>& samples_;
  prometheus::Family<prometheus::Counter>& dead_letters_;
  prometheus::Family<prometheus::Counter>& commits_;
  prometheus::Counter& commits_ok_;
  prometheus::Counter& commits_failed_;
  prometheus::Histogram& batch_duration_;
  prometheus::Histogram& commit_duration_;
  prometheus::Counter& weights_published_;
  prometheus::Counter& publish_errors_;
  prometheus::Counter& gate_switches_;
  prometheus::Gauge& consumer_lag_;
  prometheus::Gauge& state_size_;
  prometheus::Counter& cache_hits_;
  prometheus::Counter& cache_misses_;
  prometheus::Gauge& ready_;
  prometheus::Gauge& model_version_;
  prometheus::Gauge& watermark_;
  prometheus::Gauge& contributors_resident_;
  prometheus::Gauge& contributors_active_;
  prometheus::Gauge& verified_weight_share_;
  prometheus::Gauge& attribution_sum_;
  prometheus::Gauge& served_loss_;
  prometheus::Gauge& gate_excess_;
  prometheus::Gauge& gate_excess_bound_;
  prometheus::Family<prometheus::Gauge>& scheme_loss_;
  prometheus::Family<prometheus::Gauge>& scheme_served_;
  prometheus::Family<prometheus::Gauge>& factor_quantile_;
  uint64_t switches_seen_ = 0;
  uint64_t cache_hits_seen_ = 0;
  uint64_t cache_misses_seen_ = 0;
};

}  // namespace anml::service

#endif  // ANML_SERVICE_SERVICE_METRICS_H_
