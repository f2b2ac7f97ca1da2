// WriterThread: one background thread that runs one task at a time, so the
// state store can write a step to RocksDB while the engine's thread goes on
// with the next one.
//
// Operation. Run(task) hands the task to the thread and returns at once;
// Wait() returns once it has finished. A Run() while a task is still
// running first waits for it: tasks never overlap and run in order.
//
// Ownership. The destructor waits for the running task, then joins the
// thread.
//
// Concurrency: Run() and Wait() are called by one owning thread; the task
// runs on the writer thread and must synchronise nothing else itself,
// since Wait() orders everything the task wrote before what the owner
// reads after it.
#ifndef ANML_STATE_INTERNAL_WRITER_THREAD_H_
#define ANML_STATE_INTERNAL_WRITER_THREAD_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace anml::state::internal {

class WriterThread {
 public:
  // `name` names the thread for ps, top and /proc (at most 15 bytes kept).
  explicit WriterThread(std::string name);
  ~WriterThread();
  WriterThread(const WriterThread&) = delete;
  WriterThread& operator=(const WriterThread&) = delete;

  void Run(std::function<void()> task);
  void Wait();

 private:
  void Loop();

  const std::string name_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::function<void()> task_;  // Set by Run(), cleared when it finished.
  bool stopping_ = false;
  std::thread thread_;  // Last: it starts after every other member exists.
};

}  // namespace anml::state::internal

#endif  // ANML_STATE_INTERNAL_WRITER_THREAD_H_
