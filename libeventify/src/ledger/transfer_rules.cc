#include "ledger/transfer_rules.h"

#include <fmt/format.h>

#include "core/status_macros.h"
#include "crypto/sodium.h"

namespace eventify::ledger {
namespace {

bool NeedsOwner(AccountKind kind) {
  return kind == AccountKind::kUserWallet || kind == AccountKind::kOrganizerWallet ||
         kind == AccountKind::kEscrow;
}

}  // namespace

Status ValidateRef(const AccountRef& ref, std::string_view field) {
  if (!IsValidCurrency(ref.currency)) {
    return InvalidArgument("invalid_currency", "currency must be an ISO 4217 code such as INR",
                           std::string(field));
  }
  if (NeedsOwner(ref.kind) != !ref.owner_id.empty() || ref.owner_id.size() > kMaxOwnerIdLength ||
      !IsPrintableAscii(ref.owner_id)) {
    return InvalidArgument("invalid_account",
                           fmt::format("a {} account {} an owner id", AccountKindName(ref.kind),
                                       NeedsOwner(ref.kind) ? "needs" : "has no"),
                           std::string(field));
  }
  return Status::Ok();
}

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

Status ValidateRequest(const TransferRequest& request) {
  if (request.idempotency_key.empty() || request.idempotency_key.size() > kMaxKeyLength ||
      !IsPrintableAscii(request.idempotency_key)) {
    return InvalidArgument("invalid_idempotency_key",
                           "the idempotency key must be 1 to 255 printable ASCII characters",
                           "idempotency_key");
  }
  if (request.amount.minor_units <= 0 || request.amount.minor_units > kMaxAmount) {
    return InvalidArgument("invalid_amount", "the amount must be positive and at most 10^15",
                           "amount");
  }
  if (!IsValidCurrency(request.amount.currency)) {
    return InvalidArgument("invalid_currency", "currency must be an ISO 4217 code such as INR",
                           "currency");
  }
  EV_RETURN_IF_ERROR(ValidateRef(request.from, "from"));
  EV_RETURN_IF_ERROR(ValidateRef(request.to, "to"));
  if (request.from.currency != request.amount.currency ||
      request.to.currency != request.amount.currency) {
    return InvalidArgument("currency_mismatch",
                           "both accounts must hold the currency of the amount", "currency");
  }
  if (request.from == request.to) {
    return InvalidArgument("same_account", "a transfer needs two different accounts", "to");
  }
  if (request.reference.size() > kMaxReferenceLength) {
    return InvalidArgument("invalid_reference", "the reference is longer than 200 bytes",
                           "reference");
  }
  if (request.pending_timeout && (!request.pending || request.pending_timeout->count() <= 0)) {
    return InvalidArgument("invalid_timeout",
                           "a timeout needs a pending transfer and must be positive",
                           "pending_timeout");
  }
  return Status::Ok();
}

// A request without a fingerprint hashes as before fingerprints existed (v1), so that its stored
// transfers still replay; one with a fingerprint appends the fingerprint's own digest, of fixed
// length, so that no reference and fingerprint pair can read as another.
std::string RequestHash(const TransferRequest& r) {
  const std::string v1 = fmt::format(
      "v1|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", TransferKindName(r.kind), AccountKindName(r.from.kind),
      r.from.owner_id, r.from.currency, AccountKindName(r.to.kind), r.to.owner_id, r.to.currency,
      r.amount.minor_units, r.pending ? 1 : 0, r.pending_timeout ? r.pending_timeout->count() : -1,
      r.reference);
  if (r.fingerprint.empty()) return crypto::Sha256Hex(v1);
  return crypto::Sha256Hex(fmt::format("v2|{}|{}", v1, crypto::Sha256Hex(r.fingerprint)));
}

AccountRef RefOf(const spi::LedgerAccountRecord& account) {
  return AccountRef{account.kind, account.owner_id, account.currency};
}

bool IsExpiredAt(const spi::TransferRecord& transfer, Timestamp now) {
  return transfer.status == TransferStatus::kPending && transfer.expires_at &&
         now >= *transfer.expires_at;
}

Transfer ToTransfer(const spi::TransferRecord& record, AccountRef from, AccountRef to, Timestamp now) {
  Transfer t;
  t.id = record.id;
  t.idempotency_key = record.idempotency_key;
  t.kind = record.kind;
  t.from = std::move(from);
  t.to = std::move(to);
  t.amount = Money{record.amount, record.currency};
  t.status = record.status;
  t.reference = record.reference;
  t.void_cause = record.void_cause;
  t.void_note = record.void_note;
  t.created_at = record.created_at;
  t.expires_at = record.expires_at;
  t.resolved_at = record.resolved_at;
  if (IsExpiredAt(record, now)) {
    t.status = TransferStatus::kVoided;
    t.void_cause = VoidCause::kExpired;
    t.void_note.clear();
    t.resolved_at = record.expires_at;
  }
  return t;
}

Status Overflow() {
  return FailedPrecondition("balance_overflow", "the balance would leave the 64-bit range");
}

Result<std::vector<spi::EntryRecord>> Post(spi::LedgerAccountRecord& from, spi::LedgerAccountRecord& to,
                                           const spi::TransferRecord& transfer, Timestamp now) {
  std::int64_t from_after, to_after;
  if (__builtin_sub_overflow(from.posted, transfer.amount, &from_after) ||
      __builtin_add_overflow(to.posted, transfer.amount, &to_after)) {
    return Overflow();
  }
  from.posted = from_after;
  to.posted = to_after;
  from.updated_at = to.updated_at = now;
  return std::vector<spi::EntryRecord>{
      {transfer.id, from.id, -transfer.amount, from.posted, now},
      {transfer.id, to.id, transfer.amount, to.posted, now},
  };
}

spi::LedgerAccountRecord NewAccount(const AccountRef& ref, Timestamp now) {
  spi::LedgerAccountRecord account;
  account.id = NewId(now);
  account.kind = ref.kind;
  account.owner_id = ref.owner_id;
  account.currency = ref.currency;
  account.created_at = account.updated_at = now;
  return account;
}

std::string RefKey(AccountKind kind, std::string_view owner, std::string_view currency) {
  return fmt::format("{}|{}|{}", static_cast<int>(kind), owner, currency);
}
std::string RefKey(const AccountRef& ref) { return RefKey(ref.kind, ref.owner_id, ref.currency); }

}  // namespace eventify::ledger
