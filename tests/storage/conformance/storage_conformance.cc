#include "storage_conformance.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "eventify/spi/account_maintenance_store.h"
#include "eventify/spi/account_repository.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/event_store.h"
#include "eventify/spi/job_store.h"
#include "eventify/spi/ledger_repository.h"
#include "eventify/spi/review_store.h"
#include "eventify/spi/settlement_store.h"
#include "eventify/spi/wallet_repository.h"

namespace eventify::conformance {
namespace {

const StorageUnderTest& Hook() {
  static const StorageUnderTest hook = MakeStorageUnderTest();
  return hook;
}

}  // namespace

std::shared_ptr<spi::Storage> OpenStorageUnderTest() {
  BOOST_REQUIRE_MESSAGE(Hook().open_empty, "MakeStorageUnderTest() gave no open_empty function");
  std::shared_ptr<spi::Storage> storage = Hook().open_empty();
  BOOST_REQUIRE_MESSAGE(storage != nullptr, "open_empty() gave no storage");
  for (const spi::StoreArea area :
       {spi::AccountRepository::kArea, spi::LedgerRepository::kArea, spi::WalletRepository::kArea,
        spi::JobStore::kArea, spi::AccountMaintenanceStore::kArea, spi::EventStore::kArea,
        spi::BookingStore::kArea, spi::SettlementStore::kArea, spi::ReviewStore::kArea}) {
    BOOST_REQUIRE_MESSAGE(storage->Supports(area), "the storage does not serve the area '"
                                                       << std::string(area.name())
                                                       << "' the suite checks");
  }
  return storage;
}

const StorageTraits& TraitsOfStorageUnderTest() { return Hook().traits; }

}  // namespace eventify::conformance
