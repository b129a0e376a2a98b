// The line chat example's transport (examples/line_chat) under a real hub, over real TCP on
// loopback: two clients with the demo users' tokens exchange messages, a bad token gets the
// `error` frame and the close line, an over-long line closes the connection, a client that does
// not read is closed when its queue is full, a client that sends no token in time is closed,
// shutting down closes every client with its reason; and in each case the hub hears of the close
// (the other user sees the presence change).
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "chat/recording_transport.h"
#include "demo_users.h"
#include "eventify/engine.h"
#include "eventify/hub.h"
#include "examples/line_client.h"
#include "line_transport.h"
#include "support/test_storage.h"

namespace eventify::testing {
namespace {

using R = RecordingTransport;  // for its Member and MessageMember readers of JSON frames

std::string CloseLine(std::string_view reason) {
  return R"({"type":"close","reason":")" + std::string(reason) + "\"}";
}

struct LineChatFixture {
  LineChatFixture() {
    EngineOptions options;
    options.secret_key = std::string(32, 'k');
    options.storage = OpenFreshStorage();
    options.mailer = mailer;
    options.media_store = spi::MakeFilesystemMediaStore(
        (std::filesystem::temp_directory_path() / "eventify-line-chat-media").string(), "/media/");
    options.accounts.password_hash_cost = PasswordHashCost::kMinimum;
    auto opened = Engine::Open(std::move(options));
    BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    engine = std::move(opened).value();
    auto users = line_chat::SetUpDemoUsers(*engine, *mailer);
    BOOST_REQUIRE_MESSAGE(users.ok(), users.status().ToString());
    demo = std::move(users).value();

    line_chat::LineTransportOptions transport_options;
    transport_options.max_line_bytes = 1024;
    transport_options.max_queued_frames = 4;
    transport_options.handshake_timeout = std::chrono::seconds(2);
    transport = std::make_shared<line_chat::LineTransport>(io, transport_options);
    HubOptions hub_options;
    hub_options.offline_grace = std::chrono::milliseconds(0);  // the closes below are told at once
    hub = Hub::Create(*engine, transport, hub_options);
    asio::ip::tcp::endpoint bound;
    const std::error_code listening =
        transport->Listen({asio::ip::address_v4::loopback(), 0}, *hub, &bound);
    BOOST_REQUIRE_MESSAGE(!listening, listening.message());
    port = bound.port();
    io_thread = std::thread([this] { io.run(); });
  }
  ~LineChatFixture() { ShutDown(); }

  // As the example's main does on SIGTERM.
  void ShutDown() {
    if (!io_thread.joinable()) return;
    transport->Detach();
    hub.reset();
    BOOST_CHECK(transport->WaitUntilAllClosed(std::chrono::seconds(10)));
    work.reset();
    io.stop();
    io_thread.join();
  }

  // Connects with `token` and reads the `ready` frame.
  std::unique_ptr<LineClient> Connect(const TokenPair& tokens) {
    auto client = std::make_unique<LineClient>(port);
    client->SendLine(tokens.access_token);
    const std::string ready = client->ReadLine();
    BOOST_REQUIRE_EQUAL(R::Member(ready, "type"), "ready");
    BOOST_REQUIRE_EQUAL(R::Member(ready, "user_id"), tokens.user.id);
    return client;
  }
  // Reads one `user_status_update` about `user` being online or not.
  static void ExpectStatus(LineClient& client, const User& user, bool online) {
    const std::string frame = client.ReadLine();
    BOOST_TEST(R::Member(frame, "type") == "user_status_update");
    BOOST_TEST(R::Member(frame, "user_id") == user.id);
    BOOST_TEST(R::Member(frame, "is_online") == (online ? "true" : "false"));
  }
  // The attendee first, then the admin: each sees the other online.
  std::pair<std::unique_ptr<LineClient>, std::unique_ptr<LineClient>> ConnectBoth() {
    auto attendee = Connect(demo.attendee);
    auto admin = Connect(demo.admin);
    ExpectStatus(*admin, demo.attendee.user, true);
    ExpectStatus(*attendee, demo.admin.user, true);
    return {std::move(attendee), std::move(admin)};
  }
  void Join(LineClient& client) {
    client.SendLine(R"({"type":"join","conversation_id":")" + demo.conversation_id +
                    R"(","ref":"j"})");
    const std::string joined = client.ReadLine();
    BOOST_TEST(R::Member(joined, "type") == "joined");
    BOOST_TEST(R::Member(joined, "conversation_id") == demo.conversation_id);
    BOOST_TEST(R::Member(joined, "kind") == "direct");
    BOOST_TEST(R::Member(joined, "ref") == "j");
  }

  std::shared_ptr<line_chat::CodeKeepingMailer> mailer =
      std::make_shared<line_chat::CodeKeepingMailer>();
  std::unique_ptr<Engine> engine;
  line_chat::DemoUsers demo;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::shared_ptr<line_chat::LineTransport> transport;
  std::unique_ptr<Hub> hub;
  unsigned short port = 0;
  std::thread io_thread;
};

BOOST_FIXTURE_TEST_SUITE(line_transport, LineChatFixture)

BOOST_AUTO_TEST_CASE(two_clients_exchange_messages_one_frame_per_line) {
  auto [attendee, admin] = ConnectBoth();
  Join(*attendee);
  Join(*admin);

  attendee->SendLine(R"({"type":"message","conversation_id":")" + demo.conversation_id +
                     R"(","text":"hello over tcp","idempotency_key":"k1","ref":"m1"})");
  const std::string sent = attendee->ReadLine();
  BOOST_TEST(R::Member(sent, "type") == "sent");
  BOOST_TEST(R::Member(sent, "ref") == "m1");
  BOOST_TEST(R::MessageMember(sent, "seq") == "1");
  const std::string message = admin->ReadLine();
  BOOST_TEST(R::Member(message, "type") == "message");
  BOOST_TEST(R::MessageMember(message, "text") == "hello over tcp");
  BOOST_TEST(R::MessageMember(message, "sender_id") == demo.attendee.user.id);
  BOOST_TEST(R::MessageMember(message, "id") == R::MessageMember(sent, "id"));
  // Joined, the admin has the message once, as `message`: no `new_message` for it.

  // A line break in a text travels escaped: still one frame per line, both ways.
  admin->SendLine(R"({"type":"message","conversation_id":")" + demo.conversation_id +
                  R"(","text":"two\nlines","idempotency_key":"k2"})");
  BOOST_TEST(R::Member(admin->ReadLine(), "type") == "sent");
  const std::string reply = attendee->ReadLine();
  BOOST_TEST(R::Member(reply, "type") == "message");
  BOOST_TEST(R::MessageMember(reply, "text") == "two\nlines");
  BOOST_TEST(R::MessageMember(reply, "seq") == "2");

  // "\r\n" line ends (telnet) work as "\n".
  attendee->SendBytes("{\"type\":\"ping\",\"ref\":\"crlf\"}\r\n");
  const std::string pong = attendee->ReadLine();
  BOOST_TEST(R::Member(pong, "type") == "pong");
  BOOST_TEST(R::Member(pong, "ref") == "crlf");
}

BOOST_AUTO_TEST_CASE(a_bad_token_gets_the_error_frame_then_the_close_line_then_end_of_file) {
  LineClient client(port);
  client.SendLine("not-a-token");
  const std::string error = client.ReadLine();
  BOOST_TEST(R::Member(error, "type") == "error");
  BOOST_TEST(R::Member(error, "code") == "invalid_token");
  BOOST_TEST(client.ReadLine() == CloseLine("unauthenticated"));
  BOOST_TEST(client.ReadLine() == "<eof>");
}

BOOST_AUTO_TEST_CASE(a_line_over_the_limit_closes_the_connection_and_the_hub_hears_of_it) {
  auto [attendee, admin] = ConnectBoth();
  // Exactly the limit (1024 bytes before the line break) is still a frame.
  std::string ping = R"({"type":"ping","ref":"edge"})";
  ping.resize(1024, ' ');
  admin->SendLine(ping);
  const std::string pong = admin->ReadLine();
  BOOST_TEST(R::Member(pong, "type") == "pong");
  BOOST_TEST(R::Member(pong, "ref") == "edge");
  // One byte more is not, and whatever follows it is dropped unread.
  admin->SendLine(std::string(1025, 'x') + "\n" + std::string(8000, 'y'));
  BOOST_TEST(admin->ReadLine() == CloseLine(line_chat::kCloseLineTooLong));
  BOOST_TEST(admin->ReadLine() == "<eof>");
  ExpectStatus(*attendee, demo.admin.user, false);  // the hub got OnClosed
}

BOOST_AUTO_TEST_CASE(a_client_that_does_not_read_is_closed_when_its_queue_is_full) {
  auto [attendee, admin] = ConnectBoth();  // ids in accept order: the attendee 1, the admin 2
  const spi::ConnectionId admin_id = 2;
  // Hold the I/O thread, so that nothing queued for the admin is written: the same as a client
  // whose socket stopped taking bytes.
  std::promise<void> holding, release;
  std::shared_future<void> released = release.get_future().share();
  asio::post(io, [&holding, released] {
    holding.set_value();
    released.wait();
  });
  holding.get_future().wait();
  // The hub answers five pings (fed to it directly: the I/O thread reads nothing now); the
  // queue takes four, the fifth closes the connection.
  for (int i = 0; i < 5; ++i) {
    hub->OnFrame(admin_id, R"({"type":"ping","ref":"p)" + std::to_string(i) + R"("})");
  }
  hub->Flush();
  release.set_value();
  for (int i = 0; i < 4; ++i) {
    const std::string pong = admin->ReadLine();
    BOOST_TEST(R::Member(pong, "type") == "pong");
    BOOST_TEST(R::Member(pong, "ref") == "p" + std::to_string(i));
  }
  BOOST_TEST(admin->ReadLine() == CloseLine(line_chat::kCloseSendQueueFull));
  BOOST_TEST(admin->ReadLine() == "<eof>");
  ExpectStatus(*attendee, demo.admin.user, false);
}

BOOST_AUTO_TEST_CASE(a_client_that_sends_no_token_in_time_is_closed) {
  auto attendee = Connect(demo.attendee);
  LineClient silent(port);
  BOOST_TEST(silent.ReadLine() == CloseLine(line_chat::kCloseHandshakeTimeout));
  BOOST_TEST(silent.ReadLine() == "<eof>");
  // The hub never heard of it; the attendee's session is untouched.
  attendee->SendLine(R"({"type":"ping","ref":"still"})");
  BOOST_TEST(R::Member(attendee->ReadLine(), "ref") == "still");
}

BOOST_AUTO_TEST_CASE(shutting_down_closes_every_client_with_shutting_down) {
  LineClient without_token(port);
  // Connections are accepted in the order they arrive: once the admin is ready, the client
  // without a token was accepted too.
  auto admin = Connect(demo.admin);
  ShutDown();
  BOOST_TEST(admin->ReadLine() == CloseLine(spi::kCloseShuttingDown));
  BOOST_TEST(admin->ReadLine() == "<eof>");
  BOOST_TEST(without_token.ReadLine() == CloseLine(spi::kCloseShuttingDown));
  BOOST_TEST(without_token.ReadLine() == "<eof>");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
