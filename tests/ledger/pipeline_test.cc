// The commit pipeline (storage/commit_pipeline.h) and the ledger's batched CreateTransfer, on the
// backend chosen by EVENTIFY_TEST_BACKEND.
//
//  - pipeline: a CommitPipeline driven directly with a recording applier that can hold the writer
//    on its first batch, so that what queues behind it is applied as one batch, deterministically:
//    arrival order, the batch limit, the one-by-one re-application of a failed batch,
//    pipeline_full, and the destructor draining the queue.
//  - through_the_engine: bursts of concurrent CreateTransfer calls (the engine's first write held
//    until every caller is queued, so that the rest form one batch — best effort, since that
//    depends on scheduling, and nothing asserted depends on it): invalid transfers fail alone
//    with their own reason, retries return the original transfer, money moves once.
//  - two_engines: two engines (two pipelines, two writers) on one database never overdraw a
//    shared wallet and turn one idempotency key into one transfer.
//
// Nothing here asserts on timings; waits have generous limits that only guard against hangs.
#define BOOST_TEST_MODULE pipeline
#include <boost/test/unit_test.hpp>

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "eventify/engine.h"
#include "ledger/ledger_fixture.h"
#include "ledger/pipeline_support.h"
#include "storage/commit_pipeline.h"
#include "support/test_storage.h"

using namespace eventify;
using namespace eventify::testing;
using namespace std::chrono_literals;

namespace {

// ---- The pipeline on its own ------------------------------------------------------------------

struct TestOp final : storage::BatchOperation {
  explicit TestOp(int id_, bool poison_ = false, bool reject_ = false)
      : id(id_), poison(poison_), reject(reject_) {}
  ~TestOp() override {
    if (on_destroy) on_destroy();
  }
  const int id;
  const bool poison;  // fails every batch holding it, including the one of itself alone
  const bool reject;  // fails by itself (its own outcome) without failing the batch
  std::function<void()> on_destroy;
};

AccountRef RowOf(int op_id) { return Wallet("op-" + std::to_string(op_id)); }

// Applies each operation by writing a row named after it (a ledger account "op-<id>"), records
// every ApplyBatch call, and can hold the writer inside its first call until Release().
class RecordingApplier final : public storage::BatchApplier {
 public:
  explicit RecordingApplier(bool hold_first) : hold_first_(hold_first) {}

  Status ApplyBatch(spi::Transaction& tx, storage::BatchContext& /*context*/,
                    std::span<storage::BatchOperation* const> operations) override {
    std::vector<int> ids;
    for (storage::BatchOperation* op : operations) ids.push_back(static_cast<TestOp*>(op)->id);
    bool hold;
    {
      std::lock_guard lock(mu_);
      calls_.push_back(ids);
      hold = hold_first_ && calls_.size() == 1;
    }
    if (hold) gate_.Hold();
    for (storage::BatchOperation* base : operations) {
      auto* op = static_cast<TestOp*>(base);
      op->outcome = Status::Ok();
      if (op->reject) {
        op->outcome = FailedPrecondition("rejected", "operation " + std::to_string(op->id));
        continue;
      }
      const Timestamp now = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
      spi::LedgerAccountRecord row;
      row.id = NewId(now);
      row.kind = AccountKind::kUserWallet;
      row.owner_id = "op-" + std::to_string(op->id);
      row.currency = "INR";
      row.created_at = row.updated_at = now;
      auto written = tx.ledger().EnsureAccounts({row}, spi::LockMode::kNone);
      if (!written.ok()) return written.status();
      // After its own write: a failed batch must leave no trace of it.
      if (op->poison) return Internal("poisoned batch (operation " + std::to_string(op->id) + ")");
    }
    return Status::Ok();
  }

  bool WaitUntilHolding() { return gate_.WaitUntilHolding(); }
  void Release() { gate_.Open(); }
  std::vector<std::vector<int>> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  const bool hold_first_;
  Gate gate_;
  std::mutex mu_;
  std::vector<std::vector<int>> calls_;
};

// Releases the applier when the test ends, even on a failed REQUIRE, before anything joins.
struct ReleaseOnExit {
  RecordingApplier& applier;
  ~ReleaseOnExit() { applier.Release(); }
};

// One Execute on its own thread.
class Caller : public AsyncCall {
 public:
  Caller(storage::CommitPipeline& pipeline, storage::BatchApplier& applier, TestOp& op)
      : AsyncCall([&pipeline, &applier, &op] { return pipeline.Execute(applier, op); }) {}
};

// Starts operation 0, which the applier holds inside its first batch, then queues the others one
// at a time, each asleep in the queue before the next starts, so that the arrival order is known.
std::vector<std::unique_ptr<Caller>> StartBehindHeldBatch(
    storage::CommitPipeline& pipeline, RecordingApplier& applier,
    const std::vector<std::unique_ptr<TestOp>>& ops) {
  std::vector<std::unique_ptr<Caller>> callers;
  callers.push_back(std::make_unique<Caller>(pipeline, applier, *ops[0]));
  BOOST_REQUIRE_MESSAGE(applier.WaitUntilHolding(), "the first operation never reached the applier");
  for (std::size_t i = 1; i < ops.size(); ++i) {
    callers.push_back(std::make_unique<Caller>(pipeline, applier, *ops[i]));
    callers.back()->WaitUntilQueued();
  }
  return callers;
}

struct PipelineFixture {
  std::shared_ptr<spi::Storage> storage = OpenFreshStorage();

  bool RowExists(int op_id) {
    bool found = false;
    const Status read = storage->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) {
      auto row = tx.ledger().FindAccount(RowOf(op_id), spi::LockMode::kNone);
      if (row.ok()) {
        found = true;
        return Status::Ok();
      }
      return row.status().code() == StatusCode::kNotFound ? Status::Ok() : row.status();
    });
    BOOST_REQUIRE_MESSAGE(read.ok(), read.ToString());
    return found;
  }
};

std::string Show(const std::vector<std::vector<int>>& calls) {
  std::string text;
  for (const auto& call : calls) {
    text += "[";
    for (std::size_t i = 0; i < call.size(); ++i) text += (i ? "," : "") + std::to_string(call[i]);
    text += "]";
  }
  return text;
}

// ---- Through the engine -----------------------------------------------------------------------

// The engine's storage, decorated: counts read-write transactions and can hold the next one
// before it begins (the pipeline's writer then waits there, and new calls queue behind it).
class GatedStorage final : public spi::Storage {
 public:
  explicit GatedStorage(std::shared_ptr<spi::Storage> inner) : inner_(std::move(inner)) {}

  void HoldNextWrite() {
    std::lock_guard lock(mu_);
    gate_ = std::make_shared<Gate>();
  }
  bool WaitUntilHolding() {
    std::shared_ptr<Gate> gate;
    {
      std::lock_guard lock(mu_);
      gate = gate_ ? gate_ : held_;
    }
    return gate != nullptr && gate->WaitUntilHolding();
  }
  void Release() {
    std::shared_ptr<Gate> gate, held;
    {
      std::lock_guard lock(mu_);
      gate = std::exchange(gate_, nullptr);
      held = std::exchange(held_, nullptr);
    }
    if (gate) gate->Open();
    if (held) held->Open();
  }
  std::int64_t read_write_runs() const { return read_write_runs_.load(); }
  bool Supports(spi::StoreArea area) const override { return inner_->Supports(area); }

  Status Run(spi::TransactionMode mode,
             const std::function<Status(spi::Transaction&)>& body) override {
    if (mode == spi::TransactionMode::kReadWrite) {
      ++read_write_runs_;
      std::shared_ptr<Gate> gate;
      {
        std::lock_guard lock(mu_);
        gate = std::exchange(gate_, nullptr);
        if (gate) held_ = gate;
      }
      if (gate) gate->Hold();
    }
    return inner_->Run(mode, body);
  }
  std::string_view backend_name() const override { return inner_->backend_name(); }
  int schema_version() const override { return inner_->schema_version(); }

 private:
  const std::shared_ptr<spi::Storage> inner_;
  std::mutex mu_;
  std::shared_ptr<Gate> gate_;  // armed: the next read-write transaction holds on it
  std::shared_ptr<Gate> held_;  // the gate a transaction is holding on
  std::atomic<std::int64_t> read_write_runs_{0};
};

struct EngineFixture {
  EngineFixture() : gated(std::make_shared<GatedStorage>(OpenFreshStorage())) {
    CommitOptions commit;
    commit.max_batch = 1024;
    engine = OpenEngineOrFail(gated, commit);
  }
  ~EngineFixture() { gated->Release(); }

  Ledger& ledger() { return engine->ledger(); }

  void Fund(const std::string& user, std::int64_t amount) {
    auto t = ledger().CreateTransfer(Funding("fund-" + std::to_string(++funds), user, amount));
    BOOST_REQUIRE_MESSAGE(t.ok(), t.status().ToString());
  }

  // Calls CreateTransfer(requests[i]) on thread i, all released at once. The first write of the
  // burst is held until every caller sleeps (queued in the pipeline by then), so that the rest
  // reach the applier together. Outcomes are returned in request order.
  std::vector<Result<Transfer>> Burst(const std::vector<TransferRequest>& requests) {
    const std::size_t n = requests.size();
    std::vector<std::optional<Result<Transfer>>> results(n);
    std::vector<pid_t> tids(n, 0);
    std::vector<std::atomic<bool>> finished(n);
    std::latch ready(static_cast<std::ptrdiff_t>(n));
    std::latch go(1);
    gated->HoldNextWrite();
    const std::int64_t runs_before = gated->read_write_runs();
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        tids[i] = ::gettid();
        ready.count_down();
        go.wait();
        results[i].emplace(ledger().CreateTransfer(requests[i]));
        finished[i].store(true);
      });
    }
    ready.wait();  // every tid is written
    go.count_down();
    bool queued = gated->WaitUntilHolding();
    if (queued) {
      // Threads that finished (a request refused before the pipeline) no longer exist.
      std::vector<pid_t> waiting;
      for (std::size_t i = 0; i < n; ++i) {
        if (!finished[i].load()) waiting.push_back(tids[i]);
      }
      queued = WaitUntilAsleep(waiting);
    }
    gated->Release();
    for (auto& thread : threads) thread.join();
    BOOST_TEST_MESSAGE(n << " concurrent calls took " << gated->read_write_runs() - runs_before
                         << " read-write transactions"
                         << (queued ? "" : " (the callers were not all seen queued)"));
    std::vector<Result<Transfer>> out;
    for (auto& result : results) out.push_back(std::move(*result));
    return out;
  }

  std::shared_ptr<GatedStorage> gated;
  std::unique_ptr<Engine> engine;
  int funds = 0;
};

std::string RefKey(const AccountRef& ref) {
  return std::to_string(static_cast<int>(ref.kind)) + "|" + ref.owner_id;
}

// Expected posted balances, built from the transfers known to have happened.
struct BalanceModel {
  std::map<std::string, std::int64_t> posted;
  void Apply(const AccountRef& from, const AccountRef& to, std::int64_t amount) {
    posted[RefKey(from)] -= amount;
    posted[RefKey(to)] += amount;
  }
  void Apply(const TransferRequest& r) { Apply(r.from, r.to, r.amount.minor_units); }
  void Apply(const Transfer& t) { Apply(t.from, t.to, t.amount.minor_units); }
  std::int64_t of(const AccountRef& ref) { return posted[RefKey(ref)]; }
};

bool Refused(const Result<Transfer>& result, StatusCode code, std::string_view reason) {
  return !result.ok() && result.status().code() == code && result.status().reason() == reason;
}

std::string Describe(const Result<Transfer>& result) {
  return result.ok() ? "ok " + result->id + " amount " + std::to_string(result->amount.minor_units)
                     : result.status().ToString();
}

// Two engines, each with its own storage (connections, pipeline and writer), on one database.
struct TwoEngines {
  TwoEngines() {
    spi::SociStorageOptions options;
    options.url = FreshDatabaseUrl();
    engines[0] = OpenEngineOrFail(OpenStorageOrFail(options));
    engines[1] = OpenEngineOrFail(OpenStorageOrFail(options));
  }
  Ledger& ledger(int i) { return engines[i]->ledger(); }
  std::unique_ptr<Engine> engines[2];
};

}  // namespace

// ================================================================================================

// The pipeline's storage, decorated: the first read-write transaction is held after it has
// committed and before Run returns, as if its durable flush were slow.
class SlowFirstFlushStorage final : public spi::Storage {
 public:
  explicit SlowFirstFlushStorage(std::shared_ptr<spi::Storage> inner) : inner_(std::move(inner)) {}

  Status Run(spi::TransactionMode mode,
             const std::function<Status(spi::Transaction&)>& body) override {
    const Status status = inner_->Run(mode, body);
    if (mode == spi::TransactionMode::kReadWrite && !first_done_.exchange(true)) gate_.Hold();
    return status;
  }
  std::string_view backend_name() const override { return inner_->backend_name(); }
  int schema_version() const override { return inner_->schema_version(); }
  bool Supports(spi::StoreArea area) const override { return inner_->Supports(area); }

  bool WaitUntilHolding() { return gate_.WaitUntilHolding(); }
  void Release() { gate_.Open(); }

 private:
  const std::shared_ptr<spi::Storage> inner_;
  std::atomic<bool> first_done_{false};
  Gate gate_;
};

// Lets the held flush go when the test ends, even on a failed REQUIRE, before anything joins.
struct ReleaseSlowOnExit {
  SlowFirstFlushStorage& storage;
  ~ReleaseSlowOnExit() { storage.Release(); }
};

BOOST_FIXTURE_TEST_SUITE(pipeline, PipelineFixture)

BOOST_AUTO_TEST_CASE(operations_queued_behind_a_batch_are_applied_as_one_batch_in_arrival_order) {
  RecordingApplier applier(/*hold_first=*/true);
  storage::CommitPipeline pipeline(storage, {.max_batch = 1024, .max_queue = 1024});
  std::vector<std::unique_ptr<TestOp>> ops;
  for (int i = 0; i <= 8; ++i) ops.push_back(std::make_unique<TestOp>(i));
  ReleaseOnExit release{applier};
  const auto callers = StartBehindHeldBatch(pipeline, applier, ops);
  applier.Release();
  for (int i = 0; i <= 8; ++i) {
    const Status status = callers[i]->Join();
    BOOST_TEST(status.ok(), "operation " << i << ": " << status.ToString());
  }
  const auto calls = applier.calls();
  BOOST_TEST((calls == std::vector<std::vector<int>>{{0}, {1, 2, 3, 4, 5, 6, 7, 8}}),
             "ApplyBatch calls: " << Show(calls));
  for (int i = 0; i <= 8; ++i) BOOST_TEST(RowExists(i), "row of operation " << i);
}

BOOST_AUTO_TEST_CASE(a_batch_holds_at_most_max_batch_operations) {
  RecordingApplier applier(/*hold_first=*/true);
  storage::CommitPipeline pipeline(storage, {.max_batch = 3, .max_queue = 1024});
  std::vector<std::unique_ptr<TestOp>> ops;
  for (int i = 0; i <= 7; ++i) ops.push_back(std::make_unique<TestOp>(i));
  ReleaseOnExit release{applier};
  const auto callers = StartBehindHeldBatch(pipeline, applier, ops);
  applier.Release();
  for (auto& caller : callers) BOOST_TEST(caller->Join().ok());
  const auto calls = applier.calls();
  BOOST_TEST((calls == std::vector<std::vector<int>>{{0}, {1, 2, 3}, {4, 5, 6}, {7}}),
             "ApplyBatch calls: " << Show(calls));
}

BOOST_AUTO_TEST_CASE(a_failed_batch_is_reapplied_one_by_one_and_only_the_faulty_operation_fails) {
  RecordingApplier applier(/*hold_first=*/true);
  storage::CommitPipeline pipeline(storage, {.max_batch = 1024, .max_queue = 1024});
  std::vector<std::unique_ptr<TestOp>> ops;
  ops.push_back(std::make_unique<TestOp>(0));
  ops.push_back(std::make_unique<TestOp>(1));
  ops.push_back(std::make_unique<TestOp>(2));
  ops.push_back(std::make_unique<TestOp>(3, /*poison=*/false, /*reject=*/true));
  ops.push_back(std::make_unique<TestOp>(4, /*poison=*/true));
  ops.push_back(std::make_unique<TestOp>(5));
  ops.push_back(std::make_unique<TestOp>(6));
  ReleaseOnExit release{applier};
  const auto callers = StartBehindHeldBatch(pipeline, applier, ops);
  applier.Release();
  std::vector<Status> statuses;
  for (auto& caller : callers) statuses.push_back(caller->Join());

  const auto calls = applier.calls();
  BOOST_TEST((calls == std::vector<std::vector<int>>{
                           {0}, {1, 2, 3, 4, 5, 6}, {1}, {2}, {3}, {4}, {5}, {6}}),
             "ApplyBatch calls: " << Show(calls));
  for (int i : {0, 1, 2, 5, 6}) {
    BOOST_TEST(statuses[i].ok(), "operation " << i << ": " << statuses[i].ToString());
    BOOST_TEST(RowExists(i), "row of operation " << i);
  }
  // The operation that refused itself keeps its own outcome, and wrote nothing.
  BOOST_TEST((statuses[3].code() == StatusCode::kFailedPrecondition));
  BOOST_TEST(statuses[3].reason() == "rejected");
  BOOST_TEST(!RowExists(3));
  // The faulty one fails with what the applier said about it alone; its writes were rolled back
  // both times (with the batch, and alone).
  BOOST_TEST((statuses[4].code() == StatusCode::kInternal));
  BOOST_TEST(statuses[4].message().find("operation 4") != std::string::npos, statuses[4].ToString());
  BOOST_TEST(!RowExists(4));

  // A faulty operation alone in its batch fails once, without being applied again.
  TestOp lone(7, /*poison=*/true);
  const Status alone = pipeline.Execute(applier, lone);
  BOOST_TEST((alone.code() == StatusCode::kInternal), alone.ToString());
  BOOST_TEST(applier.calls().size() == calls.size() + 1);
  BOOST_TEST(!RowExists(7));
}

BOOST_AUTO_TEST_CASE(a_full_queue_answers_pipeline_full_at_once) {
  RecordingApplier applier(/*hold_first=*/true);
  storage::CommitPipeline pipeline(storage, {.max_batch = 1024, .max_queue = 2});
  TestOp op0(0), op1(1), op2(2), op3(3), op4(4);
  std::vector<std::unique_ptr<Caller>> callers;
  ReleaseOnExit release{applier};

  callers.push_back(std::make_unique<Caller>(pipeline, applier, op0));
  BOOST_REQUIRE(applier.WaitUntilHolding());
  // The batch being applied does not count: two more may wait.
  callers.push_back(std::make_unique<Caller>(pipeline, applier, op1));
  callers.back()->WaitUntilQueued();
  callers.push_back(std::make_unique<Caller>(pipeline, applier, op2));
  callers.back()->WaitUntilQueued();

  // The queue is full and the writer is held: the next call must answer without waiting for it.
  // It runs on a thread so that a pipeline that made it wait would fail the test, not hang it.
  std::atomic<bool> answered{false};
  Status full;
  std::thread overflow([&] {
    full = pipeline.Execute(applier, op3);
    answered.store(true);
  });
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!answered.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  BOOST_TEST(answered.load(), "Execute waited although the queue was full");
  applier.Release();  // lets a waiting overflow call finish, so that the join cannot hang
  overflow.join();
  BOOST_TEST((full.code() == StatusCode::kUnavailable), full.ToString());
  BOOST_TEST(full.reason() == "pipeline_full");

  for (auto& caller : callers) BOOST_TEST(caller->Join().ok());
  // Room again: calls are accepted.
  BOOST_TEST(pipeline.Execute(applier, op4).ok());
  const auto calls = applier.calls();
  BOOST_TEST((calls == std::vector<std::vector<int>>{{0}, {1, 2}, {4}}),
             "ApplyBatch calls: " << Show(calls));
  BOOST_TEST(!RowExists(3));
}

BOOST_AUTO_TEST_CASE(the_destructor_applies_every_queued_operation_before_returning) {
  RecordingApplier applier(/*hold_first=*/true);
  auto pipeline = std::make_unique<storage::CommitPipeline>(
      storage, storage::CommitPipelineOptions{.max_batch = 1024, .max_queue = 1024});
  std::vector<std::unique_ptr<TestOp>> ops;
  for (int i = 0; i <= 5; ++i) ops.push_back(std::make_unique<TestOp>(i));
  std::vector<std::unique_ptr<Caller>> callers;
  std::optional<std::thread> destroyer;
  struct JoinOnExit {
    std::optional<std::thread>& thread;
    ~JoinOnExit() {
      if (thread && thread->joinable()) thread->join();
    }
  } join_destroyer{destroyer};
  ReleaseOnExit release{applier};

  callers.push_back(std::make_unique<Caller>(*pipeline, applier, *ops[0]));
  BOOST_REQUIRE(applier.WaitUntilHolding());
  for (int i = 1; i <= 5; ++i) {
    callers.push_back(std::make_unique<Caller>(*pipeline, applier, *ops[i]));
    callers.back()->WaitUntilQueued();
  }
  // The destructor starts while five operations wait and the writer is busy...
  std::atomic<pid_t> destroyer_tid{0};
  std::atomic<bool> destroyed{false};
  destroyer.emplace([&] {
    destroyer_tid.store(::gettid());
    pipeline.reset();
    destroyed.store(true);
  });
  while (destroyer_tid.load() == 0) std::this_thread::yield();
  const pid_t tid = destroyer_tid.load();
  BOOST_REQUIRE_MESSAGE(WaitUntilAsleep(std::span<const pid_t>(&tid, 1)),
                        "the destructor did not wait for the writer");
  BOOST_TEST(!destroyed.load());
  // ...and returns only once all of them were applied.
  applier.Release();
  destroyer->join();
  for (int i = 0; i <= 5; ++i) {
    const Status status = callers[i]->Join();
    BOOST_TEST(status.ok(), "operation " << i << ": " << status.ToString());
  }
  const auto calls = applier.calls();
  BOOST_TEST((calls == std::vector<std::vector<int>>{{0}, {1, 2, 3, 4, 5}}),
             "ApplyBatch calls: " << Show(calls));
  for (int i = 0; i <= 5; ++i) BOOST_TEST(RowExists(i), "row of operation " << i);
}

// With several writers the writers take turns: while a batch is being applied, what queues
// behind it waits for the turn (and so for that batch's row locks), then goes as one batch.
BOOST_AUTO_TEST_CASE(with_two_writers_the_next_batch_waits_until_the_one_before_is_applied) {
  RecordingApplier applier(/*hold_first=*/true);
  storage::CommitPipeline pipeline(storage, {.max_batch = 1024, .max_queue = 1024, .writers = 2});
  std::vector<std::unique_ptr<TestOp>> ops;
  for (int i = 0; i <= 4; ++i) ops.push_back(std::make_unique<TestOp>(i));
  ReleaseOnExit release{applier};
  const auto callers = StartBehindHeldBatch(pipeline, applier, ops);
  // The idle second writer had every chance to take them; it must not while batch 0 is applied.
  std::this_thread::sleep_for(100ms);
  BOOST_TEST((applier.calls() == std::vector<std::vector<int>>{{0}}),
             "ApplyBatch calls while batch 0 was applied: " << Show(applier.calls()));
  applier.Release();
  for (auto& caller : callers) BOOST_TEST(caller->Join().ok());
  BOOST_TEST((applier.calls() == std::vector<std::vector<int>>{{0}, {1, 2, 3, 4}}),
             "ApplyBatch calls: " << Show(applier.calls()));
}

// ...and once a batch is applied and only its commit remains, the next batch goes ahead: it is
// applied and committed, and its callers answered, while the previous commit is still flushing.
BOOST_AUTO_TEST_CASE(with_two_writers_the_next_batch_commits_while_the_one_before_flushes) {
  auto slow = std::make_shared<SlowFirstFlushStorage>(storage);
  RecordingApplier applier(/*hold_first=*/false);
  storage::CommitPipeline pipeline(slow, {.max_batch = 1024, .max_queue = 1024, .writers = 2});
  ReleaseSlowOnExit release{*slow};
  TestOp first(0), second(1);

  Caller first_caller(pipeline, applier, first);
  BOOST_REQUIRE_MESSAGE(slow->WaitUntilHolding(), "the first commit never happened");
  Caller second_caller(pipeline, applier, second);
  const Status second_status = second_caller.Join();
  BOOST_TEST(second_status.ok(), second_status.ToString());
  BOOST_TEST(RowExists(1));
  slow->Release();
  BOOST_TEST(first_caller.Join().ok());
  BOOST_TEST((applier.calls() == std::vector<std::vector<int>>{{0}, {1}}),
             "ApplyBatch calls: " << Show(applier.calls()));
}

// ...unless the batch's applier holds the turn through its commits (the bookings of one hot
// event, which the next batch would only wait for): then the next batch is taken and applied
// only once the one before has committed.
class TurnHoldingApplier final : public storage::BatchApplier {
 public:
  Status ApplyBatch(spi::Transaction& tx, storage::BatchContext& context,
                    std::span<storage::BatchOperation* const> operations) override {
    return inner_.ApplyBatch(tx, context, operations);
  }
  bool HoldsTurnUntilCommitted(
      std::span<storage::BatchOperation* const> /*operations*/) const override {
    return true;
  }
  std::vector<std::vector<int>> calls() { return inner_.calls(); }

 private:
  RecordingApplier inner_{/*hold_first=*/false};
};

BOOST_AUTO_TEST_CASE(an_applier_that_holds_the_turn_keeps_the_next_batch_until_its_commit) {
  auto slow = std::make_shared<SlowFirstFlushStorage>(storage);
  TurnHoldingApplier applier;
  storage::CommitPipeline pipeline(slow, {.max_batch = 1024, .max_queue = 1024, .writers = 2});
  ReleaseSlowOnExit release{*slow};
  TestOp first(0), second(1), third(2);

  Caller first_caller(pipeline, applier, first);
  BOOST_REQUIRE_MESSAGE(slow->WaitUntilHolding(), "the first commit never happened");
  Caller second_caller(pipeline, applier, second);
  Caller third_caller(pipeline, applier, third);
  std::this_thread::sleep_for(100ms);  // time enough for the idle writer, were it allowed
  BOOST_TEST((applier.calls() == std::vector<std::vector<int>>{{0}}),
             "ApplyBatch calls while batch 0 flushed: " << Show(applier.calls()));
  BOOST_TEST(!second_caller.Done());
  slow->Release();
  BOOST_TEST(first_caller.Join().ok());
  BOOST_TEST(second_caller.Join().ok());
  BOOST_TEST(third_caller.Join().ok());
  // Both waited behind batch 0, so they went as one batch (in the order they arrived).
  auto calls = applier.calls();
  BOOST_REQUIRE_EQUAL(calls.size(), 2u);
  std::sort(calls[1].begin(), calls[1].end());
  BOOST_TEST((calls == std::vector<std::vector<int>>{{0}, {1, 2}}), "ApplyBatch calls: " << Show(calls));
  BOOST_TEST(RowExists(1));
  BOOST_TEST(RowExists(2));
}

// ...and the callers of such a batch, calling again as soon as they are answered, go into the
// next batch with the operations that waited behind it, not into a batch of their own after it.
BOOST_AUTO_TEST_CASE(the_callers_of_a_batch_that_held_the_turn_are_gathered_into_the_next_one) {
  auto slow = std::make_shared<SlowFirstFlushStorage>(storage);
  TurnHoldingApplier applier;
  // A gap no caller's thread can miss on a busy machine; the test never waits it out.
  storage::CommitPipeline pipeline(slow, {.max_batch = 1024,
                                          .max_queue = 1024,
                                          .writers = 2,
                                          .gather_gap = std::chrono::seconds(10),
                                          .gather_at_most = std::chrono::seconds(15)});
  ReleaseSlowOnExit release{*slow};
  TestOp first(0), second(1), again(2);

  // Operation 0's caller calls again with operation 2 once answered.
  AsyncCall first_caller([&] {
    const Status status = pipeline.Execute(applier, first);
    return status.ok() ? pipeline.Execute(applier, again) : status;
  });
  BOOST_REQUIRE_MESSAGE(slow->WaitUntilHolding(), "the first commit never happened");
  Caller second_caller(pipeline, applier, second);
  second_caller.WaitUntilQueued();
  slow->Release();
  BOOST_TEST(first_caller.Join().ok());
  BOOST_TEST(second_caller.Join().ok());
  BOOST_TEST((applier.calls() == std::vector<std::vector<int>>{{0}, {1, 2}}),
             "ApplyBatch calls: " << Show(applier.calls()));
  BOOST_TEST(RowExists(2));
}

// An applier that asks for it (the chat) is finished in the order its batches were applied:
// the second batch commits while the first one's writer is still held after its commit, but it
// is told (Committed) and its caller answered only after the first.
class OrderedApplier final : public storage::BatchApplier {
 public:
  Status ApplyBatch(spi::Transaction& tx, storage::BatchContext& context,
                    std::span<storage::BatchOperation* const> operations) override {
    return inner_.ApplyBatch(tx, context, operations);
  }
  void Committed(std::span<storage::BatchOperation* const> operations) override {
    std::vector<int> ids;
    for (storage::BatchOperation* op : operations) ids.push_back(static_cast<TestOp*>(op)->id);
    std::lock_guard lock(mu_);
    committed_.push_back(ids);
  }
  bool FinishesInOrder() const override { return true; }
  std::vector<std::vector<int>> committed() {
    std::lock_guard lock(mu_);
    return committed_;
  }

 private:
  RecordingApplier inner_{/*hold_first=*/false};
  std::mutex mu_;
  std::vector<std::vector<int>> committed_;
};

BOOST_AUTO_TEST_CASE(an_applier_that_asks_is_finished_in_the_order_its_batches_were_applied) {
  auto slow = std::make_shared<SlowFirstFlushStorage>(storage);
  OrderedApplier applier;
  storage::CommitPipeline pipeline(slow, {.max_batch = 1024, .max_queue = 1024, .writers = 2});
  ReleaseSlowOnExit release{*slow};
  TestOp first(0), second(1);

  Caller first_caller(pipeline, applier, first);
  BOOST_REQUIRE_MESSAGE(slow->WaitUntilHolding(), "the first commit never happened");
  Caller second_caller(pipeline, applier, second);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!RowExists(1) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  BOOST_REQUIRE_MESSAGE(RowExists(1), "the second batch never committed");
  std::this_thread::sleep_for(100ms);  // time enough for its writer to go on, were it allowed
  BOOST_TEST(!second_caller.Done());
  BOOST_TEST(applier.committed().empty());
  slow->Release();
  BOOST_TEST(first_caller.Join().ok());
  BOOST_TEST(second_caller.Join().ok());
  BOOST_TEST((applier.committed() == std::vector<std::vector<int>>{{0}, {1}}),
             "Committed calls: " << Show(applier.committed()));
}

// A submitted operation is not deleted by the writer that called its `done`, but by the next
// Submit, on the submitting thread (whose allocator arena it came from), or by the destructor.
BOOST_AUTO_TEST_CASE(a_submitted_operation_is_deleted_by_the_next_submit_or_the_destructor) {
  RecordingApplier applier(/*hold_first=*/false);
  auto pipeline = std::make_unique<storage::CommitPipeline>(
      storage, storage::CommitPipelineOptions{.max_batch = 1024, .max_queue = 1024});
  std::mutex mu;
  std::condition_variable changed;
  std::vector<int> done_ids;
  std::vector<std::pair<int, std::thread::id>> deleted;  // operation, deleting thread
  auto submit = [&](int id) {
    auto op = std::make_unique<TestOp>(id);
    op->on_destroy = [&, id] {
      std::lock_guard lock(mu);
      deleted.emplace_back(id, std::this_thread::get_id());
    };
    const Status queued =
        pipeline->Submit(applier, std::move(op), [&](storage::BatchOperation& base) {
          std::lock_guard lock(mu);
          done_ids.push_back(static_cast<TestOp&>(base).id);
          changed.notify_all();
        });
    BOOST_REQUIRE_MESSAGE(queued.ok(), queued.ToString());
  };
  auto wait_done = [&](std::size_t count) {
    std::unique_lock lock(mu);
    return changed.wait_for(lock, 20s, [&] { return done_ids.size() >= count; });
  };

  submit(0);
  BOOST_REQUIRE_MESSAGE(wait_done(1), "operation 0 was never done");
  // One writer: this returns once the writer finished a later batch, so it is done with 0.
  TestOp later(100);
  BOOST_REQUIRE(pipeline->Execute(applier, later).ok());
  {
    std::lock_guard lock(mu);
    BOOST_TEST(deleted.empty());
  }
  submit(1);  // deletes operation 0, here, before queueing operation 1
  {
    std::lock_guard lock(mu);
    BOOST_REQUIRE(deleted.size() == 1u);
    BOOST_TEST(deleted[0].first == 0);
    BOOST_TEST((deleted[0].second == std::this_thread::get_id()));
  }
  BOOST_REQUIRE_MESSAGE(wait_done(2), "operation 1 was never done");
  {
    std::lock_guard lock(mu);
    BOOST_TEST(deleted.size() == 1u);
  }
  pipeline.reset();  // the destructor deletes operation 1
  std::lock_guard lock(mu);
  BOOST_TEST(deleted.size() == 2u);
  BOOST_TEST(deleted.back().first == 1);
  BOOST_TEST((done_ids == std::vector<int>{0, 1}));
}

// Wake-ups are passed from caller to caller: every caller of a large batch is answered.
BOOST_AUTO_TEST_CASE(every_caller_of_a_large_batch_is_answered) {
  RecordingApplier applier(/*hold_first=*/true);
  storage::CommitPipeline pipeline(storage, {.max_batch = 1024, .max_queue = 1024});
  std::vector<std::unique_ptr<TestOp>> ops;
  for (int i = 0; i <= 40; ++i) ops.push_back(std::make_unique<TestOp>(i, false, i % 7 == 3));
  ReleaseOnExit release{applier};
  const auto callers = StartBehindHeldBatch(pipeline, applier, ops);
  applier.Release();
  for (int i = 0; i <= 40; ++i) {
    const Status status = callers[i]->Join();
    // Each caller gets its own outcome, not a neighbour's.
    BOOST_TEST(status.ok() == (i % 7 != 3), "operation " << i << ": " << status.ToString());
  }
  BOOST_TEST(applier.calls().size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

// ================================================================================================

BOOST_FIXTURE_TEST_SUITE(through_the_engine, EngineFixture)

BOOST_AUTO_TEST_CASE(transfers_that_fail_in_a_batch_fail_alone_and_the_others_commit) {
  BalanceModel model;
  for (int t = 0; t < 30; ++t) {
    Fund("v" + std::to_string(t), 1000);
    model.Apply(Funding("", "v" + std::to_string(t), 1000));
  }
  Fund("shared", 1000);
  model.Apply(Funding("", "shared", 1000));
  const TransferRequest pre_request = Move("pre", Wallet("v28"), Revenue(), 50);
  auto pre = ledger().CreateTransfer(pre_request);
  BOOST_REQUIRE_MESSAGE(pre.ok(), pre.status().ToString());
  model.Apply(pre_request);

  std::vector<TransferRequest> requests;
  for (int t = 0; t < 20; ++t) {  // valid, each from its own wallet
    requests.push_back(
        Move("pay-" + std::to_string(t), Wallet("v" + std::to_string(t)), Revenue(), 100 + t));
  }
  for (int t = 20; t < 24; ++t) {  // more than the wallet holds
    requests.push_back(
        Move("over-" + std::to_string(t), Wallet("v" + std::to_string(t)), Revenue(), 1001 + t));
  }
  for (int t = 24; t < 28; ++t) {  // one wallet with room for two of the four
    requests.push_back(Move("shared-" + std::to_string(t), Wallet("shared"), Revenue(), 400));
  }
  requests.push_back(Move("pre", Wallet("v28"), Revenue(), 60));    // 28: "pre" moved 50
  requests.push_back(Move("pay-0", Wallet("v29"), Revenue(), 77));  // 29: races 0 for its key
  requests.push_back(requests[1]);                                  // 30: a retry of 1
  requests.push_back(pre_request);                                  // 31: a retry of "pre"
  BOOST_REQUIRE(requests.size() == 32u);

  const auto results = Burst(requests);
  for (std::size_t i = 0; i < results.size(); ++i) {
    BOOST_TEST_MESSAGE("call " << i << ": " << Describe(results[i]));
  }

  for (int t = 1; t < 20; ++t) {
    BOOST_REQUIRE_MESSAGE(results[t].ok(), "call " << t << ": " << Describe(results[t]));
    BOOST_TEST(results[t]->amount.minor_units == 100 + t);
    BOOST_TEST((results[t]->from == requests[t].from));
    BOOST_TEST((results[t]->status == TransferStatus::kPosted));
    BOOST_TEST(results[t]->idempotency_key == requests[t].idempotency_key);
  }
  // One key, two different requests: whichever came first is the transfer, the other is refused.
  BOOST_TEST(results[0].ok() != results[29].ok(),
             "0: " << Describe(results[0]) << "; 29: " << Describe(results[29]));
  const int winner = results[0].ok() ? 0 : 29;
  const int loser = 29 - winner;
  BOOST_TEST(Refused(results[loser], StatusCode::kAlreadyExists, "idempotency_key_reused"),
             Describe(results[loser]));
  if (results[winner].ok()) {
    BOOST_TEST(results[winner]->amount.minor_units == requests[winner].amount.minor_units);
    BOOST_TEST((results[winner]->from == requests[winner].from));
  }
  for (int t = 20; t < 24; ++t) {
    BOOST_TEST(Refused(results[t], StatusCode::kFailedPrecondition, "insufficient_funds"),
               "call " << t << ": " << Describe(results[t]));
  }
  int shared_ok = 0;
  for (int t = 24; t < 28; ++t) {
    if (results[t].ok()) {
      ++shared_ok;
    } else {
      BOOST_TEST(Refused(results[t], StatusCode::kFailedPrecondition, "insufficient_funds"),
                 "call " << t << ": " << Describe(results[t]));
    }
  }
  BOOST_TEST(shared_ok == 2);
  BOOST_TEST(Refused(results[28], StatusCode::kAlreadyExists, "idempotency_key_reused"),
             Describe(results[28]));
  BOOST_REQUIRE_MESSAGE(results[30].ok(), Describe(results[30]));
  BOOST_TEST(results[30]->id == results[1]->id);
  BOOST_REQUIRE_MESSAGE(results[31].ok(), Describe(results[31]));
  BOOST_TEST(results[31]->id == pre->id);
  BOOST_TEST(results[31]->amount.minor_units == 50);

  // Balances: every distinct successful transfer, once.
  std::set<std::string> applied{pre->id};
  for (const auto& result : results) {
    if (result.ok() && applied.insert(result->id).second) model.Apply(*result);
  }
  for (int t = 0; t < 30; ++t) {
    const AccountRef wallet = Wallet("v" + std::to_string(t));
    BOOST_TEST(PostedBalance(ledger(), wallet) == model.of(wallet), "wallet v" << t);
  }
  BOOST_TEST(PostedBalance(ledger(), Wallet("shared")) == 200);
  BOOST_TEST(PostedBalance(ledger(), Revenue()) == model.of(Revenue()));
  BOOST_TEST(PostedBalance(ledger(), Clearing()) == model.of(Clearing()));
  const AuditReport report = ExpectCleanAudit(ledger());
  BOOST_TEST(report.transfers_checked == static_cast<std::int64_t>(funds + applied.size()));

  // A refused request created nothing: once the money is there, its retry goes through.
  Fund("v20", 5000);
  auto retried = ledger().CreateTransfer(requests[20]);
  BOOST_TEST(retried.ok(), Describe(retried));
  ExpectCleanAudit(ledger());
}

BOOST_AUTO_TEST_CASE(a_retry_returns_the_original_transfer_even_from_many_threads_in_one_batch) {
  Fund("ada", 1000);
  const TransferRequest first = Move("ticket-1", Wallet("ada"), Revenue(), 250);
  auto original = ledger().CreateTransfer(first);
  BOOST_REQUIRE_MESSAGE(original.ok(), original.status().ToString());
  auto again = ledger().CreateTransfer(first);
  BOOST_REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  BOOST_TEST(again->id == original->id);
  BOOST_TEST((again->created_at == original->created_at));
  BOOST_TEST((again->status == original->status));
  BOOST_TEST(PostedBalance(ledger(), Wallet("ada")) == 750);

  // Sixteen retries of the first transfer and sixteen callers of a new one with one key, at once.
  const TransferRequest second = Move("ticket-2", Wallet("ada"), Revenue(), 300);
  std::vector<TransferRequest> requests;
  for (int i = 0; i < 16; ++i) {
    requests.push_back(first);
    requests.push_back(second);
  }
  const auto results = Burst(requests);
  std::set<std::string> second_ids;
  for (std::size_t i = 0; i < results.size(); ++i) {
    BOOST_REQUIRE_MESSAGE(results[i].ok(), "call " << i << ": " << Describe(results[i]));
    if (i % 2 == 0) {
      BOOST_TEST(results[i]->id == original->id);
      BOOST_TEST((results[i]->created_at == original->created_at));
    } else {
      BOOST_TEST(results[i]->amount.minor_units == 300);
      second_ids.insert(results[i]->id);
    }
  }
  BOOST_TEST(second_ids.size() == 1u);
  BOOST_TEST(!second_ids.count(original->id));
  BOOST_TEST(PostedBalance(ledger(), Wallet("ada")) == 1000 - 250 - 300);
  BOOST_TEST(PostedBalance(ledger(), Revenue()) == 250 + 300);
  // A later retry still answers the same transfer.
  auto later = ledger().CreateTransfer(second);
  BOOST_REQUIRE(later.ok());
  BOOST_TEST(second_ids.count(later->id) == 1u);
  AuditReport report = ExpectCleanAudit(ledger());
  BOOST_TEST(report.transfers_checked == 3);

  // A refused request created nothing, however many callers sent it at once; once the money is
  // there, all retries, at once, make one transfer.
  const TransferRequest third = Move("ticket-3", Wallet("bob"), Revenue(), 500);
  for (const auto& result : Burst(std::vector<TransferRequest>(8, third))) {
    BOOST_TEST(Refused(result, StatusCode::kFailedPrecondition, "insufficient_funds"),
               Describe(result));
  }
  Fund("bob", 500);
  std::set<std::string> third_ids;
  for (const auto& result : Burst(std::vector<TransferRequest>(8, third))) {
    BOOST_REQUIRE_MESSAGE(result.ok(), Describe(result));
    third_ids.insert(result->id);
  }
  BOOST_TEST(third_ids.size() == 1u);
  BOOST_TEST(PostedBalance(ledger(), Wallet("bob")) == 0);
  report = ExpectCleanAudit(ledger());
  BOOST_TEST(report.transfers_checked == 5);
}

BOOST_AUTO_TEST_SUITE_END()

// ================================================================================================

BOOST_AUTO_TEST_SUITE(two_engines)

BOOST_AUTO_TEST_CASE(two_engines_on_one_database_never_overdraw_a_shared_wallet) {
  TwoEngines two;
  constexpr std::int64_t kFunds = 200'000;
  auto funded = two.ledger(0).CreateTransfer(Funding("fund-shared", "shared", kFunds));
  BOOST_REQUIRE_MESSAGE(funded.ok(), funded.status().ToString());

  constexpr int kThreads = 12;  // half on each engine
  constexpr int kCalls = 40;    // of 1..1000: about 240,000 asked for, more than there is
  struct Tally {
    std::int64_t spent = 0;
    int succeeded = 0;
    int refused = 0;
    std::vector<std::string> unexpected;
  };
  std::vector<Tally> tallies(kThreads);
  const unsigned seed = std::random_device{}();
  BOOST_TEST_MESSAGE("seed " << seed);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Ledger& ledger = two.ledger(t % 2);
      std::mt19937 random(seed + t);
      std::uniform_int_distribution<std::int64_t> amount(1, 1000);
      Tally& tally = tallies[t];
      start.arrive_and_wait();
      for (int i = 0; i < kCalls; ++i) {
        const std::int64_t asked = amount(random);
        const AccountRef to = i % 3 == 0 ? Revenue() : Wallet("sink-" + std::to_string(t % 4));
        auto result = ledger.CreateTransfer(
            Move("spend-" + std::to_string(t) + "-" + std::to_string(i), Wallet("shared"), to,
                 asked));
        if (result.ok() && result->amount.minor_units == asked) {
          tally.spent += asked;
          ++tally.succeeded;
        } else if (Refused(result, StatusCode::kFailedPrecondition, "insufficient_funds")) {
          ++tally.refused;
        } else {
          tally.unexpected.push_back(Describe(result));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  std::int64_t spent = 0;
  int succeeded = 0, refused = 0;
  for (const Tally& tally : tallies) {
    spent += tally.spent;
    succeeded += tally.succeeded;
    refused += tally.refused;
    for (const auto& line : tally.unexpected) BOOST_ERROR("unexpected outcome: " << line);
  }
  BOOST_TEST_MESSAGE(succeeded << " payments went through, " << refused << " were refused");
  for (int e = 0; e < 2; ++e) {
    auto shared = two.ledger(e).GetBalance(Wallet("shared"));
    BOOST_REQUIRE(shared.ok());
    BOOST_TEST(shared->posted >= 0, "engine " << e);
    BOOST_TEST(shared->available() >= 0, "engine " << e);
    BOOST_TEST(kFunds - shared->posted == spent, "engine " << e);
    std::int64_t received = PostedBalance(two.ledger(e), Revenue());
    for (int s = 0; s < 4; ++s) received += PostedBalance(two.ledger(e), Wallet("sink-" + std::to_string(s)));
    BOOST_TEST(received == spent, "engine " << e);
    const AuditReport report = ExpectCleanAudit(two.ledger(e), "engine " + std::to_string(e));
    BOOST_TEST(report.transfers_checked == 1 + succeeded);
  }
}

BOOST_AUTO_TEST_CASE(one_key_sent_to_two_engines_at_once_makes_one_transfer) {
  TwoEngines two;
  constexpr std::int64_t kFunds = 1'000'000;
  auto funded = two.ledger(0).CreateTransfer(Funding("fund-src", "src", kFunds));
  BOOST_REQUIRE_MESSAGE(funded.ok(), funded.status().ToString());

  constexpr int kRounds = 40;
  std::int64_t moved = 0;
  std::set<std::string> ids;
  for (int round = 0; round < kRounds; ++round) {
    // Alternately one caller per engine (each engine's batch holds just it) and three.
    const int per_engine = round % 2 == 0 ? 1 : 3;
    const TransferRequest request =
        Move("dual-" + std::to_string(round), Wallet("src"), Revenue(), 10 + round);
    std::vector<std::optional<Result<Transfer>>> results(2 * per_engine);
    std::latch start(2 * per_engine);
    std::vector<std::thread> threads;
    for (int c = 0; c < 2 * per_engine; ++c) {
      threads.emplace_back([&, c] {
        start.arrive_and_wait();
        results[c].emplace(two.ledger(c % 2).CreateTransfer(request));
      });
    }
    for (auto& thread : threads) thread.join();
    std::set<std::string> round_ids;
    for (int c = 0; c < 2 * per_engine; ++c) {
      const Result<Transfer>& result = *results[c];
      BOOST_TEST(result.ok(), "round " << round << ", engine " << c % 2 << ": " << Describe(result));
      if (!result.ok()) continue;
      BOOST_TEST(result->amount.minor_units == 10 + round);
      round_ids.insert(result->id);
    }
    BOOST_TEST(round_ids.size() <= 1u, "round " << round << ": " << round_ids.size() << " transfers");
    ids.insert(round_ids.begin(), round_ids.end());
    moved += 10 + round;
  }
  BOOST_TEST(ids.size() == static_cast<std::size_t>(kRounds));
  for (int e = 0; e < 2; ++e) {
    BOOST_TEST(PostedBalance(two.ledger(e), Wallet("src")) == kFunds - moved, "engine " << e);
    BOOST_TEST(PostedBalance(two.ledger(e), Revenue()) == moved, "engine " << e);
    const AuditReport report = ExpectCleanAudit(two.ledger(e), "engine " + std::to_string(e));
    BOOST_TEST(report.transfers_checked == 1 + kRounds);
  }
}

BOOST_AUTO_TEST_SUITE_END()
