#include "service/service_metrics.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/verification.h"

namespace anml::service {
namespace {

namespace pm = prometheus;

// Batch and commit latencies from 100 us to 10 s.
const pm::Histogram::BucketBoundaries kLatencyBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};

pm::Family<pm::Counter>& CounterFamily(pm::Registry& r, const char* name, const char* help) {
  return pm::BuildCounter().Name(name).Help(help).Register(r);
}

pm::Family<pm::Gauge>& GaugeFamily(pm::Registry& r, const char* name, const char* help) {
  return pm::BuildGauge().Name(name).Help(help).Register(r);
}

pm::Gauge& Gauge(pm::Registry& r, const char* name, const char* help) {
  return GaugeFamily(r, name, help).Add({});
}

pm::Histogram& Latency(pm::Registry& r, const char* name, const char* help) {
  return pm::BuildHistogram().Name(name).Help(help).Register(r).Add({}, kLatencyBuckets);
}

// The q-quantile of sorted `values` by linear interpolation.
double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  double position = q * static_cast<double>(sorted.size() - 1);
  size_t below = static_cast<size_t>(std::floor(position));
  size_t above = std::min(below + 1, sorted.size() - 1);
  double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

}  // namespace

ServiceMetrics::ServiceMetrics(pm::Registry& r)
    : samples_(CounterFamily(r, "anml_samples_total",
                             "Sample records processed, by outcome (trained, heldout, "
                             "validation, dead_letter)")),
      dead_letters_(CounterFamily(r, "anml_dead_letters_total",
                                  "Records sent to the dead-letter topic, by reason")),
      commits_(CounterFamily(r, "anml_state_commits_total", "State-store commits, by result")),
      commits_ok_(commits_.Add({{"result", "ok"}})),
      commits_failed_(commits_.Add({{"result", "error"}})),
      batch_duration_(Latency(r, "anml_batch_duration_seconds",
                              "Time to decode and apply one batch of samples")),
      commit_duration_(Latency(r, "anml_commit_duration_seconds",
                               "Time the engine spends in one state-store commit: finishing the "
                               "previous step's write, encoding this one's")),
      weights_published_(CounterFamily(r, "anml_weights_published_total",
                                       "Contributor weights published to the weights topic")
                             .Add({})),
      publish_errors_(CounterFamily(r, "anml_weights_publish_errors_total",
                                    "Weight records whose delivery failed after retries")
                          .Add({})),
      gate_switches_(CounterFamily(r, "anml_gate_switches_total",
                                   "Changes of the served scheme by the Stage 2 gate")
                         .Add({})),
      consumer_lag_(Gauge(r, "anml_consumer_lag_messages",
                          "Samples not yet consumed, summed over assigned partitions")),
      state_size_(
          Gauge(r, "anml_state_size_bytes", "Size of the RocksDB state: SST files plus memtables")),
      cache_hits_(CounterFamily(r, "anml_state_cache_hits_total",
                                "Contributor lookups answered by resident records")
                      .Add({})),
      cache_misses_(CounterFamily(r, "anml_state_cache_misses_total",
                                  "Contributor lookups that read the RocksDB state store")
                        .Add({})),
      ready_(Gauge(r, "anml_ready", "1 when the engine can make progress, else 0")),
      model_version_(Gauge(r, "anml_model_version", "Version of the newest committed model")),
      watermark_(
          Gauge(r, "anml_watermark_seconds", "Largest event time seen, seconds since the epoch")),
      contributors_resident_(
          Gauge(r, "anml_contributors_cached", "Contributor records resident in memory")),
      contributors_active_(Gauge(r, "anml_contributors_active",
                                 "Contributors in the reference set (recently active)")),
      verified_weight_share_(Gauge(r, "anml_verified_weight_share_ratio",
                                   "Share of resident contributors' weight held by verified "
                                   "ones")),
      attribution_sum_(
          Gauge(r, "anml_attribution_sum", "Sum of attribution over resident contributors")),
      served_loss_(Gauge(r, "anml_served_heldout_loss",
                         "Mean held-out loss of the served model, test then train")),
      gate_excess_(Gauge(r, "anml_gate_excess_loss",
                         "Robust held-out loss of the served scheme minus the best "
                         "candidate's")),
      gate_excess_bound_(Gauge(r, "anml_gate_excess_bound_loss",
                               "Confidence radius the gate guarantees the excess stays "
                               "within")),
      scheme_loss_(GaugeFamily(r, "anml_scheme_heldout_loss",
                               "Robust (trimmed mean over contributors) held-out loss of "
                               "each candidate scheme")),
      scheme_served_(GaugeFamily(r, "anml_served_scheme",
                                 "1 for the scheme whose model is served, 0 for the others")),
      factor_quantile_(GaugeFamily(r, "anml_contributor_factor",
                                   "Quantiles over resident contributors of the weight and "
                                   "of each factor q, v, r, t")) {
  for (const char* outcome : {"trained", "heldout", "validation", "dead_letter"}) {
    samples_.Add({{"outcome", outcome}});
  }
  pm::BuildGauge()
      .Name("anml_build_info")
      .Help("Build of the running engine; value 1")
      .Register(r)
      .Add({{"version", "0.1.0"}})
      .Set(1);
}

pm::Counter& ServiceMetrics::Samples(const std::string& outcome) {
  return samples_.Add({{"outcome", outcome}});
}

pm::Counter& ServiceMetrics::DeadLetters(const std::string& reason) {
  return dead_letters_.Add({{"reason", reason}});
}

void ServiceMetrics::ObserveState(double size_bytes, uint64_t cache_hits, uint64_t cache_misses) {
  state_size_.Set(size_bytes);
  if (cache_hits > cache_hits_seen_) {
    cache_hits_.Increment(static_cast<double>(cache_hits - cache_hits_seen_));
    cache_hits_seen_ = cache_hits;
  }
  if (cache_misses > cache_misses_seen_) {
    cache_misses_.Increment(static_cast<double>(cache_misses - cache_misses_seen_));
    cache_misses_seen_ = cache_misses;
  }
}

void ServiceMetrics::ObservePipeline(engine::Pipeline& pipeline, uint64_t model_version) {
  model_version_.Set(static_cast<double>(model_version));
  watermark_.Set(static_cast<double>(std::max<int64_t>(pipeline.watermark_ms(), 0)) / 1000.0);
  ObserveGate(pipeline.Gate());
  ObserveContributors(pipeline);
}

void ServiceMetrics::ObserveGate(const engine::GateReport& gate) {
  for (size_t k = 0; k < gate.candidates.size(); ++k) {
    std::string scheme(engine::SchemeName(gate.candidates[k]));
    scheme_loss_.Add({{"scheme", scheme}}).Set(gate.robust_loss[k]);
    scheme_served_.Add({{"scheme", scheme}}).Set(gate.candidates[k] == gate.served ? 1 : 0);
  }
  if (gate.switches > switches_seen_) {
    gate_switches_.Increment(static_cast<double>(gate.switches - switches_seen_));
    switches_seen_ = gate.switches;
  }
  served_loss_.Set(gate.served_loss);
  gate_excess_.Set(gate.excess);
  gate_excess_bound_.Set(gate.excess_bound);
}

void ServiceMetrics::ObserveContributors(const engine::Pipeline& pipeline) {
  const engine::ContributorTable& table = pipeline.contributors();
  std::array<std::vector<double>, 5> values;  // weight, q, v, r, t
  double total_weight = 0, verified_weight = 0, attribution = 0;
  table.ForEach([&](uint32_t slot) {
    engine::ContributorReport report = pipeline.Report(slot);
    values[0].push_back(report.weight);
    values[1].push_back(report.q);
    values[2].push_back(report.v);
    values[3].push_back(report.r);
    values[4].push_back(report.t);
    total_weight += report.weight;
    if (table.stats(slot).verification == engine::Verification::kVerified) {
      verified_weight += report.weight;
    }
    attribution += report.attribution;
  });
  static constexpr std::array<const char*, 5> kNames = {"weight", "q", "v", "r", "t"};
  for (size_t f = 0; f < values.size(); ++f) {
    std::sort(values[f].begin(), values[f].end());
    for (double q : kFactorQuantiles) {
      factor_quantile_.Add({{"factor", kNames[f]}, {"quantile", fmt::format("{}", q)}})
          .Set(Quantile(values[f], q));
    }
  }
  contributors_resident_.Set(static_cast<double>(table.size()));
  contributors_active_.Set(static_cast<double>(pipeline.ReferenceMembers().size()));
  verified_weight_share_.Set(total_weight > 0 ? verified_weight / total_weight : 0.0);
  attribution_sum_.Set(attribution);
}

}  // namespace anml::service
