// Engines with a manual clock and no worker threads for the jobs suites: the test calls
// Jobs::RunDueJobs and moves the clock itself.
#pragma once

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>

#include "eventify/engine.h"
#include "eventify/jobs.h"
#include "ledger/ledger_fixture.h"

namespace eventify {
inline std::ostream& operator<<(std::ostream& out, JobStatus status) {
  return out << JobStatusName(status);
}
inline std::ostream& operator<<(std::ostream& out, StatusCode code) {
  return out << StatusCodeName(code);
}
}  // namespace eventify

namespace eventify::testing {

inline const Timestamp kJobsStart = FromMicros(1'800'000'000'000'000);  // a whole hour

// Lease 5 minutes, backoff 10 s doubling up to an hour, 3 attempts, no schedules.
inline EngineOptions JobsEngineOptions(std::shared_ptr<spi::Storage> storage,
                                       std::shared_ptr<spi::Clock> clock) {
  EngineOptions options;
  options.secret_key = std::string(32, 's');
  options.storage = std::move(storage);
  options.mailer = std::make_shared<NullMailer>();
  options.media_store = spi::MakeFilesystemMediaStore("/nonexistent-media", "/media/");
  options.clock = std::move(clock);
  options.jobs.lease = std::chrono::minutes(5);
  options.jobs.backoff = std::chrono::seconds(10);
  options.jobs.max_attempts = 3;
  options.jobs.schedules.clear();
  return options;
}

inline std::unique_ptr<Engine> OpenJobsEngineOrFail(EngineOptions options) {
  auto opened = Engine::Open(std::move(options));
  BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
  return std::move(opened).value();
}

inline const Principal kAdmin{"admin-id", Role::kAdmin, "admin-session"};

inline Job GetJobOrFail(Jobs& jobs, const std::string& id) {
  auto job = jobs.GetJob(kAdmin, id);
  BOOST_REQUIRE_MESSAGE(job.ok(), job.status().ToString());
  return *job;
}

inline int RunDueOrFail(Jobs& jobs) {
  auto ran = jobs.RunDueJobs(16);
  BOOST_REQUIRE_MESSAGE(ran.ok(), ran.status().ToString());
  return *ran;
}

}  // namespace eventify::testing
