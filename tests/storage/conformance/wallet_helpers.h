// Helpers of the wallets store's conformance cases, also used by the SOCI storage's migration
// tests: running a body on the wallets store and reading a top-up's charge record.
#pragma once

#include <boost/test/unit_test.hpp>
#include <functional>
#include <ostream>
#include <string>

#include "conformance_helpers.h"
#include "eventify/spi/storage.h"
#include "eventify/spi/wallet_repository.h"

namespace eventify::spi {
inline std::ostream& operator<<(std::ostream& out, TopUpChargeState state) {
  return out << TopUpChargeStateName(state);
}
}  // namespace eventify::spi

namespace eventify::testing {

using WalletBody = std::function<Status(spi::WalletRepository&)>;

inline Status RunWallets(spi::Storage& storage, spi::TransactionMode mode, const WalletBody& body) {
  return storage.Run(mode, [&](spi::Transaction& tx) { return body(tx.wallets()); });
}

inline Result<spi::TopUpChargeRecord> Load(spi::Storage& storage, const std::string& transfer_id) {
  Result<spi::TopUpChargeRecord> found = Internal("not read");
  REQUIRE_OK(RunWallets(storage, spi::TransactionMode::kReadOnly, [&](spi::WalletRepository& wallets) {
    found = wallets.FindTopUpCharge(transfer_id, spi::LockMode::kNone);
    return Status::Ok();
  }));
  return found;
}

}  // namespace eventify::testing
