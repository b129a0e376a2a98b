// A line-based TCP chat server: the library's chat hub (eventify/hub.h) behind a transport of
// our own (line_transport.h), using only the library's public headers and standalone Asio.
// README.md next to this file shows how to try it with two terminals.
//
//   eventify-example-line-chat DATABASE [--demo] [--address ADDRESS] [--port PORT]
//                              [--max-line-bytes N] [--max-queued-frames N]
//
// DATABASE is a SQLite file (created if missing); the token-signing key is kept next to it in
// DATABASE.key (created on first start). --demo creates two users who may talk and prints their
// access tokens and conversation. SIGINT or SIGTERM shuts down cleanly: every client gets its
// close line, the hub finishes its work, the engine closes.
//
// Threads: the main thread sets up and then waits for a signal; one I/O thread runs Asio (the
// transport's sockets); the hub runs its own worker thread (storage and routing).
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <sys/stat.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <future>
#include <random>
#include <string>
#include <string_view>
#include <thread>

#include "demo_users.h"
#include "eventify/backends/soci.h"
#include "eventify/engine.h"
#include "eventify/hub.h"
#include "line_transport.h"

namespace {

struct Arguments {
  std::string database;
  bool demo = false;
  std::string address = "127.0.0.1";
  unsigned short port = 7000;
  line_chat::LineTransportOptions transport;
};

int Usage(const char* message) {
  std::fprintf(stderr,
               "%s\nusage: eventify-example-line-chat DATABASE [--demo] [--address ADDRESS] "
               "[--port PORT] [--max-line-bytes N] [--max-queued-frames N]\n",
               message);
  return 2;
}

template <typename Number>
bool ParseNumber(std::string_view text, Number* out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size() && *out > 0;
}

bool ParseArguments(int argc, char** argv, Arguments* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--demo") {
      args->demo = true;
    } else if (arg == "--address" && has_value) {
      args->address = argv[++i];
    } else if (arg == "--port" && has_value) {
      if (std::string_view(argv[++i]) == "0") {
        args->port = 0;  // any free port; the one bound is printed
      } else if (!ParseNumber(argv[i], &args->port)) {
        return false;
      }
    } else if (arg == "--max-line-bytes" && has_value) {
      if (!ParseNumber(argv[++i], &args->transport.max_line_bytes)) return false;
    } else if (arg == "--max-queued-frames" && has_value) {
      if (!ParseNumber(argv[++i], &args->transport.max_queued_frames)) return false;
    } else if (!arg.starts_with("--") && args->database.empty()) {
      args->database = arg;
    } else {
      return false;
    }
  }
  return !args->database.empty();
}

// The key that signs access tokens must stay the same across restarts (a new one logs everybody
// out) and secret: it is created once, random, readable by the owner only.
bool LoadOrCreateKey(const std::string& path, std::string* key) {
  if (std::ifstream in(path); in && std::getline(in, *key) && key->size() >= 32) return true;
  std::random_device random;  // the operating system's generator on Linux
  key->clear();
  for (int i = 0; i < 32; ++i) {
    static constexpr char kHex[] = "0123456789abcdef";
    const unsigned byte = random() & 0xffU;
    *key += kHex[byte >> 4];
    *key += kHex[byte & 0xfU];
  }
  const mode_t previous = umask(077);
  std::ofstream out(path, std::ios::trunc);
  umask(previous);
  out << *key << '\n';
  return static_cast<bool>(out.flush());
}

int Fail(const eventify::Status& status) {
  std::fprintf(stderr, "failed: %s\n", status.ToString().c_str());
  return 1;
}

void PrintDemo(const line_chat::DemoUsers& demo) {
  std::printf("demo users (password %s):\n", line_chat::kDemoPassword);
  std::printf("  %s, admin, user %s\n", line_chat::kDemoAdminEmail, demo.admin.user.id.c_str());
  std::printf("  %s, attendee, user %s\n", line_chat::kDemoAttendeeEmail,
              demo.attendee.user.id.c_str());
  std::printf("access tokens, valid for 15 minutes (restart with --demo for new ones):\n");
  std::printf("admin token: %s\n", demo.admin.access_token.c_str());
  std::printf("attendee token: %s\n", demo.attendee.access_token.c_str());
  std::printf("conversation: %s\n", demo.conversation_id.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Arguments args;
  if (!ParseArguments(argc, argv, &args)) return Usage("bad arguments");
  std::error_code address_error;
  const asio::ip::address address = asio::ip::make_address(args.address, address_error);
  if (address_error) return Usage("--address is not an IP address");

  eventify::EngineOptions options;
  if (!LoadOrCreateKey(args.database + ".key", &options.secret_key)) {
    std::fprintf(stderr, "failed: cannot read or write %s.key\n", args.database.c_str());
    return 1;
  }
  auto storage = eventify::spi::OpenSociStorage({.url = "sqlite:" + args.database});
  if (!storage.ok()) return Fail(storage.status());
  auto mailer = std::make_shared<line_chat::CodeKeepingMailer>();
  options.storage = *storage;
  options.mailer = mailer;
  options.media_store =
      eventify::spi::MakeFilesystemMediaStore(args.database + "-media", "/media/");
  auto engine = eventify::Engine::Open(std::move(options));
  if (!engine.ok()) return Fail(engine.status());

  if (args.demo) {
    auto demo = line_chat::SetUpDemoUsers(**engine, *mailer);
    if (!demo.ok()) return Fail(demo.status());
    PrintDemo(*demo);
  }

  // The transport and the hub need each other: the hub sends through the transport, the
  // transport reports to the hub. So the transport is made first and listens once the hub is.
  asio::io_context io;
  auto transport = std::make_shared<line_chat::LineTransport>(io, args.transport);
  std::unique_ptr<eventify::Hub> hub = eventify::Hub::Create(**engine, transport);
  asio::ip::tcp::endpoint bound;
  if (std::error_code error = transport->Listen({address, args.port}, *hub, &bound)) {
    std::fprintf(stderr, "failed: cannot listen on %s:%u: %s\n", args.address.c_str(),
                 static_cast<unsigned>(args.port), error.message().c_str());
    return 1;
  }

  std::promise<int> stop;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&stop](std::error_code, int signal) { stop.set_value(signal); });
  auto work = asio::make_work_guard(io);  // keeps io.run() going until the shutdown is done
  std::thread io_thread([&io] { io.run(); });
  std::printf("listening on %s:%u\n", bound.address().to_string().c_str(),
              static_cast<unsigned>(bound.port()));
  std::fflush(stdout);

  const int signal = stop.get_future().get();
  std::fprintf(stderr, "signal %d: shutting down\n", signal);
  // Order matters: first no new connections and no more calls into the hub; then the hub,
  // which finishes its queued work and closes every session ("shutting_down"); then a little
  // time for the close lines to reach the clients; only then stop the I/O thread. The engine
  // (declared first) is destroyed last, after the hub as Hub::Create requires.
  transport->Detach();
  hub.reset();
  if (!transport->WaitUntilAllClosed(std::chrono::seconds(5))) {
    std::fprintf(stderr, "some clients did not close in time; closing them anyway\n");
  }
  work.reset();
  io.stop();
  io_thread.join();
  return 0;
}
