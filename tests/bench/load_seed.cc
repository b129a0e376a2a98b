// eventify-load seed: accounts, rooms and a booking event written through the library into the
// server's database, and the files of load.h.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench_support.h"
#include "chat_world.h"
#include "eventify/accounts.h"
#include "eventify/events.h"
#include "load.h"

namespace eventify::load {
namespace {

using bench::Room;

bool ReadKey(const std::string& path, std::string& key) {
  std::ifstream in(path);
  if (!in) return false;
  std::getline(in, key);
  while (!key.empty() && (key.back() == '\r' || key.back() == '\n')) key.pop_back();
  return !key.empty();
}

}  // namespace

int RunSeed(const SeedOptions& options) {
  std::string key;
  if (!ReadKey(options.secret_key_file, key)) {
    std::fprintf(stderr, "eventify-load: cannot read the secret key file %s\n",
                 options.secret_key_file.c_str());
    return 2;
  }
  std::error_code made;
  std::filesystem::create_directories(options.out, made);
  if (made) {
    std::fprintf(stderr, "eventify-load: cannot create %s: %s\n", options.out.c_str(),
                 made.message().c_str());
    return 2;
  }
  auto bench = bench::OpenBenchEngine(options.database_url, 4, 0, 0, 0,
                                      PasswordHashCost::kMinimum, key);
  if (!bench) return 2;
  Engine& engine = *bench->engine;
  const std::string run = bench::RandomHex(8);

  std::vector<Principal> users;
  std::vector<Room> rooms = bench::MakeRooms("load-" + run, options.rooms, options.members, users);

  for (int i = 0; i < options.idle_users; ++i) {
    users.push_back(Principal{"load-" + run + "-idle" + std::to_string(i), Role::kAttendee, ""});
  }
  std::vector<Principal> buyers;
  for (int i = 0; i < options.buyers; ++i) {
    buyers.push_back(Principal{"load-" + run + "-buyer" + std::to_string(i), Role::kAttendee, ""});
    users.push_back(buyers.back());
  }
  Room booking_room;  // the booking event: a room without attendees
  booking_room.organizer = Principal{"load-" + run + "-seller", Role::kOrganizer, ""};
  if (options.buyers > 0) users.push_back(booking_room.organizer);

  Result<std::string> hash = bench::TemplateHash(engine, run);
  Status ready = hash.ok() ? bench::AddBenchUsers(engine.storage(), users, *hash, "Load ")
                           : hash.status();
  if (ready.ok()) ready = bench::SetUpRooms(engine, run, rooms);
  std::vector<Room> booking_rooms;
  if (ready.ok() && options.buyers > 0) {
    booking_rooms.push_back(booking_room);
    ready = bench::SetUpRooms(engine, run + "b", booking_rooms, options.capacity);
  }
  if (!ready.ok()) {
    std::fprintf(stderr, "eventify-load: seeding failed: %s\n", ready.ToString().c_str());
    return 2;
  }

  std::ofstream users_file(options.out + "/users.tsv");
  for (const Principal& who : users) {
    auto tokens = engine.accounts().Login(RequestContext{}, who.user_id + "@bench.invalid",
                                          bench::kPassword);
    if (!tokens.ok()) {
      std::fprintf(stderr, "eventify-load: signing in %s failed: %s\n", who.user_id.c_str(),
                   tokens.status().ToString().c_str());
      return 2;
    }
    users_file << who.user_id << '\t' << tokens->access_token << '\t' << std::string(RoleName(who.role))
               << '\n';
  }
  std::ofstream rooms_file(options.out + "/rooms.tsv");
  for (const Room& room : rooms) {
    rooms_file << room.conversation_id << '\t' << room.event_id << '\t' << room.organizer.user_id;
    for (const Principal& attendee : room.attendees) rooms_file << ',' << attendee.user_id;
    rooms_file << '\n';
  }
  std::ofstream booking_file(options.out + "/booking.tsv");
  if (!booking_rooms.empty()) {
    booking_file << booking_rooms[0].event_id << '\t' << options.capacity << '\t';
    for (std::size_t i = 0; i < buyers.size(); ++i) {
      booking_file << (i ? "," : "") << buyers[i].user_id;
    }
    booking_file << '\n';
  }
  users_file.close();
  rooms_file.close();
  booking_file.close();
  if (!users_file || !rooms_file || !booking_file) {
    std::fprintf(stderr, "eventify-load: writing the files in %s failed\n", options.out.c_str());
    return 2;
  }
  std::printf("seeded %zu users, %d rooms of %d members%s into %s (engine %s)\n", users.size(),
              options.rooms, options.members,
              options.buyers > 0 ? (", a booking event of " + std::to_string(options.capacity) +
                                    " seats for " + std::to_string(options.buyers) + " buyers")
                                       .c_str()
                                 : "",
              options.out.c_str(), std::string(engine.storage().backend_name()).c_str());
  return 0;
}

}  // namespace eventify::load
