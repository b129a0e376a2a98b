// The stable names of the ledger's and the wallets' enums: used in the database, in JSON and in
// messages.
#include <array>
#include <utility>

#include "eventify/ledger.h"
#include "eventify/spi/wallet_repository.h"

namespace eventify {
namespace {

template <typename Enum, std::size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "unknown";
}

template <typename Enum, std::size_t N>
Result<Enum> Parse(const std::array<std::pair<Enum, std::string_view>, N>& table,
                   std::string_view name, const char* what, const char* field) {
  for (const auto& [e, n] : table) {
    if (n == name) return e;
  }
  return InvalidArgument(std::string("invalid_") + field, std::string("unknown ") + what, field);
}

constexpr std::array<std::pair<AccountKind, std::string_view>, 6> kAccountKinds{{
    {AccountKind::kUserWallet, "user_wallet"},
    {AccountKind::kOrganizerWallet, "organizer_wallet"},
    {AccountKind::kPlatformRevenue, "platform_revenue"},
    {AccountKind::kEscrow, "escrow"},
    {AccountKind::kGatewayClearing, "gateway_clearing"},
    {AccountKind::kWithdrawalsPayable, "withdrawals_payable"},
}};

constexpr std::array<std::pair<TransferKind, std::string_view>, 6> kTransferKinds{{
    {TransferKind::kCredit, "credit"},
    {TransferKind::kDebit, "debit"},
    {TransferKind::kRefund, "refund"},
    {TransferKind::kWithdrawal, "withdrawal"},
    {TransferKind::kCommission, "commission"},
    {TransferKind::kSettlement, "settlement"},
}};

constexpr std::array<std::pair<TransferStatus, std::string_view>, 3> kTransferStatuses{{
    {TransferStatus::kPending, "pending"},
    {TransferStatus::kPosted, "posted"},
    {TransferStatus::kVoided, "voided"},
}};

constexpr std::array<std::pair<VoidCause, std::string_view>, 7> kVoidCauses{{
    {VoidCause::kNone, ""},
    {VoidCause::kVoided, "voided"},
    {VoidCause::kExpired, "expired"},
    {VoidCause::kCancelledByOwner, "cancelled"},
    {VoidCause::kDeclinedByAdmin, "declined"},
    {VoidCause::kCardDeclined, "card_declined"},
    {VoidCause::kInvalidCardToken, "invalid_card_token"},
}};

constexpr std::array<std::pair<spi::TopUpChargeState, std::string_view>, 5> kTopUpChargeStates{{
    {spi::TopUpChargeState::kCharging, "charging"},
    {spi::TopUpChargeState::kAccepted, "accepted"},
    {spi::TopUpChargeState::kCardDeclined, "card_declined"},
    {spi::TopUpChargeState::kInvalidCardToken, "invalid_card_token"},
    {spi::TopUpChargeState::kGatewayUnavailable, "gateway_unavailable"},
}};

}  // namespace

std::string_view spi::TopUpChargeStateName(TopUpChargeState state) {
  return NameOf(kTopUpChargeStates, state);
}
Result<spi::TopUpChargeState> spi::ParseTopUpChargeState(std::string_view name) {
  return Parse(kTopUpChargeStates, name, "top-up charge state", "state");
}

std::string_view AccountKindName(AccountKind kind) { return NameOf(kAccountKinds, kind); }
Result<AccountKind> ParseAccountKind(std::string_view name) {
  return Parse(kAccountKinds, name, "account kind", "account_kind");
}
std::string_view TransferKindName(TransferKind kind) { return NameOf(kTransferKinds, kind); }
Result<TransferKind> ParseTransferKind(std::string_view name) {
  return Parse(kTransferKinds, name, "transfer kind", "kind");
}
std::string_view TransferStatusName(TransferStatus status) {
  return NameOf(kTransferStatuses, status);
}
Result<TransferStatus> ParseTransferStatus(std::string_view name) {
  return Parse(kTransferStatuses, name, "transfer status", "status");
}

std::string_view VoidCauseName(VoidCause cause) { return NameOf(kVoidCauses, cause); }
Result<VoidCause> ParseVoidCause(std::string_view name) {
  return Parse(kVoidCauses, name, "void cause", "void_cause");
}

bool MayGoNegative(AccountKind kind) { return kind == AccountKind::kGatewayClearing; }

}  // namespace eventify
