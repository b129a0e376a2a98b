#include "bench_support.h"

#include <algorithm>
#include <atomic>
#include <latch>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <mutex>
#include <utility>

#include "caller_threads.h"
#include "eventify/backends/soci.h"

namespace eventify::bench {

AccountRef WalletOf(const std::string& owner) {
  return AccountRef{AccountKind::kUserWallet, owner, "INR"};
}

// Credits every wallet from the gateway clearing account with `threads` callers at once.
Status FundWallets(Ledger& ledger, const std::vector<std::string>& owners,
                   const std::string& key_prefix, int threads, std::int64_t amount) {
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
        request.from = AccountRef{AccountKind::kGatewayClearing, "", "INR"};
        request.to = WalletOf(owners[i]);
        request.amount = Money{amount, "INR"};
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


void CallerResult::Record(const Status& status, SteadyClock::time_point begin,
                          SteadyClock::time_point end, const Schedule& schedule,
                          std::string_view expected_reason) {
  last_end = end;
  if (!status.ok()) {
    if (status.reason() == expected_reason) {
      ++expected_failures;
    } else {
      ErrorTally& tally = errors[std::string(status.reason())];
      if (tally.count++ == 0) tally.first = status.ToString();
    }
    return;
  }
  if (end >= schedule.measure_from) {
    latencies_ns.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(end - begin).count());
    if (end < schedule.until) ++window_ops;
  }
}

bool RunCallers(int callers, double warmup_seconds, double seconds, std::int64_t max_calls,
                std::string_view expected_reason, std::vector<CallerResult>& results,
                Schedule& schedule, const std::function<CallerThread(int caller)>& make_caller) {
  results = std::vector<CallerResult>(callers);
  std::atomic<std::int64_t> attempted{0};
  std::latch go(1);
  CallerThreads threads;
  for (int c = 0; c < callers; ++c) {
    std::string started = threads.Start([&, c] {
      CallerResult& mine = results[c];
      const CallerThread call = make_caller(c);
      go.wait();
      for (std::int64_t seq = 0;; ++seq) {
        const auto begin = SteadyClock::now();
        if (begin >= schedule.until) break;
        if (attempted.fetch_add(1, std::memory_order_relaxed) >= max_calls) break;
        const Status status = call(seq);
        mine.Record(status, begin, SteadyClock::now(), schedule, expected_reason);
      }
    });
    if (!started.empty()) {
      std::fprintf(stderr, "eventify-bench: cannot start caller %d: %s\n", c, started.c_str());
      schedule.until = SteadyClock::now();  // the started callers stop at once
      go.count_down();
      threads.Join();
      return false;
    }
  }
  const auto warmup = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(warmup_seconds));
  const auto measured = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(seconds));
  schedule.measure_from = SteadyClock::now() + warmup;
  schedule.until = schedule.measure_from + measured;
  Watchdog watchdog(schedule.until +
                    std::max<SteadyClock::duration>(measured, std::chrono::seconds(60)));
  go.count_down();
  threads.Join();
  return true;
}

RunSummary Summarize(std::vector<CallerResult>& results, const Schedule& schedule,
                     double seconds) {
  RunSummary summary;
  std::int64_t slowest = -1;
  SteadyClock::time_point last_end = schedule.measure_from;
  for (CallerResult& result : results) {
    const std::int64_t ops = result.window_ops;
    summary.ops += ops;
    slowest = slowest < 0 ? ops : std::min(slowest, ops);
    summary.fastest = std::max(summary.fastest, ops);
    if (ops == 0) ++summary.idle;
    summary.latencies_ns.insert(summary.latencies_ns.end(), result.latencies_ns.begin(),
                                result.latencies_ns.end());
    summary.expected_failures += result.expected_failures;
    for (auto& [reason, tally] : result.errors) {
      summary.errors += tally.count;
      ErrorTally& total = summary.all_errors[reason];
      if (total.count == 0) total.first = tally.first;
      total.count += tally.count;
    }
    last_end = std::max(last_end, result.last_end);
    std::vector<std::int64_t>().swap(result.latencies_ns);
  }
  summary.slowest = std::max<std::int64_t>(slowest, 0);
  std::sort(summary.latencies_ns.begin(), summary.latencies_ns.end());
  summary.elapsed =
      std::chrono::duration<double>(std::min(last_end, schedule.until) - schedule.measure_from)
          .count();
  if (summary.elapsed <= 0) summary.elapsed = seconds;
  return summary;
}

void RunSummary::PrintErrors() const {
  for (const auto& [reason, tally] : all_errors) {
    std::printf("# error %s x%lld, first: %s\n", reason.c_str(),
                static_cast<long long>(tally.count), tally.first.c_str());
  }
}

AuditOutcome RunAudit(Ledger& ledger) {
  constexpr std::size_t kMaxDiscrepanciesShown = 10;
  AuditOutcome outcome;
  auto report = ledger.Audit();
  if (!report.ok()) {
    outcome.word = "failed";
    outcome.details = "# audit failed: " + report.status().ToString() + "\n";
    return outcome;
  }
  outcome.clean = report->clean();
  outcome.word =
      outcome.clean ? "clean" : "discrepancies:" + std::to_string(report->discrepancies.size());
  const auto& lines = report->discrepancies;
  for (std::size_t i = 0; i < lines.size() && i < kMaxDiscrepanciesShown; ++i) {
    outcome.details += "# audit: " + lines[i] + "\n";
  }
  outcome.details += "# audit checked " + std::to_string(report->accounts_checked) +
                     " accounts and " + std::to_string(report->transfers_checked) +
                     " transfers\n";
  return outcome;
}

void AuditOutcome::PrintDetails() const { std::fputs(details.c_str(), stdout); }

Status AddBenchUsers(spi::Storage& storage, const std::vector<Principal>& users,
                     const std::string& password_hash, const std::string& name_prefix) {
  const Timestamp now = std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
  for (std::size_t first = 0; first < users.size(); first += 500) {
    const std::size_t last = std::min(users.size(), first + 500);
    Status written = storage.Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
      for (std::size_t i = first; i < last; ++i) {
        spi::UserRecord user;
        user.id = users[i].user_id;
        user.email = users[i].user_id + "@bench.invalid";
        user.password_hash = password_hash;
        user.full_name = name_prefix + std::to_string(i);
        user.role = users[i].role;
        user.email_verified = true;
        user.created_at = user.updated_at = now;
        if (Status inserted = tx.accounts().InsertUser(user); !inserted.ok()) return inserted;
      }
      return Status::Ok();
    });
    if (!written.ok()) return written;
  }
  return Status::Ok();
}

std::unique_ptr<BenchEngine> OpenBenchEngine(const std::string& database_url, int callers,
                                             int pool_size, int writers, int job_workers,
                                             PasswordHashCost password_hash_cost,
                                             const std::string& secret_key) {
  auto bench = std::make_unique<BenchEngine>();
  if (bench->media.path().empty()) {
    std::fprintf(stderr, "eventify-bench: cannot create a temporary media directory\n");
    return nullptr;
  }
  const bool sqlite = database_url.rfind("sqlite:", 0) == 0;
  bench->pool_size = pool_size > 0 ? pool_size : std::min(callers, sqlite ? 4 : 64);
  Result<std::shared_ptr<spi::Storage>> storage =
      spi::OpenSociStorage({.url = database_url, .pool_size = bench->pool_size});
  if (!storage.ok()) {
    std::fprintf(stderr, "eventify-bench: cannot open the database: %s\n",
                 storage.status().ToString().c_str());
    return nullptr;
  }
  EngineOptions options;
  options.secret_key = secret_key.empty() ? RandomHex(64) : secret_key;
  options.storage = std::move(storage).value();
  options.commit.writers = writers;
  options.jobs.worker_threads = job_workers;
  bench->mailer = std::make_shared<NoopMailer>();
  options.mailer = bench->mailer;
  options.media_store = spi::MakeFilesystemMediaStore(bench->media.path(), "/media/");
  options.clock = std::make_shared<spi::SystemClock>();
  options.currency = "INR";
  options.accounts.password_hash_cost = password_hash_cost;
  Result<std::unique_ptr<Engine>> opened = Engine::Open(std::move(options));
  if (!opened.ok()) {
    std::fprintf(stderr, "eventify-bench: cannot open the engine: %s\n",
                 opened.status().ToString().c_str());
    return nullptr;
  }
  bench->engine = std::move(opened).value();
  return bench;
}

std::uint64_t PrintPipeline(const EngineStats& before, const EngineStats& after) {
  const std::uint64_t batches = after.pipeline_batches - before.pipeline_batches;
  const std::uint64_t operations = after.pipeline_operations - before.pipeline_operations;
  std::printf("# pipeline: %llu transactions, %.1f operations each on average\n",
              static_cast<unsigned long long>(batches),
              batches == 0 ? 0.0 : static_cast<double>(operations) / static_cast<double>(batches));
  return operations;
}

ThreadCpu SnapshotThreadCpu() {
  ThreadCpu cpu;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return cpu;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  while (dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream stat(std::string("/proc/self/task/") + entry->d_name + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // The fields after the command name, which is in parentheses and may hold spaces.
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::string field;
    double utime = 0;
    double stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    cpu[std::stol(entry->d_name)] = (utime + stime) / ticks;
  }
  closedir(tasks);
  return cpu;
}

void PrintThreadCpu(const ThreadCpu& before, const ThreadCpu& after, std::int64_t ops,
                    const char* op) {
  if (after.empty() || ops <= 0) return;
  double busiest = 0;
  double all = 0;
  for (const auto& [tid, seconds] : after) {
    auto earlier = before.find(tid);
    const double used = seconds - (earlier == before.end() ? 0.0 : earlier->second);
    busiest = std::max(busiest, used);
    all += used;
  }
  const double per = 1e6 / static_cast<double>(ops);
  std::printf("# cpu: busiest thread %.0f ms (%.1f us per %s), all threads %.1f us per %s\n",
              busiest * 1e3, busiest * per, op, all * per, op);
}

}  // namespace eventify::bench
