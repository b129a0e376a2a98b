#include "storage/commit_pipeline.h"

#include <algorithm>
#include <vector>

namespace eventify::storage {

CommitPipeline::CommitPipeline(std::shared_ptr<spi::Storage> storage, CommitPipelineOptions options)
    : storage_(std::move(storage)),
      options_{std::max<std::size_t>(options.max_batch, 1),
               std::max<std::size_t>(options.max_queue, 1)},
      writer_([this] { WriterLoop(); }) {}

CommitPipeline::~CommitPipeline() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_available_.notify_one();
  writer_.join();
}

Status CommitPipeline::Execute(BatchApplier& applier, BatchOperation& operation) {
  Item item;
  item.applier = &applier;
  item.operation = &operation;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.max_queue) {
      return Unavailable("pipeline_full",
                         "too many writes are waiting for the database; retry in a moment");
    }
    queue_.push_back(&item);
  }
  work_available_.notify_one();
  std::unique_lock lock(item.mu);
  item.cv.wait(lock, [&] { return item.done; });
  return operation.outcome;
}

void CommitPipeline::WriterLoop() {
  std::vector<Item*> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mu_);
      work_available_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has been applied
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    ApplyBatch(batch);
    for (Item* item : batch) {
      std::lock_guard lock(item->mu);
      item->done = true;
      item->cv.notify_one();
    }
  }
}

void CommitPipeline::ApplyBatch(std::span<Item* const> batch) {
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
  const Status committed =
      storage_->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
        for (auto& [applier, operations] : groups) {
          Status status = applier->ApplyBatch(tx, operations);
          if (!status.ok()) return status;
        }
        return Status::Ok();
      });
  if (committed.ok()) return;
  if (batch.size() == 1) {
    batch[0]->operation->outcome = committed;
    return;
  }
  // The batch failed as a whole: nothing of it was committed. Apply each operation alone so that
  // the one at fault (if any) fails by itself and the others go through.
  for (Item* item : batch) {
    BatchOperation* operation = item->operation;
    const Status alone = storage_->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
      BatchOperation* one[] = {operation};
      return item->applier->ApplyBatch(tx, one);
    });
    if (!alone.ok()) operation->outcome = alone;
  }
}

}  // namespace eventify::storage
