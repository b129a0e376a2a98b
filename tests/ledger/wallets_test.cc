// Wallets through the Engine with the sandbox gateway: top-ups confirmed by signed callbacks,
// declines, outages, expiry, withdrawals and who may do what.
#define BOOST_TEST_MODULE wallets
#include <boost/test/unit_test.hpp>

#include "ledger/ledger_fixture.h"

using namespace eventify;

namespace {

const Principal kAda{"0190f5a2-7b3c-7def-8123-000000000001", Role::kAttendee, "s1"};
const Principal kOrg{"0190f5a2-7b3c-7def-8123-000000000002", Role::kOrganizer, "s2"};
const Principal kAdmin{"0190f5a2-7b3c-7def-8123-000000000003", Role::kAdmin, "s3"};

struct WalletsFixture : eventify::testing::LedgerFixture {
  Wallets& wallets() { return engine->wallets(); }

  TopUp StartTopUp(const Principal& who, std::int64_t amount, const std::string& key,
                   const std::string& token = "tok_sandbox_success") {
    auto topup = wallets().StartTopUp(who, {WalletKind::kUser, amount, token, key});
    BOOST_REQUIRE_MESSAGE(topup.ok(), topup.status().ToString());
    return *topup;
  }

  Result<Transfer> Confirm(const TopUp& topup, spi::ChargeState state) {
    auto signed_callback = sandbox->SignCallback(topup.charge_id, state);
    BOOST_REQUIRE(signed_callback.ok());
    return wallets().HandleGatewayCallback(signed_callback->first, signed_callback->second);
  }

  std::int64_t Available(const Principal& who, WalletKind kind = WalletKind::kUser) {
    auto b = wallets().GetBalance(who, kind);
    BOOST_REQUIRE_MESSAGE(b.ok(), b.status().ToString());
    return b->available();
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
  // A signature older than five minutes is refused even if genuine.
  clock->Advance(std::chrono::minutes(6));
  BOOST_TEST(wallets().HandleGatewayCallback(payload, signature).status().reason() ==
             "invalid_signature");
  BOOST_TEST(Available(kAda) == 0);
}

BOOST_AUTO_TEST_CASE(declines_and_outages_void_the_hold) {
  auto declined = wallets().StartTopUp(kAda, {WalletKind::kUser, 100, "tok_sandbox_decline", "d"});
  BOOST_TEST(declined.status().reason() == "card_declined");
  // Retrying the same request answers the same way and charges nothing.
  BOOST_TEST(wallets().StartTopUp(kAda, {WalletKind::kUser, 100, "tok_sandbox_decline", "d"})
                 .status().reason() == "card_declined");
  auto down = wallets().StartTopUp(kAda, {WalletKind::kUser, 100, "tok_sandbox_error", "e"});
  BOOST_TEST(down.status().reason() == "gateway_unavailable");
  BOOST_TEST((down.status().code() == StatusCode::kUnavailable));
  BOOST_TEST(wallets().StartTopUp(kAda, {WalletKind::kUser, 100, "tok_bogus", "b"}).status().reason() ==
             "invalid_card_token");
  // An asynchronous decline.
  const TopUp later = StartTopUp(kAda, 300, "late");
  auto voided = Confirm(later, spi::ChargeState::kDeclined);
  BOOST_REQUIRE(voided.ok());
  BOOST_TEST((voided->status == TransferStatus::kVoided));
  auto balance = wallets().GetBalance(kAda, WalletKind::kUser);
  BOOST_TEST(balance->posted == 0);
  BOOST_TEST(balance->pending_credits == 0);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(an_unconfirmed_top_up_expires) {
  const TopUp topup = StartTopUp(kAda, 700, "slow");
  clock->Advance(std::chrono::minutes(30));
  BOOST_TEST(*ledger().VoidExpired(10) == 1);
  auto late = Confirm(topup, spi::ChargeState::kSucceeded);
  BOOST_TEST(late.status().reason() == "transfer_expired");
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
  BOOST_TEST(declined->void_reason == "bank details do not match");
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

BOOST_AUTO_TEST_CASE(only_organizers_have_an_organizer_wallet) {
  BOOST_TEST(wallets().GetBalance(kAda, WalletKind::kOrganizer).status().reason() == "forbidden");
  auto balance = wallets().GetBalance(kOrg, WalletKind::kOrganizer);
  BOOST_REQUIRE(balance.ok());
  BOOST_TEST((balance->account.kind == AccountKind::kOrganizerWallet));
  BOOST_TEST((wallets().GetBalance(kOrg, WalletKind::kUser)->account.kind == AccountKind::kUserWallet));
}

BOOST_AUTO_TEST_SUITE_END()
