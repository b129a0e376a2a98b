#include "wallets/wallets_service.h"

#include <fmt/format.h>

#include <functional>

#include "core/status_macros.h"
#include "crypto/sodium.h"

namespace eventify::wallets {
namespace {

constexpr std::size_t kMaxClientKeyLength = 200;
constexpr std::size_t kMaxCardTokenLength = 200;
// Withdrawals are bounded by the balance; this only keeps absurd inputs out.
constexpr std::int64_t kMaxWithdrawalAmount = 1'000'000'000'000LL;

Status Forbidden() { return PermissionDenied("forbidden", "your role does not allow this"); }

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

Status CheckClientKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxClientKeyLength || !IsPrintableAscii(key)) {
    return InvalidArgument("invalid_idempotency_key",
                           "the idempotency key must be 1 to 200 printable ASCII characters",
                           "idempotency_key");
  }
  return Status::Ok();
}

Status CheckAmount(std::int64_t amount, std::int64_t max) {
  if (amount <= 0 || amount > max) {
    return InvalidArgument("invalid_amount",
                           fmt::format("the amount must be between 1 and {} minor units", max),
                           "amount");
  }
  return Status::Ok();
}

class WalletsServiceImpl final : public Wallets {
 public:
  explicit WalletsServiceImpl(WalletsDependencies deps) : deps_(std::move(deps)) {}

  Result<Balance> GetBalance(const Principal& principal, WalletKind wallet) override {
    EV_ASSIGN_OR_RETURN(const AccountRef ref, WalletOf(principal, wallet));
    return ledger().GetBalance(ref);
  }

  Result<HistoryPage> History(const Principal& principal, WalletKind wallet,
                              const HistoryQuery& query) override {
    EV_ASSIGN_OR_RETURN(const AccountRef ref, WalletOf(principal, wallet));
    return ledger().History(ref, query);
  }

  Result<TopUp> StartTopUp(const Principal& principal, const TopUpRequest& request) override {
    EV_ASSIGN_OR_RETURN(const AccountRef wallet, WalletOf(principal, request.wallet));
    EV_RETURN_IF_ERROR(CheckAmount(request.amount, deps_.options.max_topup_amount));
    EV_RETURN_IF_ERROR(CheckClientKey(request.idempotency_key));
    if (request.card_token.empty() || request.card_token.size() > kMaxCardTokenLength ||
        !IsPrintableAscii(request.card_token)) {
      return InvalidArgument("invalid_card_token", "the card token is not valid", "card_token");
    }
    if (!deps_.gateway) {
      return Unavailable("gateway_unavailable", "no payment gateway is configured");
    }
    TransferRequest hold;
    hold.idempotency_key = ScopedKey("topup", principal, request.idempotency_key);
    hold.kind = TransferKind::kCredit;
    hold.from = AccountRef{AccountKind::kGatewayClearing, "", deps_.currency};
    hold.to = wallet;
    hold.amount = Money{request.amount, deps_.currency};
    hold.pending = true;
    hold.pending_timeout = deps_.options.topup_timeout;
    // The card is part of the request (another card with the same key is a reused key), but only
    // a digest of its token reaches the ledger.
    hold.fingerprint = "card_token:" + crypto::Sha256Hex(request.card_token);
    EV_ASSIGN_OR_RETURN(const Transfer transfer, ledger().CreateTransfer(hold));
    // Whoever records the charge first starts it; every other call with this key (a retry, a
    // concurrent duplicate) answers from what the first one recorded. A hold that ended before
    // any charge was recorded (a crash right after it was created, then its expiry) is not
    // charged any more.
    bool claimed = false;
    if (transfer.status == TransferStatus::kPending) {
      EV_ASSIGN_OR_RETURN(claimed, ClaimCharge(transfer.id));
    }
    if (!claimed) return Replay(transfer);

    // The gateway treats a repeated reference as the same charge.
    auto charge = deps_.gateway->StartCharge(
        spi::ChargeRequest{transfer.id, hold.amount, request.card_token});
    if (!charge.ok()) {
      if (charge.status().code() == StatusCode::kInvalidArgument) {
        return Refuse(transfer, spi::TopUpChargeState::kInvalidCardToken, "", charge.status());
      }
      // The charge may have been taken before the answer was lost: the hold stays, and the
      // gateway's callback or the expiry decides it.
      EV_RETURN_IF_ERROR(RecordCharge(transfer.id, spi::TopUpChargeState::kGatewayUnavailable, ""));
      return GatewayUnavailable();
    }
    if (charge->state == spi::ChargeState::kDeclined) {
      return Refuse(transfer, spi::TopUpChargeState::kCardDeclined, charge->charge_id,
                    CardDeclined());
    }
    EV_RETURN_IF_ERROR(
        RecordCharge(transfer.id, spi::TopUpChargeState::kAccepted, charge->charge_id));
    if (charge->state == spi::ChargeState::kSucceeded) {
      EV_ASSIGN_OR_RETURN(Transfer posted, ledger().PostPending(transfer.id));
      return TopUp{std::move(posted), charge->charge_id};
    }
    return TopUp{transfer, charge->charge_id};
  }

  Result<Transfer> HandleGatewayCallback(std::string_view payload,
                                         std::string_view signature) override {
    if (!deps_.gateway) {
      return Unavailable("gateway_unavailable", "no payment gateway is configured");
    }
    EV_ASSIGN_OR_RETURN(const spi::ChargeEvent event,
                        deps_.gateway->VerifyCallback(payload, signature));
    auto transfer = ledger().GetTransfer(event.reference);
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
    if (event.state == spi::ChargeState::kSucceeded) return ledger().PostPending(transfer->id);
    return ledger().VoidPending(transfer->id, VoidCause::kCardDeclined, "");
  }

  Result<Transfer> RequestWithdrawal(const Principal& principal,
                                     const WithdrawalRequest& request) override {
    EV_ASSIGN_OR_RETURN(const AccountRef wallet, WalletOf(principal, request.wallet));
    EV_RETURN_IF_ERROR(CheckAmount(request.amount, kMaxWithdrawalAmount));
    EV_RETURN_IF_ERROR(CheckClientKey(request.idempotency_key));
    TransferRequest hold;
    hold.idempotency_key = ScopedKey("withdrawal", principal, request.idempotency_key);
    hold.kind = TransferKind::kWithdrawal;
    hold.from = wallet;
    hold.to = AccountRef{AccountKind::kWithdrawalsPayable, "", deps_.currency};
    hold.amount = Money{request.amount, deps_.currency};
    hold.pending = true;  // no timeout: it waits for an admin
    return ledger().CreateTransfer(hold);
  }

  Result<TransferPage> ListPendingWithdrawals(const Principal& admin, std::string_view cursor,
                                              int limit) override {
    if (!IsAllowed(admin.role, Action::kManageWithdrawals)) return Forbidden();
    TransferQuery query;
    query.kind = TransferKind::kWithdrawal;
    query.status = TransferStatus::kPending;
    query.cursor = std::string(cursor);
    query.limit = limit;
    return ledger().ListTransfers(query);
  }

  Result<Transfer> CancelWithdrawal(const Principal& principal,
                                    std::string_view transfer_id) override {
    EV_ASSIGN_OR_RETURN(const Transfer withdrawal, FindWithdrawal(transfer_id));
    // Another user's withdrawal is as unknown to the caller as one that does not exist.
    if (withdrawal.from.owner_id != principal.user_id) return NoSuchWithdrawal();
    if (withdrawal.status == TransferStatus::kPosted) {
      return FailedPrecondition("transfer_posted", "the withdrawal was already approved");
    }
    if (withdrawal.status == TransferStatus::kVoided) return AlreadyVoided(withdrawal);
    EV_ASSIGN_OR_RETURN(Transfer cancelled,
                        ledger().VoidPending(transfer_id, VoidCause::kCancelledByOwner, ""));
    // An admin's decline may have come first: voiding a voided transfer returns it unchanged.
    if (cancelled.void_cause != VoidCause::kCancelledByOwner) return AlreadyVoided(cancelled);
    return cancelled;
  }

  Result<Transfer> ApproveWithdrawal(const Principal& admin,
                                     std::string_view transfer_id) override {
    EV_RETURN_IF_ERROR(CheckWithdrawal(admin, transfer_id));
    return ledger().PostPending(transfer_id);
  }

  Result<Transfer> DeclineWithdrawal(const Principal& admin, std::string_view transfer_id,
                                     std::string_view reason) override {
    EV_RETURN_IF_ERROR(CheckWithdrawal(admin, transfer_id));
    if (reason.empty()) {
      return InvalidArgument("missing_reason", "say why the withdrawal is declined", "reason");
    }
    return ledger().VoidPending(transfer_id, VoidCause::kDeclinedByAdmin, reason);
  }

  Result<AuditReport> Audit(const Principal& admin) override {
    if (!IsAllowed(admin.role, Action::kAuditLedger)) return Forbidden();
    return ledger().Audit();
  }

 private:
  Ledger& ledger() { return *deps_.ledger; }

  Result<AccountRef> WalletOf(const Principal& principal, WalletKind wallet) const {
    if (wallet == WalletKind::kOrganizer) {
      if (!IsAllowed(principal.role, Action::kUseOrganizerWallet)) return Forbidden();
      return AccountRef{AccountKind::kOrganizerWallet, principal.user_id, deps_.currency};
    }
    return AccountRef{AccountKind::kUserWallet, principal.user_id, deps_.currency};
  }

  // Idempotency keys are the client's, scoped to the operation and the caller, so that two
  // users choosing the same key never collide.
  static std::string ScopedKey(std::string_view operation, const Principal& principal,
                               std::string_view key) {
    return fmt::format("{}:{}:{}", operation, principal.user_id, key);
  }

  static Status CardDeclined() {
    return FailedPrecondition("card_declined", "the card was declined", "card_token");
  }

  static Status GatewayUnavailable() {
    return Unavailable("gateway_unavailable",
                       "the payment gateway did not answer; the top-up stays pending until the "
                       "gateway confirms it or it expires");
  }

  static Status CallbackMismatch(std::string message) {
    return InvalidArgument("callback_mismatch", std::move(message), "payload");
  }

  static Status NoSuchWithdrawal() { return NotFound("transfer_not_found", "no such withdrawal"); }

  static Status AlreadyVoided(const Transfer& withdrawal) {
    return FailedPrecondition("transfer_voided",
                              fmt::format("the withdrawal was already voided ({})",
                                          VoidCauseName(withdrawal.void_cause)));
  }

  // Inserts the top-up's charge record; true when this call did, and so may start the charge.
  Result<bool> ClaimCharge(const std::string& transfer_id) {
    const Timestamp now = deps_.clock->Now();
    bool inserted = false;
    EV_RETURN_IF_ERROR(
        deps_.storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
          EV_ASSIGN_OR_RETURN(inserted,
                              tx.wallets().InsertTopUpCharge(
                                  {transfer_id, spi::TopUpChargeState::kCharging, "", now, now}));
          return Status::Ok();
        }));
    return inserted;
  }

  // Runs `change` on the locked charge record of a top-up and writes it back.
  // Errors: kNotFound topup_charge_not_found, and what `change` returns.
  Status UpdateCharge(const std::string& transfer_id,
                      const std::function<Status(spi::TopUpChargeRecord&)>& change) {
    return deps_.storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
      auto& repo = tx.wallets();
      EV_ASSIGN_OR_RETURN(spi::TopUpChargeRecord record,
                          repo.FindTopUpCharge(transfer_id, spi::LockMode::kForUpdate));
      EV_RETURN_IF_ERROR(change(record));
      record.updated_at = deps_.clock->Now();
      return repo.UpdateTopUpCharge(record);
    });
  }

  // Records the gateway's answer to the charge; a charge id a callback recorded first is kept.
  Status RecordCharge(const std::string& transfer_id, spi::TopUpChargeState state,
                      const std::string& charge_id) {
    return UpdateCharge(transfer_id, [&](spi::TopUpChargeRecord& record) {
      record.state = state;
      if (record.charge_id.empty()) record.charge_id = charge_id;
      return Status::Ok();
    });
  }

  // A callback must name the charge its top-up started; one whose id was never learnt (the
  // gateway did not answer) takes the id of the first signed callback.
  Status MatchCharge(const std::string& transfer_id, const std::string& charge_id) {
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

  // The gateway refused the charge at once: the refusal is recorded (replays repeat it), then
  // the hold is voided with the refusal as its cause.
  Result<TopUp> Refuse(const Transfer& transfer, spi::TopUpChargeState state,
                       const std::string& charge_id, Status failure) {
    EV_RETURN_IF_ERROR(RecordCharge(transfer.id, state, charge_id));
    const VoidCause cause = state == spi::TopUpChargeState::kInvalidCardToken
                                ? VoidCause::kInvalidCardToken
                                : VoidCause::kCardDeclined;
    auto voided = ledger().VoidPending(transfer.id, cause, "");
    if (!voided.ok()) return voided.status();
    return failure;
  }

  // The answer to a call that did not start the charge: the first call's, as recorded.
  Result<TopUp> Replay(const Transfer& transfer) {
    spi::TopUpChargeRecord record;
    const Status found =
        deps_.storage->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) {
          EV_ASSIGN_OR_RETURN(record,
                              tx.wallets().FindTopUpCharge(transfer.id, spi::LockMode::kNone));
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
        return InvalidArgument("invalid_card_token", "the card token is not valid", "card_token");
      case spi::TopUpChargeState::kGatewayUnavailable:
        return GatewayUnavailable();
    }
    return TopUp{transfer, record.charge_id};
  }

  Status CheckWithdrawal(const Principal& admin, std::string_view transfer_id) {
    if (!IsAllowed(admin.role, Action::kManageWithdrawals)) return Forbidden();
    return FindWithdrawal(transfer_id).status();
  }

  Result<Transfer> FindWithdrawal(std::string_view transfer_id) {
    if (!IsValidId(transfer_id)) return NoSuchWithdrawal();
    auto transfer = ledger().GetTransfer(transfer_id);
    if (transfer.status().code() == StatusCode::kNotFound) return NoSuchWithdrawal();
    if (!transfer.ok()) return transfer.status();
    if (transfer->kind != TransferKind::kWithdrawal) return NoSuchWithdrawal();
    return transfer;
  }

  WalletsDependencies deps_;
};

}  // namespace

std::unique_ptr<Wallets> MakeWalletsService(WalletsDependencies dependencies) {
  return std::make_unique<WalletsServiceImpl>(std::move(dependencies));
}

}  // namespace eventify::wallets
