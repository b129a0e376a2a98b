// A gate that threads pass unless a test holds it: Pass waits while the gate is held, until
// Release. Tests hold one to keep a hub's worker or a bus's thread waiting while they set up what
// must reach it together. Thread-safe.
#pragma once

#include <condition_variable>
#include <mutex>

namespace eventify::testing {

class Gate {
 public:
  void Hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    released_.notify_all();
  }
  void Pass() {
    std::unique_lock lock(mu_);
    released_.wait(lock, [this] { return !held_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable released_;
  bool held_ = false;
};

}  // namespace eventify::testing
