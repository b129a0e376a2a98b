// What every spi::Storage must do for the ledger: the LedgerRepository contract (accounts created
// once, 64-bit balances, transfers and their idempotency keys, immutable entries, the expiry
// sweep, history and queue listings with keyset pagination, the audit queries), and the batched
// forms of the commit pipeline (chunked statements, sorted locking under concurrency). Runs on the
// backend EVENTIFY_TEST_BACKEND selects; a raw session checks what only the database can refuse.
#include "eventify/spi/ledger_repository.h"

#include <soci/soci.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <latch>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "eventify/ledger.h"
#include "eventify/spi/storage.h"
#include "storage/fixtures.h"
#include "storage/raw_session.h"
#include "storage/soci/migrations.h"

namespace eventify::testing {
namespace {

using spi::LedgerRepository;
using spi::LockMode;
using spi::TransactionMode;

namespace utf = boost::unit_test;

constexpr std::int64_t kFiveBillion = 5'000'000'000LL;  // > 2^32 minor units

using LedgerBody = std::function<Status(LedgerRepository&)>;

Status WriteLedger(spi::Storage& storage, const LedgerBody& body) {
  return storage.Run(TransactionMode::kReadWrite,
                     [&](spi::Transaction& tx) { return body(tx.ledger()); });
}
Status ReadLedger(spi::Storage& storage, const LedgerBody& body) {
  return storage.Run(TransactionMode::kReadOnly,
                     [&](spi::Transaction& tx) { return body(tx.ledger()); });
}

// A canonical UUID-shaped id whose text order is the order of n.
std::string TestId(long long n) {
  const std::string digits = std::to_string(n);
  return "00000000-0000-7000-8000-" + std::string(12 - digits.size(), '0') + digits;
}

Timestamp At(int seconds) { return BaseTime() + std::chrono::seconds(seconds); }

spi::LedgerAccountRecord ProposedAccount(long long n, AccountKind kind, std::string owner,
                                         std::string currency = "INR") {
  spi::LedgerAccountRecord account;
  account.id = TestId(100'000 + n);
  account.kind = kind;
  account.owner_id = std::move(owner);
  account.currency = std::move(currency);
  account.created_at = BaseTime();
  account.updated_at = BaseTime();
  return account;
}

spi::TransferRecord SampleTransfer(long long n, const std::string& from, const std::string& to,
                                   std::int64_t amount, TransferKind kind, TransferStatus status,
                                   Timestamp created_at) {
  spi::TransferRecord transfer;
  transfer.id = TestId(200'000 + n);
  transfer.idempotency_key = "test:" + std::to_string(n);
  transfer.request_hash = "hash-" + std::to_string(n);
  transfer.kind = kind;
  transfer.from_account_id = from;
  transfer.to_account_id = to;
  transfer.amount = amount;
  transfer.currency = "INR";
  transfer.status = status;
  transfer.reference = "ref " + std::to_string(n);
  transfer.created_at = created_at;
  if (status != TransferStatus::kPending) transfer.resolved_at = created_at;
  return transfer;
}

// The single-row forms the tests use, through the batched methods (the only ones the SPI has).
Result<spi::LedgerAccountRecord> EnsureOne(LedgerRepository& ledger,
                                           const spi::LedgerAccountRecord& proposed,
                                           LockMode lock) {
  auto stored = ledger.EnsureAccounts({proposed}, lock);
  if (!stored.ok()) return stored.status();
  if (stored->size() != 1)
    return Internal("EnsureAccounts returned " + std::to_string(stored->size()) +
                    " rows for one ref");
  return stored->front();
}
Status InsertOne(LedgerRepository& ledger, const spi::TransferRecord& transfer) {
  return ledger.InsertTransfers({transfer});
}
Result<spi::TransferRecord> FindByKey(LedgerRepository& ledger, const std::string& key) {
  auto found = ledger.FindTransfersByKeys({key});
  if (!found.ok()) return found.status();
  if (found->empty()) return NotFound("transfer_not_found", "no such transfer");
  return found->front();
}

// Creates the accounts (zero balances) and returns their ids.
std::vector<std::string> EnsureAccounts(spi::Storage& storage,
                                        const std::vector<spi::LedgerAccountRecord>& proposed) {
  std::vector<std::string> ids;
  REQUIRE_OK(WriteLedger(storage, [&](LedgerRepository& ledger) -> Status {
    ids.clear();
    for (const auto& account : proposed) {
      auto stored = EnsureOne(ledger, account, LockMode::kForUpdate);
      if (!stored.ok()) return stored.status();
      ids.push_back(stored->id);
    }
    return Status::Ok();
  }));
  return ids;
}

// Records `transfer` the way a ledger service would, keeping the cached balances true: a posted
// transfer writes its two entries and moves the posted balances, a pending one the holds.
Status Record(LedgerRepository& ledger, const spi::TransferRecord& transfer) {
  EV_TEST_RETURN_IF_ERROR(InsertOne(ledger, transfer));
  auto from = ledger.FindAccountById(transfer.from_account_id, LockMode::kForUpdate);
  if (!from.ok()) return from.status();
  auto to = ledger.FindAccountById(transfer.to_account_id, LockMode::kForUpdate);
  if (!to.ok()) return to.status();
  if (transfer.status == TransferStatus::kPosted) {
    from->posted -= transfer.amount;
    to->posted += transfer.amount;
    EV_TEST_RETURN_IF_ERROR(ledger.InsertEntries({
        {transfer.id, from->id, -transfer.amount, from->posted, transfer.created_at},
        {transfer.id, to->id, transfer.amount, to->posted, transfer.created_at},
    }));
  } else if (transfer.status == TransferStatus::kPending) {
    from->pending_debits += transfer.amount;
    to->pending_credits += transfer.amount;
  }
  from->updated_at = to->updated_at = transfer.created_at;
  EV_TEST_RETURN_IF_ERROR(ledger.UpdateAccountBalances(*from));
  return ledger.UpdateAccountBalances(*to);
}

void CheckSameTransfer(const spi::TransferRecord& got, const spi::TransferRecord& want) {
  BOOST_TEST_CONTEXT("transfer " << want.id) {
    BOOST_TEST(got.id == want.id);
    BOOST_TEST(got.idempotency_key == want.idempotency_key);
    BOOST_TEST(got.request_hash == want.request_hash);
    BOOST_TEST((got.kind == want.kind));
    BOOST_TEST(got.from_account_id == want.from_account_id);
    BOOST_TEST(got.to_account_id == want.to_account_id);
    BOOST_TEST(got.amount == want.amount);
    BOOST_TEST(got.currency == want.currency);
    BOOST_TEST((got.status == want.status));
    BOOST_TEST(got.reference == want.reference);
    BOOST_TEST((got.void_cause == want.void_cause));
    BOOST_TEST(got.void_note == want.void_note);
    BOOST_TEST((got.created_at == want.created_at));
    BOOST_TEST((got.expires_at == want.expires_at));
    BOOST_TEST((got.resolved_at == want.resolved_at));
  }
}

std::vector<std::string> IdsOf(const std::vector<spi::TransferRow>& rows) {
  std::vector<std::string> ids;
  for (const auto& row : rows) ids.push_back(row.transfer.id);
  return ids;
}

// A fresh database whose URL the test keeps, for raw sessions.
struct LedgerStorage {
  LedgerStorage() : url(FreshDatabaseUrl()) {
    spi::SociStorageOptions options;
    options.url = url;
    storage = OpenStorageOrFail(options);
  }
  std::string url;
  std::shared_ptr<spi::Storage> storage;
};

// Three accounts most tests use: a user's wallet, the gateway clearing account, an event escrow.
struct ThreeAccounts : LedgerStorage {
  ThreeAccounts() {
    const auto ids =
        EnsureAccounts(*storage, {ProposedAccount(1, AccountKind::kUserWallet, "user-1"),
                                  ProposedAccount(2, AccountKind::kGatewayClearing, ""),
                                  ProposedAccount(3, AccountKind::kEscrow, "event-1")});
    wallet = ids[0];
    clearing = ids[1];
    escrow = ids[2];
  }
  std::string wallet, clearing, escrow;
  const AccountRef wallet_ref{AccountKind::kUserWallet, "user-1", "INR"};
  const AccountRef clearing_ref{AccountKind::kGatewayClearing, "", "INR"};
  const AccountRef escrow_ref{AccountKind::kEscrow, "event-1", "INR"};
};

// ---- Schema -------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_SUITE(ledger_schema, LedgerStorage)

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

// ---- Accounts -----------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_SUITE(ledger_accounts, LedgerStorage)

BOOST_AUTO_TEST_CASE(ensure_account_creates_once_and_returns_the_stored_row) {
  const auto first = ProposedAccount(1, AccountKind::kUserWallet, "user-1");
  auto second = ProposedAccount(2, AccountKind::kUserWallet, "user-1");  // same ref, new id
  second.posted = 77;  // ignored: the stored row wins
  auto other_currency = ProposedAccount(3, AccountKind::kUserWallet, "user-1", "USD");
  auto platform = ProposedAccount(4, AccountKind::kPlatformRevenue, "");

  EXPECT_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    auto created = EnsureOne(ledger, first, LockMode::kForUpdate);
    BOOST_REQUIRE_MESSAGE(created.ok(), created.status().ToString());
    BOOST_TEST(created->id == first.id);
    BOOST_TEST((created->kind == AccountKind::kUserWallet));
    BOOST_TEST(created->owner_id == "user-1");
    BOOST_TEST(created->currency == "INR");
    BOOST_TEST(created->posted == 0);
    BOOST_TEST(created->pending_debits == 0);
    BOOST_TEST(created->pending_credits == 0);
    BOOST_TEST((created->created_at == BaseTime()));

    auto again = EnsureOne(ledger, second, LockMode::kNone);
    BOOST_REQUIRE(again.ok());
    BOOST_TEST(again->id == first.id);
    BOOST_TEST(again->posted == 0);

    auto usd = EnsureOne(ledger, other_currency, LockMode::kNone);
    BOOST_REQUIRE(usd.ok());
    BOOST_TEST(usd->id == other_currency.id);
    auto revenue = EnsureOne(ledger, platform, LockMode::kNone);
    BOOST_REQUIRE(revenue.ok());
    BOOST_TEST(revenue->owner_id == "");
    return Status::Ok();
  }));

  // Committed: a later transaction finds the same rows, and ensuring again changes nothing.
  EXPECT_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    auto again = EnsureOne(ledger, second, LockMode::kForUpdate);
    BOOST_REQUIRE(again.ok());
    BOOST_TEST(again->id == first.id);
    auto by_ref =
        ledger.FindAccount({AccountKind::kUserWallet, "user-1", "INR"}, LockMode::kForUpdate);
    BOOST_REQUIRE(by_ref.ok());
    BOOST_TEST(by_ref->id == first.id);
    auto by_id = ledger.FindAccountById(platform.id, LockMode::kNone);
    BOOST_REQUIRE(by_id.ok());
    BOOST_TEST((by_id->kind == AccountKind::kPlatformRevenue));
    return Status::Ok();
  }));
  EXPECT_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) {
    auto accounts = ledger.ListAccounts();
    BOOST_REQUIRE(accounts.ok());
    BOOST_TEST(accounts->size() == 3u);
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(missing_accounts_are_account_not_found) {
  EXPECT_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    auto by_ref = ledger.FindAccount({AccountKind::kEscrow, "nope", "INR"}, LockMode::kNone);
    BOOST_TEST(by_ref.status().code() == StatusCode::kNotFound);
    BOOST_TEST(by_ref.status().reason() == "account_not_found");
    auto locked = ledger.FindAccountById(TestId(9), LockMode::kForUpdate);
    BOOST_TEST(locked.status().reason() == "account_not_found");
    Status update = ledger.UpdateAccountBalances(ProposedAccount(9, AccountKind::kEscrow, "x"));
    BOOST_TEST(update.code() == StatusCode::kNotFound);
    BOOST_TEST(update.reason() == "account_not_found");
    return Status::Ok();  // nothing failed a statement: the transaction commits
  }));
}

BOOST_AUTO_TEST_CASE(an_id_taken_by_another_ref_is_refused) {
  EnsureAccounts(*storage, {ProposedAccount(1, AccountKind::kUserWallet, "user-1")});
  auto clash = ProposedAccount(1, AccountKind::kUserWallet, "user-2");
  Status status = WriteLedger(*storage, [&](LedgerRepository& ledger) {
    return EnsureOne(ledger, clash, LockMode::kNone).status();
  });
  BOOST_TEST(status.code() == StatusCode::kAlreadyExists);
}

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

BOOST_AUTO_TEST_CASE(balances_round_trip_in_64_bits_and_posted_may_be_negative) {
  const auto ids =
      EnsureAccounts(*storage, {ProposedAccount(1, AccountKind::kGatewayClearing, "")});
  spi::LedgerAccountRecord changed;
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) -> Status {
    auto account = ledger.FindAccountById(ids[0], LockMode::kForUpdate);
    if (!account.ok()) return account.status();
    changed = *account;
    changed.posted = -3 * kFiveBillion;
    changed.pending_debits = kFiveBillion + 1;
    changed.pending_credits = (1LL << 40) + 7;
    changed.updated_at = FromMicros(4'102'444'800'123'457LL);
    return ledger.UpdateAccountBalances(changed);
  }));
  EXPECT_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) {
    auto account = ledger.FindAccount({AccountKind::kGatewayClearing, "", "INR"}, LockMode::kNone);
    BOOST_REQUIRE(account.ok());
    BOOST_TEST(account->posted == -3 * kFiveBillion);
    BOOST_TEST(account->pending_debits == kFiveBillion + 1);
    BOOST_TEST(account->pending_credits == (1LL << 40) + 7);
    BOOST_TEST((account->updated_at == changed.updated_at));
    BOOST_TEST((account->created_at == BaseTime()));
    return Status::Ok();
  }));

  // Negative holds break a CHECK constraint: the write fails and nothing of it stays.
  changed.pending_debits = -1;
  changed.posted = 1;
  Status refused = WriteLedger(
      *storage, [&](LedgerRepository& ledger) { return ledger.UpdateAccountBalances(changed); });
  BOOST_TEST(!refused.ok());
  EXPECT_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) {
    BOOST_TEST(ledger.FindAccountById(ids[0], LockMode::kNone)->posted == -3 * kFiveBillion);
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(writes_are_refused_in_read_only_transactions) {
  Status status = ReadLedger(*storage, [&](LedgerRepository& ledger) {
    return EnsureOne(ledger, ProposedAccount(1, AccountKind::kEscrow, "e"), LockMode::kNone)
        .status();
  });
  BOOST_TEST(!status.ok());
  EXPECT_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) {
    BOOST_TEST(ledger.ListAccounts()->empty());
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- Transfers ----------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_SUITE(ledger_transfers, ThreeAccounts)

BOOST_AUTO_TEST_CASE(insert_then_find_by_id_and_key) {
  auto pending = SampleTransfer(1, wallet, escrow, kFiveBillion, TransferKind::kDebit,
                                TransferStatus::kPending, At(10));
  pending.expires_at = FromMicros(4'102'444'800'123'457LL);
  auto posted = SampleTransfer(2, clearing, wallet, 1, TransferKind::kCredit,
                               TransferStatus::kPosted, At(11));
  posted.reference = "";
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    EV_TEST_RETURN_IF_ERROR(InsertOne(ledger, pending));
    return InsertOne(ledger, posted);
  }));

  EXPECT_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) {
    auto by_id = ledger.FindTransfer(pending.id, LockMode::kNone);
    BOOST_REQUIRE_MESSAGE(by_id.ok(), by_id.status().ToString());
    CheckSameTransfer(*by_id, pending);
    auto by_key = FindByKey(ledger, posted.idempotency_key);
    BOOST_REQUIRE(by_key.ok());
    CheckSameTransfer(*by_key, posted);
    auto count = ledger.CountTransfers();
    BOOST_REQUIRE(count.ok());
    BOOST_TEST(*count == 2);
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(missing_transfers_are_transfer_not_found) {
  EXPECT_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    auto by_id = ledger.FindTransfer(TestId(1), LockMode::kForUpdate);
    BOOST_TEST(by_id.status().code() == StatusCode::kNotFound);
    BOOST_TEST(by_id.status().reason() == "transfer_not_found");
    auto by_key = FindByKey(ledger, "nope");
    BOOST_TEST(by_key.status().reason() == "transfer_not_found");
    Status update = ledger.UpdateTransferStatus(
        SampleTransfer(1, wallet, escrow, 1, TransferKind::kDebit, TransferStatus::kVoided, At(0)));
    BOOST_TEST(update.code() == StatusCode::kNotFound);
    BOOST_TEST(update.reason() == "transfer_not_found");
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(a_taken_key_is_idempotency_key_taken_and_the_transaction_goes_on) {
  const auto first =
      SampleTransfer(1, wallet, escrow, 100, TransferKind::kDebit, TransferStatus::kPosted, At(1));
  auto reuse =
      SampleTransfer(2, wallet, escrow, 999, TransferKind::kDebit, TransferStatus::kPosted, At(2));
  reuse.idempotency_key = first.idempotency_key;
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    EV_TEST_RETURN_IF_ERROR(InsertOne(ledger, first));
    Status taken = InsertOne(ledger, reuse);  // same transaction
    BOOST_TEST(taken.code() == StatusCode::kAlreadyExists);
    BOOST_TEST(taken.reason() == "idempotency_key_taken");
    reuse.idempotency_key = "test:other";
    return InsertOne(ledger, reuse);
  }));

  // And across transactions, with the duplicate id told apart from the duplicate key.
  auto again =
      SampleTransfer(3, wallet, escrow, 5, TransferKind::kDebit, TransferStatus::kPosted, At(3));
  again.idempotency_key = first.idempotency_key;
  auto same_id =
      SampleTransfer(1, wallet, escrow, 5, TransferKind::kDebit, TransferStatus::kPosted, At(3));
  same_id.idempotency_key = "test:fresh";
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    Status taken = InsertOne(ledger, again);
    BOOST_TEST(taken.reason() == "idempotency_key_taken");
    Status duplicate_id = InsertOne(ledger, same_id);
    BOOST_TEST(duplicate_id.code() == StatusCode::kAlreadyExists);
    BOOST_TEST(duplicate_id.reason() != "idempotency_key_taken");
    auto found = FindByKey(ledger, first.idempotency_key);
    BOOST_REQUIRE(found.ok());
    BOOST_TEST(found->id == first.id);
    BOOST_TEST(found->amount == 100);
    return Status::Ok();
  }));
  EXPECT_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) {
    BOOST_TEST(*ledger.CountTransfers() == 2);
    BOOST_TEST(FindByKey(ledger, "test:other")->id == reuse.id);
    return Status::Ok();
  }));
}

// Writes do not check references (no foreign keys since migration 3: the ledger writes a transfer,
// its accounts and its entries in one transaction); a broken one is what the audit reports.
BOOST_AUTO_TEST_CASE(a_transfer_naming_a_missing_account_is_stored_and_reported_as_unsound) {
  const auto ghost_account = SampleTransfer(1, wallet, TestId(424242), 1, TransferKind::kDebit,
                                            TransferStatus::kPending, At(0));
  REQUIRE_OK(WriteLedger(
      *storage, [&](LedgerRepository& ledger) { return InsertOne(ledger, ghost_account); }));
  REQUIRE_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) -> Status {
    auto unsound = ledger.FindUnbalancedTransfers(10);
    if (!unsound.ok()) return unsound.status();
    BOOST_TEST(*unsound == std::vector<std::string>{ghost_account.id},
               boost::test_tools::per_element());
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(update_transfer_status_writes_status_reason_and_resolution) {
  auto hold =
      SampleTransfer(1, wallet, escrow, 300, TransferKind::kDebit, TransferStatus::kPending, At(1));
  hold.expires_at = At(600);
  auto other =
      SampleTransfer(2, wallet, escrow, 400, TransferKind::kDebit, TransferStatus::kPending, At(2));
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    EV_TEST_RETURN_IF_ERROR(InsertOne(ledger, hold));
    return InsertOne(ledger, other);
  }));

  hold.status = TransferStatus::kVoided;
  hold.void_cause = VoidCause::kExpired;
  hold.resolved_at = At(601);
  other.status = TransferStatus::kPosted;
  other.resolved_at = At(5);
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    auto locked = ledger.FindTransfer(hold.id, LockMode::kForUpdate);
    if (!locked.ok()) return locked.status();
    EV_TEST_RETURN_IF_ERROR(ledger.UpdateTransferStatus(hold));
    return ledger.UpdateTransferStatus(other);
  }));
  EXPECT_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) {
    CheckSameTransfer(*ledger.FindTransfer(hold.id, LockMode::kNone), hold);
    CheckSameTransfer(*ledger.FindTransfer(other.id, LockMode::kNone), other);
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- Entries ------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_SUITE(ledger_entries, ThreeAccounts)

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

BOOST_AUTO_TEST_CASE(an_entry_written_twice_fails_the_transaction) {
  const auto transfer = SampleTransfer(1, clearing, wallet, 10, TransferKind::kCredit,
                                       TransferStatus::kPosted, At(1));
  Status status = WriteLedger(*storage, [&](LedgerRepository& ledger) {
    EV_TEST_RETURN_IF_ERROR(InsertOne(ledger, transfer));
    return ledger.InsertEntries(
        {{transfer.id, wallet, 10, 10, At(1)}, {transfer.id, wallet, 10, 20, At(1)}});
  });
  BOOST_TEST(status.code() == StatusCode::kAlreadyExists);
  EXPECT_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) {
    BOOST_TEST(*ledger.CountTransfers() == 0);  // rolled back
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

// ---- Expiry sweep -------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_SUITE(ledger_expiry, ThreeAccounts)

BOOST_AUTO_TEST_CASE(expired_pending_transfers_soonest_first_up_to_the_limit) {
  std::vector<spi::TransferRecord> transfers;
  auto add = [&](int n, TransferStatus status, std::optional<int> expires_in) {
    auto t = SampleTransfer(n, wallet, escrow, 10, TransferKind::kDebit, status, At(0));
    if (expires_in) t.expires_at = At(*expires_in);
    transfers.push_back(t);
  };
  add(1, TransferStatus::kPending, 300);           // expired third
  add(2, TransferStatus::kPending, 100);           // expired first
  add(3, TransferStatus::kPending, 200);           // expired second (tie broken by id)
  add(4, TransferStatus::kPending, 500);           // expires exactly now: included
  add(5, TransferStatus::kPending, 501);           // not yet
  add(6, TransferStatus::kPending, std::nullopt);  // never expires
  add(7, TransferStatus::kPosted, 50);             // resolved: not pending any more
  add(8, TransferStatus::kVoided, 50);
  add(0, TransferStatus::kPending, 200);  // same expiry as 3, smaller id
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    for (const auto& t : transfers) EV_TEST_RETURN_IF_ERROR(InsertOne(ledger, t));
    return Status::Ok();
  }));

  EXPECT_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) {
    auto all = ledger.ListExpiredPending(At(500), 100);
    BOOST_REQUIRE(all.ok());
    const std::vector<std::string> expected = {TestId(200'002), TestId(200'000), TestId(200'003),
                                               TestId(200'001), TestId(200'004)};
    BOOST_TEST(*all == expected, boost::test_tools::per_element());
    auto first_two = ledger.ListExpiredPending(At(500), 2);
    BOOST_REQUIRE(first_two.ok());
    BOOST_TEST(*first_two == std::vector<std::string>(expected.begin(), expected.begin() + 2),
               boost::test_tools::per_element());
    BOOST_TEST(ledger.ListExpiredPending(At(99), 10)->empty());
    BOOST_TEST(ledger.ListExpiredPending(At(500), 0)->empty());
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(expired_holds_are_summed_per_account_and_direction) {
  std::vector<spi::TransferRecord> transfers;
  auto add = [&](int n, const std::string& from, const std::string& to, std::int64_t amount,
                 TransferStatus status, std::optional<int> expires_in) {
    auto t = SampleTransfer(n, from, to, amount, TransferKind::kDebit, status, At(0));
    if (expires_in) t.expires_at = At(*expires_in);
    transfers.push_back(t);
  };
  add(1, wallet, escrow, kFiveBillion, TransferStatus::kPending, 100);  // out, expired
  add(2, wallet, escrow, 20, TransferStatus::kPending, 500);            // out, expires now
  add(3, wallet, escrow, 40, TransferStatus::kPending, 501);            // out, not yet
  add(4, clearing, wallet, 300, TransferStatus::kPending, 200);         // in, expired
  add(5, clearing, wallet, 7, TransferStatus::kPending, std::nullopt);  // in, never expires
  add(6, clearing, wallet, 9, TransferStatus::kVoided, 50);             // resolved
  add(7, clearing, escrow, 11, TransferStatus::kPending, 50);           // another account
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    for (const auto& t : transfers) EV_TEST_RETURN_IF_ERROR(InsertOne(ledger, t));
    return Status::Ok();
  }));
  EXPECT_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) {
    auto holds = ledger.SumExpiredHolds(wallet, At(500));
    BOOST_REQUIRE_MESSAGE(holds.ok(), holds.status().ToString());
    BOOST_TEST(holds->debits == kFiveBillion + 20);
    BOOST_TEST(holds->credits == 300);
    auto earlier = ledger.SumExpiredHolds(wallet, At(99));
    BOOST_REQUIRE(earlier.ok());
    BOOST_TEST(earlier->debits == 0);
    BOOST_TEST(earlier->credits == 0);
    auto escrow_holds = ledger.SumExpiredHolds(escrow, At(500));
    BOOST_REQUIRE(escrow_holds.ok());
    BOOST_TEST(escrow_holds->credits == kFiveBillion + 20 + 11);
    BOOST_TEST(escrow_holds->debits == 0);
    auto unknown = ledger.SumExpiredHolds(TestId(999), At(500));
    BOOST_REQUIRE(unknown.ok());
    BOOST_TEST(unknown->debits == 0);
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- History ------------------------------------------------------------------------------------

// The wallet's story: topped up 1000, paid 300, holds 200, refunded 100; plus a transfer that
// does not touch the wallet.
struct WalletStory : ThreeAccounts {
  WalletStory() {
    topup = SampleTransfer(1, clearing, wallet, 1000, TransferKind::kCredit,
                           TransferStatus::kPosted, At(10));
    payment = SampleTransfer(2, wallet, escrow, 300, TransferKind::kDebit, TransferStatus::kPosted,
                             At(20));
    hold = SampleTransfer(3, wallet, escrow, 200, TransferKind::kDebit, TransferStatus::kPending,
                          At(30));
    hold.expires_at = At(900);
    refund = SampleTransfer(4, escrow, wallet, 100, TransferKind::kRefund, TransferStatus::kPosted,
                            At(40));
    unrelated = SampleTransfer(5, clearing, escrow, 7, TransferKind::kCredit,
                               TransferStatus::kPosted, At(25));
    REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
      for (const auto* t : {&topup, &payment, &unrelated, &hold, &refund}) {  // time order
        EV_TEST_RETURN_IF_ERROR(Record(ledger, *t));
      }
      return Status::Ok();
    }));
  }

  std::vector<spi::TransferRow> History(const spi::HistoryFilter& filter) {
    std::vector<spi::TransferRow> rows;
    REQUIRE_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) -> Status {
      auto page = ledger.ListHistory(filter);
      if (!page.ok()) return page.status();
      rows = std::move(page).value();
      return Status::Ok();
    }));
    return rows;
  }
  spi::HistoryFilter Of(const std::string& account) {
    spi::HistoryFilter filter;
    filter.account_id = account;
    filter.limit = 100;
    return filter;
  }

  spi::TransferRecord topup, payment, hold, refund, unrelated;
};

BOOST_FIXTURE_TEST_SUITE(ledger_history, WalletStory)

BOOST_AUTO_TEST_CASE(both_directions_newest_first_with_refs_and_balance_after) {
  const auto rows = History(Of(wallet));
  const std::vector<std::string> expected = {refund.id, hold.id, payment.id, topup.id};
  BOOST_TEST(IdsOf(rows) == expected, boost::test_tools::per_element());
  BOOST_REQUIRE(rows.size() == 4u);

  CheckSameTransfer(rows[0].transfer, refund);
  BOOST_TEST((rows[0].from == escrow_ref));
  BOOST_TEST((rows[0].to == wallet_ref));
  BOOST_TEST(rows[0].balance_after.value_or(-1) == 800);

  CheckSameTransfer(rows[1].transfer, hold);  // pending: no entry, no balance yet
  BOOST_TEST(!rows[1].balance_after.has_value());
  BOOST_TEST((rows[1].from == wallet_ref));
  BOOST_TEST((rows[1].to == escrow_ref));

  BOOST_TEST(rows[2].balance_after.value_or(-1) == 700);
  BOOST_TEST((rows[3].from == clearing_ref));
  BOOST_TEST((rows[3].to == wallet_ref));
  BOOST_TEST(rows[3].balance_after.value_or(-1) == 1000);

  // The other side of the same transfers: the escrow's own balances.
  const auto escrow_rows = History(Of(escrow));
  const std::vector<std::string> escrow_expected = {refund.id, hold.id, unrelated.id, payment.id};
  BOOST_TEST(IdsOf(escrow_rows) == escrow_expected, boost::test_tools::per_element());
  BOOST_REQUIRE(escrow_rows.size() == 4u);
  BOOST_TEST(escrow_rows[0].balance_after.value_or(-1) == 207);
  BOOST_TEST(escrow_rows[2].balance_after.value_or(-1) == 307);
  BOOST_TEST(escrow_rows[3].balance_after.value_or(-1) == 300);

  BOOST_TEST(History(Of(TestId(999))).empty());
}

BOOST_AUTO_TEST_CASE(filters_by_kind_status_and_date_range) {
  auto filter = Of(wallet);
  filter.kind = TransferKind::kDebit;
  BOOST_TEST(IdsOf(History(filter)) == (std::vector<std::string>{hold.id, payment.id}),
             boost::test_tools::per_element());

  filter = Of(wallet);
  filter.status = TransferStatus::kPosted;
  BOOST_TEST(IdsOf(History(filter)) == (std::vector<std::string>{refund.id, payment.id, topup.id}),
             boost::test_tools::per_element());

  filter.kind = TransferKind::kDebit;
  BOOST_TEST(IdsOf(History(filter)) == std::vector<std::string>{payment.id},
             boost::test_tools::per_element());

  filter = Of(wallet);
  filter.from = At(20);   // inclusive
  filter.until = At(40);  // exclusive
  BOOST_TEST(IdsOf(History(filter)) == (std::vector<std::string>{hold.id, payment.id}),
             boost::test_tools::per_element());

  filter = Of(wallet);
  filter.kind = TransferKind::kWithdrawal;
  BOOST_TEST(History(filter).empty());

  filter = Of(wallet);
  filter.limit = 2;
  BOOST_TEST(IdsOf(History(filter)) == (std::vector<std::string>{refund.id, hold.id}),
             boost::test_tools::per_element());
  filter.limit = 0;
  BOOST_TEST(History(filter).empty());
}

// The hold expires at 900: from then on a reader's status filter counts it as voided.
BOOST_AUTO_TEST_CASE(as_of_reads_a_lapsed_hold_as_voided) {
  auto filter = Of(wallet);
  filter.status = TransferStatus::kPending;
  BOOST_TEST(IdsOf(History(filter)) == std::vector<std::string>{hold.id},
             boost::test_tools::per_element());
  filter.as_of = At(899);
  BOOST_TEST(IdsOf(History(filter)) == std::vector<std::string>{hold.id},
             boost::test_tools::per_element());
  filter.as_of = At(900);
  BOOST_TEST(History(filter).empty());
  filter.status = TransferStatus::kVoided;
  BOOST_TEST(IdsOf(History(filter)) == std::vector<std::string>{hold.id},
             boost::test_tools::per_element());
  filter.as_of = At(899);
  BOOST_TEST(History(filter).empty());
  filter.status = TransferStatus::kPosted;
  filter.as_of = At(900);
  BOOST_TEST(IdsOf(History(filter)) == (std::vector<std::string>{refund.id, payment.id, topup.id}),
             boost::test_tools::per_element());

  spi::TransferFilter queue;
  queue.kind = TransferKind::kDebit;
  queue.status = TransferStatus::kPending;
  queue.limit = 10;
  queue.as_of = At(900);
  REQUIRE_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) -> Status {
    auto pending = ledger.ListTransfers(queue);
    if (!pending.ok()) return pending.status();
    BOOST_TEST(pending->empty());
    queue.status = TransferStatus::kVoided;
    auto voided = ledger.ListTransfers(queue);
    if (!voided.ok()) return voided.status();
    BOOST_TEST(IdsOf(*voided) == std::vector<std::string>{hold.id},
               boost::test_tools::per_element());
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_SUITE_END()

// Many transfers in both directions sharing created_at values, ids not in time order.
BOOST_FIXTURE_TEST_CASE(history_pages_cover_everything_once_with_equal_timestamps, ThreeAccounts) {
  constexpr int kTransfers = 25;
  struct Key {
    Timestamp created_at;
    std::string id;
    bool posted;
  };
  std::vector<Key> keys;
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) -> Status {
    keys.clear();
    for (int i = 0; i < kTransfers; ++i) {
      const bool out = i % 2 == 0;
      const auto status = i % 3 == 0 ? TransferStatus::kPending : TransferStatus::kPosted;
      // ids scrambled: (i * 7) % 25 is a permutation of 0..24.
      auto t = SampleTransfer((i * 7) % kTransfers, out ? wallet : clearing,
                              out ? clearing : wallet, 10 + i, TransferKind::kCredit, status,
                              At(i / 4));  // groups of four equal timestamps
      EV_TEST_RETURN_IF_ERROR(Record(ledger, t));
      keys.push_back({t.created_at, t.id, status == TransferStatus::kPosted});
    }
    // Noise that must never show up.
    return Record(ledger, SampleTransfer(100, clearing, escrow, 1, TransferKind::kCredit,
                                         TransferStatus::kPosted, At(3)));
  }));
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return std::tie(a.created_at, a.id) > std::tie(b.created_at, b.id);
  });

  auto read_all = [&](int limit, std::optional<TransferStatus> status) {
    std::vector<std::string> seen;
    spi::HistoryFilter filter;
    filter.account_id = wallet;
    filter.status = status;
    filter.limit = limit;
    for (int page = 0; page < 100; ++page) {
      std::vector<spi::TransferRow> rows;
      REQUIRE_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) -> Status {
        auto result = ledger.ListHistory(filter);
        if (!result.ok()) return result.status();
        rows = std::move(result).value();
        return Status::Ok();
      }));
      BOOST_TEST(rows.size() <= static_cast<std::size_t>(limit));
      for (const auto& row : rows) {
        seen.push_back(row.transfer.id);
        BOOST_TEST(row.balance_after.has_value() ==
                   (row.transfer.status == TransferStatus::kPosted));
      }
      if (rows.size() < static_cast<std::size_t>(limit)) break;
      filter.before = spi::TransferCursor{rows.back().transfer.created_at, rows.back().transfer.id};
    }
    return seen;
  };

  std::vector<std::string> expected;
  for (const auto& key : keys) expected.push_back(key.id);
  for (int limit : {1, 4, 5, 7, 100}) {
    BOOST_TEST_CONTEXT("limit " << limit) {
      const auto seen = read_all(limit, std::nullopt);
      BOOST_TEST(seen == expected, boost::test_tools::per_element());
      BOOST_TEST(std::set<std::string>(seen.begin(), seen.end()).size() == seen.size());
    }
  }
  std::vector<std::string> posted;
  for (const auto& key : keys) {
    if (key.posted) posted.push_back(key.id);
  }
  BOOST_TEST(read_all(3, TransferStatus::kPosted) == posted, boost::test_tools::per_element());
}

// ---- Queues -------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(list_transfers_by_kind_and_status_newest_first, ThreeAccounts) {
  const auto payable =
      EnsureAccounts(*storage, {ProposedAccount(4, AccountKind::kWithdrawalsPayable, "")})[0];
  std::vector<spi::TransferRecord> transfers = {
      SampleTransfer(1, wallet, payable, 10, TransferKind::kWithdrawal, TransferStatus::kPending,
                     At(1)),
      SampleTransfer(2, wallet, payable, 20, TransferKind::kWithdrawal, TransferStatus::kPosted,
                     At(2)),
      SampleTransfer(3, escrow, payable, 30, TransferKind::kWithdrawal, TransferStatus::kPending,
                     At(3)),
      SampleTransfer(4, clearing, wallet, 40, TransferKind::kCredit, TransferStatus::kPending,
                     At(3)),
      SampleTransfer(5, wallet, payable, 50, TransferKind::kWithdrawal, TransferStatus::kPending,
                     At(3)),
  };
  transfers[0].expires_at = At(100);
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    for (const auto& t : transfers) EV_TEST_RETURN_IF_ERROR(Record(ledger, t));
    return Status::Ok();
  }));

  auto list = [&](spi::TransferFilter filter) {
    std::vector<spi::TransferRow> rows;
    REQUIRE_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) -> Status {
      auto result = ledger.ListTransfers(filter);
      if (!result.ok()) return result.status();
      rows = std::move(result).value();
      return Status::Ok();
    }));
    return rows;
  };
  auto id = [&](int i) { return transfers[i - 1].id; };

  spi::TransferFilter queue;
  queue.kind = TransferKind::kWithdrawal;
  queue.status = TransferStatus::kPending;
  const auto pending = list(queue);
  BOOST_TEST(IdsOf(pending) == (std::vector<std::string>{id(5), id(3), id(1)}),
             boost::test_tools::per_element());
  BOOST_REQUIRE(pending.size() == 3u);
  CheckSameTransfer(pending[2].transfer, transfers[0]);
  BOOST_TEST((pending[2].from == wallet_ref));
  BOOST_TEST((pending[2].to == AccountRef{AccountKind::kWithdrawalsPayable, "", "INR"}));
  BOOST_TEST((pending[1].from == escrow_ref));
  BOOST_TEST(!pending[0].balance_after.has_value());

  queue.limit = 2;  // and the next page from the cursor
  const auto first_page = list(queue);
  BOOST_TEST(IdsOf(first_page) == (std::vector<std::string>{id(5), id(3)}),
             boost::test_tools::per_element());
  queue.before =
      spi::TransferCursor{first_page.back().transfer.created_at, first_page.back().transfer.id};
  BOOST_TEST(IdsOf(list(queue)) == std::vector<std::string>{id(1)},
             boost::test_tools::per_element());

  spi::TransferFilter by_kind;
  by_kind.kind = TransferKind::kWithdrawal;
  BOOST_TEST(IdsOf(list(by_kind)) == (std::vector<std::string>{id(5), id(3), id(2), id(1)}),
             boost::test_tools::per_element());
  spi::TransferFilter by_status;
  by_status.status = TransferStatus::kPending;
  BOOST_TEST(IdsOf(list(by_status)) == (std::vector<std::string>{id(5), id(4), id(3), id(1)}),
             boost::test_tools::per_element());
  BOOST_TEST(list(spi::TransferFilter{}).size() == 5u);
}

// ---- Batched forms ------------------------------------------------------------------------------

// A committed batch of transfers; the test fails when it does not commit.
void InsertCommitted(spi::Storage& storage, const std::vector<spi::TransferRecord>& transfers) {
  REQUIRE_OK(WriteLedger(
      storage, [&](LedgerRepository& ledger) { return ledger.InsertTransfers(transfers); }));
}

// The stored transfers with these keys, by key.
std::map<std::string, spi::TransferRecord> TransfersByKey(spi::Storage& storage,
                                                          const std::vector<std::string>& keys) {
  std::map<std::string, spi::TransferRecord> found;
  REQUIRE_OK(ReadLedger(storage, [&](LedgerRepository& ledger) -> Status {
    auto result = ledger.FindTransfersByKeys(keys);
    if (!result.ok()) return result.status();
    found.clear();
    for (const auto& transfer : *result) {
      BOOST_TEST(found.count(transfer.idempotency_key) == 0u);  // each row once
      found[transfer.idempotency_key] = transfer;
    }
    return Status::Ok();
  }));
  return found;
}

// EnsureAccounts in its own committed transaction.
std::vector<spi::LedgerAccountRecord> EnsureBatch(
    spi::Storage& storage, const std::vector<spi::LedgerAccountRecord>& proposed) {
  std::vector<spi::LedgerAccountRecord> stored;
  REQUIRE_OK(WriteLedger(storage, [&](LedgerRepository& ledger) -> Status {
    auto result = ledger.EnsureAccounts(proposed, LockMode::kForUpdate);
    if (!result.ok()) return result.status();
    stored = std::move(result).value();
    return Status::Ok();
  }));
  return stored;
}

std::map<std::string, spi::LedgerAccountRecord> AccountsById(spi::Storage& storage) {
  std::map<std::string, spi::LedgerAccountRecord> accounts;
  REQUIRE_OK(ReadLedger(storage, [&](LedgerRepository& ledger) -> Status {
    auto result = ledger.ListAccounts();
    if (!result.ok()) return result.status();
    accounts.clear();
    for (const auto& account : *result) accounts[account.id] = account;
    return Status::Ok();
  }));
  return accounts;
}

bool StrictlyIncreasingIds(const std::vector<spi::LedgerAccountRecord>& accounts) {
  return std::adjacent_find(accounts.begin(), accounts.end(), [](const auto& a, const auto& b) {
           return a.id >= b.id;
         }) == accounts.end();
}

std::int64_t TransferCount(spi::Storage& storage) {
  std::int64_t count = -1;
  REQUIRE_OK(ReadLedger(storage, [&](LedgerRepository& ledger) -> Status {
    auto result = ledger.CountTransfers();
    if (!result.ok()) return result.status();
    count = *result;
    return Status::Ok();
  }));
  return count;
}

BOOST_FIXTURE_TEST_SUITE(ledger_batches, ThreeAccounts)

BOOST_AUTO_TEST_CASE(find_transfers_by_keys_returns_each_stored_transfer_once) {
  auto pending = SampleTransfer(1, wallet, escrow, kFiveBillion, TransferKind::kDebit,
                                TransferStatus::kPending, At(10));
  pending.expires_at = FromMicros(4'102'444'800'123'457LL);
  auto posted = SampleTransfer(2, clearing, wallet, 1, TransferKind::kCredit,
                               TransferStatus::kPosted, At(11));
  auto other = SampleTransfer(3, clearing, wallet, 2, TransferKind::kCredit,
                              TransferStatus::kPosted, At(12));
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    for (const auto* t : {&pending, &posted, &other}) {
      EV_TEST_RETURN_IF_ERROR(InsertOne(ledger, *t));
    }
    return Status::Ok();
  }));

  BOOST_TEST(TransfersByKey(*storage, {}).empty());
  BOOST_TEST(TransfersByKey(*storage, {"test:missing"}).empty());
  const auto found = TransfersByKey(*storage, {posted.idempotency_key, "test:missing",
                                               pending.idempotency_key, posted.idempotency_key});
  BOOST_REQUIRE(found.size() == 2u);
  CheckSameTransfer(found.at(pending.idempotency_key), pending);
  CheckSameTransfer(found.at(posted.idempotency_key), posted);
}

BOOST_AUTO_TEST_CASE(insert_transfers_writes_batches_larger_than_one_statement) {
  constexpr int kTransfers = 2'500;
  std::vector<spi::TransferRecord> batch;
  for (int i = 0; i < kTransfers; ++i) {
    const auto status = i % 3 == 0   ? TransferStatus::kPending
                        : i % 3 == 1 ? TransferStatus::kPosted
                                     : TransferStatus::kVoided;
    auto t = SampleTransfer(i, i % 2 == 0 ? wallet : clearing, escrow, kFiveBillion + i,
                            i % 2 == 0 ? TransferKind::kDebit : TransferKind::kSettlement, status,
                            At(i));
    if (status == TransferStatus::kPending && i % 2 == 0) t.expires_at = At(i + 600);
    if (status == TransferStatus::kVoided && i % 2 == 0) t.void_cause = VoidCause::kExpired;
    if (status == TransferStatus::kVoided && i % 2 == 1) {
      t.void_cause = VoidCause::kDeclinedByAdmin;
      t.void_note = "expired";
    }
    if (i % 7 == 0) t.reference = "";
    batch.push_back(t);
  }
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    EV_TEST_RETURN_IF_ERROR(ledger.InsertTransfers({}));  // nothing to do
    return ledger.InsertTransfers(batch);
  }));
  BOOST_TEST(TransferCount(*storage) == kTransfers);

  // Every key, listed twice, among more missing keys than one statement carries.
  std::vector<std::string> keys;
  for (const auto& t : batch) keys.push_back(t.idempotency_key);
  for (int i = 0; i < 31'000; ++i) keys.push_back("missing:" + std::to_string(i));
  for (const auto& t : batch) keys.push_back(t.idempotency_key);
  const auto found = TransfersByKey(*storage, keys);
  BOOST_REQUIRE(found.size() == batch.size());
  for (const auto& t : batch) {
    BOOST_REQUIRE(found.count(t.idempotency_key) == 1u);
    CheckSameTransfer(found.at(t.idempotency_key), t);
  }
}

BOOST_AUTO_TEST_CASE(a_taken_key_is_idempotency_key_taken_and_nothing_of_the_batch_stays) {
  const auto first =
      SampleTransfer(1, wallet, escrow, 100, TransferKind::kDebit, TransferStatus::kPosted, At(1));
  InsertCommitted(*storage, {first});

  // A large batch with one taken key: the rows before it were inserted, and go with the rollback.
  std::vector<spi::TransferRecord> batch;
  std::vector<std::string> batch_keys;
  for (int i = 0; i < 2'500; ++i) {
    auto t = SampleTransfer(1'000 + i, wallet, escrow, 5, TransferKind::kDebit,
                            TransferStatus::kPosted, At(2));
    t.idempotency_key = "batch:" + std::to_string(i);
    batch.push_back(t);
    batch_keys.push_back(t.idempotency_key);
  }
  auto clash =
      SampleTransfer(99, wallet, escrow, 999, TransferKind::kDebit, TransferStatus::kPosted, At(2));
  clash.idempotency_key = first.idempotency_key;
  batch.insert(batch.begin() + 1'000, clash);

  Status status = WriteLedger(*storage, [&](LedgerRepository& ledger) -> Status {
    Status taken = ledger.InsertTransfers(batch);
    BOOST_TEST(taken.code() == StatusCode::kAlreadyExists);
    BOOST_TEST(taken.reason() == "idempotency_key_taken");
    // No statement failed: the transaction is still usable (the caller reads the winners).
    auto winner = ledger.FindTransfersByKeys({first.idempotency_key});
    BOOST_REQUIRE_MESSAGE(winner.ok(), winner.status().ToString());
    BOOST_REQUIRE(winner->size() == 1u);
    BOOST_TEST(winner->front().id == first.id);
    BOOST_TEST(winner->front().amount == 100);
    return taken;  // rolls the batch back
  });
  BOOST_TEST(status.reason() == "idempotency_key_taken");
  BOOST_TEST(TransferCount(*storage) == 1);
  BOOST_TEST(TransfersByKey(*storage, batch_keys).empty());

  // The same key twice in one batch.
  auto twin_a =
      SampleTransfer(10, wallet, escrow, 1, TransferKind::kDebit, TransferStatus::kPosted, At(3));
  auto twin_b =
      SampleTransfer(11, wallet, escrow, 2, TransferKind::kDebit, TransferStatus::kPosted, At(3));
  twin_b.idempotency_key = twin_a.idempotency_key;
  status = WriteLedger(*storage, [&](LedgerRepository& ledger) {
    return ledger.InsertTransfers({twin_a, twin_b});
  });
  BOOST_TEST(status.code() == StatusCode::kAlreadyExists);
  BOOST_TEST(status.reason() == "idempotency_key_taken");

  // A reused id with a fresh key is a caller bug, told apart from a taken key.
  auto same_id =
      SampleTransfer(1, wallet, escrow, 5, TransferKind::kDebit, TransferStatus::kPosted, At(3));
  same_id.idempotency_key = "test:fresh";
  status = WriteLedger(*storage, [&](LedgerRepository& ledger) {
    return ledger.InsertTransfers({twin_a, same_id});
  });
  BOOST_TEST(status.code() == StatusCode::kAlreadyExists);
  BOOST_TEST(status.reason() == "transfer_exists");

  // Both in one batch: a taken key is what the batch is told.
  auto taken_key =
      SampleTransfer(12, wallet, escrow, 6, TransferKind::kDebit, TransferStatus::kPosted, At(3));
  taken_key.idempotency_key = first.idempotency_key;
  status = WriteLedger(*storage, [&](LedgerRepository& ledger) {
    return ledger.InsertTransfers({same_id, taken_key});
  });
  BOOST_TEST(status.reason() == "idempotency_key_taken");
  BOOST_TEST(TransferCount(*storage) == 1);
}

BOOST_AUTO_TEST_CASE(ensure_accounts_returns_one_stored_row_per_ref_sorted_by_id) {
  // The wallet has history: negative posted, holds beyond 2^32.
  spi::LedgerAccountRecord wallet_state;
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) -> Status {
    auto account = ledger.FindAccountById(wallet, LockMode::kForUpdate);
    if (!account.ok()) return account.status();
    wallet_state = *account;
    wallet_state.posted = -3 * kFiveBillion;
    wallet_state.pending_debits = kFiveBillion + 1;
    wallet_state.pending_credits = (1LL << 40) + 7;
    wallet_state.updated_at = At(99);
    return ledger.UpdateAccountBalances(wallet_state);
  }));

  // New refs proposed with ids in reverse ref order, the wallet's ref again under a new id and
  // with a balance (both ignored), and a new ref twice (its first proposal wins).
  auto wallet_again = ProposedAccount(50, AccountKind::kUserWallet, "user-1");
  wallet_again.posted = 77;
  const auto user_2 = ProposedAccount(40, AccountKind::kUserWallet, "user-2");
  const auto user_3 = ProposedAccount(30, AccountKind::kUserWallet, "user-3");
  const auto user_3_again = ProposedAccount(20, AccountKind::kUserWallet, "user-3");
  const auto user_3_usd = ProposedAccount(10, AccountKind::kUserWallet, "user-3", "USD");
  const std::vector<spi::LedgerAccountRecord> proposed = {user_3,       wallet_again, user_2,
                                                          user_3_again, user_3_usd,   wallet_again};

  std::vector<spi::LedgerAccountRecord> stored;
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) -> Status {
    auto none = ledger.EnsureAccounts({}, LockMode::kForUpdate);
    BOOST_REQUIRE_MESSAGE(none.ok(), none.status().ToString());
    BOOST_TEST(none->empty());
    auto result = ledger.EnsureAccounts(proposed, LockMode::kForUpdate);
    if (!result.ok()) return result.status();
    stored = std::move(result).value();
    return Status::Ok();
  }));
  const std::vector<std::string> expected_ids = {wallet, user_3_usd.id, user_3.id, user_2.id};
  std::vector<std::string> ids;
  for (const auto& account : stored) ids.push_back(account.id);
  BOOST_TEST(ids == expected_ids, boost::test_tools::per_element());
  BOOST_TEST(StrictlyIncreasingIds(stored));
  BOOST_REQUIRE(stored.size() == 4u);
  BOOST_TEST(stored[0].posted == -3 * kFiveBillion);
  BOOST_TEST(stored[0].pending_debits == kFiveBillion + 1);
  BOOST_TEST(stored[0].pending_credits == (1LL << 40) + 7);
  BOOST_TEST((stored[0].updated_at == At(99)));
  BOOST_TEST((stored[1].kind == AccountKind::kUserWallet));
  BOOST_TEST(stored[1].owner_id == "user-3");
  BOOST_TEST(stored[1].currency == "USD");
  BOOST_TEST(stored[2].currency == "INR");
  BOOST_TEST(stored[3].owner_id == "user-2");
  BOOST_TEST(stored[3].posted == 0);
  BOOST_TEST((stored[3].created_at == BaseTime()));

  // Committed, and ensuring again (with the existing refs among new ones) adds only the new.
  const auto platform = ProposedAccount(60, AccountKind::kPlatformRevenue, "");
  const auto escrow_again = ProposedAccount(70, AccountKind::kEscrow, "event-1");
  const auto again = EnsureBatch(*storage, {user_2, platform, user_3_again, escrow_again});
  std::vector<std::string> again_ids;
  for (const auto& account : again) again_ids.push_back(account.id);
  BOOST_TEST(again_ids == (std::vector<std::string>{escrow, user_3.id, user_2.id, platform.id}),
             boost::test_tools::per_element());
  BOOST_TEST(AccountsById(*storage).size() == 7u);
}

// The batched methods send their rows as array parameters on PostgreSQL: text that array syntax
// would otherwise read as a separator, a quote, an escape, a NULL or an empty element must come
// back exactly as it was written.
BOOST_AUTO_TEST_CASE(batched_text_values_round_trip_whatever_characters_they_hold) {
  const std::vector<std::string> awkward = {"",
                                            "NULL",
                                            "null",
                                            "a,b",
                                            "{braces}",
                                            "quote\"d",
                                            "back\\slash",
                                            "trailing\\",
                                            " spaced ",
                                            "semi;colon",
                                            "$1",
                                            "'single'",
                                            "unicode \u00e9\u20ac"};
  std::vector<spi::LedgerAccountRecord> proposed;
  for (std::size_t i = 0; i < awkward.size(); ++i) {
    proposed.push_back(
        ProposedAccount(static_cast<long long>(50 + i), AccountKind::kEscrow, awkward[i]));
  }
  const auto stored = EnsureBatch(*storage, proposed);
  BOOST_REQUIRE(stored.size() == awkward.size());
  std::set<std::string> owners;
  for (const auto& account : stored) owners.insert(account.owner_id);
  BOOST_TEST(owners == std::set<std::string>(awkward.begin(), awkward.end()),
             boost::test_tools::per_element());
  BOOST_TEST(EnsureBatch(*storage, proposed).size() == awkward.size());  // found, not re-created

  std::vector<spi::TransferRecord> batch;
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < awkward.size(); ++i) {
    auto t = SampleTransfer(static_cast<long long>(700 + i), wallet, escrow, 1,
                            TransferKind::kDebit, TransferStatus::kPosted, At(static_cast<int>(i)));
    t.idempotency_key = "key " + awkward[i];
    t.reference = awkward[i];
    keys.push_back(t.idempotency_key);
    batch.push_back(t);
  }
  InsertCommitted(*storage, batch);
  const auto found = TransfersByKey(*storage, keys);
  BOOST_REQUIRE(found.size() == batch.size());
  for (const auto& t : batch) CheckSameTransfer(found.at(t.idempotency_key), t);
}

BOOST_AUTO_TEST_CASE(ensure_accounts_refuses_an_id_taken_by_another_ref) {
  auto clash = ProposedAccount(1, AccountKind::kUserWallet, "user-2");  // the wallet's id
  Status status = WriteLedger(*storage, [&](LedgerRepository& ledger) {
    return ledger
        .EnsureAccounts({ProposedAccount(7, AccountKind::kEscrow, "event-7"), clash},
                        LockMode::kNone)
        .status();
  });
  BOOST_TEST(status.code() == StatusCode::kAlreadyExists);
  BOOST_TEST(status.reason() == "ledger_account_exists");
  BOOST_TEST(AccountsById(*storage).size() == 3u);
}

BOOST_AUTO_TEST_CASE(update_accounts_balances_writes_the_last_record_of_each_id) {
  auto accounts = AccountsById(*storage);
  auto w = accounts.at(wallet);
  auto c = accounts.at(clearing);
  c.posted = -(kFiveBillion + 3);
  c.pending_credits = 1;
  c.updated_at = At(5);
  auto w_old = w;
  w_old.posted = 1;
  w.posted = kFiveBillion + 3;
  w.pending_debits = (1LL << 40) + 9;
  w.pending_credits = 2;
  w.updated_at = FromMicros(4'102'444'800'123'457LL);
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    EV_TEST_RETURN_IF_ERROR(ledger.UpdateAccountsBalances({}));  // nothing to do
    return ledger.UpdateAccountsBalances({w_old, c, w});
  }));
  accounts = AccountsById(*storage);
  const auto& w_stored = accounts.at(wallet);
  BOOST_TEST(w_stored.posted == kFiveBillion + 3);
  BOOST_TEST(w_stored.pending_debits == (1LL << 40) + 9);
  BOOST_TEST(w_stored.pending_credits == 2);
  BOOST_TEST((w_stored.updated_at == w.updated_at));
  BOOST_TEST((w_stored.created_at == BaseTime()));
  BOOST_TEST(accounts.at(clearing).posted == -(kFiveBillion + 3));
  BOOST_TEST(accounts.at(clearing).pending_credits == 1);
  BOOST_TEST((accounts.at(clearing).updated_at == At(5)));
  BOOST_TEST(accounts.at(escrow).posted == 0);

  // An unknown id: account_not_found, without failing a statement.
  auto unknown = ProposedAccount(9, AccountKind::kEscrow, "x");
  c.posted = 5;
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) -> Status {
    Status status = ledger.UpdateAccountsBalances({c, unknown});
    BOOST_TEST(status.code() == StatusCode::kNotFound);
    BOOST_TEST(status.reason() == "account_not_found");
    return ledger.FindAccountById(wallet, LockMode::kNone).status();  // still usable
  }));

  // Negative holds break a CHECK: the write fails and nothing of it stays.
  c.posted = 6;
  w.pending_debits = -1;
  Status refused = WriteLedger(*storage, [&](LedgerRepository& ledger) {
    return ledger.UpdateAccountsBalances({c, w});
  });
  BOOST_TEST(!refused.ok());
  BOOST_TEST(AccountsById(*storage).at(clearing).posted == 5);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_CASE(many_accounts_are_ensured_and_updated_across_statements, LedgerStorage) {
  // Ids in reverse order of the owners, so that id order is not the order of the proposals.
  auto proposal = [](int i) {
    auto account = ProposedAccount(0, AccountKind::kUserWallet, "owner-" + std::to_string(i));
    account.id = TestId(500'000 - i);
    return account;
  };
  std::vector<spi::LedgerAccountRecord> first_batch;
  for (int i = 0; i < 3'500; ++i) first_batch.push_back(proposal(i));
  const auto first = EnsureBatch(*storage, first_batch);
  BOOST_TEST(first.size() == first_batch.size());
  BOOST_TEST(StrictlyIncreasingIds(first));

  // More refs than one statement resolves, half of them existing, shuffled, some twice.
  std::vector<spi::LedgerAccountRecord> second_batch;
  for (int i = 0; i < 11'000; ++i) second_batch.push_back(proposal(i));
  for (int i = 0; i < 11'000; i += 10) second_batch.push_back(proposal(i));
  std::shuffle(second_batch.begin(), second_batch.end(), std::mt19937(7));
  const auto second = EnsureBatch(*storage, second_batch);
  BOOST_REQUIRE(second.size() == 11'000u);
  BOOST_TEST(StrictlyIncreasingIds(second));
  BOOST_TEST(second.front().id == TestId(500'000 - 10'999));
  BOOST_TEST(second.back().id == TestId(500'000));

  std::vector<spi::LedgerAccountRecord> changed = second;
  for (std::size_t i = 0; i < changed.size(); ++i) {
    const auto n = static_cast<std::int64_t>(i);
    changed[i].posted = i % 2 == 0 ? -(kFiveBillion + n) : kFiveBillion + n;
    changed[i].pending_debits = (1LL << 40) + n;
    changed[i].pending_credits = n;
    changed[i].updated_at = At(static_cast<int>(i));
  }
  std::shuffle(changed.begin(), changed.end(), std::mt19937(8));
  REQUIRE_OK(WriteLedger(
      *storage, [&](LedgerRepository& ledger) { return ledger.UpdateAccountsBalances(changed); }));
  const auto stored = AccountsById(*storage);
  BOOST_REQUIRE(stored.size() == changed.size());
  int mismatches = 0;
  for (const auto& want : changed) {
    const auto& got = stored.at(want.id);
    if (got.posted != want.posted || got.pending_debits != want.pending_debits ||
        got.pending_credits != want.pending_credits || got.updated_at != want.updated_at ||
        got.created_at != BaseTime()) {
      ++mismatches;
    }
  }
  BOOST_TEST(mismatches == 0);
}

// ---- Batches under concurrency ------------------------------------------------------------------

BOOST_FIXTURE_TEST_SUITE(ledger_batch_locks, LedgerStorage)

std::vector<spi::LedgerAccountRecord> Refs(int first, int last, std::string_view prefix,
                                           long long id_base) {
  std::vector<spi::LedgerAccountRecord> refs;
  for (int i = first; i < last; ++i) {
    auto account =
        ProposedAccount(0, AccountKind::kEscrow, std::string(prefix) + std::to_string(i));
    account.id = TestId(id_base + i);
    refs.push_back(account);
  }
  return refs;
}

// A holds its batch's rows (and sleeps) while B asks for an overlapping batch in reverse order:
// B waits until A commits and then sees A's writes. `existing`: the refs exist beforehand (B waits
// on row locks) or are new (on PostgreSQL B's insert waits for A's uncommitted rows).
void CheckOverlappingBatchesSerialise(spi::Storage& storage, bool existing) {
  if (existing) EnsureBatch(storage, Refs(0, 15, "event-", 1'000));
  const auto a_refs = Refs(0, 10, "event-", 2'000);  // ids differ from B's proposals
  auto b_refs = Refs(5, 15, "event-", 3'000);
  std::reverse(b_refs.begin(), b_refs.end());

  std::latch a_locked(1);
  std::atomic<bool> signalled{false};
  auto signal_locked = [&] {  // once, whether A got its rows, failed, or was retried
    if (!signalled.exchange(true)) a_locked.count_down();
  };
  std::map<std::string, std::string> a_ids;  // ref owner -> id
  std::map<std::string, std::string> b_ids;
  std::map<std::string, std::int64_t> b_saw_posted;  // ref owner -> posted when B got the row
  Status a_status, b_status;
  std::thread a([&] {
    a_status = WriteLedger(storage, [&](LedgerRepository& ledger) -> Status {
      auto rows = ledger.EnsureAccounts(a_refs, LockMode::kForUpdate);
      if (!rows.ok()) return rows.status();
      for (const auto& row : *rows) a_ids[row.owner_id] = row.id;
      signal_locked();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      for (auto& row : *rows) row.posted += 1;
      return ledger.UpdateAccountsBalances(*rows);
    });
    signal_locked();
  });
  std::thread b([&] {
    a_locked.wait();
    b_status = WriteLedger(storage, [&](LedgerRepository& ledger) -> Status {
      auto rows = ledger.EnsureAccounts(b_refs, LockMode::kForUpdate);
      if (!rows.ok()) return rows.status();
      for (auto& row : *rows) {
        b_ids[row.owner_id] = row.id;
        b_saw_posted[row.owner_id] = row.posted;
        row.posted += 10;
      }
      return ledger.UpdateAccountsBalances(*rows);
    });
  });
  a.join();
  b.join();
  BOOST_REQUIRE_MESSAGE(a_status.ok(), a_status.ToString());
  BOOST_REQUIRE_MESSAGE(b_status.ok(), b_status.ToString());
  BOOST_REQUIRE(b_saw_posted.size() == 10u);
  for (int i = 5; i < 15; ++i) {
    const std::string owner = "event-" + std::to_string(i);
    BOOST_TEST_CONTEXT(owner) {
      BOOST_TEST(b_saw_posted.at(owner) == (i < 10 ? 1 : 0));  // A had committed
      if (i < 10) BOOST_TEST(b_ids.at(owner) == a_ids.at(owner));
    }
  }
  const auto accounts = AccountsById(storage);
  BOOST_TEST(accounts.size() == 15u);
  for (const auto& [id, account] : accounts) {
    const int i = std::stoi(account.owner_id.substr(6));
    BOOST_TEST_CONTEXT(account.owner_id) {
      BOOST_TEST(account.posted == (i < 5 ? 1 : i < 10 ? 11 : 10));
    }
  }
}

BOOST_AUTO_TEST_CASE(overlapping_batches_of_existing_accounts_serialise) {
  CheckOverlappingBatchesSerialise(*storage, /*existing=*/true);
}

BOOST_AUTO_TEST_CASE(overlapping_batches_of_new_accounts_serialise_on_one_row_per_ref) {
  CheckOverlappingBatchesSerialise(*storage, /*existing=*/false);
}

// Threads lock overlapping batches, existing and new refs, each in its own order, round after
// round. A deadlock would come back as kAborted and make Run retry the body: every body must run
// exactly once, and no increment may be lost.
BOOST_AUTO_TEST_CASE(overlapping_batches_in_different_orders_never_deadlock) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 15;
  constexpr int kShared = 24;      // existing accounts; each thread takes 16 of them
  constexpr int kNewPerRound = 6;  // new refs every thread proposes in the round
  EnsureBatch(*storage, Refs(0, kShared, "shared-", 10'000));

  std::atomic<int> attempts{0};
  std::vector<Status> statuses(kThreads);
  std::barrier round_start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(100 + t);
      for (int round = 0; round < kRounds; ++round) {
        auto refs = Refs(0, kShared, "shared-", 10'000);
        std::rotate(refs.begin(), refs.begin() + 3 * t, refs.end());
        refs.resize(16);
        auto fresh = Refs(0, kNewPerRound, "round-" + std::to_string(round) + "-",
                          100'000 * (t + 1) + 100 * round);
        refs.insert(refs.end(), fresh.begin(), fresh.end());
        std::shuffle(refs.begin(), refs.end(), random);
        round_start.arrive_and_wait();
        Status status = WriteLedger(*storage, [&](LedgerRepository& ledger) -> Status {
          ++attempts;
          auto rows = ledger.EnsureAccounts(refs, LockMode::kForUpdate);
          if (!rows.ok()) return rows.status();
          for (auto& row : *rows) row.posted += 1;
          std::shuffle(rows->begin(), rows->end(), random);
          return ledger.UpdateAccountsBalances(*rows);
        });
        if (!status.ok() && statuses[t].ok()) statuses[t] = status;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& status : statuses) BOOST_CHECK_MESSAGE(status.ok(), status.ToString());
  BOOST_TEST(attempts.load() == kThreads * kRounds);

  std::map<std::string, int> expected;  // owner -> increments
  for (int t = 0; t < kThreads; ++t) {
    for (int k = 0; k < 16; ++k) ++expected["shared-" + std::to_string((3 * t + k) % kShared)];
  }
  for (int round = 0; round < kRounds; ++round) {
    for (int k = 0; k < kNewPerRound; ++k) {
      expected["round-" + std::to_string(round) + "-" + std::to_string(k)] = kThreads;
    }
  }
  for (auto& [owner, increments] : expected) {
    if (owner.starts_with("shared-")) increments *= kRounds;
  }
  const auto accounts = AccountsById(*storage);
  BOOST_TEST(accounts.size() == expected.size());
  for (const auto& [id, account] : accounts) {
    BOOST_TEST_CONTEXT(account.owner_id) {
      BOOST_REQUIRE(expected.count(account.owner_id) == 1u);
      BOOST_TEST(account.posted == expected.at(account.owner_id));
    }
  }
}

// Nodes racing with the same keys in different orders: per round exactly one batch commits and
// the others find its keys taken, without a deadlock (which Run would retry) on the way.
BOOST_AUTO_TEST_CASE(batches_racing_for_the_same_keys_never_deadlock) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 10;
  constexpr int kKeys = 40;
  const auto ids = EnsureBatch(*storage, Refs(0, 2, "race-", 1'000));
  BOOST_REQUIRE(ids.size() == 2u);

  std::atomic<int> attempts{0};
  std::vector<std::vector<Status>> statuses(kThreads, std::vector<Status>(kRounds));
  std::barrier round_start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(200 + t);
      for (int round = 0; round < kRounds; ++round) {
        std::vector<spi::TransferRecord> batch;
        for (int k = 0; k < kKeys; ++k) {
          auto transfer =
              SampleTransfer(100'000 * (t + 1) + 100 * round + k, ids[0].id, ids[1].id, 1,
                             TransferKind::kCredit, TransferStatus::kPosted, At(round));
          transfer.idempotency_key = "race:" + std::to_string(round) + ":" + std::to_string(k);
          batch.push_back(transfer);
        }
        std::shuffle(batch.begin(), batch.end(), random);
        round_start.arrive_and_wait();
        statuses[t][round] = WriteLedger(*storage, [&](LedgerRepository& ledger) {
          ++attempts;
          return ledger.InsertTransfers(batch);
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  BOOST_TEST(attempts.load() == kThreads * kRounds);
  for (int round = 0; round < kRounds; ++round) {
    int committed = 0;
    for (int t = 0; t < kThreads; ++t) {
      const Status& status = statuses[t][round];
      if (status.ok()) {
        ++committed;
      } else {
        BOOST_TEST(status.reason() == "idempotency_key_taken", status.ToString());
      }
    }
    BOOST_TEST(committed == 1, "round " << round);
  }
  BOOST_TEST(TransferCount(*storage) == kRounds * kKeys);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- Audit --------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_SUITE(ledger_audit, WalletStory)

// Totals recomputed from the entries and pending transfers, by account id.
std::map<std::string, spi::AccountTotals> Totals(spi::Storage& storage) {
  std::map<std::string, spi::AccountTotals> totals;
  REQUIRE_OK(ReadLedger(storage, [&](LedgerRepository& ledger) -> Status {
    auto result = ledger.RecomputeTotals();
    if (!result.ok()) return result.status();
    for (const auto& t : *result) totals[t.account_id] = t;
    return Status::Ok();
  }));
  return totals;
}

std::map<std::string, spi::LedgerAccountRecord> Cached(spi::Storage& storage) {
  std::map<std::string, spi::LedgerAccountRecord> cached;
  REQUIRE_OK(ReadLedger(storage, [&](LedgerRepository& ledger) -> Status {
    auto result = ledger.ListAccounts();
    if (!result.ok()) return result.status();
    for (const auto& a : *result) cached[a.id] = a;
    return Status::Ok();
  }));
  return cached;
}

std::vector<std::string> Unbalanced(spi::Storage& storage, int limit) {
  std::vector<std::string> ids;
  REQUIRE_OK(ReadLedger(storage, [&](LedgerRepository& ledger) -> Status {
    auto result = ledger.FindUnbalancedTransfers(limit);
    if (!result.ok()) return result.status();
    ids = std::move(result).value();
    return Status::Ok();
  }));
  return ids;
}

// Accounts whose cached balances differ from the recomputed ones.
std::vector<std::string> Mismatched(spi::Storage& storage) {
  std::vector<std::string> ids;
  const auto totals = Totals(storage);
  for (const auto& [id, account] : Cached(storage)) {
    const auto it = totals.find(id);
    if (it == totals.end() || it->second.entries_sum != account.posted ||
        it->second.pending_debits != account.pending_debits ||
        it->second.pending_credits != account.pending_credits) {
      ids.push_back(id);
    }
  }
  return ids;
}

BOOST_AUTO_TEST_CASE(a_sound_ledger_recomputes_to_its_cached_balances) {
  // An account nobody used still gets its (zero) totals.
  const auto idle = EnsureAccounts(*storage, {ProposedAccount(9, AccountKind::kEscrow, "idle")})[0];
  const auto totals = Totals(*storage);
  BOOST_TEST(totals.size() == 4u);
  BOOST_REQUIRE(totals.count(idle) == 1u);
  BOOST_TEST(totals.at(idle).entries_sum == 0);
  BOOST_TEST(totals.at(idle).pending_debits == 0);
  BOOST_TEST(totals.at(wallet).entries_sum == 800);
  BOOST_TEST(totals.at(wallet).pending_debits == 200);
  BOOST_TEST(totals.at(wallet).pending_credits == 0);
  BOOST_TEST(totals.at(escrow).entries_sum == 207);
  BOOST_TEST(totals.at(escrow).pending_credits == 200);
  BOOST_TEST(totals.at(clearing).entries_sum == -1007);
  std::int64_t sum = 0;
  for (const auto& [id, t] : totals) sum += t.entries_sum;
  BOOST_TEST(sum == 0);

  BOOST_TEST(Mismatched(*storage).empty());
  BOOST_TEST(Unbalanced(*storage, 100).empty());
  EXPECT_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) {
    BOOST_TEST(*ledger.CountTransfers() == 5);
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(a_cached_balance_off_by_one_is_detected) {
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) -> Status {
    auto account = ledger.FindAccountById(wallet, LockMode::kForUpdate);
    if (!account.ok()) return account.status();
    account->posted += 1;
    return ledger.UpdateAccountBalances(*account);
  }));
  BOOST_TEST(Mismatched(*storage) == std::vector<std::string>{wallet},
             boost::test_tools::per_element());
  BOOST_TEST(Unbalanced(*storage, 100).empty());  // the entries themselves are sound
}

BOOST_AUTO_TEST_CASE(entries_that_do_not_pair_up_are_detected) {
  // A posted transfer with only its debit, one whose credit has the wrong amount, a posted one
  // without any entry, and a pending one that has an entry.
  auto lonely =
      SampleTransfer(11, wallet, escrow, 50, TransferKind::kDebit, TransferStatus::kPosted, At(50));
  auto wrong_amount =
      SampleTransfer(12, wallet, escrow, 60, TransferKind::kDebit, TransferStatus::kPosted, At(51));
  auto empty =
      SampleTransfer(13, wallet, escrow, 70, TransferKind::kDebit, TransferStatus::kPosted, At(52));
  auto pending = SampleTransfer(14, wallet, escrow, 80, TransferKind::kDebit,
                                TransferStatus::kPending, At(53));
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    for (const auto* t : {&lonely, &wrong_amount, &empty, &pending}) {
      EV_TEST_RETURN_IF_ERROR(InsertOne(ledger, *t));
    }
    return ledger.InsertEntries({
        {lonely.id, wallet, -50, 750, At(50)},
        {wrong_amount.id, wallet, -60, 690, At(51)},
        {wrong_amount.id, escrow, 61, 268, At(51)},
        {pending.id, escrow, 80, 348, At(53)},
    });
  }));

  const std::vector<std::string> expected = {lonely.id, wrong_amount.id, empty.id, pending.id};
  BOOST_TEST(Unbalanced(*storage, 100) == expected, boost::test_tools::per_element());
  BOOST_TEST(
      Unbalanced(*storage, 2) == std::vector<std::string>(expected.begin(), expected.begin() + 2),
      boost::test_tools::per_element());
  // The stray entries also move the recomputed totals away from the cached balances.
  BOOST_TEST(Mismatched(*storage) == (std::vector<std::string>{wallet, escrow}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(entries_naming_a_missing_transfer_are_reported_once_by_its_id) {
  const std::string ghost_transfer = TestId(999'999);
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) {
    return ledger.InsertEntries({
        {ghost_transfer, wallet, -5, 795, At(60)},
        {ghost_transfer, escrow, 5, 205, At(60)},
    });
  }));
  BOOST_TEST(Unbalanced(*storage, 100) == std::vector<std::string>{ghost_transfer},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
