// Conformance: the ledger store's batched forms the commit pipeline uses — statements chunked
// whatever the batch size, text values of any content, locks taken in a sorted order so that
// overlapping batches serialise and never deadlock — through the public SPI only, on the storage
// the factory hook gives (storage_conformance.h).
#include <algorithm>
#include <atomic>
#include <barrier>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <latch>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "eventify/spi/ledger_repository.h"
#include "ledger_helpers.h"

namespace eventify::testing {
namespace {

using spi::LedgerRepository;
using spi::LockMode;
using spi::TransactionMode;

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

}  // namespace
}  // namespace eventify::testing
