#include "wallets/wallets_service.h"

#include <fmt/format.h>

#include "core/status_macros.h"

namespace eventify::wallets {
namespace {

constexpr std::size_t kMaxClientKeyLength = 200;
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
    EV_RETURN_IF_ERROR(charges().CheckCardToken(request.card_token));
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
    hold.fingerprint = CardCharges::CardFingerprint(request.card_token);
    EV_ASSIGN_OR_RETURN(const Transfer transfer, ledger().CreateTransfer(hold));
    return charges().Charge(transfer, request.card_token);
  }

  Result<Transfer> HandleGatewayCallback(std::string_view payload,
                                         std::string_view signature) override {
    return charges().HandleCallback(payload, signature);
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
  CardCharges& charges() { return *deps_.charges; }

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

  static Status NoSuchWithdrawal() { return NotFound("transfer_not_found", "no such withdrawal"); }

  static Status AlreadyVoided(const Transfer& withdrawal) {
    return FailedPrecondition("transfer_voided",
                              fmt::format("the withdrawal was already voided ({})",
                                          VoidCauseName(withdrawal.void_cause)));
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
