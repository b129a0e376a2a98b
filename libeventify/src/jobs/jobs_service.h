// The jobs area (eventify/jobs.h): the queue's rules over spi::JobStore, the recurring schedules
// and the engine's worker threads.
//
// Thread-safety: as Jobs. Start and the destructor are called by the engine, once each.
#pragma once

#include <memory>

#include "eventify/jobs.h"
#include "eventify/ledger.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/storage.h"
#include "jobs/job_queue.h"

namespace eventify::jobs {

class JobsService : public Jobs {
 public:
  // Starts JobsOptions::worker_threads threads running due jobs; the destructor stops and joins
  // them (a job in progress finishes first).
  virtual void Start() = 0;
};

// `queue` builds the jobs Enqueue writes and wakes the workers; the engine shares it with the
// areas that write jobs in their own transactions.
std::unique_ptr<JobsService> MakeJobsService(std::shared_ptr<spi::Storage> storage,
                                             std::shared_ptr<spi::Clock> clock,
                                             std::shared_ptr<JobQueue> queue, JobsOptions options);

// Registers the handlers of the engine's recurring jobs (kVoidExpiredTransfersJob,
// kPurgeExpiredJob). `ledger` must outlive `jobs`' workers.
Status RegisterBuiltinJobs(Jobs& jobs, Ledger& ledger, std::shared_ptr<spi::Storage> storage,
                           std::shared_ptr<spi::Clock> clock, const JobsOptions& options);

// Errors: kInvalidArgument (invalid_jobs_options, field "jobs").
Status ValidateJobsOptions(const JobsOptions& options);

}  // namespace eventify::jobs
