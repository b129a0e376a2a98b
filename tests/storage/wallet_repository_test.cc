// What every spi::Storage must do for the wallets: the WalletRepository contract (one charge
// record per top-up, claimed by exactly one of racing callers, read and updated under a lock),
// and migration 4, which gives the top-ups of an older database their records. Runs on the
// backend EVENTIFY_TEST_BACKEND selects.
#include "eventify/spi/wallet_repository.h"

#include <soci/soci.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <latch>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "eventify/spi/storage.h"
#include "storage/fixtures.h"
#include "storage/raw_session.h"
#include "storage/soci/migrations.h"

namespace eventify::spi {
inline std::ostream& operator<<(std::ostream& out, TopUpChargeState state) {
  return out << TopUpChargeStateName(state);
}
}  // namespace eventify::spi

namespace eventify::testing {
namespace {

using spi::LockMode;
using spi::TopUpChargeRecord;
using spi::TopUpChargeState;
using spi::TransactionMode;
using spi::WalletRepository;

using WalletBody = std::function<Status(WalletRepository&)>;

Status RunWallets(spi::Storage& storage, TransactionMode mode, const WalletBody& body) {
  return storage.Run(mode, [&](spi::Transaction& tx) { return body(tx.wallets()); });
}

const std::string kTransfer = "00000000-0000-7000-8000-000000000042";

TopUpChargeRecord Charging(const std::string& transfer_id) {
  return {transfer_id, TopUpChargeState::kCharging, "", BaseTime(), BaseTime()};
}

// Inserts a record; returns whether this call inserted it.
bool Claim(spi::Storage& storage, const TopUpChargeRecord& record) {
  bool inserted = false;
  REQUIRE_OK(RunWallets(storage, TransactionMode::kReadWrite, [&](WalletRepository& wallets) {
    auto claimed = wallets.InsertTopUpCharge(record);
    if (!claimed.ok()) return claimed.status();
    inserted = *claimed;
    return Status::Ok();
  }));
  return inserted;
}

Result<TopUpChargeRecord> Load(spi::Storage& storage, const std::string& transfer_id) {
  Result<TopUpChargeRecord> found = Internal("not read");
  REQUIRE_OK(RunWallets(storage, TransactionMode::kReadOnly, [&](WalletRepository& wallets) {
    found = wallets.FindTopUpCharge(transfer_id, LockMode::kNone);
    return Status::Ok();
  }));
  return found;
}

struct WalletStorage {
  WalletStorage() : url(FreshDatabaseUrl()) {
    spi::SociStorageOptions options;
    options.url = url;
    storage = OpenStorageOrFail(options);
  }
  std::string url;
  std::shared_ptr<spi::Storage> storage;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(wallet_topup_charges, WalletStorage)

BOOST_AUTO_TEST_CASE(a_record_is_inserted_once_and_read_back) {
  BOOST_TEST(Load(*storage, kTransfer).status().reason() == "topup_charge_not_found");
  BOOST_TEST((Load(*storage, kTransfer).status().code() == StatusCode::kNotFound));
  BOOST_TEST(Claim(*storage, Charging(kTransfer)));
  TopUpChargeRecord other = Charging(kTransfer);
  other.state = TopUpChargeState::kAccepted;
  other.charge_id = "ch_other";
  BOOST_TEST(!Claim(*storage, other));  // the first stays
  auto found = Load(*storage, kTransfer);
  BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
  BOOST_TEST(found->transfer_id == kTransfer);
  BOOST_TEST(found->state == TopUpChargeState::kCharging);
  BOOST_TEST(found->charge_id == "");
  BOOST_TEST((found->created_at == BaseTime()));
  BOOST_TEST((found->updated_at == BaseTime()));
}

BOOST_AUTO_TEST_CASE(every_state_and_the_charge_id_are_updated_under_a_lock) {
  BOOST_REQUIRE(Claim(*storage, Charging(kTransfer)));
  for (TopUpChargeState state :
       {TopUpChargeState::kAccepted, TopUpChargeState::kCardDeclined,
        TopUpChargeState::kInvalidCardToken, TopUpChargeState::kGatewayUnavailable}) {
    REQUIRE_OK(RunWallets(*storage, TransactionMode::kReadWrite, [&](WalletRepository& wallets) {
      auto record = wallets.FindTopUpCharge(kTransfer, LockMode::kForUpdate);
      if (!record.ok()) return record.status();
      record->state = state;
      record->charge_id = "ch_" + std::string(spi::TopUpChargeStateName(state));
      record->updated_at = BaseTime() + std::chrono::seconds(5);
      return wallets.UpdateTopUpCharge(*record);
    }));
    auto found = Load(*storage, kTransfer);
    BOOST_REQUIRE(found.ok());
    BOOST_TEST(found->state == state);
    BOOST_TEST(found->charge_id == "ch_" + std::string(spi::TopUpChargeStateName(state)));
    BOOST_TEST((found->created_at == BaseTime()));
    BOOST_TEST((found->updated_at == BaseTime() + std::chrono::seconds(5)));
  }
  const Status missing =
      RunWallets(*storage, TransactionMode::kReadWrite, [&](WalletRepository& wallets) {
        return wallets.UpdateTopUpCharge(Charging("00000000-0000-7000-8000-000000000043"));
      });
  BOOST_TEST(missing.reason() == "topup_charge_not_found");
  const Status read_only =
      RunWallets(*storage, TransactionMode::kReadOnly, [&](WalletRepository& wallets) {
        return wallets.InsertTopUpCharge(Charging("00000000-0000-7000-8000-000000000044")).status();
      });
  BOOST_TEST((read_only.code() == StatusCode::kInternal));
}

BOOST_AUTO_TEST_CASE(of_callers_racing_for_one_top_up_exactly_one_claims_it) {
  constexpr int kCallers = 8;
  std::latch start(kCallers);
  std::atomic<int> claimed{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&] {
      start.arrive_and_wait();
      const Status status =
          RunWallets(*storage, TransactionMode::kReadWrite, [&](WalletRepository& wallets) {
            auto inserted = wallets.InsertTopUpCharge(Charging(kTransfer));
            if (!inserted.ok()) return inserted.status();
            if (*inserted) ++claimed;
            return Status::Ok();
          });
      if (!status.ok()) ++failed;
    });
  }
  for (auto& caller : callers) caller.join();
  BOOST_TEST(claimed == 1);
  BOOST_TEST(failed == 0);
}

BOOST_AUTO_TEST_SUITE_END()

// Top-ups of a version 3 database get their records: refusals repeat themselves, every other
// top-up was accepted with a charge id the engine never kept; other transfers get none.
BOOST_AUTO_TEST_CASE(migration_4_records_the_top_ups_of_a_version_3_database) {
  const std::string url = FreshDatabaseUrl();
  const std::string wallet = "00000000-0000-7000-8000-000000000001";
  const std::string clearing = "00000000-0000-7000-8000-000000000002";
  const std::string pending = "00000000-0000-7000-8000-000000000010";
  const std::string declined = "00000000-0000-7000-8000-000000000011";
  const std::string expired = "00000000-0000-7000-8000-000000000012";
  const std::string withdrawal = "00000000-0000-7000-8000-000000000013";
  {
    auto sql = RawSession(url);
    const auto dialect =
        TestBackend() == "postgresql" ? storage::Dialect::kPostgresql : storage::Dialect::kSqlite;
    auto migrated = storage::Migrate(*sql, dialect, /*up_to=*/3);
    BOOST_REQUIRE_MESSAGE(migrated.ok() && *migrated == 3, migrated.status().ToString());
    *sql << "INSERT INTO ledger_accounts (id, kind, owner_id, currency, posted, pending_debits,"
            " pending_credits, created_at, updated_at) VALUES ('" +
                wallet + "', 'user_wallet', 'u', 'INR', 0, 5, 10, 1, 1), ('" + clearing +
                "', 'gateway_clearing', '', 'INR', 0, 10, 0, 1, 1)";
    const auto transfer = [&](const std::string& id, const std::string& kind,
                              const std::string& from, const std::string& to,
                              const std::string& status, const std::string& reason) {
      *sql << "INSERT INTO transfers (id, idempotency_key, request_hash, kind, from_account_id,"
              " to_account_id, amount, currency, status, reference, void_reason, created_at,"
              " expires_at, resolved_at) VALUES ('" +
                  id + "', 'k" + id + "', 'h', '" + kind + "', '" + from + "', '" + to +
                  "', 10, 'INR', '" + status + "', '', '" + reason + "', 7, NULL, NULL)";
    };
    transfer(pending, "credit", clearing, wallet, "pending", "");
    transfer(declined, "credit", clearing, wallet, "voided", "card_declined");
    transfer(expired, "credit", clearing, wallet, "voided", "expired");
    transfer(withdrawal, "withdrawal", wallet, clearing, "pending", "");
  }
  spi::SociStorageOptions options;
  options.url = url;
  auto upgraded = OpenStorageOrFail(options);
  BOOST_TEST(upgraded->schema_version() == storage::NewestSchemaVersion());
  const auto expect = [&](const std::string& id, TopUpChargeState state) {
    auto found = Load(*upgraded, id);
    BOOST_TEST_CONTEXT("transfer " << id) {
      BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
      BOOST_TEST(found->state == state);
      BOOST_TEST(found->charge_id == "");
      BOOST_TEST(ToMicros(found->created_at) == 7);
    }
  };
  expect(pending, TopUpChargeState::kAccepted);
  expect(declined, TopUpChargeState::kCardDeclined);
  expect(expired, TopUpChargeState::kAccepted);
  BOOST_TEST(Load(*upgraded, withdrawal).status().reason() == "topup_charge_not_found");
  auto sql = RawSession(url);
  std::string name;
  *sql << "SELECT name FROM schema_migrations WHERE version = 4", soci::into(name);
  BOOST_TEST(name == "top-up charges");
  BOOST_CHECK_THROW(*sql << "INSERT INTO topup_charges (transfer_id, state, charge_id, "
                            "created_at, updated_at) VALUES ('x', 'lost', '', 1, 1)",
                    soci::soci_error);
}

}  // namespace eventify::testing
