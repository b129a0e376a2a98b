#!/usr/bin/env bash
# Runs the ledger benchmark (or, with BENCH=booking or BENCH=chat, the booking or chat benchmark) on SQLite and on a
# throwaway durable PostgreSQL, for every configuration (callers x mode), BENCH_RUNS times each,
# and prints every result line and then a summary with the median throughput (transfers or
# bookings per second) and the median p99 per configuration. Builds nothing.
#
#   tests/bench/ledger-bench.sh [path/to/eventify-bench]
#   BENCH=booking tests/bench/ledger-bench.sh [path/to/eventify-bench]
#   BENCH=chat tests/bench/ledger-bench.sh [path/to/eventify-bench]
#
# Environment (all optional):
#   BENCH           ledger (default), booking or chat
#   BENCH_SECONDS   measured seconds per run (default 5)
#   BENCH_RUNS      runs per configuration (default 3)
#   BENCH_WARMUP    unmeasured seconds before each run (default 1)
#   BENCH_CALLERS   caller counts (default "1 8 64 1000"; booking: "1 64 1000"; chat: senders,
#                   "0" = every member)
#   BENCH_MODES     modes (default "random hot"; booking: "hold pay"; chat: room shapes
#                   ROOMSxMEMBERS[wWINDOW], default "50x10w4 1x200w4")
#   BENCH_BACKENDS  backends (default "sqlite postgresql")
#
# Every run gets a fresh database: a new SQLite file (WAL, synchronous=FULL, the engine's
# defaults) or a new PostgreSQL database (createdb) on a server started with fsync=on and
# synchronous_commit=on. Exit status: 0 when every run exited 0, 1 otherwise (a run exits 1 when
# its audit is not clean or one of its callers completed nothing; a booking run also when seats
# were oversold or the escrow does not match), 2 on a setup failure.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

bench=${BENCH:-ledger}
seconds=${BENCH_SECONDS:-5}
runs=${BENCH_RUNS:-3}
warmup=${BENCH_WARMUP:-1}
case $bench in
  ledger)
    callers_list=${BENCH_CALLERS:-"1 8 64 1000"}
    modes=${BENCH_MODES:-"random hot"}
    ;;
  booking)
    callers_list=${BENCH_CALLERS:-"1 64 1000"}
    modes=${BENCH_MODES:-"hold pay"}
    ;;
  chat)
    callers_list=${BENCH_CALLERS:-"0"}
    modes=${BENCH_MODES:-"50x10w4 1x200w4"}
    ;;
  *)
    echo "ledger-bench.sh: unknown BENCH $bench (ledger, booking or chat)" >&2
    exit 2
    ;;
esac
backends=${BENCH_BACKENDS:-"sqlite postgresql"}

# ---- The binary ---------------------------------------------------------------------------------
bin=${1:-}
if [ -z "$bin" ]; then
  # The most recently built one under build/*/ or build-*/.
  bin=$(ls -t "$repo"/build/*/tests/bench/eventify-bench "$repo"/build*/tests/bench/eventify-bench \
          2>/dev/null | head -n1)
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "ledger-bench.sh: eventify-bench not found; build it (target eventify-bench) or pass its path" >&2
  exit 2
fi

# ---- Clean-up: only what this script started ----------------------------------------------------
work=$(mktemp -d /tmp/eventify-bench.XXXXXX)
bench_pid=""
pg_started=""
cleanup() {
  if [ -n "$bench_pid" ]; then
    kill "$bench_pid" 2>/dev/null
    wait "$bench_pid" 2>/dev/null
    bench_pid=""
  fi
  if [ -n "$pg_started" ]; then
    pg_stop
    pg_started=""
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

. "$repo/tests/support/postgres.sh"

results="$work/results.txt"   # "backend callers mode rc <result line>" per run
: >"$results"
failed_runs=0

# run_one BACKEND CALLERS MODE RUN URL
run_one() {
  local backend=$1 callers=$2 mode=$3 run=$4 url=$5
  local out="$work/run.out" mode_flags=()
  if [ "$bench" = booking ]; then
    mode_flags=(--mode "$mode")
  elif [ "$bench" = chat ]; then
    local shape=${mode%%w*} window=1
    [ "$shape" != "$mode" ] && window=${mode#*w}
    mode_flags=(--rooms "${shape%x*}" --members "${shape#*x}" --window "$window")
  elif [ "$mode" = hot ]; then
    mode_flags=(--hot)
  fi
  # TMPDIR: the benchmark's temporary media directory goes under $work, removed even if killed.
  TMPDIR="$work" "$bin" "$bench" --database "$url" --callers "$callers" --seconds "$seconds" --warmup "$warmup" \
    "${mode_flags[@]}" >"$out" 2>&1 &
  bench_pid=$!
  wait "$bench_pid"
  local rc=$?
  bench_pid=""
  local line
  line=$(grep -m1 "^$bench " "$out")
  echo "== $backend callers=$callers mode=$mode run $run/$runs (exit $rc)"
  cat "$out"
  [ "$rc" = 0 ] || failed_runs=$((failed_runs + 1))
  if [ -n "$line" ]; then
    echo "$backend $callers $mode $rc $line" >>"$results"
  else
    echo "$backend $callers $mode $rc" >>"$results"
  fi
}

echo "# eventify-bench $bench: $bin"
echo "# seconds=$seconds warmup=$warmup runs=$runs callers=[$callers_list] modes=[$modes] backends=[$backends]"
echo "# machine: $(nproc) cores, $(uname -sr); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

for backend in $backends; do
  case $backend in
    sqlite)
      n=0
      for callers in $callers_list; do
        for mode in $modes; do
          for run in $(seq 1 "$runs"); do
            n=$((n + 1))
            mkdir -p "$work/sqlite-$n"
            run_one sqlite "$callers" "$mode" "$run" "sqlite:$work/sqlite-$n/$bench.db"
            rm -rf "$work/sqlite-$n"
          done
        done
      done
      ;;
    postgresql)
      if ! pg_start durable; then
        echo "ledger-bench.sh: could not start PostgreSQL" >&2
        exit 2
      fi
      pg_started=1
      echo "# postgresql: $("$PG_BIN/postgres" --version), fsync=$(psql -XAtc 'show fsync'), synchronous_commit=$(psql -XAtc 'show synchronous_commit'), max_connections=$(psql -XAtc 'show max_connections')"
      n=0
      for callers in $callers_list; do
        for mode in $modes; do
          for run in $(seq 1 "$runs"); do
            n=$((n + 1))
            db="bench_$n"
            if ! createdb "$db"; then
              echo "ledger-bench.sh: createdb $db failed" >&2
              exit 2
            fi
            run_one postgresql "$callers" "$mode" "$run" \
              "postgresql://$PGUSER@$PGHOST:$PGPORT/$db"
            dropdb "$db" || echo "ledger-bench.sh: dropdb $db failed (ignored)" >&2
          done
        done
      done
      pg_stop
      pg_started=""
      ;;
    *)
      echo "ledger-bench.sh: unknown backend $backend (sqlite or postgresql)" >&2
      exit 2
      ;;
  esac
done

# ---- Summary: medians per configuration ---------------------------------------------------------
echo
echo "# summary: median over $runs run(s) of ${seconds}s each"
printf '%-10s %7s %-6s %4s %10s %12s %9s %6s %s\n' \
  backend callers mode runs "$(case $bench in booking) echo median_bps ;; chat) echo median_mps ;; *) echo median_tps ;; esac)" \
  median_p99_ms errors idle audit
awk '
  function field(name,   i, kv) {
    for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] }
    return ""
  }
  {
    key = $1 " " $2 " " $3
    if (!(key in count)) { order[++nkeys] = key }
    count[key]++
    if (NF > 4) {
      ok[key]++
      tps[key, ok[key]] = (field("tps") != "" ? field("tps") : \
                           field("bps") != "" ? field("bps") : field("persisted_per_s"))
      p99[key, ok[key]] = field("p99_ms")
      errors[key] += field("errors") + field("insufficient_funds")
      if (field("idle_callers") + 0 > idle[key] + 0) idle[key] = field("idle_callers")
      if (field("audit") != "" && field("audit") != "clean") dirty[key] = 1
      if (field("missing") != "" && field("missing") != "0") dirty[key] = 1
      if (field("seats") != "" && field("seats") != "ok") dirty[key] = 1
      if (field("escrow") != "" && field("escrow") != "ok") dirty[key] = 1
    } else {
      dirty[key] = 1
    }
  }
  function median(arr, key, n,   i, j, t, v) {
    if (n == 0) return "-"
    for (i = 1; i <= n; i++) v[i] = arr[key, i] + 0
    for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    if (n % 2) return v[(n + 1) / 2]
    return (v[n / 2] + v[n / 2 + 1]) / 2
  }
  END {
    for (k = 1; k <= nkeys; k++) {
      key = order[k]; split(key, parts, " ")
      n = ok[key] + 0
      mtps = n ? sprintf("%.1f", median(tps, key, n)) : "-"
      mp99 = n ? sprintf("%.3f", median(p99, key, n)) : "-"
      printf "%-10s %7s %-6s %4d %10s %12s %9d %6d %s\n", parts[1], parts[2], parts[3],
             count[key], mtps, mp99, errors[key], idle[key], (dirty[key] ? "NOT-CLEAN" : "clean")
    }
  }' "$results"

if [ "$failed_runs" -gt 0 ]; then
  echo "# $failed_runs run(s) exited non-zero (see 'exit' above: idle callers, audit or setup)"
  exit 1
fi
exit 0
