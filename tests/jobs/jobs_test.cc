// Durable jobs (eventify/jobs.h) on the backend EVENTIFY_TEST_BACKEND selects, on a manual clock:
// retries with backoff, dead jobs and their retry, the admin rules, the engine's scheduled jobs,
// a storage without the jobs store, and two engines sharing one queue.
#define BOOST_TEST_MODULE jobs
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "eventify/spi/account_maintenance_store.h"
#include "eventify/spi/admin_store.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/chat_store.h"
#include "eventify/spi/event_store.h"
#include "eventify/spi/identity_store.h"
#include "eventify/spi/job_store.h"
#include "eventify/spi/waitlist_store.h"
#include "jobs/jobs_fixture.h"
#include "support/test_storage.h"

using namespace eventify;
using namespace eventify::testing;
using namespace std::chrono_literals;

namespace {

// The store interface of an area no storage serves.
struct UnknownStore {
  static constexpr spi::StoreArea kArea{"unknown"};
};

// Another storage with only the areas `serves` accepts, as a storage written before some area.
class StorageServing final : public spi::Storage {
 public:
  StorageServing(std::shared_ptr<spi::Storage> inner, std::function<bool(spi::StoreArea)> serves)
      : inner_(std::move(inner)), serves_(std::move(serves)) {}
  bool Supports(spi::StoreArea area) const override { return serves_(area); }
  Status Run(spi::TransactionMode mode,
             const std::function<Status(spi::Transaction&)>& body) override {
    return inner_->Run(mode, body);
  }
  std::string_view backend_name() const override { return inner_->backend_name(); }
  int schema_version() const override { return inner_->schema_version(); }

 private:
  const std::shared_ptr<spi::Storage> inner_;
  const std::function<bool(spi::StoreArea)> serves_;
};

struct JobsFixture {
  JobsFixture()
      : clock(std::make_shared<spi::ManualClock>(kJobsStart)),
        storage(OpenFreshStorage()),
        engine(OpenJobsEngineOrFail(JobsEngineOptions(storage, clock))) {}

  Jobs& jobs() { return engine->jobs(); }

  Job EnqueueOrFail(const std::string& kind, int max_attempts = 0) {
    JobRequest request;
    request.kind = kind;
    request.payload = R"({"n":1})";
    request.max_attempts = max_attempts;
    auto job = jobs().Enqueue(request);
    BOOST_REQUIRE_MESSAGE(job.ok(), job.status().ToString());
    return *job;
  }

  std::shared_ptr<spi::ManualClock> clock;
  std::shared_ptr<spi::Storage> storage;
  std::unique_ptr<Engine> engine;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(jobs, JobsFixture)

BOOST_AUTO_TEST_CASE(a_failing_job_backs_off_dies_and_runs_again_when_an_admin_retries_it) {
  std::atomic<bool> failing{true};
  std::atomic<int> calls{0};
  const Status down = Unavailable("flaky_service", "the service is down");
  BOOST_REQUIRE(jobs()
                    .RegisterHandler("test.flaky",
                                     [&](const Job& job) {
                                       ++calls;
                                       BOOST_TEST(job.payload == R"({"n":1})");
                                       return failing ? down : Status::Ok();
                                     })
                    .ok());
  const Job queued = EnqueueOrFail("test.flaky");
  BOOST_TEST(queued.status == JobStatus::kQueued);
  BOOST_TEST(queued.attempts == 0);
  BOOST_TEST(queued.max_attempts == 3);
  BOOST_TEST((queued.run_at == kJobsStart));

  // Attempt 1 fails: due again after 10 s.
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  Job job = GetJobOrFail(jobs(), queued.id);
  BOOST_TEST(job.status == JobStatus::kQueued);
  BOOST_TEST(job.attempts == 1);
  BOOST_TEST((job.run_at == kJobsStart + 10s));
  BOOST_TEST(job.last_error == down.ToString());
  BOOST_TEST(job.locked_by == "");
  BOOST_TEST(!job.locked_until.has_value());

  clock->Advance(9s);
  BOOST_TEST(RunDueOrFail(jobs()) == 0);
  clock->Advance(1s);
  // Attempt 2 fails: the backoff doubles to 20 s.
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  job = GetJobOrFail(jobs(), queued.id);
  BOOST_TEST(job.attempts == 2);
  BOOST_TEST((job.run_at == kJobsStart + 30s));
  clock->Advance(19s);
  BOOST_TEST(RunDueOrFail(jobs()) == 0);
  clock->Advance(1s);
  // Attempt 3 of 3 fails: dead, and never run again by itself.
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  job = GetJobOrFail(jobs(), queued.id);
  BOOST_TEST(job.status == JobStatus::kDead);
  BOOST_TEST(job.attempts == 3);
  BOOST_TEST(job.last_error == down.ToString());
  clock->Advance(24h);
  BOOST_TEST(RunDueOrFail(jobs()) == 0);
  BOOST_TEST(calls == 3);

  auto dead = jobs().ListJobs(kAdmin, JobStatus::kDead, "", 10);
  BOOST_REQUIRE(dead.ok());
  BOOST_REQUIRE(dead->items.size() == 1u);
  BOOST_TEST(dead->items[0].id == queued.id);
  BOOST_TEST(dead->next_cursor == "");
  BOOST_TEST(jobs().ListJobs(kAdmin, JobStatus::kQueued, "", 10)->items.empty());

  // The admin retries it: queued now with fresh attempts, the last error kept as a note.
  failing = false;
  auto retried = jobs().RetryJob(kAdmin, queued.id);
  BOOST_REQUIRE_MESSAGE(retried.ok(), retried.status().ToString());
  BOOST_TEST(retried->status == JobStatus::kQueued);
  BOOST_TEST(retried->attempts == 0);
  BOOST_TEST((retried->run_at == clock->Now()));
  BOOST_TEST(retried->last_error == down.ToString());
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  job = GetJobOrFail(jobs(), queued.id);
  BOOST_TEST(job.status == JobStatus::kSucceeded);
  BOOST_TEST(job.attempts == 1);
  BOOST_TEST(calls == 4);

  auto again = jobs().RetryJob(kAdmin, queued.id);
  BOOST_TEST(again.status().code() == StatusCode::kFailedPrecondition);
  BOOST_TEST(again.status().reason() == "job_not_dead");
  BOOST_TEST(GetJobOrFail(jobs(), queued.id).status == JobStatus::kSucceeded);
}

BOOST_AUTO_TEST_CASE(a_job_of_a_kind_without_handler_fails_its_attempts) {
  const Job queued = EnqueueOrFail("test.unhandled", 1);
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  const Job job = GetJobOrFail(jobs(), queued.id);
  BOOST_TEST(job.status == JobStatus::kDead);
  BOOST_TEST(job.attempts == 1);
  BOOST_TEST(
      job.last_error ==
      FailedPrecondition("no_job_handler", "no handler is registered for kind test.unhandled")
          .ToString());
}

BOOST_AUTO_TEST_CASE(only_admins_see_and_retry_jobs_and_bad_requests_name_their_field) {
  const Job queued = EnqueueOrFail("test.any");
  clock->Advance(1s);  // ids order jobs by the millisecond they were enqueued in
  for (Role role : {Role::kAttendee, Role::kOrganizer}) {
    const Principal user{"user-id", role, "session"};
    BOOST_TEST(jobs().ListJobs(user, JobStatus::kDead, "", 10).status().reason() == "forbidden");
    BOOST_TEST(jobs().GetJob(user, queued.id).status().code() == StatusCode::kPermissionDenied);
    BOOST_TEST(jobs().RetryJob(user, queued.id).status().reason() == "forbidden");
  }
  auto missing = jobs().RetryJob(kAdmin, NewId(clock->Now()));
  BOOST_TEST(missing.status().code() == StatusCode::kNotFound);
  BOOST_TEST(missing.status().reason() == "job_not_found");
  BOOST_TEST(jobs().ListJobs(kAdmin, JobStatus::kDead, "", 0).status().reason() == "invalid_limit");
  BOOST_TEST(jobs().ListJobs(kAdmin, JobStatus::kDead, "", 101).status().field() == "limit");
  BOOST_TEST(ParseJobStatus("failed").status().reason() == "invalid_status");

  JobRequest bad;
  bad.kind = "Test Kind";
  auto invalid = jobs().Enqueue(bad);
  BOOST_TEST(invalid.status().code() == StatusCode::kInvalidArgument);
  BOOST_TEST(invalid.status().reason() == "invalid_job_kind");
  BOOST_TEST(invalid.status().field() == "kind");
  bad.kind = "test.any";
  bad.max_attempts = 101;
  BOOST_TEST(jobs().Enqueue(bad).status().reason() == "invalid_max_attempts");
  bad.max_attempts = 0;
  bad.unique_key = "once";
  BOOST_REQUIRE(jobs().Enqueue(bad).ok());
  auto twice = jobs().Enqueue(bad);
  BOOST_TEST(twice.status().code() == StatusCode::kAlreadyExists);
  BOOST_TEST(twice.status().reason() == "job_exists");
  BOOST_TEST(jobs().RegisterHandler("test.any", [](const Job&) { return Status::Ok(); }).ok());
  BOOST_TEST(jobs().RegisterHandler("test.any", [](const Job&) { return Status::Ok(); }).reason() ==
             "handler_exists");

  // Pages of the queued jobs, newest first.
  auto first = jobs().ListJobs(kAdmin, JobStatus::kQueued, "", 1);
  BOOST_REQUIRE(first.ok());
  BOOST_REQUIRE(first->items.size() == 1u);
  BOOST_TEST(first->items[0].kind == "test.any");
  BOOST_TEST(first->next_cursor == first->items[0].id);
  auto second = jobs().ListJobs(kAdmin, JobStatus::kQueued, first->next_cursor, 1);
  BOOST_REQUIRE(second.ok());
  BOOST_REQUIRE(second->items.size() == 1u);
  BOOST_TEST(second->items[0].id == queued.id);
  BOOST_TEST(second->next_cursor == "");
}

BOOST_AUTO_TEST_CASE(the_engine_refuses_a_storage_without_the_stores_it_needs) {
  // A storage written before the jobs area: it serves accounts, the ledger and wallets only.
  auto older = std::make_shared<StorageServing>(storage, [](spi::StoreArea area) {
    return area == spi::AccountRepository::kArea || area == spi::LedgerRepository::kArea ||
           area == spi::WalletRepository::kArea;
  });
  auto opened = Engine::Open(JobsEngineOptions(older, clock));
  BOOST_TEST(opened.status().code() == StatusCode::kFailedPrecondition);
  BOOST_TEST(opened.status().reason() == "storage_lacks_area");
  BOOST_TEST(opened.status().field() == "storage");
  BOOST_TEST(opened.status().message() == "the storage has no store for the area 'jobs'");

  // The stores are handed out by identity; an area nobody serves is nullptr.
  BOOST_TEST(storage->Supports(spi::JobStore::kArea));
  BOOST_TEST(!storage->Supports(UnknownStore::kArea));
  BOOST_TEST(storage
                 ->Run(spi::TransactionMode::kReadOnly,
                       [](spi::Transaction& tx) {
                         BOOST_TEST(tx.store<spi::JobStore>() != nullptr);
                         BOOST_TEST(tx.store<UnknownStore>() == nullptr);
                         return Status::Ok();
                       })
                 .ok());
}

BOOST_AUTO_TEST_CASE(the_engine_names_each_area_a_storage_lacks) {
  // Every area the engine needs, in turn missing from a storage that serves all the others.
  for (const spi::StoreArea missing :
       {spi::AccountRepository::kArea, spi::LedgerRepository::kArea, spi::WalletRepository::kArea,
        spi::JobStore::kArea, spi::AccountMaintenanceStore::kArea, spi::EventStore::kArea,
        spi::BookingStore::kArea, spi::WaitlistStore::kArea, spi::ChatStore::kArea,
        spi::IdentityStore::kArea, spi::AdminStore::kArea}) {
    BOOST_TEST_CONTEXT("area " << missing.name()) {
      BOOST_TEST(storage->Supports(missing));
      auto lacking = std::make_shared<StorageServing>(storage, [&](spi::StoreArea area) {
        return !(area == missing) && storage->Supports(area);
      });
      auto opened = Engine::Open(JobsEngineOptions(lacking, clock));
      BOOST_TEST(opened.status().code() == StatusCode::kFailedPrecondition);
      BOOST_TEST(opened.status().reason() == "storage_lacks_area");
      BOOST_TEST(opened.status().field() == "storage");
      BOOST_TEST(opened.status().message() ==
                 "the storage has no store for the area '" + std::string(missing.name()) + "'");
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_jobs_options_are_refused) {
  EngineOptions options = JobsEngineOptions(storage, clock);
  options.jobs.worker_threads = -1;
  auto opened = Engine::Open(std::move(options));
  BOOST_TEST(opened.status().reason() == "invalid_jobs_options");
  BOOST_TEST(opened.status().field() == "jobs");
  EngineOptions batch = JobsEngineOptions(storage, clock);
  batch.jobs.worker_batch_max = batch.jobs.worker_batch - 1;
  auto small_max = Engine::Open(std::move(batch));
  BOOST_TEST(small_max.status().reason() == "invalid_jobs_options");
  for (const int mail_max_attempts : {0, 101}) {
    EngineOptions mail = JobsEngineOptions(storage, clock);
    mail.jobs.mail_max_attempts = mail_max_attempts;
    auto refused = Engine::Open(std::move(mail));
    BOOST_TEST(refused.status().reason() == "invalid_jobs_options");
    BOOST_TEST((refused.status().code() == StatusCode::kInvalidArgument));
  }
}

BOOST_AUTO_TEST_CASE(a_batch_hands_back_the_jobs_it_did_not_start_within_half_the_lease) {
  // Each run takes half the lease (5 minutes), so the batch starts one job and hands back the
  // others: queued as they were, the attempt not counted, no lease kept.
  std::vector<std::string> ran;
  BOOST_REQUIRE(jobs()
                    .RegisterHandler("test.slow",
                                     [&](const Job& job) {
                                       ran.push_back(job.id);
                                       clock->Advance(150s);
                                       return Status::Ok();
                                     })
                    .ok());
  std::map<std::string, Job> enqueued;  // by id; jobs due at one instant are claimed by id
  for (int i = 0; i < 3; ++i) {
    const Job job = EnqueueOrFail("test.slow");
    enqueued.emplace(job.id, job);
  }
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  BOOST_TEST_REQUIRE(ran.size() == 1u);
  BOOST_TEST(ran.front() == enqueued.begin()->first);
  BOOST_TEST(GetJobOrFail(jobs(), ran.front()).status == JobStatus::kSucceeded);
  for (const auto& [id, handed_back] : enqueued) {
    if (id == ran.front()) continue;
    const Job job = GetJobOrFail(jobs(), id);
    BOOST_TEST(job.status == JobStatus::kQueued);
    BOOST_TEST(job.attempts == 0);
    BOOST_TEST(job.locked_by.empty());
    BOOST_TEST(!job.locked_until.has_value());
    BOOST_TEST((job.run_at == handed_back.run_at));
  }
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  std::vector<std::string> ids;
  for (const auto& [id, job] : enqueued) ids.push_back(id);
  BOOST_TEST(ran == ids, boost::test_tools::per_element());
  BOOST_TEST(GetJobOrFail(jobs(), ids.back()).attempts == 1);
}

BOOST_AUTO_TEST_CASE(a_worker_with_a_backlog_claims_twice_as_many_while_its_claims_come_back_full) {
  // 101 jobs due in a minute, so that the worker of the second engine below finds none before
  // its handler is registered. All are committed before the clock moves: a worker that claims
  // while one is still being enqueued gets a short claim (CI once saw 7 claims, not 6: likely
  // 2, 4, 8, 16, 32, 38 and then 1).
  constexpr int kJobs = 101;
  for (int i = 0; i < kJobs; ++i) {
    JobRequest request;
    request.kind = "test.backlog";
    request.run_at = clock->Now() + 1min;
    BOOST_REQUIRE(jobs().Enqueue(request).ok());
  }
  // A second engine on the same storage runs them on one worker; all jobs of a claim share its
  // lease, and each run moves the clock, so the leases tell the claims apart.
  std::mutex mu;
  std::map<Timestamp, int> claim_sizes;  // lease end -> jobs run under it
  int runs = 0;
  EngineOptions options = JobsEngineOptions(storage, clock);
  options.jobs.worker_threads = 1;
  options.jobs.worker_batch = 2;
  options.jobs.worker_batch_max = 64;
  options.jobs.poll_interval = 1h;
  std::unique_ptr<Engine> worker = OpenJobsEngineOrFail(std::move(options));
  BOOST_REQUIRE(worker->jobs()
                    .RegisterHandler("test.backlog",
                                     [&](const Job& job) {
                                       std::lock_guard lock(mu);
                                       ++claim_sizes[*job.locked_until];
                                       ++runs;
                                       clock->Advance(1ms);
                                       return Status::Ok();
                                     })
                    .ok());
  clock->Advance(1min);
  // The worker waits for an hour (of the steady clock); a commit through its own engine wakes
  // it. This job never comes due, so it adds nothing to the claims.
  JobRequest wake;
  wake.kind = "test.never_due";
  wake.run_at = clock->Now() + 24h;
  BOOST_REQUIRE(worker->jobs().Enqueue(wake).ok());
  const auto deadline = std::chrono::steady_clock::now() + 60s;  // a hang guard only
  for (;;) {
    {
      std::lock_guard lock(mu);
      if (runs == kJobs) break;
    }
    BOOST_REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "the jobs did not all run");
    std::this_thread::sleep_for(5ms);
  }
  worker.reset();
  std::vector<int> sizes;
  for (const auto& [lease_end, size] : claim_sizes) sizes.push_back(size);
  BOOST_TEST(sizes == (std::vector<int>{2, 4, 8, 16, 32, 39}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_expired_pending_transfer_is_voided_by_the_scheduled_job) {
  EngineOptions options = JobsEngineOptions(storage, clock);
  options.jobs.schedules = JobsOptions().schedules;
  engine = OpenJobsEngineOrFail(std::move(options));
  TransferRequest hold = Move("hold-1", Clearing(), Wallet("ada"), 500, TransferKind::kCredit);
  hold.pending = true;
  hold.pending_timeout = 5min;
  auto pending = engine->ledger().CreateTransfer(hold);
  BOOST_REQUIRE_MESSAGE(pending.ok(), pending.status().ToString());

  // At the start of the hour both scheduled jobs are due; the hold has not expired yet.
  BOOST_TEST(RunDueOrFail(jobs()) == 2);
  BOOST_TEST(engine->ledger().GetTransfer(pending->id)->status == TransferStatus::kPending);
  BOOST_TEST(RunDueOrFail(jobs()) == 0);  // each period's job once

  clock->Advance(6min);  // the void job of minute 6 finds the hold expired
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  auto voided = engine->ledger().GetTransfer(pending->id);
  BOOST_REQUIRE(voided.ok());
  BOOST_TEST(voided->status == TransferStatus::kVoided);
  BOOST_TEST((voided->void_cause == VoidCause::kExpired));
  BOOST_TEST(engine->ledger().GetBalance(Wallet("ada"))->pending_credits == 0);

  auto succeeded = jobs().ListJobs(kAdmin, JobStatus::kSucceeded, "", 10);
  BOOST_REQUIRE(succeeded.ok());
  BOOST_REQUIRE(succeeded->items.size() == 3u);
  BOOST_TEST(succeeded->items[0].kind == std::string(kVoidExpiredTransfersJob));
  BOOST_TEST((succeeded->items[0].run_at == kJobsStart + 6min));
}

BOOST_AUTO_TEST_CASE(the_purge_job_deletes_expired_codes_sessions_and_refresh_tokens) {
  const Timestamp now = clock->Now();
  auto put = storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
    spi::AccountRepository& accounts = tx.accounts();
    spi::UserRecord user;
    user.id = "u1";
    user.email = "u1@example.com";
    user.password_hash = "x";
    user.full_name = "U One";
    user.created_at = user.updated_at = now;
    if (Status s = accounts.InsertUser(user); !s.ok()) return s;
    spi::OneTimeCodeRecord code;
    code.user_id = "u1";
    code.code_hash = "h";
    code.expires_at = now + 10min;
    code.last_sent_at = code.window_started_at = now;
    if (Status s = accounts.PutCode(code); !s.ok()) return s;
    // A session ending in 30 minutes, one ending in 30 days, each with a token of 20 minutes and
    // one of 20 days.
    using Ending = std::pair<const char*, Duration>;
    for (auto [id, ends] : {Ending{"short", 30min}, Ending{"long", 30 * 24h}}) {
      spi::SessionRecord session{id, "u1", now, now + ends, std::nullopt, ""};
      if (Status s = accounts.InsertSession(session); !s.ok()) return s;
      for (auto [suffix, ttl] : {Ending{"-brief", 20min}, Ending{"-lasting", 20 * 24h}}) {
        spi::RefreshTokenRecord token{std::string(id) + suffix, id, now, now + ttl, std::nullopt};
        if (Status s = accounts.InsertRefreshToken(token); !s.ok()) return s;
      }
    }
    return Status::Ok();
  });
  BOOST_REQUIRE_MESSAGE(put.ok(), put.ToString());

  EngineOptions options = JobsEngineOptions(storage, clock);
  options.jobs.schedules = {{std::string(kPurgeExpiredJob), 1h}};
  engine = OpenJobsEngineOrFail(std::move(options));
  BOOST_TEST(RunDueOrFail(jobs()) == 1);  // nothing has expired at the start of the hour
  clock->Advance(1h);                     // the code, the short session and brief tokens have
  BOOST_TEST(RunDueOrFail(jobs()) == 1);

  auto check = storage->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) {
    spi::AccountRepository& accounts = tx.accounts();
    BOOST_TEST(accounts.FindCode("u1", spi::CodePurpose::kVerifyEmail, spi::LockMode::kNone)
                   .status()
                   .reason() == "no_pending_code");
    BOOST_TEST(accounts.FindSession("short", spi::LockMode::kNone).status().reason() ==
               "session_not_found");
    BOOST_TEST(accounts.FindSession("long", spi::LockMode::kNone).ok());
    for (const char* gone : {"short-brief", "short-lasting", "long-brief"}) {
      BOOST_TEST(accounts.FindRefreshToken(gone, spi::LockMode::kNone).status().reason() ==
                     "invalid_token",
                 gone);
    }
    BOOST_TEST(accounts.FindRefreshToken("long-lasting", spi::LockMode::kNone).ok());
    BOOST_TEST(accounts.FindUserById("u1", spi::LockMode::kNone).ok());
    return Status::Ok();
  });
  BOOST_TEST(check.ok(), check.ToString());
}

BOOST_AUTO_TEST_CASE(finished_jobs_are_purged_after_the_retention) {
  BOOST_REQUIRE(jobs().RegisterHandler("test.ok", [](const Job&) { return Status::Ok(); }).ok());
  const Job old_job = EnqueueOrFail("test.ok");
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  EngineOptions options = JobsEngineOptions(storage, clock);
  options.jobs.schedules = {{std::string(kPurgeExpiredJob), 1h}};
  options.jobs.keep_finished = 2h;
  engine = OpenJobsEngineOrFail(std::move(options));
  clock->Advance(3h);
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  BOOST_TEST(jobs().GetJob(kAdmin, old_job.id).status().reason() == "job_not_found");
}

BOOST_AUTO_TEST_CASE(two_engines_on_one_database_run_each_job_exactly_once) {
  constexpr int kJobs = 200;
  const std::string url = FreshDatabaseUrl();
  std::mutex mu;
  std::map<std::string, int> runs;  // job id -> times its handler ran
  const auto count_run = [&](const Job& job) {
    std::lock_guard lock(mu);
    ++runs[job.id];
    return Status::Ok();
  };
  std::vector<std::unique_ptr<Engine>> engines;
  for (int i = 0; i < 2; ++i) {
    EngineOptions options = JobsEngineOptions(OpenStorageOrFail({.url = url}), clock);
    options.jobs.worker_threads = 3;
    options.jobs.worker_batch = 4;
    options.jobs.poll_interval = 5ms;
    engines.push_back(OpenJobsEngineOrFail(std::move(options)));
    BOOST_REQUIRE(engines.back()->jobs().RegisterHandler("test.count", count_run).ok());
  }
  std::vector<std::string> ids;
  for (int i = 0; i < kJobs; ++i) {
    JobRequest request;
    request.kind = "test.count";
    auto job = engines[i % 2]->jobs().Enqueue(request);
    BOOST_REQUIRE_MESSAGE(job.ok(), job.status().ToString());
    ids.push_back(job->id);
  }
  const auto deadline = std::chrono::steady_clock::now() + 60s;  // a hang guard only
  for (;;) {
    {
      std::lock_guard lock(mu);
      if (runs.size() == static_cast<std::size_t>(kJobs)) break;
    }
    BOOST_REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "the jobs did not all run");
    std::this_thread::sleep_for(10ms);
  }
  // Stopping the engines lets each worker record the outcomes of the batch it ran (a batch's
  // outcomes are written together, after its last handler); a third engine reads them.
  engines.clear();
  std::unique_ptr<Engine> reader =
      OpenJobsEngineOrFail(JobsEngineOptions(OpenStorageOrFail({.url = url}), clock));
  Jobs& jobs = reader->jobs();
  std::size_t succeeded = 0;
  for (std::string cursor;;) {
    auto page = jobs.ListJobs(kAdmin, JobStatus::kSucceeded, cursor, 100);
    BOOST_REQUIRE(page.ok());
    succeeded += page->items.size();
    if (page->next_cursor.empty()) break;
    cursor = page->next_cursor;
  }
  BOOST_TEST(succeeded == static_cast<std::size_t>(kJobs));
  for (const std::string& id : ids) BOOST_TEST(runs[id] == 1, id);
}

BOOST_AUTO_TEST_SUITE_END()
