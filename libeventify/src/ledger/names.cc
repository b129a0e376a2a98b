// The stable names of the ledger's and the wallets' enums: used in the database, in JSON and in
// messages.
#include <string>

#include "core/enum_names.h"
#include "eventify/ledger.h"
#include "eventify/spi/wallet_repository.h"

namespace eventify {
namespace {

template <typename Enum, std::size_t N>
std::string_view NameOf(const EnumNames<Enum, N>& table, Enum value) {
  return NameIn(table, value, "unknown");
}

template <typename Enum, std::size_t N>
Result<Enum> Parse(const EnumNames<Enum, N>& table, std::string_view name, const char* what,
                   const char* field) {
  return ParseIn(table, name, std::string("invalid_") + field, std::string("unknown ") + what,
                 field);
}

constexpr EnumNames<AccountKind, 6> kAccountKinds{{
    {AccountKind::kUserWallet, "user_wallet"},
    {AccountKind::kOrganizerWallet, "organizer_wallet"},
    {AccountKind::kPlatformRevenue, "platform_revenue"},
    {AccountKind::kEscrow, "escrow"},
    {AccountKind::kGatewayClearing, "gateway_clearing"},
    {AccountKind::kWithdrawalsPayable, "withdrawals_payable"},
}};

constexpr EnumNames<TransferKind, 6> kTransferKinds{{
    {TransferKind::kCredit, "credit"},
    {TransferKind::kDebit, "debit"},
    {TransferKind::kRefund, "refund"},
    {TransferKind::kWithdrawal, "withdrawal"},
    {TransferKind::kCommission, "commission"},
    {TransferKind::kSettlement, "settlement"},
}};

constexpr EnumNames<TransferStatus, 3> kTransferStatuses{{
    {TransferStatus::kPending, "pending"},
    {TransferStatus::kPosted, "posted"},
    {TransferStatus::kVoided, "voided"},
}};

constexpr EnumNames<VoidCause, 7> kVoidCauses{{
    {VoidCause::kNone, ""},
    {VoidCause::kVoided, "voided"},
    {VoidCause::kExpired, "expired"},
    {VoidCause::kCancelledByOwner, "cancelled"},
    {VoidCause::kDeclinedByAdmin, "declined"},
    {VoidCause::kCardDeclined, "card_declined"},
    {VoidCause::kInvalidCardToken, "invalid_card_token"},
}};

constexpr EnumNames<spi::TopUpChargeState, 5> kTopUpChargeStates{{
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
