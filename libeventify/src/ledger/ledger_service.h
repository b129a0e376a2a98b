// LedgerService: the library's implementation of eventify::Ledger on the Storage SPI.
// Thread-safety: every method may run concurrently; all shared state lives in the database.
#pragma once

#include <memory>

#include "eventify/ledger.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/storage.h"
#include "ledger/transfer_batch.h"
#include "storage/commit_pipeline.h"

namespace eventify::ledger {

// New transfers go through `pipeline`, which applies many callers' transfers per transaction, and
// take their creation times from `transfer_clock` (both borrowed: they must outlive the service);
// posting, voiding and reads run their own transactions.
std::unique_ptr<Ledger> MakeLedgerService(std::shared_ptr<spi::Storage> storage,
                                          std::shared_ptr<spi::Clock> clock,
                                          TransferClock& transfer_clock,
                                          storage::CommitPipeline& pipeline);

}  // namespace eventify::ledger
