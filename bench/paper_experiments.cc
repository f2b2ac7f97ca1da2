#include "bench/paper_experiments.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>

#include "engine/scheme.h"

namespace anml::bench {
namespace {

using engine::Scheme;

// The attacker's estimate of g_ref is an exponential moving average of the
// gradients of its own rows with their clean labels, over about this many
// samples: it needs only query access to the model, not others' data.
constexpr double kAttackerWindow = 64.0;
// A poisoned label is sent when its gradient's cosine with the estimate
// exceeds this: agreeing with the reference is what passes a cosine check.
constexpr double kAlignmentMargin = 0.0;

// Gradient alignment (DESIGN.md section 2, "Attacks"): before each of its
// samples the attacker queries the engine's uniform observer, computes the
// closed-form GLM gradient (prediction - target) outer [x; 1] of the
// poisoned and of the clean label, and sends the poison only when its
// gradient points with the attacker's running estimate of g_ref.
class AlignmentAttacker {
 public:
  AlignmentAttacker(engine::Task task, int dimension, int outputs)
      : task_(task),
        dimension_(static_cast<size_t>(dimension)),
        prediction_(static_cast<size_t>(outputs)),
        estimate_(static_cast<size_t>(outputs) * (dimension_ + 1), 0.0),
        gradient_(estimate_.size()) {}

  double Choose(const engine::Pipeline& pipeline, std::span<const double> x, const PoolRow& row) {
    pipeline.PredictWith(Scheme::kUniform, x, prediction_);
    Gradient(x, row.poison_label);
    const bool aligned = Cosine() > kAlignmentMargin;
    Gradient(x, row.clean_label);
    const double keep = 1.0 - 1.0 / kAttackerWindow;
    for (size_t i = 0; i < estimate_.size(); ++i) {
      estimate_[i] = keep * estimate_[i] + (1.0 - keep) * gradient_[i];
    }
    return aligned ? row.poison_label : row.clean_label;
  }

 private:
  void Gradient(std::span<const double> x, double label) {
    for (size_t j = 0; j < prediction_.size(); ++j) {
      double target = task_ == engine::Task::kMulticlass ? (static_cast<size_t>(label) == j)
                                                         : label;
      double residual = prediction_[j] - target;
      double* row = gradient_.data() + j * (dimension_ + 1);
      for (size_t i = 0; i < dimension_; ++i) row[i] = residual * x[i];
      row[dimension_] = residual;
    }
  }

  double Cosine() const {
    double dot = 0, a = 0, b = 0;
    for (size_t i = 0; i < estimate_.size(); ++i) {
      dot += gradient_[i] * estimate_[i];
      a += gradient_[i] * gradient_[i];
      b += estimate_[i] * estimate_[i];
    }
    return a > 0 && b > 0 ? dot / std::sqrt(a * b) : 0.0;
  }

  engine::Task task_;
  size_t dimension_;
  std::vector<double> prediction_;
  std::vector<double> estimate_;
  std::vector<double> gradient_;
};

bool IsClassification(engine::Task task) { return task != engine::Task::kRegression; }

int PredictedClass(std::span<const double> out, engine::Task task) {
  if (task == engine::Task::kBinary) return out[0] >= 0.5 ? 1 : 0;
  return static_cast<int>(std::max_element(out.begin(), out.end()) - out.begin());
}

StatusOr<std::vector<uint32_t>> InternAll(engine::Pipeline& pipeline,
                                          const SimulatedStream& stream) {
  std::vector<uint32_t> slots;
  for (const SimContributor& c : stream.contributors) {
    slots.push_back(pipeline.Intern(c.id));
    if (c.has_metadata) pipeline.SetMetadata(slots.back(), c.verification, c.reputation);
  }
  return slots;
}

engine::EngineConfig UniformOnly(engine::EngineConfig config) {
  config.gate.candidates = {Scheme::kUniform};
  config.gate.initial = Scheme::kUniform;
  return config;
}

void Append(SeedSeries& series, const std::map<std::string, double>& values) {
  for (const auto& [name, value] : values) series[name].push_back(value);
}

void AppendAttack(SeedSeries& series, const ReplayResult& run) {
  Append(series, run.error);
  double best = std::numeric_limits<double>::infinity();
  for (const auto& [name, value] : run.error) {
    if (name != "served") best = std::min(best, value);
  }
  series["best"].push_back(best);
  series["excess"].push_back(run.error.at("served") - best);
  series["gate_excess"].push_back(run.gate.excess);
  series["gate_bound"].push_back(run.gate.excess_bound);
  series["gate_units"].push_back(static_cast<double>(run.gate.units));
  series["served_scheme"].push_back(static_cast<double>(run.gate.served));
}

// The top kTopShare of the (non-Sybil) contributors by anml_gated weight.
std::vector<bool> TopContributors(const ReplayResult& run, const SimulatedStream& stream) {
  std::vector<size_t> order;
  for (size_t i = 0; i < stream.contributors.size(); ++i) {
    if (!stream.contributors[i].sybil) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return run.gated_weight[a] > run.gated_weight[b];
  });
  const size_t keep = std::max<size_t>(
      1, static_cast<size_t>(std::llround(kTopShare * static_cast<double>(order.size()))));
  std::vector<bool> include(stream.contributors.size(), false);
  for (size_t i = 0; i < keep; ++i) include[order[i]] = true;
  return include;
}

Status WriteBinary(const std::string& path, const void* data, size_t bytes) {
  std::ofstream file(path, std::ios::binary);
  file.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  if (!file) return FailedPrecondition(path + ": cannot write " + std::to_string(bytes) + " bytes");
  return Status::Ok();
}

// The peer check's files: the pool (features, labels), the trained rows in
// replay order, and the test split, as little-endian float64 / uint32.
Status WritePeerFiles(const std::string& prefix, const SimulatedStream& stream,
                      const ReplayResult& run, const Split& split) {
  std::vector<double> labels;
  for (const PoolRow& row : stream.rows) labels.push_back(row.label);
  ANML_RETURN_IF_ERROR(WriteBinary(prefix + ".train_x.f64", stream.features.data(),
                                   stream.features.size() * sizeof(double)));
  ANML_RETURN_IF_ERROR(
      WriteBinary(prefix + ".train_y.f64", labels.data(), labels.size() * sizeof(double)));
  ANML_RETURN_IF_ERROR(WriteBinary(prefix + ".order.u32", run.trained_rows.data(),
                                   run.trained_rows.size() * sizeof(uint32_t)));
  ANML_RETURN_IF_ERROR(WriteBinary(prefix + ".test_x.f64", split.test.features.data(),
                                   split.test.features.size() * sizeof(double)));
  return WriteBinary(prefix + ".test_y.f64", split.test.labels.data(),
                     split.test.labels.size() * sizeof(double));
}

Status WithSeed(Status status, const std::string& dataset, uint64_t seed, const char* step) {
  return status.WithContext(dataset + " seed " + std::to_string(seed) + " " + step);
}

// One seed of every experiment; appends to `out`.
class SeedRun {
 public:
  SeedRun(const Dataset& data, const BenchSettings& settings, uint64_t seed,
          const std::string& peer_dir, DatasetResults& out)
      : data_(data), settings_(settings), seed_(seed), peer_dir_(peer_dir), out_(out),
        split_(SplitDataset(data, seed, settings.max_rows)),
        config_(BenchEngineConfig(split_.train, seed)) {}

  Status Run() {
    ANML_RETURN_IF_ERROR(Primary());
    if (settings_.feature_noise) ANML_RETURN_IF_ERROR(FeatureNoise());
    ANML_RETURN_IF_ERROR(Attacks());
    ANML_RETURN_IF_ERROR(Sweep());
    if (settings_.peer && IsClassification(data_.task)) ANML_RETURN_IF_ERROR(Peer());
    return Status::Ok();
  }

 private:
  SimulationConfig Base() const {
    SimulationConfig c;
    c.contributors = settings_.contributors;
    c.corrupt_fraction = settings_.corrupt_fraction;
    c.corruption = Primary(data_.task);
    c.rate = settings_.rate;
    c.passes = settings_.passes;
    c.seed = seed_;
    return c;
  }

  static Corruption Primary(engine::Task task) {
    return IsClassification(task) ? Corruption::kLabelFlip : Corruption::kTargetShift;
  }

  StatusOr<ReplayResult> SimulateAndReplay(const SimulationConfig& sim, const char* step) {
    auto stream = Simulate(split_.train, sim);
    if (!stream.ok()) return WithSeed(stream.status(), data_.name, seed_, step);
    auto run = Replay(*stream, split_, config_);
    if (!run.ok()) return WithSeed(run.status(), data_.name, seed_, step);
    return run;
  }

  // Experiments 1 and 2, and experiment 3's no-attack row.
  Status Primary() {
    auto stream = Simulate(split_.train, Base());
    if (!stream.ok()) return WithSeed(stream.status(), data_.name, seed_, "experiment 1");
    auto run = Replay(*stream, split_, config_);
    if (!run.ok()) return WithSeed(run.status(), data_.name, seed_, "experiment 1");
    Append(out_.exp1, run->error);
    AppendAttack(out_.exp3[std::string(AttackName(Attack::kNone))], *run);
    primary_ = *run;

    ReplayOptions top;
    top.include = TopContributors(*run, *stream);
    auto subset = Replay(*stream, split_, UniformOnly(config_), top);
    if (!subset.ok()) return WithSeed(subset.status(), data_.name, seed_, "experiment 2");
    RecordTop(*stream, top.include, *run, *subset);
    return Status::Ok();
  }

  void RecordTop(const SimulatedStream& stream, const std::vector<bool>& include,
                 const ReplayResult& all, const ReplayResult& top) {
    double rows = 0, top_rows = 0, honest = 0, kept = 0;
    for (size_t i = 0; i < stream.contributors.size(); ++i) {
      const SimContributor& c = stream.contributors[i];
      rows += static_cast<double>(c.rows);
      if (!include[i]) continue;
      top_rows += static_cast<double>(c.rows);
      kept += 1;
      honest += c.corrupt ? 0 : 1;
    }
    out_.exp2["uniform_error"].push_back(all.error.at("uniform"));
    out_.exp2["top20_error"].push_back(top.error.at("uniform"));
    out_.exp2["top20_rows_share"].push_back(top_rows / rows);
    out_.exp2["top20_honest_share"].push_back(honest / kept);
  }

  Status FeatureNoise() {
    SimulationConfig sim = Base();
    sim.corruption = Corruption::kFeatureNoise;
    auto run = SimulateAndReplay(sim, "feature noise");
    if (!run.ok()) return run.status();
    Append(out_.exp1_noise, run->error);
    return Status::Ok();
  }

  Status Attacks() {
    for (Attack attack : settings_.attacks) {
      if (attack == Attack::kNone) continue;  // Recorded by Primary().
      SimulationConfig sim = Base();
      sim.attack = attack;
      auto run = SimulateAndReplay(sim, "experiment 3");
      if (!run.ok()) return run.status();
      AppendAttack(out_.exp3[std::string(AttackName(attack))], *run);
    }
    return Status::Ok();
  }

  Status Sweep() {
    for (double rate : settings_.sweep_rates) {
      if (rate == settings_.rate) {
        Append(out_.exp4[rate], primary_.error);
        continue;
      }
      SimulationConfig sim = Base();
      sim.rate = rate;
      auto run = SimulateAndReplay(sim, "experiment 4");
      if (!run.ok()) return run.status();
      Append(out_.exp4[rate], run->error);
    }
    return Status::Ok();
  }

  // The clean stream through anml's uniform learner alone, with nothing
  // held out, so scikit-learn trains on exactly the same rows in order.
  Status Peer() {
    SimulationConfig sim = Base();
    sim.corrupt_fraction = 0.0;
    auto stream = Simulate(split_.train, sim);
    if (!stream.ok()) return WithSeed(stream.status(), data_.name, seed_, "peer check");
    engine::EngineConfig config = UniformOnly(config_);
    config.gate.heldout_fraction = 0.0;
    ReplayOptions options;
    options.record_trained_rows = !peer_dir_.empty();
    auto run = Replay(*stream, split_, config, options);
    if (!run.ok()) return WithSeed(run.status(), data_.name, seed_, "peer check");
    out_.peer.anml_error.push_back(run->error.at("uniform"));
    out_.peer.anml_samples_per_second.push_back(static_cast<double>(run->trained) /
                                                std::max(run->seconds, 1e-9));
    if (peer_dir_.empty()) return Status::Ok();
    std::string prefix = peer_dir_ + "/" + data_.name + "_seed" + std::to_string(seed_);
    out_.peer.files.push_back(prefix);
    return WithSeed(WritePeerFiles(prefix, *stream, *run, split_), data_.name, seed_,
                    "peer check");
  }

  const Dataset& data_;
  const BenchSettings& settings_;
  uint64_t seed_;
  const std::string& peer_dir_;
  DatasetResults& out_;
  Split split_;
  engine::EngineConfig config_;
  ReplayResult primary_;
};

}  // namespace

engine::EngineConfig BenchEngineConfig(const Dataset& train, uint64_t seed) {
  engine::EngineConfig config;
  config.task = train.task;
  config.dimension = train.dimension;
  config.classes = train.task == engine::Task::kMulticlass ? train.classes : 2;
  config.seed = seed;
  config.gate.candidates.assign(engine::kAllSchemes.begin(), engine::kAllSchemes.end());
  const int per_pass = static_cast<int>(train.rows()) / kRefreshesPerPass;
  config.reference.refresh_interval =
      std::clamp(per_pass, kMinRefreshInterval, engine::ReferenceConfig{}.refresh_interval);
  return config;
}

double TestError(const engine::Pipeline& pipeline, std::optional<Scheme> scheme,
                 const Split& split) {
  const engine::Task task = pipeline.config().task;
  std::vector<double> out(static_cast<size_t>(pipeline.OutputCount()));
  double sum = 0;
  for (size_t r = 0; r < split.test.rows(); ++r) {
    if (scheme) {
      pipeline.PredictWith(*scheme, split.test.row(r), out);
    } else {
      pipeline.Predict(split.test.row(r), out);
    }
    const double y = split.test.labels[r];
    if (IsClassification(task)) {
      sum += PredictedClass(out, task) != static_cast<int>(y) ? 1.0 : 0.0;
    } else {
      sum += (out[0] - y) * (out[0] - y);
    }
  }
  const double mean = sum / static_cast<double>(std::max<size_t>(1, split.test.rows()));
  return IsClassification(task) ? mean : std::sqrt(mean) * split.target_scale;
}

StatusOr<ReplayResult> Replay(const SimulatedStream& stream, const Split& split,
                              const engine::EngineConfig& config,
                              const ReplayOptions& options) {
  auto created = engine::Pipeline::Create(config);
  if (!created.ok()) return created.status().WithContext("benchmark engine config");
  engine::Pipeline& pipeline = **created;
  auto slots = InternAll(pipeline, stream);
  if (!slots.ok()) return slots.status();
  AlignmentAttacker attacker(config.task, config.dimension, pipeline.OutputCount());

  ReplayResult result;
  const auto start = std::chrono::steady_clock::now();
  for (const StreamEvent& event : stream.events) {
    const PoolRow& row = stream.rows[event.row];
    if (!options.include.empty() && !options.include[row.contributor]) continue;
    auto x = stream.Features(event.row);
    double label = row.alignment_candidate ? attacker.Choose(pipeline, x, row) : row.label;
    engine::Sample sample{(*slots)[row.contributor], x, label, event.time_ms, row.key};
    auto outcome = pipeline.Process(sample);
    if (!outcome.ok()) return Internal("replay: " + outcome.status().ToString());
    if (*outcome != engine::SampleOutcome::kTrained) continue;
    ++result.trained;
    if (options.record_trained_rows) result.trained_rows.push_back(event.row);
  }
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  for (Scheme scheme : pipeline.Gate().candidates) {
    result.error[std::string(engine::SchemeName(scheme))] = TestError(pipeline, scheme, split);
  }
  result.error["served"] = TestError(pipeline, std::nullopt, split);
  result.gate = pipeline.Gate();
  for (uint32_t slot : *slots) {
    result.gated_weight.push_back(pipeline.ContributorWeight(Scheme::kAnmlGated, slot));
  }
  return result;
}

StatusOr<DatasetResults> RunDataset(const Dataset& data, const BenchSettings& settings,
                                    const std::string& peer_dir, const ProgressFn& progress) {
  DatasetResults out;
  out.name = data.name;
  out.task = data.task;
  out.rows = settings.max_rows > 0 ? std::min(settings.max_rows, data.rows()) : data.rows();
  out.dimension = data.dimension;
  out.classes = data.classes;
  out.primary_corruption = IsClassification(data.task) ? "label_flip" : "target_shift";
  const auto start = std::chrono::steady_clock::now();
  for (int s = 0; s < settings.seeds; ++s) {
    SeedRun run(data, settings, settings.first_seed + static_cast<uint64_t>(s), peer_dir, out);
    ANML_RETURN_IF_ERROR(run.Run());
    if (progress) progress(data.name, s + 1, settings.seeds);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace anml::bench
