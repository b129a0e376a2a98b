// Conformance: the jobs store's contract (spi/job_store.h) — jobs stored once per id and unique
// key, every column read back, due jobs locked oldest first with rows other transactions hold
// skipped, listings by status, the purge of finished jobs — and the account-maintenance store's
// (spi/account_maintenance_store.h), through the public SPI only, on the storage the factory hook
// gives (storage_conformance.h).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "conformance_helpers.h"
#include "eventify/jobs.h"
#include "eventify/spi/account_maintenance_store.h"
#include "eventify/spi/job_store.h"
#include "eventify/spi/storage.h"
#include "storage_conformance.h"

namespace eventify::testing {
namespace {

using namespace std::chrono_literals;
using spi::JobStore;
using spi::LockMode;
using spi::TransactionMode;

namespace utf = boost::unit_test;

using JobsBody = std::function<Status(JobStore&)>;

Status RunJobs(spi::Storage& storage, TransactionMode mode, const JobsBody& body) {
  return storage.Run(mode, [&](spi::Transaction& tx) { return body(*tx.store<JobStore>()); });
}

// A job with a canonical id whose text order is the order of n, due at BaseTime() + run_in.
Job SampleJob(int n, JobStatus status = JobStatus::kQueued, Duration run_in = 0s) {
  const std::string digits = std::to_string(n);
  Job job;
  job.id = IdOf(n);
  job.kind = "conformance.sample";
  job.payload = R"({"n":)" + digits + "}";
  job.status = status;
  job.run_at = BaseTime() + run_in;
  job.max_attempts = 5;
  job.created_at = BaseTime();
  job.updated_at = BaseTime();
  return job;
}

void InsertAll(spi::Storage& storage, const std::vector<Job>& jobs) {
  REQUIRE_OK(RunJobs(storage, TransactionMode::kReadWrite, [&](JobStore& store) -> Status {
    for (const Job& job : jobs) EV_TEST_RETURN_IF_ERROR(store.InsertJob(job, ""));
    return Status::Ok();
  }));
}

Result<Job> LoadJob(spi::Storage& storage, const std::string& id) {
  Result<Job> found = Internal("not read");
  REQUIRE_OK(RunJobs(storage, TransactionMode::kReadOnly, [&](JobStore& store) {
    found = store.FindJob(id, LockMode::kNone);
    return Status::Ok();
  }));
  return found;
}

std::vector<std::string> IdsOf(const std::vector<Job>& jobs) {
  std::vector<std::string> ids;
  for (const Job& job : jobs) ids.push_back(job.id);
  return ids;
}

void CheckSameJob(const Job& got, const Job& want) {
  BOOST_TEST_CONTEXT("job " << want.id) {
    BOOST_TEST(got.id == want.id);
    BOOST_TEST(got.kind == want.kind);
    BOOST_TEST(got.payload == want.payload);
    BOOST_TEST(JobStatusName(got.status) == JobStatusName(want.status));
    BOOST_TEST((got.run_at == want.run_at));
    BOOST_TEST(got.attempts == want.attempts);
    BOOST_TEST(got.max_attempts == want.max_attempts);
    BOOST_TEST(got.last_error == want.last_error);
    BOOST_TEST(got.locked_by == want.locked_by);
    BOOST_TEST((got.locked_until == want.locked_until));
    BOOST_TEST((got.created_at == want.created_at));
    BOOST_TEST((got.updated_at == want.updated_at));
  }
}

boost::test_tools::assertion_result ConcurrentWriters(utf::test_unit_id) {
  boost::test_tools::assertion_result result(
      conformance::TraitsOfStorageUnderTest().concurrent_writers);
  result.message() << "the storage runs one writer at a time (StorageTraits::concurrent_writers)";
  return result;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(job_store, FreshStorage)

BOOST_AUTO_TEST_CASE(insert_then_find_reads_every_column_back) {
  Job job = SampleJob(1, JobStatus::kRunning);
  job.attempts = 2;
  job.last_error = "timeout: the gateway did not answer \"in time\"";
  job.locked_by = "worker-7";
  job.locked_until = BaseTime() + 5min;
  job.updated_at = BaseTime() + 1min;
  Job queued = SampleJob(2);
  InsertAll(*storage, {job, queued});
  auto found = LoadJob(*storage, job.id);
  BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
  CheckSameJob(*found, job);
  auto found_queued = LoadJob(*storage, queued.id);
  BOOST_REQUIRE_MESSAGE(found_queued.ok(), found_queued.status().ToString());
  CheckSameJob(*found_queued, queued);
}

BOOST_AUTO_TEST_CASE(a_taken_id_or_unique_key_is_job_exists) {
  REQUIRE_OK(RunJobs(*storage, TransactionMode::kReadWrite, [](JobStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(store.InsertJob(SampleJob(1), "period:1"));
    return store.InsertJob(SampleJob(2), "");
  }));
  const Status same_id = RunJobs(*storage, TransactionMode::kReadWrite,
                                 [](JobStore& store) { return store.InsertJob(SampleJob(1), ""); });
  BOOST_TEST(same_id.code() == StatusCode::kAlreadyExists);
  BOOST_TEST(same_id.reason() == "job_exists");
  const Status same_key = RunJobs(*storage, TransactionMode::kReadWrite, [](JobStore& store) {
    return store.InsertJob(SampleJob(3), "period:1");
  });
  BOOST_TEST(same_key.code() == StatusCode::kAlreadyExists);
  BOOST_TEST(same_key.reason() == "job_exists");
  BOOST_TEST(LoadJob(*storage, SampleJob(3).id).status().reason() == "job_not_found");
  // An empty key is no key: any number of jobs may have it.
  EXPECT_OK(RunJobs(*storage, TransactionMode::kReadWrite,
                    [](JobStore& store) { return store.InsertJob(SampleJob(4), ""); }));
}

BOOST_AUTO_TEST_CASE(insert_jobs_writes_each_job_as_insert_job_does) {
  Job first = SampleJob(1);
  Job second = SampleJob(2, JobStatus::kQueued, 1min);
  second.max_attempts = 30;
  second.payload = "sealed:v1:" + std::string(3000, 'x');  // a mail's size
  const std::vector<Job> jobs = {first, second};
  REQUIRE_OK(RunJobs(*storage, TransactionMode::kReadWrite,
                     [&](JobStore& store) { return store.InsertJobs(jobs); }));
  for (const Job& job : jobs) {
    auto found = LoadJob(*storage, job.id);
    BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
    CheckSameJob(*found, job);
  }
  REQUIRE_OK(RunJobs(*storage, TransactionMode::kReadWrite,
                     [](JobStore& store) { return store.InsertJobs(std::vector<Job>{}); }));
  // A taken id fails the call; the transaction that saw it rolls back with it.
  const std::vector<Job> again = {SampleJob(3), first};
  const Status taken = RunJobs(*storage, TransactionMode::kReadWrite,
                               [&](JobStore& store) { return store.InsertJobs(again); });
  BOOST_TEST(taken.code() == StatusCode::kAlreadyExists);
  BOOST_TEST(taken.reason() == "job_exists");
  BOOST_TEST(LoadJob(*storage, SampleJob(3).id).status().reason() == "job_not_found");
}

BOOST_AUTO_TEST_CASE(missing_jobs_are_job_not_found) {
  const Result<Job> found = LoadJob(*storage, SampleJob(1).id);
  BOOST_TEST(found.status().code() == StatusCode::kNotFound);
  BOOST_TEST(found.status().reason() == "job_not_found");
  const Status updated = RunJobs(*storage, TransactionMode::kReadWrite,
                                 [](JobStore& store) { return store.UpdateJob(SampleJob(1)); });
  BOOST_TEST(updated.code() == StatusCode::kNotFound);
  BOOST_TEST(updated.reason() == "job_not_found");
}

BOOST_AUTO_TEST_CASE(update_overwrites_every_mutable_column) {
  const Job job = SampleJob(1);
  InsertAll(*storage, {job});
  Job changed = job;
  changed.status = JobStatus::kDead;
  changed.run_at = BaseTime() + 1h;
  changed.attempts = 5;
  changed.max_attempts = 7;
  changed.last_error = "gave up";
  changed.locked_by = "worker-1";
  changed.locked_until = BaseTime() + 2h;
  changed.updated_at = BaseTime() + 3h;
  REQUIRE_OK(RunJobs(*storage, TransactionMode::kReadWrite, [&](JobStore& store) -> Status {
    auto locked = store.FindJob(job.id, LockMode::kForUpdate);
    if (!locked.ok()) return locked.status();
    return store.UpdateJob(changed);
  }));
  auto found = LoadJob(*storage, job.id);
  BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
  CheckSameJob(*found, changed);

  // And back: a lease given up leaves no locked_until.
  changed.status = JobStatus::kQueued;
  changed.locked_by = "";
  changed.locked_until.reset();
  REQUIRE_OK(RunJobs(*storage, TransactionMode::kReadWrite,
                     [&](JobStore& store) { return store.UpdateJob(changed); }));
  found = LoadJob(*storage, job.id);
  BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
  CheckSameJob(*found, changed);
}

BOOST_AUTO_TEST_CASE(find_jobs_reads_those_that_exist_and_update_jobs_writes_each) {
  const std::vector<Job> jobs = {SampleJob(1), SampleJob(2), SampleJob(3)};
  InsertAll(*storage, jobs);
  std::vector<Job> found;
  const std::vector<std::string> wanted = {jobs[2].id, SampleJob(9).id, jobs[0].id};
  REQUIRE_OK(RunJobs(*storage, TransactionMode::kReadWrite, [&](JobStore& store) -> Status {
    auto read = store.FindJobs(wanted, LockMode::kForUpdate);
    if (!read.ok()) return read.status();
    found = std::move(read).value();
    return Status::Ok();
  }));
  std::sort(found.begin(), found.end(), [](const Job& a, const Job& b) { return a.id < b.id; });
  BOOST_REQUIRE(found.size() == 2u);
  CheckSameJob(found[0], jobs[0]);
  CheckSameJob(found[1], jobs[2]);

  std::vector<Job> changed = {jobs[0], jobs[2]};
  changed[0].status = JobStatus::kRunning;
  changed[0].attempts = 1;
  changed[0].locked_by = "worker-1";
  changed[0].locked_until = BaseTime() + 5min;
  changed[0].updated_at = BaseTime() + 1s;
  changed[1].status = JobStatus::kDead;
  changed[1].run_at = BaseTime() + 1h;
  changed[1].attempts = 5;
  changed[1].max_attempts = 7;
  changed[1].last_error = "gave up";
  changed[1].updated_at = BaseTime() + 2s;
  REQUIRE_OK(RunJobs(*storage, TransactionMode::kReadWrite,
                     [&](JobStore& store) { return store.UpdateJobs(changed); }));
  for (const Job& job : changed) {
    auto loaded = LoadJob(*storage, job.id);
    BOOST_REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
    CheckSameJob(*loaded, job);
  }
  auto untouched = LoadJob(*storage, jobs[1].id);
  BOOST_REQUIRE_MESSAGE(untouched.ok(), untouched.status().ToString());
  CheckSameJob(*untouched, jobs[1]);

  // A missing job fails the call; the transaction that saw it rolls back with it.
  Job again = changed[0];
  again.last_error = "not kept";
  const std::vector<Job> with_missing = {again, SampleJob(9)};
  const Status missing = RunJobs(*storage, TransactionMode::kReadWrite,
                                 [&](JobStore& store) { return store.UpdateJobs(with_missing); });
  BOOST_TEST(missing.code() == StatusCode::kNotFound);
  BOOST_TEST(missing.reason() == "job_not_found");
  auto kept = LoadJob(*storage, again.id);
  BOOST_REQUIRE_MESSAGE(kept.ok(), kept.status().ToString());
  CheckSameJob(*kept, changed[0]);
  REQUIRE_OK(RunJobs(*storage, TransactionMode::kReadWrite,
                     [](JobStore& store) { return store.UpdateJobs(std::vector<Job>{}); }));
}

BOOST_AUTO_TEST_CASE(due_jobs_are_queued_ones_due_and_running_ones_whose_lease_ran_out) {
  const Timestamp now = BaseTime() + 10min;
  Job due_late = SampleJob(1, JobStatus::kQueued, 9min);
  Job due_early = SampleJob(2, JobStatus::kQueued, 1min);
  Job due_now = SampleJob(3, JobStatus::kQueued, 10min);
  Job not_yet = SampleJob(4, JobStatus::kQueued, 11min);
  Job lease_over = SampleJob(5, JobStatus::kRunning, 5min);
  lease_over.locked_by = "worker-dead";
  lease_over.locked_until = now;
  Job lease_live = SampleJob(6, JobStatus::kRunning, 2min);
  lease_live.locked_by = "worker-busy";
  lease_live.locked_until = now + 1s;
  const Job succeeded = SampleJob(7, JobStatus::kSucceeded, 0min);
  const Job dead = SampleJob(8, JobStatus::kDead, 0min);
  InsertAll(*storage,
            {due_late, due_early, due_now, not_yet, lease_over, lease_live, succeeded, dead});

  std::vector<Job> all, first_two;
  REQUIRE_OK(RunJobs(*storage, TransactionMode::kReadWrite, [&](JobStore& store) -> Status {
    auto locked = store.LockDueJobs(now, 10);
    if (!locked.ok()) return locked.status();
    all = std::move(locked).value();
    return Status::Ok();
  }));
  REQUIRE_OK(RunJobs(*storage, TransactionMode::kReadWrite, [&](JobStore& store) -> Status {
    auto locked = store.LockDueJobs(now, 2);
    if (!locked.ok()) return locked.status();
    first_two = std::move(locked).value();
    return Status::Ok();
  }));
  // Oldest run_at first.
  BOOST_TEST(IdsOf(all) ==
                 (std::vector<std::string>{due_early.id, lease_over.id, due_late.id, due_now.id}),
             boost::test_tools::per_element());
  BOOST_TEST(IdsOf(first_two) == (std::vector<std::string>{due_early.id, lease_over.id}),
             boost::test_tools::per_element());
  BOOST_REQUIRE(all.size() == 4u);
  CheckSameJob(all[1], lease_over);
}

// Workers on several processes claim different jobs: a second transaction's LockDueJobs passes
// over the rows an open one has locked instead of waiting for them.
BOOST_AUTO_TEST_CASE(due_jobs_locked_by_an_open_transaction_are_skipped,
                     *utf::precondition(ConcurrentWriters)) {
  const Timestamp now = BaseTime() + 10min;
  InsertAll(*storage,
            {SampleJob(1, JobStatus::kQueued, 1min), SampleJob(2, JobStatus::kQueued, 2min),
             SampleJob(3, JobStatus::kQueued, 3min)});
  std::promise<void> locked;
  std::promise<void> second_done;
  std::future<void> second_finished = second_done.get_future();
  std::vector<Job> first_claim;
  bool second_finished_in_time = false;
  Status first_status;
  std::thread first([&] {
    first_status = RunJobs(*storage, TransactionMode::kReadWrite, [&](JobStore& store) -> Status {
      auto claimed = store.LockDueJobs(now, 1);
      if (!claimed.ok()) {
        locked.set_value();
        return claimed.status();
      }
      first_claim = std::move(claimed).value();
      locked.set_value();
      // Hold the lock until the second transaction is done (or clearly blocked).
      second_finished_in_time =
          second_finished.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
      return Status::Ok();
    });
  });
  locked.get_future().wait();
  std::vector<Job> second_claim;
  const Status second_status =
      RunJobs(*storage, TransactionMode::kReadWrite, [&](JobStore& store) -> Status {
        auto claimed = store.LockDueJobs(now, 10);
        if (!claimed.ok()) return claimed.status();
        second_claim = std::move(claimed).value();
        return Status::Ok();
      });
  second_done.set_value();
  first.join();
  BOOST_CHECK_MESSAGE(first_status.ok(), first_status.ToString());
  BOOST_CHECK_MESSAGE(second_status.ok(), second_status.ToString());
  BOOST_CHECK_MESSAGE(second_finished_in_time, "the second transaction waited for the first");
  BOOST_TEST(IdsOf(first_claim) == (std::vector<std::string>{SampleJob(1).id}),
             boost::test_tools::per_element());
  BOOST_TEST(IdsOf(second_claim) == (std::vector<std::string>{SampleJob(2).id, SampleJob(3).id}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(jobs_of_a_status_are_listed_greatest_id_first_a_page_at_a_time) {
  InsertAll(*storage, {SampleJob(1, JobStatus::kDead), SampleJob(2), SampleJob(3, JobStatus::kDead),
                       SampleJob(4, JobStatus::kDead), SampleJob(5, JobStatus::kSucceeded)});
  std::vector<Job> first_page, second_page, queued;
  REQUIRE_OK(RunJobs(*storage, TransactionMode::kReadOnly, [&](JobStore& store) -> Status {
    auto page = store.ListJobs(JobStatus::kDead, "", 2);
    if (!page.ok()) return page.status();
    first_page = std::move(page).value();
    if (first_page.empty()) return Internal("no first page");
    page = store.ListJobs(JobStatus::kDead, first_page.back().id, 2);
    if (!page.ok()) return page.status();
    second_page = std::move(page).value();
    page = store.ListJobs(JobStatus::kQueued, "", 10);
    if (!page.ok()) return page.status();
    queued = std::move(page).value();
    return Status::Ok();
  }));
  BOOST_TEST(IdsOf(first_page) == (std::vector<std::string>{SampleJob(4).id, SampleJob(3).id}),
             boost::test_tools::per_element());
  BOOST_TEST(IdsOf(second_page) == (std::vector<std::string>{SampleJob(1).id}),
             boost::test_tools::per_element());
  BOOST_TEST(IdsOf(queued) == (std::vector<std::string>{SampleJob(2).id}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(finished_jobs_last_updated_before_a_time_are_deleted) {
  const Timestamp cutoff = BaseTime() + 1h;
  Job old_succeeded = SampleJob(1, JobStatus::kSucceeded);
  Job old_dead = SampleJob(2, JobStatus::kDead);
  Job new_succeeded = SampleJob(3, JobStatus::kSucceeded);
  new_succeeded.updated_at = cutoff;
  Job old_queued = SampleJob(4, JobStatus::kQueued);
  Job old_running = SampleJob(5, JobStatus::kRunning);
  old_running.locked_until = BaseTime() + 1min;
  InsertAll(*storage, {old_succeeded, old_dead, new_succeeded, old_queued, old_running});
  std::int64_t deleted = -1;
  REQUIRE_OK(RunJobs(*storage, TransactionMode::kReadWrite, [&](JobStore& store) -> Status {
    auto result = store.DeleteFinishedJobs(cutoff);
    if (!result.ok()) return result.status();
    deleted = *result;
    return Status::Ok();
  }));
  BOOST_TEST(deleted == 2);
  BOOST_TEST(LoadJob(*storage, old_succeeded.id).status().reason() == "job_not_found");
  BOOST_TEST(LoadJob(*storage, old_dead.id).status().reason() == "job_not_found");
  for (const Job* kept : {&new_succeeded, &old_queued, &old_running}) {
    BOOST_TEST(LoadJob(*storage, kept->id).ok(), kept->id);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(account_maintenance_store, FreshStorage)

// Codes and tokens whose time is up go; sessions whose time is up go with all their tokens; a
// revoked session still running keeps its tokens (a rotated one must still be recognised).
BOOST_AUTO_TEST_CASE(expired_codes_tokens_and_sessions_are_deleted_and_counted) {
  const Timestamp now = BaseTime() + 1h;
  const spi::UserRecord user = SampleUser(1);
  const spi::UserRecord other = SampleUser(2);
  const auto session = [&](const std::string& id, Timestamp expires_at,
                           std::optional<Timestamp> revoked_at) {
    spi::SessionRecord record = SampleSession(id, user.id);
    record.expires_at = expires_at;
    record.revoked_at = revoked_at;
    if (revoked_at) record.revoke_reason = "logout";
    return record;
  };
  const auto token = [&](const std::string& hash, const std::string& session_id,
                         Timestamp expires_at) {
    return spi::RefreshTokenRecord{hash, session_id, BaseTime(), expires_at, std::nullopt};
  };
  const auto code = [&](const std::string& user_id, Timestamp expires_at) {
    spi::OneTimeCodeRecord record;
    record.user_id = user_id;
    record.purpose = spi::CodePurpose::kVerifyEmail;
    record.code_hash = "hash-" + user_id;
    record.expires_at = expires_at;
    record.attempts_left = 5;
    record.last_sent_at = BaseTime();
    record.window_started_at = BaseTime();
    record.sends_in_window = 1;
    return record;
  };
  REQUIRE_OK(Write(*storage, [&](spi::AccountRepository& accounts) -> Status {
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(user));
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(other));
    EV_TEST_RETURN_IF_ERROR(accounts.PutCode(code(user.id, now)));        // ends now: goes
    EV_TEST_RETURN_IF_ERROR(accounts.PutCode(code(other.id, now + 1s)));  // stays
    EV_TEST_RETURN_IF_ERROR(accounts.InsertSession(session("ended", now, std::nullopt)));
    EV_TEST_RETURN_IF_ERROR(accounts.InsertSession(session("live", now + 1h, std::nullopt)));
    EV_TEST_RETURN_IF_ERROR(accounts.InsertSession(session("revoked", now + 1h, BaseTime())));
    EV_TEST_RETURN_IF_ERROR(accounts.InsertRefreshToken(token("ended-a", "ended", now - 1s)));
    EV_TEST_RETURN_IF_ERROR(accounts.InsertRefreshToken(token("ended-b", "ended", now + 1h)));
    EV_TEST_RETURN_IF_ERROR(accounts.InsertRefreshToken(token("live-old", "live", now)));
    EV_TEST_RETURN_IF_ERROR(accounts.InsertRefreshToken(token("live-new", "live", now + 1s)));
    return accounts.InsertRefreshToken(token("revoked-new", "revoked", now + 1s));
  }));

  Result<spi::PurgedRows> purged = Internal("not run");
  REQUIRE_OK(storage->Run(TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
    purged = tx.store<spi::AccountMaintenanceStore>()->DeleteExpired(now);
    return purged.status();
  }));
  BOOST_TEST(purged->codes == 1);
  BOOST_TEST(purged->refresh_tokens == 3);  // ended-a, ended-b, live-old
  BOOST_TEST(purged->sessions == 1);

  EXPECT_OK(Read(*storage, [&](spi::AccountRepository& accounts) {
    BOOST_TEST(accounts.FindCode(user.id, spi::CodePurpose::kVerifyEmail, LockMode::kNone)
                   .status()
                   .reason() == "no_pending_code");
    BOOST_TEST(accounts.FindCode(other.id, spi::CodePurpose::kVerifyEmail, LockMode::kNone).ok());
    BOOST_TEST(accounts.FindSession("ended", LockMode::kNone).status().reason() ==
               "session_not_found");
    BOOST_TEST(accounts.FindSession("live", LockMode::kNone).ok());
    BOOST_TEST(accounts.FindSession("revoked", LockMode::kNone).ok());
    for (const char* gone : {"ended-a", "ended-b", "live-old"}) {
      BOOST_TEST(
          accounts.FindRefreshToken(gone, LockMode::kNone).status().reason() == "invalid_token",
          gone);
    }
    for (const char* kept : {"live-new", "revoked-new"}) {
      BOOST_TEST(accounts.FindRefreshToken(kept, LockMode::kNone).ok(), kept);
    }
    BOOST_TEST(accounts.FindUserById(user.id, LockMode::kNone).ok());
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace eventify::testing
