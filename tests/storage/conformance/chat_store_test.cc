// The contract of spi::ChatStore (spi/chat_store.h) that every storage serving the "chat" area
// must keep: conversations unique by key, locked in id order; messages unique by id, request key
// and (conversation, seq), found by ids and keys, listed both ways by seq; marks that only move
// forward; what the rules read of users, events and bookings; unread counts per conversation
// over the user's direct conversations and the rooms of events they organize or hold a confirmed
// booking of; image fields kept with their messages; each conversation's newest message; a user's
// conversations by activity; and sequence numbers that stay unique while many writers lock one conversation.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "chat_store_fixture.h"
#include "conformance_helpers.h"
#include "eventify/spi/chat_store.h"

namespace eventify::testing {

using spi::ChatStore;
using spi::ConversationRecord;
using spi::MessageRecord;

BOOST_FIXTURE_TEST_SUITE(chat_store, ChatStoreFixture)

BOOST_AUTO_TEST_CASE(conversations_are_found_by_id_and_key_unique_and_locked_in_id_order) {
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(2, "a", "b")));
    return store.InsertConversation(Room(1, "event-x", "org"));
  }));
  const Status taken_key = Run([&](ChatStore& store) {
    return store.InsertConversation(Direct(3, "a", "b"));
  });
  BOOST_TEST(taken_key.code() == StatusCode::kAlreadyExists);
  BOOST_TEST(taken_key.reason() == "conversation_exists");
  ConversationRecord same_id = Direct(2, "a", "c");
  const Status taken_id = Run([&](ChatStore& store) { return store.InsertConversation(same_id); });
  BOOST_TEST(taken_id.reason() == "conversation_exists");

  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    auto direct = store.FindConversation(IdOf(2));
    BOOST_REQUIRE_MESSAGE(direct.ok(), direct.status().ToString());
    BOOST_TEST((direct->kind == ConversationKind::kDirect));
    BOOST_TEST(direct->key == "direct:a:b");
    BOOST_TEST(direct->user_a == "a");
    BOOST_TEST(direct->user_b == "b");
    BOOST_TEST(direct->event_id == "");
    BOOST_TEST((direct->created_at == BaseTime()));
    auto room = store.FindConversationByKey("event:event-x");
    BOOST_REQUIRE(room.ok());
    BOOST_TEST((room->kind == ConversationKind::kEventRoom));
    BOOST_TEST(room->id == IdOf(1));
    BOOST_TEST(room->event_id == "event-x");
    BOOST_TEST(room->user_a == "org");
    BOOST_TEST(room->user_b == "");
    BOOST_TEST(store.FindConversation(IdOf(9)).status().reason() == "conversation_not_found");
    BOOST_TEST(store.FindConversationByKey("direct:x:y").status().reason() ==
               "conversation_not_found");
    const std::vector<std::string> ids = {IdOf(2), IdOf(9), IdOf(1), IdOf(2)};
    auto locked = store.LockConversations(ids);
    BOOST_REQUIRE(locked.ok());
    BOOST_REQUIRE(locked->size() == 2u);
    BOOST_TEST((*locked)[0].id == IdOf(1));
    BOOST_TEST((*locked)[1].id == IdOf(2));
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(messages_are_unique_found_and_listed_by_sequence_number) {
  std::vector<MessageRecord> batch;
  for (int n = 1; n <= 5; ++n) batch.push_back(Msg(n, IdOf(1), n, n % 2 ? "a" : "b"));
  batch[1].message.kind = MessageKind::kAnnouncement;
  batch[2].message.reply_to_id = batch[0].message.id;
  batch.push_back(Msg(6, IdOf(2), 1, "a"));
  REQUIRE_OK(Run([&](ChatStore& store) { return store.InsertMessages(batch); }));

  for (const MessageRecord& clash :
       {Msg(7, IdOf(1), 3, "c"),                                  // (conversation, seq) taken
        [&] { MessageRecord r = Msg(8, IdOf(1), 9, "c"); r.request_key = "a:k1"; return r; }(),
        [&] { MessageRecord r = Msg(9, IdOf(1), 10, "c"); r.message.id = IdOf(1001); return r; }()}) {
    const std::vector<MessageRecord> one = {clash};
    const Status refused = Run([&](ChatStore& store) { return store.InsertMessages(one); });
    BOOST_TEST(refused.code() == StatusCode::kAlreadyExists);
    BOOST_TEST(refused.reason() == "message_exists");
  }

  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    const std::vector<std::string> ids = {IdOf(1002), IdOf(1003), IdOf(4444)};
    auto found = store.FindMessages(ids);
    BOOST_REQUIRE(found.ok());
    BOOST_REQUIRE(found->size() == 2u);
    std::map<std::string, Message> by_id;
    for (const MessageRecord& r : *found) by_id[r.message.id] = r.message;
    BOOST_TEST((by_id[IdOf(1002)].kind == MessageKind::kAnnouncement));
    BOOST_TEST(by_id[IdOf(1002)].sender_id == "b");
    BOOST_TEST(by_id[IdOf(1003)].reply_to_id == IdOf(1001));
    BOOST_TEST(by_id[IdOf(1003)].text == "message 3");
    BOOST_TEST(by_id[IdOf(1003)].idempotency_key == "k3");
    BOOST_TEST(by_id[IdOf(1003)].seq == 3);
    BOOST_TEST((by_id[IdOf(1003)].created_at == BaseTime() + std::chrono::seconds(3)));

    const std::vector<std::string> keys = {"a:k5", "b:k5", "a:k6"};
    auto by_key = store.FindMessagesByRequestKey(keys);
    BOOST_REQUIRE(by_key.ok());
    BOOST_REQUIRE(by_key->size() == 2u);
    for (const MessageRecord& r : *by_key) {
      BOOST_TEST((r.request_key == "a:k5" || r.request_key == "a:k6"));
    }

    const std::vector<std::string> conversations = {IdOf(1), IdOf(2), IdOf(3)};
    auto last = store.LastSequences(conversations);
    BOOST_REQUIRE(last.ok());
    std::map<std::string, std::int64_t> last_of(last->begin(), last->end());
    BOOST_TEST(last_of.size() == 2u);
    BOOST_TEST(last_of[IdOf(1)] == 5);
    BOOST_TEST(last_of[IdOf(2)] == 1);

    auto newest = store.ListMessagesBefore(IdOf(1), std::nullopt, 2);
    BOOST_REQUIRE(newest.ok());
    BOOST_REQUIRE(newest->size() == 2u);
    BOOST_TEST((*newest)[0].seq == 5);
    BOOST_TEST((*newest)[1].seq == 4);
    auto older = store.ListMessagesBefore(IdOf(1), 4, 10);
    BOOST_REQUIRE(older.ok());
    BOOST_REQUIRE(older->size() == 3u);
    BOOST_TEST((*older)[0].seq == 3);
    BOOST_TEST((*older)[2].seq == 1);
    auto after = store.ListMessagesAfter(IdOf(1), 2, 2);
    BOOST_REQUIRE(after.ok());
    BOOST_REQUIRE(after->size() == 2u);
    BOOST_TEST((*after)[0].seq == 3);
    BOOST_TEST((*after)[1].seq == 4);
    BOOST_TEST(store.ListMessagesAfter(IdOf(1), 5, 10)->empty());
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(marks_only_move_forward_and_delivered_never_trails_read) {
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    auto none = store.FindMarks(IdOf(1), "a");
    BOOST_REQUIRE(none.ok());
    BOOST_TEST(none->read_seq == 0);
    BOOST_TEST(none->delivered_seq == 0);
    BOOST_TEST(none->user_id == "a");

    const Timestamp t1 = BaseTime() + std::chrono::seconds(1);
    auto delivered = store.AdvanceMarks(IdOf(1), "a", 0, 5, t1, 1);
    BOOST_REQUIRE(delivered.ok());
    BOOST_TEST(delivered->read_seq == 0);
    BOOST_TEST(delivered->delivered_seq == 5);
    BOOST_TEST((delivered->updated_at == t1));
    const Timestamp t2 = BaseTime() + std::chrono::seconds(2);
    auto read = store.AdvanceMarks(IdOf(1), "a", 3, 3, t2, 2);
    BOOST_TEST(read->read_seq == 3);
    BOOST_TEST(read->delivered_seq == 5);
    BOOST_TEST((read->updated_at == t2));
    // Backwards changes nothing, not even the time.
    auto back = store.AdvanceMarks(IdOf(1), "a", 1, 1, BaseTime() + std::chrono::seconds(3), 3);
    BOOST_TEST(back->read_seq == 3);
    BOOST_TEST(back->delivered_seq == 5);
    BOOST_TEST((back->updated_at == t2));
    // Reading past what was delivered moves both.
    auto past = store.AdvanceMarks(IdOf(1), "a", 8, 0, BaseTime() + std::chrono::seconds(4), 4);
    BOOST_TEST(past->read_seq == 8);
    BOOST_TEST(past->delivered_seq == 8);
    EV_TEST_RETURN_IF_ERROR(store.AdvanceMarks(IdOf(1), "b", 2, 2, t1, 5).status());
    EV_TEST_RETURN_IF_ERROR(store.AdvanceMarks(IdOf(2), "c", 2, 2, t1, 6).status());
    auto marks = store.ListMarks(IdOf(1));
    BOOST_REQUIRE(marks.ok());
    BOOST_REQUIRE(marks->size() == 2u);
    BOOST_TEST((*marks)[0].user_id == "a");
    BOOST_TEST((*marks)[0].read_seq == 8);
    BOOST_TEST((*marks)[1].user_id == "b");
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(the_rules_read_users_organizers_and_confirmed_holders) {
  SeedPeople();
  // A second confirmed booking of u1 (one pair all the same) and one of u9, never asked for.
  REQUIRE_OK(storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
    std::vector<spi::BookingRecord> rows = {
        SampleBooking(IdOf(601), event_id, "u1", BookingStatus::kConfirmed),
        SampleBooking(IdOf(602), event_id, "u9", BookingStatus::kConfirmed)};
    rows[0].booking.idempotency_key = "second";
    rows[0].request_key = "u1:second";
    return tx.store<spi::BookingStore>()->InsertBookings(rows);
  }));
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    const std::vector<std::string> ids = {"u1", "u3", "nobody"};
    auto users = store.FindChatUsers(ids);
    BOOST_REQUIRE(users.ok());
    BOOST_REQUIRE(users->size() == 2u);
    std::map<std::string, spi::ChatUser> by_id;
    for (const spi::ChatUser& u : *users) by_id[u.id] = u;
    BOOST_TEST((by_id["u1"].role == Role::kAttendee));
    BOOST_TEST(!by_id["u1"].blocked);
    BOOST_TEST((by_id["u3"].role == Role::kOrganizer));
    BOOST_TEST(by_id["u3"].blocked);

    BOOST_TEST(*store.HoldsBookingOfOrganizer("u1", "u3"));
    BOOST_TEST(!*store.HoldsBookingOfOrganizer("u2", "u3"));  // cancelled
    BOOST_TEST(!*store.HoldsBookingOfOrganizer("u3", "u1"));
    BOOST_TEST(!*store.HoldsBookingOfOrganizer("u1", "u2"));

    const std::vector<std::string> events = {event_id, "other-event"};
    const std::vector<std::string> holders = {"u1", "u2", "u3"};
    auto pairs = store.FindConfirmedHolders(events, holders);
    BOOST_REQUIRE(pairs.ok());
    BOOST_REQUIRE(pairs->size() == 1u);
    BOOST_TEST((*pairs)[0].first == event_id);
    BOOST_TEST((*pairs)[0].second == "u1");
    // Many users for one event (asked twice), u1 among them twice: still the one pair. (The SOCI
    // store reads from the event's side then, and from the users' side above.)
    std::vector<std::string> many = {"u1", "u2", "u3", "u1"};
    for (int i = 0; i < 40; ++i) many.push_back("x" + std::to_string(i));
    const std::vector<std::string> one_event = {event_id, event_id};
    auto from_event = store.FindConfirmedHolders(one_event, many);
    BOOST_REQUIRE(from_event.ok());
    BOOST_REQUIRE(from_event->size() == 1u);
    BOOST_TEST((*from_event)[0].first == event_id);
    BOOST_TEST((*from_event)[0].second == "u1");
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(unread_counts_cover_direct_conversations_and_the_rooms_of_members) {
  SeedPeople();
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(1, "u1", "u2")));
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Room(2, event_id, "u3")));
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(3, "u2", "u3")));
    std::vector<MessageRecord> batch;
    batch.push_back(Msg(1, IdOf(1), 1, "u2"));
    batch.push_back(Msg(2, IdOf(1), 2, "u1"));
    batch.push_back(Msg(3, IdOf(1), 3, "u2"));
    batch.push_back(Msg(4, IdOf(2), 1, "u3"));
    batch.push_back(Msg(5, IdOf(2), 2, "u1"));
    batch.push_back(Msg(6, IdOf(2), 3, "u3"));
    batch.push_back(Msg(7, IdOf(3), 1, "u3"));
    EV_TEST_RETURN_IF_ERROR(store.InsertMessages(batch));
    return store.AdvanceMarks(IdOf(2), "u1", 1, 1, BaseTime(), 1).status();
  }));
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    BOOST_TEST(*store.CountUnread(IdOf(1), "u1", 0) == 2);
    BOOST_TEST(*store.CountUnread(IdOf(1), "u1", 1) == 1);
    BOOST_TEST(*store.CountUnread(IdOf(2), "u1", 1) == 1);
    // Bounded: u1's unread in the direct conversation right after seq 1, 2 and 3.
    BOOST_TEST(*store.CountUnreadThrough(IdOf(1), "u1", 0, 1) == 1);
    BOOST_TEST(*store.CountUnreadThrough(IdOf(1), "u1", 0, 2) == 1);
    BOOST_TEST(*store.CountUnreadThrough(IdOf(1), "u1", 0, 3) == 2);
    BOOST_TEST(*store.CountUnreadThrough(IdOf(1), "u1", 3, 2) == 0);
    using Counts = std::vector<std::pair<std::string, std::int64_t>>;
    // u1: the direct conversation, and the room through the confirmed booking, after its mark.
    auto u1 = store.CountUnreadByConversation("u1");
    BOOST_REQUIRE(u1.ok());
    BOOST_TEST((*u1 == Counts{{IdOf(1), 2}, {IdOf(2), 1}}));
    // u2's booking is cancelled: the room is not theirs.
    auto u2 = store.CountUnreadByConversation("u2");
    BOOST_TEST((*u2 == Counts{{IdOf(1), 1}, {IdOf(3), 1}}));
    // u3 organizes the room's event.
    auto u3 = store.CountUnreadByConversation("u3");
    BOOST_TEST((*u3 == Counts{{IdOf(2), 1}}));
    BOOST_TEST(store.CountUnreadByConversation("nobody")->empty());
    // The totals of many users at once, in the order asked, 0 for none or unknown.
    const std::vector<std::string> users = {"u3", "nobody", "u1", "u2", "u1"};
    auto totals = store.CountUnreadTotals(users);
    BOOST_REQUIRE(totals.ok());
    BOOST_TEST((*totals == std::vector<std::int64_t>{1, 0, 3, 2, 3}));
    BOOST_TEST(store.CountUnreadTotals({})->empty());
    return Status::Ok();
  }));
}

// A read mark past the member's own messages, own messages after it, and more users than one
// statement takes (the bundled storage asks 500 at a time): every total as CountUnreadByConversation
// sums it.
BOOST_AUTO_TEST_CASE(unread_totals_take_off_own_messages_after_the_mark_for_many_users) {
  SeedPeople();
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(1, "u1", "u2")));
    std::vector<MessageRecord> batch;
    const char* senders[] = {"u1", "u2", "u2", "u1", "u2", "u1", "u1", "u2"};
    for (int seq = 1; seq <= 8; ++seq) batch.push_back(Msg(seq, IdOf(1), seq, senders[seq - 1]));
    EV_TEST_RETURN_IF_ERROR(store.InsertMessages(batch));
    EV_TEST_RETURN_IF_ERROR(store.AdvanceMarks(IdOf(1), "u1", 3, 3, BaseTime(), 1).status());
    return store.AdvanceMarks(IdOf(1), "u2", 6, 6, BaseTime(), 2).status();
  }));
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    // u1 read through 3: after it u1 sent 4, 6, 7; u2 sent 5, 8. u2 read through 6: u1 sent 7.
    BOOST_TEST(*store.CountUnread(IdOf(1), "u1", 3) == 2);
    BOOST_TEST(*store.CountUnread(IdOf(1), "u2", 6) == 1);
    BOOST_TEST(*store.CountUnreadThrough(IdOf(1), "u1", 3, 7) == 1);
    BOOST_TEST(*store.CountUnreadThrough(IdOf(1), "u1", 9, 12) == 0);
    std::vector<std::string> users;
    for (int i = 0; i < 1203; ++i) users.push_back(i % 3 == 0 ? "u1" : i % 3 == 1 ? "u2" : "x");
    auto totals = store.CountUnreadTotals(users);
    BOOST_REQUIRE(totals.ok());
    BOOST_REQUIRE(totals->size() == users.size());
    for (std::size_t i = 0; i < users.size(); ++i) {
      const std::int64_t expected = users[i] == "u1" ? 2 : users[i] == "u2" ? 1 : 0;
      BOOST_TEST((*totals)[i] == expected, "user " << i);
    }
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(image_messages_keep_their_image_and_last_messages_are_the_newest) {
  std::vector<MessageRecord> batch;
  for (int n = 1; n <= 3; ++n) batch.push_back(Msg(n, IdOf(1), n, "a"));
  MessageImage image;
  image.key = "chat/c1/m2.png";
  image.content_type = "image/png";
  image.size_bytes = 1234;
  image.sha256 = std::string(64, 'f');
  batch[1].message.image = image;
  batch[1].message.text = "";
  batch.push_back(Msg(4, IdOf(2), 1, "b"));
  REQUIRE_OK(Run([&](ChatStore& store) { return store.InsertMessages(batch); }));
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    auto check = [&](const Message& m) {
      BOOST_REQUIRE(m.image.has_value());
      BOOST_TEST(m.image->key == "chat/c1/m2.png");
      BOOST_TEST(m.image->url == "");  // the engine's to fill
      BOOST_TEST(m.image->content_type == "image/png");
      BOOST_TEST(m.image->size_bytes == 1234);
      BOOST_TEST(m.image->sha256 == std::string(64, 'f'));
      BOOST_TEST(m.text == "");
    };
    const std::vector<std::string> ids = {IdOf(1002)};
    check(store.FindMessages(ids)->at(0).message);
    const std::vector<std::string> keys = {"a:k2"};
    check(store.FindMessagesByRequestKey(keys)->at(0).message);
    auto before = store.ListMessagesBefore(IdOf(1), std::nullopt, 10);
    BOOST_REQUIRE(before->size() == 3u);
    check((*before)[1]);
    BOOST_TEST(!(*before)[0].image.has_value());
    auto after = store.ListMessagesAfter(IdOf(1), 1, 1);
    BOOST_REQUIRE(after->size() == 1u);
    check((*after)[0]);

    // 3 has no message; 1 is asked twice and answered once.
    const std::vector<std::string> conversations = {IdOf(1), IdOf(2), IdOf(3), IdOf(1)};
    auto last = store.ListLastMessages(conversations);
    BOOST_REQUIRE(last.ok());
    BOOST_TEST(last->size() == 2u);
    std::map<std::string, Message> by_conversation;
    for (const Message& m : *last) by_conversation[m.conversation_id] = m;
    BOOST_TEST(by_conversation.size() == 2u);
    BOOST_TEST(by_conversation[IdOf(1)].id == IdOf(1003));
    BOOST_TEST(by_conversation[IdOf(1)].seq == 3);
    BOOST_TEST(by_conversation[IdOf(2)].id == IdOf(1004));
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(a_users_conversations_come_by_activity_then_id_with_their_marks) {
  SeedPeople();
  const auto at = [](int seconds) { return BaseTime() + std::chrono::seconds(seconds); };
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(1, "u1", "u2")));
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Room(2, event_id, "u3")));
    ConversationRecord quiet = Direct(3, "u1", "u3");
    quiet.created_at = at(2);  // no message: its activity is its creation, tied with 1's
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(quiet));
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(4, "u2", "u3")));
    std::vector<MessageRecord> batch;
    batch.push_back(Msg(1, IdOf(1), 1, "u2"));
    batch.push_back(Msg(2, IdOf(1), 2, "u1"));
    batch.push_back(Msg(5, IdOf(2), 1, "u3"));
    EV_TEST_RETURN_IF_ERROR(store.InsertMessages(batch));
    return store.AdvanceMarks(IdOf(1), "u1", 1, 2, BaseTime(), 1).status();
  }));
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    auto ids = [](const std::vector<spi::ConversationActivity>& rows) {
      std::vector<std::string> out;
      for (const auto& row : rows) out.push_back(row.conversation.id);
      return out;
    };
    using Ids = std::vector<std::string>;
    auto u1 = store.ListConversationsOf("u1", std::nullopt, 10);
    BOOST_REQUIRE_MESSAGE(u1.ok(), u1.status().ToString());
    BOOST_TEST((ids(*u1) == Ids{IdOf(2), IdOf(3), IdOf(1)}));
    const spi::ConversationActivity& room = (*u1)[0];
    BOOST_TEST((room.conversation.kind == ConversationKind::kEventRoom));
    BOOST_TEST(room.conversation.event_id == event_id);
    BOOST_TEST(room.last_seq == 1);
    BOOST_TEST((room.activity_at == at(5)));
    BOOST_TEST(room.read_seq == 0);
    const spi::ConversationActivity& quiet = (*u1)[1];
    BOOST_TEST(quiet.last_seq == 0);
    BOOST_TEST((quiet.activity_at == at(2)));
    const spi::ConversationActivity& direct = (*u1)[2];
    BOOST_TEST(direct.conversation.user_b == "u2");
    BOOST_TEST(direct.last_seq == 2);
    BOOST_TEST((direct.activity_at == at(2)));
    BOOST_TEST(direct.read_seq == 1);
    BOOST_TEST(direct.delivered_seq == 2);

    // Pages: strictly after a position, ties broken by id.
    BOOST_TEST((ids(*store.ListConversationsOf("u1", std::nullopt, 2)) == Ids{IdOf(2), IdOf(3)}));
    BOOST_TEST((ids(*store.ListConversationsOf("u1", spi::ActivityPosition{at(5), IdOf(2)}, 10)) ==
                Ids{IdOf(3), IdOf(1)}));
    BOOST_TEST((ids(*store.ListConversationsOf("u1", spi::ActivityPosition{at(2), IdOf(3)}, 10)) ==
                Ids{IdOf(1)}));
    BOOST_TEST(store.ListConversationsOf("u1", spi::ActivityPosition{at(2), IdOf(1)}, 10)->empty());
    // u2's booking is cancelled: its direct conversations only. u3 organizes the room.
    BOOST_TEST((ids(*store.ListConversationsOf("u2", std::nullopt, 10)) == Ids{IdOf(1), IdOf(4)}));
    BOOST_TEST((ids(*store.ListConversationsOf("u3", std::nullopt, 10)) ==
                Ids{IdOf(2), IdOf(3), IdOf(4)}));
    BOOST_TEST(store.ListConversationsOf("nobody", std::nullopt, 10)->empty());
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(contacts_are_the_other_participants_and_the_co_members_of_rooms) {
  SeedPeople();
  using Ids = std::vector<std::string>;
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    // Before the room exists, the booking alone makes no contact.
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(1, "u1", "u2")));
    BOOST_TEST((*store.ListContacts("u1") == Ids{"u2"}));
    BOOST_TEST((*store.ListContacts("u3")).empty());
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Room(2, event_id, "u3")));
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(3, "u2", "u3")));
    // u1: the direct partner and the room's organizer (through the confirmed booking).
    BOOST_TEST((*store.ListContacts("u1") == Ids{"u2", "u3"}));
    // u2's booking is cancelled: only the two direct partners.
    BOOST_TEST((*store.ListContacts("u2") == Ids{"u1", "u3"}));
    // u3 organizes the room: its confirmed holder u1, and the direct partner u2.
    BOOST_TEST((*store.ListContacts("u3") == Ids{"u1", "u2"}));
    BOOST_TEST(store.ListContacts("nobody")->empty());
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(locked_conversations_keep_sequence_numbers_unique_under_concurrent_writers) {
  REQUIRE_OK(Run([&](ChatStore& store) { return store.InsertConversation(Direct(1, "a", "b")); }));
  constexpr int kWriters = 8;
  constexpr int kEach = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        const Status written = Run([&](ChatStore& store) -> Status {
          const std::vector<std::string> ids = {IdOf(1)};
          auto locked = store.LockConversations(ids);
          if (!locked.ok()) return locked.status();
          auto last = store.LastSequences(ids);
          if (!last.ok()) return last.status();
          const std::int64_t next = last->empty() ? 1 : last->front().second + 1;
          const std::vector<MessageRecord> one = {
              Msg(w * 100 + i, IdOf(1), next, "w" + std::to_string(w))};
          return store.InsertMessages(one);
        });
        if (!written.ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  BOOST_TEST(failures == 0);
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    const std::vector<std::string> ids = {IdOf(1)};
    auto last = store.LastSequences(ids);
    BOOST_REQUIRE(last.ok());
    BOOST_REQUIRE(last->size() == 1u);
    BOOST_TEST(last->front().second == kWriters * kEach);
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace eventify::testing
