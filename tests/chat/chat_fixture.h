// The bookings fixture (a fresh engine on the test backend with a manual clock, a verified
// organizer, a category) with an account behind each of its principals and a few more, for the
// chat suites: events whose attendees hold confirmed bookings, and short ways to send and to
// assert exact errors.
#pragma once

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "bookings/bookings_fixture.h"
#include "eventify/chat.h"
#include "eventify/spi/account_repository.h"

namespace eventify {
inline std::ostream& operator<<(std::ostream& out, ConversationKind kind) {
  return out << ConversationKindName(kind);
}
inline std::ostream& operator<<(std::ostream& out, MessageKind kind) {
  return out << MessageKindName(kind);
}
}  // namespace eventify

namespace eventify::testing {

struct ChatFixture : BookingsFixture {
  ChatFixture() { AddAccounts(); }
  // On `on`, a new database.
  explicit ChatFixture(std::shared_ptr<spi::Storage> on) : BookingsFixture(std::move(on)) {
    AddAccounts();
  }

  void AddAccounts() {
    for (const Principal* who : {&admin, &organizer, &other_organizer, &ann, &bob, &cid, &dee}) {
      AddAccount(*who);
    }
  }

  Chat& chat() { return engine->chat(); }

  // An account with the principal's id and role, written straight to the store.
  void AddAccount(const Principal& who) {
    spi::UserRecord user;
    user.id = who.user_id;
    user.email = who.user_id + "@example.com";
    user.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    user.full_name = "User " + who.user_id;
    user.role = who.role;
    user.email_verified = true;
    user.created_at = user.updated_at = clock->Now();
    const Status added = storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
      return tx.accounts().InsertUser(user);
    });
    BOOST_REQUIRE_MESSAGE(added.ok(), added.ToString());
  }

  void Block(const Principal& who) { ValueOrFail(engine->accounts().SetBlocked(admin, who.user_id, true)); }

  // One confirmed seat of `event` for `attendee` (a free event confirms at once).
  Booking Book(const Event& event, const Principal& attendee) {
    const Booking booking = ValueOrFail(
        bookings().BookAndPay(attendee, Request(event, 1, "chat-" + event.id)));
    BOOST_REQUIRE(booking.status == BookingStatus::kConfirmed);
    return booking;
  }

  // An approved free event of the fixture's organizer that attendees may cancel.
  Event FreeEvent(std::int32_t capacity = 50) {
    return ApprovedEvent(capacity, /*price=*/0, /*max_per_booking=*/1);
  }

  // An approved free event of which each of `attendees` holds a confirmed booking.
  Event BookedEvent(const std::vector<Principal>& attendees, std::int32_t capacity = 50) {
    const Event event = FreeEvent(capacity);
    for (const Principal& attendee : attendees) Book(event, attendee);
    return event;
  }

  static NewMessage Text(const std::string& text, const std::string& key,
                         const std::string& reply_to = "") {
    NewMessage m;
    m.text = text;
    m.idempotency_key = key;
    m.reply_to_id = reply_to;
    return m;
  }
  static NewMessage Announcement(const std::string& text, const std::string& key) {
    NewMessage m = Text(text, key);
    m.kind = MessageKind::kAnnouncement;
    return m;
  }

  Message Send(const Principal& who, const Conversation& conversation, const std::string& text,
               const std::string& key) {
    return ValueOrFail(chat().Send(who, conversation.id, Text(text, key)));
  }

  std::int64_t Unread(const Principal& who, const Conversation& conversation) {
    return ValueOrFail(chat().GetConversation(who, conversation.id)).unread;
  }
  std::int64_t TotalUnread(const Principal& who) {
    return ValueOrFail(chat().GetUnreadCounts(who)).total;
  }

  const Principal cid{"attendee-cid", Role::kAttendee, "s-cid"};
  const Principal dee{"attendee-dee", Role::kAttendee, "s-dee"};
};

}  // namespace eventify::testing
