// The booking benchmark: N buyers each call Bookings::Hold (mode hold) or Bookings::BookAndPay
// from a funded wallet of their own (mode pay) in a closed loop for a bounded time, all against
// one hot event, on a real database; then the event's seats and the whole ledger are checked.
//
// Prints one result line starting with "booking " (key=value fields, see booking_bench.cc) and
// informational lines starting with "# ". Timings are reported, never checked.
#pragma once

#include <cstdint>
#include <string>

namespace eventify::bench {

struct BookingBenchOptions {
  std::string database_url;  // "sqlite:<path>" or "postgresql://..."
  int callers = 1;
  double seconds = 5.0;  // measured time, after the warm-up
  double warmup_seconds = 1.0;
  bool pay = false;   // BookAndPay from funded wallets; otherwise holds alone
  int writers = 0;    // 0: the storage's choice (Storage::parallel_writers)
  int pool_size = 0;  // 0: min(callers, 64) on PostgreSQL, min(callers, 4) on SQLite
  // Engine job threads running meanwhile, delivering each confirmation e-mail (pay mode writes
  // one per booking in its commit) to a no-op mailer, as a server's workers would.
  int job_workers = 1;
  // The event's capacity (at most 1000000, the events area's limit): buyers beyond it answer
  // sold_out, counted apart from errors.
  std::int32_t capacity = 1'000'000;
  // Hard cap on bookings attempted (warm-up included), so that a run always ends.
  std::int64_t max_bookings = 5'000'000;
};

// Returns the process exit code: 0 when the ledger audit is clean, seats sold plus held never
// exceeded the capacity, the escrow holds what was sold and every buyer made progress; 1 when
// not; 2 when the benchmark could not run.
int RunBookingBench(const BookingBenchOptions& options);

}  // namespace eventify::bench
