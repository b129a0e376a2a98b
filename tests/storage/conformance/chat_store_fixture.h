// The fixture of the chat store's conformance suites (chat_store_test.cc,
// chat_stream_store_test.cc): a storage under test, short ways to run a body on its ChatStore, and
// sample conversations, messages, users, an event and its bookings.
#pragma once

#include <boost/test/unit_test.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "conformance_helpers.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/chat_store.h"
#include "eventify/spi/event_store.h"
#include "storage_conformance.h"

namespace eventify::testing {

struct ChatStoreFixture {
  ChatStoreFixture() : storage(conformance::OpenStorageUnderTest()) {}

  Status Run(const std::function<Status(spi::ChatStore&)>& body) {
    return storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) -> Status {
      auto* store = tx.store<spi::ChatStore>();
      BOOST_REQUIRE(store != nullptr);
      return body(*store);
    });
  }

  static spi::ConversationRecord Direct(int n, const std::string& a, const std::string& b) {
    spi::ConversationRecord c;
    c.id = IdOf(n);
    c.kind = ConversationKind::kDirect;
    c.key = "direct:" + a + ":" + b;
    c.user_a = a;
    c.user_b = b;
    c.created_at = BaseTime();
    return c;
  }
  static spi::ConversationRecord Room(int n, const std::string& event_id, const std::string& organizer) {
    spi::ConversationRecord c;
    c.id = IdOf(n);
    c.kind = ConversationKind::kEventRoom;
    c.key = "event:" + event_id;
    c.event_id = event_id;
    c.user_a = organizer;
    c.created_at = BaseTime();
    return c;
  }
  static spi::MessageRecord Msg(int n, const std::string& conversation, std::int64_t seq,
                           const std::string& sender) {
    spi::MessageRecord r;
    Message& m = r.message;
    m.id = IdOf(1000 + n);
    m.conversation_id = conversation;
    m.seq = seq;
    m.sender_id = sender;
    m.text = "message " + std::to_string(n);
    m.idempotency_key = "k" + std::to_string(n);
    m.created_at = BaseTime() + std::chrono::seconds(n);
    r.request_key = sender + ":" + m.idempotency_key;
    return r;
  }

  // Users u1..u3 (u3 blocked, an organizer), an event of u3 and bookings of it: u1 confirmed,
  // u2 cancelled.
  void SeedPeople() {
    REQUIRE_OK(storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) -> Status {
      for (int n : {1, 2, 3}) {
        spi::UserRecord user = SampleUser(n);
        user.id = "u" + std::to_string(n);
        if (n == 3) {
          user.role = Role::kOrganizer;
          user.blocked = true;
        }
        EV_TEST_RETURN_IF_ERROR(tx.accounts().InsertUser(user));
      }
      auto* events = tx.store<spi::EventStore>();
      const Category category = SampleCategory(1, "Talks");
      EV_TEST_RETURN_IF_ERROR(events->InsertCategory(category));
      Event event = SampleEvent(7, category.id);
      event.organizer_id = "u3";
      EV_TEST_RETURN_IF_ERROR(events->InsertEvent(event));
      std::vector<spi::BookingRecord> rows;
      int n = 0;
      for (const auto& [user, status] : {std::pair{"u1", BookingStatus::kConfirmed},
                                         std::pair{"u2", BookingStatus::kCancelled}}) {
        rows.push_back(SampleBooking(IdOf(500 + ++n), event.id, user, status));
      }
      return tx.store<spi::BookingStore>()->InsertBookings(rows);
    }));
    event_id = IdOf(7);
  }

  std::shared_ptr<spi::Storage> storage;
  std::string event_id;
};

}  // namespace eventify::testing
