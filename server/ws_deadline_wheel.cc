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
    try {
      while (handled_ < passed && !stopped_) Handle(++handled_);
    } catch (...) {
      // `due` threw (out of memory, most likely): the tick's other entries wait for the next
      // run of the loop, which the wheel must still be armed for.
      if (!stopped_) Arm();
      throw;
    }
    if (stopped_) {
      running_ = false;
    } else {
      Arm();
    }
  });
}

void DeadlineWheel::Handle(std::int64_t tick) {
  std::vector<Id>& slot = slots_[static_cast<std::size_t>(tick) % slots_.size()];
  std::vector<Id> entries;
  entries.swap(slot);
  const auto turn = static_cast<std::int64_t>(slots_.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Id id = entries[i];
    const std::int64_t deadline = deadline_of_(id);
    if (deadline == tick) {
      try {
        due_(id);
      } catch (...) {
        // This tick again, with the entries not handled yet.
        slot.insert(slot.end(), entries.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                    entries.end());
        handled_ = tick - 1;
        throw;
      }
    } else if (deadline > tick && deadline % turn == tick % turn) {
      slot.push_back(id);  // a later turn of the wheel
    }  // else closed, or moved to another slot since: that entry counts
  }
  // An emptied slot takes its buffer back rather than allocate one at its next entry, unless a
  // burst made it larger than kKept (then it is freed with `entries`).
  constexpr std::size_t kKept = 1024;
  if (slot.empty() && entries.capacity() <= kKept) {
    entries.clear();
    slot.swap(entries);
  }
}

}  // namespace eventify::server
