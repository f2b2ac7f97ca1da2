// `anml bench state`: committed contributor updates per second of the
// state store, resident memory with the cache capped, and reopen time.
//
// The run, in one fresh store directory:
//   1. populate: --contributors records are created in batches of --batch,
//      each batch committed as one step (records + offsets);
//   2. uniform: --batches batches of --batch updates to contributors drawn
//      uniformly from the population, through the ContributorCache: load
//      misses from RocksDB, update the records, commit one batch each, evict
//      down to --cache-mb. As in the service, RocksDB writes each batch on
//      the store's writer thread while the next batch loads; a phase ends
//      when its last write is done. The headline rate is this phase's: every
//      contributor is equally likely, so the cache holds only its share of
//      the population and most updates load a record;
//   3. zipf: as many batches again with contributors drawn by popularity
//      rank from a Zipf distribution of exponent --zipf (0.99 by default,
//      the skew of the YCSB benchmark's streams), the ranks scattered over
//      the id space; a few contributors send most samples, as in most
//      real streams;
//   4. reopen: close (flushing memtables), then time Open() + Recover();
//   5. sync: --sync-batches more uniform batches with an fsync per commit;
//   6. RocksDB alone, the reference for the uniform phase: a second store
//      directory opened with the store's RocksDB options, populated the
//      same way, then the uniform phase's batches (the same ids) with none
//      of the store's own work: no cache, no decoding or encoding, no writer
//      thread. Each batch looks up as many distinct ids as the store's
//      uniform phase loaded per batch, in one sorted MultiGet that leaves
//      the block cache alone, and writes every id of the batch (values of
//      the encoded record's size) with the input offset in one write batch.
//      Its CPU per update is what RocksDB itself spends on what the store
//      asks of it; with the machine's cores it bounds the rate any code on
//      this RocksDB could reach.
// Resident memory (VmRSS) is read after each update phase and the larger
// is set against the cache budget plus RocksDB's block cache and
// memtables. Each update phase also reports the CPU time per update of the
// engine's thread, the store's writer thread and RocksDB's flush and
// compaction threads (with two cores, their sum bounds the rate), and the
// bytes RocksDB wrote to table files per committed byte. An "update" is
// what the engine does to a record per sample: decay-free accumulation
// into the gradient sum and counters, so the numbers isolate the store.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <rocksdb/db.h>
#include <spdlog/spdlog.h>
#include <time.h>
#include <unistd.h>

#include "app/commands.h"
#include "engine/sample.h"
#include "simulation/zipf_ranks.h"
#include "state/contributor_cache.h"
#include "state/internal/rocksdb_options.h"
#include "state/internal/rocksdb_status.h"
#include "state/record_codec.h"
#include "state/state_store.h"

namespace anml::app {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMiB = size_t{1} << 20;
// StoreOptions' default memtable budget, which the benchmark keeps.
const size_t kMemtableBudgetMb = state::StoreOptions().memtable_budget_bytes >> 20;
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
  // Exponent of the skewed phase's Zipf distribution; 0 skips the phase.
  double zipf = 0.99;
  uint64_t seed = 1;
  bool keep = false;
  bool json = false;
};

// CPU seconds this process spent, by kind of thread.
struct ThreadCpu {
  double engine = 0;      // The thread that runs the benchmark.
  double writer = 0;      // The store's writer thread ("anml:writer").
  double flush = 0;       // RocksDB's flush pool ("rocksdb:high").
  double compaction = 0;  // RocksDB's compaction pool ("rocksdb:low").
  double other = 0;

  ThreadCpu operator-(const ThreadCpu& before) const {
    return {engine - before.engine, writer - before.writer, flush - before.flush,
            compaction - before.compaction, other - before.other};
  }
  ThreadCpu operator*(double factor) const {
    return {engine * factor, writer * factor, flush * factor, compaction * factor, other * factor};
  }
  double total() const { return engine + writer + flush + compaction + other; }
};

struct PhaseResult {
  uint64_t updates = 0;
  uint64_t commits = 0;
  double seconds = 0;
  double load_seconds = 0;  // In EnsureResident (lookups of misses).
  // In Commit and the phase's final FinishCommit: waiting for the previous
  // batch's write, evicting, encoding this batch and handing it over.
  double commit_seconds = 0;
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;  // Records looked up in the store.
  // Bytes of the phase's write batches, and what RocksDB wrote to table
  // files meanwhile. Compaction runs behind the writes, so a phase also
  // pays some of the previous phase's and leaves some to the next.
  uint64_t commit_bytes = 0;
  uint64_t flush_bytes = 0;
  uint64_t compaction_write_bytes = 0;
  ThreadCpu cpu;
  double rate() const { return seconds > 0 ? static_cast<double>(updates) / seconds : 0; }
  // Table-file bytes written per committed byte.
  double write_amplification() const {
    return commit_bytes > 0 ? static_cast<double>(flush_bytes + compaction_write_bytes) /
                                  static_cast<double>(commit_bytes)
                            : 0;
  }
  double hit_ratio() const {
    const uint64_t lookups = cache_hits + cache_misses;
    return lookups > 0 ? static_cast<double>(cache_hits) / static_cast<double>(lookups) : 0;
  }
  // CPU microseconds per update of each kind of thread.
  ThreadCpu cpu_per_update() const {
    return cpu * (updates > 0 ? 1e6 / static_cast<double>(updates) : 0);
  }
};

// Phase 6: the uniform phase's reads and writes on RocksDB alone.
struct AloneResult {
  uint64_t batches = 0;
  uint64_t updates = 0;
  uint64_t lookups = 0;
  double seconds = 0;
  // CPU seconds of the calling thread in MultiGet and in Write, and of
  // every thread over the phase.
  double lookup_cpu = 0;
  double write_cpu = 0;
  ThreadCpu cpu;
  double rate() const { return seconds > 0 ? static_cast<double>(updates) / seconds : 0; }
  double PerUpdate(double cpu_seconds) const {
    return updates > 0 ? cpu_seconds * 1e6 / static_cast<double>(updates) : 0;
  }
};

struct BenchResult {
  PhaseResult populate, uniform, zipf, sync;
  AloneResult alone;
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

// User plus system CPU seconds of one thread, from its /proc stat line, or
// 0 when it cannot be read. utime and stime are the 12th and 13th fields
// after the parenthesised thread name, which may itself hold spaces.
double TaskCpuSeconds(const std::filesystem::path& task) {
  constexpr int kFieldsBeforeUtime = 11;
  std::string line;
  std::getline(std::ifstream(task / "stat"), line);
  const size_t name_end = line.rfind(')');
  if (name_end == std::string::npos) return 0;
  std::istringstream fields(line.substr(name_end + 1));
  std::string skipped;
  for (int i = 0; i < kFieldsBeforeUtime; ++i) fields >> skipped;
  unsigned long long user = 0, system = 0;
  fields >> user >> system;
  return static_cast<double>(user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The CPU time of every thread of this process, by the name RocksDB gives
// its pools; all zero where /proc is unavailable.
ThreadCpu ReadThreadCpu() {
  ThreadCpu cpu;
  const std::string self = std::to_string(getpid());
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", error)) {
    std::string name;
    std::getline(std::ifstream(task.path() / "comm"), name);
    const double seconds = TaskCpuSeconds(task.path());
    if (task.path().filename() == self) {
      cpu.engine += seconds;
    } else if (name == "anml:writer") {
      cpu.writer += seconds;
    } else if (name == "rocksdb:high") {
      cpu.flush += seconds;
    } else if (name == "rocksdb:low") {
      cpu.compaction += seconds;
    } else {
      cpu.other += seconds;
    }
  }
  return cpu;
}

// CPU seconds of the calling thread.
double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
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
  Engine(state::StateStore* opened, const BenchOptions& options)
      : store(opened), cache(opened, &residents, options.cache_mb * kMiB) {
    prototype.gradient_sum.assign(static_cast<size_t>(options.dimension), 0.0);
  }
  state::StateStore* store;
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
  const state::CacheStats cache_before = engine.cache.stats();
  const state::StoreStats store_before = engine.store->Stats();
  const ThreadCpu cpu_before = ReadThreadCpu();
  const Clock::time_point start = Clock::now();
  for (uint64_t b = 0; b < batches; ++b) {
    for (std::string& id : ids) id = next_id();
    ANML_RETURN_IF_ERROR(
        ApplyBatch(engine.cache, engine.residents, ids, engine.prototype, offset, &result));
    result.updates += ids.size();
    ++result.commits;
  }
  // The last batch's write belongs to this phase.
  const Clock::time_point finish = Clock::now();
  ANML_RETURN_IF_ERROR(engine.cache.FinishCommit());
  result.commit_seconds += Seconds(finish);
  result.seconds = Seconds(start);
  result.cpu = ReadThreadCpu() - cpu_before;
  const state::CacheStats cache_after = engine.cache.stats();
  result.cache_hits = cache_after.hits_total - cache_before.hits_total;
  result.cache_misses = cache_after.misses_total - cache_before.misses_total;
  const state::StoreStats store_after = engine.store->Stats();
  result.commit_bytes = store_after.commit_bytes_total - store_before.commit_bytes_total;
  result.flush_bytes = store_after.flush_bytes_total - store_before.flush_bytes_total;
  result.compaction_write_bytes =
      store_after.compaction_write_bytes_total - store_before.compaction_write_bytes_total;
  return result;
}

StatusOr<PhaseResult> Populate(Engine& engine, const BenchOptions& options, int64_t* offset) {
  uint64_t next = 0;
  const uint64_t batches = options.contributors / static_cast<uint64_t>(options.batch);
  return RunPhase(
      engine, options, batches, [&next] { return ContributorId(next++); }, offset);
}

StatusOr<PhaseResult> UniformUpdates(Engine& engine, const BenchOptions& options, int batches,
                                     uint64_t seed, int64_t* offset) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint64_t> any(0, options.contributors - 1);
  return RunPhase(
      engine, options, static_cast<uint64_t>(batches), [&] { return ContributorId(any(rng)); },
      offset);
}

// A multiplier coprime with n, so that rank -> rank * m mod n is a
// bijection that scatters the popular ranks over the whole id space (and
// so over the store's files) instead of packing them at its start.
uint64_t Scatter(uint64_t n) {
  uint64_t m = 0x9e3779b97f4a7c15ull % n;
  while (std::gcd(m, n) != 1) ++m;
  return m;
}

StatusOr<PhaseResult> ZipfUpdates(Engine& engine, const BenchOptions& options, uint64_t seed,
                                  int64_t* offset) {
  std::mt19937_64 rng(seed);
  const simulation::ZipfRanks ranks(options.contributors, options.zipf);
  const uint64_t n = options.contributors;
  // The product of two numbers below n needs 128 bits when n passes 2^32.
  __extension__ using Wide = unsigned __int128;
  const Wide m = Scatter(n);
  return RunPhase(
      engine, options, static_cast<uint64_t>(options.batches),
      [&] { return ContributorId(static_cast<uint64_t>((m * ranks(rng)) % n)); }, offset);
}

// Phases 1 to 3, keeping the store open to read memory and statistics.
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

  auto uniform = UniformUpdates(engine, options, options.batches, options.seed, offset);
  if (!uniform.ok()) return uniform.status();
  result->uniform = *uniform;
  result->rss_bytes = ResidentBytes();
  if (options.zipf > 0) {
    auto zipf = ZipfUpdates(engine, options, options.seed + 2, offset);
    if (!zipf.ok()) return zipf.status();
    result->zipf = *zipf;
    result->rss_bytes = std::max(result->rss_bytes, ResidentBytes());
  }
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
  auto sync = UniformUpdates(engine, options, options.sync_batches, options.seed + 1, offset);
  if (!sync.ok()) return sync.status();
  result->sync = *sync;
  return (*store)->Close();
}

// A RocksDB database opened with the state store's options, for phase 6.
struct AloneStore {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* contributors() const {
    return handles[state::internal::kContributorsFamily];
  }
  rocksdb::ColumnFamilyHandle* offsets() const { return handles[state::internal::kOffsetsFamily]; }
  Status Close() {
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
    handles.clear();
    return state::internal::FromRocksDb(db->Close(), "closing the RocksDB-alone store");
  }
  // After an error, which already fails the run: closing is best effort.
  ~AloneStore() {
    if (!handles.empty()) static_cast<void>(Close());
  }
};

StatusOr<std::unique_ptr<AloneStore>> OpenAlone(const BenchOptions& options) {
  state::StoreOptions store;
  store.path = options.dir + "/rocksdb-alone";
  store.block_cache_bytes = options.block_cache_mb * kMiB;
  store.write_buffer_bytes = options.write_buffer_mb * kMiB;
  // As the store keeps them, since counting costs CPU on every call.
  std::shared_ptr<rocksdb::Statistics> statistics = rocksdb::CreateDBStatistics();
  statistics->set_stats_level(rocksdb::StatsLevel::kExceptDetailedTimers);
  rocksdb::DBOptions db_options = state::internal::MakeDbOptions(store, statistics);
  db_options.create_missing_column_families = true;
  // As the store does: RocksDB would log an error before creating it.
  std::error_code error;
  std::filesystem::create_directories(store.path, error);
  auto alone = std::make_unique<AloneStore>();
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status opened = rocksdb::DB::Open(
      db_options, store.path, state::internal::MakeFamilies(store), &alone->handles, &raw);
  if (!opened.ok()) return state::internal::FromRocksDb(opened, "opening " + store.path);
  alone->db.reset(raw);
  return alone;
}

// The distinct ids of `ids`, in id order: as the store reads and writes.
std::vector<rocksdb::Slice> SortedDistinct(std::span<const std::string> ids) {
  std::vector<rocksdb::Slice> slices(ids.begin(), ids.end());
  std::sort(slices.begin(), slices.end(),
            [](const rocksdb::Slice& a, const rocksdb::Slice& b) { return a.compare(b) < 0; });
  slices.erase(std::unique(slices.begin(), slices.end()), slices.end());
  return slices;
}

// Writes one batch: a value per distinct id, and the input offset.
Status WriteAlone(AloneStore& alone, std::span<const std::string> ids, std::string& value,
                  int64_t* offset, const std::string& offset_key) {
  rocksdb::WriteBatch batch;
  for (const rocksdb::Slice& id : SortedDistinct(ids)) {
    // A different value each time, as updated records are.
    const uint64_t stamp = engine::MixHash(static_cast<uint64_t>((*offset)++));
    std::memcpy(value.data() + 2, &stamp, sizeof stamp);
    batch.Put(alone.contributors(), id, value);
  }
  batch.Put(alone.offsets(), offset_key, state::EncodeOffset(*offset));
  return state::internal::FromRocksDb(alone.db->Write(rocksdb::WriteOptions(), &batch),
                                      "writing a batch");
}

// Phase 6 (see the top of this file). `lookups_per_batch` ids of each batch
// are looked up: the uniform phase's loads per batch.
StatusOr<AloneResult> MeasureAlone(const BenchOptions& options, uint64_t lookups_per_batch) {
  auto alone = OpenAlone(options);
  if (!alone.ok()) return alone.status();
  engine::ContributorStats prototype;
  prototype.gradient_sum.assign(static_cast<size_t>(options.dimension), 0.0);
  std::string value = state::EncodeContributor(prototype);
  auto offset_key = state::OffsetKey(kInput);
  if (!offset_key.ok()) return offset_key.status();
  int64_t offset = 0;

  std::vector<std::string> ids(static_cast<size_t>(options.batch));
  for (uint64_t next = 0; next < options.contributors;) {
    const size_t count = std::min<uint64_t>(ids.size(), options.contributors - next);
    for (size_t i = 0; i < count; ++i) ids[i] = ContributorId(next++);
    ANML_RETURN_IF_ERROR(WriteAlone(**alone, std::span(ids).first(count), value, &offset,
                                    *offset_key));
  }

  // The uniform phase's ids, in its order.
  std::mt19937_64 rng(options.seed);
  std::uniform_int_distribution<uint64_t> any(0, options.contributors - 1);
  const size_t lookups = std::min<size_t>(lookups_per_batch, ids.size());
  rocksdb::ReadOptions read;
  read.fill_cache = false;  // As the store reads contributor records.
  AloneResult result;
  const ThreadCpu cpu_before = ReadThreadCpu();
  const Clock::time_point start = Clock::now();
  for (int b = 0; b < options.batches; ++b) {
    for (std::string& id : ids) id = ContributorId(any(rng));
    double cpu = ThreadCpuSeconds();
    const std::vector<rocksdb::Slice> keys = SortedDistinct(std::span(ids).first(lookups));
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    (*alone)->db->MultiGet(read, (*alone)->contributors(), keys.size(), keys.data(),
                           values.data(), statuses.data(), /*sorted_input=*/true);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!statuses[i].ok()) {
        return state::internal::FromRocksDb(statuses[i], "reading " + keys[i].ToString());
      }
    }
    values.clear();  // Releases the blocks, as decoding does.
    result.lookups += keys.size();
    const double looked_up = ThreadCpuSeconds();
    result.lookup_cpu += looked_up - cpu;
    ANML_RETURN_IF_ERROR(WriteAlone(**alone, ids, value, &offset, *offset_key));
    result.write_cpu += ThreadCpuSeconds() - looked_up;
    result.updates += ids.size();
    ++result.batches;
  }
  result.seconds = Seconds(start);
  result.cpu = ReadThreadCpu() - cpu_before;
  ANML_RETURN_IF_ERROR((*alone)->Close());
  return result;
}

Status RunBench(const BenchOptions& options, BenchResult* result) {
  int64_t offset = 0;
  ANML_RETURN_IF_ERROR(MeasureUpdates(options, result, &offset));
  ANML_RETURN_IF_ERROR(MeasureReopen(options, result));
  ANML_RETURN_IF_ERROR(MeasureSync(options, result, &offset));
  const uint64_t loads_per_batch =
      result->uniform.commits > 0
          ? (result->uniform.cache_misses + result->uniform.commits / 2) / result->uniform.commits
          : 0;
  auto alone = MeasureAlone(options, loads_per_batch);
  if (!alone.ok()) return alone.status();
  result->alone = *alone;
  return Status::Ok();
}

nlohmann::json CpuJson(const ThreadCpu& cpu) {
  return {{"engine", cpu.engine},
          {"writer", cpu.writer},
          {"flush", cpu.flush},
          {"compaction", cpu.compaction},
          {"other", cpu.other}};
}

nlohmann::json PhaseJson(const PhaseResult& phase) {
  return {{"updates", phase.updates},
          {"commits", phase.commits},
          {"seconds", phase.seconds},
          {"load_seconds", phase.load_seconds},
          {"commit_seconds", phase.commit_seconds},
          {"cache_hits", phase.cache_hits},
          {"cache_misses", phase.cache_misses},
          {"cache_hit_ratio", phase.hit_ratio()},
          {"commit_bytes", phase.commit_bytes},
          {"flush_bytes", phase.flush_bytes},
          {"compaction_write_bytes", phase.compaction_write_bytes},
          {"write_amplification", phase.write_amplification()},
          {"cpu_microseconds_per_update", CpuJson(phase.cpu_per_update())},
          {"updates_per_second", phase.rate()}};
}

nlohmann::json AloneJson(const AloneResult& alone) {
  nlohmann::json cpu =
      CpuJson(alone.cpu * (alone.updates > 0 ? 1e6 / static_cast<double>(alone.updates) : 0));
  cpu["lookups"] = alone.PerUpdate(alone.lookup_cpu);
  cpu["writes"] = alone.PerUpdate(alone.write_cpu);
  return {{"batches", alone.batches},
          {"updates", alone.updates},
          {"lookups", alone.lookups},
          {"seconds", alone.seconds},
          {"cpu_microseconds_per_update", cpu},
          {"updates_per_second", alone.rate()}};
}

nlohmann::json ResultJson(const BenchOptions& options, const BenchResult& result) {
  return {{"benchmark", "state"},
          {"contributors", options.contributors},
          {"batch", options.batch},
          {"zipf_exponent", options.zipf},
          {"cache_budget_bytes", options.cache_mb * kMiB},
          {"block_cache_bytes", options.block_cache_mb * kMiB},
          {"populate", PhaseJson(result.populate)},
          {"update", PhaseJson(result.uniform)},
          {"update_zipf", options.zipf > 0 ? PhaseJson(result.zipf) : nlohmann::json()},
          {"update_sync", PhaseJson(result.sync)},
          {"rocksdb_alone", AloneJson(result.alone)},
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
      "%-30s %10.0f updates/s  (%llu updates, %llu commits, %.2f s: loads %.2f s, "
      "commits %.2f s; cache hits %.1f%%)\n",
      std::string(name).c_str(), phase.rate(), static_cast<unsigned long long>(phase.updates),
      static_cast<unsigned long long>(phase.commits), phase.seconds, phase.load_seconds,
      phase.commit_seconds, 100 * phase.hit_ratio());
}

void PrintCpu(std::string_view name, const PhaseResult& phase) {
  if (phase.updates == 0) return;
  const ThreadCpu cpu = phase.cpu_per_update();
  std::printf(
      "  CPU per update, %s: engine thread %.2f us, store writer %.2f us, RocksDB flush "
      "%.2f us, compaction %.2f us, other %.2f us; %.2f us in all\n",
      std::string(name).c_str(), cpu.engine, cpu.writer, cpu.flush, cpu.compaction, cpu.other,
      cpu.total());
}

// Updates per second that `cores` fully busy cores allow at `microseconds`
// of CPU per update.
double AllowedRate(double microseconds, unsigned cores) {
  return microseconds > 0 ? 1e6 * cores / microseconds : 0;
}

// Phase 6, the reference for the uniform phase: the rate RocksDB's own CPU
// allows.
void PrintAlone(const BenchOptions& options, const AloneResult& alone) {
  if (alone.updates == 0 || alone.batches == 0) return;
  const ThreadCpu cpu = alone.cpu * (1e6 / static_cast<double>(alone.updates));
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::printf(
      "RocksDB alone, uniform (the store's options, %.0f lookups and %d writes per batch, "
      "no engine work) %10.0f updates/s\n",
      static_cast<double>(alone.lookups) / static_cast<double>(alone.batches), options.batch,
      alone.rate());
  std::printf(
      "  CPU per update, RocksDB alone: calling thread %.2f us (lookups %.2f, writes %.2f), "
      "RocksDB flush %.2f us, compaction %.2f us, other %.2f us; %.2f us in all, so %u cores "
      "allow at most %.0f updates/s\n",
      cpu.engine, alone.PerUpdate(alone.lookup_cpu), alone.PerUpdate(alone.write_cpu), cpu.flush,
      cpu.compaction, cpu.other, cpu.total(), cores, AllowedRate(cpu.total(), cores));
}

void PrintTableWrites(std::string_view name, const PhaseResult& phase) {
  if (phase.updates == 0) return;
  const double mib = static_cast<double>(kMiB);
  std::printf(
      "  table files written, %s: %.0f MiB committed, %.0f MiB flushed, %.0f MiB compacted "
      "(write amplification %.1f)\n",
      std::string(name).c_str(), static_cast<double>(phase.commit_bytes) / mib,
      static_cast<double>(phase.flush_bytes) / mib,
      static_cast<double>(phase.compaction_write_bytes) / mib, phase.write_amplification());
}

void PrintText(const BenchOptions& options, const BenchResult& result) {
  std::printf(
      "state store: %llu contributors, batches of %d, cache budget %zu MiB, "
      "block cache %zu MiB\n",
      static_cast<unsigned long long>(options.contributors), options.batch, options.cache_mb,
      options.block_cache_mb);
  PrintPhase("populate (new records)", result.populate);
  PrintPhase("update, uniform (no fsync)", result.uniform);
  if (options.zipf > 0) {
    PrintPhase(fmt::format("update, Zipf {:.2f} (no fsync)", options.zipf), result.zipf);
  }
  PrintPhase("update, uniform, fsync/commit", result.sync);
  PrintCpu("uniform", result.uniform);
  PrintTableWrites("uniform", result.uniform);
  if (options.zipf > 0) {
    PrintCpu("Zipf", result.zipf);
    PrintTableWrites("Zipf", result.zipf);
  }
  PrintAlone(options, result.alone);
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

// What is wrong with the options, or empty when nothing is.
std::string OptionsError(const BenchOptions& options) {
  if (options.batch <= 0) return fmt::format("--batch is {}, expected > 0", options.batch);
  if (options.contributors == 0) return "--contributors is 0, expected > 0";
  if (!(options.zipf >= 0)) return fmt::format("--zipf is {}, expected >= 0", options.zipf);
  return "";
}

int Run(BenchOptions options) {
  if (const std::string error = OptionsError(options); !error.empty()) {
    std::fprintf(stderr, "bench state: %s\n", error.c_str());
    return 2;
  }
  const bool temporary = options.dir.empty();
  if (temporary) options.dir = FreshDirectory();
  if (options.dir.empty()) {
    std::fprintf(stderr, "bench state: cannot create a directory under %s\n",
                 std::filesystem::temp_directory_path().c_str());
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
  command->add_option("--zipf", options->zipf,
                      "Zipf exponent of the skewed update phase (0: skip it)");
  command->add_option("--seed", options->seed, "Seed of the update order");
  command->add_flag("--keep", options->keep, "Keep the temp store directory");
  command->add_flag("--json", options->json, "Print one JSON object last");
  command->callback([options, exit_code] { *exit_code = Run(*options); });
}

}  // namespace anml::app
