// The contract of spi::ChatStore's stream (spi/chat_store.h, docs/chat.md "Stream positions") that
// every storage serving the "chat" area must keep: one counter whose positions are taken in
// blocks and roll back with their transaction; positions that follow commit order under
// concurrent writers (whoever sees position p sees every position below it); marks stamped with
// the position of their last move only; and a user's stream listed by position over the
// conversations they are a member of now, without their own messages and marks.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "chat_store_fixture.h"
#include "conformance_helpers.h"
#include "eventify/spi/chat_store.h"

namespace eventify::testing {
namespace {

using spi::ChatStore;
using spi::MessageRecord;

std::vector<std::int64_t> PositionsOf(const std::vector<Message>& messages) {
  std::vector<std::int64_t> out;
  for (const Message& m : messages) out.push_back(m.pos);
  return out;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(chat_stream_store, ChatStoreFixture)

BOOST_AUTO_TEST_CASE(positions_are_taken_in_blocks_from_one_counter_and_roll_back) {
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    BOOST_TEST(*store.StreamPosition() == 0);
    BOOST_TEST(*store.TakePositions(3) == 1);
    BOOST_TEST(*store.TakePositions(1) == 4);
    BOOST_TEST(*store.StreamPosition() == 4);
    return Status::Ok();
  }));
  const Status rolled_back = Run([&](ChatStore& store) -> Status {
    BOOST_TEST(*store.TakePositions(5) == 5);
    return Status(StatusCode::kFailedPrecondition, "rolled_back", "on purpose");
  });
  BOOST_TEST(rolled_back.reason() == "rolled_back");
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    BOOST_TEST(*store.StreamPosition() == 4);
    BOOST_TEST(*store.TakePositions(2) == 5);
    return Status::Ok();
  }));
}

// Each writer transaction takes one position and writes a message at it, as the chat applier
// does. Whatever the interleaving, a snapshot that sees the counter at P sees exactly the
// messages at 1..P: a position is never visible before the ones below it.
BOOST_AUTO_TEST_CASE(a_snapshot_sees_every_position_up_to_the_counter_under_concurrent_writers) {
  constexpr int kWriters = 6;
  constexpr int kEach = 15;
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    for (int w = 0; w < kWriters; ++w) {
      EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(w + 1, "r", "w" + std::to_string(w))));
    }
    return Status::Ok();
  }));
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        const Status written = Run([&](ChatStore& store) -> Status {
          auto pos = store.TakePositions(1);
          if (!pos.ok()) return pos.status();
          MessageRecord one = Msg(w * 100 + i, IdOf(w + 1), i + 1, "w" + std::to_string(w));
          one.message.pos = *pos;
          const std::vector<MessageRecord> batch = {one};
          return store.InsertMessages(batch);
        });
        if (!written.ok()) ++failures;
      }
    });
  }
  std::atomic<int> gaps{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done) {
      const Status read = storage->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) {
        ChatStore& store = *tx.store<ChatStore>();
        auto newest = store.StreamPosition();
        if (!newest.ok()) return newest.status();
        auto seen = store.ListStreamMessages("r", 0, kWriters * kEach + 1);
        if (!seen.ok()) return seen.status();
        std::vector<std::int64_t> expected;
        for (std::int64_t p = 1; p <= *newest; ++p) expected.push_back(p);
        if (PositionsOf(*seen) != expected) ++gaps;
        return Status::Ok();
      });
      if (!read.ok()) ++failures;
      ++reads;
    }
  });
  for (std::thread& t : threads) t.join();
  done = true;
  reader.join();
  BOOST_TEST(failures == 0);
  BOOST_TEST(gaps == 0);
  BOOST_TEST(reads > 0);
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    BOOST_TEST(*store.StreamPosition() == kWriters * kEach);
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(a_mark_keeps_the_position_of_its_last_move) {
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    auto first = store.AdvanceMarks(IdOf(1), "a", 2, 2, BaseTime(), 7);
    BOOST_TEST(first->pos == 7);
    auto delivered = store.AdvanceMarks(IdOf(1), "a", 0, 4, BaseTime(), 9);
    BOOST_TEST(delivered->pos == 9);
    auto still = store.AdvanceMarks(IdOf(1), "a", 1, 3, BaseTime(), 12);
    BOOST_TEST(still->pos == 9);
    BOOST_TEST(store.FindMarks(IdOf(1), "a")->pos == 9);
    BOOST_TEST(store.FindMarks(IdOf(1), "nobody")->pos == 0);
    return Status::Ok();
  }));
}

// u1 holds a confirmed booking of u3's event, u2's is cancelled (SeedPeople).
BOOST_AUTO_TEST_CASE(a_users_stream_is_others_events_in_their_conversations_by_position) {
  SeedPeople();
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(1, "u1", "u2")));
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Room(2, event_id, "u3")));
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(3, "u2", "u3")));
    std::vector<MessageRecord> batch = {
        Msg(1, IdOf(1), 1, "u2"), Msg(2, IdOf(2), 1, "u3"), Msg(3, IdOf(1), 2, "u1"),
        Msg(4, IdOf(3), 1, "u3"), Msg(5, IdOf(2), 2, "u1"), Msg(6, IdOf(2), 3, "u3")};
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].message.pos = 10 + i;  // 10..15
    EV_TEST_RETURN_IF_ERROR(store.InsertMessages(batch));
    EV_TEST_RETURN_IF_ERROR(store.AdvanceMarks(IdOf(1), "u2", 2, 2, BaseTime(), 20).status());
    EV_TEST_RETURN_IF_ERROR(store.AdvanceMarks(IdOf(2), "u3", 2, 2, BaseTime(), 17).status());
    EV_TEST_RETURN_IF_ERROR(store.AdvanceMarks(IdOf(2), "u1", 3, 3, BaseTime(), 18).status());
    return store.AdvanceMarks(IdOf(3), "u3", 1, 1, BaseTime(), 19).status();
  }));
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    // u1: the direct conversation and the room, others' messages only.
    auto u1 = store.ListStreamMessages("u1", 0, 10);
    BOOST_REQUIRE(u1.ok());
    BOOST_TEST((PositionsOf(*u1) == std::vector<std::int64_t>{10, 11, 15}));
    BOOST_TEST((*u1)[0].id == IdOf(1001));
    BOOST_TEST((*u1)[0].sender_id == "u2");
    BOOST_TEST((*u1)[0].seq == 1);
    BOOST_TEST((PositionsOf(*store.ListStreamMessages("u1", 11, 10)) ==
                std::vector<std::int64_t>{15}));
    BOOST_TEST((PositionsOf(*store.ListStreamMessages("u1", 0, 2)) ==
                std::vector<std::int64_t>{10, 11}));
    BOOST_TEST(store.ListStreamMessages("u1", 15, 10)->empty());
    // u2's booking is cancelled: not the room.
    BOOST_TEST((PositionsOf(*store.ListStreamMessages("u2", 0, 10)) ==
                std::vector<std::int64_t>{12, 13}));
    // u3 organizes the room's event.
    BOOST_TEST((PositionsOf(*store.ListStreamMessages("u3", 0, 10)) ==
                std::vector<std::int64_t>{14}));
    BOOST_TEST(store.ListStreamMessages("nobody", 0, 10)->empty());

    auto marks = store.ListStreamMarks("u1", 0, 10);
    BOOST_REQUIRE(marks.ok());
    BOOST_REQUIRE(marks->size() == 2u);
    BOOST_TEST((*marks)[0].pos == 17);
    BOOST_TEST((*marks)[0].user_id == "u3");
    BOOST_TEST((*marks)[0].conversation_id == IdOf(2));
    BOOST_TEST((*marks)[0].read_seq == 2);
    BOOST_TEST((*marks)[1].pos == 20);
    BOOST_TEST((*marks)[1].user_id == "u2");
    BOOST_TEST(store.ListStreamMarks("u1", 0, 1)->size() == 1u);
    BOOST_TEST(store.ListStreamMarks("u1", 17, 10)->size() == 1u);
    auto u2 = store.ListStreamMarks("u2", 0, 10);
    BOOST_REQUIRE(u2->size() == 1u);
    BOOST_TEST((*u2)[0].pos == 19);
    return Status::Ok();
  }));
}

// Long conversations (about ninety messages each, past two multiples of 32),
// batches interleaving three conversations as the commit pipeline writes them, the first
// messages at position 0 as before migration 19: after every position, the stream is exactly
// the later messages of others in the user's conversations, in order, and a limit keeps its
// first ones.
BOOST_AUTO_TEST_CASE(the_stream_after_any_position_of_long_conversations_is_every_later_message) {
  SeedPeople();
  struct Row {
    int conversation;
    std::int64_t pos;
    std::string sender;
  };
  std::vector<Row> model;
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(1, "u1", "u2")));
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Room(2, event_id, "u3")));
    return store.InsertConversation(Direct(3, "u2", "u3"));
  }));
  const std::vector<std::string> senders[] = {{"u1", "u2"}, {"u1", "u3", "u3"}, {"u2", "u3"}};
  std::int64_t seq[3] = {0, 0, 0};
  std::int64_t pos = 0;
  int n = 0;
  for (int batch = 0; batch < 14; ++batch) {
    std::vector<MessageRecord> records;
    const int size = 5 + (batch * 7) % 31;  // 5..35 messages, over the conversations in turn
    for (int i = 0; i < size; ++i, ++n) {
      const int c = (n * 5 + batch) % 3;
      const std::string& sender = senders[c][(n / 3) % senders[c].size()];
      MessageRecord r = Msg(n, IdOf(c + 1), ++seq[c], sender);
      r.message.pos = batch == 0 ? 0 : ++pos;  // the first batch as before migration 19
      model.push_back({c + 1, r.message.pos, sender});
      records.push_back(std::move(r));
    }
    REQUIRE_OK(Run([&](ChatStore& store) { return store.InsertMessages(records); }));
  }
  BOOST_TEST_REQUIRE(seq[0] > 64);
  BOOST_TEST_REQUIRE(seq[1] > 64);
  REQUIRE_OK(Run([&](ChatStore& store) -> Status {
    for (std::int64_t after = 0; after <= pos; ++after) {
      std::vector<std::int64_t> expected;  // u1's conversations are 1 and 2
      for (const Row& row : model) {
        if (row.conversation != 3 && row.pos > after && row.sender != "u1") {
          expected.push_back(row.pos);
        }
      }
      auto all = store.ListStreamMessages("u1", after, 1000);
      BOOST_REQUIRE(all.ok());
      BOOST_TEST_INFO("after " << after);
      BOOST_TEST((PositionsOf(*all) == expected));
      auto five = store.ListStreamMessages("u1", after, 5);
      BOOST_REQUIRE(five.ok());
      expected.resize(std::min<std::size_t>(expected.size(), 5));
      BOOST_TEST_INFO("after " << after << ", limit 5");
      BOOST_TEST((PositionsOf(*five) == expected));
    }
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace eventify::testing
