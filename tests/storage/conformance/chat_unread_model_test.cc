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
          BOOST_TEST(*store.CountUnread(conversation, user, read) ==
                         model.Unread(conversation, user, read, newest),
                     "step " << step << " " << user << " in " << conversation);
          // Bounds from none to past the newest, from the mark and from other starting points.
          const std::int64_t any = std::uniform_int_distribution<std::int64_t>(0, newest)(rng);
          for (std::int64_t through : {std::int64_t{0}, any, newest / 2, newest, newest + 1}) {
            for (std::int64_t after : {read, std::int64_t{0}, through / 2}) {
              BOOST_TEST(*store.CountUnreadThrough(conversation, user, after, through) ==
                             model.Unread(conversation, user, after, through),
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

// A member's first message gives the store whatever it keeps for counting; the receipts list still
// holds only the members with a read or delivered mark.
BOOST_AUTO_TEST_CASE(senders_without_marks_are_not_listed_as_receipts) {
  REQUIRE_OK(Run([&](spi::ChatStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(store.InsertConversation(Direct(1, "a", "b")));
    const std::vector<spi::MessageRecord> batch = {Msg(1, IdOf(1), 1, "a"), Msg(2, IdOf(1), 2, "b")};
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
