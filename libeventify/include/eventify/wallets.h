// Wallets: what users, organizers and admins do with money, on top of the Ledger — balances and
// history of one's own wallet, top-ups through the payment gateway, withdrawals that an admin
// approves or declines, and the ledger audit.
//
// Every user has a user wallet; organizers also have an organizer wallet (where settlements land).
// Wallets hold the platform currency (EngineOptions::currency). Money-moving calls take a client
// idempotency key, scoped to the caller, so a retried request never moves money twice.
//
// Obtained from Engine::wallets(); owned by the engine.
// Thread-safety: every member function may be called concurrently from any number of threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/export.h"
#include "eventify/ledger.h"
#include "eventify/status.h"

namespace eventify {

enum class WalletKind { kUser, kOrganizer };

struct TopUpRequest {
  WalletKind wallet = WalletKind::kUser;
  std::int64_t amount = 0;  // minor units of the platform currency
  std::string card_token;
  std::string idempotency_key;
};

struct TopUp {
  Transfer transfer;      // pending until the gateway confirms; posted or voided afterwards
  std::string charge_id;  // the gateway's id of the charge, empty while the gateway's answer is
                          // not known
};

struct WithdrawalRequest {
  WalletKind wallet = WalletKind::kUser;
  std::int64_t amount = 0;
  std::string idempotency_key;
};

class EVENTIFY_EXPORT Wallets {
 public:
  virtual ~Wallets() = default;

  // Errors: kPermissionDenied forbidden (an organizer wallet for a non-organizer).
  virtual Result<Balance> GetBalance(const Principal& principal, WalletKind wallet) = 0;
  // Errors: as GetBalance and Ledger::History.
  virtual Result<HistoryPage> History(const Principal& principal, WalletKind wallet,
                                      const HistoryQuery& query) = 0;

  // Starts a card top-up: holds a pending credit from the gateway clearing account, then asks
  // the gateway to charge, once: of the calls made with one idempotency key exactly one reaches
  // the gateway. Answers:
  //  - the gateway took the charge: the pending top-up (with its charge_id); the gateway's signed
  //    callback settles it, or it expires after the configured timeout;
  //  - refused at once: the hold is voided (it stays in the history as a voided credit with
  //    void_cause kCardDeclined or kInvalidCardToken) and kFailedPrecondition card_declined or
  //    kInvalidArgument invalid_card_token is returned;
  //  - no answer (the gateway may have taken the charge): kUnavailable gateway_unavailable, and
  //    the top-up stays pending until the gateway's callback or the expiry decides it;
  //  - no gateway configured: kUnavailable gateway_unavailable, nothing is written.
  // A replay (same key, same amount, wallet and card token) never calls the gateway: it repeats
  // the first answer, an accepted top-up shown as it is now (posted, voided or expired since).
  // While the first call has not recorded the gateway's answer, a replay gets kAborted
  // topup_in_progress (retry it later). The card token is part of the request: only its digest
  // is kept.
  // Errors also: kInvalidArgument (invalid_amount, invalid_card_token, invalid_idempotency_key),
  // kAlreadyExists idempotency_key_reused, kPermissionDenied forbidden.
  virtual Result<TopUp> StartTopUp(const Principal& principal, const TopUpRequest& request) = 0;

  // Applies a gateway callback: a success posts the top-up, a decline voids it. Replays are
  // harmless. The callback must name the charge the top-up started; when that charge's id was
  // never learnt (the gateway did not answer), the first signed callback names it.
  // Errors: kUnauthenticated invalid_signature or signature_not_yet_valid (the gateway's),
  // kInvalidArgument malformed_callback or callback_mismatch (amount, currency or charge id
  // differ from the top-up's, or no charge was started for it), kNotFound transfer_not_found,
  // kFailedPrecondition transfer_expired (the hold lapsed before the confirmation came),
  // transfer_voided or transfer_posted (the top-up was decided the other way).
  virtual Result<Transfer> HandleGatewayCallback(std::string_view payload,
                                                 std::string_view signature) = 0;

  // Holds the amount in a pending withdrawal until an admin decides.
  // Errors: kInvalidArgument invalid_amount, kFailedPrecondition insufficient_funds,
  // kPermissionDenied forbidden, kAlreadyExists idempotency_key_reused.
  virtual Result<Transfer> RequestWithdrawal(const Principal& principal,
                                             const WithdrawalRequest& request) = 0;

  // The owner withdraws their own pending withdrawal: it is voided (kCancelledByOwner) and the
  // funds are available again. Errors: kNotFound transfer_not_found (no such withdrawal of
  // the caller's), kFailedPrecondition transfer_posted or transfer_voided (already decided).
  virtual Result<Transfer> CancelWithdrawal(const Principal& principal,
                                            std::string_view transfer_id) = 0;

  // Admin only (kPermissionDenied forbidden otherwise). Newest first, like every list.
  virtual Result<TransferPage> ListPendingWithdrawals(const Principal& admin,
                                                      std::string_view cursor, int limit) = 0;
  // Posts the withdrawal to withdrawals payable. Errors: kNotFound transfer_not_found (also for
  // a transfer that is not a withdrawal), kFailedPrecondition transfer_voided (declined or
  // cancelled, whatever the decline's reason says).
  virtual Result<Transfer> ApproveWithdrawal(const Principal& admin,
                                             std::string_view transfer_id) = 0;
  // Voids it as kDeclinedByAdmin, releasing the funds; `reason` is kept as the transfer's
  // void_note and only informs people. A reason is required (kInvalidArgument missing_reason;
  // invalid_reason beyond 200 printable ASCII characters). Declining a voided withdrawal returns
  // it unchanged. Errors also: kNotFound transfer_not_found, kFailedPrecondition transfer_posted.
  virtual Result<Transfer> DeclineWithdrawal(const Principal& admin, std::string_view transfer_id,
                                             std::string_view reason) = 0;

  // Admin only: Ledger::Audit.
  virtual Result<AuditReport> Audit(const Principal& admin) = 0;
};

}  // namespace eventify
