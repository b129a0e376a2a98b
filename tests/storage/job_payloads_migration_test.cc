// Migration 16 on the bundled SOCI storage: the jobs of a version 15 database keep their payloads,
// which move to job_payloads (docs/jobs.md), and the due and lease indexes still find the jobs
// they serve. Runs on the backend EVENTIFY_TEST_BACKEND selects.
#include <soci/soci.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "eventify/jobs.h"
#include "eventify/spi/job_store.h"
#include "eventify/spi/storage.h"
#include "storage/fixtures.h"
#include "storage/raw_session.h"
#include "storage/soci/migrations.h"

namespace eventify::testing {

BOOST_AUTO_TEST_CASE(migration_16_moves_the_payloads_of_a_version_15_database_to_job_payloads) {
  const std::string url = FreshDatabaseUrl();
  const std::string queued = "00000000-0000-7000-8000-000000000001";
  const std::string running = "00000000-0000-7000-8000-000000000002";
  const std::string done = "00000000-0000-7000-8000-000000000003";
  const std::string sealed = "sealed:v1:" + std::string(1400, 'x');
  {
    auto sql = RawSession(url);
    const auto dialect =
        TestBackend() == "postgresql" ? storage::Dialect::kPostgresql : storage::Dialect::kSqlite;
    auto migrated = storage::Migrate(*sql, dialect, /*up_to=*/15);
    BOOST_REQUIRE_MESSAGE(migrated.ok() && *migrated == 15, migrated.status().ToString());
    const std::string columns =
        "INSERT INTO jobs (id, kind, payload, status, run_at, attempts, max_attempts, last_error,"
        " locked_by, locked_until, unique_key, created_at, updated_at) VALUES ";
    *sql << columns + "('" + queued + "', 'mail.send', '" + sealed +
                "', 'queued', 10, 0, 30, '', '', NULL, NULL, 1, 1)";
    *sql << columns + "('" + running + "', 'test.kind', '{\"n\":2}', 'running', 5, 1, 5, '',"
                " 'worker-gone', 20, 'test.kind@5', 1, 2)";
    *sql << columns + "('" + done + "', 'test.kind', '', 'succeeded', 1, 1, 5, '', '', NULL, NULL,"
                " 1, 3)";
  }
  spi::SociStorageOptions options;
  options.url = url;
  auto upgraded = OpenStorageOrFail(options);
  BOOST_TEST(upgraded->schema_version() == storage::NewestSchemaVersion());
  REQUIRE_OK(upgraded->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<spi::JobStore>();
    const std::vector<std::pair<std::string, std::string>> payloads = {
        {queued, sealed}, {running, "{\"n\":2}"}, {done, ""}};
    for (const auto& [id, payload] : payloads) {
      auto found = store->FindJob(id, spi::LockMode::kNone);
      BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
      BOOST_TEST(found->payload == payload);
    }
    // Due at 20: the queued job, and the running one whose lease ran out, oldest run_at first.
    auto due = store->LockDueJobs(FromMicros(20), 10);
    BOOST_REQUIRE_MESSAGE(due.ok(), due.status().ToString());
    BOOST_REQUIRE(due->size() == 2u);
    BOOST_TEST(due->at(0).id == running);
    BOOST_TEST(due->at(1).id == queued);
    BOOST_TEST(due->at(1).payload == sealed);
    return Status::Ok();
  }));
  auto sql = RawSession(url);
  long long moved = 0;
  *sql << "SELECT COUNT(*) FROM job_payloads", soci::into(moved);
  BOOST_TEST(moved == 3);
  std::string name;
  *sql << "SELECT name FROM schema_migrations WHERE version = 16", soci::into(name);
  BOOST_TEST(name == "job payloads");
  BOOST_CHECK_THROW(*sql << "SELECT payload FROM jobs", soci::soci_error);
}

}  // namespace eventify::testing
