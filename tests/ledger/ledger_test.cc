// The ledger's rules through the Engine, on the backend chosen by EVENTIFY_TEST_BACKEND.
#define BOOST_TEST_MODULE ledger
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <thread>
#include <vector>

#include "eventify/engine.h"
#include "ledger/ledger_fixture.h"

using namespace eventify;
using eventify::testing::Clearing;
using eventify::testing::LedgerFixture;
using eventify::testing::Move;
using eventify::testing::Revenue;
using eventify::testing::Wallet;

namespace {

AccountRef Payable() { return {AccountKind::kWithdrawalsPayable, "", "INR"}; }
AccountRef Escrow(const std::string& event) { return {AccountKind::kEscrow, event, "INR"}; }

// A top-up of 900 into ada's wallet held for 30 minutes.
TransferRequest HalfHourTopUp() {
  TransferRequest topup = Move("t1", Clearing(), Wallet("ada"), 900, TransferKind::kCredit);
  topup.pending = true;
  topup.pending_timeout = std::chrono::minutes(30);
  return topup;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(transfers, LedgerFixture)

BOOST_AUTO_TEST_CASE(a_posted_transfer_moves_money_and_writes_two_entries) {
  auto t =
      ledger().CreateTransfer(Move("k1", Clearing(), Wallet("ada"), 5000, TransferKind::kCredit));
  BOOST_REQUIRE_MESSAGE(t.ok(), t.status().ToString());
  BOOST_TEST((t->status == TransferStatus::kPosted));
  BOOST_TEST(IsValidId(t->id));
  BOOST_TEST(Balance(Wallet("ada")).posted == 5000);
  BOOST_TEST(Balance(Clearing()).posted == -5000);
  auto history = ledger().History(Wallet("ada"), {});
  BOOST_REQUIRE(history.ok());
  BOOST_REQUIRE(history->items.size() == 1u);
  BOOST_TEST(history->items[0].amount == 5000);
  BOOST_TEST((history->items[0].counterparty == Clearing()));
  BOOST_TEST(*history->items[0].balance_after == 5000);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(wallets_never_go_negative) {
  Fund("ada", 1000);
  auto t =
      ledger().CreateTransfer(Move("pay", Wallet("ada"), Revenue(), 1001, TransferKind::kDebit));
  BOOST_TEST(t.status().reason() == "insufficient_funds");
  BOOST_TEST((t.status().code() == StatusCode::kFailedPrecondition));
  BOOST_TEST(Balance(Wallet("ada")).posted == 1000);
  BOOST_TEST(ledger()
                 .CreateTransfer(Move("pay2", Wallet("ada"), Revenue(), 1000, TransferKind::kDebit))
                 .ok());
  BOOST_TEST(Balance(Wallet("ada")).posted == 0);
  // Escrow and revenue are protected too; only the clearing account may go below zero.
  BOOST_TEST(
      ledger()
          .CreateTransfer(Move("esc", Escrow("ev1"), Wallet("ada"), 1, TransferKind::kRefund))
          .status()
          .reason() == "insufficient_funds");
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(bad_requests_are_refused_with_their_field) {
  struct Case {
    TransferRequest request;
    const char* reason;
    const char* field;
  };
  TransferRequest base = Move("ok", Clearing(), Wallet("ada"), 10, TransferKind::kCredit);
  std::vector<Case> cases;
  auto with = [&](auto change, const char* reason, const char* field) {
    TransferRequest r = base;
    change(r);
    cases.push_back({r, reason, field});
  };
  with([](auto& r) { r.amount.minor_units = 0; }, "invalid_amount", "amount");
  with([](auto& r) { r.amount.minor_units = -5; }, "invalid_amount", "amount");
  with([](auto& r) { r.amount.minor_units = 1'000'000'000'000'001LL; }, "invalid_amount", "amount");
  with([](auto& r) { r.amount.currency = "inr"; }, "invalid_currency", "currency");
  with([](auto& r) { r.to.currency = "USD"; }, "currency_mismatch", "currency");
  with([](auto& r) { r.to = r.from; }, "same_account", "to");
  with([](auto& r) { r.to.owner_id = ""; }, "invalid_account", "to");
  with([](auto& r) { r.from.owner_id = "someone"; }, "invalid_account", "from");
  with([](auto& r) { r.idempotency_key = ""; }, "invalid_idempotency_key", "idempotency_key");
  with([](auto& r) { r.idempotency_key = std::string(256, 'k'); }, "invalid_idempotency_key",
       "idempotency_key");
  with([](auto& r) { r.idempotency_key = "tab\tkey"; }, "invalid_idempotency_key",
       "idempotency_key");
  with([](auto& r) { r.reference = std::string(201, 'r'); }, "invalid_reference", "reference");
  with([](auto& r) { r.pending_timeout = std::chrono::minutes(1); }, "invalid_timeout",
       "pending_timeout");
  for (const Case& c : cases) {
    auto t = ledger().CreateTransfer(c.request);
    BOOST_TEST(t.status().reason() == c.reason);
    BOOST_TEST(t.status().field() == c.field);
  }
  BOOST_TEST(Balance(Wallet("ada")).posted == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(idempotency, LedgerFixture)

BOOST_AUTO_TEST_CASE(a_retry_returns_the_original_transfer_and_moves_nothing) {
  const auto request = Move("topup-1", Clearing(), Wallet("bo"), 700, TransferKind::kCredit);
  auto first = ledger().CreateTransfer(request);
  auto second = ledger().CreateTransfer(request);
  BOOST_REQUIRE(first.ok());
  BOOST_REQUIRE(second.ok());
  BOOST_TEST(first->id == second->id);
  BOOST_TEST(Balance(Wallet("bo")).posted == 700);
}

BOOST_AUTO_TEST_CASE(the_same_key_for_another_request_is_refused) {
  BOOST_REQUIRE(ledger()
                    .CreateTransfer(Move("k", Clearing(), Wallet("bo"), 700, TransferKind::kCredit))
                    .ok());
  auto other =
      ledger().CreateTransfer(Move("k", Clearing(), Wallet("bo"), 701, TransferKind::kCredit));
  BOOST_TEST(other.status().reason() == "idempotency_key_reused");
  BOOST_TEST((other.status().code() == StatusCode::kAlreadyExists));
  BOOST_TEST(Balance(Wallet("bo")).posted == 700);
}

BOOST_AUTO_TEST_CASE(a_fingerprint_is_part_of_the_request) {
  TransferRequest request = Move("k", Clearing(), Wallet("bo"), 700, TransferKind::kCredit);
  request.fingerprint = "card:a";
  auto first = ledger().CreateTransfer(request);
  BOOST_REQUIRE(first.ok());
  auto retry = ledger().CreateTransfer(request);
  BOOST_REQUIRE(retry.ok());
  BOOST_TEST(retry->id == first->id);
  request.fingerprint = "card:b";
  BOOST_TEST(ledger().CreateTransfer(request).status().reason() == "idempotency_key_reused");
  request.fingerprint.clear();
  BOOST_TEST(ledger().CreateTransfer(request).status().reason() == "idempotency_key_reused");
  BOOST_TEST(Balance(Wallet("bo")).posted == 700);
}

BOOST_AUTO_TEST_CASE(concurrent_retries_of_one_request_move_money_once) {
  const auto request = Move("race", Clearing(), Wallet("cy"), 300, TransferKind::kCredit);
  std::vector<std::string> ids(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto t = ledger().CreateTransfer(request);
      ids[i] = t.ok() ? t->id : t.status().ToString();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& id : ids) BOOST_TEST(id == ids[0]);
  BOOST_TEST(IsValidId(ids[0]));
  BOOST_TEST(Balance(Wallet("cy")).posted == 300);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(two_phase, LedgerFixture)

BOOST_AUTO_TEST_CASE(a_hold_reserves_funds_until_posted_or_voided) {
  Fund("ada", 1000);
  TransferRequest hold = Move("w1", Wallet("ada"), Payable(), 600, TransferKind::kWithdrawal);
  hold.pending = true;
  auto pending = ledger().CreateTransfer(hold);
  BOOST_REQUIRE(pending.ok());
  BOOST_TEST((pending->status == TransferStatus::kPending));
  auto b = Balance(Wallet("ada"));
  BOOST_TEST(b.posted == 1000);
  BOOST_TEST(b.available() == 400);
  BOOST_TEST(Balance(Payable()).pending_credits == 600);
  // The held money cannot be spent twice.
  TransferRequest second = Move("w2", Wallet("ada"), Payable(), 600, TransferKind::kWithdrawal);
  second.pending = true;
  BOOST_TEST(ledger().CreateTransfer(second).status().reason() == "insufficient_funds");

  auto posted = ledger().PostPending(pending->id);
  BOOST_REQUIRE(posted.ok());
  BOOST_TEST((posted->status == TransferStatus::kPosted));
  BOOST_TEST(Balance(Wallet("ada")).posted == 400);
  BOOST_TEST(Balance(Wallet("ada")).pending_debits == 0);
  BOOST_TEST(Balance(Payable()).posted == 600);
  BOOST_TEST(ledger().PostPending(pending->id)->status == TransferStatus::kPosted);  // idempotent
  BOOST_TEST(ledger().VoidPending(pending->id, VoidCause::kVoided, "late").status().reason() ==
             "transfer_posted");
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(voiding_releases_the_hold) {
  Fund("ada", 1000);
  TransferRequest hold = Move("w1", Wallet("ada"), Payable(), 600, TransferKind::kWithdrawal);
  hold.pending = true;
  auto pending = ledger().CreateTransfer(hold);
  BOOST_REQUIRE(pending.ok());
  auto voided = ledger().VoidPending(pending->id, VoidCause::kDeclinedByAdmin, "declined by admin");
  BOOST_REQUIRE(voided.ok());
  BOOST_TEST((voided->void_cause == VoidCause::kDeclinedByAdmin));
  BOOST_TEST(voided->void_note == "declined by admin");
  BOOST_TEST(Balance(Wallet("ada")).available() == 1000);
  BOOST_TEST(ledger().VoidPending(pending->id, VoidCause::kVoided, "again")->status ==
             TransferStatus::kVoided);
  BOOST_TEST(ledger().PostPending(pending->id).status().reason() == "transfer_voided");
  BOOST_TEST(ledger().PostPending(NewId(clock->Now())).status().reason() == "transfer_not_found");
  ExpectCleanAudit();
}

// Only the ledger decides an expiry: a caller's cause or note never makes a void one.
BOOST_AUTO_TEST_CASE(a_void_is_an_expiry_only_when_the_hold_expired) {
  const TransferRequest topup = HalfHourTopUp();
  auto pending = ledger().CreateTransfer(topup);
  BOOST_REQUIRE(pending.ok());
  for (VoidCause refused : {VoidCause::kNone, VoidCause::kExpired, static_cast<VoidCause>(42)}) {
    auto voided = ledger().VoidPending(pending->id, refused, "");
    BOOST_TEST(voided.status().reason() == "invalid_void_cause");
    BOOST_TEST((voided.status().code() == StatusCode::kInvalidArgument));
    BOOST_TEST(voided.status().field() == "void_cause");
  }
  BOOST_TEST(
      ledger().VoidPending(pending->id, VoidCause::kVoided, "caf\xc3\xa9").status().reason() ==
      "invalid_reason");
  BOOST_TEST(ledger().GetTransfer(pending->id)->status == TransferStatus::kPending);

  auto voided = ledger().VoidPending(pending->id, VoidCause::kVoided, "expired");
  BOOST_REQUIRE(voided.ok());
  BOOST_TEST((voided->void_cause == VoidCause::kVoided));
  BOOST_TEST(voided->void_note == "expired");
  BOOST_TEST((voided->resolved_at == clock->Now()));  // not dated at the expiry
  clock->Advance(std::chrono::hours(1));
  BOOST_TEST(ledger().PostPending(pending->id).status().reason() == "transfer_voided");
  BOOST_TEST((ledger().GetTransfer(pending->id)->void_cause == VoidCause::kVoided));
  BOOST_TEST(*ledger().VoidExpired(10) == 0);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(void_causes_have_stable_names) {
  for (VoidCause cause :
       {VoidCause::kNone, VoidCause::kVoided, VoidCause::kExpired, VoidCause::kCancelledByOwner,
        VoidCause::kDeclinedByAdmin, VoidCause::kCardDeclined, VoidCause::kInvalidCardToken}) {
    BOOST_TEST((*ParseVoidCause(VoidCauseName(cause)) == cause));
  }
  BOOST_TEST(VoidCauseName(VoidCause::kNone) == "");
  BOOST_TEST(VoidCauseName(VoidCause::kExpired) == "expired");
  BOOST_TEST(VoidCauseName(VoidCause::kCancelledByOwner) == "cancelled");
  BOOST_TEST(VoidCauseName(VoidCause::kDeclinedByAdmin) == "declined");
  BOOST_TEST(ParseVoidCause("declined by admin").status().reason() == "invalid_void_cause");
  BOOST_TEST(ParseVoidCause("Expired").status().field() == "void_cause");
}

BOOST_AUTO_TEST_CASE(an_expired_hold_can_never_be_posted) {
  const TransferRequest topup = HalfHourTopUp();
  auto pending = ledger().CreateTransfer(topup);
  BOOST_REQUIRE(pending.ok());
  BOOST_TEST((*pending->expires_at == clock->Now() + std::chrono::minutes(30)));
  clock->Advance(std::chrono::minutes(30));
  BOOST_TEST(ledger().PostPending(pending->id).status().reason() == "transfer_expired");
  BOOST_TEST(ledger().GetTransfer(pending->id)->status == TransferStatus::kVoided);
  BOOST_TEST(ledger().PostPending(pending->id).status().reason() == "transfer_expired");
  BOOST_TEST(Balance(Wallet("ada")).pending_credits == 0);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(every_read_reports_a_lapsed_hold_before_the_sweep) {
  const TransferRequest topup = HalfHourTopUp();
  auto pending = ledger().CreateTransfer(topup);
  BOOST_REQUIRE(pending.ok());
  clock->Advance(std::chrono::minutes(30));
  auto read = ledger().GetTransfer(pending->id);
  BOOST_REQUIRE(read.ok());
  BOOST_TEST(read->status == TransferStatus::kVoided);
  BOOST_TEST((read->void_cause == VoidCause::kExpired));
  BOOST_TEST((read->resolved_at == pending->expires_at));
  BOOST_TEST(Balance(Wallet("ada")).pending_credits == 0);
  BOOST_TEST(Balance(Clearing()).pending_debits == 0);
  HistoryQuery query;
  query.status = TransferStatus::kPending;
  BOOST_TEST(ledger().History(Wallet("ada"), query)->items.empty());
  query.status = TransferStatus::kVoided;
  auto voided = ledger().History(Wallet("ada"), query);
  BOOST_REQUIRE(voided.ok());
  BOOST_REQUIRE_EQUAL(voided->items.size(), 1u);
  BOOST_TEST((voided->items[0].transfer.void_cause == VoidCause::kExpired));
  TransferQuery pending_credits;
  pending_credits.kind = TransferKind::kCredit;
  pending_credits.status = TransferStatus::kPending;
  BOOST_TEST(ledger().ListTransfers(pending_credits)->items.empty());
  auto replayed = ledger().CreateTransfer(topup);
  BOOST_REQUIRE(replayed.ok());
  BOOST_TEST(replayed->status == TransferStatus::kVoided);
  BOOST_TEST((replayed->void_cause == VoidCause::kExpired));
  // Voiding it now records the expiry, whatever cause the caller gives.
  auto recorded = ledger().VoidPending(pending->id, VoidCause::kCardDeclined, "");
  BOOST_REQUIRE(recorded.ok());
  BOOST_TEST((recorded->void_cause == VoidCause::kExpired));
  BOOST_TEST((recorded->resolved_at == pending->expires_at));
  BOOST_TEST(*ledger().VoidExpired(10) == 0);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(the_sweep_voids_only_expired_holds) {
  Fund("ada", 100);
  for (int i = 0; i < 5; ++i) {
    TransferRequest t =
        Move("exp" + std::to_string(i), Clearing(), Wallet("ada"), 10, TransferKind::kCredit);
    t.pending = true;
    t.pending_timeout = std::chrono::minutes(10 + i);
    BOOST_REQUIRE(ledger().CreateTransfer(t).ok());
  }
  TransferRequest forever =
      Move("forever", Wallet("ada"), Payable(), 50, TransferKind::kWithdrawal);
  forever.pending = true;
  BOOST_REQUIRE(ledger().CreateTransfer(forever).ok());
  clock->Advance(std::chrono::minutes(12));
  BOOST_TEST(*ledger().VoidExpired(100) == 3);
  BOOST_TEST(*ledger().VoidExpired(100) == 0);
  clock->Advance(std::chrono::hours(24 * 365));
  BOOST_TEST(*ledger().VoidExpired(1) == 1);
  BOOST_TEST(*ledger().VoidExpired(100) == 1);
  BOOST_TEST(Balance(Wallet("ada")).pending_debits == 50);  // no timeout: still held
  BOOST_TEST(ledger().VoidExpired(0).status().reason() == "invalid_limit");
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(history_and_audit, LedgerFixture)

BOOST_AUTO_TEST_CASE(history_pages_newest_first_with_filters) {
  for (int i = 0; i < 7; ++i) {
    Fund("ada", 100 + i);
    clock->Advance(std::chrono::seconds(1));
  }
  BOOST_REQUIRE(
      ledger()
          .CreateTransfer(Move("spend", Wallet("ada"), Revenue(), 50, TransferKind::kDebit))
          .ok());
  HistoryQuery query;
  query.limit = 3;
  std::vector<HistoryItem> all;
  for (int page = 0; page < 10; ++page) {
    auto result = ledger().History(Wallet("ada"), query);
    BOOST_REQUIRE(result.ok());
    all.insert(all.end(), result->items.begin(), result->items.end());
    if (result->next_cursor.empty()) break;
    query.cursor = result->next_cursor;
  }
  BOOST_REQUIRE(all.size() == 8u);
  BOOST_TEST(all[0].amount == -50);
  BOOST_TEST((all[0].transfer.kind == TransferKind::kDebit));
  BOOST_TEST(*all[0].balance_after == 100 + 101 + 102 + 103 + 104 + 105 + 106 - 50);
  for (std::size_t i = 1; i < all.size(); ++i) {
    BOOST_TEST(all[i].transfer.created_at <= all[i - 1].transfer.created_at);
  }
  HistoryQuery debits;
  debits.kind = TransferKind::kDebit;
  BOOST_TEST(ledger().History(Wallet("ada"), debits)->items.size() == 1u);
  HistoryQuery window;
  window.from = all[4].transfer.created_at;
  window.until = all[1].transfer.created_at;
  BOOST_TEST(ledger().History(Wallet("ada"), window)->items.size() == 3u);
  HistoryQuery bad;
  bad.cursor = "not-a-cursor";
  BOOST_TEST(ledger().History(Wallet("ada"), bad).status().reason() == "invalid_cursor");
  bad = HistoryQuery{};
  bad.limit = 0;
  BOOST_TEST(ledger().History(Wallet("ada"), bad).status().reason() == "invalid_limit");
  bad.limit = 101;
  BOOST_TEST(ledger().History(Wallet("ada"), bad).status().reason() == "invalid_limit");
  bad = HistoryQuery{};
  bad.from = bad.until = clock->Now();
  BOOST_TEST(ledger().History(Wallet("ada"), bad).status().reason() == "invalid_range");
  BOOST_TEST(ledger().History(Wallet("nobody"), {})->items.empty());
}

BOOST_AUTO_TEST_CASE(list_transfers_finds_the_pending_withdrawals) {
  Fund("ada", 1000);
  for (int i = 0; i < 3; ++i) {
    TransferRequest w =
        Move("w" + std::to_string(i), Wallet("ada"), Payable(), 100, TransferKind::kWithdrawal);
    w.pending = true;
    BOOST_REQUIRE(ledger().CreateTransfer(w).ok());
  }
  TransferQuery query;
  query.kind = TransferKind::kWithdrawal;
  query.status = TransferStatus::kPending;
  query.limit = 2;
  auto page = ledger().ListTransfers(query);
  BOOST_REQUIRE(page.ok());
  BOOST_TEST(page->items.size() == 2u);
  BOOST_REQUIRE(!page->next_cursor.empty());
  query.cursor = page->next_cursor;
  BOOST_TEST(ledger().ListTransfers(query)->items.size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_audit_reports_a_tampered_balance) {
  Fund("ada", 1000);
  ExpectCleanAudit();
  BOOST_REQUIRE(storage
                    ->Run(spi::TransactionMode::kReadWrite,
                          [&](spi::Transaction& tx) {
                            auto account =
                                tx.ledger().FindAccount(Wallet("ada"), spi::LockMode::kForUpdate);
                            if (!account.ok()) return account.status();
                            account->posted += 1;  // money from nowhere
                            return tx.ledger().UpdateAccountBalances(*account);
                          })
                    .ok());
  auto report = ledger().Audit();
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(!report->clean());
  BOOST_TEST(report->discrepancies.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(concurrency, LedgerFixture)

BOOST_AUTO_TEST_CASE(many_spenders_never_overdraw_one_wallet) {
  const std::int64_t initial = 5000;
  Fund("hot", initial);
  std::atomic<std::int64_t> spent{0};
  std::atomic<int> refused{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const std::int64_t amount = 1 + (t * 40 + i) % 23;
        auto result =
            ledger().CreateTransfer(Move(eventify::testing::fmt_key("spend", t, i), Wallet("hot"),
                                         Revenue(), amount, TransferKind::kDebit));
        if (result.ok()) {
          spent += amount;
        } else if (result.status().reason() == "insufficient_funds") {
          ++refused;
        } else {
          ++failed;
          BOOST_TEST_MESSAGE(result.status().ToString());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto balance = Balance(Wallet("hot"));
  BOOST_TEST(failed.load() == 0);
  BOOST_TEST(balance.posted >= 0);
  BOOST_TEST(initial - balance.posted == spent.load());
  BOOST_TEST(Balance(Revenue()).posted == spent.load());
  BOOST_TEST(refused.load() > 0);  // 480 spends of ~12 exceed 5000: some must be refused
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_SUITE_END()
