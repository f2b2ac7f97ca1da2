#include "state/internal/writer_thread.h"

#include <utility>

#include <pthread.h>

namespace anml::state::internal {

WriterThread::WriterThread(std::string name)
    : name_(std::move(name)), thread_([this] { Loop(); }) {}

WriterThread::~WriterThread() {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !task_; });
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void WriterThread::Run(std::function<void()> task) {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !task_; });
    task_ = std::move(task);
  }
  changed_.notify_all();
}

void WriterThread::Wait() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !task_; });
}

void WriterThread::Loop() {
  // Linux keeps 15 bytes of a thread's name.
  pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return task_ || stopping_; });
    if (!task_) return;  // Stopping with nothing left to run.
    // The task stays set while it runs, so Run() and Wait() see it busy.
    lock.unlock();
    task_();
    lock.lock();
    task_ = nullptr;
    changed_.notify_all();
  }
}

}  // namespace anml::state::internal
