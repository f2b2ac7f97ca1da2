// EngineService: the running engine — consume, learn, commit, publish.
//
// Operation. Each Step() follows DESIGN.md section 5:
//   1. apply new contributor metadata from the contributors topic, and
//      score the schemes on new gold samples of the validation topic, if
//      one is configured;
//   2. poll a batch of samples (invalid ones were already dead-lettered by
//      the source) and make their contributors' stored records resident;
//   3. apply every sample to the pipeline (train or hold out);
//   4. wait for the dead letters to be acknowledged, so a crash after the
//      commit cannot lose one;
//   5. commit the changed contributor records, the model and the input
//      offsets in one RocksDB write batch;
//   6. publish the weights of the contributors the batch touched (and of
//      every resident contributor once per publish interval);
//   7. commit consumer-group offsets, for lag monitoring only.
// On start it recovers the newest model and the offsets from the state
// store, so the sources resume exactly after the last committed sample.
// A failed commit keeps the records dirty; the next successful commit
// covers both steps, and a crash in between replays from the stored
// offsets, so nothing is lost or counted twice.
//
// Ownership: owns the pipeline, the state store and cache, the sources,
// the sink, the metrics registry and the HTTP server.
// Thread safety: Step(), Run() and the accessors belong to one thread; the
// HTTP server reads the metrics registry and the readiness flags from its
// own threads.
// Limitations: one engine per consumer group member; contributors are not
// re-partitioned by key between members (see DESIGN.md section 6).
// Readiness (/readyz) is not-ready while the state store is closed, before
// the first successful poll, when polls have failed for 15 s, while every
// Kafka broker is down (from librdkafka's report until a broker answers a
// metadata probe, see SamplesSource::brokers_reachable) and
// while no partition is assigned. A poll during an outage returns empty;
// no sample is lost, and the stream resumes from the consumer's position.
#ifndef ANML_SERVICE_ENGINE_SERVICE_H_
#define ANML_SERVICE_ENGINE_SERVICE_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "connectors/contributors_source.h"
#include "connectors/samples_source.h"
#include "connectors/weights_sink.h"
#include "engine/pipeline.h"
#include "service/http_server.h"
#include "service/options.h"
#include "service/service_metrics.h"
#include "state/contributor_cache.h"
#include "state/state_store.h"

namespace anml::service {

// Running totals of what the service did, for the demo's view and tests.
struct ServiceCounters {
  uint64_t trained = 0;
  uint64_t heldout = 0;
  uint64_t validation = 0;
  uint64_t dead_letters = 0;
  uint64_t metadata = 0;
  uint64_t commits = 0;
  uint64_t commit_failures = 0;
  uint64_t weights_offered = 0;
};

class EngineService {
 public:
  // Opens the state store, recovers, and connects to `bootstrap_servers`.
  // Errors name the part that failed: InvalidArgument for options,
  // DataLoss for a corrupt store, Kafka errors from the connectors,
  // Unavailable when the HTTP address cannot be bound.
  static StatusOr<std::unique_ptr<EngineService>> Start(const ServiceOptions& options,
                                                        const std::string& bootstrap_servers);
  ~EngineService();
  EngineService(const EngineService&) = delete;
  EngineService& operator=(const EngineService&) = delete;

  // One step (see the class comment). Returns the samples applied.
  StatusOr<size_t> Step();

  // Steps until `stop` is set, then drains: the batch in hand is committed
  // and the weights are flushed. OK on a clean stop; a non-retryable error
  // from a step stops the loop and is returned.
  Status Run(const std::atomic<bool>& stop);

  // Flushes the weights and commits consumer-group offsets; idempotent.
  Status Drain();

  const engine::Pipeline& pipeline() const { return *pipeline_; }
  const ServiceCounters& counters() const { return counters_; }
  uint64_t model_version() const { return model_version_; }
  int http_port() const { return http_ ? http_->port() : 0; }
  // Empty when ready, else why not (what /readyz says).
  std::string NotReadyReason() const;

 private:
  explicit EngineService(const ServiceOptions& options);
  Status Open(const std::string& bootstrap_servers);
  Status OpenState();
  Status OpenConnectors(const std::string& bootstrap_servers);
  Status ApplyMetadata();
  Status ApplyValidation();
  Status ApplySamples();
  Status Commit();
  Status Publish();
  connectors::WeightRecord WeightOf(uint32_t slot, int64_t now_ms) const;
  void ObserveDeadLetters();
  void ObserveMetrics();

  ServiceOptions options_;
  prometheus::Registry registry_;
  ServiceMetrics metrics_;
  std::unique_ptr<engine::Pipeline> pipeline_;
  std::unique_ptr<state::StateStore> store_;
  std::unique_ptr<state::PipelineResidents> residents_;
  std::unique_ptr<state::ContributorCache> cache_;
  state::OffsetMap recovered_offsets_;
  std::unique_ptr<connectors::SamplesSource> samples_;
  std::unique_ptr<connectors::SamplesSource> validation_;  // Null without a topic.
  std::unique_ptr<connectors::ContributorsSource> contributors_;
  std::unique_ptr<connectors::WeightsSink> weights_;
  std::unique_ptr<HttpServer> http_;

  // Per-step buffers, reused.
  connectors::SampleBatch batch_;
  connectors::SampleBatch validation_batch_;
  std::vector<connectors::ContributorRecord> metadata_records_;
  state::ContributorCache::MetadataList step_metadata_;
  std::vector<uint32_t> touched_;
  std::vector<std::string_view> ids_;

  ServiceCounters counters_;
  uint64_t model_version_ = 0;
  std::chrono::steady_clock::time_point last_full_publish_;
  std::atomic<bool> state_open_{false};
  std::atomic<bool> assigned_{false};
  std::atomic<bool> brokers_reachable_{true};
  std::atomic<int64_t> last_poll_ok_ms_{0};
  std::atomic<bool> draining_{false};
};

}  // namespace anml::service

#endif  // ANML_SERVICE_ENGINE_SERVICE_H_
