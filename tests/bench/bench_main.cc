// eventify-bench: benchmarks of libeventify on a real database, run by hand or by
// tests/bench/ledger-bench.sh. See docs/performance.md.
//
//   eventify-bench ledger --database URL --callers N --seconds S
//                         [--wallets 1000] [--hot] [--warmup 1] [--pool P] [--writers W]
//                         [--max-transfers M]
//   eventify-bench booking --database URL --callers N --seconds S [--mode hold|pay]
//                          [--capacity C] [--warmup 1] [--pool P] [--writers W]
//                          [--max-bookings M] [--job-workers 1]
//   eventify-bench chat --database URL --callers S --seconds S [--rooms 50] [--members 10]
//                       [--window 1] [--warmup 1] [--pool P] [--writers W]

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "booking_bench.h"
#include "chat_bench.h"
#include "ledger_bench.h"

namespace {

constexpr char kUsage[] =
    "usage: eventify-bench ledger --database URL --callers N --seconds S\n"
    "                             [--wallets 1000] [--hot] [--warmup 1] [--pool P]\n"
    "                             [--writers W] [--max-transfers 5000000]\n"
    "  URL        sqlite:<path> or postgresql://user@host:port/dbname\n"
    "  --callers  concurrent callers, each in a closed loop (1-10000)\n"
    "  --seconds  measured time, after --warmup seconds of unmeasured load\n"
    "  --hot      every transfer debits one wallet (default: two random wallets)\n"
    "  --pool     database connections (default min(N, 64) on PostgreSQL, min(N, 4) on SQLite)\n"
    "  --writers  batches in flight in the commit pipeline (default: the storage's choice)\n"
    "  --max-transfers  hard cap on transfers attempted, so that a run always ends\n"
    "Prints one line 'ledger key=value ...'; exit 1 when the audit is not clean or a caller\n"
    "completed no transfer, 2 when the benchmark could not run.\n"
    "\n"
    "usage: eventify-bench booking --database URL --callers N --seconds S [--mode hold|pay]\n"
    "                              [--capacity 1000000] [--warmup 1] [--pool P] [--writers W]\n"
    "                              [--max-bookings 5000000] [--job-workers 1]\n"
    "  N buyers (each with an account) book one seat each per call of one hot event: --mode\n"
    "  hold holds seats, --mode pay books and pays from funded wallets, each commit writing the\n"
    "  confirmation e-mail that --job-workers threads deliver to a no-op mailer. Prints one line 'booking key=value ...';\n"
    "  exit 1 when the audit is not clean, seats were oversold, the escrow does not match the\n"
    "  seats sold or a buyer completed no booking, 2 when the benchmark could not run.\n";

int Usage(const char* problem) {
  if (problem != nullptr) std::fprintf(stderr, "eventify-bench: %s\n", problem);
  std::fputs(kUsage, stderr);
  return 2;
}

template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, out);
  return error == std::errc() && ptr == end;
}

// Seconds as a decimal number ("5", "0.5"), at most a day.
bool ParseSeconds(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() && out >= 0 && out <= 24 * 3600;
}

// The options both benchmarks take, parsed from argv[2..]; `other(flag, value, ok)` reads the
// benchmark's own flags and returns false for an unknown one. Returns 0 when all is well, or the
// exit code of the usage message printed.
template <typename Options, typename Other>
int ParseOptions(int argc, char** argv, Options& options, Other&& other, int min_callers = 1) {
  bool have_callers = false;
  bool have_seconds = false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--hot") {  // the ledger's only flag without a value
      bool ok = true;
      if (!other(flag, std::string(), ok)) return Usage("unknown option --hot");
      continue;
    }
    if (i + 1 >= argc) return Usage(("missing value after " + std::string(flag)).c_str());
    const std::string value = argv[++i];
    bool ok = true;
    if (flag == "--database") {
      options.database_url = value;
    } else if (flag == "--callers") {
      ok = ParseNumber(value, options.callers) && options.callers >= min_callers &&
           options.callers <= 10000;
      have_callers = true;
    } else if (flag == "--seconds") {
      ok = ParseSeconds(value, options.seconds) && options.seconds > 0;
      have_seconds = true;
    } else if (flag == "--warmup") {
      ok = ParseSeconds(value, options.warmup_seconds);
    } else if (flag == "--pool") {
      ok = ParseNumber(value, options.pool_size) && options.pool_size >= 1 &&
           options.pool_size <= 1000;
    } else if (flag == "--writers") {
      ok = ParseNumber(value, options.writers) && options.writers >= 1 && options.writers <= 64;
    } else if (!other(flag, value, ok)) {
      return Usage(("unknown option " + std::string(flag)).c_str());
    }
    if (!ok) return Usage(("invalid value for " + std::string(flag) + ": " + value).c_str());
  }
  if (options.database_url.empty()) return Usage("--database is required");
  if (!have_callers || !have_seconds) return Usage("--callers and --seconds are required");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage(nullptr);
  const std::string_view command = argv[1];
  if (command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command != "ledger" && command != "booking" && command != "chat") {
    return Usage("unknown benchmark ('ledger', 'booking' or 'chat')");
  }

  if (command == "chat") {
    eventify::bench::ChatBenchOptions options;
    const int bad = ParseOptions(argc, argv, options, [&](std::string_view flag,
                                                          const std::string& value, bool& ok) {
      if (flag == "--rooms") {
        ok = ParseNumber(value, options.rooms) && options.rooms >= 1 && options.rooms <= 10000;
      } else if (flag == "--members") {
        ok = ParseNumber(value, options.members) && options.members >= 2 &&
             options.members <= 1000;
      } else if (flag == "--window") {
        ok = ParseNumber(value, options.window) && options.window >= 1 && options.window <= 1000;
      } else {
        return false;
      }
      return true;
    }, /*min_callers=*/0);
    return bad != 0 ? bad : eventify::bench::RunChatBench(options);
  }

  if (command == "booking") {
    eventify::bench::BookingBenchOptions options;
    const int bad = ParseOptions(argc, argv, options, [&](std::string_view flag,
                                                          const std::string& value, bool& ok) {
      if (flag == "--mode") {
        ok = value == "hold" || value == "pay";
        options.pay = value == "pay";
      } else if (flag == "--capacity") {
        ok = ParseNumber(value, options.capacity) && options.capacity >= 1 &&
             options.capacity <= 1'000'000;
      } else if (flag == "--max-bookings") {
        ok = ParseNumber(value, options.max_bookings) && options.max_bookings >= 1;
      } else if (flag == "--job-workers") {
        ok = ParseNumber(value, options.job_workers) && options.job_workers >= 0 &&
             options.job_workers <= 64;
      } else {
        return false;
      }
      return true;
    });
    return bad != 0 ? bad : eventify::bench::RunBookingBench(options);
  }
  eventify::bench::LedgerBenchOptions options;
  const int bad = ParseOptions(argc, argv, options, [&](std::string_view flag,
                                                        const std::string& value, bool& ok) {
    if (flag == "--hot") {
      options.hot = true;
    } else if (flag == "--wallets") {
      ok = ParseNumber(value, options.wallets) && options.wallets >= 2 &&
           options.wallets <= 1'000'000;
    } else if (flag == "--max-transfers") {
      ok = ParseNumber(value, options.max_transfers) && options.max_transfers >= 1;
    } else {
      return false;
    }
    return true;
  });
  if (bad != 0) return bad;
  return eventify::bench::RunLedgerBench(options);
}
