// Migration 25 on the bundled SOCI storage: a version 24 database's stream reads the same
// afterwards, through the partial index of one message in 32 that replaces the full
// (conversation_id, pos) index (docs/chat.md, "Reads"), messages written before migration 19
// (position 0) included. Runs on the backend EVENTIFY_TEST_BACKEND selects.
#include <soci/soci.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "eventify/spi/chat_store.h"
#include "eventify/spi/storage.h"
#include "storage/fixtures.h"
#include "storage/raw_session.h"
#include "storage/soci/migrations.h"

namespace eventify::testing {

BOOST_AUTO_TEST_CASE(migration_25_reads_the_stream_through_one_message_in_32) {
  const std::string url = FreshDatabaseUrl();
  const std::string direct = "00000000-0000-7000-8000-0000000000c1";
  const bool postgres = TestBackend() == "postgresql";
  // Messages 1..70, a sending the odd ones and b the even ones; 1..10 at position 0 (before
  // migration 19), then message n at position 100 + 2n.
  auto pos_of = [](int seq) { return seq <= 10 ? 0 : 100 + 2 * seq; };
  {
    auto sql = RawSession(url);
    const auto dialect = postgres ? storage::Dialect::kPostgresql : storage::Dialect::kSqlite;
    auto migrated = storage::Migrate(*sql, dialect, /*up_to=*/24);
    BOOST_REQUIRE_MESSAGE(migrated.ok() && *migrated == 24, migrated.status().ToString());
    *sql << "INSERT INTO chat_conversations (id, kind, conversation_key, event_id, user_a, user_b,"
            " created_at) VALUES ('" +
                direct + "', 'direct', 'direct:a:b', '', 'a', 'b', 1)";
    for (int seq = 1; seq <= 70; ++seq) {
      const std::string n = std::to_string(seq);
      const std::string sender = seq % 2 == 1 ? "a" : "b";
      *sql << "INSERT INTO chat_messages (id, conversation_id, seq, sender_id, kind, body,"
              " reply_to, client_key, request_key, created_at, pos) VALUES"
              " ('00000000-0000-7000-8000-0000000010" +
                  std::string(n.size() == 1 ? "0" : "") + n + "', '" + direct + "', " + n + ", '" +
                  sender + "', 'text', 'm" + n + "', '', 'k" + n + "', '" + sender + ":k" + n +
                  "', " + n + ", " + std::to_string(pos_of(seq)) + ")";
    }
  }
  spi::SociStorageOptions options;
  options.url = url;
  auto upgraded = OpenStorageOrFail(options);
  BOOST_TEST(upgraded->schema_version() == storage::NewestSchemaVersion());
  REQUIRE_OK(upgraded->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<spi::ChatStore>();
    // b's stream is a's messages (odd seq) above the position.
    for (const std::int64_t after : {0, 99, 121, 122, 163, 164, 165, 228, 239, 240}) {
      std::vector<std::int64_t> expected;
      for (int seq = 1; seq <= 70; seq += 2) {
        if (pos_of(seq) > after) expected.push_back(seq);
      }
      auto stream = store->ListStreamMessages("b", after, 100);
      BOOST_REQUIRE_MESSAGE(stream.ok(), stream.status().ToString());
      std::vector<std::int64_t> seqs;
      for (const Message& m : *stream) seqs.push_back(m.seq);
      BOOST_TEST_INFO("after " << after);
      BOOST_TEST((seqs == expected));
    }
    return Status::Ok();
  }));
  auto sql = RawSession(url);
  long long full = -1, marks = -1;
  const std::string count = postgres ? "SELECT COUNT(*) FROM pg_indexes WHERE indexname = '"
                                     : "SELECT COUNT(*) FROM sqlite_master WHERE name = '";
  *sql << count + "chat_messages_pos_idx'", soci::into(full);
  *sql << count + "chat_messages_pos_marks_idx'", soci::into(marks);
  BOOST_TEST(full == 0);
  BOOST_TEST(marks == 1);
  std::string name;
  *sql << "SELECT name FROM schema_migrations WHERE version = 25", soci::into(name);
  BOOST_TEST(name == "chat stream positions through one message in 32");
}

}  // namespace eventify::testing
