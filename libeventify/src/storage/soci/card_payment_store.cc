// SociBookingStore's card payments (spi::BookingStore, "Card payments"): the table
// booking_card_payments of migration 15, and the hold expiry a card payment moves.
#include <soci/soci.h>

#include <string>
#include <vector>

#include "storage/soci/booking_store.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

// The state column holds CardPaymentStateName words, part of the schema (the CHECK of migration
// 15): never change one, widen the CHECK in a new migration.

constexpr std::string_view kCardPaymentColumns =
    "topup_transfer_id, booking_id, event_id, user_id, client_key, state, hold_expires_before, "
    "created_at, "
    "updated_at";

Status CardPaymentNotFound() {
  return NotFound("card_payment_not_found", "there is no such card payment");
}

struct CardPaymentRow {
  spi::CardPaymentRecord record;
  std::string state;
  long long hold_expires_before = 0;
  long long created_at = 0;
  long long updated_at = 0;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(record.payment.topup_transfer_id));
    statement.exchange(soci::into(record.payment.booking_id));
    statement.exchange(soci::into(record.event_id));
    statement.exchange(soci::into(record.user_id));
    statement.exchange(soci::into(record.client_key));
    statement.exchange(soci::into(state));
    statement.exchange(soci::into(hold_expires_before));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(updated_at));
  }

  Result<spi::CardPaymentRecord> Get() const {
    spi::CardPaymentRecord out = record;
    auto parsed = ParseCardPaymentState(state);
    if (!parsed.ok()) return Internal("a booking_card_payments row holds an unknown state");
    out.payment.state = *parsed;
    out.hold_expires_before = FromMicros(hold_expires_before);
    out.payment.created_at = FromMicros(created_at);
    out.payment.updated_at = FromMicros(updated_at);
    return out;
  }
};

}  // namespace

Status SociBookingStore::InsertCardPayment(const spi::CardPaymentRecord& record) {
  return context_.Call(
      Access::kWrite, "InsertCardPayment",
      [&]() -> Status {
        const CardPayment& p = record.payment;
        const std::string state(CardPaymentStateName(p.state));
        const long long before = ToMicros(record.hold_expires_before);
        const long long created_at = ToMicros(p.created_at);
        const long long updated_at = ToMicros(p.updated_at);
        Execute(context_.sql(),
                "INSERT INTO booking_card_payments (" + std::string(kCardPaymentColumns) +
                    ") VALUES (:transfer, :booking, :event, :user, :client_key, :state, :before, "
                    ":created_at, "
                    ":updated_at)",
                soci::use(p.topup_transfer_id), soci::use(p.booking_id), soci::use(record.event_id),
                soci::use(record.user_id), soci::use(record.client_key), soci::use(state),
                soci::use(before), soci::use(created_at), soci::use(updated_at));
        return Status::Ok();
      },
      {.unique =
           AlreadyExists("card_payment_exists", "a card payment of this top-up already exists")});
}

Result<spi::CardPaymentRecord> SociBookingStore::FindCardPayment(
    std::string_view topup_transfer_id) {
  return context_.Call(Access::kRead, "FindCardPayment", [&]() -> Result<spi::CardPaymentRecord> {
    const std::string id(topup_transfer_id);
    CardPaymentRow row;
    const Executed found =
        ExecuteBound(context_.sql(),
                     "SELECT " + std::string(kCardPaymentColumns) +
                         " FROM booking_card_payments WHERE topup_transfer_id = :id",
                     [&](soci::statement& statement) {
                       row.Exchange(statement);
                       statement.exchange(soci::use(id));
                     });
    if (!found.got_row) return CardPaymentNotFound();
    return row.Get();
  });
}

Result<std::vector<spi::CardPaymentRecord>> SociBookingStore::ListCardPayments(
    std::string_view booking_id) {
  return context_.Call(Access::kRead, "ListCardPayments",
                       [&]() -> Result<std::vector<spi::CardPaymentRecord>> {
                         const std::string id(booking_id);
                         std::vector<spi::CardPaymentRecord> out;
                         CardPaymentRow row;
                         Status failed;
                         ForEachRow(
                             context_.sql(),
                             "SELECT " + std::string(kCardPaymentColumns) +
                                 " FROM booking_card_payments WHERE booking_id = :id"
                                 " ORDER BY created_at, topup_transfer_id",
                             [&](soci::statement& statement) {
                               row.Exchange(statement);
                               statement.exchange(soci::use(id));
                             },
                             [&] {
                               auto record = row.Get();
                               if (record.ok()) {
                                 out.push_back(std::move(record).value());
                               } else {
                                 failed = record.status();
                               }
                             });
                         if (!failed.ok()) return failed;
                         return out;
                       });
}

Status SociBookingStore::UpdateCardPayment(const spi::CardPaymentRecord& record) {
  return context_.Call(Access::kWrite, "UpdateCardPayment", [&]() -> Status {
    const std::string state(CardPaymentStateName(record.payment.state));
    const long long updated_at = ToMicros(record.payment.updated_at);
    const Executed updated = Execute(
        context_.sql(),
        "UPDATE booking_card_payments SET state = :state, updated_at = :updated_at "
        "WHERE topup_transfer_id = :id",
        soci::use(state), soci::use(updated_at), soci::use(record.payment.topup_transfer_id));
    if (updated.affected_rows == 0) return CardPaymentNotFound();
    return Status::Ok();
  });
}

Status SociBookingStore::SetHoldExpiry(std::string_view booking_id, Timestamp hold_expires_at,
                                       Timestamp now) {
  return context_.Call(Access::kWrite, "SetHoldExpiry", [&]() -> Status {
    const std::string id(booking_id);
    const long long expires = ToMicros(hold_expires_at);
    const long long updated_at = ToMicros(now);
    const Executed updated = Execute(
        context_.sql(),
        "UPDATE bookings SET hold_expires_at = :expires, updated_at = :updated_at WHERE id = :id",
        soci::use(expires), soci::use(updated_at), soci::use(id));
    if (updated.affected_rows == 0) {
      return NotFound("booking_not_found", "there is no such booking");
    }
    return Status::Ok();
  });
}

}  // namespace eventify::storage
