// SociStorage: spi::Storage on SQLite or PostgreSQL through SOCI. Created by OpenSociStorage
// (declared in eventify/backends/soci.h), which also migrates the schema.
//
// How it keeps the guarantees of spi::Storage:
//  - SQLite: read-write transactions take an in-process writer lock (in arrival order, so that a
//    job worker gets its turn between the commit pipeline's batches) and start with
//    BEGIN IMMEDIATE (which also excludes other processes), so writers never interleave and
//    LockMode::kForUpdate needs no row locks. Read-only transactions use a deferred BEGIN and,
//    thanks to WAL, read one snapshot without blocking the writer.
//  - PostgreSQL: read-write transactions run at READ COMMITTED and kForUpdate appends FOR UPDATE;
//    read-only ones at REPEATABLE READ, READ ONLY, so they see one snapshot and never block.
//  - Run retries the body on kAborted with a short jittered backoff, up to max_attempts.
//
// Thread-safety: Run may be called from any number of threads; a body must not call Run on the
// same storage (it would wait for itself), which Run detects and refuses.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "core/fair_mutex.h"
#include "eventify/spi/storage.h"
#include "storage/soci/session_pool.h"

namespace eventify::storage {

class SociStorage final : public spi::Storage {
 public:
  SociStorage(std::unique_ptr<SessionPool> pool, int schema_version, int max_attempts);

  Status Run(spi::TransactionMode mode,
             const std::function<Status(spi::Transaction&)>& body) override;
  std::string_view backend_name() const override;
  int parallel_writers() const override;
  int schema_version() const override { return schema_version_; }
  // Every area of SociTransaction (accounts, ledger, wallets, jobs, accounts.maintenance, events,
  // bookings, ..., media).
  bool Supports(spi::StoreArea area) const override;

 private:
  Status RunOnce(spi::TransactionMode mode, const std::function<Status(spi::Transaction&)>& body);

  const std::unique_ptr<SessionPool> pool_;
  const int schema_version_;
  const int max_attempts_;
  core::FairMutex writer_mutex_;  // SQLite only: one read-write transaction at a time
};

}  // namespace eventify::storage
