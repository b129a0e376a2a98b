// CardCharges: charging a card through the payment gateway (spi/payment_gateway.h) for a pending
// top-up of a wallet, and settling it when the gateway's signed callback comes. Wallet top-ups
// (Wallets::StartTopUp) use it, and so does paying a held booking by card
// (Bookings::PayByCard), whose top-up pays the booking in the commit that posts it: the bookings
// area registers itself as a ChargeSettler, and the one callback route of the server settles
// both kinds through HandleCallback.
//
// A charge is started once per top-up: of the calls made for one pending top-up exactly one
// records its charge (spi::WalletRepository::InsertTopUpCharge) and calls the gateway; the others
// answer from what it recorded.
//
// Ownership and threads: shared by the wallets and bookings services of one engine; every member
// function may be called concurrently, except set_settler, which the engine calls once while it is
// opened, before any other call.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "eventify/ledger.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/payment_gateway.h"
#include "eventify/spi/storage.h"
#include "eventify/wallets.h"

namespace eventify::wallets {

// Settles top-ups that another area started for a purpose of its own.
class ChargeSettler {
 public:
  virtual ~ChargeSettler() = default;
  // Settles `topup` (a pending, posted or voided top-up whose gateway callback was verified, or
  // whose charge the gateway confirmed at once) as the gateway says: `state` is kSucceeded or
  // kDeclined; a declined top-up is voided for `decline_cause` (kCardDeclined or
  // kInvalidCardToken). Returns the top-up as settled, or std::nullopt when it is not this
  // settler's, and is then settled as a plain top-up. Errors: those of
  // Wallets::HandleGatewayCallback for a top-up that could not be settled (transfer_expired...),
  // storage failures.
  virtual Result<std::optional<Transfer>> Settle(const Transfer& topup, spi::ChargeState state,
                                                 VoidCause decline_cause) = 0;
};

class CardCharges {
 public:
  // `ledger` is borrowed and must outlive this object. `gateway` may be null: every charge then
  // answers gateway_unavailable.
  CardCharges(Ledger& ledger, std::shared_ptr<spi::Storage> storage,
              std::shared_ptr<spi::Clock> clock, std::shared_ptr<spi::PaymentGateway> gateway);

  // The settler of top-ups that are not plain ones; borrowed, it must outlive this object's use.
  void set_settler(ChargeSettler* settler) { settler_ = settler; }

  // kInvalidArgument invalid_card_token (field "card_token") unless the token is 1-200 printable
  // ASCII characters; kUnavailable gateway_unavailable when no gateway is configured.
  Status CheckCardToken(std::string_view card_token) const;

  // What identifies the card in a top-up's idempotency (TransferRequest::fingerprint): a digest
  // of its token, never the token.
  static std::string CardFingerprint(std::string_view card_token);

  // Charges `card_token` for the pending top-up `topup` (a credit from the gateway clearing
  // account), once, and answers as Wallets::StartTopUp does: the top-up with the charge's id when
  // the gateway took it (a charge it confirms at once is settled at once); card_declined or
  // invalid_card_token with the top-up voided for that cause; gateway_unavailable with the top-up
  // left pending; topup_in_progress to a call that did not start the charge while the one that
  // did has not recorded the answer. A call that finds the charge started answers from what was
  // recorded, the top-up shown as it is now.
  Result<TopUp> Charge(const Transfer& topup, std::string_view card_token);

  // Verifies a gateway callback and settles the top-up it names, through the settler when it is
  // one of the settler's. Errors: those of Wallets::HandleGatewayCallback.
  Result<Transfer> HandleCallback(std::string_view payload, std::string_view signature);

 private:
  Result<Transfer> Settle(const Transfer& topup, spi::ChargeState state, VoidCause decline_cause);
  Result<bool> ClaimCharge(const std::string& transfer_id);
  Status UpdateCharge(const std::string& transfer_id,
                      const std::function<Status(spi::TopUpChargeRecord&)>& change);
  Status RecordCharge(const std::string& transfer_id, spi::TopUpChargeState state,
                      const std::string& charge_id);
  Status MatchCharge(const std::string& transfer_id, const std::string& charge_id);
  Result<TopUp> Refuse(const Transfer& transfer, spi::TopUpChargeState state,
                       const std::string& charge_id, Status failure);
  Result<TopUp> Replay(const Transfer& transfer);

  Ledger& ledger_;
  const std::shared_ptr<spi::Storage> storage_;
  const std::shared_ptr<spi::Clock> clock_;
  const std::shared_ptr<spi::PaymentGateway> gateway_;
  ChargeSettler* settler_ = nullptr;
};

}  // namespace eventify::wallets
