// Ledger: the double-entry book behind every wallet. Money only ever moves as a Transfer between
// two ledger accounts; a posted transfer writes two immutable entries (a debit and a credit of
// the same amount), so per currency all balances always sum to zero.
//
// Accounts are named by AccountRef (kind + owner + currency) and created on first use. Wallets
// (user, organizer), escrow, platform revenue and withdrawals payable can never go negative: the
// check runs inside the transaction that moves the money, against the locked account rows. Only
// the payment-gateway clearing account goes negative: it mirrors money that came from outside.
//
// Two-phase transfers: a pending transfer holds the amount on the debit side (it stops counting
// as available) until it is posted or voided; a pending transfer that reaches its expiry is
// voided by VoidExpired and can never be posted. Reads do not wait for that sweep: from its expiry
// on, every read (GetTransfer, GetBalance, History, ListTransfers, a replayed CreateTransfer)
// reports the hold as voided with void_cause kExpired and resolved_at = expires_at, and no
// longer counts it in pending_debits or pending_credits.
//
// Why a transfer was voided is a VoidCause, which code may branch on; what people wrote about it
// (an admin's reason for a decline) is only a note beside it and never changes what the ledger
// or the wallets do.
//
// Idempotency: every transfer carries a key. Repeating a request with the same key and the same
// content returns the original transfer (whatever happened since); the same key with different
// content is refused with kAlreadyExists idempotency_key_reused. Keys are global: services
// prefix them with their own scope (e.g. "topup:<user id>:<client key>").
//
// Obtained from Engine::ledger(); owned by the engine.
// Thread-safety: every member function may be called concurrently from any number of threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/export.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

enum class AccountKind : int {
  kUserWallet = 0,
  kOrganizerWallet = 1,
  kPlatformRevenue = 2,
  kEscrow = 3,             // per event: ticket money held until settlement or refund
  kGatewayClearing = 4,    // money coming in from, or going out to, the payment gateway
  kWithdrawalsPayable = 5, // approved withdrawals owed to their owners outside the platform
};

enum class TransferKind : int {
  kCredit = 0,      // a wallet top-up
  kDebit = 1,       // a payment from a wallet
  kRefund = 2,
  kWithdrawal = 3,
  kCommission = 4,
  kSettlement = 5,
};

enum class TransferStatus : int { kPending = 0, kPosted = 1, kVoided = 2 };

// Why a transfer was voided. Stored by name (VoidCauseName), which is also the wire name.
enum class VoidCause : int {
  kNone = 0,              // "": not voided
  kVoided = 1,            // "voided": by a VoidPending caller for a reason only its note gives
  kExpired = 2,           // "expired": the hold reached its expiry (the ledger alone decides it)
  kCancelledByOwner = 3,  // "cancelled": the owner took back their withdrawal
  kDeclinedByAdmin = 4,   // "declined": an admin declined the withdrawal; the note says why
  kCardDeclined = 5,      // "card_declined": the gateway declined the top-up's card
  kInvalidCardToken = 6,  // "invalid_card_token": the gateway refused the card token
};

EVENTIFY_EXPORT std::string_view AccountKindName(AccountKind kind);  // "user_wallet", "escrow", ...
EVENTIFY_EXPORT Result<AccountKind> ParseAccountKind(std::string_view name);
EVENTIFY_EXPORT std::string_view TransferKindName(TransferKind kind);  // "credit", "debit", ...
EVENTIFY_EXPORT Result<TransferKind> ParseTransferKind(std::string_view name);
// "pending", "posted", "voided"
EVENTIFY_EXPORT std::string_view TransferStatusName(TransferStatus status);
EVENTIFY_EXPORT Result<TransferStatus> ParseTransferStatus(std::string_view name);
// "", "voided", "expired", "cancelled", ...
EVENTIFY_EXPORT std::string_view VoidCauseName(VoidCause cause);
// Errors: kInvalidArgument (invalid_void_cause, field "void_cause").
EVENTIFY_EXPORT Result<VoidCause> ParseVoidCause(std::string_view name);

// True for the kinds whose balance may go below zero (only the gateway clearing account).
EVENTIFY_EXPORT bool MayGoNegative(AccountKind kind);

// Names a ledger account. owner_id is the user id for wallets, the event id for escrow, and
// empty for the platform-wide accounts (revenue, clearing, withdrawals payable).
struct AccountRef {
  AccountKind kind = AccountKind::kUserWallet;
  std::string owner_id;
  std::string currency;

  friend bool operator==(const AccountRef&, const AccountRef&) = default;
};

struct Balance {
  AccountRef account;
  std::string account_id;
  std::int64_t posted = 0;           // credits minus debits of posted transfers (minor units)
  std::int64_t pending_debits = 0;   // held by pending transfers out of this account
  std::int64_t pending_credits = 0;  // on their way in, not yet usable
  // What may be spent now: posted minus pending debits.
  std::int64_t available() const { return posted - pending_debits; }
};

struct TransferRequest {
  std::string idempotency_key;  // 1–255 printable ASCII characters
  TransferKind kind = TransferKind::kDebit;
  AccountRef from;  // debited
  AccountRef to;    // credited
  Money amount;     // > 0, in the currency of both accounts
  // A pending transfer holds the amount until PostPending or VoidPending; with a timeout it is
  // voided by VoidExpired once the timeout has passed, and can no longer be posted.
  bool pending = false;
  std::optional<Duration> pending_timeout;
  std::string reference;  // free text for people: a booking id, a gateway charge id (≤ 200)
  // What else defines the request for idempotency without being stored with the transfer (say a
  // digest of a card token): a retry must repeat it, a different one makes the key reused. Only
  // its digest is kept, within the request's.
  std::string fingerprint;
};

struct Transfer {
  std::string id;
  std::string idempotency_key;
  TransferKind kind = TransferKind::kDebit;
  AccountRef from;
  AccountRef to;
  Money amount;
  TransferStatus status = TransferStatus::kPending;
  std::string reference;
  VoidCause void_cause = VoidCause::kNone;  // kNone unless voided
  std::string void_note;  // free text for people about the void (an admin's reason); often empty
  Timestamp created_at;
  std::optional<Timestamp> expires_at;   // pending transfers only
  std::optional<Timestamp> resolved_at;  // when posted or voided
};

// One line of an account's history, newest first.
struct HistoryItem {
  Transfer transfer;
  AccountRef counterparty;
  std::int64_t amount = 0;  // signed from this account's view: + in, - out
  std::optional<std::int64_t> balance_after;  // posted balance after this transfer, once posted
};

struct HistoryQuery {
  std::optional<TransferKind> kind;
  std::optional<TransferStatus> status;
  std::optional<Timestamp> from;   // created_at >= from
  std::optional<Timestamp> until;  // created_at < until
  std::string cursor;              // from a previous page; empty for the first
  int limit = 20;                  // 1–100
};

struct HistoryPage {
  std::vector<HistoryItem> items;
  std::string next_cursor;  // empty when there is nothing older
};

struct TransferQuery {
  std::optional<TransferKind> kind;
  std::optional<TransferStatus> status;
  std::string cursor;  // from a previous page; empty for the first
  int limit = 20;      // 1–100
};

struct TransferPage {
  std::vector<Transfer> items;  // newest first
  std::string next_cursor;      // empty when there is nothing older
};

struct AuditReport {
  std::int64_t accounts_checked = 0;
  std::int64_t transfers_checked = 0;
  std::vector<std::string> discrepancies;  // one line each; empty when the ledger is sound
  bool clean() const { return discrepancies.empty(); }
};

class EVENTIFY_EXPORT Ledger {
 public:
  virtual ~Ledger() = default;

  // Moves money now (posted) or holds it (request.pending).
  // Errors: kInvalidArgument (invalid_amount, invalid_currency, currency_mismatch,
  // invalid_idempotency_key, same_account, invalid_account, invalid_reference),
  // kFailedPrecondition insufficient_funds, kAlreadyExists idempotency_key_reused.
  virtual Result<Transfer> CreateTransfer(const TransferRequest& request) = 0;

  // Posts a pending transfer. Posting a posted transfer returns it unchanged.
  // Errors: kNotFound transfer_not_found, kFailedPrecondition transfer_voided or
  // transfer_expired (the hold lapsed; it is voided now).
  virtual Result<Transfer> PostPending(std::string_view transfer_id) = 0;

  // Voids a pending transfer for `cause`, with `note` (up to 200 printable ASCII characters,
  // possibly empty) kept beside it for people. Voiding a voided transfer returns it unchanged,
  // with the cause and note it was voided with; a hold past its expiry is voided as kExpired
  // (without a note), whatever `cause` says.
  // Errors: kInvalidArgument invalid_void_cause (kNone or kExpired: only the ledger decides an
  // expiry), kInvalidArgument invalid_reason (field "reason": the note), kNotFound
  // transfer_not_found, kFailedPrecondition transfer_posted.
  virtual Result<Transfer> VoidPending(std::string_view transfer_id, VoidCause cause,
                                       std::string_view note) = 0;

  // Voids up to `limit` pending transfers whose expiry has passed; returns how many.
  virtual Result<std::int64_t> VoidExpired(int limit) = 0;

  // Errors: kNotFound transfer_not_found.
  virtual Result<Transfer> GetTransfer(std::string_view transfer_id) = 0;

  // The balance of an account; an account never used has all zeros.
  virtual Result<Balance> GetBalance(const AccountRef& account) = 0;

  // Errors: kInvalidArgument (invalid_cursor, invalid_limit, invalid_range).
  virtual Result<HistoryPage> History(const AccountRef& account, const HistoryQuery& query) = 0;

  // Transfers across all accounts by kind and status, e.g. the pending withdrawals.
  // Errors: kInvalidArgument (invalid_cursor, invalid_limit).
  virtual Result<TransferPage> ListTransfers(const TransferQuery& query) = 0;

  // Recomputes every balance from the entries and the pending transfers, and checks that each
  // cached balance matches, that every currency sums to zero and that no account that must not
  // go negative is negative.
  virtual Result<AuditReport> Audit() = 0;
};

}  // namespace eventify
