// Conformance: the wallets store's contract (spi/wallet_repository.h) — one charge record per
// top-up, claimed by exactly one of racing callers, read and updated under a lock — through the
// public SPI only, on the storage the factory hook gives (storage_conformance.h).
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "eventify/spi/storage.h"
#include "eventify/spi/wallet_repository.h"
#include "wallet_helpers.h"

namespace eventify::testing {
namespace {

using spi::LockMode;
using spi::TopUpChargeRecord;
using spi::TopUpChargeState;
using spi::TransactionMode;
using spi::WalletRepository;

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

}  // namespace

BOOST_FIXTURE_TEST_SUITE(wallet_topup_charges, FreshStorage)

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

}  // namespace eventify::testing
