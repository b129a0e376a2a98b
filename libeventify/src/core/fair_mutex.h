// FairMutex: a mutex that hands itself out in arrival order (a ticket lock on a condition
// variable), for a lock that one thread takes back to back while others wait.
//
// Why: std::mutex lets the thread that just unlocked take it again before a sleeping waiter
// wakes. SQLite's writer lock (soci_storage.h) is taken by the commit pipeline's writer for batch
// after batch; with std::mutex a job worker claiming mails waited through hundreds of batches
// (in a 5 s booking benchmark it delivered 802 of the 25,784 confirmation mails). With a
// ticket, each waiter gets its turn after the holder it queued behind.
//
// Costs a condition-variable broadcast per unlock when others wait; meant for locks held for
// a transaction, not for short critical sections.
//
// Thread-safety: lock/unlock from any thread (BasicLockable, usable with std::unique_lock).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace eventify::core {

class FairMutex {
 public:
  void lock() {
    std::unique_lock guard(mu_);
    const std::uint64_t mine = next_ticket_++;
    turn_changed_.wait(guard, [&] { return now_serving_ == mine; });
  }

  void unlock() {
    {
      std::lock_guard guard(mu_);
      ++now_serving_;
    }
    turn_changed_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable turn_changed_;
  std::uint64_t next_ticket_ = 0;
  std::uint64_t now_serving_ = 0;
};

}  // namespace eventify::core
