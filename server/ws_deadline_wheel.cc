#include "ws_deadline_wheel.h"

#include <algorithm>
#include <utility>

namespace eventify::server {

DeadlineWheel::DeadlineWheel(asio::io_context& io, std::chrono::milliseconds tick,
                             std::size_t slots, std::function<std::int64_t(Id)> deadline_of,
                             std::function<void(Id)> due)
    : timer_(io),
      tick_(tick),
      deadline_of_(std::move(deadline_of)),
      due_(std::move(due)),
      slots_(slots) {}

std::int64_t DeadlineWheel::Schedule(Id id, Clock::time_point at) {
  const std::int64_t since = std::max<std::int64_t>(0, (at - epoch_).count());  // clock units
  const std::int64_t every = Clock::duration(tick_).count();
  const std::int64_t first = (since + every - 1) / every;  // the first tick at or after `at`
  const std::int64_t tick = std::max(first, handled_ + 1);
  slots_[static_cast<std::size_t>(tick) % slots_.size()].push_back(id);
  if (!running_ && !stopped_) {
    running_ = true;
    Arm();
  }
  return tick;
}

void DeadlineWheel::Stop() {
  stopped_ = true;
  timer_.cancel();
}

void DeadlineWheel::Arm() {
  timer_.expires_at(TimeOf(handled_ + 1));
  timer_.async_wait([this](const asio::error_code& error) {
    if (error || stopped_) {
      running_ = false;
      return;
    }
    const std::int64_t passed =  // the last tick whose time has come
        (Clock::now() - epoch_).count() / Clock::duration(tick_).count();
    while (handled_ < passed) Handle(++handled_);
    Arm();
  });
}

void DeadlineWheel::Handle(std::int64_t tick) {
  std::vector<Id>& slot = slots_[static_cast<std::size_t>(tick) % slots_.size()];
  std::vector<Id> entries;
  entries.swap(slot);
  const auto turn = static_cast<std::int64_t>(slots_.size());
  for (const Id id : entries) {
    const std::int64_t deadline = deadline_of_(id);
    if (deadline == tick) {
      due_(id);
    } else if (deadline > tick && deadline % turn == tick % turn) {
      slot.push_back(id);  // a later turn of the wheel
    }  // else closed, or moved to another slot since: that entry counts
  }
  constexpr std::size_t kKept = 1024;  // what an emptied slot keeps of a burst
  if (slot.empty() && slot.capacity() > kKept) std::vector<Id>().swap(slot);
}

}  // namespace eventify::server
