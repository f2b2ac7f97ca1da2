#include "state/internal/writer_thread.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pthread.h>

namespace anml::state::internal {
namespace {

using namespace std::chrono_literals;

TEST(WriterThreadTest, RunsTasksInOrderOnItsOwnNamedThread) {
  WriterThread writer("anml:test");
  std::vector<int> order;
  std::thread::id ran_on;
  char name[16] = {};
  for (int i = 0; i < 3; ++i) {
    writer.Run([&order, &ran_on, &name, i] {
      order.push_back(i);
      ran_on = std::this_thread::get_id();
      pthread_getname_np(pthread_self(), name, sizeof(name));
    });
  }
  writer.Wait();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_NE(ran_on, std::this_thread::get_id());
  EXPECT_EQ(std::string(name), "anml:test");
}

TEST(WriterThreadTest, RunReturnsWhileTheTaskRunsAndWaitUntilItEnds) {
  WriterThread writer("anml:test");
  std::atomic<bool> release{false}, finished{false};
  writer.Run([&] {
    while (!release.load()) std::this_thread::sleep_for(1ms);
    finished = true;
  });
  // Run() came back although the task cannot end before `release`.
  EXPECT_FALSE(finished.load());
  release = true;
  writer.Wait();
  EXPECT_TRUE(finished.load());
}

TEST(WriterThreadTest, DestructorWaitsForTheRunningTask) {
  bool finished = false;
  {
    WriterThread writer("anml:test");
    writer.Run([&finished] {
      std::this_thread::sleep_for(20ms);
      finished = true;
    });
  }
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace anml::state::internal
