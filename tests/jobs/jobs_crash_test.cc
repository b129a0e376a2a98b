// A job whose process is killed in the middle of it is run again once its lease has run out, with
// the backoff, on the backend EVENTIFY_TEST_BACKEND selects.
//
// The test forks a child that opens its own engine (manual clock at kJobsStart) on a database the
// parent created, enqueues a job and runs it; the handler tells the parent "S <job id>" and then
// waits to be killed. The parent SIGKILLs it, opens an engine on the same database and moves its
// own manual clock: the job stays running while the lease lasts, is then recorded as a failed
// attempt and queued after the backoff, and runs to success on the second attempt.
//
// Its own executable: fork() is only safe while the process has a single thread.
#define BOOST_TEST_MODULE jobs_crash
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstdio>
#include <string>

#include "eventify/backends/soci.h"
#include "jobs/jobs_fixture.h"
#include "support/test_storage.h"

using namespace eventify;
using namespace eventify::testing;
using namespace std::chrono_literals;

namespace {

[[noreturn]] void ChildMain(const std::string& url, int fd) {
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS, SIGALRM}) {
    ::signal(sig, SIG_DFL);
  }
  const auto say = [fd](const std::string& line) {
    const std::string text = line + "\n";
    if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) ::_exit(4);
  };
  auto storage = spi::OpenSociStorage({.url = url});
  if (!storage.ok()) say("E " + storage.status().ToString()), ::_exit(3);
  auto engine =
      Engine::Open(JobsEngineOptions(*storage, std::make_shared<spi::ManualClock>(kJobsStart)));
  if (!engine.ok()) say("E " + engine.status().ToString()), ::_exit(3);
  Jobs& jobs = (*engine)->jobs();
  const Status registered = jobs.RegisterHandler("test.crash", [&](const Job& job) {
    say("S " + job.id);
    for (;;) ::pause();  // until SIGKILL
    return Status::Ok();
  });
  JobRequest request;
  request.kind = "test.crash";
  auto job = jobs.Enqueue(request);
  if (!registered.ok() || !job.ok()) say("E cannot enqueue"), ::_exit(3);
  auto ran = jobs.RunDueJobs(1);
  say("E RunDueJobs returned " + (ran.ok() ? std::to_string(*ran) : ran.status().ToString()));
  ::_exit(3);
}

// The first line the child writes.
std::string ReadLine(int fd) {
  std::string line;
  char c = 0;
  for (;;) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') return line;
    line += c;
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_job_killed_mid_run_is_retried_after_its_lease_and_backoff) {
  const std::string url = FreshDatabaseUrl();  // before the fork: the child opens its own
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  std::fflush(nullptr);
  const pid_t child = ::fork();
  BOOST_REQUIRE_MESSAGE(child >= 0, "fork failed");
  if (child == 0) {
    ::close(fds[0]);
    ChildMain(url, fds[1]);
  }
  ::close(fds[1]);
  const std::string line = ReadLine(fds[0]);
  ::kill(child, SIGKILL);
  int wait_status = 0;
  BOOST_REQUIRE(::waitpid(child, &wait_status, 0) == child);
  ::close(fds[0]);
  BOOST_REQUIRE_MESSAGE(line.rfind("S ", 0) == 0, "the child said: " << line);
  BOOST_REQUIRE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL);
  const std::string id = line.substr(2);

  auto clock = std::make_shared<spi::ManualClock>(kJobsStart + 1s);
  const std::unique_ptr<Engine> engine =
      OpenJobsEngineOrFail(JobsEngineOptions(OpenStorageOrFail({.url = url}), clock));
  Jobs& jobs = engine->jobs();
  int runs = 0;
  BOOST_REQUIRE(jobs.RegisterHandler("test.crash",
                                     [&](const Job&) {
                                       ++runs;
                                       return Status::Ok();
                                     })
                    .ok());

  // The dead child's lease (5 minutes) still holds the job.
  BOOST_TEST(RunDueOrFail(jobs) == 0);
  Job job = GetJobOrFail(jobs, id);
  BOOST_TEST(job.status == JobStatus::kRunning);
  BOOST_TEST(job.attempts == 1);
  BOOST_TEST((job.locked_until == kJobsStart + 5min));
  const std::string child_worker = job.locked_by;
  BOOST_TEST(!child_worker.empty());

  // Once it has run out, the attempt counts as failed and the job waits out the backoff.
  clock->Set(kJobsStart + 5min);
  BOOST_TEST(RunDueOrFail(jobs) == 0);
  job = GetJobOrFail(jobs, id);
  BOOST_TEST(job.status == JobStatus::kQueued);
  BOOST_TEST(job.attempts == 1);
  BOOST_TEST((job.run_at == kJobsStart + 5min + 10s));
  BOOST_TEST(job.last_error ==
             "the lease of worker " + child_worker + " ran out before the job finished");
  BOOST_TEST(runs == 0);

  clock->Advance(10s);
  BOOST_TEST(RunDueOrFail(jobs) == 1);
  job = GetJobOrFail(jobs, id);
  BOOST_TEST(job.status == JobStatus::kSucceeded);
  BOOST_TEST(job.attempts == 2);
  BOOST_TEST(runs == 1);
}
