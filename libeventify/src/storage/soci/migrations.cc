#include "storage/soci/migrations.h"

#include <fmt/format.h>
#include <soci/soci.h>

#include <chrono>
#include <string>

#include "storage/soci/booking_schema.h"
#include "storage/soci/chat_schema.h"
#include "storage/soci/identity_schema.h"
#include "storage/soci/media_schema.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

// Key of the PostgreSQL advisory lock serialising migrations: "eventify" in ASCII.
constexpr long long kMigrationLockKey = 0x6576656e74696679LL;

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";

// ---- Version 1: accounts -------------------------------------------------------------------
// The statements are portable between SQLite and PostgreSQL.

constexpr std::string_view kV1Users =
    "CREATE TABLE users ("
    " id TEXT PRIMARY KEY,"
    " email TEXT NOT NULL,"
    " password_hash TEXT NOT NULL,"
    " full_name TEXT NOT NULL,"
    " role TEXT NOT NULL CHECK (role IN ('attendee', 'organizer', 'admin')),"
    " email_verified INTEGER NOT NULL CHECK (email_verified IN (0, 1)),"
    " blocked INTEGER NOT NULL CHECK (blocked IN (0, 1)),"
    " avatar_key TEXT,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " CONSTRAINT users_email_key UNIQUE (email))";

constexpr std::string_view kV1OneTimeCodes =
    "CREATE TABLE one_time_codes ("
    " user_id TEXT NOT NULL REFERENCES users (id),"
    " purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),"
    " code_hash TEXT NOT NULL,"
    " expires_at BIGINT NOT NULL,"
    " attempts_left INTEGER NOT NULL,"
    " last_sent_at BIGINT NOT NULL,"
    " window_started_at BIGINT NOT NULL,"
    " sends_in_window INTEGER NOT NULL,"
    " PRIMARY KEY (user_id, purpose))";

constexpr std::string_view kV1Sessions =
    "CREATE TABLE sessions ("
    " id TEXT PRIMARY KEY,"
    " user_id TEXT NOT NULL REFERENCES users (id),"
    " created_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL,"
    " revoked_at BIGINT,"
    " revoke_reason TEXT NOT NULL DEFAULT '')";

constexpr std::string_view kV1SessionsIndex =
    "CREATE INDEX sessions_user_id_idx ON sessions (user_id)";

constexpr std::string_view kV1RefreshTokens =
    "CREATE TABLE refresh_tokens ("
    " token_hash TEXT PRIMARY KEY,"
    " session_id TEXT NOT NULL REFERENCES sessions (id),"
    " issued_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL,"
    " used_at BIGINT)";

constexpr std::string_view kV1RefreshTokensIndex =
    "CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id)";

// ---- Version 2: ledger -------------------------------------------------------------------------
// Accounts with cached balances, transfers and their immutable entries (spi/ledger_repository.h).
// The tables and indexes are portable; the triggers that make ledger_entries append-only are
// written once per dialect. Money is BIGINT minor units; the kind and status words are part of the
// schema (see ledger_repository.cc): never change one, widen the CHECK in a new migration.

constexpr std::string_view kV2LedgerAccounts =
    "CREATE TABLE ledger_accounts ("
    " id TEXT PRIMARY KEY,"
    " kind TEXT NOT NULL CHECK (kind IN ('user_wallet', 'organizer_wallet', 'platform_revenue',"
    " 'escrow', 'gateway_clearing', 'withdrawals_payable')),"
    " owner_id TEXT NOT NULL DEFAULT '',"
    " currency TEXT NOT NULL,"
    " posted BIGINT NOT NULL,"
    " pending_debits BIGINT NOT NULL CHECK (pending_debits >= 0),"
    " pending_credits BIGINT NOT NULL CHECK (pending_credits >= 0),"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " CONSTRAINT ledger_accounts_ref_key UNIQUE (kind, owner_id, currency))";

// The transfers table of version 2 (`foreign_keys`: its accounts must exist) and of version 3's
// SQLite rebuild (without them), written once.
std::string TransfersTable(std::string_view name, bool foreign_keys) {
  return fmt::format(
      "CREATE TABLE {name} ("
      " id TEXT PRIMARY KEY,"
      " idempotency_key TEXT NOT NULL,"
      " request_hash TEXT NOT NULL,"
      " kind TEXT NOT NULL CHECK (kind IN ('credit', 'debit', 'refund', 'withdrawal',"
      " 'commission', 'settlement')),"
      " from_account_id TEXT NOT NULL{account_ref},"
      " to_account_id TEXT NOT NULL{account_ref},"
      " amount BIGINT NOT NULL CHECK (amount > 0),"
      " currency TEXT NOT NULL,"
      " status TEXT NOT NULL CHECK (status IN ('pending', 'posted', 'voided')),"
      " reference TEXT NOT NULL DEFAULT '',"
      " void_reason TEXT NOT NULL DEFAULT '',"
      " created_at BIGINT NOT NULL,"
      " expires_at BIGINT,"
      " resolved_at BIGINT,"
      " CONSTRAINT transfers_idempotency_key_key UNIQUE (idempotency_key),"
      " CONSTRAINT transfers_distinct_accounts CHECK (from_account_id <> to_account_id))",
      fmt::arg("name", name),
      fmt::arg("account_ref", foreign_keys ? " REFERENCES ledger_accounts (id)" : ""));
}

// History of one account, newest first, is read from both sides (ListHistory).
constexpr std::string_view kV2TransfersFromIndex =
    "CREATE INDEX transfers_from_history_idx ON transfers (from_account_id, created_at, id)";
constexpr std::string_view kV2TransfersToIndex =
    "CREATE INDEX transfers_to_history_idx ON transfers (to_account_id, created_at, id)";
// The expiry sweep reads only pending transfers; queries must say status = 'pending' literally
// for either database to use it.
constexpr std::string_view kV2TransfersExpiryIndex =
    "CREATE INDEX transfers_pending_expiry_idx ON transfers (expires_at, id) "
    "WHERE status = 'pending'";
// Queues across accounts (e.g. pending withdrawals), newest first.
constexpr std::string_view kV2TransfersQueueIndex =
    "CREATE INDEX transfers_queue_idx ON transfers (kind, status, created_at, id)";

constexpr std::string_view kV2LedgerEntries =
    "CREATE TABLE ledger_entries ("
    " transfer_id TEXT NOT NULL REFERENCES transfers (id),"
    " account_id TEXT NOT NULL REFERENCES ledger_accounts (id),"
    " amount BIGINT NOT NULL,"
    " balance_after BIGINT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " PRIMARY KEY (transfer_id, account_id))";

// No secondary index on account_id: every entry read goes through the primary key (history joins
// on transfer and account) or reads the whole table (the audit's sums per account), and the
// index cost the commit path a third B-tree insert per entry.

// Entries are append-only: the database refuses to change or remove one.
constexpr std::string_view kV2SqliteEntriesNoUpdate =
    "CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries "
    "BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END";
constexpr std::string_view kV2SqliteEntriesNoDelete =
    "CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries "
    "BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END";

// No ':' may appear in PostgreSQL statements outside placeholders: SOCI would take it for one.
constexpr std::string_view kV2PostgresEntriesFunction =
    "CREATE FUNCTION ledger_entries_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'ledger entries are immutable' USING ERRCODE = 'restrict_violation'; "
    "END $$";
constexpr std::string_view kV2PostgresEntriesRowTrigger =
    "CREATE TRIGGER ledger_entries_immutable BEFORE UPDATE OR DELETE ON ledger_entries "
    "FOR EACH ROW EXECUTE FUNCTION ledger_entries_immutable()";
// TRUNCATE fires no row triggers.
constexpr std::string_view kV2PostgresEntriesTruncateTrigger =
    "CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries "
    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_immutable()";

// ---- Version 3: no foreign keys on the commit path ----------------------------------------------
// The engine writes a transfer, the accounts it names and its entries in one transaction, from
// rows it has just read or created there; the audit (FindUnbalancedTransfers) reports any transfer
// naming a missing account and any entry naming a missing transfer. The four foreign keys checked
// the same thing again on every row, six look-ups per posted transfer, which cost PostgreSQL about
// a quarter of its batched throughput (docs/performance.md). They go; the immutability triggers,
// the CHECK constraints and the unique keys stay.
//
// PostgreSQL drops the constraints (named by its default rule, <table>_<column>_fkey). SQLite
// cannot drop a constraint, so it rebuilds both tables: entries first (they reference transfers),
// as a WITHOUT ROWID table clustered on its primary key (one B-tree per entry instead of two),
// then transfers, with their indexes. Both run inside the migration's transaction.

constexpr std::string_view kV3PostgresEntriesDropKeys =
    "ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_transfer_id_fkey,"
    " DROP CONSTRAINT ledger_entries_account_id_fkey";
constexpr std::string_view kV3PostgresTransfersDropKeys =
    "ALTER TABLE transfers DROP CONSTRAINT transfers_from_account_id_fkey,"
    " DROP CONSTRAINT transfers_to_account_id_fkey";

constexpr std::string_view kV3SqliteEntries =
    "CREATE TABLE ledger_entries_v3 ("
    " transfer_id TEXT NOT NULL,"
    " account_id TEXT NOT NULL,"
    " amount BIGINT NOT NULL,"
    " balance_after BIGINT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " PRIMARY KEY (transfer_id, account_id)) WITHOUT ROWID";
constexpr std::string_view kV3SqliteCopyEntries =
    "INSERT INTO ledger_entries_v3 (transfer_id, account_id, amount, balance_after, created_at)"
    " SELECT transfer_id, account_id, amount, balance_after, created_at FROM ledger_entries";
constexpr std::string_view kV3SqliteDropEntries = "DROP TABLE ledger_entries";  // and its triggers
constexpr std::string_view kV3SqliteRenameEntries =
    "ALTER TABLE ledger_entries_v3 RENAME TO ledger_entries";

constexpr std::string_view kV3SqliteCopyTransfers =
    "INSERT INTO transfers_v3 SELECT id, idempotency_key, request_hash, kind, from_account_id,"
    " to_account_id, amount, currency, status, reference, void_reason, created_at, expires_at,"
    " resolved_at FROM transfers";
constexpr std::string_view kV3SqliteDropTransfers = "DROP TABLE transfers";  // and its indexes
constexpr std::string_view kV3SqliteRenameTransfers =
    "ALTER TABLE transfers_v3 RENAME TO transfers";

// ---- Version 4: top-up charges -----------------------------------------------------------------
// What the payment gateway answered for each card top-up (spi/wallet_repository.h): the row is the
// claim that lets one caller start the charge, and keeps the charge id the callback must name.
// Top-ups made before this version get a row from what their transfer says: those voided by an
// at-once refusal repeat it, the others were accepted with a charge id the engine never kept (the
// first signed callback names it). Portable statements.

constexpr std::string_view kV4TopUpCharges =
    "CREATE TABLE topup_charges ("
    " transfer_id TEXT PRIMARY KEY,"
    " state TEXT NOT NULL CHECK (state IN ('charging', 'accepted', 'card_declined',"
    " 'invalid_card_token', 'gateway_unavailable')),"
    " charge_id TEXT NOT NULL DEFAULT '',"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL)";

constexpr std::string_view kV4ExistingTopUps =
    "INSERT INTO topup_charges (transfer_id, state, charge_id, created_at, updated_at)"
    " SELECT t.id, CASE WHEN t.status = 'voided' AND t.void_reason IN ('card_declined',"
    " 'invalid_card_token', 'gateway_unavailable') THEN t.void_reason ELSE 'accepted' END,"
    " '', t.created_at, t.created_at"
    " FROM transfers t JOIN ledger_accounts a ON a.id = t.from_account_id"
    " WHERE t.kind = 'credit' AND a.kind = 'gateway_clearing'";

// ---- Version 5: user lists ----------------------------------------------------------------------
// Admins list users newest first (AccountRepository::ListUsers), all of them or by role, a page
// at a time from the keyset (created_at, id); the other filters are checked along the scan.

constexpr std::string_view kV5UsersNewestIndex =
    "CREATE INDEX users_newest_idx ON users (created_at, id)";
constexpr std::string_view kV5UsersRoleIndex =
    "CREATE INDEX users_role_newest_idx ON users (role, created_at, id)";

// ---- Version 6: jobs ----------------------------------------------------------------------------
// Durable jobs (spi/job_store.h). The status words are JobStatusName's. Workers look for due jobs
// by (status, run_at) and for leases that ran out by (status, locked_until); admins list by
// (status, id). unique_key (NULL for most jobs) keeps one job per period of a schedule.

constexpr std::string_view kV6Jobs =
    "CREATE TABLE jobs ("
    " id TEXT PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'dead')),"
    " run_at BIGINT NOT NULL,"
    " attempts INTEGER NOT NULL CHECK (attempts >= 0),"
    " max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),"
    " last_error TEXT NOT NULL DEFAULT '',"
    " locked_by TEXT NOT NULL DEFAULT '',"
    " locked_until BIGINT,"
    " unique_key TEXT,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " CONSTRAINT jobs_unique_key_key UNIQUE (unique_key))";
constexpr std::string_view kV6JobsDueIndex = "CREATE INDEX jobs_due_idx ON jobs (status, run_at)";
constexpr std::string_view kV6JobsLeaseIndex =
    "CREATE INDEX jobs_lease_idx ON jobs (status, locked_until)";
constexpr std::string_view kV6JobsListIndex = "CREATE INDEX jobs_list_idx ON jobs (status, id)";

// ---- Version 7: void causes --------------------------------------------------------------------
// Why a transfer was voided becomes a word of its own (VoidCauseName; '' while not voided), and
// void_reason, free text until now, is renamed void_note: what people wrote, which code never
// branches on. Existing voided rows get their cause from what the engine wrote before, in this
// order (the first rule that matches wins):
//  1. 'expired' on a hold with an expiry: expired. Only holds with a timeout expire; an admin's
//     decline of a withdrawal (which never has one) that said 'expired' is not caught here.
//  2. a withdrawal saying 'cancelled': cancelled by its owner. An admin's decline that said
//     exactly 'cancelled' was stored the same way and cannot be told apart; the engine already
//     treated it as the owner's cancel.
//  3. any other voided withdrawal: declined by an admin (the only other way the wallets void one),
//     the text kept as the note.
//  4. a top-up (a credit from the gateway clearing account) saying 'card_declined' or
//     'invalid_card_token': that refusal.
//  5. anything else: voided, with the text as the note ('voided', the old stand-in for no reason,
//     becomes no note).
// The code-chosen words of rules 1, 2 and 4 leave no note. Portable statements.

// PostgreSQL keeps the cause to the known words with a CHECK. SQLite does not: there the CHECK
// cost 9% of the ledger's hot-wallet throughput at 64 callers (eventify-bench ledger --hot,
// 14,300-14,700/s without it against 12,800-13,500/s with it, runs alternating), and the reader
// refuses an unknown word anyway (a transfers row that holds one reads as kInternal).
constexpr std::string_view kV7AddVoidCause =
    "ALTER TABLE transfers ADD COLUMN void_cause TEXT NOT NULL DEFAULT '' CHECK (void_cause IN"
    " ('', 'voided', 'expired', 'cancelled', 'declined', 'card_declined', 'invalid_card_token'))";
constexpr std::string_view kV7SqliteAddVoidCause =
    "ALTER TABLE transfers ADD COLUMN void_cause TEXT NOT NULL DEFAULT ''";
constexpr std::string_view kV7RenameVoidReason =
    "ALTER TABLE transfers RENAME COLUMN void_reason TO void_note";
constexpr std::string_view kV7Expired =
    "UPDATE transfers SET void_cause = 'expired', void_note = ''"
    " WHERE status = 'voided' AND void_cause = '' AND void_note = 'expired'"
    " AND expires_at IS NOT NULL";
constexpr std::string_view kV7Cancelled =
    "UPDATE transfers SET void_cause = 'cancelled', void_note = ''"
    " WHERE status = 'voided' AND void_cause = '' AND kind = 'withdrawal'"
    " AND void_note = 'cancelled'";
constexpr std::string_view kV7Declined =
    "UPDATE transfers SET void_cause = 'declined'"
    " WHERE status = 'voided' AND void_cause = '' AND kind = 'withdrawal'";
constexpr std::string_view kV7CardRefused =
    "UPDATE transfers SET void_cause = void_note, void_note = ''"
    " WHERE status = 'voided' AND void_cause = '' AND kind = 'credit'"
    " AND void_note IN ('card_declined', 'invalid_card_token')"
    " AND from_account_id IN (SELECT id FROM ledger_accounts WHERE kind = 'gateway_clearing')";
constexpr std::string_view kV7Other =
    "UPDATE transfers SET void_cause = 'voided',"
    " void_note = CASE WHEN void_note = 'voided' THEN '' ELSE void_note END"
    " WHERE status = 'voided' AND void_cause = ''";

// ---- Version 8: events -------------------------------------------------------------------------
// Organizer profiles, categories and events (spi/event_store.h). The status and cause words are
// the public names (OrganizerStatusName, EventStatusName...). No foreign keys to users: as the
// ledger (version 3), the rows name accounts by id. Category names are unique by name_key (ASCII
// letters lower-cased). seats_sold and seats_held are zero until bookings exist; the CHECK keeps
// them within the capacity. The public listing reads (status, on_hold, starts_at, id), the
// organizer's list (organizer_id, created_at, id), the approval queue (status, submitted_at, id),
// the completion job (status, ends_at). cover_image_key names the cover in the media store (NULL:
// none). Full-text search over title and description: on SQLite
// an FTS5 table kept by triggers, whose rows are named by `seq`, an INTEGER PRIMARY KEY that
// VACUUM keeps (an implicit rowid may change); on PostgreSQL a generated tsvector with a GIN
// index. Both use the 'simple' rules: words lower-cased, no stemming. Version 7 belongs to the
// ledger's void causes; this migration does not depend on it.

constexpr std::string_view kV8OrganizerProfiles =
    "CREATE TABLE organizer_profiles ("
    " user_id TEXT PRIMARY KEY,"
    " organisation_name TEXT NOT NULL,"
    " about TEXT NOT NULL,"
    " contact TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'rejected')),"
    " reject_cause TEXT CHECK (reject_cause IN ('incomplete_profile', 'unverifiable_contact',"
    " 'not_an_organizer', 'other')),"
    " review_note TEXT NOT NULL,"
    " submitted_at BIGINT NOT NULL,"
    " reviewed_at BIGINT,"
    " updated_at BIGINT NOT NULL)";
constexpr std::string_view kV8OrganizerQueueIndex =
    "CREATE INDEX organizer_profiles_queue_idx ON organizer_profiles (status, submitted_at, "
    "user_id)";

constexpr std::string_view kV8Categories =
    "CREATE TABLE categories ("
    " id TEXT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " name_key TEXT NOT NULL,"
    " listed INTEGER NOT NULL CHECK (listed IN (0, 1)),"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " CONSTRAINT categories_name_key_key UNIQUE (name_key))";

// The columns both dialects share; SQLite adds `seq` in front, PostgreSQL `search` behind.
constexpr std::string_view kV8EventColumns =
    " id TEXT NOT NULL UNIQUE,"
    " organizer_id TEXT NOT NULL,"
    " title TEXT NOT NULL,"
    " description TEXT NOT NULL,"
    " category_id TEXT NOT NULL REFERENCES categories (id),"
    " venue TEXT NOT NULL,"
    " online_url TEXT NOT NULL,"
    " starts_at BIGINT NOT NULL,"
    " ends_at BIGINT NOT NULL,"
    " time_zone TEXT NOT NULL,"
    " capacity INTEGER NOT NULL CHECK (capacity > 0),"
    " price BIGINT NOT NULL CHECK (price >= 0),"
    " currency TEXT NOT NULL,"
    " attendees_may_cancel INTEGER NOT NULL CHECK (attendees_may_cancel IN (0, 1)),"
    " max_tickets_per_booking INTEGER NOT NULL CHECK (max_tickets_per_booking > 0),"
    " status TEXT NOT NULL CHECK (status IN ('draft', 'pending_approval', 'approved',"
    " 'rejected', 'cancelled', 'completed')),"
    " on_hold INTEGER NOT NULL CHECK (on_hold IN (0, 1)),"
    " reject_cause TEXT CHECK (reject_cause IN ('incomplete_details', 'misleading_content',"
    " 'wrong_category', 'policy_violation', 'other')),"
    " review_note TEXT NOT NULL,"
    " cancel_note TEXT NOT NULL,"
    " seats_sold INTEGER NOT NULL CHECK (seats_sold >= 0),"
    " seats_held INTEGER NOT NULL CHECK (seats_held >= 0),"
    " submitted_at BIGINT,"
    " cover_image_key TEXT,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " CHECK (seats_sold + seats_held <= capacity),"
    " CHECK (ends_at > starts_at)";

constexpr std::string_view kV8EventsListingIndex =
    "CREATE INDEX events_listing_idx ON events (status, on_hold, starts_at, id)";
constexpr std::string_view kV8EventsOrganizerIndex =
    "CREATE INDEX events_organizer_idx ON events (organizer_id, created_at, id)";
constexpr std::string_view kV8EventsQueueIndex =
    "CREATE INDEX events_queue_idx ON events (status, submitted_at, id)";
constexpr std::string_view kV8EventsEndIndex =
    "CREATE INDEX events_end_idx ON events (status, ends_at)";

constexpr std::string_view kV8SqliteEventsFts =
    "CREATE VIRTUAL TABLE events_fts USING fts5(title, description, content='events',"
    " content_rowid='seq')";
constexpr std::string_view kV8SqliteFtsInsert =
    "CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN"
    " INSERT INTO events_fts (rowid, title, description)"
    " VALUES (new.seq, new.title, new.description); END";
constexpr std::string_view kV8SqliteFtsDelete =
    "CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN"
    " INSERT INTO events_fts (events_fts, rowid, title, description)"
    " VALUES ('delete', old.seq, old.title, old.description); END";
constexpr std::string_view kV8SqliteFtsUpdate =
    "CREATE TRIGGER events_fts_update AFTER UPDATE OF title, description ON events BEGIN"
    " INSERT INTO events_fts (events_fts, rowid, title, description)"
    " VALUES ('delete', old.seq, old.title, old.description);"
    " INSERT INTO events_fts (rowid, title, description)"
    " VALUES (new.seq, new.title, new.description); END";
constexpr std::string_view kV8PostgresSearchIndex =
    "CREATE INDEX events_search_idx ON events USING GIN (search)";

// ---- Version 9: bookings ----------------------------------------------------------------------
// Bookings and their tickets (spi/booking_store.h). The status words are BookingStatusName's.
// request_key ("<user id>:<client key>") makes a client's idempotency key unique per buyer. No
// foreign keys, as on the ledger's commit path (version 3): bookings are written many per commit.
// Seat holds lapse by (event_id, status, hold_expires_at) when a batch locks the event, and by
// (status, hold_expires_at) for the expiry job (held bookings only from version 27); a buyer's
// bookings by (user_id, created_at, id).
// Version 26 replaces the request key's constraint and bookings_user_idx with one unique index
// (user_id, request_key) (booking_schema.h).
// This migration depends only on version 8 (events).

// The table is "CREATE TABLE bookings (" kV9BookingColumns " CONSTRAINT bookings_request_key_key
// UNIQUE (request_key))" (booking_schema.h; built in AllMigrations).
constexpr std::string_view kV9BookingsEventIndex =
    "CREATE INDEX bookings_event_idx ON bookings (event_id, status, hold_expires_at)";
constexpr std::string_view kV9BookingsLapseIndex =
    "CREATE INDEX bookings_lapse_idx ON bookings (status, hold_expires_at)";
constexpr std::string_view kV9BookingsUserIndex =
    "CREATE INDEX bookings_user_idx ON bookings (user_id, created_at, id)";
constexpr std::string_view kV9Tickets =
    "CREATE TABLE tickets ("
    " id TEXT PRIMARY KEY,"
    " booking_id TEXT NOT NULL,"
    " event_id TEXT NOT NULL,"
    " user_id TEXT NOT NULL,"
    " seat INTEGER NOT NULL CHECK (seat > 0),"
    " checked_in_at BIGINT,"
    " created_at BIGINT NOT NULL,"
    " CONSTRAINT tickets_booking_seat_key UNIQUE (booking_id, seat))";
constexpr std::string_view kV9TicketsEventIndex =
    "CREATE INDEX tickets_event_idx ON tickets (event_id)";

// ---- Version 10: settlements -------------------------------------------------------------------
// One row per settled event (spi/settlement_store.h): what its escrow paid out and the ledger
// transfers that did it. The event's own row gets settled_at, the marker the settlement job reads
// through a partial index of the approved and completed events not settled yet, so that settled
// events, however many, cost the job nothing. No foreign key, as on the ledger (version 3).
// Depends only on version 8 (events); written in the statements both dialects accept.

constexpr std::string_view kV10Settlements =
    "CREATE TABLE event_settlements ("
    " event_id TEXT PRIMARY KEY,"
    " organizer_id TEXT NOT NULL,"
    " currency TEXT NOT NULL,"
    " gross BIGINT NOT NULL CHECK (gross >= 0),"
    " commission BIGINT NOT NULL CHECK (commission >= 0),"
    " net BIGINT NOT NULL CHECK (net >= 0),"
    " commission_bps INTEGER NOT NULL CHECK (commission_bps BETWEEN 0 AND 10000),"
    " settlement_transfer_id TEXT NOT NULL,"
    " commission_transfer_id TEXT NOT NULL,"
    " settled_by TEXT NOT NULL,"
    " settled_at BIGINT NOT NULL,"
    " CHECK (commission + net = gross))";
constexpr std::string_view kV10EventsSettledAt = "ALTER TABLE events ADD COLUMN settled_at BIGINT";
constexpr std::string_view kV10EventsUnsettledIndex =
    "CREATE INDEX events_unsettled_idx ON events (ends_at, id)"
    " WHERE settled_at IS NULL AND status IN ('approved', 'completed')";

// ---- Version 11: reviews -----------------------------------------------------------------------
// Reviews of ended events (spi/review_store.h) and the rating totals they add up to. One review per
// (event, user), removed ones included, so a removed review cannot be written again. The public
// list reads the partial index of visible reviews (event_id, created_at, id); a holder's booking
// is found by user_id (bookings_user_idx of version 9; from version 26 the unique (user_id,
// request_key)). The totals (event_ratings, organizer_ratings) are
// changed in place by the commit that writes a review, under their row locks. No foreign keys, as
// for bookings. Version 10 belongs to another area; this migration depends only on versions 8 and
// 9.

constexpr std::string_view kV11Reviews =
    "CREATE TABLE reviews ("
    " id TEXT PRIMARY KEY,"
    " event_id TEXT NOT NULL,"
    " organizer_id TEXT NOT NULL,"
    " user_id TEXT NOT NULL,"
    " rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),"
    " title TEXT NOT NULL,"
    " body TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " removed_at BIGINT,"
    " removed_by TEXT NOT NULL,"
    " removal_note TEXT NOT NULL,"
    " CONSTRAINT reviews_event_user_key UNIQUE (event_id, user_id))";
constexpr std::string_view kV11ReviewsListingIndex =
    "CREATE INDEX reviews_listing_idx ON reviews (event_id, created_at, id)"
    " WHERE removed_at IS NULL";
constexpr std::string_view kV11EventRatings =
    "CREATE TABLE event_ratings ("
    " event_id TEXT PRIMARY KEY,"
    " review_count BIGINT NOT NULL CHECK (review_count >= 0),"
    " rating_sum BIGINT NOT NULL CHECK (rating_sum >= 0))";
constexpr std::string_view kV11OrganizerRatings =
    "CREATE TABLE organizer_ratings ("
    " organizer_id TEXT PRIMARY KEY,"
    " review_count BIGINT NOT NULL CHECK (review_count >= 0),"
    " rating_sum BIGINT NOT NULL CHECK (rating_sum >= 0))";

// ---- Version 12: coupons ----------------------------------------------------------------------
// Coupons (eventify/coupons.h, spi/booking_store.h) and the bookings that use them. code is
// upper case and unique. A coupon takes off either basis points or a fixed amount, never both.
// A booking's coupon_id is '' when it uses none; the partial index covers only those that use one,
// so a booking without a coupon pays no index upkeep for it: the batch counts a coupon's uses by
// (coupon_id, user_id, status) with the coupon's row locked. Coupons are listed by
// (created_at, id), an organizer's by (organizer_id, created_at, id). No CHECK on the new
// bookings columns: the commit path writes them, and the engine keeps discount within the price.
// This migration depends only on version 9 (bookings); versions 10 and 11 belong to other areas.

constexpr std::string_view kV12Coupons =
    "CREATE TABLE coupons ("
    " id TEXT PRIMARY KEY,"
    " code TEXT NOT NULL,"
    " event_id TEXT NOT NULL,"
    " organizer_id TEXT NOT NULL,"
    " created_by TEXT NOT NULL,"
    " percent_off_bp INTEGER NOT NULL CHECK (percent_off_bp BETWEEN 0 AND 10000),"
    " amount_off BIGINT NOT NULL CHECK (amount_off >= 0),"
    " minimum_purchase BIGINT NOT NULL CHECK (minimum_purchase >= 0),"
    " valid_from BIGINT NOT NULL,"
    " valid_until BIGINT NOT NULL,"
    " total_limit INTEGER NOT NULL CHECK (total_limit > 0),"
    " per_user_limit INTEGER NOT NULL CHECK (per_user_limit > 0),"
    " active INTEGER NOT NULL CHECK (active IN (0, 1)),"
    " deactivated_at BIGINT,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " CHECK ((percent_off_bp > 0 AND amount_off = 0) OR (percent_off_bp = 0 AND amount_off > 0)),"
    " CHECK (valid_until > valid_from),"
    " CHECK (per_user_limit <= total_limit),"
    " CONSTRAINT coupons_code_key UNIQUE (code))";
constexpr std::string_view kV12CouponsListIndex =
    "CREATE INDEX coupons_list_idx ON coupons (created_at, id)";
constexpr std::string_view kV12CouponsOrganizerIndex =
    "CREATE INDEX coupons_organizer_idx ON coupons (organizer_id, created_at, id)";
constexpr std::string_view kV12BookingsCouponId =
    "ALTER TABLE bookings ADD COLUMN coupon_id TEXT NOT NULL DEFAULT ''";
constexpr std::string_view kV12BookingsCouponCode =
    "ALTER TABLE bookings ADD COLUMN coupon_code TEXT NOT NULL DEFAULT ''";
constexpr std::string_view kV12BookingsDiscount =
    "ALTER TABLE bookings ADD COLUMN discount BIGINT NOT NULL DEFAULT 0";
constexpr std::string_view kV12BookingsCouponIndex =
    "CREATE INDEX bookings_coupon_idx ON bookings (coupon_id, user_id, status) "
    "WHERE coupon_id <> ''";

// ---- Version 13: waitlists --------------------------------------------------------------------
// Users in line for seats of sold-out events (spi/waitlist_store.h). seq numbers an event's
// entries in the order they joined (the engine assigns it under the event's row lock); the
// partial unique index keeps one waiting entry per user and event, while offered entries stay as
// history, so a user whose offer lapsed may join again. booking_id is '' until an offer is made.
// No foreign keys, as bookings (version 9). This migration depends only on version 8 (events).

constexpr std::string_view kV13WaitlistEntries =
    "CREATE TABLE waitlist_entries ("
    " id TEXT PRIMARY KEY,"
    " event_id TEXT NOT NULL,"
    " user_id TEXT NOT NULL,"
    " seq BIGINT NOT NULL CHECK (seq > 0),"
    " seats INTEGER NOT NULL CHECK (seats > 0),"
    " status TEXT NOT NULL CHECK (status IN ('waiting', 'offered')),"
    " booking_id TEXT NOT NULL,"
    " joined_at BIGINT NOT NULL,"
    " offered_at BIGINT,"
    " offer_expires_at BIGINT,"
    " CONSTRAINT waitlist_entries_event_seq_key UNIQUE (event_id, seq))";
constexpr std::string_view kV13WaitingKey =
    "CREATE UNIQUE INDEX waitlist_entries_waiting_key ON waitlist_entries (event_id, user_id)"
    " WHERE status = 'waiting'";
constexpr std::string_view kV13UserIndex =
    "CREATE INDEX waitlist_entries_user_idx ON waitlist_entries (user_id, event_id, seq)";
constexpr std::string_view kV13LineIndex =
    "CREATE INDEX waitlist_entries_line_idx ON waitlist_entries (status, event_id, seq)";

// ---- Version 14: booking reminders ------------------------------------------------------------
// When the reminder of a confirmed booking was written (Bookings::SendReminders); NULL until then.
// Confirmed bookings still to remind are found per event through a partial index, which keeps
// only them. Depends only on version 9 (bookings).

constexpr std::string_view kV14BookingsRemindedAt =
    "ALTER TABLE bookings ADD COLUMN reminded_at BIGINT";
constexpr std::string_view kV14BookingsReminderIndex =
    "CREATE INDEX bookings_reminder_idx ON bookings (event_id) "
    "WHERE status = 'confirmed' AND reminded_at IS NULL";

// ---- Version 15: card payments of bookings ----------------------------------------------------
// One row per attempt to pay a held booking by card (spi::BookingStore, "Card payments"), keyed
// by the pending top-up the card pays; the state words are CardPaymentStateName's.
// hold_expires_before keeps the hold's expiry from before the attempt extended it, for a decline
// to give back. A booking's attempts by (booking_id, created_at). No foreign keys, as bookings
// (version 9). This migration depends only on version 9 (bookings).

constexpr std::string_view kV15CardPayments =
    "CREATE TABLE booking_card_payments ("
    " topup_transfer_id TEXT PRIMARY KEY,"
    " booking_id TEXT NOT NULL,"
    " event_id TEXT NOT NULL,"
    " user_id TEXT NOT NULL,"
    " client_key TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('pending', 'paid', 'in_wallet', 'declined')),"
    " hold_expires_before BIGINT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL)";
constexpr std::string_view kV15CardPaymentsBookingIndex =
    "CREATE INDEX booking_card_payments_booking_idx ON booking_card_payments (booking_id, "
    "created_at)";

// ---- Version 16: job payloads ------------------------------------------------------------------
// A job's payload moves to a table of its own, written once. A claim and an outcome rewrite the
// jobs row, and with the payload in it (a sealed e-mail is about 1.4 KB) each rewrote the whole
// of it: in the booking benchmark on SQLite, a quarter of the pages a paid booking wrote to the
// WAL were jobs rows (8,881 of 34,607 frames, read from the WAL of a 3 s run). The due and lease
// indexes keep only the jobs they serve (queued, running), in the order the claim reads them, so
// that finished jobs leave them. Portable statements (SQLite 3.35 drops columns).
constexpr std::string_view kV16JobPayloads =
    "CREATE TABLE job_payloads (job_id TEXT PRIMARY KEY, payload TEXT NOT NULL)";
constexpr std::string_view kV16CopyPayloads =
    "INSERT INTO job_payloads (job_id, payload) SELECT id, payload FROM jobs";
constexpr std::string_view kV16DropPayload = "ALTER TABLE jobs DROP COLUMN payload";
constexpr std::string_view kV16DropDueIndex = "DROP INDEX jobs_due_idx";
constexpr std::string_view kV16DropLeaseIndex = "DROP INDEX jobs_lease_idx";
constexpr std::string_view kV16DueIndex =
    "CREATE INDEX jobs_due_idx ON jobs (run_at, id) WHERE status = 'queued'";
constexpr std::string_view kV16LeaseIndex =
    "CREATE INDEX jobs_lease_idx ON jobs (locked_until) WHERE status = 'running'";

// ---- Version 20: admin audit log --------------------------------------------------------------
// Every change admins make to accounts (eventify/admin.h), written in the change's commit and never
// changed: newest first for every user (created_at, id) or for one (target_id, created_at, id).
// An organizer's public page lists the visible reviews of all its events, newest first, from a
// partial index like reviews_listing_idx (version 11). Depends only on versions 1 and 11.
constexpr std::string_view kV20AdminAuditLog =
    "CREATE TABLE admin_audit_log ("
    " id TEXT PRIMARY KEY,"
    " actor_id TEXT NOT NULL,"
    " action TEXT NOT NULL CHECK (action IN ('block_user', 'unblock_user', 'change_role')),"
    " target_id TEXT NOT NULL,"
    " from_value TEXT NOT NULL,"
    " to_value TEXT NOT NULL,"
    " created_at BIGINT NOT NULL)";
constexpr std::string_view kV20AdminAuditLogNewestIndex =
    "CREATE INDEX admin_audit_log_newest_idx ON admin_audit_log (created_at, id)";
constexpr std::string_view kV20AdminAuditLogTargetIndex =
    "CREATE INDEX admin_audit_log_target_idx ON admin_audit_log (target_id, created_at, id)";
constexpr std::string_view kV20ReviewsOrganizerIndex =
    "CREATE INDEX reviews_organizer_idx ON reviews (organizer_id, created_at, id)"
    " WHERE removed_at IS NULL";

long long NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Exec(soci::session& sql, std::string_view statement) { sql << std::string(statement); }

// Starts a transaction that excludes every other migrator, in this process or another.
void BeginExclusive(soci::session& sql, Dialect dialect) {
  if (dialect == Dialect::kSqlite) {
    Exec(sql, "BEGIN IMMEDIATE");
  } else {
    Exec(sql, "BEGIN");
    Exec(sql, fmt::format("SELECT pg_advisory_xact_lock({})", kMigrationLockKey));
  }
}

int RecordedVersion(soci::session& sql) {
  long long version = 0;
  Execute(sql, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", soci::into(version));
  return static_cast<int>(version);
}

Status TooNew(int found) {
  return FailedPrecondition(
      "schema_too_new",
      fmt::format("the database schema is at version {}, newer than version {}, the newest this "
                  "build of Eventify knows; upgrade Eventify",
                  found, NewestSchemaVersion()));
}

void RollbackQuietly(soci::session& sql) {
  try {
    Exec(sql, "ROLLBACK");
  } catch (...) {
    // The transaction is gone either way; the failure that brought us here is what matters.
  }
}

// Runs one exclusive transaction; returns the recorded version it saw, after `apply` ran on it.
// `apply` returns false to roll back instead of committing.
template <typename Apply>
Result<int> InExclusiveTransaction(soci::session& sql, Dialect dialect, std::string_view what,
                                   Apply&& apply) {
  try {
    BeginExclusive(sql, dialect);
    const int version = apply();
    Exec(sql, "COMMIT");
    return version;
  } catch (...) {
    const DatabaseFailure failure = ClassifyCurrentException(dialect, &sql);
    RollbackQuietly(sql);
    if (failure.kind == FailureKind::kOther) {
      return Internal(fmt::format("{} failed and was rolled back ({})", what, failure.diagnostic));
    }
    return FailureStatus(failure, what);
  }
}

}  // namespace

const std::vector<Migration>& AllMigrations() {
  static const std::string v2_transfers = TransfersTable("transfers", /*foreign_keys=*/true);
  static const std::string v3_sqlite_transfers =
      TransfersTable("transfers_v3", /*foreign_keys=*/false);
  static const std::string v8_sqlite_events =
      "CREATE TABLE events (seq INTEGER PRIMARY KEY," + std::string(kV8EventColumns) + ")";
  static const std::string v8_postgres_events =
      "CREATE TABLE events (" + std::string(kV8EventColumns) +
      ", search tsvector GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' ||"
      " description)) STORED)";
  static const std::string v9_bookings = "CREATE TABLE bookings (" +
                                         std::string(kV9BookingColumns) +
                                         " CONSTRAINT bookings_request_key_key UNIQUE (request_key))";
  static const std::string v26_sqlite_bookings =
      "CREATE TABLE bookings_v26 (" + std::string(kV9BookingColumns) +
      std::string(kV12V14BookingColumns) +
      " CONSTRAINT bookings_user_request_key_key UNIQUE (user_id, request_key))";
  static const std::vector<Migration> migrations = {
      {1,
       "accounts",
       {kV1Users, kV1OneTimeCodes, kV1Sessions, kV1SessionsIndex, kV1RefreshTokens,
        kV1RefreshTokensIndex},
       {kV1Users, kV1OneTimeCodes, kV1Sessions, kV1SessionsIndex, kV1RefreshTokens,
        kV1RefreshTokensIndex}},
      {2,
       "ledger",
       {kV2LedgerAccounts, v2_transfers, kV2TransfersFromIndex, kV2TransfersToIndex,
        kV2TransfersExpiryIndex, kV2TransfersQueueIndex, kV2LedgerEntries, kV2SqliteEntriesNoUpdate,
        kV2SqliteEntriesNoDelete},
       {kV2LedgerAccounts, v2_transfers, kV2TransfersFromIndex, kV2TransfersToIndex,
        kV2TransfersExpiryIndex, kV2TransfersQueueIndex, kV2LedgerEntries,
        kV2PostgresEntriesFunction, kV2PostgresEntriesRowTrigger,
        kV2PostgresEntriesTruncateTrigger}},
      {3,
       "ledger without foreign keys",
       {kV3SqliteEntries, kV3SqliteCopyEntries, kV3SqliteDropEntries, kV3SqliteRenameEntries,
        kV2SqliteEntriesNoUpdate, kV2SqliteEntriesNoDelete, v3_sqlite_transfers,
        kV3SqliteCopyTransfers, kV3SqliteDropTransfers, kV3SqliteRenameTransfers,
        kV2TransfersFromIndex, kV2TransfersToIndex, kV2TransfersExpiryIndex,
        kV2TransfersQueueIndex},
       {kV3PostgresEntriesDropKeys, kV3PostgresTransfersDropKeys}},
      {4,
       "top-up charges",
       {kV4TopUpCharges, kV4ExistingTopUps},
       {kV4TopUpCharges, kV4ExistingTopUps}},
      {5,
       "user lists",
       {kV5UsersNewestIndex, kV5UsersRoleIndex},
       {kV5UsersNewestIndex, kV5UsersRoleIndex}},
      {6,
       "jobs",
       {kV6Jobs, kV6JobsDueIndex, kV6JobsLeaseIndex, kV6JobsListIndex},
       {kV6Jobs, kV6JobsDueIndex, kV6JobsLeaseIndex, kV6JobsListIndex}},
      {7,
       "void causes",
       {kV7SqliteAddVoidCause, kV7RenameVoidReason, kV7Expired, kV7Cancelled, kV7Declined,
        kV7CardRefused, kV7Other},
       {kV7AddVoidCause, kV7RenameVoidReason, kV7Expired, kV7Cancelled, kV7Declined, kV7CardRefused,
        kV7Other}},
      {8,
       "events",
       {kV8OrganizerProfiles, kV8OrganizerQueueIndex, kV8Categories, v8_sqlite_events,
        kV8EventsListingIndex, kV8EventsOrganizerIndex, kV8EventsQueueIndex, kV8EventsEndIndex,
        kV8SqliteEventsFts, kV8SqliteFtsInsert, kV8SqliteFtsDelete, kV8SqliteFtsUpdate},
       {kV8OrganizerProfiles, kV8OrganizerQueueIndex, kV8Categories, v8_postgres_events,
        kV8EventsListingIndex, kV8EventsOrganizerIndex, kV8EventsQueueIndex, kV8EventsEndIndex,
        kV8PostgresSearchIndex}},
      {9,
       "bookings",
       {v9_bookings, kV9BookingsEventIndex, kV9BookingsLapseIndex, kV9BookingsUserIndex,
        kV9Tickets, kV9TicketsEventIndex},
       {v9_bookings, kV9BookingsEventIndex, kV9BookingsLapseIndex, kV9BookingsUserIndex,
        kV9Tickets, kV9TicketsEventIndex}},
      {10,
       "settlements",
       {kV10Settlements, kV10EventsSettledAt, kV10EventsUnsettledIndex},
       {kV10Settlements, kV10EventsSettledAt, kV10EventsUnsettledIndex}},
      {11,
       "reviews",
       {kV11Reviews, kV11ReviewsListingIndex, kV11EventRatings, kV11OrganizerRatings},
       {kV11Reviews, kV11ReviewsListingIndex, kV11EventRatings, kV11OrganizerRatings}},
      {12,
       "coupons",
       {kV12Coupons, kV12CouponsListIndex, kV12CouponsOrganizerIndex, kV12BookingsCouponId,
        kV12BookingsCouponCode, kV12BookingsDiscount, kV12BookingsCouponIndex},
       {kV12Coupons, kV12CouponsListIndex, kV12CouponsOrganizerIndex, kV12BookingsCouponId,
        kV12BookingsCouponCode, kV12BookingsDiscount, kV12BookingsCouponIndex}},
      {13,
       "waitlists",
       {kV13WaitlistEntries, kV13WaitingKey, kV13UserIndex, kV13LineIndex},
       {kV13WaitlistEntries, kV13WaitingKey, kV13UserIndex, kV13LineIndex}},
      {14,
       "booking reminders",
       {kV14BookingsRemindedAt, kV14BookingsReminderIndex},
       {kV14BookingsRemindedAt, kV14BookingsReminderIndex}},
      {15,
       "card payments of bookings",
       {kV15CardPayments, kV15CardPaymentsBookingIndex},
       {kV15CardPayments, kV15CardPaymentsBookingIndex}},
      {16,
       "job payloads",
       {kV16JobPayloads, kV16CopyPayloads, kV16DropPayload, kV16DropDueIndex, kV16DropLeaseIndex,
        kV16DueIndex, kV16LeaseIndex},
       {kV16JobPayloads, kV16CopyPayloads, kV16DropPayload, kV16DropDueIndex, kV16DropLeaseIndex,
        kV16DueIndex, kV16LeaseIndex}},
      {17,
       "chat",
       {kV17ChatConversations, kV17ChatConversationsUserA, kV17ChatConversationsUserB,
        kV17ChatConversationsEvent, kV17ChatMessages, kV17ChatReadMarks},
       {kV17ChatConversations, kV17ChatConversationsUserA, kV17ChatConversationsUserB,
        kV17ChatConversationsEvent, kV17ChatMessages, kV17ChatReadMarks}},
      {18,
       "chat images",
       {kV18ChatImageKey, kV18ChatImageType, kV18ChatImageSize, kV18ChatImageSha256},
       {kV18ChatImageKey, kV18ChatImageType, kV18ChatImageSize, kV18ChatImageSha256}},
      {19,
       "chat stream positions",
       {kV19ChatStream, kV19ChatStreamRow, kV19ChatMessagesPos, kV19ChatMessagesPosIndex,
        kV19ChatReadMarksPos, kV19ChatReadMarksPosIndex},
       {kV19ChatStream, kV19ChatStreamRow, kV19ChatMessagesPos, kV19ChatMessagesPosIndex,
        kV19ChatReadMarksPos, kV19ChatReadMarksPosIndex}},
      {20,
       "admin audit log",
       {kV20AdminAuditLog, kV20AdminAuditLogNewestIndex, kV20AdminAuditLogTargetIndex,
        kV20ReviewsOrganizerIndex},
       {kV20AdminAuditLog, kV20AdminAuditLogNewestIndex, kV20AdminAuditLogTargetIndex,
        kV20ReviewsOrganizerIndex}},
      {21,
       "sign-in identities",
       {kV21Identities, kV21IdentitiesUserIndex, kV21Flows, kV21FlowsExpiryIndex, kV21Nonces,
        kV21NoncesExpiryIndex, kV21PendingLinks, kV21PendingLinksExpiryIndex},
       {kV21Identities, kV21IdentitiesUserIndex, kV21Flows, kV21FlowsExpiryIndex, kV21Nonces,
        kV21NoncesExpiryIndex, kV21PendingLinks, kV21PendingLinksExpiryIndex}},
      {22, "chat unread counts by sender", {kV22ChatMessagesSenderIndex},
       {kV22ChatMessagesSenderIndex}},
      {23, "media objects", {kV23SqliteMediaObjects}, {kV23PostgresMediaObjects}},
      {24,
       "chat unread counts without the sender index",
       {kV24ChatOwnAfterRead, kV24CountOwnAfterRead, kV24AddSenderMarks, kV24DropSenderIndex},
       {kV24ChatOwnAfterRead, kV24CountOwnAfterRead, kV24AddSenderMarks, kV24DropSenderIndex}},
      {25,
       "chat stream positions through one message in 32",
       {kV25MessagesPosMarks, kV25DropMessagesPosIndex},
       {kV25MessagesPosMarks, kV25DropMessagesPosIndex}},
      {26,
       "bookings unique per buyer through one index",
       {v26_sqlite_bookings, kV26SqliteCopyBookings, kV26SqliteDropBookings,
        kV26SqliteRenameBookings, kV9BookingsEventIndex, kV9BookingsLapseIndex,
        kV12BookingsCouponIndex, kV14BookingsReminderIndex},
       {kV26PostgresUserRequestKey, kV26PostgresDropRequestKey, kV26DropUserIndex}},
      {27,
       "lapse index of held bookings only",
       {kV27DropLapseIndex, kV27LapseIndex},
       {kV27DropLapseIndex, kV27LapseIndex}},
  };
  return migrations;
}

int NewestSchemaVersion() { return AllMigrations().back().version; }

Result<int> RecordedSchemaVersion(soci::session& sql, Dialect dialect) {
  try {
    long long tables = 0;
    Execute(sql,
            dialect == Dialect::kSqlite
                ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
                  " AND name = 'schema_migrations'"
                : "SELECT COUNT(*) FROM information_schema.tables"
                  " WHERE table_name = 'schema_migrations' AND table_schema = current_schema()",
            soci::into(tables));
    return tables == 0 ? 0 : RecordedVersion(sql);
  } catch (...) {
    return FailureStatus(ClassifyCurrentException(dialect, &sql), "reading the schema version");
  }
}

Result<int> Migrate(soci::session& sql, Dialect dialect, int up_to) {
  Result<int> current = InExclusiveTransaction(sql, dialect, "creating schema_migrations", [&] {
    // On an existing table PostgreSQL answers IF NOT EXISTS with a NOTICE, which libpq prints on
    // the standard error of the program (an operator's command, say).
    if (dialect == Dialect::kPostgresql) Exec(sql, "SET LOCAL client_min_messages = warning");
    Exec(sql, kCreateMigrationsTable);
    return RecordedVersion(sql);
  });
  if (!current.ok()) return current.status();
  int version = *current;
  if (version > NewestSchemaVersion()) return TooNew(version);

  for (const Migration& migration : AllMigrations()) {
    if (migration.version <= version) continue;
    if (migration.version > up_to) break;
    const std::string what = fmt::format("migration {} ({})", migration.version, migration.name);
    Result<int> applied = InExclusiveTransaction(sql, dialect, what, [&] {
      // Another process may have applied it while we waited for the lock.
      const int recorded = RecordedVersion(sql);
      if (recorded >= migration.version) return recorded;
      const auto& statements =
          dialect == Dialect::kSqlite ? migration.sqlite : migration.postgresql;
      for (std::string_view statement : statements) Exec(sql, statement);
      const long long version_value = migration.version;
      const std::string name(migration.name);
      const long long applied_at = NowMicros();
      Execute(sql,
              "INSERT INTO schema_migrations (version, name, applied_at)"
              " VALUES (:version, :name, :applied_at)",
              soci::use(version_value), soci::use(name), soci::use(applied_at));
      return migration.version;
    });
    if (!applied.ok()) return applied.status();
    version = *applied;
    if (version > NewestSchemaVersion()) return TooNew(version);
  }
  return version;
}

}  // namespace eventify::storage
