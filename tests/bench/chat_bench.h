// The chat benchmark: R event rooms of M members each (an organizer and M-1 attendees holding
// confirmed bookings), every member connected to an in-process Hub through a counting transport
// and joined to their room; S of them send messages in a closed loop (each sender keeps
// --window messages in flight, sending the next when the hub answers `sent`, that is once the
// message is durable), for a bounded time, on a real database.
//
// Prints one result line starting with "chat " (key=value fields, see chat_bench.cc) and
// informational lines starting with "# ". Timings are reported, never checked; the run fails
// when a message was lost: every `sent` must be stored, and must reach the room channel of every
// other member.
#pragma once

#include <string>

namespace eventify::bench {

struct ChatBenchOptions {
  std::string database_url;  // "sqlite:<path>" or "postgresql://..."
  int callers = 0;           // senders; 0: every member
  double seconds = 5.0;      // measured time, after the warm-up
  double warmup_seconds = 1.0;
  int rooms = 50;
  int members = 10;  // per room, the organizer included (2-1000)
  int window = 1;    // messages each sender keeps in flight
  int writers = 0;   // 0: the storage's choice
  int pool_size = 0;
};

// Returns the process exit code: 0 when every acknowledged message is stored and was delivered
// to every other member's room channel; 1 when not; 2 when the benchmark could not run.
int RunChatBench(const ChatBenchOptions& options);

}  // namespace eventify::bench
