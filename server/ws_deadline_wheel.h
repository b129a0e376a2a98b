// DeadlineWheel: one deadline for each of many ids on one Asio timer, for the WebSocket
// endpoint's keep-alive (ws_transport.cc): the next ping of each connection, or its pong's
// deadline. A timer and its pending wait per connection were about 290 bytes of each idle
// socket; here an id costs the 8 bytes of its entry in a slot.
//
// The timer ticks every `tick` while the wheel runs (from the first Schedule to Stop). The slot of
// a tick holds the ids due then; an id scheduled more than a turn (slots x tick) ahead waits in
// its slot for its turn. Entries are never removed: the owner keeps each id's deadline tick (the
// value Schedule returns) and answers `deadline_of(id)` when a slot comes, -1 for an id with none
// any more (closed); an entry whose id's deadline moved since is dropped, and `due(id)` is called
// for the others. So moving a deadline is one Schedule, and a closed id costs nothing until its
// slot comes. An id may have several entries for its deadline's tick (moved there twice): `due`
// must move the deadline on, or end it, so that it runs once a tick. When `due` throws, the
// exception leaves the timer's handler (the owner's loop decides what to do) and the tick's
// entries not yet handled come again on the next run of the loop; the wheel stays armed.
//
// Thread-safety: none; every call, and both callbacks, on the io_context's one thread. Compiled
// into the C++17 WebSocket target; no third-party header but Asio's.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

namespace eventify::server {

class DeadlineWheel {
 public:
  using Clock = std::chrono::steady_clock;
  using Id = std::uint64_t;

  // `deadline_of(id)`: the tick the owner keeps for `id`, or -1. `due(id)`: its tick has come;
  // it may Schedule `id` again (or any other id).
  DeadlineWheel(asio::io_context& io, std::chrono::milliseconds tick, std::size_t slots,
                std::function<std::int64_t(Id)> deadline_of, std::function<void(Id)> due);

  // Schedules `id` at the first tick at or after `at`, never one already handled, and returns
  // that tick, which the owner keeps as the id's deadline. Starts the timer unless stopped.
  std::int64_t Schedule(Id id, Clock::time_point at);

  // When `tick` comes.
  Clock::time_point TimeOf(std::int64_t tick) const { return epoch_ + tick_ * tick; }

  // Cancels the timer for good: the wheel's pending wait ends, so a loop with nothing else to do
  // can return.
  void Stop();

 private:
  void Arm();
  void Handle(std::int64_t tick);

  asio::steady_timer timer_;
  const std::chrono::milliseconds tick_;
  const Clock::time_point epoch_ = Clock::now();
  const std::function<std::int64_t(Id)> deadline_of_;
  const std::function<void(Id)> due_;
  std::vector<std::vector<Id>> slots_;
  std::int64_t handled_ = 0;  // the last tick handled
  bool running_ = false;
  bool stopped_ = false;
};

}  // namespace eventify::server
