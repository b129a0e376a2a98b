// Unread counts against a model (spi::ChatStore): random batches of messages from three members of
// two conversations, random moves of their read marks (forward, backward, past the newest
// message), each step its own transaction; after every step each count the store answers —
// CountUnread, CountUnreadThrough at every bound, CountUnreadByConversation, CountUnreadTotals —
// equals the one counted from the model's list of messages and marks. The bundled storage keeps a
// per-member count of own messages for this (migration 24); the model knows nothing of it.
// The seed is printed first; replay a failure with EVENTIFY_TEST_SEED=<seed>.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "chat_store_fixture.h"
#include "conformance_helpers.h"
#include "eventify/spi/chat_store.h"

namespace eventify::testing {
namespace {

std::uint64_t Seed() {
  if (const char* env = std::getenv("EVENTIFY_TEST_SEED")) return std::strtoull(env, nullptr, 10);
  return (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
}

struct ModelMessage {
  std::string conversation_id;
  std::int64_t seq = 0;
  std::string sender;
};

class UnreadModel {
 public:
  void Add(const ModelMessage& m) { messages_.push_back(m); }
  void Mark(const std::string& conversation, const std::string& user, std::int64_t read_seq) {
    std::int64_t& mark = read_[{conversation, user}];
    mark = std::max(mark, read_seq);
  }
  std::int64_t Read(const std::string& conversation, const std::string& user) const {
    auto found = read_.find({conversation, user});
    return found == read_.end() ? 0 : found->second;
  }
  std::int64_t Newest(const std::string& conversation) const {
    std::int64_t newest = 0;
    for (const ModelMessage& m : messages_) {
      if (m.conversation_id == conversation) newest = std::max(newest, m.seq);
    }
    return newest;
  }
  // Others' messages in (after, through].
  std::int64_t Unread(const std::string& conversation, const std::string& user,
                      std::int64_t after, std::int64_t through) const {
    std::int64_t n = 0;
    for (const ModelMessage& m : messages_) {
      if (m.conversation_id == conversation && m.sender != user && m.seq > after &&
          m.seq <= through) {
        ++n;
      }
    }
    return n;
  }

 private:
  std::vector<ModelMessage> messages_;
  std::map<std::pair<std::string, std::string>, std::int64_t> read_;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(chat_unread_model, ChatStoreFixture)

BOOST_AUTO_TEST_CASE(unread_counts_match_a_model_through_random_messages_and_marks) {
  const std::uint64_t seed = Seed();
  std::cout << "chat unread model test seed=" << seed << " (replay: EVENTIFY_TEST_SEED=" << seed
            << ")" << std::endl;
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  SeedPeople();  // u1 holds a confirmed booking of u3's event; u2's is cancelled
  // Two conversations all three of u1, u2, u3 may count in: a direct one of u1 and u2, and the
  // room of u3's event (u3 organizes, u1 holds). u2 also writes into the room here: the store
  // does not check membership, and u2's own messages there must still not count for u1 or u3.
  const std::vector<std::string> conversations = {IdOf(1), IdOf(2)};
  const std::vector<std::string> users = {"u1", "u2", "u3"};
  REQUIRE_OK(Run([&](spi::ChatStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(1, "u1", "u2")));
    return store.InsertConversation(Room(2, event_id, "u3"));
  }));
  // Who counts where (CountUnreadByConversation): the members of each conversation.
  const std::map<std::string, std::vector<std::string>> conversations_of = {
      {"u1", {IdOf(1), IdOf(2)}}, {"u2", {IdOf(1)}}, {"u3", {IdOf(2)}}};
  UnreadModel model;
  std::map<std::string, std::int64_t> next_seq = {{IdOf(1), 1}, {IdOf(2), 1}};
  int next_message = 1;
  std::int64_t pos = 0;
  auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
  };
  for (int step = 0; step < 80; ++step) {
    const bool send = std::uniform_int_distribution<int>(0, 9)(rng) < 6;
    if (send) {
      std::vector<spi::MessageRecord> batch;
      const int size = std::uniform_int_distribution<int>(1, 6)(rng);
      for (int i = 0; i < size; ++i) {
        const std::string conversation = pick(conversations);
        const std::string sender = pick(users);
        batch.push_back(Msg(next_message++, conversation, next_seq[conversation]++, sender));
        model.Add({conversation, batch.back().message.seq, sender});
      }
      REQUIRE_OK(Run([&](spi::ChatStore& store) { return store.InsertMessages(batch); }));
    } else {
      const std::string conversation = pick(conversations);
      const std::string user = pick(users);
      // Anywhere from the start to two past the newest message: the store takes any number.
      const std::int64_t read_seq =
          std::uniform_int_distribution<std::int64_t>(0, model.Newest(conversation) + 2)(rng);
      REQUIRE_OK(Run([&](spi::ChatStore& store) {
        return store.AdvanceMarks(conversation, user, read_seq, read_seq, BaseTime(), ++pos)
            .status();
      }));
      model.Mark(conversation, user, read_seq);
    }
    REQUIRE_OK(Run([&](spi::ChatStore& store) -> Status {
      for (const std::string& conversation : conversations) {
        const std::int64_t newest = model.Newest(conversation);
        for (const std::string& user : users) {
          const std::int64_t read = model.Read(conversation, user);
          auto marks = store.FindMarks(conversation, user);
          BOOST_REQUIRE(marks.ok());
          BOOST_TEST(marks->read_seq == read, "step " << step << " " << user);
          auto unread = store.CountUnread(conversation, user, read);
          BOOST_REQUIRE_MESSAGE(unread.ok(), unread.status().ToString());
          BOOST_TEST(*unread == model.Unread(conversation, user, read, newest),
                     "step " << step << " " << user << " in " << conversation);
          // Bounds from none to past the newest, from the mark and from other starting points.
          const std::int64_t any = std::uniform_int_distribution<std::int64_t>(0, newest)(rng);
          for (std::int64_t through : {std::int64_t{0}, any, newest / 2, newest, newest + 1}) {
            for (std::int64_t after : {read, std::int64_t{0}, through / 2}) {
              auto bounded = store.CountUnreadThrough(conversation, user, after, through);
              BOOST_REQUIRE_MESSAGE(bounded.ok(), bounded.status().ToString());
              BOOST_TEST(*bounded == model.Unread(conversation, user, after, through),
                         "step " << step << " " << user << " (" << after << ", " << through
                                 << "] in " << conversation);
            }
          }
        }
      }
      std::vector<std::int64_t> expected_totals;
      for (const std::string& user : users) {
        std::vector<std::pair<std::string, std::int64_t>> expected;
        std::int64_t total = 0;
        for (const std::string& conversation : conversations_of.at(user)) {
          const std::int64_t n = model.Unread(conversation, user, model.Read(conversation, user),
                                              model.Newest(conversation));
          if (n > 0) expected.emplace_back(conversation, n);
          total += n;
        }
        auto counts = store.CountUnreadByConversation(user);
        BOOST_REQUIRE(counts.ok());
        BOOST_TEST((*counts == expected), "step " << step << " " << user);
        expected_totals.push_back(total);
      }
      auto totals = store.CountUnreadTotals(users);
      BOOST_REQUIRE(totals.ok());
      BOOST_TEST((*totals == expected_totals), "step " << step);
      return Status::Ok();
    }));
  }
}

// A read mark ahead of the newest message (the store takes any number), then messages of the
// member at and below it and above it, in one batch and in two: only those after the mark are
// the member's own after it; then the mark moves back and forth over them.
BOOST_AUTO_TEST_CASE(own_messages_at_or_below_a_mark_ahead_of_them_do_not_count) {
  REQUIRE_OK(Run([&](spi::ChatStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(1, "a", "b")));
    EV_TEST_RETURN_IF_ERROR(store.AdvanceMarks(IdOf(1), "a", 3, 3, BaseTime(), 1).status());
    EV_TEST_RETURN_IF_ERROR(store.AdvanceMarks(IdOf(1), "b", 2, 2, BaseTime(), 2).status());
    // a sends 1, 2, 3 (at or below a's mark) and 4; b sends 5.
    const std::vector<spi::MessageRecord> first = {Msg(1, IdOf(1), 1, "a"),
                                                   Msg(2, IdOf(1), 2, "a")};
    EV_TEST_RETURN_IF_ERROR(store.InsertMessages(first));
    const std::vector<spi::MessageRecord> second = {
        Msg(3, IdOf(1), 3, "a"), Msg(4, IdOf(1), 4, "a"), Msg(5, IdOf(1), 5, "b")};
    EV_TEST_RETURN_IF_ERROR(store.InsertMessages(second));
    auto check = [&](const std::string& user, std::int64_t expected) {
      auto marks = store.FindMarks(IdOf(1), user);
      BOOST_REQUIRE(marks.ok());
      auto unread = store.CountUnread(IdOf(1), user, marks->read_seq);
      BOOST_REQUIRE_MESSAGE(unread.ok(), unread.status().ToString());
      BOOST_TEST(*unread == expected, user << " at " << marks->read_seq);
    };
    check("a", 1);  // 5
    check("b", 2);  // 3 and 4; 1 and 2 are at or below b's mark
    auto totals = store.CountUnreadTotals(std::vector<std::string>{"a", "b"});
    BOOST_REQUIRE(totals.ok());
    BOOST_TEST((*totals == std::vector<std::int64_t>{1, 2}));
    // b's mark to 3 (the short side: one message passed), then a's to 5 (none left after it).
    EV_TEST_RETURN_IF_ERROR(store.AdvanceMarks(IdOf(1), "b", 3, 3, BaseTime(), 3).status());
    check("b", 1);
    EV_TEST_RETURN_IF_ERROR(store.AdvanceMarks(IdOf(1), "a", 5, 5, BaseTime(), 4).status());
    check("a", 0);
    // More from both, then b's mark far past most of them (the long side counted afresh).
    std::vector<spi::MessageRecord> more;
    for (int seq = 6; seq <= 20; ++seq) more.push_back(Msg(seq, IdOf(1), seq, seq % 3 ? "a" : "b"));
    EV_TEST_RETURN_IF_ERROR(store.InsertMessages(more));
    EV_TEST_RETURN_IF_ERROR(store.AdvanceMarks(IdOf(1), "b", 17, 17, BaseTime(), 5).status());
    check("b", 2);  // 19 and 20 are a's; 18 is b's own
    check("a", 5);  // b's 6, 9, 12, 15 and 18
    return Status::Ok();
  }));
}

// A member's first message gives the store whatever it keeps for counting; the receipts list still
// holds only the members with a read or delivered mark.
BOOST_AUTO_TEST_CASE(senders_without_marks_are_not_listed_as_receipts) {
  REQUIRE_OK(Run([&](spi::ChatStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(1, "a", "b")));
    const std::vector<spi::MessageRecord> batch = {Msg(1, IdOf(1), 1, "a"),
                                                   Msg(2, IdOf(1), 2, "b")};
    EV_TEST_RETURN_IF_ERROR(store.InsertMessages(batch));
    EV_TEST_RETURN_IF_ERROR(store.AdvanceMarks(IdOf(1), "b", 0, 1, BaseTime(), 1).status());
    auto marks = store.ListMarks(IdOf(1));
    BOOST_REQUIRE(marks.ok());
    BOOST_REQUIRE(marks->size() == 1u);
    BOOST_TEST((*marks)[0].user_id == "b");
    BOOST_TEST((*marks)[0].delivered_seq == 1);
    auto none = store.FindMarks(IdOf(1), "a");
    BOOST_REQUIRE(none.ok());
    BOOST_TEST(none->read_seq == 0);
    BOOST_TEST(none->delivered_seq == 0);
    BOOST_TEST((none->updated_at == FromMicros(0)));
    BOOST_TEST(none->pos == 0);
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace eventify::testing
