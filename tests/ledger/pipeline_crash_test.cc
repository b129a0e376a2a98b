// A process killed in the middle of the commit pipeline's batches leaves nothing half-applied,
// and loses nothing it acknowledged, on the backend chosen by EVENTIFY_TEST_BACKEND.
//
// The test forks a child that opens its own engine on a database the parent created, and has 16
// threads make transfers (posted and pending, with retries) as fast as they can, reporting each
// acknowledged transfer over a pipe. Once the child has made progress the parent lets it run a
// random 50–300 ms more and SIGKILLs it; then it opens an engine on the same database and checks
// that the audit is clean (every posted transfer has exactly its two entries, every cached
// balance and hold matches the entries and pending transfers, every currency sums to zero) and
// that every acknowledged transfer is there with the status it was acknowledged with. Three
// kills, on the same database, each child continuing with new keys.
//
// Its own executable: fork() is only safe while the process has a single thread, which a test
// program running other suites (engines and their writer threads) could not promise.
#define BOOST_TEST_MODULE pipeline_crash
#include <boost/test/unit_test.hpp>

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "eventify/backends/soci.h"
#include "eventify/engine.h"
#include "ledger/pipeline_support.h"
#include "support/test_storage.h"

using namespace eventify;
using namespace eventify::testing;
using namespace std::chrono_literals;

namespace {

constexpr int kWallets = 16;
constexpr int kThreads = 16;
constexpr std::size_t kProgress = 300;  // acknowledged transfers before the kill is armed
constexpr int kRounds = 3;

// ---- The child ---------------------------------------------------------------------------------

// One line to the parent. Lines are far below PIPE_BUF, so each write is atomic even with 16
// threads writing.
void Report(int fd, const std::string& line) {
  const std::string text = line + "\n";
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(4);  // the parent is gone
    written += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void Fail(int fd, const std::string& why) {
  Report(fd, "E " + why);
  ::_exit(3);
}

// Acknowledges a transfer: "P <id>" when posted, "H <id>" when pending (held).
void Acknowledge(int fd, const Transfer& transfer) {
  Report(fd, (transfer.status == TransferStatus::kPosted ? "P " : "H ") + transfer.id);
}

void Work(Ledger& ledger, int round, int thread, int fd) {
  std::mt19937_64 random(std::random_device{}() ^ (static_cast<std::uint64_t>(round) << 32) ^
                         static_cast<std::uint64_t>(thread));
  std::uniform_int_distribution<int> wallet(0, kWallets - 1);
  std::uniform_int_distribution<std::int64_t> amount(1, 20'000);
  std::uniform_int_distribution<int> percent(0, 99);
  std::optional<std::pair<TransferRequest, std::string>> last;  // a succeeded request and its id
  for (long i = 0;; ++i) {
    if (last && percent(random) < 5) {
      // An exact retry: the original transfer, moved once.
      auto again = ledger.CreateTransfer(last->first);
      if (!again.ok() || again->id != last->second) {
        Fail(fd, "retry of " + last->first.idempotency_key + " answered " +
                     (again.ok() ? "another transfer " + again->id : again.status().ToString()));
      }
      continue;
    }
    const int from = wallet(random);
    const int roll = percent(random);
    const AccountRef to = roll < 10 ? Revenue()
                                    : Wallet("w" + std::to_string((from + 1 + wallet(random) %
                                                                              (kWallets - 1)) %
                                                                  kWallets));
    TransferRequest request =
        Move("r" + std::to_string(round) + "-t" + std::to_string(thread) + "-" + std::to_string(i),
             Wallet("w" + std::to_string(from)), to, amount(random));
    request.pending = roll >= 90;
    auto result = ledger.CreateTransfer(request);
    if (result.ok()) {
      Acknowledge(fd, *result);
      last.emplace(std::move(request), result->id);
    } else if (result.status().reason() != "insufficient_funds") {
      Fail(fd, request.idempotency_key + ": " + result.status().ToString());
    }
  }
}

[[noreturn]] void ChildMain(const std::string& url, int round, int fd) {
  // The parent's Boost.Test handlers would jump back into this copy of the test runner.
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS, SIGALRM}) {
    ::signal(sig, SIG_DFL);
  }
  auto storage = spi::OpenSociStorage({.url = url});
  if (!storage.ok()) Fail(fd, "OpenSociStorage: " + storage.status().ToString());
  EngineOptions options = PipelineEngineOptions();
  options.storage = *storage;
  auto opened = Engine::Open(std::move(options));
  if (!opened.ok()) Fail(fd, "Engine::Open: " + opened.status().ToString());
  Ledger& ledger = (*opened)->ledger();
  for (int w = 0; w < kWallets; ++w) {
    auto funded = ledger.CreateTransfer(Funding(
        "r" + std::to_string(round) + "-fund-" + std::to_string(w), "w" + std::to_string(w),
        1'000'000));
    if (!funded.ok()) Fail(fd, "funding: " + funded.status().ToString());
    Acknowledge(fd, *funded);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ledger, round, t, fd] { Work(ledger, round, t, fd); });
  }
  for (;;) ::pause();  // until SIGKILL
}

// ---- The parent --------------------------------------------------------------------------------

// What the child said: acknowledged transfers (id -> 'P' or 'H') and errors.
class ChildReports {
 public:
  explicit ChildReports(int fd) : fd_(fd) {}

  // Reads what arrives within `wait`; returns early once the pipe is closed.
  void ReadFor(std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (!closed_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      ReadSome(static_cast<int>(left.count()));
    }
  }
  // Reads until `done()` or the pipe closes; false if `limit` passed first (a hang guard).
  template <typename Done>
  bool ReadUntil(Done done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && !closed_) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      ReadSome(100);
    }
    return done();
  }
  void ReadToEnd() {
    while (!closed_) ReadSome(1000);
  }

  const std::map<std::string, char>& acknowledged() const { return acknowledged_; }
  const std::vector<std::string>& errors() const { return errors_; }
  bool closed() const { return closed_; }

 private:
  void ReadSome(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, timeout_ms);
    if (ready <= 0) return;
    char buffer[65536];
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) return;
    if (n <= 0) {
      closed_ = true;
      return;
    }
    partial_.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t end; (end = partial_.find('\n', start)) != std::string::npos;
         start = end + 1) {
      const std::string line = partial_.substr(start, end - start);
      if (line.size() > 2 && (line[0] == 'P' || line[0] == 'H') && line[1] == ' ') {
        acknowledged_[line.substr(2)] = line[0];
      } else {
        errors_.push_back(line);
      }
    }
    partial_.erase(0, start);  // a line cut by the kill stays partial and is ignored
  }

  const int fd_;
  bool closed_ = false;
  std::string partial_;
  std::map<std::string, char> acknowledged_;
  std::vector<std::string> errors_;
};

int ThreadCount() {
  int count = 0;
  if (DIR* dir = ::opendir("/proc/self/task")) {
    while (const dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    ::closedir(dir);
  }
  return count;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_writer_killed_in_the_middle_of_its_batches_leaves_nothing_half_applied) {
  // Created here, before any fork: each child opens its own connections to it.
  const std::string url = FreshDatabaseUrl();
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> extra_ms(50, 300);
  std::size_t transfers_before = 0;

  for (int round = 0; round < kRounds; ++round) {
    BOOST_REQUIRE_MESSAGE(ThreadCount() == 1, "fork needs a single-threaded process, this one has "
                                                  << ThreadCount() << " threads");
    int fds[2];
    BOOST_REQUIRE(::pipe(fds) == 0);
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    const pid_t child = ::fork();
    BOOST_REQUIRE_MESSAGE(child >= 0, "fork failed");
    if (child == 0) {
      ::close(fds[0]);
      ChildMain(url, round, fds[1]);
    }
    ::close(fds[1]);

    ChildReports reports(fds[0]);
    const bool progressed =
        reports.ReadUntil([&] { return reports.acknowledged().size() >= kProgress; }, 60s);
    const int extra = extra_ms(random);
    if (progressed) reports.ReadFor(std::chrono::milliseconds(extra));
    ::kill(child, SIGKILL);
    int wait_status = 0;
    BOOST_REQUIRE(::waitpid(child, &wait_status, 0) == child);
    reports.ReadToEnd();
    ::close(fds[0]);

    for (const auto& line : reports.errors()) BOOST_ERROR("round " << round << ", child: " << line);
    BOOST_REQUIRE_MESSAGE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL,
                          "round " << round << ": the child ended by itself (status "
                                   << wait_status << ")");
    BOOST_REQUIRE_MESSAGE(progressed, "round " << round << ": the child made no progress");
    BOOST_TEST_MESSAGE("round " << round << ": killed " << extra << " ms after progress, "
                                << reports.acknowledged().size() << " transfers acknowledged");

    {
      const std::unique_ptr<Engine> engine = OpenEngineOrFail(OpenStorageOrFail({.url = url}));
      Ledger& ledger = engine->ledger();

      const AuditReport report = ExpectCleanAudit(ledger, "round " + std::to_string(round));
      const std::vector<Transfer> transfers = AllTransfers(ledger);
      BOOST_TEST(report.transfers_checked == static_cast<std::int64_t>(transfers.size()));
      std::map<std::string, TransferStatus> stored;
      for (const Transfer& t : transfers) stored[t.id] = t.status;
      BOOST_TEST(stored.size() == transfers.size());

      // Nothing acknowledged was lost, and each is in the state it was acknowledged in (nobody
      // posts or voids the holds).
      int missing = 0, changed = 0;
      for (const auto& [id, kind] : reports.acknowledged()) {
        auto found = stored.find(id);
        if (found == stored.end()) {
          if (++missing <= 5) BOOST_ERROR("round " << round << ": acknowledged " << id << " is gone");
          continue;
        }
        const TransferStatus expected =
            kind == 'P' ? TransferStatus::kPosted : TransferStatus::kPending;
        if (found->second != expected && ++changed <= 5) {
          BOOST_ERROR("round " << round << ": " << id << " is " << found->second);
        }
      }
      BOOST_TEST(missing == 0);
      BOOST_TEST(changed == 0);
      BOOST_TEST(transfers.size() >= transfers_before + reports.acknowledged().size());
      BOOST_TEST_MESSAGE("round " << round << ": " << transfers.size() - transfers_before
                                  << " new transfers stored");
      transfers_before = transfers.size();

      // The database is usable: no lock or half-written state was left behind.
      auto after = ledger.CreateTransfer(
          Funding("after-kill-" + std::to_string(round), "w0", 1));
      BOOST_TEST(after.ok(), after.status().ToString());
      ++transfers_before;
      ExpectCleanAudit(ledger, "round " + std::to_string(round) + ", after a new transfer");
    }  // the engine's writer thread is joined here, before the next fork
  }
}
