// What the benchmarks of eventify-bench share: an engine on a real database, a temporary media
// folder, percentiles, error tallies and a watchdog that ends a hung run.
//
// Thread-safety: as each type says; the free functions are thread-safe.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <system_error>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "eventify/engine.h"

namespace eventify::bench {

using SteadyClock = std::chrono::steady_clock;

// Delivers nowhere and counts what it was handed, so that a benchmark can tell whether the
// mail outbox kept up with the commits that wrote it.
class NoopMailer final : public spi::Mailer {
 public:
  Status Send(const spi::MailMessage&) override {
    sent_.fetch_add(1, std::memory_order_relaxed);
    return Status::Ok();
  }
  std::int64_t sent() const { return sent_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> sent_{0};
};

// A temporary directory removed when this object goes away.
class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "eventify-bench-media-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDirectory() {
    if (path_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;

  const std::string& path() const { return path_; }  // empty if it could not be created

 private:
  std::string path_;
};

struct ErrorTally {
  std::int64_t count = 0;
  std::string first;  // Status::ToString() of the first occurrence
};

// Times the callers read; written before the start latch opens.
struct Schedule {
  SteadyClock::time_point measure_from;
  SteadyClock::time_point until;
};

inline std::string RandomHex(int digits) {
  std::random_device device;
  std::uniform_int_distribution<int> nibble(0, 15);
  std::string out;
  for (int i = 0; i < digits; ++i) out += "0123456789abcdef"[nibble(device)];
  return out;
}

inline double Millis(std::int64_t nanos) { return static_cast<double>(nanos) / 1e6; }

// Nearest-rank percentile of sorted values; 0 when there are none.
inline std::int64_t Percentile(const std::vector<std::int64_t>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

// Ends the process if the run overstays its schedule by far (a hung database call), so that a
// benchmark script never waits forever.
class Watchdog {
 public:
  explicit Watchdog(SteadyClock::time_point deadline)
      : thread_([this, deadline] {
          std::unique_lock lock(mutex_);
          if (!done_cv_.wait_until(lock, deadline, [this] { return done_; })) {
            std::fprintf(stderr, "# watchdog: the callers did not stop in time; giving up\n");
            std::fflush(stdout);
            std::_Exit(2);
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};


// What one caller saw. Aligned so that callers do not share cache lines.
struct alignas(64) CallerResult {
  // Every successful call that ended after the warm-up, including the calls still in flight when
  // the time was up: a caller kept waiting through the whole run shows up here.
  std::vector<std::int64_t> latencies_ns;
  std::int64_t window_ops = 0;         // successful calls that ended inside the measured window
  std::int64_t expected_failures = 0;  // of the reason the run expects (insufficient_funds...)
  std::map<std::string, ErrorTally> errors;  // every other failure, by reason
  SteadyClock::time_point last_end{};        // end of this caller's last call

  // Counts one call that ran from `begin` to `end` and answered `status`.
  void Record(const Status& status, SteadyClock::time_point begin, SteadyClock::time_point end,
              const Schedule& schedule, std::string_view expected_reason);
};

// The callers' results together.
struct RunSummary {
  std::vector<std::int64_t> latencies_ns;  // sorted
  std::int64_t ops = 0;                    // successful calls inside the window
  std::int64_t expected_failures = 0;
  std::int64_t errors = 0;
  std::map<std::string, ErrorTally> all_errors;
  std::int64_t slowest = 0;  // ops of the caller that completed fewest
  std::int64_t fastest = 0;
  int idle = 0;              // callers that completed nothing in the window
  double elapsed = 0;        // seconds: the window, or less when a cap stopped every caller

  std::int64_t Percentile(double fraction) const {
    return bench::Percentile(latencies_ns, fraction);
  }
  std::int64_t max() const { return latencies_ns.empty() ? 0 : latencies_ns.back(); }
  // "# error REASON xN, first: ..." lines.
  void PrintErrors() const;
};

// Folds the callers' results (emptying their latency lists); `seconds` is the window's length.
RunSummary Summarize(std::vector<CallerResult>& results, const Schedule& schedule,
                     double seconds);

// One caller's call number `seq` (0, 1, ...): what the benchmark measures.
using CallerThread = std::function<Status(std::int64_t seq)>;

// Runs `callers` callers on threads of their own, each in a closed loop of calls made by
// `make_caller(c)` (called on the caller's thread before the start), through `warmup_seconds`
// of unmeasured load and `seconds` measured, or until `max_calls` were attempted in all. A
// watchdog ends the process if they overstay by far. Fills `results` (one per caller) and
// `schedule`. Returns false, having printed why, when a thread could not be started.
bool RunCallers(int callers, double warmup_seconds, double seconds, std::int64_t max_calls,
                std::string_view expected_reason, std::vector<CallerResult>& results,
                Schedule& schedule, const std::function<CallerThread(int caller)>& make_caller);

// "# pipeline: N transactions, M operations each on average" between two EngineStats: how many
// operations shared a commit. Returns the operations.
std::uint64_t PrintPipeline(const EngineStats& before, const EngineStats& after);

// CPU time (user + system) of each thread of this process, by thread id, from /proc (empty
// where /proc is missing). Two snapshots around a run tell which thread the run kept busiest.
using ThreadCpu = std::map<long, double>;  // thread id -> seconds
ThreadCpu SnapshotThreadCpu();
// "# cpu: busiest thread X ms (Y us per OP), all threads Z us per OP" for `ops` operations
// between the two snapshots; nothing when /proc gave nothing.
void PrintThreadCpu(const ThreadCpu& before, const ThreadCpu& after, std::int64_t ops,
                    const char* op);

// The ledger audit after a run.
struct AuditOutcome {
  std::string word;  // "clean", "discrepancies:N" or "failed"
  bool clean = false;
  std::string details;  // "# audit..." lines
  void PrintDetails() const;
};
AuditOutcome RunAudit(Ledger& ledger);

// A user wallet of the platform currency (INR).
AccountRef WalletOf(const std::string& owner);

// Credits `amount` to every owner's wallet from the gateway clearing account, with `threads`
// callers at once; keys start with `key_prefix`. Returns the first failure.
Status FundWallets(Ledger& ledger, const std::vector<std::string>& owners,
                   const std::string& key_prefix, int threads, std::int64_t amount);

// Gives every user an account (verified e-mail address "<id>@bench.invalid", the role of the
// principal, `password_hash`: "!" matches no password), written straight through the storage
// in transactions of 500. Names are `name_prefix` and the index.
Status AddBenchUsers(spi::Storage& storage, const std::vector<Principal>& users,
                     const std::string& password_hash, const std::string& name_prefix);

// An engine on a real database, with the temporary media folder it writes to.
struct BenchEngine {
  TempDirectory media;
  int pool_size = 0;  // database connections
  std::shared_ptr<NoopMailer> mailer;  // the engine's
  std::unique_ptr<Engine> engine;
};

// Opens the storage at `database_url` with `pool_size` connections (0: min(callers, 64) on
// PostgreSQL, min(callers, 4) on SQLite) and an engine on it (the system clock, a no-op mailer);
// `writers` 0 is the storage's choice; `job_workers` threads run the engine's jobs (the mail
// outbox delivering to the no-op mailer), none by default. Prints the failure on stderr and
// returns nullptr when anything cannot be opened.
// `password_hash_cost` is the engine's (kMinimum where a benchmark signs many users in);
// `secret_key` signs its tokens (empty: a random one; eventify-load passes the server's).
std::unique_ptr<BenchEngine> OpenBenchEngine(
    const std::string& database_url, int callers, int pool_size, int writers, int job_workers = 0,
    PasswordHashCost password_hash_cost = PasswordHashCost::kInteractive,
    const std::string& secret_key = "");

}  // namespace eventify::bench
