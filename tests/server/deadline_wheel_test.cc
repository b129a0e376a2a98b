// The keep-alive wheel of the WebSocket endpoint (server/ws_deadline_wheel.h), on a real
// io_context with ticks of 5 ms: each id is due once, at its tick and never before its time; a
// moved deadline counts, not the entry it left behind; a deadline more than a turn ahead waits
// for its turn; an id with no deadline any more is never due; a `due` that throws leaves the
// tick's other ids for the next run; Stop lets the loop end. Each run is bounded (run_for), so a
// lost id fails the test instead of hanging it.
#define BOOST_TEST_MODULE server_deadline_wheel
#include <boost/test/unit_test.hpp>

#include <asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <vector>

#include "ws_deadline_wheel.h"

namespace eventify::server {
namespace {

using namespace std::chrono_literals;
using Clock = DeadlineWheel::Clock;
using Id = DeadlineWheel::Id;

// A wheel of `slots` slots over ticks of 5 ms, whose owner keeps a deadline per id and records
// each id when due, with the time.
struct Owner {
  explicit Owner(std::size_t slots)
      : wheel(io, 5ms, slots,
              [this](Id id) {
                const auto found = deadlines.find(id);
                return found == deadlines.end() ? std::int64_t{-1} : found->second;
              },
              [this](Id id) {
                if (throw_for == id) {
                  throw_for = 0;
                  deadlines.erase(id);
                  throw std::runtime_error("out of memory");
                }
                due.push_back(id);
                due_at.push_back(Clock::now());
                deadlines.erase(id);  // one deadline each, unless a test schedules again
                if (deadlines.empty()) wheel.Stop();
              }) {}

  void At(Id id, Clock::time_point at) {
    deadlines[id] = wheel.Schedule(id, at);
    wanted[id] = at;
  }

  asio::io_context io;
  DeadlineWheel wheel;
  std::map<Id, std::int64_t> deadlines;
  std::map<Id, Clock::time_point> wanted;
  std::vector<Id> due;
  std::vector<Clock::time_point> due_at;
  Id throw_for = 0;  // `due` of this id throws, once
};

BOOST_AUTO_TEST_CASE(each_id_is_due_once_in_deadline_order_never_early) {
  Owner owner(64);
  const auto now = Clock::now();
  owner.At(3, now + 60ms);
  owner.At(1, now + 10ms);
  owner.At(2, now + 30ms);
  owner.io.run_for(10s);  // returns once the last is due: Stop ended the wheel's wait
  BOOST_TEST(owner.due == (std::vector<Id>{1, 2, 3}));
  for (std::size_t i = 0; i < owner.due.size(); ++i) {
    BOOST_TEST((owner.due_at[i] >= owner.wanted[owner.due[i]]), "id " << owner.due[i]);
  }
}

BOOST_AUTO_TEST_CASE(a_moved_deadline_counts_and_the_old_entry_is_dropped) {
  Owner owner(64);
  const auto now = Clock::now();
  owner.At(7, now + 10ms);
  owner.At(8, now + 40ms);
  owner.At(7, now + 80ms);  // moved later: its entry at 10 ms no longer counts
  owner.io.run_for(10s);
  BOOST_TEST(owner.due == (std::vector<Id>{8, 7}));
  BOOST_TEST((owner.due_at[1] >= now + 80ms));
}

BOOST_AUTO_TEST_CASE(a_deadline_more_than_a_turn_ahead_waits_for_its_turn) {
  Owner owner(4);  // a turn of 20 ms
  const auto now = Clock::now();
  owner.At(5, now + 5ms);
  owner.At(6, now + 55ms);  // tick 11: the slot of tick 3, two turns later
  owner.io.run_for(10s);
  BOOST_TEST(owner.due == (std::vector<Id>{5, 6}));
  BOOST_TEST((owner.due_at[1] >= now + 55ms));
}

BOOST_AUTO_TEST_CASE(an_id_without_a_deadline_is_never_due) {
  Owner owner(64);
  const auto now = Clock::now();
  owner.At(9, now + 10ms);
  owner.At(10, now + 30ms);
  owner.deadlines.erase(9);  // closed before its tick
  owner.io.run_for(10s);
  BOOST_TEST(owner.due == (std::vector<Id>{10}));
}

BOOST_AUTO_TEST_CASE(a_due_that_throws_leaves_the_other_ids_of_its_tick_for_the_next_run) {
  Owner owner(64);
  const auto at = Clock::now() + 10ms;
  owner.At(1, at);
  owner.At(2, at);  // the same tick
  owner.At(3, at);
  owner.throw_for = 1;
  BOOST_CHECK_THROW(owner.io.run_for(10s), std::runtime_error);
  owner.io.restart();  // as the server's I/O thread does after a handler threw
  owner.io.run_for(10s);
  BOOST_TEST(owner.due == (std::vector<Id>{2, 3}));
}

BOOST_AUTO_TEST_CASE(a_due_id_may_be_scheduled_again_and_stop_ends_the_wait) {
  asio::io_context io;
  std::int64_t deadline = -1;
  int calls = 0;
  DeadlineWheel* self = nullptr;
  DeadlineWheel wheel(
      io, 5ms, 8, [&](Id) { return deadline; },
      [&](Id id) {
        if (++calls < 3) {
          deadline = self->Schedule(id, Clock::now() + 5ms);  // as a ping then its pong
        } else {
          deadline = -1;
          self->Stop();
        }
      });
  self = &wheel;
  deadline = wheel.Schedule(1, Clock::now());
  io.run_for(10s);
  BOOST_TEST(calls == 3);
  deadline = wheel.Schedule(2, Clock::now());  // stopped: the timer is not started again
  io.restart();
  BOOST_TEST(io.run_for(30ms) == 0U);
  BOOST_TEST(calls == 3);
}

}  // namespace
}  // namespace eventify::server
