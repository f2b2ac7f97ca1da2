#include "service/demo.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <unistd.h>

#include "connectors/embedded_broker.h"
#include "connectors/record_producer.h"
#include "engine/verification.h"
#include "service/engine_service.h"

namespace anml::service {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kDemoDimension = 8;
// The generator sends in ticks of this length, rate * tick samples each.
constexpr milliseconds kTick{10};
// Every kMalformedEvery-th record is malformed, to show the dead-letter path.
constexpr uint64_t kMalformedEvery = 997;
constexpr milliseconds kRedraw{500};
constexpr milliseconds kPlainLogEvery{3000};
// How long the engine may take to consume what the generator sent.
constexpr milliseconds kDrainTimeout{15'000};
// A bad contributor counts as caught below this share of the median weight.
constexpr double kCaughtShareOfMedian = 0.5;

DemoContributor Member(std::string id, std::string role, simulation::Behavior behavior, double rate,
                       engine::Verification verification, double reputation, bool bad) {
  DemoContributor member;
  member.spec.id = std::move(id);
  member.spec.behavior = behavior;
  member.spec.rate = rate;
  member.spec.verification = verification;
  member.spec.reputation = reputation;
  member.role = std::move(role);
  member.bad = bad;
  return member;
}

// One sample as the samples topic carries it.
std::string SampleJson(const std::string& contributor, const std::vector<double>& x, double label,
                       int64_t time_ms, uint64_t sequence) {
  return fmt::format(
      R"({{"contributor":"{}","features":[{:.5f}],"label":{},"time":{},"id":"s-{}"}})", contributor,
      fmt::join(x, ","), static_cast<int>(label), time_ms, sequence);
}

// A malformed record of a rotating kind: broken JSON, a wrong feature
// count, an out-of-range label, a missing contributor.
std::string MalformedJson(uint64_t kind, const std::string& contributor) {
  switch (kind % 4) {
    case 0:
      return R"({"contributor": "broken", "features": [1, 2)";
    case 1:
      return fmt::format(R"({{"contributor":"{}","features":[1,2],"label":1}})", contributor);
    case 2:
      return fmt::format(R"({{"contributor":"{}","features":[0,0,0,0,0,0,0,0],"label":7}})",
                         contributor);
    default:
      return R"({"features":[0,0,0,0,0,0,0,0],"label":1})";
  }
}

int64_t WallMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Publishes the cast's metadata, then paced samples until `deadline` or
// `stop`. Counts what it sent.
class Generator {
 public:
  Generator(connectors::RecordProducer* producer, const ServiceOptions& topics,
            const std::vector<DemoContributor>& cast, const DemoOptions& options)
      : producer_(producer), topics_(topics), cast_(cast), options_(options) {}

  void Run(const std::atomic<bool>& stop, Clock::time_point deadline) {
    status_ = SendMetadata();
    std::vector<simulation::ContributorSpec> specs;
    for (const DemoContributor& member : cast_) specs.push_back(member.spec);
    simulation::SyntheticStream stream(kDemoDimension, specs, options_.seed);
    const double per_tick = options_.samples_per_second * kTick.count() / 1000.0;
    double owed = 0;
    for (auto next = Clock::now(); status_.ok() && !stop && Clock::now() < deadline;
         next += kTick) {
      std::this_thread::sleep_until(next);
      for (owed += per_tick; owed >= 1 && status_.ok(); owed -= 1) status_ = SendOne(stream);
      producer_->Poll();
    }
    if (status_.ok()) status_ = producer_->Flush(milliseconds(10'000));
    done_ = true;
  }

  uint64_t sent() const { return sent_; }
  uint64_t malformed() const { return malformed_; }
  bool done() const { return done_; }
  const Status& status() const { return status_; }

 private:
  Status SendMetadata() {
    for (const DemoContributor& member : cast_) {
      std::string value =
          fmt::format(R"({{"verification":"{}","reputation":{}}})",
                      engine::VerificationName(member.spec.verification), member.spec.reputation);
      ANML_RETURN_IF_ERROR(producer_->Send(topics_.contributors_topic, member.spec.id, value));
    }
    return producer_->Flush(milliseconds(10'000));
  }

  Status SendOne(simulation::SyntheticStream& stream) {
    simulation::SyntheticSample sample = stream.Next();
    const std::string& id = cast_[sample.contributor].spec.id;
    ++sent_;
    std::string value = sent_ % kMalformedEvery == 0
                            ? (++malformed_, MalformedJson(malformed_, id))
                            : SampleJson(id, sample.features, sample.label, WallMs(), sent_);
    return producer_->Send(topics_.samples_topic, id, std::move(value));
  }

  connectors::RecordProducer* producer_;
  const ServiceOptions& topics_;
  const std::vector<DemoContributor>& cast_;
  const DemoOptions& options_;
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> malformed_{0};
  std::atomic<bool> done_{false};
  Status status_;
};

struct Row {
  const DemoContributor* member;
  engine::ContributorReport report;
};

std::vector<Row> Rows(const EngineService& service, const std::vector<DemoContributor>& cast) {
  std::vector<Row> rows;
  const engine::Pipeline& pipeline = service.pipeline();
  for (const DemoContributor& member : cast) {
    auto slot = pipeline.contributors().Find(member.spec.id);
    if (!slot) continue;  // Has not sent anything yet (the late joiner).
    rows.push_back({&member, pipeline.Report(*slot)});
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.report.weight > b.report.weight; });
  return rows;
}

std::string Table(const std::vector<Row>& rows) {
  std::string out =
      fmt::format("  {:<14} {:<20} {:>7} {:>6} {:>6} {:>6} {:>6} {:>8} {:>11}\n", "contributor",
                  "role", "weight", "q", "v", "r", "T", "samples", "attribution");
  for (const Row& row : rows) {
    const engine::ContributorReport& r = row.report;
    out += fmt::format(
        "  {:<14} {:<20} {:>7.3f} {:>6.3f} {:>6.2f} {:>6.3f} {:>6.3f} {:>8} {:>+11.3f}\n",
        row.member->spec.id, row.member->role, r.weight, r.q, r.v, r.r, r.t, r.samples,
        r.attribution);
  }
  return out;
}

std::string Header(const EngineService& service, const Generator& generator, double elapsed,
                   double seconds) {
  const ServiceCounters& c = service.counters();
  const engine::GateReport gate = service.pipeline().Gate();
  return fmt::format(
      "anml demo  {:.1f} s of {:.0f} s   sent {}   trained {}   held out {}   dead letters {}\n"
      "  served scheme: {} (gate switches {})   model version {}   {:.0f} samples/s\n",
      elapsed, seconds, generator.sent(), c.trained, c.heldout, c.dead_letters,
      engine::SchemeName(gate.served), gate.switches, service.model_version(),
      elapsed > 0 ? static_cast<double>(c.trained + c.heldout) / elapsed : 0.0);
}

void Summarize(const EngineService& service, const std::vector<DemoContributor>& cast,
               const std::string& bootstrap, const DemoOptions& options) {
  std::vector<Row> rows = Rows(service, cast);
  std::vector<double> weights;
  for (const Row& row : rows) weights.push_back(row.report.weight);
  std::sort(weights.begin(), weights.end());
  const double median = weights.empty() ? 0 : weights[weights.size() / 2];
  const ServiceCounters& c = service.counters();
  std::printf(
      "\nSummary: %llu samples trained on, %llu held out to score the schemes, "
      "%llu dead letters; served scheme %s\n%s\n",
      static_cast<unsigned long long>(c.trained), static_cast<unsigned long long>(c.heldout),
      static_cast<unsigned long long>(c.dead_letters),
      std::string(engine::SchemeName(service.pipeline().served())).c_str(), Table(rows).c_str());
  for (const Row& row : rows) {
    if (!row.member->bad) continue;
    bool caught = row.report.weight < kCaughtShareOfMedian * median;
    std::printf("  %s %s (%s): weight %.3f against a median of %.3f\n",
                caught ? "caught " : "MISSED ", row.member->spec.id.c_str(),
                row.member->role.c_str(), row.report.weight, median);
  }
  const ServiceOptions& s = options.service;
  std::printf(
      "\nWhere to look\n"
      "  weights topic   %s (one JSON record per contributor, keyed by id)\n"
      "  dead letters    %s (%llu records, with headers naming the error)\n"
      "  metrics         http://%s/metrics while an engine runs (anml run)\n"
      "  state           %s (read it with: build/anml inspect --state %s)\n"
      "  broker          %s (embedded; gone when the demo exits)\n",
      s.weights_topic.c_str(), s.deadletter_topic.c_str(),
      static_cast<unsigned long long>(service.counters().dead_letters), s.http_address.c_str(),
      s.state_dir.c_str(), s.state_dir.c_str(), bootstrap.c_str());
}

// Steps the engine until everything the generator sent has been consumed
// (or `stop`, or kDrainTimeout after the generator finished); redraws the
// view as it goes.
Status Drive(EngineService& service, const Generator& generator, const DemoOptions& options,
             const std::vector<DemoContributor>& cast, const std::atomic<bool>& stop) {
  const bool terminal = isatty(STDOUT_FILENO) != 0;
  const auto start = Clock::now();
  auto last_draw = start - kPlainLogEvery;
  std::optional<Clock::time_point> generator_done_at;
  while (!stop) {
    auto applied = service.Step();
    if (!applied.ok() && !applied.status().IsRetryable()) return applied.status();
    const auto now = Clock::now();
    if (generator.done()) {
      const ServiceCounters& c = service.counters();
      if (c.trained + c.heldout + c.dead_letters >= generator.sent()) break;
      if (!generator_done_at) generator_done_at = now;
      if (now - *generator_done_at > kDrainTimeout) break;
    }
    if (now - last_draw < (terminal ? kRedraw : kPlainLogEvery)) continue;
    last_draw = now;
    const double elapsed = std::chrono::duration<double>(now - start).count();
    std::string header = Header(service, generator, elapsed, options.seconds);
    if (terminal) {
      std::printf("\033[H\033[J%s\n%s", header.c_str(), Table(Rows(service, cast)).c_str());
    } else {
      std::printf("%s", header.c_str());
    }
    std::fflush(stdout);
  }
  return generator.status();
}

}  // namespace

std::vector<DemoContributor> DemoCast(double samples_per_second, double seconds) {
  using engine::Verification;
  using simulation::Behavior;
  std::vector<DemoContributor> cast = {
      Member("clinic-a", "honest, verified", Behavior::kHonest, 0, Verification::kVerified, 0.9,
             false),
      Member("clinic-b", "honest, verified", Behavior::kHonest, 0, Verification::kVerified, 0.8,
             false),
      Member("clinic-c", "honest, pending", Behavior::kHonest, 0, Verification::kPending, 0.6,
             false),
      Member("clinic-d", "honest, unverified", Behavior::kHonest, 0, Verification::kUnverified, 0.5,
             false),
      Member("clinic-e", "honest, unverified", Behavior::kHonest, 0, Verification::kUnverified, 0.5,
             false),
      Member("clinic-f", "honest, verified", Behavior::kHonest, 0, Verification::kVerified, 0.85,
             false),
      Member("clinic-g", "honest, unverified", Behavior::kHonest, 0, Verification::kUnverified,
             0.5, false),
      Member("lab-noisy", "noisy features", Behavior::kFeatureNoise, 1.5, Verification::kPending,
             0.6, true),
      Member("lab-flip", "label-flipping", Behavior::kLabelFlip, 0.45, Verification::kUnverified,
             0.4, true),
      Member("lab-faker", "credential-faking", Behavior::kLabelFlip, 0.45, Verification::kVerified,
             0.95, true),
      Member("clinic-late", "honest, late joiner", Behavior::kHonest, 0, Verification::kVerified,
             0.7, false),
  };
  // The late joiner starts 40% into the run.
  cast.back().spec.joins_at = static_cast<uint64_t>(0.4 * samples_per_second * seconds);
  return cast;
}

Status RunDemo(const DemoOptions& options, const std::atomic<bool>& stop) {
  ServiceOptions service_options = options.service;
  service_options.dimension = kDemoDimension;
  service_options.task = "binary";
  connectors::EmbeddedBrokerOptions broker_options;
  broker_options.partitions = service_options.embedded_partitions;
  broker_options.topics = ServiceTopics(service_options);
  auto broker = connectors::EmbeddedBroker::Start(broker_options);
  if (!broker.ok()) return broker.status().WithContext("embedded broker");

  const std::vector<DemoContributor> cast = DemoCast(options.samples_per_second, options.seconds);
  auto producer = connectors::RecordProducer::Create((*broker)->client_config(), "anml-demo");
  if (!producer.ok()) return producer.status().WithContext("demo producer");
  Generator generator(producer->get(), service_options, cast, options);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(options.seconds));
  std::thread generating([&] { generator.Run(stop, deadline); });

  auto service = EngineService::Start(service_options, (*broker)->bootstrap_servers());
  Status status =
      service.ok() ? Drive(**service, generator, options, cast, stop) : service.status();
  generating.join();
  if (!service.ok()) return status;
  ANML_RETURN_IF_ERROR(status);
  ANML_RETURN_IF_ERROR((*service)->Drain());
  DemoOptions shown = options;
  shown.service.http_address = fmt::format("127.0.0.1:{}", (*service)->http_port());
  Summarize(**service, cast, (*broker)->bootstrap_servers(), shown);
  return Status::Ok();
}

}  // namespace anml::service
