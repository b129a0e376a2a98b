// What the chat benchmark (eventify-bench chat) and the load tool (eventify-load) share: rooms of
// members set up through the library, and reading the frames they get back cheaply (the
// benchmarks look at a few fields of hundreds of thousands of frames a second, so they find them
// by position instead of parsing JSON).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/engine.h"
#include "eventify/types.h"

namespace eventify::bench {

// The password of every account the benchmarks create.
inline constexpr char kPassword[] = "Bench-Passw0rd";

// Nanoseconds on the steady clock (sender and receiver in one process compare them).
std::int64_t NowNanos();

// The number after `"text":"` in a frame carrying a message (the sender wrote its send time
// there); -1 when there is none.
std::int64_t SentAt(std::string_view frame);

// The frame's `type` (frames start with it: {"type":"...").
std::string_view TypeOf(std::string_view frame);

// A room: an approved free event of its own verified organizer, its attendees holding confirmed
// bookings, and the event's chat room.
struct Room {
  Principal organizer;
  std::vector<Principal> attendees;
  std::string event_id;
  std::string conversation_id;
};

// `rooms` rooms of `members` members each (an organizer and members - 1 attendees), their ids
// "<prefix>-r<room>-o" and "<prefix>-r<room>-m<n>"; every member is appended to `users` too.
std::vector<Room> MakeRooms(const std::string& prefix, int rooms, int members,
                            std::vector<Principal>& users);

// The password hash of kPassword at the engine's cost, from an account registered for it (the
// benchmarks then write many accounts with that hash straight to storage: AddBenchUsers).
Result<std::string> TemplateHash(Engine& engine, const std::string& run_id);

// Creates each room's event (approved, free, capacity = its members, or `capacity` when given),
// books a seat for each attendee and opens the room; fills event_id and conversation_id. The
// organizers and attendees must exist (AddBenchUsers).
Status SetUpRooms(Engine& engine, const std::string& run_id, std::vector<Room>& rooms,
                  int capacity = 0);

}  // namespace eventify::bench
