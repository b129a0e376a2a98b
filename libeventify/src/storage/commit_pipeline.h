// CommitPipeline: the storage layer's way to write many domain operations per commit.
//
// Callers on many threads hand in operations; one writer thread takes everything queued (up to
// a batch limit), applies it in ONE read-write transaction with ONE durable commit, and only
// then wakes each caller with its own outcome. Durability is per commit, so its cost (an fsync)
// is shared by the whole batch instead of paid by every operation, and a hot row is locked once
// per batch instead of once per operation.
//
// Each domain (the ledger now; booking holds and chat messages next) contributes a BatchApplier
// that applies a batch with set-based statements and decides each operation's outcome on its
// own: one invalid operation fails alone. If a batch fails as a whole (a storage error, a race
// with another node), the pipeline rolls it back and applies its operations one by one, so that
// no operation is ever failed because of a batch-mate.
//
// Several areas in one batch, one commit. A batch holds the operations of every applier that was
// queued (grouped by applier, arrival order kept within each group), all applied in the same
// transaction. Rules that several areas use live in parts shared through the batch's
// BatchContext rather than inside one applier: the ledger's TransferBatch (ledger/transfer_batch.h)
// is such a part, so a booking applier stages "take the payment" in the very TransferBatch the
// ledger's own applier stages plain transfers in, and the seats and the money commit together.
// A part stages in memory while the appliers run and writes once, when the pipeline finishes the
// context after the last applier: one look-up and one write per table for the whole batch,
// whichever areas asked for it.
//
// Order and fairness: operations are applied in arrival order (a FIFO queue; within a batch the
// applier keeps that order), so a caller never starves and transfers of one wallet apply in the
// order they arrived. The queue is bounded: when full, Execute answers kUnavailable
// pipeline_full at once instead of letting latency grow without limit.
//
// Several batches in flight (options.writers > 1, for databases that commit concurrently such as
// PostgreSQL): the writers take turns. A writer takes a batch from the queue and applies it only
// while it holds the turn, and hands the turn on once its batch has been applied and only the
// commit (the durable flush) remains. So the next batch is applied while the previous one is
// being flushed, and because the previous batch still holds its row locks until its commit, the
// next one waits for those rows: operations on one account still apply in arrival order (a batch
// that locks a hot row the next batch will want keeps the turn through its commit instead:
// BatchApplier::HoldsTurnUntilCommitted). (Two
// rare exceptions, both after the turn was handed on: operations re-applied one by one after a
// failed COMMIT, and a batch the storage runs again because its COMMIT hit a conflict, may land
// after a later batch.) On SQLite, whose writes are serialised, one writer is right. Batches are
// finished (appliers told, callers answered) as their writers get there, but those of an applier
// that asks for it (BatchApplier::FinishesInOrder) in the order they were applied.
//
// Gathering the callers. A batch that held the turn through its commit (above) is answered only
// after it, and by then the next writer has taken the turn. Its callers, when they call again
// at once (many buyers of one hot event, each in a loop), would find that batch already taken
// and wait for the one after: at 64 buyers two batches of 32 took turns, each paying its
// statements and its commit. So a writer that takes the turn after such a batch waits for
// those callers while fewer than `gather_below` operations (at most `max_batch`) are queued, as
// long as each next one arrives within `gather_gap`, and never past `gather_at_most` after
// that batch handed the turn on. Callers that do not call again at once (say, over HTTP) cost
// the next batch one gap at most. At 64 buyers the batches hold 63-64 bookings
// (docs/performance.md, "Gathering the callers"). Submitted operations, and the operations of
// a batch that failed and was re-applied one by one, have no caller waited for.
//
// Waiting or not. Execute blocks its caller until the commit; Submit hands the operation over and
// returns, and the writer calls the operation's `done` callback after the commit instead of
// waking a caller. A caller that has many operations to write and must not block (the chat hub's
// single worker thread) submits them all at once, so they share commits. After each commit, and
// before any caller is woken or any `done` is called, the writer tells each applier of the batch
// which of its operations were in it (BatchApplier::Committed): a domain publishes what it
// committed from there, once per batch, in commit order.
//
// Who frees what (Submit). A submitted operation, its item and its `done` were allocated by the
// submitting thread; the writer calls `done` and then, instead of deleting them, leaves them for
// the next Submit, which deletes them on its own thread (all that the writers left, in one go,
// whoever submitted them: the chat submits from the hub's worker only, which made them all).
// With glibc's malloc, memory freed by another thread than the one that allocated it goes back
// under the allocating thread's arena lock, so a writer freeing a thousand operations a batch
// while the chat hub's worker allocates the next ones made each wait on the other's lock, several
// thousand times a second (docs/performance.md, "Frees on the thread that allocated"). The
// operations of the last batches stay until the next Submit or the destructor: at most what the
// writers finished since the last Submit.
//
// Thread-safety: Execute and Submit may be called from any number of threads. The destructor
// drains the queue (every submitted operation is applied and its `done` called) and joins the
// writers; no Execute or Submit may be running or start once it has begun.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "eventify/engine.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"

namespace eventify::storage {

// One queued operation; domains derive from it to carry their request and result.
class BatchOperation {
 public:
  virtual ~BatchOperation() = default;
  Status outcome;  // set by the applier, read by the caller once Execute returns
};

// What the appliers of one batch share inside its transaction: at most one part of each type,
// created by the first applier that asks for it (Get<T>) and finished, in the order the parts
// were created, after every applier has run and before the commit. A context lives for one run of
// the transaction body: a retried body starts from a fresh one.
class BatchContext {
 public:
  class Part {
   public:
    virtual ~Part() = default;
    // Writes what was staged. A failure rolls the whole batch back.
    virtual Status Finish(spi::Transaction& tx) = 0;
  };

  BatchContext() = default;
  BatchContext(const BatchContext&) = delete;
  BatchContext& operator=(const BatchContext&) = delete;

  // The part of type T (derived from Part), made by `make()` (returning std::unique_ptr<T>) the
  // first time it is asked for in this context.
  template <class T, class Make>
  T& Get(Make&& make) {
    const void* key = &kKeyOf<T>;
    for (auto& [part_key, part] : parts_) {
      if (part_key == key) return static_cast<T&>(*part);
    }
    std::unique_ptr<T> made = make();
    T& result = *made;
    parts_.emplace_back(key, std::move(made));
    return result;
  }

  // Finishes every part in creation order; stops at the first failure.
  Status Finish(spi::Transaction& tx);

 private:
  template <class T>
  static constexpr char kKeyOf = 0;  // its address identifies T

  std::vector<std::pair<const void*, std::unique_ptr<Part>>> parts_;
};

class BatchApplier {
 public:
  virtual ~BatchApplier() = default;
  // Applies `operations` in order inside `tx`, setting every operation's outcome (the body may
  // run more than once if the storage retries the transaction). Shared rules (the ledger's
  // transfers) are staged in parts of `context`, which the pipeline finishes after the last
  // applier of the batch. Returns a failure only when the whole batch must be rolled back.
  virtual Status ApplyBatch(spi::Transaction& tx, BatchContext& context,
                            std::span<BatchOperation* const> operations) = 0;

  // Called once per batch after it was committed or failed for good (each operation's outcome
  // says which), with this applier's operations in arrival order, on the writer thread, before
  // any of their callers is woken. Must be quick and must never call Execute or Submit. The
  // default does nothing.
  virtual void Committed(std::span<BatchOperation* const> operations) { (void)operations; }

  // True: the batches holding this applier's operations are finished (Committed, then their
  // callers answered) in the order they were applied, whichever writer ran them, as their
  // commits completed when they conflict. With several writers a batch applied after another
  // that conflicts with it commits after it, but its writer may reach Finish first; an applier
  // whose observers or callers need commit order (the chat: messages of a conversation in
  // sequence order) asks for this. A batch then waits, after its own commit, until the batches
  // applied before it that hold such operations are finished. False (the default): batches
  // finish as their writers get there, so an independent batch is answered while an earlier
  // one still flushes.
  virtual bool FinishesInOrder() const { return false; }

  // True: the batch holding `operations` (this applier's, in arrival order) keeps the turn until
  // its commit is done, so with several writers the next batch is taken only then. For a batch
  // that locks a row the next one will want too (many bookings of one hot event: its seats
  // row), the next batch would take operations from the queue only to wait for that lock while
  // this one flushes: batches half as large, each paying its statements and its commit
  // (PostgreSQL, 64 buyers of one event: a quarter fewer bookings a second,
  // docs/performance.md). False (the default): the turn is handed on as soon as only the
  // commit remains. Called on the writer thread.
  virtual bool HoldsTurnUntilCommitted(std::span<BatchOperation* const> operations) const {
    (void)operations;
    return false;
  }
};

struct CommitPipelineOptions {
  std::size_t max_batch = 1024;   // operations per transaction
  std::size_t max_queue = 65536;  // waiting operations before Execute answers pipeline_full
  int writers = 1;                // batches in flight, each on its own connection
  // Waiting for the callers of a batch that held the turn ("Gathering the callers" above): a
  // writer waits while fewer than `gather_below` operations (at most max_batch) are queued, at
  // most `gather_gap` for each next arrival and until `gather_at_most` after the hand-on. A
  // zero gap never waits.
  std::size_t gather_below = 256;
  std::chrono::microseconds gather_gap{500};
  std::chrono::microseconds gather_at_most{2000};
};

class CommitPipeline {
 public:
  CommitPipeline(std::shared_ptr<spi::Storage> storage, CommitPipelineOptions options);
  ~CommitPipeline();
  CommitPipeline(const CommitPipeline&) = delete;
  CommitPipeline& operator=(const CommitPipeline&) = delete;

  // Queues `operation` for `applier` and blocks until the transaction holding it has committed
  // durably or failed. Returns the operation's outcome (or the storage failure that prevented
  // it). Errors also: kUnavailable pipeline_full.
  Status Execute(BatchApplier& applier, BatchOperation& operation);

  // Queues `operation` for `applier` and returns at once. Once the transaction holding it has
  // committed durably or failed, the writer calls `done(operation)` with its outcome set, on the
  // writer thread: `done` must be quick (hand the result to another thread) and must never call
  // Execute or Submit (the writer would wait for itself). The pipeline owns the operation until
  // the next Submit or the destructor deletes it, after `done` (see "Who frees what" above);
  // Submit first deletes what the writers left, on the calling thread. Errors: kUnavailable
  // pipeline_full (then `done` is never called).
  using Done = std::function<void(BatchOperation& operation)>;
  Status Submit(BatchApplier& applier, std::unique_ptr<BatchOperation> operation, Done done);

  // The pipeline's part of EngineStats (pipeline_*). Thread-safe, lock-free.
  void AddStats(EngineStats& stats) const;

 private:
  // A caller's place in the queue. The caller sleeps on its own condition variable (a futex
  // wait, no spinning: spinning waiters would steal the writer's CPU). Waking a batch's callers
  // is spread over the callers themselves: the writer wakes the first, and each woken caller
  // wakes two more (a binary tree over the batch), so that the writer pays for one wake-up per
  // batch instead of one per operation.
  struct Item {
    BatchApplier* applier = nullptr;
    BatchOperation* operation = nullptr;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    Item* wakes[2] = {nullptr, nullptr};  // set by the writer before the batch is woken
    // Submitted (not waited for): the item owns its operation, and the writer calls `on_done`
    // instead of waking a caller, then buries the item for a later Submit to delete.
    std::unique_ptr<BatchOperation> owned;
    Done on_done;
  };

  static void Wake(Item* item);
  Status Enqueue(Item* item);
  // Tells the appliers, calls the submitted operations' `done`, wakes the waiting callers; the
  // submitted items, done with, go to `spent`.
  static void Finish(std::span<Item* const> batch, std::vector<Item*>& spent);
  // Leaves `spent` (emptied) for the next Submit to delete.
  void Bury(std::vector<Item*>& spent);
  // Deletes what the writers left, on the calling thread.
  void DeleteBuried();
  void WriterLoop();
  // Applies `batch`; calls `hand_on_turn` once, as soon as only the commit remains (or when the
  // batch is done, if it failed). True when the batch committed holding the turn
  // (HoldsTurnUntilCommitted), so that `hand_on_turn` was not called.
  bool ApplyBatch(std::span<Item* const> batch, const std::function<void()>& hand_on_turn);
  // Frees the turn; `returning` callers of the batch are about to be answered (0 when the turn
  // is handed on before the commit, when no caller can have been answered yet).
  void HandOnTurn(std::size_t returning);
  // With `lock` on mu_ and the turn just taken: waits, as the options say, for the callers
  // counted by `returning_` to queue their next operations.
  void GatherReturning(std::unique_lock<std::mutex>& lock);

  const std::shared_ptr<spi::Storage> storage_;
  const CommitPipelineOptions options_;
  std::mutex mu_;
  std::condition_variable work_available_;
  std::deque<Item*> queue_;
  bool turn_taken_ = false;  // a writer is taking or applying a batch
  // The waiting callers of the last batch that held the turn through its commit, less the
  // operations queued since; a writer taking the turn waits for them (GatherReturning). A
  // gathering writer sleeps on `arrived_`, which Enqueue notifies while `gathering_` is set.
  std::size_t returning_ = 0;
  std::chrono::steady_clock::time_point returning_since_{};  // when returning_ was set
  std::condition_variable arrived_;
  std::atomic<bool> gathering_{false};
  bool stopping_ = false;
  // Batches holding operations of an applier that FinishesInOrder, numbered as they take the
  // turn (under mu_), and how many of them have finished (under finish_mu_).
  std::uint64_t next_ordered_ = 0;
  std::mutex finish_mu_;
  std::condition_variable finished_;
  std::uint64_t ordered_finished_ = 0;
  // Statistics, written by the writers (queued_ under mu_ too), read without the lock.
  std::atomic<std::uint64_t> queued_{0};
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> operations_{0};
  std::array<std::atomic<std::uint64_t>, EngineStats::kBatchSizeBounds.size() + 1> batch_sizes_{};
  // Submitted items whose `done` was called, for the next Submit to delete (see above).
  std::mutex buried_mu_;
  std::vector<Item*> buried_;
  std::atomic<bool> any_buried_{false};
  std::vector<std::thread> writers_;  // last: start after everything above is ready
};

}  // namespace eventify::storage
