// Conformance: what the ledger store lists — a wallet's history with keyset pagination, the
// queues of transfers by kind and status, the audit queries — through the public SPI only, on the
// storage the factory hook gives (storage_conformance.h).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "eventify/spi/ledger_repository.h"
#include "ledger_helpers.h"

namespace eventify::testing {
namespace {

using spi::LedgerRepository;
using spi::LockMode;
using spi::TransactionMode;

// ---- History ------------------------------------------------------------------------------------

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
