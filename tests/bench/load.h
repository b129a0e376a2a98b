// eventify-load (docs/performance.md, "Load tool"): seeds a database through the library and
// drives a running eventify-server over its WebSocket and HTTP ports.
//
//   seed     users, rooms and a booking event written straight through the library (no e-mail
//            round trips) into the server's database, signed with the server's secret key; the
//            tokens and ids go to files (layout below) that any load generator can read
//   chat     one socket per member of every room (/ws/chat/{room}/), messages at stepped rates;
//            prints delivered messages/s, latency percentiles, missing deliveries, errors
//   idle     N authenticated notification sockets held open; prints server memory per socket
//   booking  C buyers race for the booking event over HTTP; prints bookings/s, checks no oversell
//
// Files in the seed's --out folder (tab-separated, one record per line, UTF-8):
//   users.tsv    user_id  access_token  role            (every account seeded; tokens expire
//                                                        after the engine's access-token TTL)
//   rooms.tsv    conversation_id  event_id  member_id,member_id,...   (organizer first)
//   booking.tsv  event_id  capacity  buyer_id,buyer_id,...
#pragma once

#include <string>
#include <vector>

namespace eventify::load {

struct SeedOptions {
  std::string database_url;      // the server's database (sqlite:PATH or postgresql://...)
  std::string secret_key_file;   // the server's secret key file (data/secret.key)
  std::string out;               // folder for users.tsv, rooms.tsv, booking.tsv
  int rooms = 50;
  int members = 10;              // per room, its organizer included
  int idle_users = 0;            // extra attendees for `idle` (each may hold 16 sockets)
  int buyers = 0;                // attendees racing in `booking`
  int capacity = 100;            // seats of the booking event
};

struct ChatOptions {
  std::string host = "127.0.0.1";
  int ws_port = 8001;
  std::string in;                     // the seed's folder
  std::vector<int> rates{10000};      // messages/s sent (all rooms together), one step each
  double step_seconds = 5;
  double drain_seconds = 2;           // after the last step, before missing deliveries are counted
  int senders = 0;                    // the sockets that send: the first N (rooms.tsv order); 0: all
  int server_pid = 0;                 // read its memory (VmRSS) when set
  int concurrent_handshakes = 256;
};

struct IdleOptions {
  std::string host = "127.0.0.1";
  int ws_port = 8001;
  std::string in;
  int connections = 1000;
  int server_pid = 0;
  double hold_seconds = 2;
  int concurrent_handshakes = 256;
};

struct BookingOptions {
  std::string host = "127.0.0.1";
  int http_port = 8000;
  std::string in;
  int threads = 64;  // requests in flight at once
};

int RunSeed(const SeedOptions& options);
int RunChatLoad(const ChatOptions& options);
int RunIdleLoad(const IdleOptions& options);
int RunBookingLoad(const BookingOptions& options);

// Shared by the modes.
struct SeededUser {
  std::string id;
  std::string token;
  std::string role;
};
struct SeededRoom {
  std::string conversation_id;
  std::string event_id;
  std::vector<std::string> members;
};
// Reads users.tsv / rooms.tsv / booking.tsv of `folder`; prints what failed and returns false.
bool ReadUsers(const std::string& folder, std::vector<SeededUser>& users);
bool ReadRooms(const std::string& folder, std::vector<SeededRoom>& rooms);
bool ReadBooking(const std::string& folder, std::string& event_id, int& capacity,
                 std::vector<std::string>& buyers);
// The server's resident memory in KiB (VmRSS of /proc/PID/status); -1 when unreadable.
long ResidentKiB(int pid);

}  // namespace eventify::load
