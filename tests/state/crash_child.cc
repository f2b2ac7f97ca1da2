// The crash test's child: recovers a state store, then applies and commits
// steps of the seeded stream from the stored offset, exactly as a service
// would, until the stream ends or it kills itself with SIGKILL at the step
// and phase it was told to.
//
// Usage: state_crash_child DIR SEED SAMPLES BATCH [KILL_STEP KILL_PHASE]
// Phases: 0 after loading the batch's records, 1 midway through the
// samples, 2 after the samples before the commit, 3 right after Commit()
// returns, usually while RocksDB is still writing the step.
// Exit codes: 0 the stream is complete; 1 an error (printed on stderr).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/pipeline.h"
#include "state/contributor_cache.h"
#include "state/state_store.h"
#include "tests/state/crash_stream.h"

namespace anml::state {
namespace {

// Large enough that nothing is evicted: residency then depends only on
// which records the stream has touched since the restart.
constexpr size_t kCacheBytes = size_t{1} << 30;

struct ChildArgs {
  std::string dir;
  uint64_t seed = 0;
  int64_t samples = 0;
  int64_t batch = 0;
  int64_t kill_step = -1;
  int kill_phase = -1;
};

void MaybeDie(const ChildArgs& args, int64_t step, int phase) {
  if (step == args.kill_step && phase == args.kill_phase) std::raise(SIGKILL);
}

// Restart protocol: restore the newest model, make its reference members
// resident, and continue from the stored offset.
StatusOr<int64_t> Restart(StateStore& store, engine::Pipeline& pipeline, ContributorCache& cache) {
  StatusOr<RecoveredState> recovered = store.Recover();
  if (!recovered.ok()) return recovered.status();
  if (recovered->model) ANML_RETURN_IF_ERROR(pipeline.Restore(*recovered->model));
  const std::vector<std::string> members = pipeline.ReferenceMembers();
  const std::vector<std::string_view> views(members.begin(), members.end());
  StatusOr<ContributorCache::MetadataList> loaded = cache.EnsureResident(views);
  if (!loaded.ok()) return loaded.status();
  auto offset = recovered->offsets.find(kCrashInput);
  return offset == recovered->offsets.end() ? 0 : offset->second;
}

Status Step(const ChildArgs& args, int64_t step, int64_t begin, int64_t end,
            engine::Pipeline& pipeline, ContributorCache& cache) {
  const std::vector<std::string> ids = StreamIds(args.seed, begin, end);
  const std::vector<std::string_view> views(ids.begin(), ids.end());
  StatusOr<ContributorCache::MetadataList> loaded = cache.EnsureResident(views);
  if (!loaded.ok()) return loaded.status();
  MaybeDie(args, step, 0);
  ANML_RETURN_IF_ERROR(
      ApplyStreamSamples(pipeline, args.seed, begin, end, [&] { MaybeDie(args, step, 1); }));
  MaybeDie(args, step, 2);
  const engine::ModelSnapshot model = pipeline.Snapshot();
  ANML_RETURN_IF_ERROR(cache.Commit(&model, {{kCrashInput, end}}));
  MaybeDie(args, step, 3);
  return Status::Ok();
}

Status Run(const ChildArgs& args) {
  StoreOptions options;
  options.path = args.dir;
  StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(options);
  if (!store.ok()) return store.status();
  StatusOr<std::unique_ptr<engine::Pipeline>> pipeline =
      engine::Pipeline::Create(CrashEngineConfig());
  if (!pipeline.ok()) return pipeline.status();
  PipelineResidents residents(pipeline->get());
  ContributorCache cache(store->get(), &residents, kCacheBytes);

  StatusOr<int64_t> offset = Restart(**store, **pipeline, cache);
  if (!offset.ok()) return offset.status();
  for (int64_t step = 0, begin = *offset; begin < args.samples; ++step, begin += args.batch) {
    const int64_t end = std::min(begin + args.batch, args.samples);
    ANML_RETURN_IF_ERROR(Step(args, step, begin, end, **pipeline, cache));
  }
  return (*store)->Close();
}

}  // namespace
}  // namespace anml::state

int main(int argc, char** argv) {
  if (argc != 5 && argc != 7) {
    std::fprintf(stderr, "usage: %s DIR SEED SAMPLES BATCH [KILL_STEP KILL_PHASE]\n", argv[0]);
    return 1;
  }
  anml::state::ChildArgs args;
  args.dir = argv[1];
  args.seed = std::strtoull(argv[2], nullptr, 10);
  args.samples = std::strtoll(argv[3], nullptr, 10);
  args.batch = std::strtoll(argv[4], nullptr, 10);
  if (argc == 7) {
    args.kill_step = std::strtoll(argv[5], nullptr, 10);
    args.kill_phase = std::atoi(argv[6]);
  }
  const anml::Status status = anml::state::Run(args);
  if (!status.ok()) {
    std::fprintf(stderr, "state_crash_child: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
