#include "jobs/jobs_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "eventify/spi/account_maintenance_store.h"
#include "eventify/spi/job_store.h"

namespace eventify {

std::string_view JobStatusName(JobStatus status) {
  switch (status) {
    case JobStatus::kQueued:
      return "queued";
    case JobStatus::kRunning:
      return "running";
    case JobStatus::kSucceeded:
      return "succeeded";
    case JobStatus::kDead:
      return "dead";
  }
  return "invalid";
}

Result<JobStatus> ParseJobStatus(std::string_view name) {
  for (JobStatus status :
       {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kSucceeded, JobStatus::kDead}) {
    if (JobStatusName(status) == name) return status;
  }
  return InvalidArgument("invalid_status", "status must be queued, running, succeeded or dead",
                         "status");
}

namespace jobs {
namespace {

using spi::JobStore;
using spi::Transaction;
using spi::TransactionMode;

constexpr int kMaxListLimit = 100;

Status Forbidden() { return PermissionDenied("forbidden", "your role does not allow this"); }

// The body of Storage::Run with the transaction's job store, which Engine::Open made sure exists.
template <typename Fn>
Status WithJobStore(spi::Storage& storage, TransactionMode mode, Fn&& fn) {
  return storage.Run(mode, [&](Transaction& tx) { return fn(*tx.store<JobStore>()); });
}

// How long a worker lets jobs gather after running a batch (WorkerLoop).
constexpr Duration kGather = std::chrono::milliseconds(20);

class JobsServiceImpl final : public JobsService {
 public:
  JobsServiceImpl(std::shared_ptr<spi::Storage> storage, std::shared_ptr<spi::Clock> clock,
                  std::shared_ptr<JobQueue> queue, JobsOptions options)
      : storage_(std::move(storage)),
        clock_(std::move(clock)),
        queue_(std::move(queue)),
        options_(std::move(options)),
        worker_id_(NewId(clock_->Now())) {}

  ~JobsServiceImpl() override {
    queue_->StopWorkers();
    for (std::thread& worker : workers_) worker.join();
  }

  void Start() override {
    for (int i = 0; i < options_.worker_threads; ++i) {
      workers_.emplace_back([this] { WorkerLoop(); });
    }
  }

  Status RegisterHandler(std::string_view kind, Handler handler) override {
    EV_RETURN_IF_ERROR(CheckJobKind(kind));
    std::lock_guard lock(mu_);
    if (!handlers_.emplace(std::string(kind), std::move(handler)).second) {
      return AlreadyExists("handler_exists", fmt::format("kind {} already has a handler", kind),
                           "kind");
    }
    return Status::Ok();
  }

  Result<Job> Enqueue(const JobRequest& request) override {
    Job job;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      EV_ASSIGN_OR_RETURN(job, queue_->Add(tx, request));
      return Status::Ok();
    }));
    queue_->NotifyCommitted();
    return job;
  }

  Result<int> RunDueJobs(int limit) override {
    if (limit <= 0) return InvalidArgument("invalid_limit", "limit must be positive", "limit");
    EnqueueScheduled();
    EV_ASSIGN_OR_RETURN(std::vector<Job> claimed, Claim(limit));
    if (claimed.empty()) return 0;
    const std::vector<Status> outcomes = RunClaimed(claimed);
    EV_RETURN_IF_ERROR(Finish(claimed, outcomes));
    Count(outcomes);
    return static_cast<int>(outcomes.size());
  }

  JobRunCounts run_counts() const override {
    return {succeeded_.load(std::memory_order_relaxed), failed_.load(std::memory_order_relaxed)};
  }

  Result<JobPage> ListJobs(const Principal& admin, JobStatus status, std::string_view cursor,
                           int limit) override {
    if (!IsAllowed(admin.role, Action::kManageJobs)) return Forbidden();
    if (limit < 1 || limit > kMaxListLimit) {
      return InvalidArgument("invalid_limit", "limit must be 1 to 100", "limit");
    }
    JobPage page;
    EV_RETURN_IF_ERROR(WithJobStore(*storage_, TransactionMode::kReadOnly, [&](JobStore& store) {
      EV_ASSIGN_OR_RETURN(page.items, store.ListJobs(status, cursor, limit + 1));
      return Status::Ok();
    }));
    if (page.items.size() > static_cast<std::size_t>(limit)) {
      page.items.resize(static_cast<std::size_t>(limit));
      page.next_cursor = page.items.back().id;
    }
    return page;
  }

  Result<Job> GetJob(const Principal& admin, std::string_view id) override {
    if (!IsAllowed(admin.role, Action::kManageJobs)) return Forbidden();
    Job job;
    EV_RETURN_IF_ERROR(WithJobStore(*storage_, TransactionMode::kReadOnly, [&](JobStore& store) {
      EV_ASSIGN_OR_RETURN(job, store.FindJob(id, spi::LockMode::kNone));
      return Status::Ok();
    }));
    return job;
  }

  Result<Job> RetryJob(const Principal& admin, std::string_view id) override {
    if (!IsAllowed(admin.role, Action::kManageJobs)) return Forbidden();
    Job job;
    EV_RETURN_IF_ERROR(WithJobStore(*storage_, TransactionMode::kReadWrite, [&](JobStore& store) {
      EV_ASSIGN_OR_RETURN(job, store.FindJob(id, spi::LockMode::kForUpdate));
      if (job.status != JobStatus::kDead) {
        return FailedPrecondition("job_not_dead",
                                  fmt::format("only a dead job can be retried; this one is {}",
                                              JobStatusName(job.status)));
      }
      const Timestamp now = clock_->Now();
      job.status = JobStatus::kQueued;
      job.attempts = 0;
      job.run_at = now;
      job.updated_at = now;
      return store.UpdateJob(job);
    }));
    queue_->NotifyCommitted();
    return job;
  }

 private:
  // The wait before the attempt after `attempts` failed ones: backoff, doubled each time.
  Duration Backoff(int attempts) const {
    const Duration max = options_.max_backoff;
    Duration wait = options_.backoff;
    for (int i = 1; i < attempts && wait < max; ++i) wait *= 2;
    return std::min(wait, max);
  }

  // A failed attempt: queued again after the backoff, or dead when it was the last.
  void RecordFailure(Job& job, Timestamp now, std::string note) const {
    job.last_error = std::move(note);
    job.locked_by.clear();
    job.locked_until.reset();
    job.updated_at = now;
    if (job.attempts >= job.max_attempts) {
      job.status = JobStatus::kDead;
    } else {
      job.status = JobStatus::kQueued;
      job.run_at = now + Backoff(job.attempts);
    }
  }

  // Enqueues the job of each schedule whose current period has not been enqueued by this engine
  // yet; the unique key keeps other processes (and this one, after a restart) from adding it twice.
  void EnqueueScheduled() {
    const Timestamp now = clock_->Now();
    for (const JobSchedule& schedule : options_.schedules) {
      const Duration period = schedule.period;
      const Timestamp slot = FromMicros(ToMicros(now) / period.count() * period.count());
      {
        std::lock_guard lock(mu_);
        auto last = enqueued_slots_.find(schedule.kind);
        if (last != enqueued_slots_.end() && last->second >= slot) continue;
      }
      JobRequest request;
      request.kind = schedule.kind;
      request.run_at = slot;
      request.unique_key = fmt::format("{}@{}", schedule.kind, ToMicros(slot));
      Result<Job> enqueued = Enqueue(request);
      if (enqueued.ok() || enqueued.status().reason() == "job_exists") {
        std::lock_guard lock(mu_);
        enqueued_slots_[schedule.kind] = slot;
      }
    }
  }

  // Takes the leases of up to `limit` due jobs, and records the failure of those whose lease ran
  // out, in one transaction; returns the jobs this worker now holds.
  Result<std::vector<Job>> Claim(int limit) {
    std::vector<Job> claimed;
    EV_RETURN_IF_ERROR(WithJobStore(*storage_, TransactionMode::kReadWrite, [&](JobStore& store) {
      return ClaimIn(store, limit, claimed);
    }));
    return claimed;
  }

  // Claim's work inside a transaction; `claimed` gets the jobs this worker now holds.
  Status ClaimIn(JobStore& store, int limit, std::vector<Job>& claimed) {
    claimed.clear();
    const Timestamp now = clock_->Now();
    EV_ASSIGN_OR_RETURN(std::vector<Job> due, store.LockDueJobs(now, limit));
    for (Job& job : due) {
      if (job.status == JobStatus::kRunning) {
        RecordFailure(
            job, now,
            fmt::format("the lease of worker {} ran out before the job finished", job.locked_by));
      } else {
        job.status = JobStatus::kRunning;
        ++job.attempts;
        job.locked_by = worker_id_;
        job.locked_until = now + options_.lease;
        job.updated_at = now;
      }
      if (job.status == JobStatus::kRunning) claimed.push_back(job);
    }
    return store.UpdateJobs(due);
  }

  // Runs a claimed batch in order; starts no job after half of the batch's lease (every lease of
  // it ends at claimed_at + lease). outcomes[i] is claimed[i]'s; the rest were not started.
  std::vector<Status> RunClaimed(const std::vector<Job>& claimed) {
    const Timestamp start_until = *claimed.front().locked_until - options_.lease / 2;
    std::vector<Status> outcomes;
    outcomes.reserve(claimed.size());
    for (const Job& job : claimed) {
      if (!outcomes.empty() && clock_->Now() >= start_until) break;
      outcomes.push_back(RunHandler(job));
    }
    return outcomes;
  }

  void Count(const std::vector<Status>& outcomes) {
    for (const Status& outcome : outcomes) {
      (outcome.ok() ? succeeded_ : failed_).fetch_add(1, std::memory_order_relaxed);
    }
  }

  Status RunHandler(const Job& job) {
    Handler handler;
    {
      std::lock_guard lock(mu_);
      auto found = handlers_.find(job.kind);
      if (found != handlers_.end()) handler = found->second;
    }
    if (!handler) {
      return FailedPrecondition("no_job_handler",
                                fmt::format("no handler is registered for kind {}", job.kind));
    }
    try {
      return handler(job);
    } catch (const std::exception& e) {
      return Internal(fmt::format("the handler threw: {}", e.what()));
    } catch (...) {
      return Internal("the handler threw");
    }
  }

  // Records the outcomes of a claimed batch in one transaction (outcomes[i] is claimed[i]'s; the
  // jobs past the end of `outcomes` were not started and go back to the queue as they were),
  // each unless its lease was lost meanwhile (another worker took the job after it ran out): then
  // that worker's attempt decides. A process that dies before this commit runs the batch again
  // once the leases run out (at least once, docs/jobs.md).
  Status Finish(const std::vector<Job>& claimed, const std::vector<Status>& outcomes) {
    if (claimed.empty()) return Status::Ok();
    return WithJobStore(*storage_, TransactionMode::kReadWrite, [&](JobStore& store) {
      return FinishIn(store, claimed, outcomes);
    });
  }

  // Finish, then Claim of up to `limit` jobs, in one transaction: a worker that keeps finding
  // work writes once per batch rather than twice (on SQLite each write waits its turn with the
  // commit pipeline's writer and flushes).
  Result<std::vector<Job>> FinishAndClaim(const std::vector<Job>& claimed,
                                          const std::vector<Status>& outcomes, int limit) {
    std::vector<Job> next;
    EV_RETURN_IF_ERROR(WithJobStore(*storage_, TransactionMode::kReadWrite, [&](JobStore& store) {
      EV_RETURN_IF_ERROR(FinishIn(store, claimed, outcomes));
      return ClaimIn(store, limit, next);
    }));
    return next;
  }

  // Finish's work inside a transaction.
  Status FinishIn(JobStore& store, const std::vector<Job>& claimed,
                  const std::vector<Status>& outcomes) {
    if (claimed.empty()) return Status::Ok();
    std::map<std::string_view, std::size_t> index_of;  // into claimed and outcomes
    std::vector<std::string> ids;
    ids.reserve(claimed.size());
    for (std::size_t i = 0; i < claimed.size(); ++i) {
      index_of[claimed[i].id] = i;
      ids.push_back(claimed[i].id);
    }
    EV_ASSIGN_OR_RETURN(std::vector<Job> current, store.FindJobs(ids, spi::LockMode::kForUpdate));
    const Timestamp now = clock_->Now();
    std::vector<Job> finished;
    finished.reserve(current.size());
    for (Job& job : current) {
      const std::size_t i = index_of.at(job.id);
      if (job.status != JobStatus::kRunning || job.locked_by != worker_id_ ||
          job.attempts != claimed[i].attempts) {
        continue;
      }
      if (i >= outcomes.size()) {
        job.status = JobStatus::kQueued;
        --job.attempts;
        job.locked_by.clear();
        job.locked_until.reset();
        job.updated_at = now;
        finished.push_back(std::move(job));
        continue;
      }
      const Status& outcome = outcomes[i];
      if (outcome.ok()) {
        // An OK status with a message is a note: why a job that succeeded did nothing.
        if (!outcome.message().empty()) job.last_error = outcome.message();
        job.status = JobStatus::kSucceeded;
        job.locked_by.clear();
        job.locked_until.reset();
        job.updated_at = now;
      } else {
        RecordFailure(job, now, outcome.ToString());
      }
      finished.push_back(std::move(job));
    }
    return store.UpdateJobs(finished);
  }

  // Runs due jobs until the engine stops. A worker that was waiting claims at once; after a
  // batch it lets kGather pass, then records the batch's outcomes and claims the next in one
  // transaction (FinishAndClaim), so that jobs arriving steadily (a confirmations job per commit
  // of bookings, hundreds a second) cost one write per kGather rather than two per job: on
  // SQLite each write waits its turn with the commit pipeline's writer and flushes. The batch
  // limit doubles after a full batch (more may be due). When a claim finds nothing it waits:
  // again at once if a job was committed since the claim began, else after the poll interval
  // (jobs of other processes, retries coming due).
  void WorkerLoop() {
    int limit = options_.worker_batch;
    std::vector<Job> claimed;
    std::uint64_t seen = 0;
    for (;;) {
      if (claimed.empty()) {
        seen = queue_->Notifications();
        EnqueueScheduled();
        Result<std::vector<Job>> fresh = Claim(limit);
        if (fresh.ok()) claimed = std::move(fresh).value();
      }
      if (claimed.empty()) {
        limit = options_.worker_batch;
        if (!queue_->WaitForWork(seen, options_.poll_interval)) return;
        continue;
      }
      const std::vector<Status> outcomes = RunClaimed(claimed);
      const bool full = static_cast<int>(outcomes.size()) == limit;
      limit = full ? std::min(limit * 2, options_.worker_batch_max) : options_.worker_batch;
      // The jobs committed meanwhile gather (the confirmations of the next batches of bookings),
      // so that one write records this batch's outcomes and claims many commits' jobs.
      if (!queue_->SleepUnlessStopped(kGather)) {
        if (Finish(claimed, outcomes).ok()) Count(outcomes);
        return;
      }
      seen = queue_->Notifications();
      EnqueueScheduled();
      Result<std::vector<Job>> next = FinishAndClaim(claimed, outcomes, limit);
      if (next.ok()) {
        Count(outcomes);
        claimed = std::move(next).value();
      } else {
        // The claim's half may be what failed: the outcomes must not wait for the leases.
        if (Finish(claimed, outcomes).ok()) Count(outcomes);
        claimed.clear();
      }
      if (claimed.empty()) {
        limit = options_.worker_batch;
        if (!queue_->WaitForWork(seen, options_.poll_interval)) return;
      }
    }
  }

  const std::shared_ptr<spi::Storage> storage_;
  const std::shared_ptr<spi::Clock> clock_;
  const std::shared_ptr<JobQueue> queue_;
  const JobsOptions options_;
  const std::string worker_id_;  // in locked_by: identifies this engine's leases

  std::mutex mu_;
  std::atomic<std::uint64_t> succeeded_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::map<std::string, Handler, std::less<>> handlers_;
  std::map<std::string, Timestamp> enqueued_slots_;  // per scheduled kind, the newest period
  std::vector<std::thread> workers_;
};

}  // namespace

std::unique_ptr<JobsService> MakeJobsService(std::shared_ptr<spi::Storage> storage,
                                             std::shared_ptr<spi::Clock> clock,
                                             std::shared_ptr<JobQueue> queue, JobsOptions options) {
  return std::make_unique<JobsServiceImpl>(std::move(storage), std::move(clock), std::move(queue),
                                           std::move(options));
}

Status ValidateJobsOptions(const JobsOptions& options) {
  bool valid = options.worker_threads >= 0 && options.worker_batch > 0 &&
               options.worker_batch_max >= options.worker_batch && options.poll_interval.count() > 0 && options.lease.count() > 0 &&
               options.max_attempts >= 1 && options.max_attempts <= kMaxJobAttempts &&
               options.mail_max_attempts >= 1 && options.mail_max_attempts <= kMaxJobAttempts &&
               options.backoff.count() >= 0 && options.max_backoff >= options.backoff &&
               options.keep_finished.count() > 0;
  for (const JobSchedule& schedule : options.schedules) {
    valid = valid && CheckJobKind(schedule.kind).ok() && schedule.period.count() > 0;
  }
  if (valid) return Status::Ok();
  return InvalidArgument("invalid_jobs_options",
                         "worker threads must not be negative; batch, poll interval, lease, "
                         "attempts (up to 100), retention and schedule periods must be positive, "
                         "and the batch and the backoff at most their maximums",
                         "jobs");
}

Status RegisterBuiltinJobs(Jobs& jobs, Ledger& ledger, std::shared_ptr<spi::Storage> storage,
                           std::shared_ptr<spi::Clock> clock, const JobsOptions& options) {
  EV_RETURN_IF_ERROR(jobs.RegisterHandler(kVoidExpiredTransfersJob, [&ledger](const Job&) {
    constexpr int kChunk = 1000;
    for (;;) {
      EV_ASSIGN_OR_RETURN(const std::int64_t voided, ledger.VoidExpired(kChunk));
      if (voided < kChunk) return Status::Ok();
    }
  }));
  const Duration keep_finished = options.keep_finished;
  return jobs.RegisterHandler(
      kPurgeExpiredJob,
      [storage = std::move(storage), clock = std::move(clock), keep_finished](const Job&) {
        return storage->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
          const Timestamp now = clock->Now();
          EV_RETURN_IF_ERROR(tx.store<spi::AccountMaintenanceStore>()->DeleteExpired(now).status());
          return tx.store<JobStore>()->DeleteFinishedJobs(now - keep_finished).status();
        });
      });
}

}  // namespace jobs
}  // namespace eventify
