// Handoff<T>: values one thread (the producer) hands to another (the consumer) in order, a batch
// at a time, each destroyed back on the producer's thread.
//
// Why the last part: with glibc's malloc, memory freed by another thread than the one that
// allocated it goes back under the allocating thread's arena lock. The hub's worker destroying
// every answer and commit the pipeline's writer had made (and the writer destroying every
// operation the worker had made) had each wait on the other's lock several thousand times a
// second (docs/performance.md, "Frees on the thread that allocated"). Here the consumer gives
// what it took back, and the producer's next Push destroys it; moving a value between threads
// frees nothing.
//
// The producer learns from Push whether the consumer must be told (nothing was pending since the
// consumer's last Take), so one wake-up serves everything pushed until the consumer takes it.
//
// Thread-safety: Push from one producer thread at a time; Take and GiveBack from the consumer.
// What is pushed and never taken, or given back and never destroyed by a Push, goes with the
// Handoff.
#pragma once

#include <mutex>
#include <utility>
#include <vector>

namespace eventify::hub {

template <typename T>
class Handoff {
 public:
  // Appends `value`; true when the consumer must be told (it will Take this value). Destroys,
  // on this thread, what the consumer gave back.
  bool Push(T value) {
    std::vector<T> given_back;
    bool tell = false;
    {
      std::lock_guard lock(mu_);
      given_back.swap(returned_);
      pending_.push_back(std::move(value));
      tell = !told_;
      told_ = true;
    }
    return tell;  // `given_back` goes here, out of the lock
  }

  // Everything pushed so far, in order. A Push after this tells again.
  std::vector<T> Take() {
    std::lock_guard lock(mu_);
    told_ = false;
    return std::exchange(pending_, {});
  }

  // What a Take returned, done with: the next Push destroys it.
  void GiveBack(std::vector<T> done) {
    std::lock_guard lock(mu_);
    if (returned_.empty()) {
      returned_.swap(done);
      return;
    }
    for (T& value : done) returned_.push_back(std::move(value));
  }

 private:
  std::mutex mu_;
  std::vector<T> pending_;
  std::vector<T> returned_;
  bool told_ = false;
};

}  // namespace eventify::hub
