#include "chat_world.h"

#include <charconv>
#include <chrono>

#include "bench_support.h"
#include "eventify/bookings.h"
#include "eventify/chat.h"
#include "eventify/events.h"
#include "eventify/spi/account_repository.h"
#include "eventify/spi/storage.h"

namespace eventify::bench {

std::int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             SteadyClock::now().time_since_epoch())
      .count();
}

std::int64_t SentAt(std::string_view frame) {
  constexpr std::string_view kText = "\"text\":\"";
  const std::size_t at = frame.find(kText);
  if (at == std::string_view::npos) return -1;
  std::int64_t value = -1;
  const char* first = frame.data() + at + kText.size();
  std::from_chars(first, frame.data() + frame.size(), value);
  return value;
}

std::string_view TypeOf(std::string_view frame) {
  constexpr std::string_view kPrefix = "{\"type\":\"";
  if (frame.substr(0, kPrefix.size()) != kPrefix) return {};
  const std::size_t end = frame.find('"', kPrefix.size());
  return end == std::string_view::npos ? std::string_view()
                                       : frame.substr(kPrefix.size(), end - kPrefix.size());
}

std::vector<Room> MakeRooms(const std::string& prefix, int rooms, int members,
                            std::vector<Principal>& users) {
  std::vector<Room> out(static_cast<std::size_t>(rooms));
  for (int r = 0; r < rooms; ++r) {
    const std::string room = prefix + "-r" + std::to_string(r);
    out[r].organizer = Principal{room + "-o", Role::kOrganizer, ""};
    users.push_back(out[r].organizer);
    for (int m = 1; m < members; ++m) {
      out[r].attendees.push_back(Principal{room + "-m" + std::to_string(m), Role::kAttendee, ""});
      users.push_back(out[r].attendees.back());
    }
  }
  return out;
}

Result<std::string> TemplateHash(Engine& engine, const std::string& run_id) {
  auto registered = engine.accounts().Register(
      {"bench-template-" + run_id + "@bench.invalid", kPassword, "Template", Role::kAttendee});
  if (!registered.ok()) return registered.status();
  std::string hash;
  Status read = engine.storage().Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) {
    auto user = tx.accounts().FindUserById(registered->id, spi::LockMode::kNone);
    if (!user.ok()) return user.status();
    hash = user->password_hash;
    return Status::Ok();
  });
  if (!read.ok()) return read;
  return hash;
}

Status SetUpRooms(Engine& engine, const std::string& run_id, std::vector<Room>& rooms,
                  int capacity) {
  const Principal admin{"bench-admin-" + run_id, Role::kAdmin, "bench"};
  auto category = engine.events().CreateCategory(admin, "Chat bench " + run_id);
  if (!category.ok()) return category.status();
  for (std::size_t r = 0; r < rooms.size(); ++r) {
    Room& room = rooms[r];
    auto applied = engine.events().ApplyAsOrganizer(
        room.organizer, {"Room " + std::to_string(r) + " " + run_id, "Benchmarks", "bench"});
    if (!applied.ok()) return applied.status();
    auto verified = engine.events().VerifyOrganizer(admin, room.organizer.user_id);
    if (!verified.ok()) return verified.status();
    EventDraft draft;
    draft.title = "Chat room " + std::to_string(r) + " " + run_id;
    draft.description = "A room to talk in";
    draft.category_id = category->id;
    draft.venue = "The hall";
    draft.starts_at = std::chrono::time_point_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now()) +
                      std::chrono::hours(24 * 30);
    draft.ends_at = draft.starts_at + std::chrono::hours(3);
    draft.time_zone = "UTC";
    draft.capacity = static_cast<std::int32_t>(capacity > 0 ? capacity : room.attendees.size() + 1);
    draft.price_minor_units = 0;
    draft.max_tickets_per_booking = 1;
    auto created = engine.events().CreateEvent(room.organizer, draft);
    if (!created.ok()) return created.status();
    if (auto s = engine.events().SubmitEvent(room.organizer, created->id); !s.ok()) {
      return s.status();
    }
    if (auto a = engine.events().ApproveEvent(admin, created->id); !a.ok()) return a.status();
    room.event_id = created->id;
    for (const Principal& attendee : room.attendees) {
      auto booked = engine.bookings().BookAndPay(attendee, {room.event_id, 1, "seat"});
      if (!booked.ok()) return booked.status();
    }
    auto opened = engine.chat().OpenEventRoom(room.organizer, room.event_id);
    if (!opened.ok()) return opened.status();
    room.conversation_id = opened->id;
  }
  return Status::Ok();
}

}  // namespace eventify::bench
