// Support for the commit-pipeline suites (pipeline_test.cc, pipeline_crash_test.cc, compose_test.cc):
// engines on a given storage or URL, account names, whole-ledger listings, a way to tell that a
// thread has gone to sleep (blocked in CommitPipeline::Execute, say) without asking the code under
// test, a gate to hold a writer, and calls on threads of their own.
//
// Linux only: thread states are read from /proc/self/task/<tid>/stat.
// Thread-safety: ThreadState and WaitUntilAsleep may be called from any thread; the other helpers
// use Boost.Test assertions, so call them from the test's main thread.
#pragma once

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "eventify/engine.h"
#include "ledger/ledger_fixture.h"

namespace eventify::testing {

inline TransferRequest Funding(std::string key, const std::string& user, std::int64_t amount) {
  return Move(std::move(key), Clearing(), Wallet(user), amount, TransferKind::kCredit);
}

// Engine options for the ledger suites: a test secret, no mail, no media, the system clock.
inline EngineOptions PipelineEngineOptions() {
  EngineOptions options;
  options.secret_key = std::string(32, 's');
  options.mailer = std::make_shared<NullMailer>();
  options.media_store = spi::MakeFilesystemMediaStore("/nonexistent-media", "/media/");
  return options;
}

inline std::unique_ptr<Engine> OpenEngineOrFail(std::shared_ptr<spi::Storage> storage,
                                                CommitOptions commit = {}) {
  EngineOptions options = PipelineEngineOptions();
  options.storage = std::move(storage);
  options.commit = commit;
  auto opened = Engine::Open(std::move(options));
  BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
  return std::move(opened).value();
}

inline std::int64_t PostedBalance(Ledger& ledger, const AccountRef& ref) {
  auto balance = ledger.GetBalance(ref);
  BOOST_REQUIRE_MESSAGE(balance.ok(), balance.status().ToString());
  return balance->posted;
}

// Audits and fails the test with every discrepancy; returns the report.
inline AuditReport ExpectCleanAudit(Ledger& ledger, const std::string& who = "") {
  auto report = ledger.Audit();
  BOOST_REQUIRE_MESSAGE(report.ok(), who << " audit: " << report.status().ToString());
  for (const auto& line : report->discrepancies) BOOST_ERROR(who << " audit: " << line);
  return *report;
}

// Every transfer of the ledger, newest first.
inline std::vector<Transfer> AllTransfers(Ledger& ledger) {
  std::vector<Transfer> all;
  TransferQuery query;
  query.limit = 100;
  for (;;) {
    auto page = ledger.ListTransfers(query);
    BOOST_REQUIRE_MESSAGE(page.ok(), page.status().ToString());
    all.insert(all.end(), page->items.begin(), page->items.end());
    if (page->next_cursor.empty()) return all;
    query.cursor = page->next_cursor;
  }
}

// The scheduler state of thread `tid` of this process ('R' running, 'S' sleeping, ...), or '?'.
// Reads /proc without allocating, so that the caller never contends with the observed threads
// for the allocator's locks.
inline char ThreadState(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", static_cast<int>(tid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return '?';
  char buffer[512];
  const ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
  ::close(fd);
  if (n <= 0) return '?';
  buffer[n] = '\0';
  const char* paren = std::strrchr(buffer, ')');  // the name may contain anything but ends here
  if (paren == nullptr || paren[1] != ' ' || paren[2] == '\0') return '?';
  return paren[2];
}

// Waits until every thread of `tids` is asleep, and still is a moment later (a thread passing
// through a briefly contended lock sleeps too, but not for long). Returns false if that did not
// happen within `limit`: a guard against hanging, not a measure of speed.
inline bool WaitUntilAsleep(std::span<const pid_t> tids,
                            std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto all_asleep = [&] {
    for (pid_t tid : tids) {
      if (ThreadState(tid) != 'S') return false;
    }
    return true;
  };
  while (std::chrono::steady_clock::now() < deadline) {
    if (all_asleep()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (all_asleep()) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

// A one-shot barrier that a thread waits at until the test opens it; the test can wait until
// some thread is waiting there. Opening twice is harmless.
class Gate {
 public:
  void Hold() {
    std::unique_lock lock(mu_);
    holding_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  bool WaitUntilHolding(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return holding_; });
  }
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool holding_ = false;
  bool open_ = false;
};

// One call (typically CommitPipeline::Execute) on its own thread.
class AsyncCall {
 public:
  explicit AsyncCall(std::function<Status()> call)
      : thread_([this, call = std::move(call)] {
          tid_.store(::gettid());
          status_ = call();
          done_.store(true);
        }) {}
  ~AsyncCall() {
    if (thread_.joinable()) thread_.join();
  }

  // Waits until the call sleeps inside Execute: queued, since nothing else can block it.
  void WaitUntilQueued() {
    while (tid_.load() == 0) std::this_thread::yield();
    const pid_t tid = tid_.load();
    BOOST_REQUIRE_MESSAGE(WaitUntilAsleep(std::span<const pid_t>(&tid, 1)) && !done_.load(),
                          "a call did not wait in the pipeline's queue");
  }
  // Whether the call has returned.
  bool Done() const { return done_.load(); }
  // The call's outcome. A call still waiting after `limit` fails the test and is abandoned (its
  // thread detached, blocked on its own stack) rather than hanging the program.
  Status Join(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done_.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!done_.load()) {
      thread_.detach();
      return Internal("Execute never returned");
    }
    thread_.join();
    return status_;
  }

 private:
  std::atomic<pid_t> tid_{0};
  std::atomic<bool> done_{false};
  Status status_;
  std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace eventify::testing
