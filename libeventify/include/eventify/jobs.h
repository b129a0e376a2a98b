// Jobs: durable background work. A job is a row (kind, payload, when it is due, attempts, the
// last error, a status), so it survives a crash and runs on whichever process claims it first.
//
// Life of a job: Enqueue stores it kQueued. When it is due, a worker claims it: kRunning, one
// more attempt, and a lease (JobsOptions::lease) during which no other worker takes it. The
// handler registered for its kind runs outside any transaction. OK: kSucceeded. An error, no
// handler for the kind, or a lease that ran out (the process died mid-job) count as a failed
// attempt: the job is queued again after a backoff (JobsOptions::backoff, doubled after each
// failed attempt, at most JobsOptions::max_backoff), and after max_attempts it is kDead, kept
// for admins, who list dead jobs and retry one (RetryJob queues it again with fresh attempts).
//
// Delivery is at least once: a handler whose process dies after its work and before the job was
// marked succeeded runs again, so handlers must be idempotent. On PostgreSQL several processes
// share the queue and each job runs on one of them at a time (rows are claimed with
// FOR UPDATE SKIP LOCKED); SQLite runs them in the processes sharing the file, one claim at a
// time.
//
// Mail: the engine writes every e-mail it sends as a kSendMailJob job in the transaction of the
// change that causes it (the transactional outbox), and the job hands it to the engine's
// spi::Mailer; a mail server that is down delays mail and fails no request. Its payload is sealed
// with a key derived from the engine's secret (docs/mail.md, "The outbox"). Booking confirmations
// are one job per commit instead, rendered when it runs (kSendConfirmationsJob).
//
// Recurring work: the engine enqueues one job per kind and period of its schedule
// (JobsOptions::schedules) with a unique key naming the period, so that however many processes
// share the database, each period's job exists once. The engine's own schedules are
// kVoidExpiredTransfersJob and kPurgeExpiredJob. It also handles kCompleteEndedEventsJob,
// kExpireHoldsJob, kRefundCancelledEventsJob and kSendRemindersJob, which a host that wants
// events completed, lapsed holds swept, cancelled events refunded and reminders sent on time adds
// to the schedules (the server does, every minute), and kSettleDueEventsJob, which a host that
// wants due events settled without an admin adds (the server does when settlement.automatic is
// on).
//
// Who runs the jobs: JobsOptions::worker_threads threads of the engine, or, with zero, the host
// calling RunDueJobs (tests do, on a spi::ManualClock). Due times come from the engine's clock.
//
// Obtained from Engine::jobs(); owned by the engine.
// Thread-safety: every member function may be called concurrently from any number of threads;
// handlers are called from worker threads (or the thread calling RunDueJobs) and may run
// concurrently with each other.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/export.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

// Stored by name (JobStatusName): "queued", "running", "succeeded", "dead".
enum class JobStatus : int { kQueued, kRunning, kSucceeded, kDead };

EVENTIFY_EXPORT std::string_view JobStatusName(JobStatus status);
// Errors: kInvalidArgument (invalid_status, field "status").
EVENTIFY_EXPORT Result<JobStatus> ParseJobStatus(std::string_view name);

// The engine's recurring jobs.
inline constexpr std::string_view kVoidExpiredTransfersJob = "ledger.void_expired";
// Deletes expired one-time codes, refresh tokens and sessions, and finished jobs older than
// JobsOptions::keep_finished.
inline constexpr std::string_view kPurgeExpiredJob = "maintenance.purge_expired";
// Marks approved events whose end has passed completed (Events::CompleteEndedEvents).
inline constexpr std::string_view kCompleteEndedEventsJob = "events.complete_ended";
// Expires held bookings whose hold has lapsed and returns their seats (Bookings::ExpireHolds),
// then offers free seats to the events' waitlists (Bookings::ServeWaitlists).
inline constexpr std::string_view kExpireHoldsJob = "bookings.expire_holds";
// Refunds the confirmed bookings of cancelled events (Bookings::RefundCancelledEvents).
inline constexpr std::string_view kRefundCancelledEventsJob = "bookings.refund_cancelled";
// Writes the reminder e-mails of confirmed bookings whose event is near (Bookings::SendReminders).
inline constexpr std::string_view kSendRemindersJob = "bookings.send_reminders";
// Settles every event whose settlement is due (Settlements::SettleDueEvents, eventify/settlements.h).
inline constexpr std::string_view kSettleDueEventsJob = "events.settle_due";
// One e-mail written by the engine (the transactional outbox), with JobsOptions::mail_max_attempts.
inline constexpr std::string_view kSendMailJob = "mail.send";
// The confirmation e-mails of the bookings one commit confirmed, written in that commit with the
// bookings' ids only ({"bookings":["<id>",...]}) and rendered when the job runs: one job per
// commit, not one per booking. A mail that cannot be sent, and every one after it, is handed to
// the outbox as a kSendMailJob job of its own (docs/mail.md, "The outbox").
inline constexpr std::string_view kSendConfirmationsJob = "mail.booking_confirmations";

struct Job {
  std::string id;
  std::string kind;
  std::string payload;  // opaque to the engine; the handler's input (often JSON)
  JobStatus status = JobStatus::kQueued;
  Timestamp run_at;  // due time of the next attempt
  int attempts = 0;  // attempts started so far
  int max_attempts = 0;
  // A note for people: the last failed attempt's Status, or why a job that succeeded did nothing
  // (see Jobs::Handler); empty if none.
  std::string last_error;
  std::string locked_by;   // the worker holding the lease while kRunning
  std::optional<Timestamp> locked_until;
  Timestamp created_at;
  Timestamp updated_at;
};

struct JobRequest {
  std::string kind;  // 1-100 characters of [a-z0-9._-]
  std::string payload;
  std::optional<Timestamp> run_at;  // now when empty
  int max_attempts = 0;             // JobsOptions::max_attempts when 0
  // Enqueueing a second job with the same key answers kAlreadyExists job_exists (empty: none).
  std::string unique_key;
};

struct JobPage {
  std::vector<Job> items;   // newest first (by id: to the millisecond)
  std::string next_cursor;  // empty when there is nothing older
};

// A recurring job: one of kind `kind` with an empty payload is due at every multiple of
// `period` since the Unix epoch.
struct JobSchedule {
  std::string kind;
  std::chrono::seconds period{60};
};

struct JobsOptions {
  // Engine threads that run due jobs. 0: none; the host calls Jobs::RunDueJobs itself.
  int worker_threads = 0;
  // Jobs a worker claims at once. While claims come back full (a backlog, say the mails of
  // thousands of bookings a second), each next claim takes twice as many, up to
  // worker_batch_max, so that the claims and outcomes (a worker's outcomes and its next claim are
  // one write transaction, docs/jobs.md) keep up with the commits that add jobs; the first claim
  // that is not full goes back to worker_batch.
  int worker_batch = 16;
  int worker_batch_max = 1024;
  // How long a worker with nothing to do waits before it looks again (real time).
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::seconds lease{5 * 60};  // a claimed job is retried when not done by then
  int max_attempts = 5;
  // Attempts of each e-mail job (kSendMailJob, kSendConfirmationsJob), 1-100: with the default
  // backoff, 30 attempts keep trying for about 21 hours, so that a mail server down for hours
  // still gets the mail.
  int mail_max_attempts = 30;
  std::chrono::seconds backoff{10};  // before the 2nd attempt; doubled after each failed one
  std::chrono::seconds max_backoff{60 * 60};
  std::chrono::seconds keep_finished{7 * 24 * 3600};  // succeeded and dead jobs are kept this long
  // The recurring jobs; the engine registers the handlers of the built-in kinds (those two and
  // kCompleteEndedEventsJob, kExpireHoldsJob, kRefundCancelledEventsJob and kSendRemindersJob,
  // which the host schedules when it wants them).
  std::vector<JobSchedule> schedules = {
      {std::string(kVoidExpiredTransfersJob), std::chrono::seconds(60)},
      {std::string(kPurgeExpiredJob), std::chrono::seconds(3600)}};
};

// The attempts an engine's jobs service ran since it opened, by outcome (for monitoring).
struct JobRunCounts {
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;  // retried later, or dead when it was the last attempt
};

class EVENTIFY_EXPORT Jobs {
 public:
  // Runs one job; a non-OK status is a failed attempt, its ToString() the job's last_error. An OK
  // status with a message (Status(StatusCode::kOk, reason, message)) succeeds and leaves the
  // message in last_error as a note, for a job that had nothing to do and says why.
  using Handler = std::function<Status(const Job&)>;

  virtual ~Jobs() = default;

  // Registers the handler of `kind`, typically right after Engine::Open.
  // Errors: kInvalidArgument (invalid_job_kind), kAlreadyExists (handler_exists).
  virtual Status RegisterHandler(std::string_view kind, Handler handler) = 0;

  // Errors: kInvalidArgument (invalid_job_kind, invalid_max_attempts, invalid_payload: a NUL
  // character; with field), kAlreadyExists (job_exists).
  virtual Result<Job> Enqueue(const JobRequest& request) = 0;

  // Claims up to `limit` due jobs and runs them one after another on the calling thread, after
  // enqueueing the recurring jobs whose period has begun and recording the failure of jobs whose
  // lease ran out; their outcomes are recorded together, in one transaction, at the end. Once
  // half the lease has passed since the claim, the jobs not started yet are handed back (queued,
  // in their place, the attempt not counted), so that no lease runs out under a slow batch.
  // Returns how many jobs were run.
  // Errors: kInvalidArgument (invalid_limit) when `limit` is not positive; storage failures.
  virtual Result<int> RunDueJobs(int limit) = 0;

  // Admin only. Errors: kPermissionDenied (forbidden), kInvalidArgument (invalid_limit: 1-100).
  virtual Result<JobPage> ListJobs(const Principal& admin, JobStatus status,
                                   std::string_view cursor, int limit) = 0;
  // Admin only. Errors: kPermissionDenied (forbidden), kNotFound (job_not_found).
  virtual Result<Job> GetJob(const Principal& admin, std::string_view id) = 0;
  // Queues a dead job again, due now, with its attempts reset to zero and its last error kept.
  // Admin only. Errors: kPermissionDenied (forbidden), kNotFound (job_not_found),
  // kFailedPrecondition (job_not_dead).
  virtual Result<Job> RetryJob(const Principal& admin, std::string_view id) = 0;

  // Attempts run by this engine (RunDueJobs, by a worker or the host) whose outcome was recorded.
  // Thread-safe, cheap (relaxed atomic reads).
  virtual JobRunCounts run_counts() const = 0;
};

}  // namespace eventify
