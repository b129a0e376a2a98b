#include "booking_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.h"
#include "eventify/bookings.h"
#include "eventify/engine.h"
#include "eventify/events.h"
#include "eventify/spi/account_repository.h"
#include "eventify/spi/storage.h"

namespace eventify::bench {
namespace {

constexpr std::int64_t kPrice = 100;
constexpr std::int64_t kFunding = 1'000'000'000'000;

// An approved event of `capacity` seats, one per booking, starting in 30 days, organised by a
// verified organizer made for this run.
Result<Event> HotEvent(Events& events, const std::string& run_id, std::int32_t capacity) {
  const Principal admin{"bench-admin-" + run_id, Role::kAdmin, "bench"};
  const Principal organizer{"bench-organizer-" + run_id, Role::kOrganizer, "bench"};
  auto applied = events.ApplyAsOrganizer(organizer, {"Bench " + run_id, "Benchmarks", "bench"});
  if (!applied.ok()) return applied.status();
  auto verified = events.VerifyOrganizer(admin, organizer.user_id);
  if (!verified.ok()) return verified.status();
  auto category = events.CreateCategory(admin, "Bench " + run_id);
  if (!category.ok()) return category.status();
  EventDraft draft;
  draft.title = "Hot event " + run_id;
  draft.description = "Everybody wants a seat";
  draft.category_id = category->id;
  draft.venue = "The stadium";
  draft.starts_at = std::chrono::time_point_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now()) +
                    std::chrono::hours(24 * 30);
  draft.ends_at = draft.starts_at + std::chrono::hours(3);
  draft.time_zone = "UTC";
  draft.capacity = capacity;
  draft.price_minor_units = kPrice;
  draft.max_tickets_per_booking = 1;
  auto created = events.CreateEvent(organizer, draft);
  if (!created.ok()) return created.status();
  auto submitted = events.SubmitEvent(organizer, created->id);
  if (!submitted.ok()) return submitted.status();
  return events.ApproveEvent(admin, created->id);
}

}  // namespace

int RunBookingBench(const BookingBenchOptions& options) {
  std::unique_ptr<BenchEngine> bench =
      OpenBenchEngine(options.database_url, options.callers, options.pool_size, options.writers,
                      options.job_workers);
  if (!bench) return 2;
  Engine* engine = bench->engine.get();
  const int pool_size = bench->pool_size;
  const std::string backend(engine->storage().backend_name());

  // Names are unique per run, so that runs may share a database.
  const std::string run_id = RandomHex(8);
  const auto setup_start = SteadyClock::now();
  Result<Event> event = HotEvent(engine->events(), run_id, options.capacity);
  if (!event.ok()) {
    std::fprintf(stderr, "eventify-bench: setting up the event failed: %s\n",
                 event.status().ToString().c_str());
    return 2;
  }
  std::vector<Principal> buyers;
  std::vector<std::string> owners;
  for (int c = 0; c < options.callers; ++c) {
    buyers.push_back(Principal{"bench-" + run_id + "-b" + std::to_string(c), Role::kAttendee, ""});
    owners.push_back(buyers.back().user_id);
  }
  if (Status registered = AddBenchUsers(engine->storage(), buyers, "!", "Buyer "); !registered.ok()) {
    std::fprintf(stderr, "eventify-bench: registering the buyers failed: %s\n",
                 registered.ToString().c_str());
    return 2;
  }
  if (options.pay) {
    const std::string prefix = "bench-" + run_id + "-";
    if (Status funded =
            FundWallets(engine->ledger(), owners, prefix, std::clamp(pool_size, 1, 8), kFunding);
        !funded.ok()) {
      std::fprintf(stderr, "eventify-bench: funding the wallets failed: %s\n",
                   funded.ToString().c_str());
      return 2;
    }
  }
  std::printf(
      "# setup: backend=%s pool=%d event capacity %d, %d buyers with accounts%s, %d job workers, "
      "in %.1f s\n",
      backend.c_str(), pool_size, options.capacity, options.callers,
      options.pay ? " and funded wallets" : "", options.job_workers,
      std::chrono::duration<double>(SteadyClock::now() - setup_start).count());
  std::fflush(stdout);

  // ---- The run -------------------------------------------------------------------------------
  Bookings& bookings = engine->bookings();
  const EngineStats stats_before = engine->stats();
  const ThreadCpu cpu_before = SnapshotThreadCpu();
  std::vector<CallerResult> results;
  Schedule schedule;
  const bool ran = RunCallers(
      options.callers, options.warmup_seconds, options.seconds, options.max_bookings, "sold_out",
      results, schedule, [&](int c) -> CallerThread {
        return [&, c](std::int64_t seq) {
          const BookingRequest request{event->id, 1, "bench-" + std::to_string(seq)};
          return options.pay ? bookings.BookAndPay(buyers[c], request).status()
                             : bookings.Hold(buyers[c], request).status();
        };
      });
  if (!ran) return 2;
  // Read at once: the job workers go on delivering while the results are gathered.
  const std::int64_t mails_sent = bench->mailer->sent();
  const EngineStats stats_after = engine->stats();
  const ThreadCpu cpu_after = SnapshotThreadCpu();

  // ---- Results -------------------------------------------------------------------------------
  const RunSummary summary = Summarize(results, schedule, options.seconds);
  const AuditOutcome audit = RunAudit(engine->ledger());
  Result<Event> after = engine->events().GetEvent(nullptr, event->id);
  Result<Balance> escrow =
      engine->ledger().GetBalance({AccountKind::kEscrow, event->id, "INR"});
  if (!after.ok() || !escrow.ok()) {
    std::fprintf(stderr, "eventify-bench: reading the event failed: %s\n",
                 (!after.ok() ? after.status() : escrow.status()).ToString().c_str());
    return 2;
  }
  const bool seats_ok = after->seats_sold + after->seats_held <= after->capacity;
  const bool escrow_ok = escrow->posted == static_cast<std::int64_t>(after->seats_sold) * kPrice;

  std::printf(
      "booking backend=%s callers=%d mode=%s pool=%d writers=%d seconds=%.2f bookings=%lld "
      "bps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.1f errors=%lld sold_out=%lld "
      "slowest_caller_ops=%lld fastest_caller_ops=%lld idle_callers=%d capacity=%d sold=%d "
      "held=%d mails_sent=%lld seats=%s escrow=%s audit=%s\n",
      backend.c_str(), options.callers, options.pay ? "pay" : "hold", pool_size,
      options.writers > 0 ? options.writers : engine->storage().parallel_writers(),
      summary.elapsed, static_cast<long long>(summary.ops),
      static_cast<double>(summary.ops) / summary.elapsed, Millis(summary.Percentile(0.50)),
      Millis(summary.Percentile(0.99)), Millis(summary.max()),
      static_cast<long long>(summary.errors), static_cast<long long>(summary.expected_failures),
      static_cast<long long>(summary.slowest), static_cast<long long>(summary.fastest),
      summary.idle, after->capacity, after->seats_sold, after->seats_held,
      static_cast<long long>(mails_sent), seats_ok ? "ok" : "OVERSOLD", escrow_ok ? "ok" : "MISMATCH", audit.word.c_str());
  summary.PrintErrors();
  audit.PrintDetails();
  // Over the run, the warm-up included: how many bookings shared a commit (the job workers'
  // writes do not go through the pipeline), and the CPU per booking sold (the busiest thread is
  // the pipeline's writer).
  const std::uint64_t operations = PrintPipeline(stats_before, stats_after);
  PrintThreadCpu(cpu_before, cpu_after, static_cast<std::int64_t>(operations), "booking");
  if (summary.idle > 0) {
    std::printf("# %d of %d buyers completed no booking\n", summary.idle, options.callers);
  }
  std::fflush(stdout);
  return audit.clean && seats_ok && escrow_ok && summary.idle == 0 ? 0 : 1;
}

}  // namespace eventify::bench
