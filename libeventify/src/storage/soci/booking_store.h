// SociBookingStore: spi::BookingStore over the bookings and tickets tables of migration 9
// ("bookings", with the reminder mark of migration 14), the seat counters of the events table
// (migration 8), the card payments of migration 15 (card_payment_store.cc), and the coupons table
// of migration 12 with the bookings' coupon columns (coupon_store.cc).
//
// Valid only inside the transaction body that received it. Thread-safety: none (see
// TransactionContext).
#pragma once

#include "eventify/spi/booking_store.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

class SociBookingStore final : public spi::BookingStore {
 public:
  explicit SociBookingStore(TransactionContext& context) : context_(context) {}

  Result<std::vector<spi::EventSeats>> LockEventSeats(
      std::span<const std::string> event_ids) override;
  Status UpdateEventSeats(std::span<const spi::EventSeats> events, Timestamp now) override;

  Status InsertBookings(std::span<const spi::BookingRecord> bookings) override;
  Status UpdateBookings(std::span<const spi::BookingRecord> bookings) override;
  Result<std::vector<spi::BookingRecord>> FindBookings(std::span<const std::string> ids) override;
  Result<std::vector<spi::BookingRecord>> FindBookingsByRequestKey(
      std::span<const std::pair<std::string, std::string>> keys) override;
  Result<std::vector<spi::BookingRecord>> ListUserBookings(
      std::string_view user_id, const std::optional<spi::Keyset>& before, int limit) override;
  Result<std::vector<spi::BookingRecord>> FindLapsedHolds(std::span<const std::string> event_ids,
                                                          Timestamp now) override;
  Result<std::vector<std::string>> ListEventsWithLapsedHolds(Timestamp now, int limit) override;
  Result<std::vector<std::string>> ListBookingsToRefund(int limit) override;
  Result<std::vector<spi::BookingRecord>> ClaimDueReminders(Timestamp now, Duration lead,
                                                            int limit) override;

  Status InsertTickets(std::span<const Ticket> tickets) override;
  Result<std::vector<Ticket>> ListTickets(std::span<const std::string> booking_ids) override;
  Result<Ticket> FindTicket(std::string_view id) override;
  Result<bool> MarkCheckedIn(std::string_view id, Timestamp at) override;

  // Coupons: coupon_store.cc.
  Status InsertCoupon(const Coupon& coupon) override;
  Status UpdateCoupon(const Coupon& coupon) override;
  Result<Coupon> FindCoupon(std::string_view id) override;
  Result<std::vector<Coupon>> ListCoupons(const spi::CouponFilter& filter) override;
  Result<std::vector<Coupon>> LockCoupons(std::span<const std::string> codes) override;
  Result<std::vector<spi::CouponUses>> CountCouponUses(std::span<const std::string> coupon_ids,
                                                       std::span<const std::string> user_ids,
                                                       Timestamp now) override;

  // In card_payment_store.cc.
  Status InsertCardPayment(const spi::CardPaymentRecord& record) override;
  Result<spi::CardPaymentRecord> FindCardPayment(std::string_view topup_transfer_id) override;
  Result<std::vector<spi::CardPaymentRecord>> ListCardPayments(
      std::string_view booking_id) override;
  Status UpdateCardPayment(const spi::CardPaymentRecord& record) override;
  Status SetHoldExpiry(std::string_view booking_id, Timestamp hold_expires_at,
                       Timestamp now) override;

 private:
  TransactionContext& context_;
};

}  // namespace eventify::storage
