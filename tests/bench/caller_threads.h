// CallerThreads: a group of plain POSIX threads with a small stack, for benchmarks that run
// hundreds or thousands of concurrent callers. std::thread cannot choose its stack size; with
// 1000 callers the default 8 MiB each would reserve 8 GiB of address space for nothing.
//
// Ownership: the group owns its threads; Join() (or the destructor) waits for all of them.
// Thread-safety: Start and Join are called from the owning thread only.
#pragma once

#include <pthread.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace eventify::bench {

class CallerThreads {
 public:
  explicit CallerThreads(std::size_t stack_bytes = 512 * 1024) : stack_bytes_(stack_bytes) {}
  ~CallerThreads() { Join(); }
  CallerThreads(const CallerThreads&) = delete;
  CallerThreads& operator=(const CallerThreads&) = delete;

  // Starts one thread running `body`. An exception escaping `body` is caught and reported on
  // stderr. Returns an error message, or an empty string on success.
  std::string Start(std::function<void()> body);

  // Waits for every started thread.
  void Join();

  std::size_t size() const { return threads_.size(); }

 private:
  struct Started {
    pthread_t id;
    std::unique_ptr<std::function<void()>> body;
  };

  std::size_t stack_bytes_;
  std::vector<Started> threads_;
};

}  // namespace eventify::bench
