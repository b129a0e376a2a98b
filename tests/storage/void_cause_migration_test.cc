// Migration 7 on the bundled SOCI storage: the voided transfers of a version 6 database, whose
// void_reason was free text, come out with the cause the engine meant (docs/ledger.md, Storage),
// the text kept as a note only where people wrote it; an admin's decline that said "expired" is a
// decline, not an expiry. Runs on the backend EVENTIFY_TEST_BACKEND selects.
#include <soci/soci.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <ostream>
#include <string>

#include "eventify/ledger.h"
#include "eventify/spi/ledger_repository.h"
#include "eventify/spi/storage.h"
#include "storage/fixtures.h"
#include "storage/raw_session.h"
#include "storage/soci/migrations.h"

namespace eventify {
inline std::ostream& operator<<(std::ostream& out, VoidCause cause) {
  return out << '"' << VoidCauseName(cause) << '"';
}
}  // namespace eventify

namespace eventify::testing {
namespace {

std::string Id(int n) {
  const std::string digits = std::to_string(n);
  return "00000000-0000-7000-8000-" + std::string(12 - digits.size(), '0') + digits;
}

struct OldTransfer {
  std::string kind;
  std::string from;
  std::string to;
  std::string status;
  std::string void_reason;
  std::string expires_at;  // SQL literal
  std::string resolved_at;
  VoidCause cause;  // expected after the migration
  std::string note;
};

}  // namespace

BOOST_AUTO_TEST_CASE(migration_7_gives_the_voided_transfers_of_a_version_6_database_their_cause) {
  const std::string url = FreshDatabaseUrl();
  const std::string wallet = Id(1), clearing = Id(2), payable = Id(3), escrow = Id(4);
  // What each way of voiding wrote up to version 6, and what it must read as from version 7.
  const std::map<int, OldTransfer> transfers = {
      // A top-up hold that lapsed: resolved when it expired.
      {10,
       {"credit", clearing, wallet, "voided", "expired", "100", "100", VoidCause::kExpired, ""}},
      // The case: an admin declined a withdrawal (never expiring) saying "expired".
      {11,
       {"withdrawal", wallet, payable, "voided", "expired", "NULL", "50",
        VoidCause::kDeclinedByAdmin, "expired"}},
      {12,
       {"withdrawal", wallet, payable, "voided", "bank account closed", "NULL", "50",
        VoidCause::kDeclinedByAdmin, "bank account closed"}},
      {13,
       {"withdrawal", wallet, payable, "voided", "cancelled", "NULL", "50",
        VoidCause::kCancelledByOwner, ""}},
      {14,
       {"credit", clearing, wallet, "voided", "card_declined", "100", "20",
        VoidCause::kCardDeclined, ""}},
      {15,
       {"credit", clearing, wallet, "voided", "invalid_card_token", "100", "20",
        VoidCause::kInvalidCardToken, ""}},
      // Voided through the ledger with no reason, with one, and with a refusal's word on a
      // transfer that is no top-up.
      {16, {"debit", wallet, escrow, "voided", "voided", "NULL", "30", VoidCause::kVoided, ""}},
      {17, {"debit", wallet, escrow, "voided", "late", "NULL", "30", VoidCause::kVoided, "late"}},
      {18,
       {"debit", wallet, escrow, "voided", "card_declined", "NULL", "30", VoidCause::kVoided,
        "card_declined"}},
      {19,
       {"debit", wallet, escrow, "voided", "expired", "NULL", "30", VoidCause::kVoided, "expired"}},
      {20, {"credit", clearing, wallet, "pending", "", "9000", "NULL", VoidCause::kNone, ""}},
      {21, {"withdrawal", wallet, payable, "posted", "", "NULL", "40", VoidCause::kNone, ""}},
  };
  {
    auto sql = RawSession(url);
    const auto dialect =
        TestBackend() == "postgresql" ? storage::Dialect::kPostgresql : storage::Dialect::kSqlite;
    auto migrated = storage::Migrate(*sql, dialect, /*up_to=*/6);
    BOOST_REQUIRE_MESSAGE(migrated.ok() && *migrated == 6, migrated.status().ToString());
    *sql << "INSERT INTO ledger_accounts (id, kind, owner_id, currency, posted, pending_debits,"
            " pending_credits, created_at, updated_at) VALUES ('" +
                wallet + "', 'user_wallet', 'u', 'INR', 0, 0, 10, 1, 1), ('" + clearing +
                "', 'gateway_clearing', '', 'INR', 0, 10, 0, 1, 1), ('" + payable +
                "', 'withdrawals_payable', '', 'INR', 0, 0, 0, 1, 1), ('" + escrow +
                "', 'escrow', 'e', 'INR', 0, 0, 0, 1, 1)";
    for (const auto& [n, t] : transfers) {
      *sql << "INSERT INTO transfers (id, idempotency_key, request_hash, kind, from_account_id,"
              " to_account_id, amount, currency, status, reference, void_reason, created_at,"
              " expires_at, resolved_at) VALUES ('" +
                  Id(n) + "', 'k" + std::to_string(n) + "', 'h', '" + t.kind + "', '" + t.from +
                  "', '" + t.to + "', 10, 'INR', '" + t.status + "', 'r', '" + t.void_reason +
                  "', 7, " + t.expires_at + ", " + t.resolved_at + ")";
    }
  }
  spi::SociStorageOptions options;
  options.url = url;
  auto upgraded = OpenStorageOrFail(options);
  BOOST_TEST(upgraded->schema_version() == storage::NewestSchemaVersion());
  REQUIRE_OK(upgraded->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
    for (const auto& [n, want] : transfers) {
      auto found = tx.ledger().FindTransfer(Id(n), spi::LockMode::kNone);
      BOOST_TEST_CONTEXT("transfer " << n << " (" << want.kind << ", '" << want.void_reason
                                     << "')") {
        BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
        BOOST_TEST(found->void_cause == want.cause);
        BOOST_TEST(found->void_note == want.note);
        BOOST_TEST(TransferStatusName(found->status) == want.status);
        BOOST_TEST(found->reference == "r");
      }
    }
    return Status::Ok();
  }));

  auto sql = RawSession(url);
  std::string name;
  *sql << "SELECT name FROM schema_migrations WHERE version = 7", soci::into(name);
  BOOST_TEST(name == "void causes");
  // The cause is one of the known words; the free text has left the column code reads. PostgreSQL
  // refuses any other word with a CHECK; SQLite stores it (no CHECK there: it cost 9% of the hot
  // path, migrations.cc), and the reader refuses the row.
  if (TestBackend() == "postgresql") {
    BOOST_CHECK_THROW(*sql << "UPDATE transfers SET void_cause = 'bank account closed'",
                      soci::soci_error);
  } else {
    *sql << "UPDATE transfers SET void_cause = 'bank account closed' WHERE id = '" + Id(13) + "'";
    REQUIRE_OK(upgraded->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) {
      auto found = tx.ledger().FindTransfer(Id(13), spi::LockMode::kNone);
      BOOST_TEST((found.status().code() == StatusCode::kInternal));
      BOOST_TEST(found.status().message() ==
                 "a transfers row holds an unknown kind, status or void cause");
      return Status::Ok();
    }));
  }
  BOOST_CHECK_THROW(*sql << "SELECT void_reason FROM transfers", soci::soci_error);
}

}  // namespace eventify::testing
