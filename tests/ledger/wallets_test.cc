// Wallets through the Engine with the sandbox gateway behind a double that counts the charges
// started and fails on demand: top-ups confirmed by signed callbacks, replays that never reach the
// gateway again, lost gateway answers, declines, expiry as every read reports it, withdrawals
// (cancelled by their owner or decided by an admin) and who may do what.
#define BOOST_TEST_MODULE wallets
#include <boost/test/unit_test.hpp>
#include <future>
#include <thread>

#include "ledger/ledger_fixture.h"

using namespace eventify;

namespace {

const Principal kAda{"0190f5a2-7b3c-7def-8123-000000000001", Role::kAttendee, "s1"};
const Principal kOrg{"0190f5a2-7b3c-7def-8123-000000000002", Role::kOrganizer, "s2"};
const Principal kAdmin{"0190f5a2-7b3c-7def-8123-000000000003", Role::kAdmin, "s3"};

// The sandbox behind a double: it counts the charges started, can lose the answer of the next one
// after the sandbox took the charge (a timeout on the way back), and can hold the next one until
// released (to overlap two calls).
class FlakyGateway final : public spi::PaymentGateway {
 public:
  explicit FlakyGateway(std::shared_ptr<spi::SandboxPaymentGateway> sandbox)
      : sandbox_(std::move(sandbox)) {}

  Result<spi::Charge> StartCharge(const spi::ChargeRequest& request) override {
    ++charges_started;
    if (hold_next.exchange(false)) {
      entered.set_value();
      released.get_future().wait();
    }
    auto charge = sandbox_->StartCharge(request);
    if (charge.ok()) last_charge_id = charge->charge_id;
    if (lose_next_answer.exchange(false)) {
      return Unavailable("gateway_unavailable", "the answer was lost on the way back");
    }
    return charge;
  }

  Result<spi::ChargeEvent> VerifyCallback(std::string_view payload,
                                          std::string_view signature) override {
    return sandbox_->VerifyCallback(payload, signature);
  }

  std::atomic<int> charges_started{0};
  std::atomic<bool> lose_next_answer{false};
  std::atomic<bool> hold_next{false};
  std::promise<void> entered;   // set when a held call has started
  std::promise<void> released;  // set by the test to let it go on
  std::string last_charge_id;   // of the last charge the sandbox took

 private:
  std::shared_ptr<spi::SandboxPaymentGateway> sandbox_;
};

struct WalletsFixture : eventify::testing::LedgerFixture {
  WalletsFixture()
      : LedgerFixture([](std::shared_ptr<spi::SandboxPaymentGateway> sandbox) {
          return std::make_shared<FlakyGateway>(std::move(sandbox));
        }) {}

  Wallets& wallets() { return engine->wallets(); }
  FlakyGateway& flaky() { return static_cast<FlakyGateway&>(*gateway); }

  Result<TopUp> TryTopUp(const Principal& who, std::int64_t amount, const std::string& key,
                         const std::string& token = "tok_sandbox_success") {
    return wallets().StartTopUp(who, {WalletKind::kUser, amount, token, key});
  }

  TopUp StartTopUp(const Principal& who, std::int64_t amount, const std::string& key,
                   const std::string& token = "tok_sandbox_success") {
    auto topup = TryTopUp(who, amount, key, token);
    BOOST_REQUIRE_MESSAGE(topup.ok(), topup.status().ToString());
    return *topup;
  }

  Result<Transfer> ConfirmCharge(const std::string& charge_id, spi::ChargeState state) {
    auto signed_callback = sandbox->SignCallback(charge_id, state);
    BOOST_REQUIRE(signed_callback.ok());
    return wallets().HandleGatewayCallback(signed_callback->first, signed_callback->second);
  }

  Result<Transfer> Confirm(const TopUp& topup, spi::ChargeState state) {
    return ConfirmCharge(topup.charge_id, state);
  }

  // A callback signed with the webhook secret, as the gateway would send it, naming any charge.
  Result<Transfer> Callback(const std::string& charge_id, const Transfer& transfer,
                            const std::string& state) {
    const std::string payload = "{\"charge_id\":\"" + charge_id + "\",\"reference\":\"" +
                                transfer.id +
                                "\",\"amount\":" + std::to_string(transfer.amount.minor_units) +
                                ",\"currency\":\"INR\",\"state\":\"" + state + "\"}";
    return wallets().HandleGatewayCallback(
        payload, spi::SignSandboxPayload("webhook-secret", payload, clock->Now()));
  }

  eventify::Balance WalletBalance(const Principal& who) {
    auto b = wallets().GetBalance(who, WalletKind::kUser);
    BOOST_REQUIRE_MESSAGE(b.ok(), b.status().ToString());
    return *b;
  }

  std::int64_t Available(const Principal& who) { return WalletBalance(who).available(); }

  // Nothing posted to the wallet and nothing on its way in.
  void ExpectNothingHeld(const Principal& who) {
    const eventify::Balance balance = WalletBalance(who);
    BOOST_TEST(balance.posted == 0);
    BOOST_TEST(balance.pending_credits == 0);
  }

  static void ExpectVoided(const Transfer& transfer, VoidCause cause) {
    BOOST_TEST(transfer.status == TransferStatus::kVoided);
    BOOST_TEST((transfer.void_cause == cause));
    BOOST_TEST(transfer.void_note == "");
  }

  std::vector<HistoryItem> HistoryOf(const Principal& who,
                                     std::optional<TransferStatus> status = std::nullopt) {
    HistoryQuery query;
    query.status = status;
    auto page = wallets().History(who, WalletKind::kUser, query);
    BOOST_REQUIRE_MESSAGE(page.ok(), page.status().ToString());
    return page->items;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(topups, WalletsFixture)

BOOST_AUTO_TEST_CASE(a_top_up_is_pending_until_the_signed_confirmation) {
  const TopUp topup = StartTopUp(kAda, 5000, "t1");
  BOOST_TEST((topup.transfer.status == TransferStatus::kPending));
  BOOST_TEST(!topup.charge_id.empty());
  BOOST_TEST(Available(kAda) == 0);
  auto posted = Confirm(topup, spi::ChargeState::kSucceeded);
  BOOST_REQUIRE_MESSAGE(posted.ok(), posted.status().ToString());
  BOOST_TEST((posted->status == TransferStatus::kPosted));
  BOOST_TEST(Available(kAda) == 5000);
  // The gateway may deliver the same callback again: nothing changes.
  BOOST_TEST(Confirm(topup, spi::ChargeState::kSucceeded).ok());
  BOOST_TEST(Available(kAda) == 5000);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(unsigned_tampered_and_mismatched_callbacks_are_refused) {
  const TopUp topup = StartTopUp(kAda, 5000, "t1");
  auto signed_callback = sandbox->SignCallback(topup.charge_id, spi::ChargeState::kSucceeded);
  BOOST_REQUIRE(signed_callback.ok());
  auto [payload, signature] = *signed_callback;
  BOOST_TEST(wallets().HandleGatewayCallback(payload, "").status().reason() == "invalid_signature");
  std::string tampered = payload;
  tampered.replace(tampered.find("\"amount\":5000"), 13, "\"amount\":9000");
  BOOST_TEST(wallets().HandleGatewayCallback(tampered, signature).status().reason() ==
             "invalid_signature");
  // Correctly signed, but for another amount than the top-up it names.
  const std::string lying = tampered;
  BOOST_TEST(wallets()
                 .HandleGatewayCallback(lying, spi::SignSandboxPayload("webhook-secret", lying,
                                                                       clock->Now()))
                 .status()
                 .reason() == "callback_mismatch");
  // A signature dated more than five minutes ahead says so.
  const std::string ahead =
      spi::SignSandboxPayload("webhook-secret", payload, clock->Now() + std::chrono::seconds(400));
  auto future = wallets().HandleGatewayCallback(payload, ahead);
  BOOST_TEST(future.status().reason() == "signature_not_yet_valid");
  BOOST_TEST((future.status().code() == StatusCode::kUnauthenticated));
  BOOST_TEST(future.status().message().find("ahead") != std::string::npos);
  // A signature older than five minutes is refused even if genuine.
  clock->Advance(std::chrono::minutes(6));
  BOOST_TEST(wallets().HandleGatewayCallback(payload, signature).status().reason() ==
             "invalid_signature");
  BOOST_TEST(Available(kAda) == 0);
}

BOOST_AUTO_TEST_CASE(refusals_void_the_hold_and_stay_in_the_history) {
  auto declined = TryTopUp(kAda, 100, "d", "tok_sandbox_decline");
  BOOST_TEST(declined.status().reason() == "card_declined");
  BOOST_TEST((declined.status().code() == StatusCode::kFailedPrecondition));
  // Retrying the same request answers the same way without asking the gateway again.
  BOOST_TEST(TryTopUp(kAda, 100, "d", "tok_sandbox_decline").status().reason() == "card_declined");
  auto unknown = TryTopUp(kAda, 200, "b", "tok_bogus");
  BOOST_TEST(unknown.status().reason() == "invalid_card_token");
  BOOST_TEST(unknown.status().field() == "card_token");
  BOOST_TEST(TryTopUp(kAda, 200, "b", "tok_bogus").status().reason() == "invalid_card_token");
  BOOST_TEST(flaky().charges_started == 2);
  // Nothing is held; each attempt is a voided credit naming the refusal.
  ExpectNothingHeld(kAda);
  const auto history = HistoryOf(kAda);
  BOOST_REQUIRE_EQUAL(history.size(), 2u);
  ExpectVoided(history[0].transfer, VoidCause::kInvalidCardToken);
  BOOST_TEST(history[0].amount == 200);
  ExpectVoided(history[1].transfer, VoidCause::kCardDeclined);
  // An asynchronous decline.
  const TopUp later = StartTopUp(kAda, 300, "late");
  auto voided = Confirm(later, spi::ChargeState::kDeclined);
  BOOST_REQUIRE(voided.ok());
  ExpectVoided(*voided, VoidCause::kCardDeclined);
  ExpectNothingHeld(kAda);
  // Its replay still shows the accepted top-up, as it is now.
  const TopUp replayed = StartTopUp(kAda, 300, "late");
  ExpectVoided(replayed.transfer, VoidCause::kCardDeclined);
  BOOST_TEST(replayed.charge_id == later.charge_id);
  ExpectCleanAudit();
}

// The sequence of issue 13: a retry with another card must not reach the gateway, and a gateway
// failure on a retry must not void the charge the gateway already took.
BOOST_AUTO_TEST_CASE(a_replay_repeats_the_first_answer_and_never_calls_the_gateway_again) {
  const TopUp first = StartTopUp(kAda, 5000, "k");
  BOOST_TEST(first.transfer.status == TransferStatus::kPending);
  BOOST_TEST(flaky().charges_started == 1);
  for (const std::string token : {"tok_sandbox_decline", "tok_sandbox_error", "tok_other"}) {
    auto reused = TryTopUp(kAda, 5000, "k", token);
    BOOST_TEST_INFO("token " << token);
    BOOST_TEST(reused.status().reason() == "idempotency_key_reused");
    BOOST_TEST((reused.status().code() == StatusCode::kAlreadyExists));
  }
  // The next charge would fail: a replay does not get there.
  flaky().lose_next_answer = true;
  const TopUp again = StartTopUp(kAda, 5000, "k");
  BOOST_TEST(again.transfer.id == first.transfer.id);
  BOOST_TEST(again.transfer.status == TransferStatus::kPending);
  BOOST_TEST(again.charge_id == first.charge_id);
  BOOST_TEST(flaky().charges_started == 1);
  BOOST_TEST(WalletBalance(kAda).pending_credits == 5000);

  auto posted = Confirm(first, spi::ChargeState::kSucceeded);
  BOOST_REQUIRE_MESSAGE(posted.ok(), posted.status().ToString());
  BOOST_TEST(posted->status == TransferStatus::kPosted);
  const TopUp settled = StartTopUp(kAda, 5000, "k");
  BOOST_TEST(settled.transfer.status == TransferStatus::kPosted);
  BOOST_TEST(settled.charge_id == first.charge_id);
  BOOST_TEST(flaky().charges_started == 1);
  BOOST_TEST(Available(kAda) == 5000);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(a_lost_gateway_answer_leaves_the_top_up_pending_for_the_callback) {
  flaky().lose_next_answer = true;
  auto lost = TryTopUp(kAda, 700, "lost");
  BOOST_TEST(lost.status().reason() == "gateway_unavailable");
  BOOST_TEST((lost.status().code() == StatusCode::kUnavailable));
  // The gateway took the charge: the hold stays.
  BOOST_TEST(WalletBalance(kAda).pending_credits == 700);
  const auto pending = HistoryOf(kAda, TransferStatus::kPending);
  BOOST_REQUIRE_EQUAL(pending.size(), 1u);
  const Transfer hold = pending[0].transfer;
  // A replay repeats the answer and does not ask again.
  BOOST_TEST(TryTopUp(kAda, 700, "lost").status().reason() == "gateway_unavailable");
  BOOST_TEST(flaky().charges_started == 1);

  // The charge id was never learnt: the first signed callback names it, and no other may.
  auto posted = ConfirmCharge(flaky().last_charge_id, spi::ChargeState::kSucceeded);
  BOOST_REQUIRE_MESSAGE(posted.ok(), posted.status().ToString());
  BOOST_TEST(posted->id == hold.id);
  BOOST_TEST(posted->status == TransferStatus::kPosted);
  BOOST_TEST(Callback("ch_sandbox_bogus", hold, "succeeded").status().reason() ==
             "callback_mismatch");
  BOOST_TEST(Available(kAda) == 700);
  BOOST_TEST(TryTopUp(kAda, 700, "lost").status().reason() == "gateway_unavailable");
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(a_lost_gateway_answer_with_no_callback_expires) {
  flaky().lose_next_answer = true;
  BOOST_TEST(TryTopUp(kAda, 900, "lost").status().reason() == "gateway_unavailable");
  clock->Advance(std::chrono::minutes(30));
  ExpectNothingHeld(kAda);
  const auto history = HistoryOf(kAda);
  BOOST_REQUIRE_EQUAL(history.size(), 1u);
  ExpectVoided(history[0].transfer, VoidCause::kExpired);
  BOOST_TEST(flaky().charges_started == 1);
}

BOOST_AUTO_TEST_CASE(concurrent_calls_with_one_key_reach_the_gateway_once) {
  flaky().hold_next = true;
  auto first = std::async(std::launch::async, [&] { return TryTopUp(kAda, 400, "twice"); });
  flaky().entered.get_future().wait();
  // The first call holds the charge and has not recorded the gateway's answer yet.
  auto second = TryTopUp(kAda, 400, "twice");
  BOOST_TEST(second.status().reason() == "topup_in_progress");
  BOOST_TEST((second.status().code() == StatusCode::kAborted));
  flaky().released.set_value();
  const Result<TopUp> started = first.get();
  BOOST_REQUIRE_MESSAGE(started.ok(), started.status().ToString());
  BOOST_TEST(started->transfer.status == TransferStatus::kPending);
  const TopUp third = StartTopUp(kAda, 400, "twice");
  BOOST_TEST(third.transfer.id == started->transfer.id);
  BOOST_TEST(third.charge_id == started->charge_id);
  BOOST_TEST(flaky().charges_started == 1);
  BOOST_TEST(WalletBalance(kAda).pending_credits == 400);
}

BOOST_AUTO_TEST_CASE(callbacks_must_name_the_charge_the_top_up_started) {
  const TopUp topup = StartTopUp(kAda, 5000, "t1");
  auto bogus = Callback("ch_sandbox_bogus", topup.transfer, "succeeded");
  BOOST_TEST(bogus.status().reason() == "callback_mismatch");
  BOOST_TEST(bogus.status().field() == "payload");
  BOOST_TEST(Callback("ch_sandbox_bogus", topup.transfer, "declined").status().reason() ==
             "callback_mismatch");
  BOOST_TEST(WalletBalance(kAda).pending_credits == 5000);
  // A credit from the clearing account that no top-up charged.
  auto direct = ledger().CreateTransfer(
      eventify::testing::Move("direct", eventify::testing::Clearing(),
                              eventify::testing::Wallet(kAda.user_id), 50, TransferKind::kCredit));
  BOOST_REQUIRE(direct.ok());
  BOOST_TEST(Callback("ch_sandbox_any", *direct, "succeeded").status().reason() ==
             "callback_mismatch");
  auto posted = Callback(topup.charge_id, topup.transfer, "succeeded");
  BOOST_REQUIRE_MESSAGE(posted.ok(), posted.status().ToString());
  BOOST_TEST(posted->status == TransferStatus::kPosted);
  BOOST_TEST(Available(kAda) == 5050);
}

BOOST_AUTO_TEST_CASE(an_unconfirmed_top_up_reads_as_expired_before_the_sweep) {
  const TopUp topup = StartTopUp(kAda, 700, "slow");
  clock->Advance(std::chrono::minutes(29));
  BOOST_TEST(WalletBalance(kAda).pending_credits == 700);
  BOOST_TEST(HistoryOf(kAda, TransferStatus::kPending).size() == 1u);
  clock->Advance(std::chrono::minutes(1));
  // Every read reports the lapsed hold as voided, though no sweep ran.
  ExpectNothingHeld(kAda);
  BOOST_TEST(HistoryOf(kAda, TransferStatus::kPending).empty());
  const auto voided = HistoryOf(kAda, TransferStatus::kVoided);
  BOOST_REQUIRE_EQUAL(voided.size(), 1u);
  ExpectVoided(voided[0].transfer, VoidCause::kExpired);
  BOOST_TEST((voided[0].transfer.resolved_at == topup.transfer.expires_at));
  auto looked_up = ledger().GetTransfer(topup.transfer.id);
  BOOST_REQUIRE(looked_up.ok());
  ExpectVoided(*looked_up, VoidCause::kExpired);
  ExpectVoided(StartTopUp(kAda, 700, "slow").transfer, VoidCause::kExpired);
  BOOST_TEST(flaky().charges_started == 1);
  // A decline voids it as what it is; a late success is refused.
  auto declined = Confirm(topup, spi::ChargeState::kDeclined);
  BOOST_REQUIRE_MESSAGE(declined.ok(), declined.status().ToString());
  ExpectVoided(*declined, VoidCause::kExpired);
  BOOST_TEST(Confirm(topup, spi::ChargeState::kSucceeded).status().reason() == "transfer_expired");
  BOOST_TEST(*ledger().VoidExpired(10) == 0);
  BOOST_TEST(Available(kAda) == 0);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(the_sweep_and_a_late_success_agree_on_the_expiry) {
  const TopUp topup = StartTopUp(kAda, 700, "slow");
  clock->Advance(std::chrono::minutes(31));
  BOOST_TEST(*ledger().VoidExpired(10) == 1);
  auto late = Confirm(topup, spi::ChargeState::kSucceeded);
  BOOST_TEST(late.status().reason() == "transfer_expired");
  auto swept = ledger().GetTransfer(topup.transfer.id);
  BOOST_REQUIRE(swept.ok());
  BOOST_TEST((swept->resolved_at == topup.transfer.expires_at));
  BOOST_TEST(Available(kAda) == 0);
}

BOOST_AUTO_TEST_CASE(top_up_inputs_are_checked) {
  BOOST_TEST(wallets().StartTopUp(kAda, {WalletKind::kUser, 0, "tok_sandbox_success", "k"}).status().field() == "amount");
  BOOST_TEST(wallets().StartTopUp(kAda, {WalletKind::kUser, 100'000'001, "tok_sandbox_success", "k"}).status().reason() == "invalid_amount");
  BOOST_TEST(wallets().StartTopUp(kAda, {WalletKind::kUser, 10, "tok_sandbox_success", ""}).status().reason() == "invalid_idempotency_key");
  BOOST_TEST(wallets().StartTopUp(kAda, {WalletKind::kUser, 10, "", "k"}).status().reason() == "invalid_card_token");
  const TopUp first = StartTopUp(kAda, 10, "same");
  BOOST_TEST(StartTopUp(kAda, 10, "same").transfer.id == first.transfer.id);
  BOOST_TEST(wallets().StartTopUp(kAda, {WalletKind::kUser, 11, "tok_sandbox_success", "same"}).status().reason() == "idempotency_key_reused");
  BOOST_TEST(TryTopUp(kAda, 10, "same", "tok_sandbox_decline").status().reason() ==
             "idempotency_key_reused");
  // Keys are scoped per user: another user's "same" is another top-up.
  BOOST_TEST(StartTopUp(kOrg, 10, "same").transfer.id != first.transfer.id);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(withdrawals, WalletsFixture)

BOOST_AUTO_TEST_CASE(an_admin_approves_or_declines_held_withdrawals) {
  BOOST_REQUIRE(Confirm(StartTopUp(kAda, 1000, "fund"), spi::ChargeState::kSucceeded).ok());
  auto w1 = wallets().RequestWithdrawal(kAda, {WalletKind::kUser, 600, "w1"});
  BOOST_REQUIRE_MESSAGE(w1.ok(), w1.status().ToString());
  BOOST_TEST(Available(kAda) == 400);
  BOOST_TEST(wallets().RequestWithdrawal(kAda, {WalletKind::kUser, 401, "w2"}).status().reason() ==
             "insufficient_funds");
  auto w2 = wallets().RequestWithdrawal(kAda, {WalletKind::kUser, 300, "w2"});
  BOOST_REQUIRE(w2.ok());

  BOOST_TEST(wallets().ListPendingWithdrawals(kAda, "", 10).status().reason() == "forbidden");
  BOOST_TEST(wallets().ApproveWithdrawal(kOrg, w1->id).status().reason() == "forbidden");
  auto queue = wallets().ListPendingWithdrawals(kAdmin, "", 10);
  BOOST_REQUIRE(queue.ok());
  BOOST_TEST(queue->items.size() == 2u);

  auto approved = wallets().ApproveWithdrawal(kAdmin, w1->id);
  BOOST_REQUIRE(approved.ok());
  BOOST_TEST((approved->status == TransferStatus::kPosted));
  BOOST_TEST(wallets().DeclineWithdrawal(kAdmin, w2->id, "").status().reason() == "missing_reason");
  auto declined = wallets().DeclineWithdrawal(kAdmin, w2->id, "bank details do not match");
  BOOST_REQUIRE(declined.ok());
  BOOST_TEST((declined->void_cause == VoidCause::kDeclinedByAdmin));
  BOOST_TEST(declined->void_note == "bank details do not match");
  BOOST_TEST(Available(kAda) == 400);
  BOOST_TEST(wallets().ListPendingWithdrawals(kAdmin, "", 10)->items.empty());
  // A top-up is not a withdrawal, whatever its id.
  const TopUp topup = StartTopUp(kAda, 5, "not-a-withdrawal");
  BOOST_TEST(wallets().ApproveWithdrawal(kAdmin, topup.transfer.id).status().reason() ==
             "transfer_not_found");
  auto audit = wallets().Audit(kAdmin);
  BOOST_REQUIRE(audit.ok());
  BOOST_TEST(audit->clean());
  BOOST_TEST(wallets().Audit(kAda).status().reason() == "forbidden");
}

BOOST_AUTO_TEST_CASE(owners_cancel_their_own_pending_withdrawals) {
  BOOST_REQUIRE(Confirm(StartTopUp(kAda, 1000, "fund"), spi::ChargeState::kSucceeded).ok());
  auto mine = wallets().RequestWithdrawal(kAda, {WalletKind::kUser, 600, "w1"});
  BOOST_REQUIRE(mine.ok());
  BOOST_TEST(Available(kAda) == 400);
  // Someone else's, and what is not a withdrawal, are not found.
  BOOST_TEST(wallets().CancelWithdrawal(kOrg, mine->id).status().reason() == "transfer_not_found");
  BOOST_TEST((wallets().CancelWithdrawal(kOrg, mine->id).status().code() == StatusCode::kNotFound));
  BOOST_TEST(wallets().CancelWithdrawal(kAda, "not-an-id").status().reason() ==
             "transfer_not_found");
  const TopUp topup = StartTopUp(kAda, 5, "not-a-withdrawal");
  BOOST_TEST(wallets().CancelWithdrawal(kAda, topup.transfer.id).status().reason() ==
             "transfer_not_found");
  auto cancelled = wallets().CancelWithdrawal(kAda, mine->id);
  BOOST_REQUIRE_MESSAGE(cancelled.ok(), cancelled.status().ToString());
  ExpectVoided(*cancelled, VoidCause::kCancelledByOwner);
  BOOST_TEST(Available(kAda) == 1000);
  auto again = wallets().CancelWithdrawal(kAda, mine->id);
  BOOST_TEST(again.status().reason() == "transfer_voided");
  BOOST_TEST((again.status().code() == StatusCode::kFailedPrecondition));
  BOOST_TEST(wallets().ApproveWithdrawal(kAdmin, mine->id).status().reason() == "transfer_voided");
  // Decided by an admin: too late.
  auto approved = wallets().RequestWithdrawal(kAda, {WalletKind::kUser, 100, "w2"});
  BOOST_REQUIRE(approved.ok());
  BOOST_REQUIRE(wallets().ApproveWithdrawal(kAdmin, approved->id).ok());
  BOOST_TEST(wallets().CancelWithdrawal(kAda, approved->id).status().reason() == "transfer_posted");
  auto declined = wallets().RequestWithdrawal(kAda, {WalletKind::kUser, 100, "w3"});
  BOOST_REQUIRE(declined.ok());
  BOOST_REQUIRE(wallets().DeclineWithdrawal(kAdmin, declined->id, "closed account").ok());
  BOOST_TEST(wallets().CancelWithdrawal(kAda, declined->id).status().reason() == "transfer_voided");
  BOOST_TEST(Available(kAda) == 900);
  ExpectCleanAudit();
}

// The decline's reason is a note for people: one that says "expired" (or "cancelled") is still an
// admin's decline for every later read and decision, never an expiry or the owner's cancel.
BOOST_AUTO_TEST_CASE(a_decline_whose_reason_says_expired_stays_a_decline) {
  BOOST_REQUIRE(Confirm(StartTopUp(kAda, 1000, "fund"), spi::ChargeState::kSucceeded).ok());
  auto withdrawal = wallets().RequestWithdrawal(kAda, {WalletKind::kUser, 600, "w1"});
  BOOST_REQUIRE(withdrawal.ok());
  auto declined = wallets().DeclineWithdrawal(kAdmin, withdrawal->id, "expired");
  BOOST_REQUIRE_MESSAGE(declined.ok(), declined.status().ToString());
  BOOST_TEST((declined->status == TransferStatus::kVoided));
  BOOST_TEST((declined->void_cause == VoidCause::kDeclinedByAdmin));
  BOOST_TEST(declined->void_note == "expired");
  BOOST_TEST((declined->resolved_at == clock->Now()));
  BOOST_TEST(Available(kAda) == 1000);

  clock->Advance(std::chrono::hours(2));
  auto read = engine->ledger().GetTransfer(withdrawal->id);
  BOOST_REQUIRE(read.ok());
  BOOST_TEST((read->void_cause == VoidCause::kDeclinedByAdmin));
  BOOST_TEST(read->void_note == "expired");
  BOOST_TEST((read->resolved_at == declined->resolved_at));
  const auto history = HistoryOf(kAda, TransferStatus::kVoided);
  BOOST_REQUIRE_EQUAL(history.size(), 1u);
  BOOST_TEST((history[0].transfer.void_cause == VoidCause::kDeclinedByAdmin));
  BOOST_TEST(history[0].transfer.void_note == "expired");

  auto approved = wallets().ApproveWithdrawal(kAdmin, withdrawal->id);
  BOOST_TEST(approved.status().reason() == "transfer_voided");
  BOOST_TEST((approved.status().code() == StatusCode::kFailedPrecondition));
  BOOST_TEST(wallets().CancelWithdrawal(kAda, withdrawal->id).status().reason() ==
             "transfer_voided");
  auto again = wallets().DeclineWithdrawal(kAdmin, withdrawal->id, "another reason");
  BOOST_REQUIRE(again.ok());
  BOOST_TEST((again->void_cause == VoidCause::kDeclinedByAdmin));
  BOOST_TEST(again->void_note == "expired");

  // A decline that says "cancelled" is no cancel by the owner either.
  auto second = wallets().RequestWithdrawal(kAda, {WalletKind::kUser, 100, "w2"});
  BOOST_REQUIRE(second.ok());
  BOOST_REQUIRE(wallets().DeclineWithdrawal(kAdmin, second->id, "cancelled").ok());
  auto cancelled = wallets().CancelWithdrawal(kAda, second->id);
  BOOST_TEST(cancelled.status().reason() == "transfer_voided");
  BOOST_TEST((engine->ledger().GetTransfer(second->id)->void_cause == VoidCause::kDeclinedByAdmin));
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(only_organizers_have_an_organizer_wallet) {
  BOOST_TEST(wallets().GetBalance(kAda, WalletKind::kOrganizer).status().reason() == "forbidden");
  auto balance = wallets().GetBalance(kOrg, WalletKind::kOrganizer);
  BOOST_REQUIRE(balance.ok());
  BOOST_TEST((balance->account.kind == AccountKind::kOrganizerWallet));
  BOOST_TEST((wallets().GetBalance(kOrg, WalletKind::kUser)->account.kind == AccountKind::kUserWallet));
}

BOOST_AUTO_TEST_SUITE_END()
