// End-to-end tests of the admin jobs HTTP API (/api/v1/admin/jobs*, docs/jobs.md): the real
// eventify-server binary, whose job worker runs the engine's scheduled jobs from the start, on the
// backend EVENTIFY_TEST_BACKEND selects.
#define BOOST_TEST_MODULE e2e_jobs
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "e2e_client.h"
#include "eventify/status.h"
#include "server_process.h"

namespace {

namespace e2e = eventify::e2e;
using e2e::CheckError;
using eventify::HttpStatusFor;
using eventify::StatusCode;

constexpr char kServer[] = EVENTIFY_SERVER_PATH;
const std::string kJobs = "/api/v1/admin/jobs";

e2e::Deployment& TheDeployment() {
  static e2e::Deployment deployment(kServer, {"--jobs.worker_threads=1"});
  return deployment;
}

// The first succeeded job of `kind`, waiting for the worker to have run it (a hang guard only).
std::string SucceededJob(e2e::Api& api, const std::string& token, const std::string& kind) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    const e2e::Reply page = api.Get(kJobs + "?status=succeeded&limit=100", token);
    BOOST_TEST_INFO("body " << page.body);
    BOOST_REQUIRE_EQUAL(page.status, 200);
    for (int i = 0; i < page.Count("/items"); ++i) {
      const std::string item = "/items/" + std::to_string(i);
      if (page.Str((item + "/kind").c_str()) == kind) return page.Str((item + "/id").c_str());
    }
    BOOST_REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, kind << " never ran");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(admins_see_the_scheduled_jobs_and_may_retry_only_dead_ones) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const e2e::Account admin = e2e::NewAdmin(deployment, "jobs-admin");

  const std::string id = SucceededJob(api, admin.access, "ledger.void_expired");
  const e2e::Reply job = api.Get(kJobs + "/" + id, admin.access);
  BOOST_TEST_INFO("body " << job.body);
  BOOST_REQUIRE_EQUAL(job.status, 200);
  BOOST_TEST(job.Str("/job/id") == id);
  BOOST_TEST(job.Str("/job/kind") == "ledger.void_expired");
  BOOST_TEST(job.Str("/job/status") == "succeeded");
  BOOST_TEST(job.Int("/job/attempts") == 1);
  BOOST_TEST(job.Int("/job/max_attempts") == 5);
  BOOST_TEST(job.Str("/job/last_error") == "");
  BOOST_TEST(job.IsNull("/job/locked_until"));

  CheckError(api.PostJson(kJobs + "/" + id + "/retry", "", admin.access),
             HttpStatusFor(StatusCode::kFailedPrecondition), "job_not_dead");
  CheckError(api.PostJson(kJobs + "/0190c0de-0000-7000-8000-000000000000/retry", "", admin.access),
             404, "job_not_found");
  CheckError(api.Get(kJobs + "/0190c0de-0000-7000-8000-000000000000", admin.access), 404,
             "job_not_found");

  // Nothing has died: the default listing (dead jobs) is empty.
  const e2e::Reply dead = api.Get(kJobs, admin.access);
  BOOST_TEST_INFO("body " << dead.body);
  BOOST_REQUIRE_EQUAL(dead.status, 200);
  BOOST_TEST(dead.Count("/items") == 0);
  BOOST_TEST(dead.IsNull("/next_cursor"));
  BOOST_TEST(api.Get(kJobs + "/" + id, admin.access).Str("/job/status") == "succeeded");
}

BOOST_AUTO_TEST_CASE(bad_listings_and_other_roles_are_refused) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const e2e::Account admin = e2e::NewAdmin(deployment, "jobs-admin2");
  CheckError(api.Get(kJobs + "?status=failed", admin.access), 400, "invalid_status", "status");
  CheckError(api.Get(kJobs + "?limit=ten", admin.access), 400, "invalid_limit", "limit");
  CheckError(api.Get(kJobs + "?limit=0", admin.access), 400, "invalid_limit", "limit");
  CheckError(api.Get(kJobs + "?limit=101", admin.access), 400, "invalid_limit", "limit");

  const e2e::Account user = e2e::NewVerifiedAccount(deployment, "jobs-user");
  CheckError(api.Get(kJobs, user.access), 403, "forbidden");
  CheckError(api.PostJson(kJobs + "/0190c0de-0000-7000-8000-000000000000/retry", "", user.access),
             403, "forbidden");
  CheckError(api.Get(kJobs, ""), 401, "missing_token");
}

// Last: stops the shared server.
BOOST_AUTO_TEST_CASE(sigterm_stops_the_server_with_exit_code_0) {
  e2e::CheckStopsCleanly(TheDeployment());
}
