#include "wallets/card_charges.h"

#include "core/status_macros.h"
#include "crypto/sodium.h"

namespace eventify::wallets {
namespace {

constexpr std::size_t kMaxCardTokenLength = 200;

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

Status InvalidCardToken() {
  return InvalidArgument("invalid_card_token", "the card token is not valid", "card_token");
}

Status CardDeclined() {
  return FailedPrecondition("card_declined", "the card was declined", "card_token");
}

Status GatewayUnavailable() {
  return Unavailable("gateway_unavailable",
                     "the payment gateway did not answer; the top-up stays pending until the "
                     "gateway confirms it or it expires");
}

Status CallbackMismatch(std::string message) {
  return InvalidArgument("callback_mismatch", std::move(message), "payload");
}

}  // namespace

CardCharges::CardCharges(Ledger& ledger, std::shared_ptr<spi::Storage> storage,
                         std::shared_ptr<spi::Clock> clock,
                         std::shared_ptr<spi::PaymentGateway> gateway)
    : ledger_(ledger),
      storage_(std::move(storage)),
      clock_(std::move(clock)),
      gateway_(std::move(gateway)) {}

Status CardCharges::CheckCardToken(std::string_view card_token) const {
  if (card_token.empty() || card_token.size() > kMaxCardTokenLength ||
      !IsPrintableAscii(card_token)) {
    return InvalidCardToken();
  }
  if (!gateway_) return Unavailable("gateway_unavailable", "no payment gateway is configured");
  return Status::Ok();
}

std::string CardCharges::CardFingerprint(std::string_view card_token) {
  return "card_token:" + crypto::Sha256Hex(card_token);
}

Result<TopUp> CardCharges::Charge(const Transfer& topup, std::string_view card_token) {
  if (!gateway_) return Unavailable("gateway_unavailable", "no payment gateway is configured");
  // Whoever records the charge first starts it; every other call for this top-up (a retry, a
  // concurrent duplicate) answers from what the first one recorded. A hold that ended before
  // any charge was recorded (a crash right after it was created, then its expiry) is not
  // charged any more.
  bool claimed = false;
  if (topup.status == TransferStatus::kPending) {
    EV_ASSIGN_OR_RETURN(claimed, ClaimCharge(topup.id));
  }
  if (!claimed) return Replay(topup);

  // The gateway treats a repeated reference as the same charge.
  auto charge =
      gateway_->StartCharge(spi::ChargeRequest{topup.id, topup.amount, std::string(card_token)});
  if (!charge.ok()) {
    if (charge.status().code() == StatusCode::kInvalidArgument) {
      return Refuse(topup, spi::TopUpChargeState::kInvalidCardToken, "", charge.status());
    }
    // The charge may have been taken before the answer was lost: the hold stays, and the
    // gateway's callback or the expiry decides it.
    EV_RETURN_IF_ERROR(RecordCharge(topup.id, spi::TopUpChargeState::kGatewayUnavailable, ""));
    return GatewayUnavailable();
  }
  if (charge->state == spi::ChargeState::kDeclined) {
    return Refuse(topup, spi::TopUpChargeState::kCardDeclined, charge->charge_id, CardDeclined());
  }
  EV_RETURN_IF_ERROR(RecordCharge(topup.id, spi::TopUpChargeState::kAccepted, charge->charge_id));
  if (charge->state == spi::ChargeState::kSucceeded) {
    EV_ASSIGN_OR_RETURN(Transfer settled,
                        Settle(topup, spi::ChargeState::kSucceeded, VoidCause::kNone));
    return TopUp{std::move(settled), charge->charge_id};
  }
  return TopUp{topup, charge->charge_id};
}

Result<Transfer> CardCharges::HandleCallback(std::string_view payload, std::string_view signature) {
  if (!gateway_) return Unavailable("gateway_unavailable", "no payment gateway is configured");
  EV_ASSIGN_OR_RETURN(const spi::ChargeEvent event, gateway_->VerifyCallback(payload, signature));
  auto transfer = ledger_.GetTransfer(event.reference);
  if (!transfer.ok()) {
    if (transfer.status().code() == StatusCode::kNotFound || !IsValidId(event.reference)) {
      return NotFound("transfer_not_found", "the callback names no known top-up");
    }
    return transfer.status();
  }
  if (transfer->kind != TransferKind::kCredit ||
      transfer->from.kind != AccountKind::kGatewayClearing || !(transfer->amount == event.amount)) {
    return CallbackMismatch("the callback does not match the top-up it names");
  }
  EV_RETURN_IF_ERROR(MatchCharge(transfer->id, event.charge_id));
  return Settle(*transfer, event.state, VoidCause::kCardDeclined);
}

Result<Transfer> CardCharges::Settle(const Transfer& topup, spi::ChargeState state,
                                     VoidCause decline_cause) {
  if (settler_ != nullptr) {
    EV_ASSIGN_OR_RETURN(std::optional<Transfer> settled,
                        settler_->Settle(topup, state, decline_cause));
    if (settled) return std::move(*settled);
  }
  if (state == spi::ChargeState::kSucceeded) return ledger_.PostPending(topup.id);
  return ledger_.VoidPending(topup.id, decline_cause, "");
}

// Inserts the top-up's charge record; true when this call did, and so may start the charge.
Result<bool> CardCharges::ClaimCharge(const std::string& transfer_id) {
  const Timestamp now = clock_->Now();
  bool inserted = false;
  EV_RETURN_IF_ERROR(storage_->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
    EV_ASSIGN_OR_RETURN(inserted,
                        tx.wallets().InsertTopUpCharge(
                            {transfer_id, spi::TopUpChargeState::kCharging, "", now, now}));
    return Status::Ok();
  }));
  return inserted;
}

// Runs `change` on the locked charge record of a top-up and writes it back.
// Errors: kNotFound topup_charge_not_found, and what `change` returns.
Status CardCharges::UpdateCharge(const std::string& transfer_id,
                                 const std::function<Status(spi::TopUpChargeRecord&)>& change) {
  return storage_->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
    auto& repo = tx.wallets();
    EV_ASSIGN_OR_RETURN(spi::TopUpChargeRecord record,
                        repo.FindTopUpCharge(transfer_id, spi::LockMode::kForUpdate));
    EV_RETURN_IF_ERROR(change(record));
    record.updated_at = clock_->Now();
    return repo.UpdateTopUpCharge(record);
  });
}

// Records the gateway's answer to the charge; a charge id a callback recorded first is kept.
Status CardCharges::RecordCharge(const std::string& transfer_id, spi::TopUpChargeState state,
                                 const std::string& charge_id) {
  return UpdateCharge(transfer_id, [&](spi::TopUpChargeRecord& record) {
    record.state = state;
    if (record.charge_id.empty()) record.charge_id = charge_id;
    return Status::Ok();
  });
}

// A callback must name the charge its top-up started; one whose id was never learnt (the
// gateway did not answer) takes the id of the first signed callback.
Status CardCharges::MatchCharge(const std::string& transfer_id, const std::string& charge_id) {
  const Status matched = UpdateCharge(transfer_id, [&](spi::TopUpChargeRecord& record) {
    if (record.charge_id.empty()) record.charge_id = charge_id;
    if (record.charge_id != charge_id) {
      return CallbackMismatch("the callback names another charge than the top-up started");
    }
    return Status::Ok();
  });
  if (matched.reason() == "topup_charge_not_found") {
    return CallbackMismatch("no charge was started for the top-up the callback names");
  }
  return matched;
}

// The gateway refused the charge at once: the refusal is recorded (replays repeat it), then the
// top-up is settled as declined (voided with the refusal as its cause).
Result<TopUp> CardCharges::Refuse(const Transfer& transfer, spi::TopUpChargeState state,
                                  const std::string& charge_id, Status failure) {
  EV_RETURN_IF_ERROR(RecordCharge(transfer.id, state, charge_id));
  const VoidCause cause = state == spi::TopUpChargeState::kInvalidCardToken
                              ? VoidCause::kInvalidCardToken
                              : VoidCause::kCardDeclined;
  EV_RETURN_IF_ERROR(Settle(transfer, spi::ChargeState::kDeclined, cause).status());
  return failure;
}

// The answer to a call that did not start the charge: the first call's, as recorded.
Result<TopUp> CardCharges::Replay(const Transfer& transfer) {
  spi::TopUpChargeRecord record;
  const Status found = storage_->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) {
    EV_ASSIGN_OR_RETURN(record, tx.wallets().FindTopUpCharge(transfer.id, spi::LockMode::kNone));
    return Status::Ok();
  });
  // No charge was ever started: the hold ended without one (it expired).
  if (found.reason() == "topup_charge_not_found") return TopUp{transfer, ""};
  EV_RETURN_IF_ERROR(found);
  switch (record.state) {
    case spi::TopUpChargeState::kCharging:
      if (transfer.status == TransferStatus::kPending) {
        return Aborted("topup_in_progress",
                       "the first request with this idempotency key has not finished; retry it "
                       "later");
      }
      break;
    case spi::TopUpChargeState::kAccepted:
      break;
    case spi::TopUpChargeState::kCardDeclined:
      return CardDeclined();
    case spi::TopUpChargeState::kInvalidCardToken:
      return InvalidCardToken();
    case spi::TopUpChargeState::kGatewayUnavailable:
      return GatewayUnavailable();
  }
  return TopUp{transfer, record.charge_id};
}

}  // namespace eventify::wallets
