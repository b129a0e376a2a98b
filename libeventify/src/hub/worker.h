// The hub's worker: one thread running queued tasks in the order they were posted. Post never
// blocks on the tasks; Flush waits until the worker is idle: nothing queued and nothing running,
// so tasks that tasks posted have run too (under a steady stream of posts it may wait long).
//
// Thread-safety: Post and Flush from any thread; the tasks run on the worker thread only.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace eventify::hub {

class Worker {
 public:
  Worker();
  // Runs what is queued, then stops the thread.
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void Post(std::function<void()> task);
  void Flush();

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable ready_;
  std::condition_variable idle_;
  bool running_ = false;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace eventify::hub
