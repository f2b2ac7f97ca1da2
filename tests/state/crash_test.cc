// Integration test: a step is either wholly in the state store or not at
// all, whenever the process dies.
//
// What it proves. A child process (state_crash_child) applies steps of a
// seeded sample stream to the real engine Pipeline and commits each one
// (dirty contributor records, model snapshot, input offset) through the
// ContributorCache. It is killed with SIGKILL many times: at seeded points
// inside a step (after loading records, midway through the samples, before
// the commit, right after Commit() returns while the step's write is
// usually still in flight) and at timer-chosen instants, which also land in
// store opening and recovery. After every kill the test reopens the
// store and checks that
//   - the stored offset is a whole number of steps and never goes back, so
//     no committed step is lost;
//   - each sample before the offset was counted exactly once: the
//     contributors' trained plus held-out sample counts, and the model's own
//     counters, add up to the offset;
//   - the stored model snapshot and every stored contributor record equal,
//     bit for bit, those of an in-process reference run over exactly the
//     committed prefix of steps.
// Finally the child runs from the stored offset to the end of the stream and
// the final state equals the reference run over the whole stream.
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/pipeline.h"
#include "state/state_store.h"
#include "tests/state/crash_stream.h"
#include "tests/state/temp_dir.h"

namespace anml::state {
namespace {

constexpr uint64_t kSeed = 20261203;
constexpr int64_t kSamples = 30000;
constexpr int64_t kBatch = 20;
constexpr int kKills = 30;
constexpr int kPhases = 4;
constexpr int kMaxStepsBeforeKill = 40;
constexpr int kMaxTimerMs = 40;

// The engine over the same stream without any store or restart.
class ReferenceRun {
 public:
  ReferenceRun() : pipeline_(engine::Pipeline::Create(CrashEngineConfig()).value()) {}

  // Applies whole steps until `offset` samples are in, snapshotting after
  // each step as the child does.
  void AdvanceTo(int64_t offset) {
    while (offset_ < offset) {
      const int64_t end = std::min(offset_ + kBatch, kSamples);
      ASSERT_TRUE(ApplyStreamSamples(*pipeline_, kSeed, offset_, end, [] {}).ok());
      model_ = pipeline_->Snapshot();
      offset_ = end;
    }
  }

  const engine::ModelSnapshot& model() const { return model_; }
  const engine::ContributorTable& contributors() const { return pipeline_->contributors(); }

 private:
  std::unique_ptr<engine::Pipeline> pipeline_;
  engine::ModelSnapshot model_;
  int64_t offset_ = 0;
};

class CrashTest : public ::testing::Test {
 protected:
  // Runs the child; returns its wait status. With `timer_ms` >= 0 the child
  // is killed after that long, unless it has ended.
  int RunChild(const std::vector<std::string>& extra, int timer_ms) {
    std::vector<std::string> args = {ANML_STATE_CRASH_CHILD, dir_.Sub("store"),
                                     std::to_string(kSeed), std::to_string(kSamples),
                                     std::to_string(kBatch)};
    args.insert(args.end(), extra.begin(), extra.end());
    const pid_t pid = fork();
    if (pid == 0) {
      std::vector<char*> argv;
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    if (timer_ms >= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(timer_ms));
      kill(pid, SIGKILL);  // Fails harmlessly (ESRCH) when the child has ended.
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
  }

  // Reopens the store and checks it against the reference (see the file
  // comment). Returns the stored offset.
  int64_t CheckRecovered(int64_t previous) {
    StoreOptions options;
    options.path = dir_.Sub("store");
    StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return previous;
    StatusOr<RecoveredState> recovered = (*store)->Recover();
    EXPECT_TRUE(recovered.ok()) << recovered.status().ToString();
    if (!recovered.ok()) return previous;

    const auto found = recovered->offsets.find(kCrashInput);
    const int64_t offset = found == recovered->offsets.end() ? 0 : found->second;
    EXPECT_GE(offset, previous) << "a committed step was lost";
    EXPECT_TRUE(offset % kBatch == 0 || offset == kSamples) << "offset " << offset;
    reference_.AdvanceTo(offset);
    CheckModel(*recovered, offset);
    CheckContributors(**store, offset);
    return offset;
  }

  void CheckModel(const RecoveredState& recovered, int64_t offset) {
    if (offset == 0) {
      EXPECT_FALSE(recovered.model.has_value());
      return;
    }
    ASSERT_TRUE(recovered.model.has_value());
    EXPECT_TRUE(*recovered.model == reference_.model())
        << "model at offset " << offset << ": stored version " << recovered.model->version
        << ", reference version " << reference_.model().version;
    // The pipeline's counters: watermark, trained, held out, ...
    const std::vector<int64_t>& counters = recovered.model->integers.at("pipeline");
    EXPECT_EQ(counters[1] + counters[2], offset) << "trained + held out in the model";
  }

  void CheckContributors(StateStore& store, int64_t offset) {
    uint64_t counted = 0, stored = 0, mismatched = 0;
    const engine::ContributorTable& table = reference_.contributors();
    Status scanned =
        store.ForEachContributor([&](std::string_view id, const engine::ContributorStats& stats) {
          ++stored;
          counted += stats.samples + stats.heldout_samples;
          const auto slot = table.Find(id);
          if (!slot || !(table.stats(*slot) == stats)) {
            ++mismatched;
            ADD_FAILURE() << "contributor " << id << " differs from the reference at offset "
                          << offset;
          }
          return true;
        });
    ASSERT_TRUE(scanned.ok()) << scanned.ToString();
    EXPECT_EQ(mismatched, 0u);
    EXPECT_EQ(stored, table.size()) << "every contributor of the prefix is stored";
    EXPECT_EQ(counted, static_cast<uint64_t>(offset)) << "each sample counted exactly once";
  }

  TempDir dir_;
  ReferenceRun reference_;
};

TEST_F(CrashTest, KilledStepsLeaveExactlyTheCommittedPrefix) {
  std::mt19937 rng(kSeed);
  int64_t offset = 0;
  int signalled = 0;
  for (int round = 0; round < kKills && offset < kSamples; ++round) {
    SCOPED_TRACE("round " + std::to_string(round) + " from offset " + std::to_string(offset));
    int status;
    if (round % 4 == 3) {
      status = RunChild({}, static_cast<int>(rng() % kMaxTimerMs));
    } else {
      const int step = static_cast<int>(rng() % kMaxStepsBeforeKill);
      const int phase = static_cast<int>(rng() % kPhases);
      status = RunChild({std::to_string(step), std::to_string(phase)}, -1);
    }
    const bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    const bool finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    ASSERT_TRUE(killed || finished) << "child wait status " << status;
    signalled += killed;
    offset = CheckRecovered(offset);
    if (HasFatalFailure() || HasFailure()) return;
  }
  EXPECT_GE(signalled, kKills / 2) << "too few kills landed to mean anything";

  const int status = RunChild({}, -1);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
  EXPECT_EQ(CheckRecovered(offset), kSamples);
}

}  // namespace
}  // namespace anml::state
