// What the SOCI storage's ledger and wallet stores leave in the database itself, seen through raw
// SOCI sessions: the tables migrations create, one row per account however many writers race,
// entries batched into few statements and refused any change by the database, and migrations 3
// and 4 keeping (and completing) the rows of an older database. The stores' contracts through the
// SPI are the conformance suite's (conformance/).
#include <soci/soci.h>

#include <boost/test/unit_test.hpp>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/conformance/ledger_helpers.h"
#include "storage/conformance/wallet_helpers.h"
#include "eventify/spi/ledger_repository.h"
#include "eventify/spi/storage.h"
#include "eventify/spi/wallet_repository.h"
#include "storage/fixtures.h"
#include "storage/raw_session.h"
#include "storage/soci/migrations.h"

namespace eventify::testing {
namespace {

using spi::LedgerRepository;
using spi::LockMode;
using spi::TopUpChargeState;

// A fresh database whose URL the test keeps, for raw sessions.
struct LedgerDatabase {
  LedgerDatabase() : url(FreshDatabaseUrl()) {
    spi::SociStorageOptions options;
    options.url = url;
    storage = OpenStorageOrFail(options);
  }
  std::string url;
  std::shared_ptr<spi::Storage> storage;
};

// ---- Schema -------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_SUITE(ledger_schema, LedgerDatabase)

BOOST_AUTO_TEST_CASE(migration_2_creates_the_ledger_tables) {
  BOOST_TEST(storage->schema_version() >= 2);
  auto sql = RawSession(url);
  std::string name;
  *sql << "SELECT name FROM schema_migrations WHERE version = 2", soci::into(name);
  BOOST_TEST(name == "ledger");
  for (const char* table : {"ledger_accounts", "transfers", "ledger_entries"}) {
    long long rows = -1;
    *sql << (std::string("SELECT COUNT(*) FROM ") + table), soci::into(rows);
    BOOST_TEST_CONTEXT("table " << table) { BOOST_TEST(rows == 0); }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(ledger_accounts, LedgerDatabase)

BOOST_AUTO_TEST_CASE(ensure_account_is_safe_under_concurrency) {
  constexpr int kThreads = 8;
  std::vector<Status> statuses(kThreads);
  std::vector<std::string> ids(kThreads);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      statuses[t] = WriteLedger(*storage, [&](LedgerRepository& ledger) -> Status {
        auto account = EnsureOne(ledger, ProposedAccount(10 + t, AccountKind::kEscrow, "event-9"),
                                 LockMode::kForUpdate);
        if (!account.ok()) return account.status();
        ids[t] = account->id;
        return Status::Ok();
      });
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    BOOST_CHECK_MESSAGE(statuses[t].ok(), statuses[t].ToString());
    BOOST_TEST(ids[t] == ids[0]);
  }
  auto sql = RawSession(url);
  long long rows = 0;
  *sql << "SELECT COUNT(*) FROM ledger_accounts", soci::into(rows);
  BOOST_TEST(rows == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(ledger_entries, ThreeAccountsOn<LedgerDatabase>)

BOOST_AUTO_TEST_CASE(entries_of_many_transfers_are_inserted_in_one_call) {
  // More entries than one INSERT carries, so that the batching shows.
  constexpr int kTransfers = 1201;
  std::vector<spi::EntryRecord> entries;
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) -> Status {
    entries.clear();
    EV_TEST_RETURN_IF_ERROR(ledger.InsertEntries({}));  // nothing to do
    std::int64_t clearing_balance = 0, wallet_balance = 0;
    for (int i = 0; i < kTransfers; ++i) {
      const std::int64_t amount = kFiveBillion + i;
      EV_TEST_RETURN_IF_ERROR(
          InsertOne(ledger, SampleTransfer(i, clearing, wallet, amount, TransferKind::kCredit,
                                           TransferStatus::kPosted, At(i))));
      clearing_balance -= amount;
      wallet_balance += amount;
      entries.push_back({TestId(200'000 + i), clearing, -amount, clearing_balance, At(i)});
      entries.push_back({TestId(200'000 + i), wallet, amount, wallet_balance, At(i)});
    }
    EV_TEST_RETURN_IF_ERROR(ledger.InsertEntries(entries));
    auto clearing_row = ledger.FindAccountById(clearing, LockMode::kForUpdate);
    auto wallet_row = ledger.FindAccountById(wallet, LockMode::kForUpdate);
    if (!clearing_row.ok() || !wallet_row.ok()) return Internal("accounts vanished");
    clearing_row->posted = clearing_balance;
    wallet_row->posted = wallet_balance;
    EV_TEST_RETURN_IF_ERROR(ledger.UpdateAccountBalances(*clearing_row));
    return ledger.UpdateAccountBalances(*wallet_row);
  }));

  auto sql = RawSession(url);
  long long rows = 0, wallet_sum = 0, last_balance = 0;
  *sql << "SELECT COUNT(*) FROM ledger_entries", soci::into(rows);
  *sql << "SELECT CAST(SUM(amount) AS BIGINT) FROM ledger_entries WHERE account_id = :a",
      soci::into(wallet_sum), soci::use(wallet);
  const std::string last_transfer = TestId(200'000 + kTransfers - 1);
  *sql << "SELECT balance_after FROM ledger_entries WHERE transfer_id = :t AND account_id = :a",
      soci::into(last_balance), soci::use(last_transfer), soci::use(wallet);
  BOOST_TEST(rows == 2 * kTransfers);
  BOOST_TEST(wallet_sum == entries.back().balance_after);
  BOOST_TEST(last_balance == entries.back().balance_after);

  EXPECT_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) {
    auto unbalanced = ledger.FindUnbalancedTransfers(10);
    BOOST_REQUIRE(unbalanced.ok());
    BOOST_TEST(unbalanced->empty());
    auto totals = ledger.RecomputeTotals();
    BOOST_REQUIRE(totals.ok());
    for (const auto& t : *totals) {
      if (t.account_id == wallet) BOOST_TEST(t.entries_sum == entries.back().balance_after);
    }
    return Status::Ok();
  }));
}

// A database written at version 2 (with foreign keys; SQLite rebuilds two tables to drop them)
// comes out of migration 3 with every row, sound, and its entries still immutable.
BOOST_AUTO_TEST_CASE(migration_3_keeps_every_ledger_row_of_a_version_2_database) {
  const std::string old_url = FreshDatabaseUrl();
  const std::string wallet_id = TestId(1), clearing_id = TestId(2);
  const std::string posted_id = TestId(10), pending_id = TestId(11);
  {
    auto sql = RawSession(old_url);
    const auto dialect =
        TestBackend() == "postgresql" ? storage::Dialect::kPostgresql : storage::Dialect::kSqlite;
    auto migrated = storage::Migrate(*sql, dialect, /*up_to=*/2);
    BOOST_REQUIRE_MESSAGE(migrated.ok() && *migrated == 2, migrated.status().ToString());
    *sql << "INSERT INTO ledger_accounts (id, kind, owner_id, currency, posted, pending_debits,"
            " pending_credits, created_at, updated_at) VALUES"
            " ('" +
                wallet_id +
                "', 'user_wallet', 'user-1', 'INR', 700, 40, 0, 1, 2),"
                " ('" +
                clearing_id + "', 'gateway_clearing', '', 'INR', -700, 0, 40, 1, 2)";
    *sql << "INSERT INTO transfers (id, idempotency_key, request_hash, kind, from_account_id,"
            " to_account_id, amount, currency, status, reference, void_reason, created_at,"
            " expires_at, resolved_at) VALUES"
            " ('" +
                posted_id + "', 'k-posted', 'h1', 'credit', '" + clearing_id + "', '" + wallet_id +
                "', 700, 'INR', 'posted', 'r', '', 5, NULL, 5),"
                " ('" +
                pending_id + "', 'k-pending', 'h2', 'debit', '" + wallet_id + "', '" + clearing_id +
                "', 40, 'INR', 'pending', '', '', 6, 9000, NULL)";
    *sql << "INSERT INTO ledger_entries (transfer_id, account_id, amount, balance_after,"
            " created_at) VALUES ('" +
                posted_id + "', '" + clearing_id +
                "', -700, -700, 5),"
                " ('" +
                posted_id + "', '" + wallet_id + "', 700, 700, 5)";
  }
  spi::SociStorageOptions options;
  options.url = old_url;
  auto upgraded = OpenStorageOrFail(options);
  BOOST_TEST(upgraded->schema_version() == storage::NewestSchemaVersion());
  REQUIRE_OK(ReadLedger(*upgraded, [&](LedgerRepository& ledger) -> Status {
    auto accounts = ledger.ListAccounts();
    if (!accounts.ok()) return accounts.status();
    BOOST_REQUIRE(accounts->size() == 2u);
    BOOST_TEST((*accounts)[0].posted == 700);
    BOOST_TEST((*accounts)[0].pending_debits == 40);
    auto posted = FindByKey(ledger, "k-posted");
    auto pending = ledger.FindTransfer(pending_id, LockMode::kNone);
    if (!posted.ok()) return posted.status();
    if (!pending.ok()) return pending.status();
    BOOST_TEST(posted->id == posted_id);
    BOOST_TEST(posted->amount == 700);
    BOOST_TEST((pending->status == TransferStatus::kPending));
    BOOST_TEST(ToMicros(*pending->expires_at) == 9000);
    BOOST_TEST(!pending->resolved_at.has_value());
    auto unsound = ledger.FindUnbalancedTransfers(10);
    if (!unsound.ok()) return unsound.status();
    BOOST_TEST(unsound->empty());
    auto totals = ledger.RecomputeTotals();
    if (!totals.ok()) return totals.status();
    for (const auto& t : *totals) {
      BOOST_TEST(t.entries_sum == (t.account_id == wallet_id ? 700 : -700));
    }
    return Status::Ok();
  }));
  auto sql = RawSession(old_url);
  BOOST_CHECK_THROW(*sql << "UPDATE ledger_entries SET amount = amount + 1", soci::soci_error);
  BOOST_CHECK_THROW(*sql << "DELETE FROM ledger_entries", soci::soci_error);
  long long entries = 0;
  *sql << "SELECT COUNT(*) FROM ledger_entries", soci::into(entries);
  BOOST_TEST(entries == 2);
}

BOOST_AUTO_TEST_CASE(the_database_refuses_to_change_or_delete_entries) {
  const auto transfer = SampleTransfer(1, clearing, wallet, 250, TransferKind::kCredit,
                                       TransferStatus::kPosted, At(1));
  REQUIRE_OK(
      WriteLedger(*storage, [&](LedgerRepository& ledger) { return Record(ledger, transfer); }));

  auto sql = RawSession(url);
  BOOST_CHECK_THROW(*sql << "UPDATE ledger_entries SET amount = amount + 1", soci::soci_error);
  BOOST_CHECK_THROW((*sql << "UPDATE ledger_entries SET balance_after = 0 WHERE account_id = :a",
                     soci::use(wallet)),
                    soci::soci_error);
  BOOST_CHECK_THROW((*sql << "DELETE FROM ledger_entries WHERE account_id = :a", soci::use(wallet)),
                    soci::soci_error);
  BOOST_CHECK_THROW(*sql << "DELETE FROM ledger_entries", soci::soci_error);
  if (TestBackend() == "postgresql") {
    BOOST_CHECK_THROW(*sql << "TRUNCATE ledger_entries", soci::soci_error);
  }
  long long rows = 0, sum = -1, wallet_amount = 0;
  *sql << "SELECT COUNT(*), CAST(SUM(amount) AS BIGINT) FROM ledger_entries", soci::into(rows),
      soci::into(sum);
  *sql << "SELECT amount FROM ledger_entries WHERE account_id = :a", soci::into(wallet_amount),
      soci::use(wallet);
  BOOST_TEST(rows == 2);
  BOOST_TEST(sum == 0);
  BOOST_TEST(wallet_amount == 250);
}

BOOST_AUTO_TEST_SUITE_END()

// Top-ups of a version 3 database get their records: refusals repeat themselves, every other
// top-up was accepted with a charge id the engine never kept; other transfers get none.
BOOST_AUTO_TEST_CASE(migration_4_records_the_top_ups_of_a_version_3_database) {
  const std::string url = FreshDatabaseUrl();
  const std::string wallet = "00000000-0000-7000-8000-000000000001";
  const std::string clearing = "00000000-0000-7000-8000-000000000002";
  const std::string pending = "00000000-0000-7000-8000-000000000010";
  const std::string declined = "00000000-0000-7000-8000-000000000011";
  const std::string expired = "00000000-0000-7000-8000-000000000012";
  const std::string withdrawal = "00000000-0000-7000-8000-000000000013";
  {
    auto sql = RawSession(url);
    const auto dialect =
        TestBackend() == "postgresql" ? storage::Dialect::kPostgresql : storage::Dialect::kSqlite;
    auto migrated = storage::Migrate(*sql, dialect, /*up_to=*/3);
    BOOST_REQUIRE_MESSAGE(migrated.ok() && *migrated == 3, migrated.status().ToString());
    *sql << "INSERT INTO ledger_accounts (id, kind, owner_id, currency, posted, pending_debits,"
            " pending_credits, created_at, updated_at) VALUES ('" +
                wallet + "', 'user_wallet', 'u', 'INR', 0, 5, 10, 1, 1), ('" + clearing +
                "', 'gateway_clearing', '', 'INR', 0, 10, 0, 1, 1)";
    const auto transfer = [&](const std::string& id, const std::string& kind,
                              const std::string& from, const std::string& to,
                              const std::string& status, const std::string& reason) {
      *sql << "INSERT INTO transfers (id, idempotency_key, request_hash, kind, from_account_id,"
              " to_account_id, amount, currency, status, reference, void_reason, created_at,"
              " expires_at, resolved_at) VALUES ('" +
                  id + "', 'k" + id + "', 'h', '" + kind + "', '" + from + "', '" + to +
                  "', 10, 'INR', '" + status + "', '', '" + reason + "', 7, NULL, NULL)";
    };
    transfer(pending, "credit", clearing, wallet, "pending", "");
    transfer(declined, "credit", clearing, wallet, "voided", "card_declined");
    transfer(expired, "credit", clearing, wallet, "voided", "expired");
    transfer(withdrawal, "withdrawal", wallet, clearing, "pending", "");
  }
  spi::SociStorageOptions options;
  options.url = url;
  auto upgraded = OpenStorageOrFail(options);
  BOOST_TEST(upgraded->schema_version() == storage::NewestSchemaVersion());
  const auto expect = [&](const std::string& id, TopUpChargeState state) {
    auto found = Load(*upgraded, id);
    BOOST_TEST_CONTEXT("transfer " << id) {
      BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
      BOOST_TEST(found->state == state);
      BOOST_TEST(found->charge_id == "");
      BOOST_TEST(ToMicros(found->created_at) == 7);
    }
  };
  expect(pending, TopUpChargeState::kAccepted);
  expect(declined, TopUpChargeState::kCardDeclined);
  expect(expired, TopUpChargeState::kAccepted);
  BOOST_TEST(Load(*upgraded, withdrawal).status().reason() == "topup_charge_not_found");
  auto sql = RawSession(url);
  std::string name;
  *sql << "SELECT name FROM schema_migrations WHERE version = 4", soci::into(name);
  BOOST_TEST(name == "top-up charges");
  BOOST_CHECK_THROW(*sql << "INSERT INTO topup_charges (transfer_id, state, charge_id, "
                            "created_at, updated_at) VALUES ('x', 'lost', '', 1, 1)",
                    soci::soci_error);
}

}  // namespace
}  // namespace eventify::testing
