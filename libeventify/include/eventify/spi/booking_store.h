// BookingStore: the bookings area's store (eventify/bookings.h) — bookings, their tickets, and
// the seat counters of the events they are for — handed out by Transaction::store<BookingStore>()
// of a storage that Supports(BookingStore::kArea).
//
// Every call runs inside the transaction whose body received the store and is bound by the
// guarantees of spi/storage.h. The rules (no oversell, expiry, who may) are the engine's; the
// store keeps rows and finds them. The engine writes a booking, its tickets and its event's seat
// counters only while it holds the event's row lock (LockEventSeats), so the booking rows need no
// locks of their own. Statuses are stored by BookingStatusName; Timestamps to the microsecond.
//
// It also keeps the coupons bookings use (eventify/coupons.h), whose limits are counted in the
// same batches as the seats.
//
// Thread-safety: as every store, it belongs to the thread running the transaction body.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eventify/bookings.h"
#include "eventify/events.h"
#include "eventify/export.h"
#include "eventify/spi/keyset.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

// What booking needs of an event row: whether it sells, its price, and its seat counters.
struct EventSeats {
  std::string event_id;
  std::string organizer_id;
  EventStatus status = EventStatus::kDraft;
  bool on_hold = false;
  Timestamp starts_at;
  std::int32_t capacity = 0;
  Money price;
  std::int32_t max_tickets_per_booking = 1;
  bool attendees_may_cancel = false;
  std::int32_t seats_sold = 0;
  std::int32_t seats_held = 0;
};

// A booking row: the public Booking without its tickets, plus the key that makes the client's
// idempotency key unique per buyer ("<user id>:<client key>"; a waitlist offer's is
// "waitlist:<entry id>"). A buyer (user_id) never has two bookings with one request key; two
// buyers may use the same one.
struct BookingRecord {
  Booking booking;  // tickets unused
  std::string request_key;
  std::string coupon_id;  // the coupon booking.coupon_code names; empty when none
};

// How many bookings use a coupon: confirmed ones (paid) and held ones whose hold is live at the
// instant asked about. user_id is empty in a count of every buyer.
struct CouponUses {
  std::string coupon_id;
  std::string user_id;
  std::int64_t paid = 0;
  std::int64_t held = 0;
};

// Which coupons ListCoupons returns; empty strings filter nothing.
struct CouponFilter {
  std::string organizer_id;
  std::string event_id;
  std::optional<Keyset> before;  // only those strictly older (created_at, id)
  int limit = 20;
};

// A card payment of a booking (eventify/card_payments.h) as stored. Written only while the
// booking's event row is locked, as bookings are.
struct CardPaymentRecord {
  CardPayment payment;  // charge_id unused: the wallets area keeps it (spi/wallet_repository.h)
  std::string event_id;
  std::string user_id;  // the buyer
  std::string client_key;  // the client's idempotency key of the attempt (CardPaymentRequest)
  // The booking's hold_expires_at before this payment extended it; a decline gives it back.
  Timestamp hold_expires_before;
};

class EVENTIFY_EXPORT BookingStore {
 public:
  static constexpr StoreArea kArea{"bookings"};

  virtual ~BookingStore() = default;

  // Locks the rows of the events among `event_ids` that exist (kForUpdate, in id order, so
  // concurrent lockers cannot deadlock) and returns their seats; unknown ids are left out.
  // Read-write transactions only.
  virtual Result<std::vector<EventSeats>> LockEventSeats(std::span<const std::string> event_ids) = 0;
  // Writes seats_sold, seats_held and updated_at of each event. Errors: kNotFound
  // (event_not_found).
  virtual Status UpdateEventSeats(std::span<const EventSeats> events, Timestamp now) = 0;

  // Errors: kAlreadyExists (booking_exists) for a taken id or request key.
  virtual Status InsertBookings(std::span<const BookingRecord> bookings) = 0;
  // Overwrites status, payment_transfer_id, refund_transfer_id, confirmed_at, cancelled_at and
  // updated_at. Errors: kNotFound (booking_not_found).
  virtual Status UpdateBookings(std::span<const BookingRecord> bookings) = 0;
  // The bookings among `ids` that exist, in no particular order.
  virtual Result<std::vector<BookingRecord>> FindBookings(std::span<const std::string> ids) = 0;
  // The bookings whose (user_id, request_key) is among `keys`, in no particular order.
  virtual Result<std::vector<BookingRecord>> FindBookingsByRequestKey(
      std::span<const std::pair<std::string, std::string>> keys) = 0;
  // Up to `limit` bookings of `user_id`, newest first (created_at DESC, id DESC), only those
  // strictly older than `before` when it is given (spi/keyset.h).
  virtual Result<std::vector<BookingRecord>> ListUserBookings(std::string_view user_id,
                                                              const std::optional<Keyset>& before,
                                                              int limit) = 0;
  // Held bookings of the events among `event_ids` whose hold_expires_at <= now.
  virtual Result<std::vector<BookingRecord>> FindLapsedHolds(std::span<const std::string> event_ids,
                                                             Timestamp now) = 0;
  // Up to `limit` distinct events having held bookings whose hold_expires_at <= now.
  virtual Result<std::vector<std::string>> ListEventsWithLapsedHolds(Timestamp now, int limit) = 0;
  // Up to `limit` ids of confirmed bookings of cancelled events.
  virtual Result<std::vector<std::string>> ListBookingsToRefund(int limit) = 0;

  // Claims up to `limit` bookings due a reminder (Bookings::SendReminders) and returns them: the
  // confirmed bookings not reminded yet, of approved events starting after `now` and at most
  // `lead` after it, that were confirmed at least `lead` before their event's start (a booking
  // confirmed within the window got its confirmation mail then and gets no reminder), taken
  // soonest event first, then by booking id, and returned in no particular order. Marks each as
  // reminded at `now` in this transaction, so a booking is claimed once: it is never returned
  // again once this transaction commits, and again when it rolls back. A booking claimed by a
  // concurrent transaction that has not committed yet is skipped, never returned by both
  // (PostgreSQL: the rows are locked FOR UPDATE SKIP LOCKED and the mark is conditional; SQLite
  // serialises writers). Read-write transactions only. The reminder mark is the only booking
  // column written without the event's row lock; no other write touches it.
  // Errors: kAborted (reminder_claimed) when a row was claimed by another transaction after all
  // (Storage::Run retries the body); storage failures.
  virtual Result<std::vector<BookingRecord>> ClaimDueReminders(Timestamp now, Duration lead,
                                                               int limit) = 0;

  // Errors: kAlreadyExists (ticket_exists) for a taken id or (booking, seat).
  virtual Status InsertTickets(std::span<const Ticket> tickets) = 0;
  // The tickets of the bookings among `booking_ids`, by booking and seat.
  virtual Result<std::vector<Ticket>> ListTickets(std::span<const std::string> booking_ids) = 0;
  // Errors: kNotFound (ticket_not_found). `code` is left empty: the engine signs it.
  virtual Result<Ticket> FindTicket(std::string_view id) = 0;
  // Sets checked_in_at = at when it is still empty; true when it was (the ticket is admitted by
  // this call), false when another call admitted it first. Errors: kNotFound (ticket_not_found).
  virtual Result<bool> MarkCheckedIn(std::string_view id, Timestamp at) = 0;

  // ---- Coupons (eventify/coupons.h; table coupons, migration 12) ----
  // A booking's use of a coupon is the booking row itself (BookingRecord::coupon_id): the engine
  // writes a booking that uses a coupon only while it holds the coupon's row lock (LockCoupons),
  // so counting the bookings under that lock is exact.

  // Errors: kAlreadyExists (coupon_code_taken) for a taken id or code. uses_* are not stored.
  virtual Status InsertCoupon(const Coupon& coupon) = 0;
  // Overwrites active, deactivated_at and updated_at. Errors: kNotFound (coupon_not_found).
  virtual Status UpdateCoupon(const Coupon& coupon) = 0;
  // Errors: kNotFound (coupon_not_found).
  virtual Result<Coupon> FindCoupon(std::string_view id) = 0;
  // Newest first (created_at DESC, id DESC), at most filter.limit.
  virtual Result<std::vector<Coupon>> ListCoupons(const CouponFilter& filter) = 0;
  // Locks the rows of the coupons among `codes` (upper case) that exist (kForUpdate, in code
  // order, so concurrent lockers cannot deadlock) and returns them; unknown codes are left out.
  // Read-write transactions only.
  virtual Result<std::vector<Coupon>> LockCoupons(std::span<const std::string> codes) = 0;
  // The uses of each coupon among `coupon_ids` that has any: per coupon (user_id empty) when
  // `user_ids` is empty, otherwise per coupon and buyer among `user_ids`. A held booking counts
  // while now < hold_expires_at, whatever its stored status says of expiry.
  virtual Result<std::vector<CouponUses>> CountCouponUses(std::span<const std::string> coupon_ids,
                                                          std::span<const std::string> user_ids,
                                                          Timestamp now) = 0;

  // Card payments (table booking_card_payments of migration 15).
  // Errors: kAlreadyExists (card_payment_exists) for a taken top-up transfer id.
  virtual Status InsertCardPayment(const CardPaymentRecord& record) = 0;
  // Errors: kNotFound (card_payment_not_found).
  virtual Result<CardPaymentRecord> FindCardPayment(std::string_view topup_transfer_id) = 0;
  // The card payments of a booking, oldest first (created_at, then top-up transfer id).
  virtual Result<std::vector<CardPaymentRecord>> ListCardPayments(std::string_view booking_id) = 0;
  // Writes state and updated_at. Errors: kNotFound (card_payment_not_found).
  virtual Status UpdateCardPayment(const CardPaymentRecord& record) = 0;
  // Writes the booking's hold_expires_at and updated_at (= now): a card payment keeps a hold
  // longer, a decline gives it its expiry back. Errors: kNotFound (booking_not_found).
  virtual Status SetHoldExpiry(std::string_view booking_id, Timestamp hold_expires_at,
                               Timestamp now) = 0;
};

}  // namespace eventify::spi
