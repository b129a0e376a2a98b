#include "storage/commit_pipeline.h"

#include <algorithm>
#include <vector>

namespace eventify::storage {

Status BatchContext::Finish(spi::Transaction& tx) {
  for (auto& [key, part] : parts_) {
    Status status = part->Finish(tx);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

namespace {

CommitPipelineOptions Clamped(CommitPipelineOptions options) {
  options.max_batch = std::max<std::size_t>(options.max_batch, 1);
  options.max_queue = std::max<std::size_t>(options.max_queue, 1);
  options.writers = std::max(options.writers, 1);
  options.gather_below = std::min(options.gather_below, options.max_batch);
  return options;
}

}  // namespace

CommitPipeline::CommitPipeline(std::shared_ptr<spi::Storage> storage, CommitPipelineOptions options)
    : storage_(std::move(storage)), options_(Clamped(options)) {
  writers_.reserve(static_cast<std::size_t>(options_.writers));
  for (int i = 0; i < options_.writers; ++i) writers_.emplace_back([this] { WriterLoop(); });
}

CommitPipeline::~CommitPipeline() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_available_.notify_all();
  arrived_.notify_all();
  for (std::thread& writer : writers_) writer.join();
  DeleteBuried();
}

void CommitPipeline::Bury(std::vector<Item*>& spent) {
  if (spent.empty()) return;
  {
    std::lock_guard lock(buried_mu_);
    buried_.insert(buried_.end(), spent.begin(), spent.end());
  }
  any_buried_.store(true, std::memory_order_release);
  spent.clear();
}

void CommitPipeline::DeleteBuried() {
  if (!any_buried_.load(std::memory_order_acquire)) return;
  std::vector<Item*> dead;
  {
    std::lock_guard lock(buried_mu_);
    dead.swap(buried_);
    any_buried_.store(false, std::memory_order_relaxed);
  }
  for (Item* item : dead) delete item;
}

Status CommitPipeline::Enqueue(Item* item) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.max_queue) {
      return Unavailable("pipeline_full",
                         "too many writes are waiting for the database; retry in a moment");
    }
    queue_.push_back(item);
    queued_.store(queue_.size(), std::memory_order_relaxed);
    if (returning_ > 0) --returning_;
  }
  work_available_.notify_one();
  if (gathering_.load(std::memory_order_relaxed)) arrived_.notify_one();
  return Status::Ok();
}

Status CommitPipeline::Submit(BatchApplier& applier, std::unique_ptr<BatchOperation> operation,
                              Done done) {
  DeleteBuried();
  auto item = std::make_unique<Item>();
  item->applier = &applier;
  item->operation = operation.get();
  item->owned = std::move(operation);
  item->on_done = std::move(done);
  Status queued = Enqueue(item.get());
  if (queued.ok()) item.release();  // a later Submit deletes it once `done` was called
  return queued;
}

Status CommitPipeline::Execute(BatchApplier& applier, BatchOperation& operation) {
  Item item;
  item.applier = &applier;
  item.operation = &operation;
  if (Status queued = Enqueue(&item); !queued.ok()) return queued;
  Item* wakes[2];
  {
    std::unique_lock lock(item.mu);
    item.cv.wait(lock, [&] { return item.done; });
    wakes[0] = item.wakes[0];
    wakes[1] = item.wakes[1];
  }
  // Those two are still asleep, so they (and the items they point to) are alive.
  Wake(wakes[0]);
  Wake(wakes[1]);
  return operation.outcome;
}

void CommitPipeline::Wake(Item* item) {
  if (item == nullptr) return;
  std::lock_guard lock(item->mu);
  item->done = true;
  item->cv.notify_one();
}

void CommitPipeline::HandOnTurn(std::size_t returning) {
  {
    std::lock_guard lock(mu_);
    turn_taken_ = false;
    returning_ = returning;
    returning_since_ = std::chrono::steady_clock::now();
  }
  // Writers wait for work and for the turn on one condition variable: wake them all (a few).
  work_available_.notify_all();
}

void CommitPipeline::AddStats(EngineStats& stats) const {
  stats.pipeline_queued = queued_.load(std::memory_order_relaxed);
  stats.pipeline_batches = batches_.load(std::memory_order_relaxed);
  stats.pipeline_operations = operations_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < batch_sizes_.size(); ++i) {
    stats.pipeline_batch_sizes[i] = batch_sizes_[i].load(std::memory_order_relaxed);
  }
}

void CommitPipeline::WriterLoop() {
  std::vector<Item*> batch;
  std::vector<Item*> spent;
  for (;;) {
    batch.clear();
    bool ordered = false;     // the batch holds operations of an applier that FinishesInOrder
    std::uint64_t ticket = 0;  // then: its number among such batches
    {
      std::unique_lock lock(mu_);
      work_available_.wait(lock, [&] { return (stopping_ || !queue_.empty()) && !turn_taken_; });
      if (queue_.empty()) return;  // stopping, and everything queued has been taken
      turn_taken_ = true;
      GatherReturning(lock);
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      queued_.store(queue_.size(), std::memory_order_relaxed);
      ordered = std::any_of(batch.begin(), batch.end(),
                            [](const Item* item) { return item->applier->FinishesInOrder(); });
      if (ordered) ticket = next_ordered_++;
    }
    batches_.fetch_add(1, std::memory_order_relaxed);
    operations_.fetch_add(batch.size(), std::memory_order_relaxed);
    std::size_t bucket = 0;
    while (bucket < EngineStats::kBatchSizeBounds.size() &&
           batch.size() > EngineStats::kBatchSizeBounds[bucket]) {
      ++bucket;
    }
    batch_sizes_[bucket].fetch_add(1, std::memory_order_relaxed);
    bool turn_handed_on = false;
    const bool held = ApplyBatch(batch, [&] {
      if (turn_handed_on) return;
      turn_handed_on = true;
      HandOnTurn(0);
    });
    if (!turn_handed_on) {
      // Held through its commit: its waiting callers are answered next (Finish). A batch that
      // failed and was re-applied one by one has nobody worth waiting for.
      HandOnTurn(!held ? 0
                       : static_cast<std::size_t>(std::count_if(
                             batch.begin(), batch.end(),
                             [](const Item* item) { return item->owned == nullptr; })));
    }
    if (!ordered) {
      Finish(batch, spent);
      Bury(spent);
      continue;
    }
    // The ordered batches applied before this one are committed or committing (their writers
    // handed the turn on before this batch was taken): wait for their Finish, never for I/O of
    // this batch's own.
    {
      std::unique_lock lock(finish_mu_);
      finished_.wait(lock, [&] { return ordered_finished_ == ticket; });
    }
    Finish(batch, spent);
    {
      std::lock_guard lock(finish_mu_);
      ++ordered_finished_;
    }
    finished_.notify_all();
    Bury(spent);
  }
}

void CommitPipeline::GatherReturning(std::unique_lock<std::mutex>& lock) {
  if (returning_ == 0) return;
  // Counted from the hand-on: callers that did not come back by then are not waited for later.
  const std::chrono::steady_clock::time_point deadline =
      returning_since_ + options_.gather_at_most;
  gathering_.store(true, std::memory_order_relaxed);
  while (returning_ > 0 && queue_.size() < options_.gather_below && !stopping_) {
    const std::size_t seen = queue_.size();
    const auto until = std::min(deadline, std::chrono::steady_clock::now() + options_.gather_gap);
    if (!arrived_.wait_until(lock, until, [&] { return queue_.size() != seen || stopping_; })) {
      break;  // none came back within the gap, or the time is up
    }
  }
  gathering_.store(false, std::memory_order_relaxed);
  returning_ = 0;
}

void CommitPipeline::Finish(std::span<Item* const> batch, std::vector<Item*>& spent) {
  // Each applier learns its operations of the batch, in arrival order.
  std::vector<BatchOperation*> mine;
  for (std::size_t first = 0; first < batch.size(); ++first) {
    BatchApplier* applier = batch[first]->applier;
    bool seen = false;
    for (std::size_t before = 0; before < first && !seen; ++before) {
      seen = batch[before]->applier == applier;
    }
    if (seen) continue;
    mine.clear();
    for (std::size_t i = first; i < batch.size(); ++i) {
      if (batch[i]->applier == applier) mine.push_back(batch[i]->operation);
    }
    applier->Committed(mine);
  }
  // Submitted operations: their callbacks, then to `spent`. Waiting callers: item i wakes
  // items 2i+1 and 2i+2 of the waiting ones; the writer wakes the first.
  std::vector<Item*> waiting;
  waiting.reserve(batch.size());
  for (Item* item : batch) {
    if (item->owned != nullptr) {
      if (item->on_done) item->on_done(*item->operation);
      spent.push_back(item);
    } else {
      waiting.push_back(item);
    }
  }
  if (waiting.empty()) return;
  for (std::size_t i = 0; i < waiting.size(); ++i) {
    for (std::size_t child = 0; child < 2; ++child) {
      const std::size_t index = 2 * i + 1 + child;
      waiting[i]->wakes[child] = index < waiting.size() ? waiting[index] : nullptr;
    }
  }
  Wake(waiting.front());
}

bool CommitPipeline::ApplyBatch(std::span<Item* const> batch,
                                const std::function<void()>& hand_on_turn) {
  // Group by applier, keeping arrival order inside each group.
  std::vector<std::pair<BatchApplier*, std::vector<BatchOperation*>>> groups;
  for (Item* item : batch) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == item->applier; });
    if (it == groups.end()) {
      groups.emplace_back(item->applier, std::vector<BatchOperation*>{});
      it = groups.end() - 1;
    }
    it->second.push_back(item->operation);
  }
  bool held = false;
  const Status committed =
      storage_->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
        BatchContext context;
        for (auto& [applier, operations] : groups) {
          Status status = applier->ApplyBatch(tx, context, operations);
          if (!status.ok()) return status;
        }
        Status finished = context.Finish(tx);
        if (!finished.ok()) return finished;
        // Only the commit remains; the writer hands the turn on after it instead when an applier
        // asks (see HoldsTurnUntilCommitted).
        const bool hold = std::any_of(groups.begin(), groups.end(), [](const auto& group) {
          return group.first->HoldsTurnUntilCommitted(group.second);
        });
        held = hold;
        if (!hold) hand_on_turn();
        return Status::Ok();
      });
  if (committed.ok()) return held;
  if (batch.size() == 1) {
    batch[0]->operation->outcome = committed;
    return false;
  }
  // The batch failed as a whole: nothing of it was committed. Apply each operation alone so that
  // the one at fault (if any) fails by itself and the others go through.
  for (Item* item : batch) {
    BatchOperation* operation = item->operation;
    const Status alone = storage_->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
      BatchContext context;
      BatchOperation* one[] = {operation};
      Status status = item->applier->ApplyBatch(tx, context, one);
      return status.ok() ? context.Finish(tx) : status;
    });
    if (!alone.ok()) operation->outcome = alone;
  }
  return false;
}

}  // namespace eventify::storage
