#include "wallets/wallets_service.h"

#include <fmt/format.h>

#include "core/status_macros.h"

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
    TransferRequest hold;
    hold.idempotency_key = ScopedKey("topup", principal, request.idempotency_key);
    hold.kind = TransferKind::kCredit;
    hold.from = AccountRef{AccountKind::kGatewayClearing, "", deps_.currency};
    hold.to = wallet;
    hold.amount = Money{request.amount, deps_.currency};
    hold.pending = true;
    hold.pending_timeout = deps_.options.topup_timeout;
    EV_ASSIGN_OR_RETURN(Transfer transfer, ledger().CreateTransfer(hold));
    if (transfer.status != TransferStatus::kPending) {
      // A retry of a top-up that has already ended: answer as the first call ended.
      EV_RETURN_IF_ERROR(FailureOfVoidedTopUp(transfer));
      return TopUp{std::move(transfer), ""};
    }
    if (!deps_.gateway) {
      return VoidAndFail(transfer, "gateway_unavailable",
                         Unavailable("gateway_unavailable", "no payment gateway is configured"));
    }
    // The gateway treats a repeated reference as the same charge, so a retry that reaches this
    // point again does not charge the card twice.
    auto charge = deps_.gateway->StartCharge(
        spi::ChargeRequest{transfer.id, hold.amount, request.card_token});
    if (!charge.ok()) {
      const bool outage = charge.status().code() == StatusCode::kUnavailable;
      return VoidAndFail(transfer, outage ? "gateway_unavailable" : "invalid_card_token",
                         charge.status());
    }
    switch (charge->state) {
      case spi::ChargeState::kDeclined:
        return VoidAndFail(transfer, "card_declined", CardDeclined());
      case spi::ChargeState::kSucceeded: {
        EV_ASSIGN_OR_RETURN(Transfer posted, ledger().PostPending(transfer.id));
        return TopUp{std::move(posted), charge->charge_id};
      }
      case spi::ChargeState::kPending:
        break;
    }
    return TopUp{std::move(transfer), charge->charge_id};
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
      return InvalidArgument("callback_mismatch",
                             "the callback does not match the top-up it names", "payload");
    }
    if (event.state == spi::ChargeState::kSucceeded) return ledger().PostPending(transfer->id);
    return ledger().VoidPending(transfer->id, "card_declined");
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
    return ledger().VoidPending(transfer_id, reason);
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

  Status FailureOfVoidedTopUp(const Transfer& transfer) const {
    if (transfer.status != TransferStatus::kVoided) return Status::Ok();
    if (transfer.void_reason == "card_declined") return CardDeclined();
    if (transfer.void_reason == "gateway_unavailable") {
      return Unavailable("gateway_unavailable", "the payment gateway was not reachable");
    }
    return Status::Ok();  // expired: the voided transfer itself says so
  }

  Result<TopUp> VoidAndFail(const Transfer& transfer, std::string_view void_reason,
                            Status failure) {
    auto voided = ledger().VoidPending(transfer.id, void_reason);
    if (!voided.ok()) return voided.status();
    return failure;
  }

  Status CheckWithdrawal(const Principal& admin, std::string_view transfer_id) {
    if (!IsAllowed(admin.role, Action::kManageWithdrawals)) return Forbidden();
    if (!IsValidId(transfer_id)) return NotFound("transfer_not_found", "no such withdrawal");
    EV_ASSIGN_OR_RETURN(const Transfer transfer, ledger().GetTransfer(transfer_id));
    if (transfer.kind != TransferKind::kWithdrawal) {
      return NotFound("transfer_not_found", "no such withdrawal");
    }
    return Status::Ok();
  }

  WalletsDependencies deps_;
};

}  // namespace

std::unique_ptr<Wallets> MakeWalletsService(WalletsDependencies dependencies) {
  return std::make_unique<WalletsServiceImpl>(std::move(dependencies));
}

}  // namespace eventify::wallets
