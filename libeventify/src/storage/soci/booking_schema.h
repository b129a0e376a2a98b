// Migrations 26, "bookings unique per buyer through one index", and 27, "lapse index of held
// bookings only" (spi/booking_store.h), kept out of migrations.cc to keep that file readable.
//
// Until version 25 a booking carried two indexes keyed by its buyer: the unique request key
// ("<user id>:<client key>", version 9) and bookings_user_idx (user_id, created_at, id) for the
// buyer's list, the reviews' attendance check and chat's event-room membership. Each put every new
// booking on a leaf page of its own (a buyer's entries sit together, away from other buyers'), so
// the two were about 40% of the pages a SQLite commit of paid bookings wrote (docs/performance.md,
// "One index by buyer"). From version 26 one unique index (user_id, request_key) does both: it
// keeps a buyer from having two bookings with one request key (the same rule as before, since a
// client's request key starts with its buyer's id and a waitlist offer's names its entry), and the
// queries by buyer read it (the buyer's list, chat's membership and contacts, the reviews'
// attendance; on SQLite from version 27, below); the buyer's list sorts all the buyer's bookings.
//
// PostgreSQL swaps the constraint and drops the index in place. SQLite cannot drop a table's
// UNIQUE constraint, so it rebuilds the table (as version 3 did for the ledger): the table as
// versions 9, 12 and 14 left it, with the new constraint, the rows copied as they are, then the
// indexes other than bookings_user_idx again. Depends only on versions 9, 12 and 14 (bookings).
#pragma once

#include <string_view>

namespace eventify::storage {

// The bookings table's columns as version 9 created them (migrations.cc builds its CREATE TABLE).
constexpr std::string_view kV9BookingColumns =
    " id TEXT PRIMARY KEY,"
    " event_id TEXT NOT NULL,"
    " user_id TEXT NOT NULL,"
    " request_key TEXT NOT NULL,"
    " client_key TEXT NOT NULL,"
    " seats INTEGER NOT NULL CHECK (seats > 0),"
    " amount BIGINT NOT NULL CHECK (amount >= 0),"
    " currency TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('held', 'confirmed', 'expired', 'cancelled')),"
    " hold_expires_at BIGINT NOT NULL,"
    " payment_transfer_id TEXT NOT NULL,"
    " refund_transfer_id TEXT NOT NULL,"
    " confirmed_at BIGINT,"
    " cancelled_at BIGINT,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,";
// The columns versions 12 (coupons) and 14 (reminders) added. The rebuilt table of version 26 is
// "CREATE TABLE bookings_v26 (" kV9BookingColumns kV12V14BookingColumns " CONSTRAINT
// bookings_user_request_key_key UNIQUE (user_id, request_key))" (built in AllMigrations).
constexpr std::string_view kV12V14BookingColumns =
    " coupon_id TEXT NOT NULL DEFAULT '',"
    " coupon_code TEXT NOT NULL DEFAULT '',"
    " discount BIGINT NOT NULL DEFAULT 0,"
    " reminded_at BIGINT,";
constexpr std::string_view kV26SqliteCopyBookings =
    "INSERT INTO bookings_v26 (id, event_id, user_id, request_key, client_key, seats, amount,"
    " currency, status, hold_expires_at, payment_transfer_id, refund_transfer_id, confirmed_at,"
    " cancelled_at, created_at, updated_at, coupon_id, coupon_code, discount, reminded_at)"
    " SELECT id, event_id, user_id, request_key, client_key, seats, amount, currency, status,"
    " hold_expires_at, payment_transfer_id, refund_transfer_id, confirmed_at, cancelled_at,"
    " created_at, updated_at, coupon_id, coupon_code, discount, reminded_at FROM bookings";
constexpr std::string_view kV26SqliteDropBookings = "DROP TABLE bookings";
constexpr std::string_view kV26SqliteRenameBookings =
    "ALTER TABLE bookings_v26 RENAME TO bookings";
// The rebuilt table's indexes are versions 9, 12 and 14's (kV9BookingsEventIndex,
// kV9BookingsLapseIndex, kV12BookingsCouponIndex, kV14BookingsReminderIndex in migrations.cc).

constexpr std::string_view kV26PostgresUserRequestKey =
    "ALTER TABLE bookings ADD CONSTRAINT bookings_user_request_key_key"
    " UNIQUE (user_id, request_key)";
constexpr std::string_view kV26PostgresDropRequestKey =
    "ALTER TABLE bookings DROP CONSTRAINT bookings_request_key_key";
constexpr std::string_view kV26DropUserIndex = "DROP INDEX bookings_user_idx";

// Version 27. bookings_lapse_idx (status, hold_expires_at) of version 9 served one question, the
// held bookings whose hold has lapsed, yet held every booking. SQLite, without statistics, also
// took it for "this buyer's confirmed bookings" (user_id = ? AND status = 'confirmed', asked by
// chat's membership and contact queries) and read every confirmed booking of the database. Held
// bookings only: a paid booking is never in it, and a query on another status cannot choose it.
// Queries on it say status = 'held' literally (both databases need that to use a partial index);
// it carries event_id, so the expiry job's list of events reads nothing else.
constexpr std::string_view kV27DropLapseIndex = "DROP INDEX bookings_lapse_idx";
constexpr std::string_view kV27LapseIndex =
    "CREATE INDEX bookings_lapse_idx ON bookings (hold_expires_at, event_id)"
    " WHERE status = 'held'";

}  // namespace eventify::storage
