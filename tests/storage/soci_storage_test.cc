// What the bundled SOCI storage promises beyond spi::Storage: migrations recorded once and never
// re-applied, refusal of a newer schema, URL validation, the on-disk format, and how it reports
// and survives unreachable databases, lost connections, busy databases and deadlocks. Raw SOCI
// sessions inspect and disturb the database behind the storage's back.
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "eventify/spi/storage.h"
#include "storage/fixtures.h"
#include "storage/raw_session.h"
#include "storage/soci/native_statements.h"

namespace eventify::testing {
namespace {

using spi::AccountRepository;
using spi::LockMode;

namespace utf = boost::unit_test;

spi::SociStorageOptions OptionsFor(const std::string& url) {
  spi::SociStorageOptions options;
  options.url = url;
  return options;
}

utf::assertion_result OnPostgres(utf::test_unit_id) {
  return utf::assertion_result(TestBackend() == "postgresql");
}
utf::assertion_result OnSqlite(utf::test_unit_id) {
  return utf::assertion_result(TestBackend() == "sqlite");
}

// ---- Migrations ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(migrations)

BOOST_AUTO_TEST_CASE(are_applied_once_and_recorded) {
  const std::string url = FreshDatabaseUrl();
  auto storage = OpenStorageOrFail(OptionsFor(url));
  const int version = storage->schema_version();
  BOOST_TEST(version >= 1);

  auto sql = RawSession(url);
  long long rows = 0, lowest = 0, highest = 0, unnamed = 0, undated = 0;
  *sql << "SELECT COUNT(*), MIN(version), MAX(version) FROM schema_migrations", soci::into(rows),
      soci::into(lowest), soci::into(highest);
  *sql << "SELECT COUNT(*) FROM schema_migrations WHERE name = ''", soci::into(unnamed);
  *sql << "SELECT COUNT(*) FROM schema_migrations WHERE applied_at <= 0", soci::into(undated);
  BOOST_TEST(rows == version);
  BOOST_TEST(lowest == 1);
  BOOST_TEST(highest == version);
  BOOST_TEST(unnamed == 0);
  BOOST_TEST(undated == 0);

  long long users = -1;
  *sql << "SELECT COUNT(*) FROM users", soci::into(users);  // version 1 created the tables
  BOOST_TEST(users == 0);
}

BOOST_AUTO_TEST_CASE(reopening_does_not_reapply) {
  const std::string url = FreshDatabaseUrl();
  auto storage = OpenStorageOrFail(OptionsFor(url));
  const int version = storage->schema_version();
  REQUIRE_OK(Write(*storage,
                   [](AccountRepository& accounts) { return accounts.InsertUser(SampleUser(1)); }));

  auto sql = RawSession(url);
  long long first_applied_at = 0;
  *sql << "SELECT applied_at FROM schema_migrations WHERE version = 1",
      soci::into(first_applied_at);

  // A second storage while the first is open, then a fresh one after both closed.
  auto second = OpenStorageOrFail(OptionsFor(url));
  BOOST_TEST(second->schema_version() == version);
  second.reset();
  storage.reset();
  storage = OpenStorageOrFail(OptionsFor(url));
  BOOST_TEST(storage->schema_version() == version);

  long long rows = 0, applied_at = 0;
  *sql << "SELECT COUNT(*) FROM schema_migrations", soci::into(rows);
  *sql << "SELECT applied_at FROM schema_migrations WHERE version = 1", soci::into(applied_at);
  BOOST_TEST(rows == version);
  BOOST_TEST(applied_at == first_applied_at);
  BOOST_TEST(LoadUser(*storage, SampleUser(1).id).ok());
}

BOOST_AUTO_TEST_CASE(a_newer_schema_is_refused) {
  const std::string url = FreshDatabaseUrl();
  int version = OpenStorageOrFail(OptionsFor(url))->schema_version();
  {
    auto sql = RawSession(url);
    const long long future = version + 41;
    *sql << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, 'future', 1)",
        soci::use(future);
  }
  auto reopened = spi::OpenSociStorage(OptionsFor(url));
  BOOST_REQUIRE(!reopened.ok());
  BOOST_TEST(reopened.status().code() == StatusCode::kFailedPrecondition);
  BOOST_TEST(reopened.status().reason() == "schema_too_new");
  const std::string message = reopened.status().message();  // status() returns a copy
  BOOST_CHECK_MESSAGE(message.find(std::to_string(version + 41)) != std::string::npos, message);
  BOOST_CHECK_MESSAGE(message.find(std::to_string(version)) != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(concurrent_opens_migrate_once) {
  const std::string url = FreshDatabaseUrl();
  constexpr int kOpeners = 4;
  std::vector<Status> statuses(kOpeners);
  std::vector<int> versions(kOpeners, -1);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] {
      auto storage = spi::OpenSociStorage(OptionsFor(url));
      statuses[i] = storage.status();
      if (storage.ok()) versions[i] = (*storage)->schema_version();
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kOpeners; ++i) {
    BOOST_CHECK_MESSAGE(statuses[i].ok(), statuses[i].ToString());
    BOOST_TEST(versions[i] == versions[0]);
  }
  auto sql = RawSession(url);
  long long rows = 0;
  *sql << "SELECT COUNT(*) FROM schema_migrations", soci::into(rows);
  BOOST_TEST(rows == versions[0]);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- Opening ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(opening)

BOOST_AUTO_TEST_CASE(invalid_urls_are_refused) {
  for (const char* url :
       {"", "mysql://user:secret@localhost/db", "sqlite:", "sqlite::memory:", "postgresql:/nohost",
        "data/eventify.db", "SQLITE:x.db", "postgresql://u@host/db name"}) {
    auto storage = spi::OpenSociStorage(OptionsFor(url));
    BOOST_TEST_CONTEXT("url " << url) {
      BOOST_REQUIRE(!storage.ok());
      BOOST_TEST(storage.status().code() == StatusCode::kInvalidArgument);
      BOOST_TEST(storage.status().reason() == "invalid_database_url");
      BOOST_TEST(storage.status().message().find("secret") == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(unreachable_postgres_is_unavailable) {
  auto storage = spi::OpenSociStorage(
      OptionsFor("postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=5"));
  BOOST_REQUIRE(!storage.ok());
  BOOST_TEST(storage.status().code() == StatusCode::kUnavailable);
  BOOST_TEST(storage.status().reason() == "database_unavailable");
}

BOOST_AUTO_TEST_CASE(unopenable_sqlite_file_is_unavailable) {
  auto storage =
      spi::OpenSociStorage(OptionsFor("sqlite:/nonexistent-eventify-dir/sub/eventify.db"));
  BOOST_REQUIRE(!storage.ok());
  BOOST_TEST(storage.status().code() == StatusCode::kUnavailable);
}

// Tables in the database behind `url`, which must exist (a SQLite file would be created).
long long TableCount(const std::string& url) {
  auto sql = RawSession(url);
  long long tables = -1;
  if (TestBackend() == "sqlite") {
    *sql << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'", soci::into(tables);
  } else {
    *sql << "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
        soci::into(tables);
  }
  return tables;
}

BOOST_AUTO_TEST_CASE(a_database_never_set_up_is_refused_when_it_must_exist) {
  const std::string url = FreshDatabaseUrl();
  spi::SociStorageOptions must_exist = OptionsFor(url);
  must_exist.create_if_missing = false;
  auto refused = spi::OpenSociStorage(must_exist);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.status().code() == StatusCode::kFailedPrecondition);
  BOOST_TEST(refused.status().reason() == "database_not_found");
  if (TestBackend() == "sqlite") {
    const std::string path = url.substr(std::string("sqlite:").size());
    BOOST_TEST(refused.status().message() ==
               "the SQLite database file does not exist; nothing was created");
    BOOST_TEST(!std::filesystem::exists(path));
  } else {
    BOOST_TEST(refused.status().message() ==
               "no Eventify migration was ever applied to the database; nothing was created");
    BOOST_TEST(TableCount(url) == 0);
  }

  // Opened the usual way it is set up; from then on it exists.
  const int version = OpenStorageOrFail(OptionsFor(url))->schema_version();
  const long long tables = TableCount(url);
  auto reopened = OpenStorageOrFail(must_exist);
  BOOST_TEST(reopened->schema_version() == version);
  BOOST_TEST(TableCount(url) == tables);
}

BOOST_AUTO_TEST_CASE(a_sqlite_file_without_the_schema_is_not_a_database,
                     *utf::precondition(OnSqlite)) {
  const std::string url = FreshDatabaseUrl();
  std::ofstream(url.substr(std::string("sqlite:").size())).flush();  // an empty file
  spi::SociStorageOptions must_exist = OptionsFor(url);
  must_exist.create_if_missing = false;
  auto refused = spi::OpenSociStorage(must_exist);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.status().reason() == "database_not_found");
  BOOST_TEST(TableCount(url) == 0);
}

// The shapes of ListUsers' queries read rows in order from an index, without sorting.
BOOST_AUTO_TEST_CASE(user_lists_read_an_index_in_order) {
  const std::string url = FreshDatabaseUrl();
  OpenStorageOrFail(OptionsFor(url));
  auto sql = RawSession(url);
  const std::string order = " ORDER BY created_at DESC, id DESC LIMIT 21";
  const std::vector<std::pair<std::string, std::string>> queries = {
      {"SELECT id FROM users WHERE 1 = 1" + order, "users_newest_idx"},
      {"SELECT id FROM users WHERE role = 'admin' AND created_at <= 5" + order,
       "users_role_newest_idx"}};
  for (const auto& [query, index] : queries) {
    std::string plan;
    if (TestBackend() == "sqlite") {
      soci::rowset<soci::row> rows = (sql->prepare << "EXPLAIN QUERY PLAN " + query);
      for (const soci::row& row : rows) plan += row.get<std::string>(3) + "\n";
    } else {
      *sql << "SET enable_seqscan = off";  // the tables are tiny: make the planner show its path
      soci::rowset<std::string> rows = (sql->prepare << "EXPLAIN " + query);
      for (const std::string& line : rows) plan += line + "\n";
    }
    BOOST_TEST_CONTEXT("plan of " << query << ":\n" << plan) {
      BOOST_TEST(plan.find(index) != std::string::npos);
      BOOST_TEST(plan.find("TEMP B-TREE") == std::string::npos);  // SQLite sorting
      BOOST_TEST(plan.find("Sort") == std::string::npos);         // PostgreSQL sorting
    }
  }
}

BOOST_AUTO_TEST_CASE(backend_name_matches_the_url) {
  BOOST_TEST(OpenFreshStorage()->backend_name() == TestBackend());
}

BOOST_AUTO_TEST_CASE(nested_run_on_the_same_storage_is_refused) {
  auto storage = OpenFreshStorage();
  Status inner;
  Status outer = storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction&) {
    inner = storage->Run(spi::TransactionMode::kReadOnly,
                         [](spi::Transaction&) { return Status::Ok(); });
    return Status::Ok();
  });
  EXPECT_OK(outer);
  BOOST_TEST(inner.code() == StatusCode::kInternal);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- Storage format -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(rows_use_integer_micros_text_roles_and_0_1_booleans) {
  const std::string url = FreshDatabaseUrl();
  auto storage = OpenStorageOrFail(OptionsFor(url));
  spi::UserRecord user = SampleUser(1);
  user.role = Role::kOrganizer;
  user.email_verified = true;
  user.created_at = FromMicros(4'102'444'800'123'457LL);
  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) {
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(user));
    spi::OneTimeCodeRecord code;
    code.user_id = user.id;
    code.purpose = spi::CodePurpose::kResetPassword;
    code.code_hash = "h";
    return accounts.PutCode(code);
  }));

  auto sql = RawSession(url);
  long long created_at = 0;
  int verified = -1, blocked = -1;
  std::string role, purpose;
  *sql << "SELECT created_at, email_verified, blocked, role FROM users", soci::into(created_at),
      soci::into(verified), soci::into(blocked), soci::into(role);
  *sql << "SELECT purpose FROM one_time_codes", soci::into(purpose);
  BOOST_TEST(created_at == 4'102'444'800'123'457LL);
  BOOST_TEST(verified == 1);
  BOOST_TEST(blocked == 0);
  BOOST_TEST(role == "organizer");
  BOOST_TEST(purpose == "reset_password");
}

// ---- SQLite -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(sqlite, *utf::precondition(OnSqlite))

BOOST_AUTO_TEST_CASE(database_is_in_wal_mode) {
  const std::string url = FreshDatabaseUrl();
  auto storage = OpenStorageOrFail(OptionsFor(url));
  auto sql = RawSession(url);
  std::string mode;
  *sql << "PRAGMA journal_mode", soci::into(mode);
  BOOST_TEST(mode == "wal");
}

// Another process holding the write lock: writers wait for the busy timeout, then give up with
// kAborted after max_attempts; readers are not affected; once the lock is gone writes work again.
BOOST_AUTO_TEST_CASE(a_foreign_writer_makes_writes_abort_not_fail) {
  const std::string url = FreshDatabaseUrl();
  spi::SociStorageOptions options = OptionsFor(url);
  options.sqlite_busy_timeout_ms = 50;
  options.max_attempts = 2;
  auto storage = OpenStorageOrFail(options);

  auto other_process = RawSession(url);
  *other_process << "BEGIN IMMEDIATE";
  Status blocked = Write(
      *storage, [](AccountRepository& accounts) { return accounts.InsertUser(SampleUser(1)); });
  BOOST_TEST(blocked.code() == StatusCode::kAborted);
  BOOST_TEST(LoadUser(*storage, SampleUser(1).id).status().code() == StatusCode::kNotFound);
  *other_process << "ROLLBACK";

  EXPECT_OK(Write(*storage,
                  [](AccountRepository& accounts) { return accounts.InsertUser(SampleUser(1)); }));
}

// The commit path's statement cache: one text asked for twice at once gives two independent
// statements (binding or resetting one must not disturb the other).
BOOST_AUTO_TEST_CASE(a_cached_statement_in_use_is_never_handed_out_twice) {
  auto sql = RawSession(FreshDatabaseUrl());
  *sql << "CREATE TABLE t (x INTEGER)";
  *sql << "INSERT INTO t (x) VALUES (1), (2), (3)";
  storage::NativeStatements statements(*sql, storage::Dialect::kSqlite);
  const std::string text = "SELECT x FROM t WHERE x >= ? ORDER BY x";
  auto first = statements.Sqlite(text);
  first.Bind(1LL);
  BOOST_REQUIRE(first.Step());
  BOOST_TEST(first.Int(0) == 1);
  {
    auto second = statements.Sqlite(text);
    second.Bind(2LL);
    std::vector<long long> seen;
    while (second.Step()) seen.push_back(second.Int(0));
    BOOST_TEST(seen == (std::vector<long long>{2, 3}), boost::test_tools::per_element());
  }
  // The first carries on where it was, with its own binding.
  BOOST_REQUIRE(first.Step());
  BOOST_TEST(first.Int(0) == 2);
  BOOST_REQUIRE(first.Step());
  BOOST_TEST(first.Int(0) == 3);
  BOOST_TEST(!first.Step());
  first.Reset();
  // And the cached one is handed out again once free.
  auto again = statements.Sqlite(text);
  again.Bind(3LL);
  BOOST_REQUIRE(again.Step());
  BOOST_TEST(again.Int(0) == 3);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- PostgreSQL ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(postgresql, *utf::precondition(OnPostgres))

// Terminates every other connection to the test database and waits until they are gone.
void KillOtherConnections(soci::session& sql) {
  sql << "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
         "WHERE datname = current_database() AND pid <> pg_backend_pid()";
  for (int i = 0; i < 500; ++i) {
    long long left = 0;
    sql << "SELECT COUNT(*) FROM pg_stat_activity "
           "WHERE datname = current_database() AND pid <> pg_backend_pid()",
        soci::into(left);
    if (left == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  BOOST_FAIL("the other connections did not go away");
}

BOOST_AUTO_TEST_CASE(connections_lost_while_idle_are_replaced) {
  const std::string url = FreshDatabaseUrl();
  spi::SociStorageOptions options = OptionsFor(url);
  options.pool_size = 2;
  auto storage = OpenStorageOrFail(options);
  REQUIRE_OK(Write(*storage,
                   [](AccountRepository& accounts) { return accounts.InsertUser(SampleUser(1)); }));
  auto killer = RawSession(url);
  for (int round = 0; round < 3; ++round) {
    KillOtherConnections(*killer);
    BOOST_TEST(LoadUser(*storage, SampleUser(1).id).ok());
  }
}

BOOST_AUTO_TEST_CASE(a_connection_lost_mid_transaction_is_unavailable_then_heals) {
  const std::string url = FreshDatabaseUrl();
  spi::SociStorageOptions options = OptionsFor(url);
  options.pool_size = 1;
  auto storage = OpenStorageOrFail(options);
  REQUIRE_OK(Write(*storage,
                   [](AccountRepository& accounts) { return accounts.InsertUser(SampleUser(1)); }));
  auto killer = RawSession(url);

  int calls = 0;
  Status status = Write(*storage, [&](AccountRepository& accounts) -> Status {
    ++calls;
    auto before = accounts.FindUserById(SampleUser(1).id, LockMode::kForUpdate);
    if (!before.ok()) return before.status();
    KillOtherConnections(*killer);
    spi::UserRecord changed = *before;
    changed.full_name = "Never written";
    return accounts.UpdateUser(changed);
  });
  BOOST_TEST(status.code() == StatusCode::kUnavailable);
  BOOST_TEST(calls == 1);  // not retried: only kAborted is
  auto user = LoadUser(*storage, SampleUser(1).id);
  BOOST_REQUIRE(user.ok());
  BOOST_TEST(user->full_name == SampleUser(1).full_name);
}

// Two transactions locking the same two rows in opposite orders: PostgreSQL aborts one with a
// deadlock (40P01), which Run turns into kAborted and retries, so both end up committed.
BOOST_AUTO_TEST_CASE(deadlocks_are_aborted_and_retried) {
  auto storage = OpenFreshStorage();
  REQUIRE_OK(Write(*storage, [](AccountRepository& accounts) {
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(SampleUser(1)));
    return accounts.InsertUser(SampleUser(2));
  }));

  std::mutex mutex;
  std::condition_variable both_locked_first;
  int locked_first = 0;
  std::atomic<int> attempts{0};
  auto transfer = [&](int first, int second) {
    bool first_attempt = true;
    return Write(*storage, [&](AccountRepository& accounts) -> Status {
      ++attempts;
      auto a = accounts.FindUserById(SampleUser(first).id, LockMode::kForUpdate);
      if (!a.ok()) return a.status();
      if (first_attempt) {
        first_attempt = false;
        std::unique_lock lock(mutex);
        ++locked_first;
        both_locked_first.notify_all();
        both_locked_first.wait_for(lock, std::chrono::seconds(10),
                                   [&] { return locked_first == 2; });
      }
      auto b = accounts.FindUserById(SampleUser(second).id, LockMode::kForUpdate);
      if (!b.ok()) return b.status();
      a->full_name += "+";
      b->full_name += "+";
      EV_TEST_RETURN_IF_ERROR(accounts.UpdateUser(*a));
      return accounts.UpdateUser(*b);
    });
  };
  Status one, two;
  std::thread t1([&] { one = transfer(1, 2); });
  std::thread t2([&] { two = transfer(2, 1); });
  t1.join();
  t2.join();
  BOOST_CHECK_MESSAGE(one.ok(), one.ToString());
  BOOST_CHECK_MESSAGE(two.ok(), two.ToString());
  BOOST_TEST(attempts.load() >= 3);  // one of them ran again
  BOOST_TEST(LoadUser(*storage, SampleUser(1).id)->full_name == SampleUser(1).full_name + "++");
  BOOST_TEST(LoadUser(*storage, SampleUser(2).id)->full_name == SampleUser(2).full_name + "++");
}

// Prepared statements lost behind the cache's back (DEALLOCATE, DISCARD, a pooler): the call
// that finds out fails, and the next transaction prepares them again instead of failing forever.
BOOST_AUTO_TEST_CASE(prepared_statements_lost_on_the_server_are_prepared_again) {
  auto sql = RawSession(FreshDatabaseUrl());
  storage::NativeStatements statements(*sql, storage::Dialect::kPostgresql);
  const std::string text = "SELECT $1::bigint + 1";
  auto run = [&] {
    *sql << "BEGIN";
    statements.TransactionBegun();
    const long long answer = statements.Postgres(text, {"41"}).Int(0, 0);
    *sql << "COMMIT";
    return answer;
  };
  BOOST_TEST(run() == 42);
  *sql << "DEALLOCATE ALL";
  BOOST_CHECK_THROW(run(), soci::soci_error);
  *sql << "ROLLBACK";
  BOOST_TEST(run() == 42);
}

BOOST_AUTO_TEST_SUITE_END()


}  // namespace
}  // namespace eventify::testing
