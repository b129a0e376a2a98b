// LedgerService: the library's implementation of eventify::Ledger on the Storage SPI.
// Thread-safety: every method may run concurrently; all shared state lives in the database.
#pragma once

#include <memory>

#include "eventify/ledger.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/storage.h"
#include "storage/commit_pipeline.h"

namespace eventify::ledger {

// New transfers go through `pipeline` (borrowed: it must outlive the service), which applies many
// callers' transfers per transaction; posting, voiding and reads run their own transactions.
std::unique_ptr<Ledger> MakeLedgerService(std::shared_ptr<spi::Storage> storage,
                                          std::shared_ptr<spi::Clock> clock,
                                          storage::CommitPipeline& pipeline);

}  // namespace eventify::ledger
