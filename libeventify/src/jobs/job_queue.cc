#include "jobs/job_queue.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "eventify/spi/job_store.h"

namespace eventify::jobs {
namespace {

constexpr std::size_t kMaxKindLength = 100;

}  // namespace

Status CheckJobKind(std::string_view kind) {
  const bool valid =
      !kind.empty() && kind.size() <= kMaxKindLength &&
      std::all_of(kind.begin(), kind.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      });
  if (valid) return Status::Ok();
  return InvalidArgument("invalid_job_kind", "a job kind is 1-100 characters of a-z 0-9 . _ -",
                         "kind");
}

JobQueue::JobQueue(std::shared_ptr<spi::Clock> clock, int default_max_attempts)
    : clock_(std::move(clock)), default_max_attempts_(default_max_attempts) {}

Result<Job> JobQueue::Build(const JobRequest& request, Timestamp now) const {
  EV_RETURN_IF_ERROR(CheckJobKind(request.kind));
  if (request.max_attempts < 0 || request.max_attempts > kMaxJobAttempts) {
    return InvalidArgument("invalid_max_attempts", "max_attempts must be 0 (the default) to 100",
                           "max_attempts");
  }
  if (request.payload.find('\0') != std::string::npos) {
    return InvalidArgument("invalid_payload", "the payload is text without NUL characters",
                           "payload");
  }
  Job job;
  job.id = NewId(now);
  job.kind = request.kind;
  job.payload = request.payload;
  job.run_at = request.run_at.value_or(now);
  job.max_attempts = request.max_attempts > 0 ? request.max_attempts : default_max_attempts_;
  job.created_at = now;
  job.updated_at = now;
  return job;
}

Result<Job> JobQueue::Add(spi::Transaction& tx, const JobRequest& request) const {
  EV_ASSIGN_OR_RETURN(Job job, Build(request, clock_->Now()));
  EV_RETURN_IF_ERROR(tx.store<spi::JobStore>()->InsertJob(job, request.unique_key));
  return job;
}

Status JobQueue::AddAll(spi::Transaction& tx, std::span<const JobRequest> requests) const {
  const Timestamp now = clock_->Now();
  std::vector<Job> jobs;
  jobs.reserve(requests.size());
  for (const JobRequest& request : requests) {
    if (!request.unique_key.empty()) {
      return InvalidArgument("invalid_unique_key", "AddAll writes jobs without unique keys",
                             "unique_key");
    }
    EV_ASSIGN_OR_RETURN(Job job, Build(request, now));
    jobs.push_back(std::move(job));
  }
  return tx.store<spi::JobStore>()->InsertJobs(jobs);
}

void JobQueue::NotifyCommitted() {
  {
    std::lock_guard lock(mu_);
    ++notifications_;
  }
  wake_.notify_one();
}

std::uint64_t JobQueue::Notifications() {
  std::lock_guard lock(mu_);
  return notifications_;
}

bool JobQueue::WaitForWork(std::uint64_t seen, Duration timeout) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, timeout, [&] { return stopped_ || notifications_ != seen; });
  return !stopped_;
}

bool JobQueue::SleepUnlessStopped(Duration duration) {
  std::unique_lock lock(mu_);
  stop_.wait_for(lock, duration, [&] { return stopped_; });
  return !stopped_;
}

void JobQueue::StopWorkers() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  wake_.notify_all();
  stop_.notify_all();
}

}  // namespace eventify::jobs
