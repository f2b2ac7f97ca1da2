// The four experiments that measure anml against the ANML abstract's claims
// (arXiv 2602.11690), following DESIGN.md section 8.
//
// Operation. For every dataset and seed: split once (clean test third,
// standardized on training only), simulate contributors, and replay the
// stream through engine::Pipeline with every scheme as a Stage 2 candidate,
// so one replay gives every scheme's test error on the same stream. Then
//   1. error of each scheme with corrupt contributors (label flips, or a
//      target shift for regression; and feature noise), ANML-style schemes
//      against the best gradient-only baseline;
//   2. data efficiency: a fresh uniform learner on only the top 20% of
//      contributors ranked by their anml_gated weight at the end of run 1,
//      against the uniform learner on all of them;
//   3. the served model (Stage 2 gate) under each attack against the best
//      candidate's test error;
//   4. contributor-level (gradient_only) against sample-level improvement
//      over uniform as the corruption rate falls;
// and a peer check: the clean stream through anml's uniform learner alone,
// written to disk for scikit-learn's SGDClassifier (scripts/peer_sklearn.py).
// The test split is used only to measure errors: nothing is tuned or gated
// on it.
//
// Thread safety: none; RunPaperBenchmark runs on the calling thread.
#ifndef ANML_BENCH_PAPER_EXPERIMENTS_H_
#define ANML_BENCH_PAPER_EXPERIMENTS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/contributor_simulation.h"
#include "bench/dataset.h"
#include "engine/config.h"
#include "engine/pipeline.h"
#include "engine/status.h"

namespace anml::bench {

// Refresh g_ref and the gate about this many times per pass, at most every
// engine-default 256 samples: the default interval is larger than a whole
// pass of the smallest datasets (wine trains on ~118 rows per pass).
inline constexpr int kRefreshesPerPass = 16;
inline constexpr int kMinRefreshInterval = 8;
// Experiment 2's share of contributors kept.
inline constexpr double kTopShare = 0.2;

// The engine configuration every benchmark replay uses: engine defaults,
// all six schemes as candidates, and the refresh interval above.
engine::EngineConfig BenchEngineConfig(const Dataset& train, uint64_t seed);

// What one replay measured. Errors are the test classification error, or
// RMSE in the target's units for regression; NaN for a scheme that was
// not a candidate.
struct ReplayResult {
  std::map<std::string, double> error;  // By scheme name, plus "served".
  engine::GateReport gate;
  std::vector<double> gated_weight;  // anml_gated weight per contributor.
  uint64_t trained = 0;
  double seconds = 0.0;  // Wall time of the Process() loop alone.
  std::vector<uint32_t> trained_rows;  // Pool rows in training order.
};

struct ReplayOptions {
  // Contributors whose events are replayed; empty means all.
  std::vector<bool> include;
  bool record_trained_rows = false;
};

// Replays `stream` through a pipeline built from `config` and measures it
// on `split.test`. Internal when the engine rejects a sample (a bug in the
// simulation) or the configuration.
StatusOr<ReplayResult> Replay(const SimulatedStream& stream, const Split& split,
                              const engine::EngineConfig& config,
                              const ReplayOptions& options = {});

// The test error of `pipeline`'s scheme (or the served model when
// `scheme` is nullopt).
double TestError(const engine::Pipeline& pipeline, std::optional<engine::Scheme> scheme,
                 const Split& split);

struct BenchSettings {
  int seeds = 10;
  uint64_t first_seed = 1;
  int passes = 5;
  int contributors = 20;
  double corrupt_fraction = 0.3;
  double rate = 0.3;  // Experiments 1 to 3.
  std::vector<double> sweep_rates = {0.5, 0.4, 0.3, 0.2, 0.1, 0.05};
  std::vector<Attack> attacks = AllAttacks();
  size_t max_rows = 0;  // > 0: subsample each dataset (quick mode).
  bool feature_noise = true;
  bool peer = true;  // Write the clean stream for the scikit-learn check.
};

// Per-seed values, keyed by what they measure.
using SeedSeries = std::map<std::string, std::vector<double>>;

// The peer check: anml's uniform learner and scikit-learn's SGDClassifier
// on the same clean stream, per seed.
struct PeerStreams {
  std::vector<double> anml_error;
  std::vector<double> anml_samples_per_second;
  std::vector<std::string> files;  // Per seed: a file prefix for the script.
  std::vector<double> sklearn_error;  // Filled by RunPeerCheck().
  std::vector<double> sklearn_samples_per_second;
  std::vector<double> batch_error;  // sklearn LogisticRegression, batch.
};

struct DatasetResults {
  std::string name;
  engine::Task task = engine::Task::kBinary;
  size_t rows = 0;
  int dimension = 0;
  int classes = 0;
  std::string primary_corruption;
  SeedSeries exp1;        // Scheme -> error, primary corruption.
  SeedSeries exp1_noise;  // Scheme -> error, feature noise.
  SeedSeries exp2;        // top20_error, uniform_error, top20_rows_share, ...
  std::map<std::string, SeedSeries> exp3;  // Attack -> scheme/served/best.
  std::map<double, SeedSeries> exp4;       // Rate -> scheme -> error.
  PeerStreams peer;
  double seconds = 0.0;
};

// Called after each seed of each dataset, for a progress bar.
using ProgressFn = std::function<void(const std::string& dataset, int done, int total)>;

// Runs every experiment on one dataset. `peer_dir`, when not empty, is
// where the peer check's stream files go. Errors from the simulation or
// the engine are returned with the dataset and seed as context.
StatusOr<DatasetResults> RunDataset(const Dataset& data, const BenchSettings& settings,
                                    const std::string& peer_dir, const ProgressFn& progress);

}  // namespace anml::bench

#endif  // ANML_BENCH_PAPER_EXPERIMENTS_H_
