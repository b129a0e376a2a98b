// Conformance: the ledger store's contract (spi/ledger_repository.h) row by row — accounts created
// once, 64-bit balances, transfers and their idempotency keys, entries, the expiry sweep —
// through the public SPI only, on the storage the factory hook gives (storage_conformance.h).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "eventify/spi/ledger_repository.h"
#include "ledger_helpers.h"

namespace eventify::testing {
namespace {

using spi::LedgerRepository;
using spi::LockMode;
using spi::TransactionMode;

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

BOOST_AUTO_TEST_CASE(find_accounts_reads_the_accounts_of_many_refs_at_once) {
  // More escrows than one IN list holds (500), an escrow in another currency and a wallet whose
  // owner id is an event's.
  std::vector<spi::LedgerAccountRecord> proposed;
  for (int n = 0; n < 520; ++n) {
    proposed.push_back(ProposedAccount(n, AccountKind::kEscrow, "event-" + std::to_string(n)));
  }
  proposed.push_back(ProposedAccount(600, AccountKind::kEscrow, "event-1", "USD"));
  proposed.push_back(ProposedAccount(601, AccountKind::kUserWallet, "event-2"));
  const auto ids = EnsureAccounts(*storage, proposed);
  REQUIRE_OK(WriteLedger(*storage, [&](LedgerRepository& ledger) -> Status {
    for (const auto& [n, posted] : {std::pair{1, kFiveBillion}, std::pair{520, std::int64_t{7}}}) {
      auto account = ledger.FindAccountById(ids[n], LockMode::kForUpdate);
      if (!account.ok()) return account.status();
      account->posted = posted;
      account->pending_credits = 3;
      EV_TEST_RETURN_IF_ERROR(ledger.UpdateAccountBalances(*account));
    }
    return Status::Ok();
  }));
  auto sorted_ids = [](const std::vector<spi::LedgerAccountRecord>& accounts) {
    std::vector<std::string> out;
    for (const auto& account : accounts) out.push_back(account.id);
    std::sort(out.begin(), out.end());
    return out;
  };

  EXPECT_OK(ReadLedger(*storage, [&](LedgerRepository& ledger) -> Status {
    auto none = ledger.FindAccounts({});
    BOOST_REQUIRE_MESSAGE(none.ok(), none.status().ToString());
    BOOST_TEST(none->empty());

    // Found, missing and repeated refs; the wallet only by its own kind.
    const std::vector<AccountRef> refs = {{AccountKind::kEscrow, "event-1", "INR"},
                                          {AccountKind::kEscrow, "event-2", "INR"},
                                          {AccountKind::kEscrow, "event-1", "INR"},
                                          {AccountKind::kEscrow, "no-event", "INR"},
                                          {AccountKind::kEscrow, "event-1", "USD"},
                                          {AccountKind::kUserWallet, "event-2", "INR"},
                                          {AccountKind::kOrganizerWallet, "event-2", "INR"}};
    auto found = ledger.FindAccounts(refs);
    BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
    BOOST_TEST(sorted_ids(*found) ==
               (std::vector<std::string>{ids[1], ids[2], ids[520], ids[521]}));
    for (const spi::LedgerAccountRecord& account : *found) {
      BOOST_TEST_CONTEXT("account " << account.id) {
        const std::size_t n = std::find(ids.begin(), ids.end(), account.id) - ids.begin();
        BOOST_REQUIRE(n < proposed.size());
        BOOST_TEST((account.kind == proposed[n].kind));
        BOOST_TEST(account.owner_id == proposed[n].owner_id);
        BOOST_TEST(account.currency == proposed[n].currency);
        BOOST_TEST(account.posted == (n == 1 ? kFiveBillion : n == 520 ? 7 : 0));
        BOOST_TEST(account.pending_credits == (n == 1 || n == 520 ? 3 : 0));
        BOOST_TEST(account.pending_debits == 0);
        BOOST_TEST((account.created_at == BaseTime()));
      }
    }
    // The SPI's default (FindAccount per ref) finds the same accounts.
    auto by_default = ledger.LedgerRepository::FindAccounts(refs);
    BOOST_REQUIRE_MESSAGE(by_default.ok(), by_default.status().ToString());
    BOOST_TEST(sorted_ids(*by_default) == sorted_ids(*found));

    // Every escrow of the 520, across IN lists.
    std::vector<AccountRef> escrows;
    for (int n = 519; n >= 0; --n) {
      escrows.push_back({AccountKind::kEscrow, "event-" + std::to_string(n), "INR"});
    }
    auto all = ledger.FindAccounts(escrows);
    BOOST_REQUIRE_MESSAGE(all.ok(), all.status().ToString());
    BOOST_TEST(sorted_ids(*all) == std::vector<std::string>(ids.begin(), ids.begin() + 520));
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

}  // namespace
}  // namespace eventify::testing
