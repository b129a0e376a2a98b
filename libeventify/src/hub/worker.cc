#include "hub/worker.h"

#include <utility>

namespace eventify::hub {

Worker::Worker() : thread_([this] { Loop(); }) {}

Worker::~Worker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  ready_.notify_one();
  thread_.join();
}

void Worker::Post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(task));
  }
  ready_.notify_one();
}

void Worker::Flush() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return queue_.empty() && !running_; });
}

void Worker::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything posted has run
      task = std::move(queue_.front());
      queue_.pop_front();
      running_ = true;
    }
    task();
    task = nullptr;  // what it captured goes before the worker says it is idle
    std::lock_guard lock(mu_);
    running_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace eventify::hub
