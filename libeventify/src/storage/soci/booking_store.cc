#include "storage/soci/booking_store.h"

#include <soci/soci.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/status_macros.h"
#include "storage/soci/native_statements.h"
#include "storage/soci/params.h"
#include "storage/soci/row_queries.h"
#include "storage/soci/select_by_keys.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

// ---- Event seats -------------------------------------------------------------------------------

constexpr std::string_view kSeatColumns =
    "id, organizer_id, status, on_hold, starts_at, capacity, price, currency, "
    "max_tickets_per_booking, attendees_may_cancel, seats_sold, seats_held";

struct SeatRow {
  spi::EventSeats seats;
  std::string status;
  int on_hold = 0;
  long long starts_at = 0;
  long long price = 0;
  int may_cancel = 0;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(seats.event_id));
    statement.exchange(soci::into(seats.organizer_id));
    statement.exchange(soci::into(status));
    statement.exchange(soci::into(on_hold));
    statement.exchange(soci::into(starts_at));
    statement.exchange(soci::into(seats.capacity));
    statement.exchange(soci::into(price));
    statement.exchange(soci::into(seats.price.currency));
    statement.exchange(soci::into(seats.max_tickets_per_booking));
    statement.exchange(soci::into(may_cancel));
    statement.exchange(soci::into(seats.seats_sold));
    statement.exchange(soci::into(seats.seats_held));
  }

  // The same columns from a native row (native_statements.h: SqliteStatement, PgRow).
  template <typename Row>
  void Read(const Row& row) {
    seats.event_id = row.Text(0);
    seats.organizer_id = row.Text(1);
    status = row.Text(2);
    on_hold = static_cast<int>(row.Int(3));
    starts_at = row.Int(4);
    seats.capacity = static_cast<int>(row.Int(5));
    price = row.Int(6);
    seats.price.currency = row.Text(7);
    seats.max_tickets_per_booking = static_cast<int>(row.Int(8));
    may_cancel = static_cast<int>(row.Int(9));
    seats.seats_sold = static_cast<int>(row.Int(10));
    seats.seats_held = static_cast<int>(row.Int(11));
  }

  Result<spi::EventSeats> Get() const {
    spi::EventSeats out = seats;
    auto parsed = ParseEventStatus(status);
    if (!parsed.ok()) return BadRow("events");
    out.status = *parsed;
    out.on_hold = on_hold != 0;
    out.starts_at = FromMicros(starts_at);
    out.price.minor_units = price;
    out.attendees_may_cancel = may_cancel != 0;
    return out;
  }
};

// ---- Bookings ----------------------------------------------------------------------------------

constexpr std::string_view kBookingColumns =
    "id, event_id, user_id, request_key, client_key, seats, amount, currency, status, "
    "hold_expires_at, payment_transfer_id, refund_transfer_id, confirmed_at, cancelled_at, "
    "created_at, updated_at, coupon_id, coupon_code, discount";

struct BookingRow {
  spi::BookingRecord record;
  std::string status;
  long long amount = 0;
  long long hold_expires_at = 0;
  long long confirmed_at = 0;
  soci::indicator confirmed_indicator = soci::i_null;
  long long cancelled_at = 0;
  soci::indicator cancelled_indicator = soci::i_null;
  long long created_at = 0;
  long long updated_at = 0;
  long long discount = 0;

  void Exchange(soci::statement& statement) {
    Booking& b = record.booking;
    statement.exchange(soci::into(b.id));
    statement.exchange(soci::into(b.event_id));
    statement.exchange(soci::into(b.user_id));
    statement.exchange(soci::into(record.request_key));
    statement.exchange(soci::into(b.idempotency_key));
    statement.exchange(soci::into(b.seats));
    statement.exchange(soci::into(amount));
    statement.exchange(soci::into(b.amount.currency));
    statement.exchange(soci::into(status));
    statement.exchange(soci::into(hold_expires_at));
    statement.exchange(soci::into(b.payment_transfer_id));
    statement.exchange(soci::into(b.refund_transfer_id));
    statement.exchange(soci::into(confirmed_at, confirmed_indicator));
    statement.exchange(soci::into(cancelled_at, cancelled_indicator));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(updated_at));
    statement.exchange(soci::into(record.coupon_id));
    statement.exchange(soci::into(b.coupon_code));
    statement.exchange(soci::into(discount));
  }

  template <typename Row>
  void Read(const Row& row) {
    Booking& b = record.booking;
    b.id = row.Text(0);
    b.event_id = row.Text(1);
    b.user_id = row.Text(2);
    record.request_key = row.Text(3);
    b.idempotency_key = row.Text(4);
    b.seats = static_cast<int>(row.Int(5));
    amount = row.Int(6);
    b.amount.currency = row.Text(7);
    status = row.Text(8);
    hold_expires_at = row.Int(9);
    b.payment_transfer_id = row.Text(10);
    b.refund_transfer_id = row.Text(11);
    confirmed_indicator = row.IsNull(12) ? soci::i_null : soci::i_ok;
    confirmed_at = row.IsNull(12) ? 0 : row.Int(12);
    cancelled_indicator = row.IsNull(13) ? soci::i_null : soci::i_ok;
    cancelled_at = row.IsNull(13) ? 0 : row.Int(13);
    created_at = row.Int(14);
    updated_at = row.Int(15);
    record.coupon_id = row.Text(16);
    b.coupon_code = row.Text(17);
    discount = row.Int(18);
  }

  Result<spi::BookingRecord> Get() const {
    spi::BookingRecord out = record;
    auto parsed = ParseBookingStatus(status);
    if (!parsed.ok()) return BadRow("bookings");
    out.booking.status = *parsed;
    out.booking.amount.minor_units = amount;
    out.booking.hold_expires_at = FromMicros(hold_expires_at);
    out.booking.confirmed_at.reset();
    if (confirmed_indicator == soci::i_ok) out.booking.confirmed_at = FromMicros(confirmed_at);
    out.booking.cancelled_at.reset();
    if (cancelled_indicator == soci::i_ok) out.booking.cancelled_at = FromMicros(cancelled_at);
    out.booking.created_at = FromMicros(created_at);
    out.booking.updated_at = FromMicros(updated_at);
    out.booking.discount = Money{discount, out.booking.amount.currency};
    return out;
  }
};

// ---- Tickets -----------------------------------------------------------------------------------

constexpr std::string_view kTicketColumns =
    "id, booking_id, event_id, user_id, seat, checked_in_at, created_at";

struct TicketRow {
  Ticket ticket;
  long long checked_in_at = 0;
  soci::indicator checked_in_indicator = soci::i_null;
  long long created_at = 0;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(ticket.id));
    statement.exchange(soci::into(ticket.booking_id));
    statement.exchange(soci::into(ticket.event_id));
    statement.exchange(soci::into(ticket.user_id));
    statement.exchange(soci::into(ticket.seat));
    statement.exchange(soci::into(checked_in_at, checked_in_indicator));
    statement.exchange(soci::into(created_at));
  }

  template <typename Row>
  void Read(const Row& row) {
    ticket.id = row.Text(0);
    ticket.booking_id = row.Text(1);
    ticket.event_id = row.Text(2);
    ticket.user_id = row.Text(3);
    ticket.seat = static_cast<int>(row.Int(4));
    checked_in_indicator = row.IsNull(5) ? soci::i_null : soci::i_ok;
    checked_in_at = row.IsNull(5) ? 0 : row.Int(5);
    created_at = row.Int(6);
  }

  Result<Ticket> Get() const {
    Ticket out = ticket;
    out.checked_in_at.reset();
    if (checked_in_indicator == soci::i_ok) out.checked_in_at = FromMicros(checked_in_at);
    out.created_at = FromMicros(created_at);
    return out;
  }
};

const std::string kSelectBookings = "SELECT " + std::string(kBookingColumns) + " FROM bookings WHERE";

}  // namespace

Result<std::vector<spi::EventSeats>> SociBookingStore::LockEventSeats(
    std::span<const std::string> event_ids) {
  // On the commit path (every batch of bookings): native, and in id order so that two writers
  // lock shared events in the same order.
  return context_.Call(Access::kWrite, "LockEventSeats", [&]() -> Result<std::vector<spi::EventSeats>> {
    static const std::string kSelect = "SELECT " + std::string(kSeatColumns) + " FROM events WHERE";
    const std::string rest =
        " ORDER BY id" + std::string(context_.LockClause(spi::LockMode::kForUpdate));
    std::vector<spi::EventSeats> out;
    EV_RETURN_IF_ERROR(
        SelectByKeys<SeatRow>(context_, kSelect, "id", event_ids, out, rest));
    return out;
  });
}

Status SociBookingStore::UpdateEventSeats(std::span<const spi::EventSeats> events, Timestamp now) {
  // On the commit path (every batch of bookings): native (native_statements.h).
  return context_.Call(Access::kWrite, "UpdateEventSeats", [&]() -> Status {
    const long long at = ToMicros(now);
    const Status missing = NotFound("event_not_found", "there is no such event");
    if (context_.dialect() == Dialect::kSqlite) {
      static const std::string kUpdate =
          "UPDATE events SET seats_sold = ?, seats_held = ?, updated_at = ? WHERE id = ?";
      SqliteStatement update = context_.statements().Sqlite(kUpdate);
      for (const spi::EventSeats& event : events) {
        const long long changed = update.Bind(static_cast<long long>(event.seats_sold))
                                      .Bind(static_cast<long long>(event.seats_held))
                                      .Bind(at)
                                      .Bind(event.event_id)
                                      .Run();
        if (changed == 0) return missing;
      }
      return Status::Ok();
    }
    for (const spi::EventSeats& event : events) {
      static const std::string kUpdate =
          "UPDATE events SET seats_sold = $1::integer, seats_held = $2::integer, "
          "updated_at = $3::bigint WHERE id = $4::text";
      const PgResult updated = context_.statements().Postgres(
          kUpdate, {std::to_string(event.seats_sold), std::to_string(event.seats_held),
                    std::to_string(at), event.event_id});
      if (updated.affected_rows() == 0) return missing;
    }
    return Status::Ok();
  });
}

// The commit path's inserts run as native prepared statements (native_statements.h): a
// statement stepped per row on SQLite, one unnest() of arrays per batch on PostgreSQL.
Status SociBookingStore::InsertBookings(std::span<const spi::BookingRecord> bookings) {
  return context_.Call(
      Access::kWrite, "InsertBookings",
      [&]() -> Status {
        if (bookings.empty()) return Status::Ok();
        static const std::string kInsertColumns =
            "INSERT INTO bookings (" + std::string(kBookingColumns) + ") ";
        if (context_.dialect() == Dialect::kSqlite) {
          static const std::string kInsert =
              kInsertColumns + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
          SqliteStatement insert = context_.statements().Sqlite(kInsert);
          for (const spi::BookingRecord& record : bookings) {
            const Booking& b = record.booking;
            insert.Bind(b.id)
                .Bind(b.event_id)
                .Bind(b.user_id)
                .Bind(record.request_key)
                .Bind(b.idempotency_key)
                .Bind(static_cast<long long>(b.seats))
                .Bind(static_cast<long long>(b.amount.minor_units))
                .Bind(b.amount.currency)
                .Bind(BookingStatusName(b.status))
                .Bind(static_cast<long long>(ToMicros(b.hold_expires_at)))
                .Bind(b.payment_transfer_id)
                .Bind(b.refund_transfer_id)
                .Bind(MicrosOf(b.confirmed_at))
                .Bind(MicrosOf(b.cancelled_at))
                .Bind(static_cast<long long>(ToMicros(b.created_at)))
                .Bind(static_cast<long long>(ToMicros(b.updated_at)))
                .Bind(record.coupon_id)
                .Bind(b.coupon_code)
                .Bind(static_cast<long long>(b.discount.minor_units))
                .Run();
          }
          return Status::Ok();
        }
        static const std::string kInsert =
            kInsertColumns +
            "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
            "$6::integer[], $7::bigint[], $8::text[], $9::text[], $10::bigint[], $11::text[], "
            "$12::text[], $13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[], $17::text[], "
            "$18::text[], $19::bigint[])";
        PgArray columns[19];
        for (const spi::BookingRecord& record : bookings) {
          const Booking& b = record.booking;
          columns[0].Add(b.id);
          columns[1].Add(b.event_id);
          columns[2].Add(b.user_id);
          columns[3].Add(record.request_key);
          columns[4].Add(b.idempotency_key);
          columns[5].Add(static_cast<long long>(b.seats));
          columns[6].Add(static_cast<long long>(b.amount.minor_units));
          columns[7].Add(b.amount.currency);
          columns[8].Add(BookingStatusName(b.status));
          columns[9].Add(static_cast<long long>(ToMicros(b.hold_expires_at)));
          columns[10].Add(b.payment_transfer_id);
          columns[11].Add(b.refund_transfer_id);
          columns[12].Add(MicrosOf(b.confirmed_at));
          columns[13].Add(MicrosOf(b.cancelled_at));
          columns[14].Add(static_cast<long long>(ToMicros(b.created_at)));
          columns[15].Add(static_cast<long long>(ToMicros(b.updated_at)));
          columns[16].Add(record.coupon_id);
          columns[17].Add(b.coupon_code);
          columns[18].Add(static_cast<long long>(b.discount.minor_units));
        }
        std::vector<std::string> parameters;
        for (PgArray& column : columns) parameters.push_back(column.Finish());
        context_.statements().Postgres(kInsert, parameters);
        return Status::Ok();
      },
      {.unique = AlreadyExists("booking_exists", "a booking with this id or key already exists")});
}

Status SociBookingStore::UpdateBookings(std::span<const spi::BookingRecord> bookings) {
  return context_.Call(Access::kWrite, "UpdateBookings", [&]() -> Status {
    for (const spi::BookingRecord& record : bookings) {
      const Booking& b = record.booking;
      std::string status(BookingStatusName(b.status));
      std::string payment = b.payment_transfer_id;
      std::string refund = b.refund_transfer_id;
      long long confirmed = b.confirmed_at ? ToMicros(*b.confirmed_at) : 0;
      soci::indicator confirmed_indicator = b.confirmed_at ? soci::i_ok : soci::i_null;
      long long cancelled = b.cancelled_at ? ToMicros(*b.cancelled_at) : 0;
      soci::indicator cancelled_indicator = b.cancelled_at ? soci::i_ok : soci::i_null;
      long long updated_at = ToMicros(b.updated_at);
      std::string id = b.id;
      const Executed updated = Execute(
          context_.sql(),
          "UPDATE bookings SET status = :status, payment_transfer_id = :payment, "
          "refund_transfer_id = :refund, confirmed_at = :confirmed_at, "
          "cancelled_at = :cancelled_at, updated_at = :updated_at WHERE id = :id",
          soci::use(status), soci::use(payment), soci::use(refund),
          soci::use(confirmed, confirmed_indicator), soci::use(cancelled, cancelled_indicator),
          soci::use(updated_at), soci::use(id));
      if (updated.affected_rows == 0) {
        return NotFound("booking_not_found", "there is no such booking");
      }
    }
    return Status::Ok();
  });
}

// FindBookings, FindBookingsByRequestKey and FindLapsedHolds run on the commit path (every batch
// of bookings, the confirmations job): native (native_statements.h).
Result<std::vector<spi::BookingRecord>> SociBookingStore::FindBookings(
    std::span<const std::string> ids) {
  return context_.Call(Access::kRead, "FindBookings", [&]() -> Result<std::vector<spi::BookingRecord>> {
    std::vector<spi::BookingRecord> out;
    EV_RETURN_IF_ERROR(
        SelectByKeys<BookingRow>(context_, kSelectBookings, "id", ids, out));
    return out;
  });
}

// Through the unique index (user_id, request_key) of migration 26.
Result<std::vector<spi::BookingRecord>> SociBookingStore::FindBookingsByRequestKey(
    std::span<const std::pair<std::string, std::string>> keys) {
  return context_.Call(
      Access::kRead, "FindBookingsByRequestKey", [&]() -> Result<std::vector<spi::BookingRecord>> {
        std::vector<spi::BookingRecord> out;
        EV_RETURN_IF_ERROR(SelectByKeyPairs<BookingRow>(context_, kSelectBookings, "user_id",
                                                        "request_key", keys, out));
        return out;
      });
}

Result<std::vector<spi::BookingRecord>> SociBookingStore::FindLapsedHolds(
    std::span<const std::string> event_ids, Timestamp now) {
  return context_.Call(Access::kRead, "FindLapsedHolds", [&]() -> Result<std::vector<spi::BookingRecord>> {
    const std::string_view rest = context_.dialect() == Dialect::kSqlite
                                      ? " AND status = 'held' AND hold_expires_at <= ?"
                                      : " AND status = 'held' AND hold_expires_at <= $2::bigint";
    std::vector<spi::BookingRecord> out;
    EV_RETURN_IF_ERROR(SelectByKeys<BookingRow>(context_, kSelectBookings, "event_id", event_ids,
                                                out, rest, ToMicros(now)));
    return out;
  });
}

Result<std::vector<std::string>> SociBookingStore::ListEventsWithLapsedHolds(Timestamp now,
                                                                            int limit) {
  return context_.Call(Access::kRead, "ListEventsWithLapsedHolds", [&]() -> Result<std::vector<std::string>> {
    // Through bookings_lapse_idx (held bookings only, migration 27). SQLite, without statistics,
    // would rather scan bookings_event_idx whole for its order; `+` keeps the order off it.
    return SelectIdsUpTo(context_.sql(),
                         std::string("SELECT DISTINCT event_id FROM bookings WHERE status = 'held'"
                                     " AND hold_expires_at <= :at ORDER BY ") +
                             (context_.dialect() == Dialect::kSqlite ? "+event_id" : "event_id") +
                             " LIMIT :limit",
                         ToMicros(now), limit);
  });
}

// Reads the buyer's bookings through the unique index (user_id, request_key) of migration 26 and
// sorts them: a buyer's bookings are few, and an index by (user_id, created_at, id) cost every
// booking a leaf page of its own on the commit path (docs/performance.md).
Result<std::vector<spi::BookingRecord>> SociBookingStore::ListUserBookings(
    std::string_view user_id, const std::optional<spi::Keyset>& before, int limit) {
  return context_.Call(
      Access::kRead, "ListUserBookings", [&]() -> Result<std::vector<spi::BookingRecord>> {
        Params p(context_.dialect());
        std::string query = "SELECT " + std::string(kBookingColumns) +
                            " FROM bookings WHERE user_id = " + p.Add(user_id);
        if (before) query += KeysetBefore(p, "", *before);
        query += " ORDER BY created_at DESC, id DESC LIMIT " +
                 p.Add(static_cast<long long>(limit));
        std::vector<spi::BookingRecord> out;
        EV_RETURN_IF_ERROR((SelectInto<BookingRow>(context_, query, p, out)));
        return out;
      });
}

Result<std::vector<std::string>> SociBookingStore::ListBookingsToRefund(int limit) {
  return context_.Call(Access::kRead, "ListBookingsToRefund", [&]() -> Result<std::vector<std::string>> {
    std::vector<std::string> ids;
    std::string id;
    ForEachRow(
        context_.sql(),
        "SELECT b.id FROM bookings b JOIN events e ON e.id = b.event_id "
        "WHERE e.status = 'cancelled' AND b.status = 'confirmed' ORDER BY b.id LIMIT :limit",
        [&](soci::statement& statement) {
          statement.exchange(soci::into(id));
          statement.exchange(soci::use(limit));
        },
        [&] { ids.push_back(id); });
    return ids;
  });
}

// The candidates are read with the partial index bookings_reminder_idx (migration 14) per event
// of the window. On PostgreSQL they are locked FOR UPDATE SKIP LOCKED: a row another claimer holds
// is skipped, and a row it claimed and committed meanwhile is re-checked and left out. The mark
// is conditional all the same, so a claim that finds a row taken aborts (and Run retries) rather
// than mail it twice.
Result<std::vector<spi::BookingRecord>> SociBookingStore::ClaimDueReminders(Timestamp now,
                                                                           Duration lead,
                                                                           int limit) {
  return context_.Call(
      Access::kWrite, "ClaimDueReminders", [&]() -> Result<std::vector<spi::BookingRecord>> {
        const long long at = ToMicros(now);
        const long long lead_micros = lead.count();
        std::vector<std::string> ids;
        {
          Params p(context_.dialect());
          std::string query =
              "SELECT b.id FROM bookings b JOIN events e ON e.id = b.event_id "
              "WHERE b.status = 'confirmed' AND b.reminded_at IS NULL AND e.status = 'approved'";
          query += " AND e.starts_at > " + p.Add(at);
          query += " AND e.starts_at <= " + p.Add(at + lead_micros);
          query += " AND b.confirmed_at <= e.starts_at - " + p.Add(lead_micros);
          query += " ORDER BY e.starts_at, b.id LIMIT " + p.Add(static_cast<long long>(limit));
          if (context_.dialect() == Dialect::kPostgresql) query += " FOR UPDATE OF b SKIP LOCKED";
          std::string id;
          ForEachRow(
              context_.sql(), query,
              [&](soci::statement& statement) {
                statement.exchange(soci::into(id));
                p.Bind(statement);
              },
              [&] { ids.push_back(id); });
        }
        long long marked = 0;
        const Status mark = ForChunks(std::span<const std::string>(ids),
                                      [&](std::span<const std::string> chunk) {
          Params p(context_.dialect());
          std::string query = "UPDATE bookings SET reminded_at = " + p.Add(at);
          query += " WHERE id IN " + InList(p, chunk);
          query += " AND status = 'confirmed' AND reminded_at IS NULL";
          marked += ExecuteBound(context_.sql(), query, [&](soci::statement& statement) {
                      p.Bind(statement);
                    }).affected_rows;
          return Status::Ok();
        });
        if (!mark.ok()) return mark;
        if (marked != static_cast<long long>(ids.size())) {
          return Aborted("reminder_claimed", "another transaction claimed a reminder first");
        }
        std::vector<spi::BookingRecord> out;
        const Status read = ForChunks(std::span<const std::string>(ids),
                                      [&](std::span<const std::string> chunk) {
          Params p(context_.dialect());
          return SelectInto<BookingRow>(context_,
                                        "SELECT " + std::string(kBookingColumns) +
                                            " FROM bookings WHERE id IN " + InList(p, chunk),
                                        p, out);
        });
        if (!read.ok()) return read;
        return out;
      });
}

Status SociBookingStore::InsertTickets(std::span<const Ticket> tickets) {
  return context_.Call(
      Access::kWrite, "InsertTickets",
      [&]() -> Status {
        if (tickets.empty()) return Status::Ok();
        static const std::string kInsertColumns =
            "INSERT INTO tickets (" + std::string(kTicketColumns) + ") ";
        if (context_.dialect() == Dialect::kSqlite) {
          static const std::string kInsert = kInsertColumns + "VALUES (?, ?, ?, ?, ?, ?, ?)";
          SqliteStatement insert = context_.statements().Sqlite(kInsert);
          for (const Ticket& t : tickets) {
            insert.Bind(t.id)
                .Bind(t.booking_id)
                .Bind(t.event_id)
                .Bind(t.user_id)
                .Bind(static_cast<long long>(t.seat))
                .Bind(MicrosOf(t.checked_in_at))
                .Bind(static_cast<long long>(ToMicros(t.created_at)))
                .Run();
          }
          return Status::Ok();
        }
        static const std::string kInsert =
            kInsertColumns +
            "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
            "$5::integer[], $6::bigint[], $7::bigint[])";
        PgArray ids, booking_ids, event_ids, user_ids, seats, checked_in, created;
        for (const Ticket& t : tickets) {
          ids.Add(t.id);
          booking_ids.Add(t.booking_id);
          event_ids.Add(t.event_id);
          user_ids.Add(t.user_id);
          seats.Add(static_cast<long long>(t.seat));
          checked_in.Add(MicrosOf(t.checked_in_at));
          created.Add(static_cast<long long>(ToMicros(t.created_at)));
        }
        context_.statements().Postgres(
            kInsert, {ids.Finish(), booking_ids.Finish(), event_ids.Finish(), user_ids.Finish(),
                      seats.Finish(), checked_in.Finish(), created.Finish()});
        return Status::Ok();
      },
      {.unique = AlreadyExists("ticket_exists", "a ticket with this id or seat already exists")});
}

// Read by the confirmations job for every commit of bookings: native, like FindBookings.
Result<std::vector<Ticket>> SociBookingStore::ListTickets(std::span<const std::string> booking_ids) {
  return context_.Call(Access::kRead, "ListTickets", [&]() -> Result<std::vector<Ticket>> {
    static const std::string kSelect = "SELECT " + std::string(kTicketColumns) + " FROM tickets WHERE";
    std::vector<Ticket> out;
    EV_RETURN_IF_ERROR(SelectByKeys<TicketRow>(context_, kSelect, "booking_id", booking_ids, out,
                                               " ORDER BY booking_id, seat"));
    return out;
  });
}

Result<Ticket> SociBookingStore::FindTicket(std::string_view id) {
  return context_.Call(Access::kRead, "FindTicket", [&]() -> Result<Ticket> {
    std::vector<Ticket> found;
    Params p(context_.dialect());
    const std::string query =
        "SELECT " + std::string(kTicketColumns) + " FROM tickets WHERE id = " + p.Add(id);
    EV_RETURN_IF_ERROR(SelectInto<TicketRow>(context_, query, p, found));
    if (found.empty()) return NotFound("ticket_not_found", "there is no such ticket");
    return std::move(found.front());
  });
}

Result<bool> SociBookingStore::MarkCheckedIn(std::string_view id, Timestamp at) {
  return context_.Call(Access::kWrite, "MarkCheckedIn", [&]() -> Result<bool> {
    long long micros = ToMicros(at);
    std::string key(id);
    // The condition decides the race: of concurrent scans, exactly one finds it still empty.
    const Executed updated = Execute(context_.sql(),
                                     "UPDATE tickets SET checked_in_at = :at "
                                     "WHERE id = :id AND checked_in_at IS NULL",
                                     soci::use(micros), soci::use(key));
    if (updated.affected_rows == 1) return true;
    std::string found;
    std::string again(id);
    const Executed exists = Execute(context_.sql(), "SELECT id FROM tickets WHERE id = :id",
                                    soci::into(found), soci::use(again));
    if (!exists.got_row) return NotFound("ticket_not_found", "there is no such ticket");
    return false;
  });
}

}  // namespace eventify::storage
