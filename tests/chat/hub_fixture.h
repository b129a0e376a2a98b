// The chat fixture with a Hub on a RecordingTransport: accounts that can log in (a real password
// hash), access tokens from Accounts::Login, and connections opened and fed frames with the
// hub flushed after each step, so that tests read exactly what was sent. The hub never ticks by
// itself (timers run when a test calls Tick, on the manual clock) and announces offline at once
// unless a test restarts it with other options (Restart).
#pragma once

#include <memory>
#include <string>

#include "accounts/password_hasher.h"
#include "chat/chat_fixture.h"
#include "chat/recording_transport.h"
#include "eventify/hub.h"

namespace eventify::testing {

struct HubFixture : ChatFixture {
  static constexpr const char* kPassword = "Hub-password-1";

  HubFixture() { GivePasswordsAndStartHub(); }
  // On `on`, a new database.
  explicit HubFixture(std::shared_ptr<spi::Storage> on) : ChatFixture(std::move(on)) {
    GivePasswordsAndStartHub();
  }
  ~HubFixture() { hub.reset(); }

  void GivePasswordsAndStartHub() {
    const accounts::PasswordHasher hasher(PasswordHashCost::kMinimum);
    const std::string hash = ValueOrFail(hasher.Hash(kPassword));
    for (const Principal* who : {&admin, &organizer, &other_organizer, &ann, &bob, &cid, &dee}) {
      const Status updated =
          storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
            auto user = tx.accounts().FindUserById(who->user_id, spi::LockMode::kForUpdate);
            if (!user.ok()) return user.status();
            user->password_hash = hash;
            return tx.accounts().UpdateUser(*user);
          });
      BOOST_REQUIRE_MESSAGE(updated.ok(), updated.ToString());
    }
    options.tick_interval = std::chrono::milliseconds(0);
    options.offline_grace = std::chrono::milliseconds(0);
    options.unread_total_interval = std::chrono::milliseconds(0);  // hub_routing_test: throttled
    hub = Hub::Create(*engine, recording, options);
  }

  // A new hub with `with`, on the same transport (the old one closes its connections).
  void Restart(const HubOptions& with) {
    hub.reset();
    hub = Hub::Create(*engine, recording, with);
  }
  // Runs the timers at the clock's time now.
  void Tick() {
    hub->Tick();
    hub->Flush();
  }

  std::string Token(const Principal& who) {
    return ValueOrFail(
               engine->accounts().Login(RequestContext{}, who.user_id + "@example.com", kPassword))
        .access_token;
  }

  // Opens a connection of `who` with a fresh token; returns its id with its frames taken (its
  // `ready` frame kept in last_ready).
  spi::ConnectionId Connect(const Principal& who) {
    const spi::ConnectionId id = next_connection++;
    hub->OnOpened(id, Token(who));
    hub->Flush();
    const std::vector<std::string> first = transport.Take(id);
    BOOST_REQUIRE(!first.empty());
    BOOST_REQUIRE_EQUAL(RecordingTransport::Member(first.front(), "type"), "ready");
    last_ready = first.front();
    return id;
  }
  void Disconnect(spi::ConnectionId id) {
    hub->OnClosed(id);
    hub->Flush();
  }
  void Frame(spi::ConnectionId id, const std::string& json) {
    hub->OnFrame(id, json);
    hub->Flush();
  }
  // Joins and takes the `joined` answer and the `participant_status` of each other user present
  // there (frames sent to the connection before are dropped).
  void Join(spi::ConnectionId id, const Conversation& conversation) {
    transport.Take(id);
    Frame(id, R"({"type":"join","conversation_id":")" + conversation.id + R"("})");
    const std::vector<std::string> answer = transport.Take(id);
    BOOST_REQUIRE(!answer.empty());
    BOOST_REQUIRE_EQUAL(RecordingTransport::Member(answer[0], "type"), "joined");
    for (std::size_t i = 1; i < answer.size(); ++i) {
      BOOST_REQUIRE_EQUAL(RecordingTransport::Member(answer[i], "type"), "participant_status");
    }
  }
  std::string MessageJson(const Conversation& conversation, const std::string& text,
                          const std::string& key) {
    return R"({"type":"message","conversation_id":")" + conversation.id + R"(","text":")" + text +
           R"(","idempotency_key":")" + key + R"("})";
  }

  std::shared_ptr<RecordingTransport> recording = std::make_shared<RecordingTransport>();
  RecordingTransport& transport = *recording;
  HubOptions options;
  std::unique_ptr<Hub> hub;
  spi::ConnectionId next_connection = 1;
  std::string last_ready;  // the `ready` frame of the last Connect
};

}  // namespace eventify::testing
