#include "ledger_bench.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "caller_threads.h"
#include "eventify/backends/soci.h"
#include "eventify/engine.h"

namespace eventify::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr char kCurrency[] = "INR";
// Enough that no wallet runs dry: even the hot wallet pays at most
// max_transfers * kMaxTransferAmount = 5 * 10^10 in a default run.
constexpr std::int64_t kFunding = 1'000'000'000'000;
constexpr std::int64_t kMaxTransferAmount = 10'000;
constexpr int kMaxDiscrepanciesShown = 10;

class NoopMailer final : public spi::Mailer {
 public:
  Status Send(const spi::MailMessage&) override { return Status::Ok(); }
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

// What one caller saw. Aligned so that callers do not share cache lines.
struct alignas(64) CallerResult {
  // Every successful call that ended after the warm-up, including the calls still in flight when
  // the time was up: a caller kept waiting through the whole run shows up here.
  std::vector<std::int64_t> latencies_ns;
  std::int64_t window_ops = 0;          // successful calls that ended inside the measured window
  std::int64_t insufficient_funds = 0;  // failures in the warm-up, the window and the drain
  std::map<std::string, ErrorTally> errors;  // every other failure, by reason
  SteadyClock::time_point last_end{};        // end of this caller's last call
};

// Times the callers read; written before the start latch opens.
struct Schedule {
  SteadyClock::time_point measure_from;
  SteadyClock::time_point until;
};

AccountRef WalletOf(const std::string& owner) {
  return AccountRef{AccountKind::kUserWallet, owner, kCurrency};
}

std::string RandomHex(int digits) {
  std::random_device device;
  std::uniform_int_distribution<int> nibble(0, 15);
  std::string out;
  for (int i = 0; i < digits; ++i) out += "0123456789abcdef"[nibble(device)];
  return out;
}

// Credits every wallet from the gateway clearing account with `threads` callers at once.
Status FundWallets(Ledger& ledger, const std::vector<std::string>& owners,
                   const std::string& key_prefix, int threads) {
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  Status failure;
  CallerThreads group;
  for (int t = 0; t < threads; ++t) {
    std::string started = group.Start([&] {
      for (;;) {
        const std::size_t i = next.fetch_add(1);
        if (i >= owners.size()) return;
        TransferRequest request;
        request.idempotency_key = key_prefix + "fund-" + std::to_string(i);
        request.kind = TransferKind::kCredit;
        request.from = AccountRef{AccountKind::kGatewayClearing, "", kCurrency};
        request.to = WalletOf(owners[i]);
        request.amount = Money{kFunding, kCurrency};
        request.reference = "eventify-bench funding";
        Result<Transfer> funded = ledger.CreateTransfer(request);
        if (!funded.ok()) {
          std::lock_guard lock(mutex);
          if (failure.ok()) failure = funded.status();
          next = owners.size();  // stop the others too
          return;
        }
      }
    });
    if (!started.empty()) {
      next = owners.size();
      group.Join();
      return Internal("cannot start a funding thread: " + started);
    }
  }
  group.Join();
  return failure;
}

double Millis(std::int64_t nanos) { return static_cast<double>(nanos) / 1e6; }

// Nearest-rank percentile of sorted values; 0 when there are none.
std::int64_t Percentile(const std::vector<std::int64_t>& sorted, double fraction) {
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

}  // namespace

int RunLedgerBench(const LedgerBenchOptions& options) {
  const bool sqlite = options.database_url.rfind("sqlite:", 0) == 0;
  const int pool_size =
      options.pool_size > 0 ? options.pool_size : std::min(options.callers, sqlite ? 4 : 64);

  TempDirectory media;
  if (media.path().empty()) {
    std::fprintf(stderr, "eventify-bench: cannot create a temporary media directory\n");
    return 2;
  }

  Result<std::shared_ptr<spi::Storage>> storage =
      spi::OpenSociStorage({.url = options.database_url, .pool_size = pool_size});
  if (!storage.ok()) {
    std::fprintf(stderr, "eventify-bench: cannot open the database: %s\n",
                 storage.status().ToString().c_str());
    return 2;
  }
  EngineOptions engine_options;
  engine_options.secret_key = RandomHex(64);
  engine_options.storage = std::move(storage).value();
  engine_options.commit.writers = options.writers;
  engine_options.mailer = std::make_shared<NoopMailer>();
  engine_options.media_store = spi::MakeFilesystemMediaStore(media.path(), "/media/");
  engine_options.clock = std::make_shared<spi::SystemClock>();
  engine_options.currency = kCurrency;
  Result<std::unique_ptr<Engine>> opened = Engine::Open(std::move(engine_options));
  if (!opened.ok()) {
    std::fprintf(stderr, "eventify-bench: cannot open the engine: %s\n",
                 opened.status().ToString().c_str());
    return 2;
  }
  std::unique_ptr<Engine> engine = std::move(opened).value();
  Ledger& ledger = engine->ledger();
  const std::string backend(engine->storage().backend_name());

  // Keys and owners are unique per run, so that runs may share a database.
  const std::string run_id = RandomHex(8);
  const std::string key_prefix = "bench-" + run_id + "-";
  std::vector<std::string> owners;
  owners.reserve(options.wallets);
  for (int i = 0; i < options.wallets; ++i) {
    owners.push_back("bench-" + run_id + "-w" + std::to_string(i));
  }

  const auto setup_start = SteadyClock::now();
  if (Status funded = FundWallets(ledger, owners, key_prefix, std::clamp(pool_size, 1, 8));
      !funded.ok()) {
    std::fprintf(stderr, "eventify-bench: funding the wallets failed: %s\n",
                 funded.ToString().c_str());
    return 2;
  }
  std::printf("# setup: backend=%s pool=%d funded %d wallets in %.1f s\n", backend.c_str(),
              pool_size, options.wallets,
              std::chrono::duration<double>(SteadyClock::now() - setup_start).count());
  std::fflush(stdout);

  // ---- The run -------------------------------------------------------------------------------
  std::vector<CallerResult> results(options.callers);
  std::atomic<std::int64_t> attempted{0};
  Schedule schedule;
  std::latch go(1);
  CallerThreads callers;
  for (int c = 0; c < options.callers; ++c) {
    std::string started = callers.Start([&, c] {
      CallerResult& mine = results[c];
      std::mt19937_64 random(std::random_device{}() ^ (static_cast<std::uint64_t>(c) << 32));
      std::uniform_int_distribution<int> any_wallet(0, options.wallets - 1);
      std::uniform_int_distribution<int> other_wallet(0, options.wallets - 2);
      std::uniform_int_distribution<std::int64_t> amount(1, kMaxTransferAmount);
      const std::string caller_prefix = key_prefix + "c" + std::to_string(c) + "-";
      TransferRequest request;
      request.kind = TransferKind::kDebit;
      request.reference = "eventify-bench";
      go.wait();
      for (std::int64_t seq = 0;; ++seq) {
        const auto begin = SteadyClock::now();
        if (begin >= schedule.until) break;
        if (attempted.fetch_add(1, std::memory_order_relaxed) >= options.max_transfers) break;

        const int from = options.hot ? 0 : any_wallet(random);
        int to = other_wallet(random);
        if (to >= from) ++to;  // any wallet but `from`
        request.idempotency_key = caller_prefix + std::to_string(seq);
        request.from = WalletOf(owners[from]);
        request.to = WalletOf(owners[to]);
        request.amount = Money{amount(random), kCurrency};

        Result<Transfer> transfer = ledger.CreateTransfer(request);
        const auto end = SteadyClock::now();
        mine.last_end = end;
        if (!transfer.ok()) {
          const Status& status = transfer.status();
          if (status.reason() == "insufficient_funds") {
            ++mine.insufficient_funds;
          } else {
            ErrorTally& tally = mine.errors[std::string(status.reason())];
            if (tally.count++ == 0) tally.first = status.ToString();
          }
          continue;
        }
        if (end >= schedule.measure_from) {
          mine.latencies_ns.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(end - begin).count());
          if (end < schedule.until) ++mine.window_ops;
        }
      }
    });
    if (!started.empty()) {
      std::fprintf(stderr, "eventify-bench: cannot start caller %d: %s\n", c, started.c_str());
      schedule.until = SteadyClock::now();  // the started callers stop at once
      go.count_down();
      callers.Join();
      return 2;
    }
  }

  const auto warmup = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(options.warmup_seconds));
  const auto measured = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(options.seconds));
  schedule.measure_from = SteadyClock::now() + warmup;
  schedule.until = schedule.measure_from + measured;
  {
    Watchdog watchdog(schedule.until +
                      std::max<SteadyClock::duration>(measured, std::chrono::seconds(60)));
    go.count_down();
    callers.Join();
  }

  // ---- Results -------------------------------------------------------------------------------
  std::vector<std::int64_t> latencies;
  std::int64_t insufficient = 0;
  std::int64_t errors = 0;
  std::map<std::string, ErrorTally> all_errors;
  std::int64_t slowest = -1;
  std::int64_t fastest = 0;
  int idle = 0;
  std::int64_t transfers = 0;
  SteadyClock::time_point last_end = schedule.measure_from;
  for (CallerResult& result : results) {
    const std::int64_t ops = result.window_ops;
    transfers += ops;
    slowest = slowest < 0 ? ops : std::min(slowest, ops);
    fastest = std::max(fastest, ops);
    if (ops == 0) ++idle;
    latencies.insert(latencies.end(), result.latencies_ns.begin(), result.latencies_ns.end());
    insufficient += result.insufficient_funds;
    for (auto& [reason, tally] : result.errors) {
      errors += tally.count;
      ErrorTally& total = all_errors[reason];
      if (total.count == 0) total.first = tally.first;
      total.count += tally.count;
    }
    last_end = std::max(last_end, result.last_end);
    std::vector<std::int64_t>().swap(result.latencies_ns);
  }
  std::sort(latencies.begin(), latencies.end());
  // The window, or less when the transfer cap stopped every caller early.
  double elapsed =
      std::chrono::duration<double>(std::min(last_end, schedule.until) - schedule.measure_from)
          .count();
  if (elapsed <= 0) elapsed = options.seconds;

  auto report = ledger.Audit();
  std::string audit;
  bool clean = false;
  if (!report.ok()) {
    audit = "failed";
  } else if (report->clean()) {
    audit = "clean";
    clean = true;
  } else {
    audit = "discrepancies:" + std::to_string(report->discrepancies.size());
  }

  std::printf(
      "ledger backend=%s callers=%d mode=%s pool=%d writers=%d seconds=%.2f transfers=%lld "
      "tps=%.1f "
      "p50_ms=%.3f p99_ms=%.3f max_ms=%.1f errors=%lld insufficient_funds=%lld "
      "slowest_caller_ops=%lld fastest_caller_ops=%lld idle_callers=%d audit=%s\n",
      backend.c_str(), options.callers, options.hot ? "hot" : "random", pool_size,
      options.writers > 0 ? options.writers : engine->storage().parallel_writers(), elapsed,
      static_cast<long long>(transfers), static_cast<double>(transfers) / elapsed,
      Millis(Percentile(latencies, 0.50)), Millis(Percentile(latencies, 0.99)),
      Millis(latencies.empty() ? 0 : latencies.back()), static_cast<long long>(errors),
      static_cast<long long>(insufficient), static_cast<long long>(slowest),
      static_cast<long long>(fastest), idle, audit.c_str());
  for (const auto& [reason, tally] : all_errors) {
    std::printf("# error %s x%lld, first: %s\n", reason.c_str(),
                static_cast<long long>(tally.count), tally.first.c_str());
  }
  if (!report.ok()) {
    std::printf("# audit failed: %s\n", report.status().ToString().c_str());
  } else {
    const auto& lines = report->discrepancies;
    for (std::size_t i = 0; i < lines.size() && i < kMaxDiscrepanciesShown; ++i) {
      std::printf("# audit: %s\n", lines[i].c_str());
    }
    std::printf("# audit checked %lld accounts and %lld transfers\n",
                static_cast<long long>(report->accounts_checked),
                static_cast<long long>(report->transfers_checked));
  }
  if (idle > 0) std::printf("# %d of %d callers completed no transfer\n", idle, options.callers);
  std::fflush(stdout);
  return clean && idle == 0 ? 0 : 1;
}

}  // namespace eventify::bench
