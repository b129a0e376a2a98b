// eventify-load: the command line (load.h says what each mode does; docs/performance.md, "Load
// tool", how the figures were taken).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>

#include "load.h"

namespace {

constexpr char kUsage[] = R"(usage:
  eventify-load seed    --database URL --secret-key-file FILE --out DIR
                        [--rooms 50] [--members 10] [--idle-users 0] [--buyers 0] [--capacity 100]
  eventify-load chat    --in DIR [--host 127.0.0.1] [--ws-port 8001] [--rates 10000,20000]
                        [--step-seconds 5] [--drain-seconds 2] [--senders 0] [--server-pid PID]
  eventify-load idle    --in DIR [--host 127.0.0.1] [--ws-port 8001] [--connections 1000]
                        [--hold-seconds 2] [--server-pid PID]
  eventify-load booking --in DIR [--host 127.0.0.1] [--http-port 8000] [--threads 64]

seed writes through the library into the server's database (sqlite:PATH or postgresql://...),
signing tokens with the server's key file (data/secret.key); DIR gets users.tsv, rooms.tsv and
booking.tsv (layout in tests/bench/load.h and docs/performance.md). Tokens last as long as the
server's access tokens (15 minutes by default): seed again after that.
The server's per-connection and per-address limits bound what one machine can send: start it with
--ws.max_messages_per_second, --ws.max_connections_per_address and --ws.max_connections_per_user
raised for chat and idle runs (docs/performance.md lists the command lines).
)";

using Flags = std::map<std::string, std::string>;

bool Parse(int argc, char** argv, Flags& flags) {
  for (int i = 2; i < argc; ++i) {
    if (std::strncmp(argv[i], "--", 2) != 0 || i + 1 >= argc) {
      std::fprintf(stderr, "eventify-load: expected --name value, got %s\n%s", argv[i], kUsage);
      return false;
    }
    flags[argv[i] + 2] = argv[i + 1];
    ++i;
  }
  return true;
}

// Takes the flag's value into `out` (converted like the default's type); false for a bad number.
bool Take(Flags& flags, const char* name, std::string& out) {
  auto found = flags.find(name);
  if (found == flags.end()) return true;
  out = found->second;
  flags.erase(found);
  return true;
}
bool Take(Flags& flags, const char* name, int& out) {
  auto found = flags.find(name);
  if (found == flags.end()) return true;
  char* end = nullptr;
  const long value = std::strtol(found->second.c_str(), &end, 10);
  if (*end != '\0' || value < 0) {
    std::fprintf(stderr, "eventify-load: --%s must be a non-negative integer\n", name);
    return false;
  }
  out = static_cast<int>(value);
  flags.erase(found);
  return true;
}
bool Take(Flags& flags, const char* name, double& out) {
  auto found = flags.find(name);
  if (found == flags.end()) return true;
  char* end = nullptr;
  out = std::strtod(found->second.c_str(), &end);
  if (*end != '\0' || out <= 0) {
    std::fprintf(stderr, "eventify-load: --%s must be a positive number\n", name);
    return false;
  }
  flags.erase(found);
  return true;
}
bool Take(Flags& flags, const char* name, std::vector<int>& out) {
  std::string text;
  if (!Take(flags, name, text) || text.empty()) return true;
  out.clear();
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    const int value = std::atoi(part.c_str());
    if (value <= 0) {
      std::fprintf(stderr, "eventify-load: --%s takes positive rates separated by commas\n", name);
      return false;
    }
    out.push_back(value);
  }
  return true;
}

// Every flag was known and the required ones are there.
bool Done(const Flags& flags, std::initializer_list<std::pair<const char*, const std::string*>> required) {
  for (const auto& [name, value] : flags) {
    std::fprintf(stderr, "eventify-load: unknown flag --%s\n%s", name.c_str(), kUsage);
    return false;
  }
  for (const auto& [name, value] : required) {
    if (value->empty()) {
      std::fprintf(stderr, "eventify-load: --%s is required\n%s", name, kUsage);
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace eventify::load;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string mode = argv[1];
  Flags flags;
  if (!Parse(argc, argv, flags)) return 2;
  if (mode == "seed") {
    SeedOptions o;
    if (!Take(flags, "database", o.database_url) || !Take(flags, "secret-key-file", o.secret_key_file) ||
        !Take(flags, "out", o.out) || !Take(flags, "rooms", o.rooms) ||
        !Take(flags, "members", o.members) || !Take(flags, "idle-users", o.idle_users) ||
        !Take(flags, "buyers", o.buyers) || !Take(flags, "capacity", o.capacity) ||
        !Done(flags, {{"database", &o.database_url}, {"secret-key-file", &o.secret_key_file},
                      {"out", &o.out}})) {
      return 2;
    }
    if (o.members < 2 && o.rooms > 0) {
      std::fprintf(stderr, "eventify-load: --members must be at least 2 (an organizer and one)\n");
      return 2;
    }
    return RunSeed(o);
  }
  if (mode == "chat") {
    ChatOptions o;
    if (!Take(flags, "in", o.in) || !Take(flags, "host", o.host) ||
        !Take(flags, "ws-port", o.ws_port) || !Take(flags, "rates", o.rates) ||
        !Take(flags, "step-seconds", o.step_seconds) ||
        !Take(flags, "drain-seconds", o.drain_seconds) || !Take(flags, "senders", o.senders) ||
        !Take(flags, "server-pid", o.server_pid) || !Done(flags, {{"in", &o.in}})) {
      return 2;
    }
    return RunChatLoad(o);
  }
  if (mode == "idle") {
    IdleOptions o;
    if (!Take(flags, "in", o.in) || !Take(flags, "host", o.host) ||
        !Take(flags, "ws-port", o.ws_port) || !Take(flags, "connections", o.connections) ||
        !Take(flags, "hold-seconds", o.hold_seconds) ||
        !Take(flags, "server-pid", o.server_pid) || !Done(flags, {{"in", &o.in}})) {
      return 2;
    }
    return RunIdleLoad(o);
  }
  if (mode == "booking") {
    BookingOptions o;
    if (!Take(flags, "in", o.in) || !Take(flags, "host", o.host) ||
        !Take(flags, "http-port", o.http_port) || !Take(flags, "threads", o.threads) ||
        !Done(flags, {{"in", &o.in}})) {
      return 2;
    }
    return RunBookingLoad(o);
  }
  std::fprintf(stderr, "eventify-load: unknown mode %s\n%s", mode.c_str(), kUsage);
  return 2;
}
