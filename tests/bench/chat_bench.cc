#include "chat_bench.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "chat_world.h"
#include "eventify/bookings.h"
#include "eventify/chat.h"
#include "eventify/engine.h"
#include "eventify/events.h"
#include "eventify/hub.h"
#include "eventify/spi/account_repository.h"
#include "eventify/spi/storage.h"
#include "eventify/spi/transport.h"

namespace eventify::bench {
namespace {

// Counts what the hub delivers and keeps every sender's loop going: on `sent` it sends the
// sender's next message. Called by the hub's worker thread only, so its counters need no lock;
// the main thread reads them after Hub::Flush (which orders them). `stopping` is the only field
// the main thread writes during the run.
class CountingTransport final : public spi::Transport {
 public:
  struct Connection {
    std::string conversation_id;
    bool sender = false;
    std::int64_t next = 0;  // the sender's message number
  };

  std::vector<Connection> connections;  // by ConnectionId (0 unused)
  Hub* hub = nullptr;
  std::atomic<bool> stopping{false};
  std::int64_t measure_from = 0;  // steady nanoseconds
  std::int64_t measure_until = 0;

  // Everything since the counters were last reset (Reset).
  std::int64_t sent = 0, message = 0, new_message = 0, errors = 0, other = 0;
  // Inside the measured window.
  std::int64_t window_sent = 0, window_message = 0, window_new_message = 0;
  std::vector<std::int64_t> latencies_ns;  // send to room-channel delivery, in the window
  std::string first_error;

  void Reset() {
    sent = message = new_message = errors = other = 0;
    window_sent = window_message = window_new_message = 0;
    latencies_ns.clear();
    first_error.clear();
  }

  void SendNext(spi::ConnectionId id) {
    Connection& c = connections[id];
    const std::string number = std::to_string(++c.next);
    hub->OnFrame(id, R"({"type":"message","conversation_id":")" + c.conversation_id +
                         R"(","text":")" + std::to_string(NowNanos()) +
                         R"(","idempotency_key":"b)" + number + R"("})");
  }

  void Send(spi::ConnectionId id, std::string frame) override {
    const std::string_view type = TypeOf(frame);
    const std::int64_t now = NowNanos();
    const bool in_window = now >= measure_from && now < measure_until;
    if (type == "message") {
      ++message;
      if (in_window) {
        ++window_message;
        const std::int64_t at = SentAt(frame);
        if (at > 0) latencies_ns.push_back(now - at);
      }
    } else if (type == "new_message") {
      ++new_message;
      if (in_window) ++window_new_message;
    } else if (type == "sent") {
      ++sent;
      if (in_window) ++window_sent;
      if (connections[id].sender && !stopping.load(std::memory_order_relaxed)) SendNext(id);
    } else if (type == "error") {
      if (errors++ == 0) first_error = frame;
    } else {
      ++other;
    }
  }
  void Close(spi::ConnectionId, std::string_view reason) override {
    if (errors++ == 0) first_error = "closed: " + std::string(reason);
  }
};

}  // namespace

int RunChatBench(const ChatBenchOptions& options) {
  const int members = options.members;
  const int total = options.rooms * members;
  std::unique_ptr<BenchEngine> bench =
      OpenBenchEngine(options.database_url, std::max(options.callers, 4), options.pool_size,
                      options.writers, /*job_workers=*/0, PasswordHashCost::kMinimum);
  if (!bench) return 2;
  Engine& engine = *bench->engine;
  const std::string backend(engine.storage().backend_name());
  const std::string run_id = RandomHex(8);
  const auto setup_start = SteadyClock::now();

  std::vector<Principal> users;
  std::vector<Room> rooms = MakeRooms("bench-" + run_id, options.rooms, members, users);

  Result<std::string> hash = TemplateHash(engine, run_id);
  Status ready = hash.ok() ? AddBenchUsers(engine.storage(), users, *hash, "Member ") : hash.status();
  if (ready.ok()) ready = SetUpRooms(engine, run_id, rooms);
  if (!ready.ok()) {
    std::fprintf(stderr, "eventify-bench: setting up the rooms failed: %s\n",
                 ready.ToString().c_str());
    return 2;
  }

  // Every member connects with a token of their own and joins their room.
  auto transport = std::make_shared<CountingTransport>();
  transport->connections.resize(static_cast<std::size_t>(total) + 1);
  std::unique_ptr<Hub> hub = Hub::Create(engine, transport);
  transport->hub = hub.get();
  const int senders = options.callers > 0 ? std::min(options.callers, total) : total;
  std::vector<spi::ConnectionId> sender_ids;
  spi::ConnectionId next_id = 0;
  for (int r = 0; r < options.rooms; ++r) {
    for (int m = 0; m < members; ++m) {
      const Principal& who = m == 0 ? rooms[r].organizer : rooms[r].attendees[m - 1];
      auto tokens = engine.accounts().Login(RequestContext{}, who.user_id + "@bench.invalid",
                                            kPassword);
      if (!tokens.ok()) {
        std::fprintf(stderr, "eventify-bench: signing in failed: %s\n",
                     tokens.status().ToString().c_str());
        return 2;
      }
      const spi::ConnectionId id = ++next_id;
      transport->connections[id].conversation_id = rooms[r].conversation_id;
      hub->OnOpened(id, tokens->access_token);
      hub->OnFrame(id, R"({"type":"join","conversation_id":")" + rooms[r].conversation_id +
                           R"("})");
    }
  }
  // Senders spread over the rooms: member m of room r is connection r * members + m + 1.
  for (int k = 0; k < senders; ++k) {
    const int room = k % options.rooms, member = k / options.rooms;
    const auto id = static_cast<spi::ConnectionId>(room * members + member + 1);
    transport->connections[id].sender = true;
    sender_ids.push_back(id);
  }
  hub->Flush();
  if (transport->errors > 0) {
    std::fprintf(stderr, "eventify-bench: connecting failed: %s\n",
                 transport->first_error.c_str());
    return 2;
  }
  transport->Reset();
  std::printf("# setup: backend=%s pool=%d, %d rooms x %d members, %d senders x %d in flight, "
              "in %.1f s\n",
              backend.c_str(), bench->pool_size, options.rooms, members, senders,
              options.window,
              std::chrono::duration<double>(SteadyClock::now() - setup_start).count());
  std::fflush(stdout);

  // ---- The run -------------------------------------------------------------------------------
  const EngineStats stats_before = engine.stats();
  const std::int64_t start = NowNanos();
  transport->measure_from = start + static_cast<std::int64_t>(options.warmup_seconds * 1e9);
  transport->measure_until = transport->measure_from + static_cast<std::int64_t>(options.seconds * 1e9);
  const auto until = SteadyClock::now() + std::chrono::nanoseconds(transport->measure_until - start);
  Watchdog watchdog(until + std::chrono::seconds(60));
  for (spi::ConnectionId id : sender_ids) {
    for (int w = 0; w < options.window; ++w) transport->SendNext(id);
  }
  std::this_thread::sleep_until(until);
  transport->stopping = true;
  hub->Flush();  // the messages in flight are answered and routed

  // ---- Checks: every acknowledged message stored and routed to every other member ------------
  CountingTransport& t = *transport;
  std::int64_t stored = 0;
  for (const Room& room : rooms) {
    auto conversation = engine.chat().GetConversation(room.organizer, room.conversation_id);
    if (conversation.ok()) stored += conversation->last_seq;
  }
  // Every member joined their room, so each other member gets each message once, as `message`:
  // a joined connection gets no `new_message` for its conversation (docs/protocol.md).
  const std::int64_t expected = t.sent * (members - 1);
  const std::int64_t missing = std::max<std::int64_t>(0, expected - t.message);
  std::sort(t.latencies_ns.begin(), t.latencies_ns.end());
  const double persisted_per_s = static_cast<double>(t.window_sent) / options.seconds;
  const double delivered_per_s =
      static_cast<double>(t.window_message + t.window_new_message) / options.seconds;
  const bool ok = stored == t.sent && missing == 0 && t.new_message == 0 && t.errors == 0;
  std::printf(
      "chat backend=%s rooms=%d members=%d senders=%d window=%d seconds=%.1f "
      "persisted_per_s=%.0f delivered_per_s=%.0f room_deliveries_per_s=%.0f "
      "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f sent=%lld stored=%lld missing=%lld errors=%lld\n",
      backend.c_str(), options.rooms, members, senders, options.window, options.seconds,
      persisted_per_s, delivered_per_s,
      static_cast<double>(t.window_message) / options.seconds,
      Millis(Percentile(t.latencies_ns, 0.50)), Millis(Percentile(t.latencies_ns, 0.99)),
      Millis(t.latencies_ns.empty() ? 0 : t.latencies_ns.back()), static_cast<long long>(t.sent),
      static_cast<long long>(stored), static_cast<long long>(missing),
      static_cast<long long>(t.errors));
  if (t.errors > 0) std::printf("# first error: %s\n", t.first_error.c_str());
  if (t.new_message > 0) {
    std::printf("# %lld new_message frames reached joined connections\n",
                static_cast<long long>(t.new_message));
  }
  // The pipeline's transactions over the whole run (the warm-up and the final flush included):
  // how many messages (and receipts) shared a commit.
  PrintPipeline(stats_before, engine.stats());
  hub.reset();
  return ok ? 0 : 1;
}

}  // namespace eventify::bench
