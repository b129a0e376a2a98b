#include "hub/ticker.h"

#include <utility>

namespace eventify::hub {

Ticker::Ticker(std::chrono::milliseconds interval, std::function<void()> tick)
    : interval_(interval), tick_(std::move(tick)) {
  if (interval_.count() > 0) thread_ = std::thread([this] { Loop(); });
}

Ticker::~Ticker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Ticker::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    tick_();
    lock.lock();
  }
}

}  // namespace eventify::hub
