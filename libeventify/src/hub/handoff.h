// Handoff<T>: values producers hand to one consumer thread in order, a batch at a time, each
// destroyed back on a producer's thread.
//
// Why the last part: with glibc's malloc, memory freed by another thread than the one that
// allocated it goes back under the allocating thread's arena lock. The hub's worker destroying
// every answer and commit the pipeline's writer had made (and the writer destroying every
// operation the worker had made) had each wait on the other's lock several thousand times a
// second (docs/performance.md, "Frees on the thread that allocated"). Here the consumer gives
// back what it took, and the next Push destroys it on the pushing thread: the producer's own
// when one thread pushes most (the hub's commits and answers come from the pipeline's writer;
// marks also from the worker and HTTP threads, whose pushes then destroy the writer's values,
// as before). Moving a value between threads frees nothing; a batch given back while an
// earlier one still waits is appended to it, so that batch's buffer goes on the consumer.
//
// The consumer is told once per batch: Push runs `tell` (under the lock, so that a value pushed
// after it is never handled before the wake-up it rides on) when nothing was pending since the
// consumer's last Take; one wake-up serves everything pushed until the consumer takes it.
//
// Thread-safety: Push from any thread; Take and GiveBack from the consumer. `tell` must not call
// back into the Handoff. What is pushed and never taken, or given back and never destroyed by a
// Push, goes with the Handoff.
#pragma once

#include <mutex>
#include <utility>
#include <vector>

namespace eventify::hub {

template <typename T>
class Handoff {
 public:
  // Appends `value` and, when nothing was pending, calls `tell()` to wake the consumer (which
  // will Take this value). Destroys, on this thread, what the consumer gave back.
  template <typename Tell>
  void Push(T value, Tell&& tell) {
    std::vector<T> given_back;
    {
      std::lock_guard lock(mu_);
      given_back.swap(returned_);
      pending_.push_back(std::move(value));
      if (!told_) {
        tell();
        told_ = true;
      }
    }
  }  // `given_back` goes here, out of the lock

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
