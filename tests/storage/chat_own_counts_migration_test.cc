// Migration 24 on the bundled SOCI storage: the messages and marks of a version 23 database count
// the same afterwards, without the sender index of version 22: each member's own messages after
// their read mark move into their marks row (a row made for a sender who had none, listed as no
// receipt). Runs on the backend EVENTIFY_TEST_BACKEND selects.
#include <soci/soci.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

#include "eventify/spi/chat_store.h"
#include "eventify/spi/storage.h"
#include "storage/fixtures.h"
#include "storage/raw_session.h"
#include "storage/soci/migrations.h"

namespace eventify::testing {

BOOST_AUTO_TEST_CASE(migration_24_counts_own_messages_into_the_marks_and_drops_the_sender_index) {
  const std::string url = FreshDatabaseUrl();
  const std::string direct = "00000000-0000-7000-8000-0000000000c1";
  const bool postgres = TestBackend() == "postgresql";
  {
    auto sql = RawSession(url);
    const auto dialect = postgres ? storage::Dialect::kPostgresql : storage::Dialect::kSqlite;
    auto migrated = storage::Migrate(*sql, dialect, /*up_to=*/23);
    BOOST_REQUIRE_MESSAGE(migrated.ok() && *migrated == 23, migrated.status().ToString());
    *sql << "INSERT INTO chat_conversations (id, kind, conversation_key, event_id, user_a, user_b,"
            " created_at) VALUES ('" +
                direct + "', 'direct', 'direct:a:b', '', 'a', 'b', 1)";
    // a sends 1, 2, 5; b sends 3, 4, 6. a read through 3 (own after it: 5); b has no marks row.
    const std::vector<std::pair<int, std::string>> messages = {
        {1, "a"}, {2, "a"}, {3, "b"}, {4, "b"}, {5, "a"}, {6, "b"}};
    for (const auto& [seq, sender] : messages) {
      const std::string n = std::to_string(seq);
      *sql << "INSERT INTO chat_messages (id, conversation_id, seq, sender_id, kind, body,"
              " reply_to, client_key, request_key, created_at, pos) VALUES"
              " ('00000000-0000-7000-8000-00000000010" +
                  n + "', '" + direct + "', " + n + ", '" + sender + "', 'text', 'm" + n +
                  "', '', 'k" + n + "', '" + sender + ":k" + n + "', " + n + ", " + n + ")";
    }
    *sql << "INSERT INTO chat_read_marks (conversation_id, user_id, read_seq, delivered_seq,"
            " updated_at, pos) VALUES ('" +
                direct + "', 'a', 3, 4, 7, 7)";
  }
  spi::SociStorageOptions options;
  options.url = url;
  auto upgraded = OpenStorageOrFail(options);
  BOOST_TEST(upgraded->schema_version() == storage::NewestSchemaVersion());
  {
    // What the migration counted: a's own after a's mark (5), b's row made with all of b's own.
    auto sql = RawSession(url);
    long long own_a = -1, own_b = -1, read_b = -1;
    *sql << "SELECT own_after_read FROM chat_read_marks WHERE user_id = 'a'", soci::into(own_a);
    *sql << "SELECT own_after_read, read_seq FROM chat_read_marks WHERE user_id = 'b'",
        soci::into(own_b), soci::into(read_b);
    BOOST_TEST(own_a == 1);
    BOOST_TEST(own_b == 3);
    BOOST_TEST(read_b == 0);
  }
  REQUIRE_OK(upgraded->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<spi::ChatStore>();
    // a: others' messages after 3 are 4 and 6; b (no mark): a's 1, 2 and 5.
    auto a = store->CountUnread(direct, "a", 3);
    BOOST_REQUIRE_MESSAGE(a.ok(), a.status().ToString());
    BOOST_TEST(*a == 2);
    BOOST_TEST(*store->CountUnread(direct, "b", 0) == 3);
    BOOST_TEST(*store->CountUnreadThrough(direct, "a", 3, 5) == 1);
    auto marks = store->ListMarks(direct);
    BOOST_REQUIRE(marks.ok());
    BOOST_REQUIRE(marks->size() == 1u);
    BOOST_TEST((*marks)[0].user_id == "a");
    BOOST_TEST((*marks)[0].read_seq == 3);
    BOOST_TEST((*marks)[0].delivered_seq == 4);
    BOOST_TEST((*marks)[0].pos == 7);
    // The counts go on from there: b sends 7, then a reads through 6.
    spi::MessageRecord seven;
    seven.message.id = "00000000-0000-7000-8000-000000000107";
    seven.message.conversation_id = direct;
    seven.message.seq = 7;
    seven.message.sender_id = "b";
    seven.message.text = "m7";
    seven.message.idempotency_key = "k7";
    seven.message.created_at = FromMicros(7);
    seven.message.pos = 8;
    seven.request_key = "b:k7";
    EV_TEST_RETURN_IF_ERROR(store->InsertMessages({&seven, 1}));
    BOOST_TEST(*store->CountUnread(direct, "a", 3) == 3);
    BOOST_TEST(*store->CountUnread(direct, "b", 0) == 3);
    EV_TEST_RETURN_IF_ERROR(store->AdvanceMarks(direct, "a", 6, 6, FromMicros(9), 9).status());
    BOOST_TEST(*store->CountUnread(direct, "a", 6) == 1);
    return Status::Ok();
  }));
  auto sql = RawSession(url);
  long long own_a = -1, own_b = -1, indexes = -1;
  *sql << "SELECT own_after_read FROM chat_read_marks WHERE user_id = 'a'", soci::into(own_a);
  *sql << "SELECT own_after_read FROM chat_read_marks WHERE user_id = 'b'", soci::into(own_b);
  BOOST_TEST(own_a == 0);  // a read through 6, after a's last message (5)
  BOOST_TEST(own_b == 4);  // b has read nothing: 3, 4, 6 and 7 are b's own
  *sql << (postgres ? "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'chat_messages_sender_idx'"
                    : "SELECT COUNT(*) FROM sqlite_master WHERE name = 'chat_messages_sender_idx'"),
      soci::into(indexes);
  BOOST_TEST(indexes == 0);
  std::string name;
  *sql << "SELECT name FROM schema_migrations WHERE version = 24", soci::into(name);
  BOOST_TEST(name == "chat unread counts without the sender index");
}

}  // namespace eventify::testing
