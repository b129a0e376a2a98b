// The storage conformance suite on a storage written here against the public SPI only, the way
// an integrator writes theirs: LayeredStorage opens its own transactions (LayeredTransaction) and
// serves each area from a store it reaches through the public interface of another storage (the
// bundled SOCI storage on SQLite stands in for the integrator's database). That the whole suite
// passes on it shows the factory hook and the store-per-area mechanism work for a storage the
// library has never seen.
#define BOOST_TEST_MODULE integrator_storage_conformance
#include <boost/test/unit_test.hpp>
#include <functional>
#include <memory>
#include <string_view>
#include <typeinfo>
#include <utility>

#include "eventify/spi/account_maintenance_store.h"
#include "eventify/spi/admin_store.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/chat_store.h"
#include "eventify/spi/event_store.h"
#include "eventify/spi/job_store.h"
#include "eventify/spi/report_store.h"
#include "eventify/spi/identity_store.h"
#include "eventify/spi/review_store.h"
#include "eventify/spi/settlement_store.h"
#include "eventify/spi/storage.h"
#include "eventify/spi/waitlist_store.h"
#include "storage_conformance.h"
#include "support/test_storage.h"

namespace eventify::testing {
namespace {

// A transaction of its own that hands out the stores of the fourteen areas it knows, and no other.
class LayeredTransaction final : public spi::Transaction {
 public:
  explicit LayeredTransaction(spi::Transaction& below) : below_(below) {}

 protected:
  void* FindStore(spi::StoreArea area) override {
    if (area == spi::AccountRepository::kArea) return below_.store<spi::AccountRepository>();
    if (area == spi::LedgerRepository::kArea) return below_.store<spi::LedgerRepository>();
    if (area == spi::WalletRepository::kArea) return below_.store<spi::WalletRepository>();
    if (area == spi::JobStore::kArea) return below_.store<spi::JobStore>();
    if (area == spi::AccountMaintenanceStore::kArea) {
      return below_.store<spi::AccountMaintenanceStore>();
    }
    if (area == spi::EventStore::kArea) return below_.store<spi::EventStore>();
    if (area == spi::BookingStore::kArea) return below_.store<spi::BookingStore>();
    if (area == spi::SettlementStore::kArea) return below_.store<spi::SettlementStore>();
    if (area == spi::ReviewStore::kArea) return below_.store<spi::ReviewStore>();
    if (area == spi::WaitlistStore::kArea) return below_.store<spi::WaitlistStore>();
    if (area == spi::ChatStore::kArea) return below_.store<spi::ChatStore>();
    if (area == spi::ReportStore::kArea) return below_.store<spi::ReportStore>();
    if (area == spi::IdentityStore::kArea) return below_.store<spi::IdentityStore>();
    if (area == spi::AdminStore::kArea) return below_.store<spi::AdminStore>();
    return nullptr;
  }

 private:
  spi::Transaction& below_;
};

class LayeredStorage final : public spi::Storage {
 public:
  explicit LayeredStorage(std::shared_ptr<spi::Storage> below) : below_(std::move(below)) {}

  Status Run(spi::TransactionMode mode,
             const std::function<Status(spi::Transaction&)>& body) override {
    return below_->Run(mode, [&](spi::Transaction& below_tx) {
      LayeredTransaction tx(below_tx);
      return body(tx);
    });
  }
  std::string_view backend_name() const override { return "layered"; }
  int schema_version() const override { return below_->schema_version(); }
  bool Supports(spi::StoreArea area) const override {
    return area == spi::AccountRepository::kArea || area == spi::LedgerRepository::kArea ||
           area == spi::WalletRepository::kArea || area == spi::JobStore::kArea ||
           area == spi::AccountMaintenanceStore::kArea || area == spi::EventStore::kArea ||
           area == spi::BookingStore::kArea || area == spi::SettlementStore::kArea ||
           area == spi::ReviewStore::kArea ||
           area == spi::WaitlistStore::kArea || area == spi::ChatStore::kArea ||
           area == spi::ReportStore::kArea ||
           area == spi::IdentityStore::kArea ||
           area == spi::AdminStore::kArea;
  }

 private:
  const std::shared_ptr<spi::Storage> below_;
};

// The suite runs its bodies on LayeredStorage's own transactions, not on the SOCI ones below.
BOOST_AUTO_TEST_CASE(the_suite_runs_on_the_layered_storage) {
  auto storage = conformance::OpenStorageUnderTest();
  BOOST_TEST(storage->backend_name() == "layered");
  bool ran = false;
  BOOST_TEST(storage
                 ->Run(spi::TransactionMode::kReadOnly,
                       [&](spi::Transaction& tx) {
                         ran = true;
                         BOOST_TEST((typeid(tx) == typeid(LayeredTransaction)));
                         return Status::Ok();
                       })
                 .ok());
  BOOST_TEST(ran);
}

}  // namespace
}  // namespace eventify::testing

namespace eventify::conformance {

// The factory hook: a new LayeredStorage over a new, empty database per test. LayeredStorage
// does not retry aborted bodies itself; the storage below does, a number of times the suite
// need not know. Writers run concurrently as they do below.
StorageUnderTest MakeStorageUnderTest() {
  StorageUnderTest under_test;
  under_test.open_empty = [] {
    return std::make_shared<testing::LayeredStorage>(testing::OpenFreshStorage());
  };
  under_test.traits.concurrent_writers = testing::TestBackend() == "postgresql";
  return under_test;
}

}  // namespace eventify::conformance
