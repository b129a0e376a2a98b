// LedgerService: the library's implementation of eventify::Ledger on the Storage SPI.
// Thread-safety: every method may run concurrently; all shared state lives in the database.
#pragma once

#include <memory>

#include "eventify/ledger.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/storage.h"

namespace eventify::ledger {

std::unique_ptr<Ledger> MakeLedgerService(std::shared_ptr<spi::Storage> storage,
                                          std::shared_ptr<spi::Clock> clock);

}  // namespace eventify::ledger
