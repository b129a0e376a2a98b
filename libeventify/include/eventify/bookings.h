// Bookings: seats of approved events held for a while, paid from the buyer's wallet, and the
// tickets a paid booking carries.
//
// Two phases. Hold reserves 1..max_tickets_per_booking seats of an approved event that is not on
// hold and has not started, for BookingsOptions::hold_ttl; Pay pays a live hold from the buyer's
// wallet: one ledger transfer, user wallet -> the event's escrow account (AccountKind::kEscrow,
// owner = the event id), commits together with the confirmation and one ticket per seat, or none
// of it does. BookAndPay does both in one commit. A free event confirms without a transfer. A
// hold that reached its expiry is expired from that instant on: it can never be paid, reads
// report it kExpired, and its seats go back to sale (to the event's waitlist first) when the next
// operation on the event comes in (or the recurring job kExpireHoldsJob, eventify/jobs.h, sweeps
// it). The commit that confirms a
// booking also writes its confirmation e-mail, with every ticket code, to the buyer's address
// through the mail outbox (one kSendConfirmationsJob per commit, rendered when it runs;
// docs/mail.md); the commit of a buyer's cancellation of a
// confirmed booking writes the cancellation e-mail with the refund, the commit that refunds a
// booking of a cancelled event the event's cancellation with the refund, and the commit that
// claims a booking's reminder (SendReminders) the reminder.
//
// No oversell: seats_sold + seats_held never exceeds an event's capacity, whatever the
// concurrency and on every backend. Holds and payments go through the engine's commit pipeline,
// many per commit: a batch locks each event it touches once, counts seats in memory in arrival
// order, and writes each event's counters once, in the same commit as the bookings and the money.
//
// Coupons (eventify/coupons.h): a Hold or BookAndPay may name one; it is checked and its use
// reserved with the hold, in the same batch that counts seats, and the booking records its code
// and the discount. The discount lowers what goes into the event's escrow, so the organizer's
// revenue bears it, and the platform's commission is computed on what was paid. A booking the
// coupon makes free confirms without a transfer, as on a free event.
//
// Idempotency: every Hold and BookAndPay carries the client's key. A retry with the same key and
// the same event, seats and coupon code returns that booking as it is now, never a second one;
// the same key with another event, seat count or coupon is refused (kAlreadyExists
// idempotency_key_reused). Keys are per buyer. Paying a confirmed booking again returns it unchanged.
//
// A booking is visible to its buyer only: another caller's booking id answers kNotFound
// booking_not_found, as an unknown id does. Who may book and who checks tickets in is the events
// area's permission table (EventAction::kBookEvent, kCheckInTickets in eventify/events.h).
//
// Obtained from Engine::bookings(); owned by the Engine and valid while it lives.
// Waitlist: on a sold-out event a buyer joins the line (JoinWaitlist, below); seats that come
// back are offered first in line first, as a hold of their own, by e-mail.
//
// Thread-safety: every member function may be called concurrently from any number of threads.
// Calls block until their commit is durable, so never call them on a network I/O thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/card_payments.h"
#include "eventify/coupons.h"
#include "eventify/export.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

// Stored by name (BookingStatusName): "held", "confirmed", "expired", "cancelled".
//   held --Pay--> confirmed --Cancel (refunded)--> cancelled
//   held --(hold_expires_at passes)--> expired;  held --Cancel (released)--> cancelled
enum class BookingStatus : int { kHeld, kConfirmed, kExpired, kCancelled };
EVENTIFY_EXPORT std::string_view BookingStatusName(BookingStatus status);
// Errors: kInvalidArgument (invalid_status, field "status").
EVENTIFY_EXPORT Result<BookingStatus> ParseBookingStatus(std::string_view name);

// One seat of a confirmed booking.
struct Ticket {
  std::string id;
  std::string booking_id;
  std::string event_id;
  std::string user_id;
  std::int32_t seat = 1;  // 1..booking.seats
  // What the door scans (a QR payload): "t1.<ticket id>.<signature>", printable ASCII, signed by
  // the server with a key derived from EngineOptions::secret_key, so that it cannot be forged or
  // altered. Changing the secret voids every code issued before.
  std::string code;
  std::optional<Timestamp> checked_in_at;  // when it was admitted; empty until then
  Timestamp created_at;
};

struct Booking {
  std::string id;
  std::string event_id;
  std::string user_id;  // the buyer
  std::string idempotency_key;  // the client's key, as given
  std::int32_t seats = 0;
  // What the buyer pays: seats x the event's ticket price minus the discount, in the platform
  // currency; 0 when free (the event is, or the coupon takes it all).
  Money amount;
  std::string coupon_code;  // the coupon it uses (upper case); empty when none
  Money discount;           // what the coupon took off; 0 when none
  BookingStatus status = BookingStatus::kHeld;
  Timestamp hold_expires_at;  // a held booking cannot be paid from this instant on
  std::string payment_transfer_id;  // the ledger transfer that paid it; empty when free or unpaid
  std::optional<Timestamp> confirmed_at;
  std::optional<Timestamp> cancelled_at;
  std::string refund_transfer_id;  // the ledger transfer that refunded it; empty when none
  Timestamp created_at;
  Timestamp updated_at;
  std::vector<Ticket> tickets;  // confirmed bookings: one per seat, by seat
};

struct BookingRequest {
  std::string event_id;
  std::int32_t seats = 1;
  // The client's key for this booking: 1-200 printable ASCII characters, unique per buyer.
  std::string idempotency_key;
  // A coupon's code (any case; eventify/coupons.h), or empty for none.
  std::string coupon_code;
};

struct BookingsOptions {
  std::chrono::seconds hold_ttl{10 * 60};  // how long a hold keeps its seats unpaid
  // How long the hold offered to the first in a waitlist's line keeps its seats unpaid.
  std::chrono::seconds waitlist_offer_ttl{10 * 60};
  // How long before its event's start a confirmed booking gets its reminder (SendReminders);
  // positive.
  std::chrono::seconds reminder_lead{24 * 60 * 60};
  // How long a hold paid by card keeps its seats from the start of the charge while the gateway
  // has not answered (never beyond the top-up's own expiry, WalletsOptions::topup_timeout).
  std::chrono::seconds card_payment_hold{15 * 60};
};

// Stored by name (WaitlistStatusName): "waiting", "offered".
//   waiting --seats came back and the entry's seats fit--> offered (a held booking of its own)
//   waiting --Bookings::LeaveWaitlist--> gone
enum class WaitlistStatus : int { kWaiting, kOffered };
EVENTIFY_EXPORT std::string_view WaitlistStatusName(WaitlistStatus status);
// Errors: kInvalidArgument (invalid_status, field "status").
EVENTIFY_EXPORT Result<WaitlistStatus> ParseWaitlistStatus(std::string_view name);

// A user's place in the line for seats of a sold-out event (Bookings::JoinWaitlist).
struct WaitlistEntry {
  std::string id;
  std::string event_id;
  std::string user_id;
  std::int32_t seats = 1;  // how many seats they wait for, all offered at once
  WaitlistStatus status = WaitlistStatus::kWaiting;
  // kWaiting: 1 for the first in line, 2 for the next... (as of the read); 0 once offered.
  std::int64_t position = 0;
  Timestamp joined_at;
  // kOffered: the held booking made for them (idempotency key "waitlist:<entry id>"), which they
  // pay with Pay or decline with Cancel until offer_expires_at; empty while waiting.
  std::string booking_id;
  std::optional<Timestamp> offered_at;
  std::optional<Timestamp> offer_expires_at;
};

// A booking with the card payment that PayByCard started or found.
struct BookingCardPayment {
  Booking booking;
  CardPayment payment;
};

// One page of a buyer's bookings (Bookings::ListMyBookings).
struct BookingPage {
  std::vector<Booking> items;  // newest booking first, each with its tickets
  std::string next_cursor;     // empty when there is nothing older
};

class EVENTIFY_EXPORT Bookings {
 public:
  virtual ~Bookings() = default;

  // Errors shared by Hold and BookAndPay:
  //   kPermissionDenied forbidden (the permission table says no: e.g. the event's own organizer,
  //   admins); kInvalidArgument invalid_idempotency_key (field "idempotency_key"), invalid_seats
  //   (field "seats": fewer than 1 or more than the event's max_tickets_per_booking);
  //   kNotFound event_not_found (unknown, or not public); kFailedPrecondition event_not_bookable
  //   (not approved: cancelled, completed...), event_on_hold, event_started, sold_out (fewer
  //   seats left than asked); kAlreadyExists idempotency_key_reused; kUnavailable pipeline_full.
  //   With a coupon code, all with field "coupon_code": kInvalidArgument invalid_coupon_code
  //   (malformed); kNotFound coupon_not_found; kFailedPrecondition coupon_inactive,
  //   coupon_not_yet_valid, coupon_expired, coupon_not_for_event, coupon_minimum_not_met,
  //   coupon_exhausted (total limit reached by paid bookings and live holds),
  //   coupon_user_limit_reached (the buyer's limit, counted the same way).

  // Holds seats for BookingsOptions::hold_ttl; the booking is kHeld.
  virtual Result<Booking> Hold(const Principal& buyer, const BookingRequest& request) = 0;

  // Holds and pays in one commit; the booking is kConfirmed with its tickets. Nothing is kept
  // when the payment fails. Errors: those above, and kFailedPrecondition insufficient_funds.
  virtual Result<Booking> BookAndPay(const Principal& buyer, const BookingRequest& request) = 0;

  // Pays the caller's live hold; it is kConfirmed with its tickets. A confirmed booking is
  // returned unchanged. Errors: kNotFound booking_not_found; kFailedPrecondition hold_expired,
  // booking_cancelled, event_not_bookable, event_on_hold, event_started, insufficient_funds (the
  // hold is kept); kUnavailable pipeline_full.
  virtual Result<Booking> Pay(const Principal& buyer, std::string_view booking_id) = 0;

  // Pays the caller's live hold by card (eventify/card_payments.h): starts a card top-up of the
  // booking's amount into the caller's wallet and keeps the hold while the charge is in flight,
  // until min(now + card_payment_hold, the top-up's expiry) and no longer. The gateway's signed
  // callback (Wallets::HandleGatewayCallback) decides it: a success posts the top-up and, in the
  // same commit, pays the hold from the wallet as Pay does (payment "paid"), or leaves the money
  // in the wallet when the hold can no longer be paid ("in_wallet"); a decline voids the top-up
  // and gives the hold back its expiry from before the payment ("declined"), so the buyer may
  // retry. Answers the booking (still kHeld while "pending") with the payment. A replay with the
  // same key and card answers the same payment as it is now; a confirmed booking is returned
  // unchanged without a charge.
  // Errors: kInvalidArgument invalid_card_token (field "card_token": malformed, or refused by the
  // gateway; the payment is "declined"), invalid_idempotency_key; kNotFound booking_not_found;
  // kFailedPrecondition hold_expired, booking_cancelled, event_not_bookable, event_on_hold,
  // event_started, nothing_to_charge (a free event: Pay confirms it), payment_in_flight
  // (another card payment of the booking is pending), booking_confirmed (paid by another call
  // while this one started),
  // card_declined (refused at once; the hold keeps its own expiry); kAlreadyExists
  // idempotency_key_reused (the key was used with another card); kAborted topup_in_progress (a
  // concurrent call with this key has not recorded the gateway's answer yet; retry);
  // kUnavailable gateway_unavailable (no gateway configured: nothing is written; or the gateway
  // did not answer: the payment stays "pending" until the callback or the bound), pipeline_full.
  virtual Result<BookingCardPayment> PayByCard(const Principal& buyer,
                                               std::string_view booking_id,
                                               const CardPaymentRequest& request) = 0;

  // The caller's booking with its tickets. Errors: kNotFound booking_not_found.
  virtual Result<Booking> GetBooking(const Principal& buyer, std::string_view booking_id) = 0;

  // The caller's own bookings, newest first (by creation, then id), every status, each with its
  // tickets and their codes: `limit` of them after `cursor` (empty: the first page; otherwise a
  // next_cursor this call returned).
  // Errors: kInvalidArgument invalid_limit (field "limit": outside 1..100), invalid_cursor
  // (field "cursor": text this library did not issue); storage failures.
  virtual Result<BookingPage> ListMyBookings(const Principal& buyer, std::string_view cursor,
                                             int limit) = 0;

  // The buyer cancels. A live hold is released. A confirmed booking is refunded in full (one
  // ledger transfer, escrow -> the buyer's wallet, kind refund, idempotency key
  // "booking-refund:<booking id>") when the event lets attendees cancel and has not started, or
  // whenever the event was cancelled; its seats go back on sale and its tickets no longer admit.
  // Cancelling a cancelled booking returns it unchanged.
  // Errors: kNotFound booking_not_found; kFailedPrecondition hold_expired,
  // cancellation_not_allowed (the event does not let attendees cancel), event_started,
  // event_not_bookable (completed), ticket_checked_in (a ticket was admitted at the door; a
  // cancelled event refunds it all the same); kUnavailable pipeline_full.
  virtual Result<Booking> Cancel(const Principal& buyer, std::string_view booking_id) = 0;

  // Refunds up to `limit` confirmed bookings of cancelled events (as Cancel does) and returns how
  // many. The recurring job kRefundCancelledEventsJob calls it, so cancelling an event
  // (Events::CancelEvent) refunds every paid booking within a period of the job. The commit of
  // each refund writes its buyer's mail: the event is cancelled, the reason given, the amount
  // refunded to the wallet (once per booking: a booking is refunded once). Holds of a cancelled
  // event are not touched: nothing was paid, Pay refuses them (event_not_bookable) and they lapse.
  // Errors: kInvalidArgument invalid_limit; storage failures.
  virtual Result<std::int64_t> RefundCancelledEvents(int limit) = 0;

  // The event's organizer admits the ticket whose code was scanned, exactly once, also when the
  // same code is scanned at several doors at once. Returns the ticket with checked_in_at set.
  // Errors: kInvalidArgument invalid_ticket_code (field "code": malformed, or its signature does
  // not match: altered or forged); kNotFound event_not_found, ticket_not_found;
  // kPermissionDenied forbidden (not this event's organizer); kFailedPrecondition
  // event_cancelled (the event was cancelled: no ticket of it admits, refunded yet or not),
  // ticket_for_another_event, ticket_cancelled (its booking was cancelled), already_checked_in
  // (the message says when).
  virtual Result<Ticket> CheckIn(const Principal& organizer, std::string_view event_id,
                                 std::string_view code) = 0;

  // Writes the reminder e-mail of up to `limit` confirmed bookings due one and returns how many
  // it wrote, all in one transaction. A booking is due a reminder once its event (approved, not
  // cancelled) starts within BookingsOptions::reminder_lead and has not started; it gets one
  // exactly once, however many processes call this at once and across restarts (the claim and
  // the mail commit together). A booking confirmed less than reminder_lead before its event's
  // start gets none (its confirmation came within the window); a cancelled booking gets none. A
  // reminder whose mail could not leave before the event started is not sent (docs/mail.md).
  // The recurring job kSendRemindersJob calls it until it returns 0.
  // Errors: kInvalidArgument invalid_limit (field "limit": not positive); storage failures.
  virtual Result<std::int64_t> SendReminders(int limit) = 0;

  // Expires up to `limit` events' worth of held bookings whose hold has lapsed and returns their
  // seats; returns how many bookings expired. The recurring job kExpireHoldsJob calls it.
  // Errors: kInvalidArgument invalid_limit; storage failures.
  virtual Result<std::int64_t> ExpireHolds(int limit) = 0;

  // The coupons' management (eventify/coupons.h); valid while this object lives.
  virtual Coupons& coupons() = 0;

  // ---- The waitlist of a sold-out event (docs/bookings.md, "Waitlist") -------------------------
  // When seats come back (a cancellation, a lapsed or released hold, more capacity), the first
  // entry in line whose seats fit is offered them: a held booking is made for that user in the
  // commit that freed the seats (or, for more capacity, by the recurring kExpireHoldsJob within
  // a period of it), lasting BookingsOptions::waitlist_offer_ttl, and the offer is e-mailed to
  // them in the same commit. Each entry is offered once: an offer that lapses or is cancelled
  // gives its seats to the next in line, and its user may join again at the back.

  // Joins the line for `seats` seats of the event. Errors: kPermissionDenied forbidden (as
  // Hold); kInvalidArgument invalid_seats (field "seats"); kNotFound event_not_found;
  // kFailedPrecondition event_not_bookable, event_on_hold, event_started, seats_available (as
  // many seats are free as asked: hold them instead); kAlreadyExists already_on_waitlist (the
  // caller is waiting for this event already); kUnavailable pipeline_full.
  virtual Result<WaitlistEntry> JoinWaitlist(const Principal& user, std::string_view event_id,
                                             std::int32_t seats) = 0;

  // Leaves the line: the caller's waiting entry is removed (an offer made already is declined
  // by cancelling its booking). Errors: kNotFound not_on_waitlist (not waiting for this event,
  // or no such event); kUnavailable pipeline_full.
  virtual Status LeaveWaitlist(const Principal& user, std::string_view event_id) = 0;

  // The caller's entry for the event: the waiting one with its position, otherwise the latest
  // offered one. Errors: kNotFound not_on_waitlist (never joined, or left).
  virtual Result<WaitlistEntry> GetWaitlistEntry(const Principal& user,
                                                 std::string_view event_id) = 0;

  // Offers the free seats of up to `limit` events whose free seats fit someone waiting (after a
  // capacity increase, say) to their lines, and returns how many offers it made. The recurring
  // job kExpireHoldsJob calls it after ExpireHolds. Errors: kInvalidArgument invalid_limit;
  // storage failures.
  virtual Result<std::int64_t> ServeWaitlists(int limit) = 0;
};

}  // namespace eventify
