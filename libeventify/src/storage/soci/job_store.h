// SociJobStore: spi::JobStore over the jobs table (migration "jobs"); SociAccountMaintenanceStore:
// spi::AccountMaintenanceStore over the accounts tables of version 1.
//
// Valid only inside the transaction body that received them. Thread-safety: none (see
// TransactionContext).
#pragma once

#include "eventify/spi/account_maintenance_store.h"
#include "eventify/spi/job_store.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

class SociJobStore final : public spi::JobStore {
 public:
  explicit SociJobStore(TransactionContext& context) : context_(context) {}

  Status InsertJob(const Job& job, std::string_view unique_key) override;
  Status InsertJobs(std::span<const Job> jobs) override;
  Result<std::vector<Job>> LockDueJobs(Timestamp now, int limit) override;
  Result<Job> FindJob(std::string_view id, spi::LockMode lock) override;
  Result<std::vector<Job>> FindJobs(std::span<const std::string> ids,
                                    spi::LockMode lock) override;
  Status UpdateJob(const Job& job) override;
  Status UpdateJobs(std::span<const Job> jobs) override;
  Result<std::vector<Job>> ListJobs(JobStatus status, std::string_view before_id,
                                    int limit) override;
  Result<std::int64_t> DeleteFinishedJobs(Timestamp before) override;

 private:
  TransactionContext& context_;
};

class SociAccountMaintenanceStore final : public spi::AccountMaintenanceStore {
 public:
  explicit SociAccountMaintenanceStore(TransactionContext& context) : context_(context) {}

  Result<spi::PurgedRows> DeleteExpired(Timestamp now) override;

 private:
  TransactionContext& context_;
};

}  // namespace eventify::storage
