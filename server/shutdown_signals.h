// ShutdownSignals: turns SIGINT and SIGTERM into one call of a callback on a dedicated thread, so
// that nothing runs inside a signal handler.
//
// Construct it first thing in main, before any thread exists: it blocks the signals in the
// calling thread, every thread created afterwards inherits that mask, and only the dedicated
// thread (sigwait) ever receives them. It also ignores SIGPIPE (a client that hangs up must not
// kill the server).
//
// Thread-safety: construct, Start and destroy on one thread.
#pragma once

#include <atomic>
#include <csignal>
#include <functional>
#include <thread>

namespace eventify::server {

class ShutdownSignals {
 public:
  ShutdownSignals();
  ~ShutdownSignals();  // joins the thread, without calling the callback
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  // Runs on_signal(signal number) on the dedicated thread at the first SIGINT or SIGTERM.
  void Start(std::function<void(int)> on_signal);

 private:
  sigset_t signals_;
  std::atomic<bool> closing_{false};
  std::thread waiter_;
};

}  // namespace eventify::server
