// JobQueue: the one place where jobs are built and written, shared by Jobs::Enqueue and by the
// areas that write a job in the transaction of the change that causes it (the transactional
// outbox: accounts write their mails, later events their booking mails). It also carries the
// in-process wake-up of the engine's workers, so that a job committed now runs now rather than
// after JobsOptions::poll_interval.
//
// Owned jointly (shared_ptr) by the engine's jobs service and the areas that add jobs.
// Thread-safety: every member function may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>

#include "eventify/jobs.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"

namespace eventify::jobs {

inline constexpr int kMaxJobAttempts = 100;  // the most attempts a job may be given

// OK for a kind of 1-100 characters of [a-z0-9._-]; else kInvalidArgument invalid_job_kind (field
// "kind").
Status CheckJobKind(std::string_view kind);

class JobQueue {
 public:
  // `default_max_attempts`: JobsOptions::max_attempts, for requests that name none.
  JobQueue(std::shared_ptr<spi::Clock> clock, int default_max_attempts);

  // Checks `request`, builds the job (a new id; created, updated and, unless given, run_at now on
  // the engine's clock; max_attempts from the request or the default) and inserts it through
  // tx.store<spi::JobStore>(): it is committed or rolled back with the rest of `tx`. Call
  // NotifyCommitted once the transaction has committed.
  // Errors: kInvalidArgument (invalid_job_kind, invalid_max_attempts, invalid_payload; with
  // field), kAlreadyExists (job_exists), storage failures.
  Result<Job> Add(spi::Transaction& tx, const JobRequest& request) const;

  // Adds every request as Add does, in one write (spi::JobStore::InsertJobs): the commit path
  // mails a whole batch of bookings at once. Requests must not carry a unique_key.
  // Errors: those of Add, and kInvalidArgument invalid_unique_key (field "unique_key").
  Status AddAll(spi::Transaction& tx, std::span<const JobRequest> requests) const;

  // Wakes one waiting worker: jobs were committed (or retried) and may be due now. Returns at
  // once; without workers (worker_threads 0) it does nothing useful and costs nothing.
  void NotifyCommitted();

  // For the workers. Counts notifications, so that one arriving while a worker is busy is not
  // lost: a worker takes Notifications() before it looks for due jobs, then WaitForWork returns
  // at once if there were more since, else when notified, when stopped or after `timeout`.
  // Returns false once StopWorkers was called.
  std::uint64_t Notifications();
  bool WaitForWork(std::uint64_t seen, Duration timeout);
  // Waits `duration` (real time), notifications or not. Returns false, at once, once StopWorkers
  // was called.
  bool SleepUnlessStopped(Duration duration);
  void StopWorkers();

 private:
  // Checks `request` and builds its job as of `now` (a new id).
  Result<Job> Build(const JobRequest& request, Timestamp now) const;

  const std::shared_ptr<spi::Clock> clock_;
  const int default_max_attempts_;

  std::mutex mu_;
  std::condition_variable wake_;
  // SleepUnlessStopped waits on its own: a NotifyCommitted (notify_one) must wake a worker
  // waiting for work, never be spent on one that sleeps through it.
  std::condition_variable stop_;
  std::uint64_t notifications_ = 0;
  bool stopped_ = false;
};

}  // namespace eventify::jobs
