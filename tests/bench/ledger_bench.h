// The ledger benchmark: N callers each call Ledger::CreateTransfer in a closed loop for a bounded
// time on a real database, then the whole ledger is audited.
//
// Modes: random moves money between two distinct random wallets (no hot rows on PostgreSQL);
// hot debits one wallet in every transfer (every transfer locks the same row).
//
// Prints one result line starting with "ledger " (key=value fields, see ledger_bench.cc) and
// informational lines starting with "# ". Timings are reported, never checked.
#pragma once

#include <cstdint>
#include <string>

namespace eventify::bench {

struct LedgerBenchOptions {
  std::string database_url;  // "sqlite:<path>" or "postgresql://..."
  int callers = 1;
  double seconds = 5.0;  // measured time, after the warm-up
  double warmup_seconds = 1.0;
  int wallets = 1000;
  bool hot = false;
  int writers = 0;    // 0: the storage's choice (Storage::parallel_writers)
  int pool_size = 0;  // 0: min(callers, 64) on PostgreSQL, min(callers, 4) on SQLite
  // Hard cap on transfers attempted (warm-up included), so that a run always ends.
  std::int64_t max_transfers = 5'000'000;
};

// Returns the process exit code: 0 when the audit is clean and every caller made progress,
// 1 when not, 2 when the benchmark could not run (engine, setup or threads failed).
int RunLedgerBench(const LedgerBenchOptions& options);

}  // namespace eventify::bench
