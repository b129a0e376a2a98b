// Rules that compose in one commit (ledger/transfer_batch.h): another area's applier stages the
// ledger's transfers in the batch's TransferBatch, so its own rows and the money commit together
// or not at all, and a batch may mix that area's operations with plain Ledger::CreateTransfer
// calls over the same accounts. The "other area" here is an order book whose rows are jobs
// (spi::JobStore), standing in for bookings: an order is paid from a wallet and leaves a row.
// Runs on SQLite and on a throwaway PostgreSQL.
#define BOOST_TEST_MODULE compose
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/status_macros.h"
#include "eventify/spi/job_store.h"
#include "ledger/ledger_fixture.h"
#include "ledger/ledger_service.h"
#include "ledger/pipeline_support.h"
#include "ledger/transfer_batch.h"
#include "storage/commit_pipeline.h"
#include "support/test_storage.h"

using namespace eventify;
using namespace eventify::testing;

namespace {

constexpr std::string_view kOrderKind = "test.order";

AccountRef Shop() { return {AccountKind::kOrganizerWallet, "shop", "INR"}; }

// The storage, counting read-write transactions (batches and their retries).
class CountingStorage final : public spi::Storage {
 public:
  explicit CountingStorage(std::shared_ptr<spi::Storage> inner) : inner_(std::move(inner)) {}
  Status Run(spi::TransactionMode mode,
             const std::function<Status(spi::Transaction&)>& body) override {
    if (mode == spi::TransactionMode::kReadWrite) ++read_write_runs;
    return inner_->Run(mode, body);
  }
  std::string_view backend_name() const override { return inner_->backend_name(); }
  int parallel_writers() const override { return inner_->parallel_writers(); }
  int schema_version() const override { return inner_->schema_version(); }
  bool Supports(spi::StoreArea area) const override { return inner_->Supports(area); }

  std::atomic<int> read_write_runs{0};

 private:
  std::shared_ptr<spi::Storage> inner_;
};

struct OrderOp final : storage::BatchOperation {
  OrderOp(std::string id, const std::string& buyer, std::int64_t amount, bool poison_ = false)
      : order_id(std::move(id)), poison(poison_) {
    auto prepared = ledger::PrepareTransfer(
        Move("order-" + order_id, Wallet(buyer), Shop(), amount, TransferKind::kDebit));
    BOOST_REQUIRE_MESSAGE(prepared.ok(), prepared.status().ToString());
    payment = std::move(*prepared);
  }
  const std::string order_id;
  const bool poison;  // fails the whole batch after its own rows were staged
  ledger::PreparedTransfer payment;
  Transfer paid;
};

// Takes each order's payment through the batch's TransferBatch and, when it is paid, writes the
// order's row; an unpaid order leaves nothing. Can hold the writer inside its first call.
class OrderApplier final : public storage::BatchApplier {
 public:
  OrderApplier(ledger::TransferClock& clock, bool hold_first) : clock_(clock), hold_(hold_first) {}

  Status ApplyBatch(spi::Transaction& tx, storage::BatchContext& context,
                    std::span<storage::BatchOperation* const> operations) override {
    if (hold_.exchange(false)) gate.Hold();
    auto& transfers = ledger::TransferBatch::Of(context, tx, clock_);
    std::vector<const ledger::PreparedTransfer*> payments;
    for (auto* op : operations) payments.push_back(&static_cast<OrderOp*>(op)->payment);
    EV_RETURN_IF_ERROR(transfers.Load(payments));
    for (auto* base : operations) {
      auto* op = static_cast<OrderOp*>(base);
      auto paid = transfers.Stage(op->payment);
      op->outcome = paid.status();
      if (!paid.ok()) continue;
      op->paid = *paid;
      Job row;
      row.id = NewId(clock_.Now());
      row.kind = std::string(kOrderKind);
      row.payload = paid->id;
      row.status = JobStatus::kSucceeded;
      row.run_at = row.created_at = row.updated_at = clock_.Now();
      row.max_attempts = 1;
      EV_RETURN_IF_ERROR(tx.store<spi::JobStore>()->InsertJob(row, "order:" + op->order_id));
      if (op->poison) return Internal("poisoned order " + op->order_id);
    }
    return Status::Ok();
  }

  Gate gate;

 private:
  ledger::TransferClock& clock_;
  std::atomic<bool> hold_;
};

struct ComposeFixture {
  ComposeFixture()
      : storage(std::make_shared<CountingStorage>(OpenFreshStorage())),
        clock(std::make_shared<spi::SystemClock>()),
        transfer_clock(clock),
        pipeline(storage, storage::CommitPipelineOptions{}),
        ledger(ledger::MakeLedgerService(storage, clock, transfer_clock, pipeline)) {}

  void Fund(const std::string& user, std::int64_t amount) {
    auto funded = ledger->CreateTransfer(Funding("fund-" + user, user, amount));
    BOOST_REQUIRE_MESSAGE(funded.ok(), funded.status().ToString());
  }

  // The payloads (transfer ids) of the order rows, newest first.
  std::vector<std::string> OrderRows() {
    std::vector<std::string> rows;
    const Status read = storage->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) {
      rows.clear();
      EV_ASSIGN_OR_RETURN(auto jobs,
                          tx.store<spi::JobStore>()->ListJobs(JobStatus::kSucceeded, "", 100));
      for (const Job& job : jobs) {
        if (job.kind == kOrderKind) rows.push_back(job.payload);
      }
      return Status::Ok();
    });
    BOOST_REQUIRE_MESSAGE(read.ok(), read.ToString());
    return rows;
  }

  std::shared_ptr<CountingStorage> storage;
  std::shared_ptr<spi::Clock> clock;
  ledger::TransferClock transfer_clock;
  storage::CommitPipeline pipeline;
  std::unique_ptr<Ledger> ledger;
};

bool HasTransferWithKey(Ledger& ledger, const std::string& key) {
  for (const Transfer& t : AllTransfers(ledger)) {
    if (t.idempotency_key == key) return true;
  }
  return false;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(compose, ComposeFixture)

BOOST_AUTO_TEST_CASE(an_order_row_and_its_payment_commit_together_and_an_unpaid_order_leaves_nothing) {
  Fund("ann", 100);
  OrderApplier orders(transfer_clock, /*hold_first=*/true);
  OrderOp first("1", "ann", 30);
  std::vector<std::unique_ptr<OrderOp>> ops;
  for (int i = 2; i <= 4; ++i) ops.push_back(std::make_unique<OrderOp>(std::to_string(i), "ann", 30));

  // Order 1 holds the writer; orders 2-4 queue behind it and are applied as one batch.
  AsyncCall call1([&] { return pipeline.Execute(orders, first); });
  BOOST_REQUIRE(orders.gate.WaitUntilHolding());
  std::vector<std::unique_ptr<AsyncCall>> calls;
  for (auto& op : ops) {
    calls.push_back(std::make_unique<AsyncCall>([&, raw = op.get()] {
      return pipeline.Execute(orders, *raw);
    }));
    calls.back()->WaitUntilQueued();
  }
  const int runs_before = storage->read_write_runs.load();
  orders.gate.Open();
  BOOST_REQUIRE_MESSAGE(call1.Join().ok(), "order 1");
  BOOST_CHECK_MESSAGE(calls[0]->Join().ok(), "order 2");
  BOOST_CHECK_MESSAGE(calls[1]->Join().ok(), "order 3");
  const Status fourth = calls[2]->Join();
  BOOST_CHECK((fourth.code() == StatusCode::kFailedPrecondition));
  BOOST_CHECK_EQUAL(fourth.reason(), "insufficient_funds");
  // Order 1's batch (already begun) and one batch for orders 2-4.
  BOOST_CHECK_EQUAL(storage->read_write_runs.load() - runs_before, 1);

  BOOST_CHECK_EQUAL(PostedBalance(*ledger, Wallet("ann")), 10);
  BOOST_CHECK_EQUAL(PostedBalance(*ledger, Shop()), 90);
  const auto rows = OrderRows();
  BOOST_REQUIRE_EQUAL(rows.size(), 3u);
  const std::vector<std::string> paid = {first.paid.id, ops[0]->paid.id, ops[1]->paid.id};
  for (const std::string& id : paid) {
    BOOST_CHECK_MESSAGE(std::find(rows.begin(), rows.end(), id) != rows.end(),
                        "no order row names transfer " << id);
  }
  BOOST_CHECK(!HasTransferWithKey(*ledger, "order-4"));
  ExpectCleanAudit(*ledger);
}

BOOST_AUTO_TEST_CASE(a_batch_mixing_ledger_transfers_and_orders_applies_them_in_arrival_order) {
  Fund("bob", 100);
  OrderApplier orders(transfer_clock, /*hold_first=*/true);
  OrderOp holder("hold", "bob", 1);
  AsyncCall hold([&] { return pipeline.Execute(orders, holder); });
  BOOST_REQUIRE(orders.gate.WaitUntilHolding());

  // Queued in this order: a plain transfer of 50 from bob's wallet, then two orders of 30.
  AsyncCall spend([&] {
    auto spent = ledger->CreateTransfer(Move("spend", Wallet("bob"), Revenue(), 50));
    return spent.status();
  });
  spend.WaitUntilQueued();
  OrderOp second("a", "bob", 30), third("b", "bob", 30);
  AsyncCall call2([&] { return pipeline.Execute(orders, second); });
  call2.WaitUntilQueued();
  AsyncCall call3([&] { return pipeline.Execute(orders, third); });
  call3.WaitUntilQueued();

  const int runs_before = storage->read_write_runs.load();
  orders.gate.Open();
  BOOST_REQUIRE(hold.Join().ok());
  BOOST_CHECK_MESSAGE(spend.Join().ok(), "the plain transfer");
  BOOST_CHECK_MESSAGE(call2.Join().ok(), "the first order");
  const Status last = call3.Join();
  BOOST_CHECK_EQUAL(last.reason(), "insufficient_funds");
  BOOST_CHECK_EQUAL(storage->read_write_runs.load() - runs_before, 1);  // one commit for all three

  // 100 - 1 (holder) - 50 - 30: the last order found 19 and was refused.
  BOOST_CHECK_EQUAL(PostedBalance(*ledger, Wallet("bob")), 19);
  BOOST_CHECK_EQUAL(PostedBalance(*ledger, Shop()), 31);
  BOOST_CHECK_EQUAL(PostedBalance(*ledger, Revenue()), 50);
  BOOST_CHECK_EQUAL(OrderRows().size(), 2u);
  ExpectCleanAudit(*ledger);
}

BOOST_AUTO_TEST_CASE(a_failed_batch_undoes_the_rows_and_the_money_and_only_the_faulty_order_fails) {
  Fund("cy", 100);
  OrderApplier orders(transfer_clock, /*hold_first=*/true);
  OrderOp holder("hold", "cy", 1);
  AsyncCall hold([&] { return pipeline.Execute(orders, holder); });
  BOOST_REQUIRE(orders.gate.WaitUntilHolding());
  OrderOp good1("g1", "cy", 10), bad("bad", "cy", 20, /*poison=*/true), good2("g2", "cy", 30);
  AsyncCall c1([&] { return pipeline.Execute(orders, good1); });
  c1.WaitUntilQueued();
  AsyncCall c2([&] { return pipeline.Execute(orders, bad); });
  c2.WaitUntilQueued();
  AsyncCall c3([&] { return pipeline.Execute(orders, good2); });
  c3.WaitUntilQueued();
  orders.gate.Open();
  BOOST_REQUIRE(hold.Join().ok());
  BOOST_CHECK(c1.Join().ok());
  const Status failed = c2.Join();
  BOOST_CHECK((failed.code() == StatusCode::kInternal));
  BOOST_CHECK(c3.Join().ok());

  BOOST_CHECK_EQUAL(PostedBalance(*ledger, Wallet("cy")), 100 - 1 - 10 - 30);
  BOOST_CHECK_EQUAL(PostedBalance(*ledger, Shop()), 41);
  BOOST_CHECK(!HasTransferWithKey(*ledger, "order-bad"));
  BOOST_CHECK_EQUAL(OrderRows().size(), 3u);  // holder, g1, g2
  ExpectCleanAudit(*ledger);
}

BOOST_AUTO_TEST_CASE(many_buyers_racing_for_one_wallet_never_overdraw_it) {
  Fund("dee", 1000);
  OrderApplier orders(transfer_clock, /*hold_first=*/false);
  constexpr int kBuyers = 40;
  std::vector<std::unique_ptr<OrderOp>> ops;
  std::vector<std::unique_ptr<AsyncCall>> calls;
  for (int i = 0; i < kBuyers; ++i) {
    ops.push_back(std::make_unique<OrderOp>("r" + std::to_string(i), "dee", 70));
  }
  for (int i = 0; i < kBuyers; ++i) {
    if (i % 2 == 0) {
      calls.push_back(std::make_unique<AsyncCall>([&, raw = ops[i].get()] {
        return pipeline.Execute(orders, *raw);
      }));
    } else {  // the same purchase through the ledger alone: no row
      calls.push_back(std::make_unique<AsyncCall>([&, raw = ops[i].get()] {
        return ledger->CreateTransfer(raw->payment.request).status();
      }));
    }
  }
  int paid_orders = 0, paid_transfers = 0;
  for (int i = 0; i < kBuyers; ++i) {
    const Status status = calls[i]->Join();
    if (status.ok()) {
      (i % 2 == 0 ? paid_orders : paid_transfers) += 1;
    } else {
      BOOST_CHECK_EQUAL(status.reason(), "insufficient_funds");
    }
  }
  BOOST_CHECK_EQUAL(paid_orders + paid_transfers, 1000 / 70);
  BOOST_CHECK_EQUAL(PostedBalance(*ledger, Wallet("dee")), 1000 - 70 * (1000 / 70));
  BOOST_CHECK_EQUAL(OrderRows().size(), static_cast<std::size_t>(paid_orders));
  ExpectCleanAudit(*ledger);
}

BOOST_AUTO_TEST_SUITE_END()
