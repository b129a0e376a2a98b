// JobStore: the jobs area's store (eventify/jobs.h), handed out by Transaction::store<JobStore>()
// of a storage that Supports(JobStore::kArea).
//
// Every call runs inside the transaction whose body received the store and is bound by the
// guarantees of spi/storage.h. The rules (when a job is due, backoff, dead) are the engine's; the
// store keeps rows and finds them.
//
// Thread-safety: as every store, it belongs to the thread running the transaction body.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/export.h"
#include "eventify/jobs.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

class EVENTIFY_EXPORT JobStore {
 public:
  static constexpr StoreArea kArea{"jobs"};

  virtual ~JobStore() = default;

  // Stores a new job. A non-empty `unique_key` is unique among all jobs ever stored (until purged).
  // Errors: kAlreadyExists (job_exists) for a taken id or unique key.
  virtual Status InsertJob(const Job& job, std::string_view unique_key) = 0;

  // Stores new jobs without unique keys, as InsertJob does each: the commit path writes the mails
  // of a whole batch of bookings at once. The default calls InsertJob for each; a store may write
  // them in one statement. Errors: kAlreadyExists (job_exists) for a taken id.
  virtual Status InsertJobs(std::span<const Job> jobs) {
    for (const Job& job : jobs) {
      if (Status inserted = InsertJob(job, ""); !inserted.ok()) return inserted;
    }
    return Status::Ok();
  }

  // Locks and returns up to `limit` jobs that are due at `now`, oldest run_at first: kQueued
  // with run_at <= now, and kRunning with locked_until <= now (a lease that ran out). Rows
  // another transaction has locked are skipped rather than waited for, so that concurrent
  // workers claim different jobs (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite serialises writers).
  // Read-write transactions only.
  virtual Result<std::vector<Job>> LockDueJobs(Timestamp now, int limit) = 0;

  // Errors: kNotFound (job_not_found).
  virtual Result<Job> FindJob(std::string_view id, LockMode lock) = 0;

  // The jobs of `ids` that exist, in no particular order (missing ids are left out): a worker
  // records the outcomes of a claimed batch at once. The default calls FindJob for each; a store
  // may read them in one statement.
  virtual Result<std::vector<Job>> FindJobs(std::span<const std::string> ids, LockMode lock) {
    std::vector<Job> found;
    for (const std::string& id : ids) {
      Result<Job> job = FindJob(id, lock);
      if (job.ok()) {
        found.push_back(std::move(job).value());
      } else if (job.status().code() != StatusCode::kNotFound) {
        return job.status();
      }
    }
    return found;
  }

  // Overwrites every mutable column (status, run_at, attempts, max_attempts, last_error,
  // locked_by, locked_until, updated_at). Errors: kNotFound (job_not_found).
  virtual Status UpdateJob(const Job& job) = 0;

  // UpdateJob for each of `jobs` (a claimed batch, or the outcomes of one). The default calls
  // UpdateJob for each; a store may write them in one statement. Errors: kNotFound
  // (job_not_found) when one of them does not exist.
  virtual Status UpdateJobs(std::span<const Job> jobs) {
    for (const Job& job : jobs) {
      if (Status updated = UpdateJob(job); !updated.ok()) return updated;
    }
    return Status::Ok();
  }

  // Jobs of one status, newest (greatest id) first, with ids below `before_id` when not empty.
  virtual Result<std::vector<Job>> ListJobs(JobStatus status, std::string_view before_id,
                                            int limit) = 0;

  // Deletes succeeded and dead jobs last updated before `before`; returns how many.
  virtual Result<std::int64_t> DeleteFinishedJobs(Timestamp before) = 0;
};

}  // namespace eventify::spi
