#include "service/engine_service.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include <spdlog/spdlog.h>

#include "connectors/dead_letter_reason.h"
#include "engine/sample.h"

namespace anml::service {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long a step waits for dead letters and a drain for weights to be
// acknowledged before reporting the broker unavailable.
constexpr milliseconds kAckTimeout{10'000};
// How long the contributors topic may take to be read to its end at start.
constexpr milliseconds kCatchUpTimeout{30'000};
// Readiness requires a successful poll within this long.
constexpr int64_t kPollStaleMs = 15'000;
// Retryable step errors back off this long before the next step.
constexpr milliseconds kRetryBackoff{500};

spdlog::logger& Log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto existing = spdlog::get("service");
    return existing ? existing : spdlog::default_logger()->clone("service");
  }();
  return *logger;
}

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

connectors::KafkaClientConfig KafkaConfig(const ServiceOptions& options,
                                          const std::string& bootstrap) {
  connectors::KafkaClientConfig config;
  config.bootstrap_servers = bootstrap;
  auto properties = KafkaProperties(options);
  if (properties.ok()) config.properties = std::move(properties).value();
  return config;
}

// The held-out key of a sample: its id when it has one, else where it was
// read from, so a replay puts every sample on the same side of the split.
uint64_t SampleKey(const connectors::SampleRecord& record) {
  if (!record.id.empty()) return engine::StableHash(record.id);
  return engine::StableHash(record.topic, engine::MixHash(static_cast<uint64_t>(record.partition)) ^
                                              static_cast<uint64_t>(record.offset));
}

}  // namespace

EngineService::EngineService(const ServiceOptions& options)
    : options_(options), metrics_(registry_) {}

EngineService::~EngineService() {
  // Errors here have already been reported by Run() or Drain(); a
  // destructor has no one to report to.
  if (samples_) (void)samples_->Close();
  if (validation_) (void)validation_->Close();
  if (store_) (void)store_->Close();
}

StatusOr<std::unique_ptr<EngineService>> EngineService::Start(
    const ServiceOptions& options, const std::string& bootstrap_servers) {
  std::unique_ptr<EngineService> service(new EngineService(options));
  Status status = service->Open(bootstrap_servers);
  if (!status.ok()) return status;
  return service;
}

Status EngineService::Open(const std::string& bootstrap_servers) {
  auto engine_config = ToEngineConfig(options_);
  if (!engine_config.ok()) return engine_config.status();
  ANML_RETURN_IF_ERROR(KafkaProperties(options_).status());
  auto pipeline = engine::Pipeline::Create(*engine_config);
  if (!pipeline.ok()) return pipeline.status();
  pipeline_ = std::move(pipeline).value();

  auto http =
      HttpServer::Start(options_.http_address, registry_, [this] { return NotReadyReason(); });
  if (!http.ok()) return http.status();
  http_ = std::move(http).value();

  ANML_RETURN_IF_ERROR(OpenState());
  ANML_RETURN_IF_ERROR(OpenConnectors(bootstrap_servers));
  last_full_publish_ = Clock::now();
  Log().info("started: {} task, d={}, serving {}; metrics on port {}", options_.task,
             options_.dimension, engine::SchemeName(pipeline_->served()), http_->port());
  return Status::Ok();
}

Status EngineService::OpenState() {
  state::StoreOptions store_options;
  store_options.path = options_.state_dir;
  store_options.sync = options_.sync;
  auto store = state::StateStore::Open(store_options);
  if (!store.ok()) return store.status();
  store_ = std::move(store).value();

  auto recovered = store_->Recover();
  if (!recovered.ok()) return recovered.status();
  residents_ = std::make_unique<state::PipelineResidents>(pipeline_.get());
  cache_ = std::make_unique<state::ContributorCache>(store_.get(), residents_.get(),
                                                     options_.cache_bytes);
  recovered_offsets_ = recovered->offsets;
  if (recovered->model) {
    ANML_RETURN_IF_ERROR(pipeline_->Restore(*recovered->model)
                             .WithContext("state '" + options_.state_dir +
                                          "' holds a model of another configuration"));
    model_version_ = recovered->model->version;
    // The reference set is kept by id; load its members so the next
    // refresh aggregates the same contributors as before the restart.
    std::vector<std::string> members = pipeline_->ReferenceMembers();
    std::vector<std::string_view> ids(members.begin(), members.end());
    ANML_RETURN_IF_ERROR(cache_->EnsureResident(ids).status());
  }
  state_open_ = true;
  return Status::Ok();
}

Status EngineService::OpenConnectors(const std::string& bootstrap_servers) {
  const connectors::KafkaClientConfig kafka = KafkaConfig(options_, bootstrap_servers);
  connectors::ContributorsSourceOptions contributor_options;
  contributor_options.kafka = kafka;
  contributor_options.topics = ServiceTopics(options_);
  auto contributors = connectors::ContributorsSource::Create(contributor_options);
  if (!contributors.ok()) return contributors.status();
  contributors_ = std::move(contributors).value();
  ANML_RETURN_IF_ERROR(contributors_->CatchUp(kCatchUpTimeout, &metadata_records_));

  connectors::SamplesSourceOptions sample_options;
  sample_options.kafka = kafka;
  sample_options.topics = ServiceTopics(options_);
  sample_options.group_id = options_.group_id;
  if (!options_.instance_id.empty()) sample_options.group_instance_id = options_.instance_id;
  sample_options.schema.task = pipeline_->config().task;
  sample_options.schema.dimension = options_.dimension;
  sample_options.schema.classes = pipeline_->config().classes;
  sample_options.schema.feature_names = options_.feature_names;
  sample_options.schema.max_record_bytes = options_.max_record_bytes;
  sample_options.max_batch = static_cast<size_t>(options_.batch_size);
  sample_options.offsets = [this](const std::string& topic, int32_t partition) {
    auto it = recovered_offsets_.find(state::TopicPartition{topic, partition});
    return it == recovered_offsets_.end() ? std::nullopt : std::optional<int64_t>(it->second);
  };
  auto samples = connectors::SamplesSource::Create(sample_options);
  if (!samples.ok()) return samples.status();
  samples_ = std::move(samples).value();

  if (!options_.validation_topic.empty()) {
    // Gold samples: their own group, the same schema, offsets in the same
    // commit as everything else.
    sample_options.topics.samples = options_.validation_topic;
    sample_options.group_id = options_.group_id + ".validation";
    if (sample_options.group_instance_id) *sample_options.group_instance_id += ".validation";
    auto validation = connectors::SamplesSource::Create(sample_options);
    if (!validation.ok()) return validation.status();
    validation_ = std::move(validation).value();
  }

  connectors::WeightsSinkOptions weight_options;
  weight_options.kafka = kafka;
  weight_options.topics = ServiceTopics(options_);
  weight_options.policy.min_change = options_.publish_threshold;
  weight_options.policy.max_interval = milliseconds(options_.publish_interval_ms);
  weight_options.partitions = options_.embedded_partitions;
  auto weights = connectors::WeightsSink::Create(weight_options);
  if (!weights.ok()) return weights.status();
  weights_ = std::move(weights).value();
  return Status::Ok();
}

StatusOr<size_t> EngineService::Step() {
  ANML_RETURN_IF_ERROR(ApplyMetadata());
  ANML_RETURN_IF_ERROR(ApplyValidation());
  ANML_RETURN_IF_ERROR(ApplySamples());
  const size_t applied = batch_.size() + validation_batch_.size();
  if (applied == 0 && batch_.dead_lettered() == 0 && validation_batch_.dead_lettered() == 0 &&
      step_metadata_.empty()) {
    ObserveMetrics();
    return size_t{0};
  }
  // RocksDB writes the step while its weights are published and the next
  // step polls and loads; the next Commit() (or Drain()) waits for the
  // write. If the process dies first, the step is not in the store: the
  // restart replays it from the stored offsets and publishes again, and
  // weights are last-value per key, so consumers end on the stored state.
  ANML_RETURN_IF_ERROR(Commit());
  ANML_RETURN_IF_ERROR(Publish());
  // Group offsets feed lag monitoring only; the state store's offsets are
  // the ones recovery uses, so a failure here (or a crash before the step's
  // write lands) loses nothing.
  Status group = samples_->CommitGroupOffsets(batch_.next_offsets());
  if (group.ok() && validation_)
    group = validation_->CommitGroupOffsets(validation_batch_.next_offsets());
  if (!group.ok()) Log().debug("consumer group offsets not committed: {}", group.ToString());
  ObserveMetrics();
  return applied;
}

Status EngineService::ApplyMetadata() {
  // metadata_records_ may already hold what the start-up catch-up read.
  step_metadata_.clear();
  ANML_RETURN_IF_ERROR(contributors_->Poll(milliseconds(0), &metadata_records_));
  for (const connectors::ContributorRecord& record : metadata_records_) {
    std::string_view id = record.contributor;
    ANML_RETURN_IF_ERROR(cache_->EnsureResident({&id, 1}).status());
    const uint32_t slot = pipeline_->Intern(id);
    const double default_reputation = pipeline_->config().factors.default_reputation;
    // A tombstone forgets the claims: back to unverified, default score.
    state::ContributorMetadata metadata{
        record.deleted ? engine::Verification::kUnverified : record.verification,
        record.deleted ? default_reputation : record.reputation};
    pipeline_->SetMetadata(slot, metadata.verification, metadata.reputation);
    step_metadata_.emplace_back(record.contributor, metadata);
    ++counters_.metadata;
  }
  metadata_records_.clear();
  return Status::Ok();
}

Status EngineService::ApplyValidation() {
  validation_batch_.Clear();
  if (!validation_) return Status::Ok();
  // Gold samples are scored, never trained on; a short poll keeps them from
  // delaying the training stream.
  ANML_RETURN_IF_ERROR(validation_->Poll(milliseconds(0), &validation_batch_));
  for (const connectors::SampleRecord& record : validation_batch_.records()) {
    engine::Sample sample{0, record.features, record.label, record.time_ms, SampleKey(record)};
    Status scored = pipeline_->ProcessValidation(sample);
    if (!scored.ok()) {
      Log().error("{}/{}@{}: engine rejected a validated sample: {}", record.topic,
                  record.partition, record.offset, scored.ToString());
      metrics_.Samples("rejected").Increment();
      continue;
    }
    ++counters_.validation;
    metrics_.Samples("validation").Increment();
  }
  return Status::Ok();
}

Status EngineService::ApplySamples() {
  batch_.Clear();
  Status polled = samples_->Poll(milliseconds(options_.poll_timeout_ms), &batch_);
  brokers_reachable_ = samples_->brokers_reachable();
  if (!polled.ok()) return polled;
  last_poll_ok_ms_ = NowMs();
  assigned_ = !samples_->Assignment().empty();
  // The batch is timed from when the poll returned: waiting for records to
  // arrive is not work.
  const auto start = Clock::now();

  ids_.clear();
  for (const connectors::SampleRecord& record : batch_.records())
    ids_.push_back(record.contributor);
  auto metadata = cache_->EnsureResident(ids_);
  if (!metadata.ok()) return metadata.status();
  for (const auto& [id, stored] : *metadata) {
    pipeline_->SetMetadata(pipeline_->Intern(id), stored.verification, stored.reputation);
  }

  touched_.clear();
  for (const connectors::SampleRecord& record : batch_.records()) {
    engine::Sample sample{pipeline_->Intern(record.contributor), record.features, record.label,
                          record.time_ms, SampleKey(record)};
    auto outcome = pipeline_->Process(sample);
    if (!outcome.ok()) {
      // The source validated the record against the same schema, so this
      // is a bug; count it and go on rather than stop the stream.
      Log().error("{}/{}@{}: engine rejected a validated sample: {}", record.topic,
                  record.partition, record.offset, outcome.status().ToString());
      metrics_.Samples("rejected").Increment();
      continue;
    }
    const bool trained = *outcome == engine::SampleOutcome::kTrained;
    ++(trained ? counters_.trained : counters_.heldout);
    metrics_.Samples(trained ? "trained" : "heldout").Increment();
    touched_.push_back(sample.contributor);
  }
  if (!batch_.empty()) {
    metrics_.batch_duration().Observe(std::chrono::duration<double>(Clock::now() - start).count());
  }
  return Status::Ok();
}

Status EngineService::Commit() {
  // A dead letter is acknowledged before the offset past it is committed.
  ANML_RETURN_IF_ERROR(samples_->FlushDeadLetters(kAckTimeout));
  ANML_RETURN_IF_ERROR(contributors_->FlushDeadLetters(kAckTimeout));
  if (validation_) ANML_RETURN_IF_ERROR(validation_->FlushDeadLetters(kAckTimeout));

  state::OffsetMap offsets;
  for (const connectors::SampleBatch* batch : {&batch_, &validation_batch_}) {
    for (const connectors::PartitionOffset& next : batch->next_offsets()) {
      offsets[state::TopicPartition{next.topic, next.partition}] = next.offset;
      recovered_offsets_[state::TopicPartition{next.topic, next.partition}] = next.offset;
    }
  }
  engine::ModelSnapshot snapshot = pipeline_->Snapshot();
  auto start = Clock::now();
  Status committed = cache_->Commit(&snapshot, offsets, step_metadata_);
  metrics_.commit_duration().Observe(std::chrono::duration<double>(Clock::now() - start).count());
  if (!committed.ok()) {
    // The failed step's records are dirty (again), and the next commit
    // carries them too.
    ++counters_.commit_failures;
    metrics_.commits_failed().Increment();
    Log().warn("state commit failed; retrying with the next step: {}", committed.ToString());
    return committed.IsRetryable() ? Status::Ok() : committed;
  }
  model_version_ = snapshot.version;
  ++counters_.commits;
  metrics_.commits_ok().Increment();
  return Status::Ok();
}

connectors::WeightRecord EngineService::WeightOf(uint32_t slot, int64_t now_ms) const {
  engine::ContributorReport report = pipeline_->Report(slot);
  connectors::WeightRecord record;
  record.contributor = pipeline_->contributors().id(slot);
  record.weight = report.weight;
  record.q = report.q;
  record.v = report.v;
  record.r = report.r;
  record.T = report.t;
  // Stage 1 passes a contributor's credentials through once its gradient
  // evidence opens the gate (gamma >= 1/2); before that only q and T count.
  record.gate_stage = report.gate >= 0.5 ? 2 : 1;
  record.sample_count = report.samples;
  record.attribution = report.attribution;
  record.served_scheme = std::string(engine::SchemeName(pipeline_->served()));
  record.model_version = model_version_;
  record.time_ms = now_ms;
  return record;
}

Status EngineService::Publish() {
  const auto now = Clock::now();
  const int64_t now_ms = NowMs();
  std::sort(touched_.begin(), touched_.end());
  touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
  // Idle contributors' weights drift with T and the normalizers; once per
  // interval every resident contributor is offered, and the sink publishes
  // the ones that moved.
  if (now - last_full_publish_ >= milliseconds(options_.publish_interval_ms)) {
    touched_.clear();
    pipeline_->contributors().ForEach([&](uint32_t slot) { touched_.push_back(slot); });
    last_full_publish_ = now;
  }
  for (uint32_t slot : touched_) {
    auto offered = weights_->Offer(WeightOf(slot, now_ms), now);
    if (!offered.ok()) {
      metrics_.publish_errors().Increment();
      return offered.status();
    }
    if (*offered) {
      ++counters_.weights_offered;
      metrics_.weights_published().Increment();
    }
  }
  return Status::Ok();
}

void EngineService::ObserveDeadLetters() {
  // The sources count dead letters themselves; the metrics catch up to
  // their totals (a counter's own value is what it has already seen).
  const auto& from_samples = samples_->dead_letter_counters();
  const auto& from_metadata = contributors_->dead_letter_counters();
  auto from_validation = [this](connectors::DeadLetterReason reason) {
    return validation_ ? validation_->dead_letter_counters().count(reason) : 0;
  };
  for (int r = 0; r <= static_cast<int>(connectors::DeadLetterReason::kBadReputation); ++r) {
    auto reason = static_cast<connectors::DeadLetterReason>(r);
    auto& counter = metrics_.DeadLetters(std::string(connectors::DeadLetterReasonName(reason)));
    double seen = static_cast<double>(from_samples.count(reason) + from_metadata.count(reason) +
                                      from_validation(reason));
    if (seen > counter.Value()) counter.Increment(seen - counter.Value());
  }
  auto& dead_samples = metrics_.Samples("dead_letter");
  double seen = static_cast<double>(from_samples.total());
  if (seen > dead_samples.Value()) dead_samples.Increment(seen - dead_samples.Value());
  counters_.dead_letters = from_samples.total() + from_metadata.total();
}

void EngineService::ObserveMetrics() {
  ObserveDeadLetters();
  const state::StoreStats stats = store_->Stats();
  const state::CacheStats cache = cache_->stats();
  // SST files plus memtables: live SST data alone reads 0 until the first
  // flush, which a small or young store may never reach. The hit ratio is
  // the contributor cache's: contributor records are cached there, decoded,
  // and never in RocksDB's block cache.
  metrics_.ObserveState(static_cast<double>(stats.sst_files_bytes + stats.memtable_bytes),
                        cache.hits_total, cache.misses_total);
  metrics_.ObservePipeline(*pipeline_, model_version_);
  if (auto lag = samples_->Lag(); lag.ok()) metrics_.consumer_lag().Set(static_cast<double>(*lag));
  metrics_.ready().Set(NotReadyReason().empty() ? 1 : 0);
}

std::string EngineService::NotReadyReason() const {
  if (draining_) return "shutting down";
  if (!state_open_) return "state store not open";
  if (last_poll_ok_ms_ == 0) return "no successful poll of the samples topic yet";
  if (NowMs() - last_poll_ok_ms_ > kPollStaleMs) return "broker not answering polls";
  if (!brokers_reachable_) return "every Kafka broker is down";
  if (!assigned_) return "no partitions assigned";
  return "";
}

Status EngineService::Run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    auto step = Step();
    if (step.ok()) continue;
    if (!step.status().IsRetryable()) {
      Log().error("step failed, stopping: {}", step.status().ToString());
      return step.status();
    }
    Log().warn("step failed, retrying: {}", step.status().ToString());
    std::this_thread::sleep_for(kRetryBackoff);
  }
  Log().info("stop requested: draining");
  return Drain();
}

Status EngineService::Drain() {
  draining_ = true;
  ANML_RETURN_IF_ERROR(cache_->FinishCommit());
  ANML_RETURN_IF_ERROR(weights_->Flush(kAckTimeout));
  ANML_RETURN_IF_ERROR(samples_->FlushDeadLetters(kAckTimeout));
  Log().info("drained at model version {}: {} trained, {} held out, {} dead letters",
             model_version_, counters_.trained, counters_.heldout, counters_.dead_letters);
  return Status::Ok();
}

}  // namespace anml::service
