// `anml bench state`: committed contributor updates per second of the
// state store, resident memory with the cache capped, and reopen time.
//
// The run, in one fresh store directory:
//   1. populate: --contributors records are created in batches of --batch,
//      each batch committed as one step (records + offsets);
//   2. update: --batches batches of --batch updates to contributors drawn
//      uniformly from the population, through the ContributorCache: load
//      misses from RocksDB, update the records, commit one batch each, evict
//      down to --cache-mb. The headline rate is this phase's;
//   3. reopen: close (flushing memtables), then time Open() + Recover();
//   4. sync: --sync-batches more update batches with an fsync per commit.
// Resident memory (VmRSS) is read after phase 2 and set against the cache
// budget plus RocksDB's block cache and memtables. An "update" is what the
// engine does to a record per sample: decay-free accumulation into the
// gradient sum and counters, so the numbers isolate the store.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "app/commands.h"
#include "engine/sample.h"
#include "state/contributor_cache.h"
#include "state/state_store.h"

namespace anml::app {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMiB = size_t{1} << 20;
// StoreOptions' default memtable budget, which the benchmark keeps.
constexpr size_t kMemtableBudgetMb = state::StoreOptions().memtable_budget_bytes >> 20;
const state::TopicPartition kInput{"samples", 0};

struct BenchOptions {
  std::string dir;
  uint64_t contributors = 1'000'000;
  int batch = 1000;
  int batches = 1000;
  int sync_batches = 200;
  // With the memtables, 192 MiB of budgets; most of it holds decoded
  // records, since contributor lookups do not fill the block cache.
  size_t cache_mb = 96;
  size_t block_cache_mb = 32;
  size_t write_buffer_mb = state::StoreOptions().write_buffer_bytes >> 20;
  int dimension = 16;
  // With hot_share > 0, that share of updates goes to the first
  // hot_contributors ids (a skewed stream); the rest are uniform.
  double hot_share = 0.0;
  uint64_t hot_contributors = 100'000;
  uint64_t seed = 1;
  bool keep = false;
  bool json = false;
};

struct PhaseResult {
  uint64_t updates = 0;
  uint64_t commits = 0;
  double seconds = 0;
  double load_seconds = 0;    // In EnsureResident (lookups of misses).
  double commit_seconds = 0;  // In Commit (encode, write batch, evict).
  double rate() const { return seconds > 0 ? static_cast<double>(updates) / seconds : 0; }
};

struct BenchResult {
  PhaseResult populate, update, sync;
  double reopen_seconds = 0;
  uint64_t rss_bytes = 0, rss_before_bytes = 0;
  state::CacheStats cache;
  state::StoreStats store;
};

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// VmRSS of this process in bytes, or 0 when /proc is unavailable.
uint64_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  }
  return 0;
}

std::string ContributorId(uint64_t index) { return fmt::format("contributor-{:07}", index); }

// One per-sample update of a record, as the engine would make it. The
// gradient coordinates are hashed to arbitrary doubles, as real gradients
// are, so compression sees realistic (poorly compressible) values.
void Update(engine::ContributorStats& stats, int64_t time_ms, double x) {
  constexpr double kToUnit = 1.0 / 18446744073709551616.0;  // 2^-64
  uint64_t coordinate = static_cast<uint64_t>(time_ms) << 8;
  for (double& g : stats.gradient_sum) {
    g += x * static_cast<double>(engine::MixHash(coordinate++)) * kToUnit;
  }
  stats.gradient_weight += 1.0;
  stats.consistent += x > 0 ? 1.0 : 0.0;
  stats.inconsistent += x > 0 ? 0.0 : 1.0;
  if (stats.first_time_ms == engine::kNoTime) stats.first_time_ms = time_ms;
  stats.last_time_ms = stats.as_of_ms = time_ms;
  ++stats.samples;
}

StatusOr<std::unique_ptr<state::StateStore>> OpenStore(const BenchOptions& options, bool sync) {
  state::StoreOptions store;
  store.path = options.dir + "/store";
  store.sync = sync;
  store.block_cache_bytes = options.block_cache_mb * kMiB;
  store.write_buffer_bytes = options.write_buffer_mb * kMiB;
  return state::StateStore::Open(store);
}

// Applies one batch of updates to `ids` through the cache and commits it.
Status ApplyBatch(state::ContributorCache& cache, state::TableResidents& residents,
                  const std::vector<std::string>& ids, const engine::ContributorStats& prototype,
                  int64_t* offset, PhaseResult* result) {
  std::vector<std::string_view> views(ids.begin(), ids.end());
  Clock::time_point start = Clock::now();
  auto metadata = cache.EnsureResident(views);
  if (!metadata.ok()) return metadata.status();
  result->load_seconds += Seconds(start);
  engine::ContributorTable& table = residents.table();
  for (const std::string& id : ids) {
    const uint32_t slot = table.Intern(id, prototype);
    Update(table.stats(slot), *offset, 0.001 * static_cast<double>(*offset % 1000) - 0.5);
    table.MarkDirty(slot);
    ++*offset;
  }
  start = Clock::now();
  Status committed = cache.Commit(nullptr, {{kInput, *offset}});
  result->commit_seconds += Seconds(start);
  return committed;
}

// The engine side of the benchmark: resident records and their cache.
struct Engine {
  Engine(state::StateStore* store, const BenchOptions& options)
      : cache(store, &residents, options.cache_mb * kMiB) {
    prototype.gradient_sum.assign(static_cast<size_t>(options.dimension), 0.0);
  }
  state::TableResidents residents;
  state::ContributorCache cache;
  engine::ContributorStats prototype;
};

// Runs `batches` batches whose ids come from `next_id`, timing them.
template <typename NextId>
StatusOr<PhaseResult> RunPhase(Engine& engine, const BenchOptions& options, uint64_t batches,
                               NextId next_id, int64_t* offset) {
  std::vector<std::string> ids(static_cast<size_t>(options.batch));
  PhaseResult result;
  const Clock::time_point start = Clock::now();
  for (uint64_t b = 0; b < batches; ++b) {
    for (std::string& id : ids) id = next_id();
    ANML_RETURN_IF_ERROR(
        ApplyBatch(engine.cache, engine.residents, ids, engine.prototype, offset, &result));
    result.updates += ids.size();
    ++result.commits;
  }
  result.seconds = Seconds(start);
  return result;
}

StatusOr<PhaseResult> Populate(Engine& engine, const BenchOptions& options, int64_t* offset) {
  uint64_t next = 0;
  const uint64_t batches = options.contributors / static_cast<uint64_t>(options.batch);
  return RunPhase(
      engine, options, batches, [&next] { return ContributorId(next++); }, offset);
}

StatusOr<PhaseResult> RandomUpdates(Engine& engine, const BenchOptions& options, int batches,
                                    uint64_t seed, int64_t* offset) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint64_t> any(0, options.contributors - 1);
  std::uniform_int_distribution<uint64_t> hot(
      0, std::min(options.hot_contributors, options.contributors) - 1);
  std::bernoulli_distribution is_hot(options.hot_share);
  return RunPhase(
      engine, options, static_cast<uint64_t>(batches),
      [&] { return ContributorId(is_hot(rng) ? hot(rng) : any(rng)); }, offset);
}

// Phases 1 and 2, keeping the store open to read memory and statistics.
Status MeasureUpdates(const BenchOptions& options, BenchResult* result, int64_t* offset) {
  result->rss_before_bytes = ResidentBytes();
  auto store = OpenStore(options, /*sync=*/false);
  if (!store.ok()) return store.status();
  // One engine across both phases, as in a running service: the update
  // phase starts with the records populate left resident.
  Engine engine(store->get(), options);
  auto populate = Populate(engine, options, offset);
  if (!populate.ok()) return populate.status();
  result->populate = *populate;

  auto update = RandomUpdates(engine, options, options.batches, options.seed, offset);
  if (!update.ok()) return update.status();
  result->update = *update;
  result->rss_bytes = ResidentBytes();
  result->store = (*store)->Stats();
  result->cache = engine.cache.stats();
  return (*store)->Close();
}

Status MeasureReopen(const BenchOptions& options, BenchResult* result) {
  const Clock::time_point start = Clock::now();
  auto store = OpenStore(options, /*sync=*/false);
  if (!store.ok()) return store.status();
  auto recovered = (*store)->Recover();
  if (!recovered.ok()) return recovered.status();
  result->reopen_seconds = Seconds(start);
  return (*store)->Close();
}

Status MeasureSync(const BenchOptions& options, BenchResult* result, int64_t* offset) {
  auto store = OpenStore(options, /*sync=*/true);
  if (!store.ok()) return store.status();
  Engine engine(store->get(), options);
  auto sync = RandomUpdates(engine, options, options.sync_batches, options.seed + 1, offset);
  if (!sync.ok()) return sync.status();
  result->sync = *sync;
  return (*store)->Close();
}

Status RunBench(const BenchOptions& options, BenchResult* result) {
  int64_t offset = 0;
  ANML_RETURN_IF_ERROR(MeasureUpdates(options, result, &offset));
  ANML_RETURN_IF_ERROR(MeasureReopen(options, result));
  return MeasureSync(options, result, &offset);
}

nlohmann::json PhaseJson(const PhaseResult& phase) {
  return {{"updates", phase.updates},
          {"commits", phase.commits},
          {"seconds", phase.seconds},
          {"load_seconds", phase.load_seconds},
          {"commit_seconds", phase.commit_seconds},
          {"updates_per_second", phase.rate()}};
}

nlohmann::json ResultJson(const BenchOptions& options, const BenchResult& result) {
  return {{"benchmark", "state"},
          {"contributors", options.contributors},
          {"batch", options.batch},
          {"hot_share", options.hot_share},
          {"hot_contributors", options.hot_contributors},
          {"cache_budget_bytes", options.cache_mb * kMiB},
          {"block_cache_bytes", options.block_cache_mb * kMiB},
          {"populate", PhaseJson(result.populate)},
          {"update", PhaseJson(result.update)},
          {"update_sync", PhaseJson(result.sync)},
          {"reopen_seconds", result.reopen_seconds},
          {"rss_bytes", result.rss_bytes},
          {"rss_before_open_bytes", result.rss_before_bytes},
          {"memtable_budget_bytes", kMemtableBudgetMb * kMiB},
          {"memtable_bytes", result.store.memtable_bytes},
          {"cache_resident_bytes", result.cache.resident_bytes},
          {"cache_hits", result.cache.hits_total},
          {"cache_misses", result.cache.misses_total},
          {"block_cache_usage_bytes", result.store.block_cache_usage_bytes},
          {"sst_files_bytes", result.store.sst_files_bytes},
          {"block_cache_hits", result.store.block_cache_hits_total},
          {"block_cache_misses", result.store.block_cache_misses_total},
          {"write_stall_seconds", static_cast<double>(result.store.stall_micros_total) * 1e-6}};
}

void PrintPhase(std::string_view name, const PhaseResult& phase) {
  std::printf(
      "%-28s %10.0f updates/s  (%llu updates, %llu commits, %.2f s: loads %.2f s, "
      "commits %.2f s)\n",
      std::string(name).c_str(), phase.rate(), static_cast<unsigned long long>(phase.updates),
      static_cast<unsigned long long>(phase.commits), phase.seconds, phase.load_seconds,
      phase.commit_seconds);
}

void PrintText(const BenchOptions& options, const BenchResult& result) {
  std::printf(
      "state store: %llu contributors, batches of %d, cache budget %zu MiB, "
      "block cache %zu MiB, updates %s\n",
      static_cast<unsigned long long>(options.contributors), options.batch, options.cache_mb,
      options.block_cache_mb,
      options.hot_share > 0 ? fmt::format("{:.0f}% to {} hot contributors", 100 * options.hot_share,
                                          options.hot_contributors)
                                  .c_str()
                            : "uniform");
  PrintPhase("populate (new records)", result.populate);
  PrintPhase("update (WAL, no fsync)", result.update);
  PrintPhase("update (fsync per commit)", result.sync);
  const double mib = static_cast<double>(kMiB);
  std::printf(
      "resident memory after updates: %.1f MiB (%.1f MiB before opening the store); "
      "budgets: cache %zu + block cache %zu + memtables %zu = %zu MiB; memtables now "
      "%.1f MiB, cache now %.1f MiB\n",
      static_cast<double>(result.rss_bytes) / mib,
      static_cast<double>(result.rss_before_bytes) / mib, options.cache_mb, options.block_cache_mb,
      kMemtableBudgetMb, options.cache_mb + options.block_cache_mb + kMemtableBudgetMb,
      static_cast<double>(result.store.memtable_bytes) / mib,
      static_cast<double>(result.cache.resident_bytes) / mib);
  std::printf("RocksDB write stalls during populate + update: %.2f s\n",
              static_cast<double>(result.store.stall_micros_total) * 1e-6);
  std::printf("reopen (open + recover) of %llu contributors: %.3f s\n",
              static_cast<unsigned long long>(options.contributors), result.reopen_seconds);
}

std::string FreshDirectory() {
  std::string pattern = (std::filesystem::temp_directory_path() / "anml-bench-XXXXXX").string();
  return mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
}

int Run(BenchOptions options) {
  const bool temporary = options.dir.empty();
  if (temporary) options.dir = FreshDirectory();
  if (options.dir.empty() || options.batch <= 0 || options.contributors == 0) {
    std::fprintf(stderr, "bench state: no usable directory, or batch/contributors not > 0\n");
    return 2;
  }
  // With --json, stdout carries the report and the JSON object only.
  if (options.json) spdlog::set_level(spdlog::level::warn);
  BenchResult result;
  const Status status = RunBench(options, &result);
  if (temporary && !options.keep) {
    std::error_code error;
    // Best effort: a leftover temp directory does not change the numbers.
    std::filesystem::remove_all(options.dir, error);
  }
  if (!status.ok()) {
    std::fprintf(stderr, "bench state: %s\n", status.ToString().c_str());
    return 1;
  }
  PrintText(options, result);
  if (options.json) std::printf("%s\n", ResultJson(options, result).dump().c_str());
  return 0;
}

}  // namespace

void AddBenchStateCommand(CLI::App& bench, int* exit_code) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* command = bench.add_subcommand(
      "state", "Committed contributor updates per second, memory and reopen time of the store");
  command->add_option("--dir", options->dir, "Store directory (default: a fresh temp dir)");
  command->add_option("--contributors", options->contributors, "Contributors in the store");
  command->add_option("--batch", options->batch, "Updates per committed batch");
  command->add_option("--batches", options->batches, "Update batches without fsync");
  command->add_option("--sync-batches", options->sync_batches, "Update batches with fsync");
  command->add_option("--cache-mb", options->cache_mb, "Contributor cache budget, MiB");
  command->add_option("--block-cache-mb", options->block_cache_mb, "RocksDB block cache, MiB");
  command->add_option("--write-buffer-mb", options->write_buffer_mb,
                      "Memtable size of the contributor column families, MiB");
  command->add_option("--dimension", options->dimension, "Gradient sum length per record");
  command->add_option("--hot-share", options->hot_share,
                      "Share of updates to the hot contributors (0: uniform)");
  command->add_option("--hot-contributors", options->hot_contributors,
                      "How many contributors are hot");
  command->add_option("--seed", options->seed, "Seed of the update order");
  command->add_flag("--keep", options->keep, "Keep the temp store directory");
  command->add_flag("--json", options->json, "Print one JSON object last");
  command->callback([options, exit_code] { *exit_code = Run(*options); });
}

}  // namespace anml::app
