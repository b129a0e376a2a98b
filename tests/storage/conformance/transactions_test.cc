// Conformance: the transaction guarantees of spi/storage.h — atomicity and status passing,
// bounded retries on kAborted, read-only transactions, isolation under concurrency — and the
// stores a transaction hands out, through the public SPI only, on the storage the factory hook
// gives (storage_conformance.h).
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "conformance_helpers.h"
#include "eventify/spi/account_maintenance_store.h"
#include "eventify/spi/job_store.h"
#include "eventify/spi/storage.h"
#include "storage_conformance.h"

namespace eventify::testing {
namespace {

using spi::AccountRepository;
using spi::LockMode;
using spi::TransactionMode;

// ---- Transactions -------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_SUITE(transactions, FreshStorage)

// An area no storage serves.
struct UnknownStore {
  static constexpr spi::StoreArea kArea{"conformance.unknown"};
};

BOOST_AUTO_TEST_CASE(each_supported_area_is_handed_out_in_both_modes_and_no_other) {
  BOOST_TEST(!storage->Supports(UnknownStore::kArea));
  for (const TransactionMode mode : {TransactionMode::kReadOnly, TransactionMode::kReadWrite}) {
    bool ran = false;
    EXPECT_OK(storage->Run(mode, [&](spi::Transaction& tx) {
      ran = true;
      BOOST_TEST(tx.store<spi::AccountRepository>() != nullptr);
      BOOST_TEST(tx.store<spi::LedgerRepository>() != nullptr);
      BOOST_TEST(tx.store<spi::WalletRepository>() != nullptr);
      BOOST_TEST(tx.store<spi::JobStore>() != nullptr);
      BOOST_TEST(tx.store<spi::AccountMaintenanceStore>() != nullptr);
      BOOST_TEST(tx.store<UnknownStore>() == nullptr);
      return Status::Ok();
    }));
    BOOST_TEST(ran);
  }
}

BOOST_AUTO_TEST_CASE(failed_body_rolls_back_and_its_status_is_returned_unchanged) {
  const spi::UserRecord user = SampleUser(1);
  Status status = Write(*storage, [&](AccountRepository& accounts) {
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(user));
    EV_TEST_RETURN_IF_ERROR(accounts.InsertSession(SampleSession("s1", user.id)));
    return Status(StatusCode::kFailedPrecondition, "some_rule", "a rule said no", "some_field");
  });
  BOOST_TEST(status.code() == StatusCode::kFailedPrecondition);
  BOOST_TEST(status.reason() == "some_rule");
  BOOST_TEST(status.message() == "a rule said no");
  BOOST_TEST(status.field() == "some_field");

  BOOST_TEST(LoadUser(*storage, user.id).status().code() == StatusCode::kNotFound);
  Status lookup = Read(*storage, [&](AccountRepository& accounts) {
    return accounts.FindSession("s1", LockMode::kNone).status();
  });
  BOOST_TEST(lookup.code() == StatusCode::kNotFound);
}

BOOST_AUTO_TEST_CASE(a_throwing_body_rolls_back_and_reports_internal) {
  const spi::UserRecord user = SampleUser(1);
  Status status = Write(*storage, [&](AccountRepository& accounts) -> Status {
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(user));
    throw std::runtime_error("bug in a body");
  });
  BOOST_TEST(status.code() == StatusCode::kInternal);
  BOOST_TEST(LoadUser(*storage, user.id).status().code() == StatusCode::kNotFound);
}

BOOST_AUTO_TEST_CASE(aborted_bodies_are_retried_a_bounded_number_of_times) {
  int calls = 0;
  Status status = Write(*storage, [&](AccountRepository&) {
    ++calls;
    return Status(StatusCode::kAborted, "conflict", "try again");
  });
  BOOST_TEST(status.code() == StatusCode::kAborted);
  const int attempts = conformance::TraitsOfStorageUnderTest().run_attempts;
  if (attempts > 0) {
    BOOST_TEST(calls == attempts);
  } else {
    BOOST_TEST(calls >= 1);
  }
}

BOOST_AUTO_TEST_CASE(an_aborted_attempt_leaves_nothing_and_the_retry_commits) {
  const spi::UserRecord user = SampleUser(1);
  int calls = 0;
  Status status = Write(*storage, [&](AccountRepository& accounts) {
    ++calls;
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(user));
    if (calls == 1) return Status(StatusCode::kAborted, "conflict", "try again");
    return Status::Ok();
  });
  EXPECT_OK(status);
  BOOST_TEST(calls == 2);
  BOOST_TEST(LoadUser(*storage, user.id).ok());
}

BOOST_AUTO_TEST_CASE(writes_in_a_read_only_transaction_fail_and_leave_nothing) {
  const spi::UserRecord user = SampleUser(1);
  Status status =
      Read(*storage, [&](AccountRepository& accounts) { return accounts.InsertUser(user); });
  BOOST_TEST(!status.ok());
  BOOST_TEST(LoadUser(*storage, user.id).status().code() == StatusCode::kNotFound);
}

// Guarantee 2: rows read with kForUpdate can be re-read and updated without lost updates.
BOOST_AUTO_TEST_CASE(concurrent_read_modify_write_loses_no_update) {
  constexpr int kThreads = 8;
  constexpr int kIncrements = 50;
  spi::UserRecord counter = SampleUser(1);
  counter.full_name = "0";
  REQUIRE_OK(
      Write(*storage, [&](AccountRepository& accounts) { return accounts.InsertUser(counter); }));

  // Boost.Test assertions are not thread-safe: the threads only record, the test thread checks.
  std::atomic<int> failures{0};
  std::mutex first_failure_mutex;
  std::string first_failure;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        Status status = Write(*storage, [&](AccountRepository& accounts) -> Status {
          auto user = accounts.FindUserById(counter.id, LockMode::kForUpdate);
          if (!user.ok()) return user.status();
          user->full_name = std::to_string(std::stoi(user->full_name) + 1);
          return accounts.UpdateUser(*user);
        });
        if (!status.ok()) {
          ++failures;
          std::lock_guard lock(first_failure_mutex);
          if (first_failure.empty()) first_failure = status.ToString();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  BOOST_CHECK_MESSAGE(failures.load() == 0, failures.load() << " failed, first: " << first_failure);
  BOOST_TEST(LoadUser(*storage, counter.id)->full_name == std::to_string(kThreads * kIncrements));
}

// Guarantee 5: a reader is not blocked by an open write transaction and sees committed data.
BOOST_AUTO_TEST_CASE(a_reader_runs_while_a_writer_holds_its_transaction) {
  spi::UserRecord user = SampleUser(1);
  REQUIRE_OK(
      Write(*storage, [&](AccountRepository& accounts) { return accounts.InsertUser(user); }));

  std::promise<void> written;
  std::promise<void> reader_done;
  std::future<void> reader_finished = reader_done.get_future();
  Status writer_status;
  bool reader_finished_in_time = false;
  std::thread writer([&] {
    writer_status = Write(*storage, [&](AccountRepository& accounts) {
      auto locked = accounts.FindUserById(user.id, LockMode::kForUpdate);
      if (!locked.ok()) return locked.status();
      locked->full_name = "Uncommitted";
      Status updated = accounts.UpdateUser(*locked);
      written.set_value();
      // Hold the transaction open until the reader is done (or clearly blocked).
      reader_finished_in_time =
          reader_finished.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
      return updated;
    });
  });

  written.get_future().wait();
  Result<spi::UserRecord> seen = LoadUser(*storage, user.id);
  reader_done.set_value();
  writer.join();
  BOOST_CHECK_MESSAGE(reader_finished_in_time, "the reader was blocked by the writer");
  BOOST_CHECK_MESSAGE(writer_status.ok(), writer_status.ToString());
  BOOST_REQUIRE(seen.ok());
  BOOST_TEST(seen->full_name == user.full_name);
  BOOST_TEST(LoadUser(*storage, user.id)->full_name == "Uncommitted");
}

// Guarantee 5: a read-only transaction sees one snapshot, even across a concurrent commit.
BOOST_AUTO_TEST_CASE(a_read_only_transaction_sees_one_snapshot) {
  spi::UserRecord user = SampleUser(1);
  REQUIRE_OK(
      Write(*storage, [&](AccountRepository& accounts) { return accounts.InsertUser(user); }));

  std::string first_read;
  std::string second_read;
  Status written;
  Status status = Read(*storage, [&](AccountRepository& accounts) -> Status {
    auto before = accounts.FindUserById(user.id, LockMode::kNone);
    if (!before.ok()) return before.status();
    first_read = before->full_name;
    std::thread writer([&] {
      spi::UserRecord changed = user;
      changed.full_name = "Changed";
      written = Write(*storage, [&](AccountRepository& writer_accounts) {
        return writer_accounts.UpdateUser(changed);
      });
    });
    writer.join();
    auto after = accounts.FindUserById(user.id, LockMode::kNone);
    if (!after.ok()) return after.status();
    second_read = after->full_name;
    return Status::Ok();
  });
  EXPECT_OK(status);
  BOOST_CHECK_MESSAGE(written.ok(), written.ToString());
  BOOST_TEST(first_read == user.full_name);
  BOOST_TEST(second_read == user.full_name);
  BOOST_TEST(LoadUser(*storage, user.id)->full_name == "Changed");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
