#include "ledger_bench.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_support.h"
#include "eventify/engine.h"

namespace eventify::bench {
namespace {

constexpr char kCurrency[] = "INR";
// Enough that no wallet runs dry: even the hot wallet pays at most
// max_transfers * kMaxTransferAmount = 5 * 10^10 in a default run.
constexpr std::int64_t kFunding = 1'000'000'000'000;
constexpr std::int64_t kMaxTransferAmount = 10'000;

}  // namespace

int RunLedgerBench(const LedgerBenchOptions& options) {
  std::unique_ptr<BenchEngine> bench =
      OpenBenchEngine(options.database_url, options.callers, options.pool_size, options.writers);
  if (!bench) return 2;
  Engine* engine = bench->engine.get();
  const int pool_size = bench->pool_size;
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
  if (Status funded = FundWallets(ledger, owners, key_prefix, std::clamp(pool_size, 1, 8), kFunding);
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
  std::vector<CallerResult> results;
  Schedule schedule;
  const bool ran = RunCallers(
      options.callers, options.warmup_seconds, options.seconds, options.max_transfers,
      "insufficient_funds", results, schedule, [&](int c) -> CallerThread {
        auto random = std::make_shared<std::mt19937_64>(std::random_device{}() ^
                                                        (static_cast<std::uint64_t>(c) << 32));
        const std::string caller_prefix = key_prefix + "c" + std::to_string(c) + "-";
        return [&, random, caller_prefix](std::int64_t seq) {
          std::uniform_int_distribution<int> any_wallet(0, options.wallets - 1);
          std::uniform_int_distribution<int> other_wallet(0, options.wallets - 2);
          std::uniform_int_distribution<std::int64_t> amount(1, kMaxTransferAmount);
          const int from = options.hot ? 0 : any_wallet(*random);
          int to = other_wallet(*random);
          if (to >= from) ++to;  // any wallet but `from`
          TransferRequest request;
          request.kind = TransferKind::kDebit;
          request.reference = "eventify-bench";
          request.idempotency_key = caller_prefix + std::to_string(seq);
          request.from = WalletOf(owners[from]);
          request.to = WalletOf(owners[to]);
          request.amount = Money{amount(*random), kCurrency};
          return ledger.CreateTransfer(request).status();
        };
      });
  if (!ran) return 2;

  // ---- Results -------------------------------------------------------------------------------
  const RunSummary summary = Summarize(results, schedule, options.seconds);

  const AuditOutcome audit = RunAudit(ledger);
  std::printf(
      "ledger backend=%s callers=%d mode=%s pool=%d writers=%d seconds=%.2f transfers=%lld "
      "tps=%.1f "
      "p50_ms=%.3f p99_ms=%.3f max_ms=%.1f errors=%lld insufficient_funds=%lld "
      "slowest_caller_ops=%lld fastest_caller_ops=%lld idle_callers=%d audit=%s\n",
      backend.c_str(), options.callers, options.hot ? "hot" : "random", pool_size,
      options.writers > 0 ? options.writers : engine->storage().parallel_writers(),
      summary.elapsed, static_cast<long long>(summary.ops),
      static_cast<double>(summary.ops) / summary.elapsed, Millis(summary.Percentile(0.50)),
      Millis(summary.Percentile(0.99)), Millis(summary.max()), static_cast<long long>(summary.errors),
      static_cast<long long>(summary.expected_failures),
      static_cast<long long>(summary.slowest), static_cast<long long>(summary.fastest),
      summary.idle, audit.word.c_str());
  summary.PrintErrors();
  audit.PrintDetails();
  if (summary.idle > 0) {
    std::printf("# %d of %d callers completed no transfer\n", summary.idle, options.callers);
  }
  std::fflush(stdout);
  return audit.clean && summary.idle == 0 ? 0 : 1;
}

}  // namespace eventify::bench
