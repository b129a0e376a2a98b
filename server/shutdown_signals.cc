#include "shutdown_signals.h"

#include <pthread.h>

namespace eventify::server {

ShutdownSignals::ShutdownSignals() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

ShutdownSignals::~ShutdownSignals() {
  if (!waiter_.joinable()) return;
  closing_ = true;
  // The waiter only returns from sigwait for one of its signals; send one to that thread.
  pthread_kill(waiter_.native_handle(), SIGTERM);
  waiter_.join();
}

void ShutdownSignals::Start(std::function<void(int)> on_signal) {
  waiter_ = std::thread([this, on_signal = std::move(on_signal)] {
    int signal = 0;
    while (sigwait(&signals_, &signal) != 0) {
    }
    if (!closing_) on_signal(signal);
  });
}

}  // namespace eventify::server
