// Exactly once: many threads settling one event through two engines on one database, and the
// settlement job running on both engines at once, pay each event out once; the ledger audit is
// clean afterwards.
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "settlements/settlements_fixture.h"

namespace eventify::testing {
namespace {

struct TwoEnginesFixture : SettlementsFixture {
  TwoEnginesFixture() : second(OpenEngine(storage)) {}

  Settlements& On(int n) { return n % 2 == 0 ? engine->settlements() : second->settlements(); }

  std::unique_ptr<Engine> second;  // another node on the same database
};

BOOST_FIXTURE_TEST_SUITE(exactly_once, TwoEnginesFixture)

BOOST_AUTO_TEST_CASE(concurrent_admins_on_two_engines_settle_once) {
  const Event event = SoldEvent(3, 333);
  ToDue(event);
  constexpr int kCallers = 16;
  std::mutex mu;
  std::set<std::string> payouts;
  std::vector<std::string> errors;  // Boost.Test is not thread-safe: checked after the join
  std::vector<std::thread> callers;
  for (int n = 0; n < kCallers; ++n) {
    callers.emplace_back([&, n] {
      auto settled = On(n).Settle(admin, event.id);
      std::lock_guard lock(mu);
      if (!settled.ok()) {
        errors.push_back(settled.status().ToString());
        return;
      }
      payouts.insert(settled->settlement_transfer_id + "/" + settled->commission_transfer_id);
    });
  }
  for (std::thread& caller : callers) caller.join();
  for (const std::string& error : errors) BOOST_ERROR(error);
  BOOST_TEST(payouts.size() == 1u);  // every caller got the one settlement
  BOOST_TEST(Posted(OrganizerWallet()) == 899);
  BOOST_TEST(Posted(Revenue()) == 100);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 0);
  BOOST_TEST(CountTransfers(TransferKind::kSettlement) == 1);
  BOOST_TEST(CountTransfers(TransferKind::kCommission) == 1);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(the_job_on_two_engines_settles_each_event_once) {
  constexpr int kEvents = 6;
  std::vector<Event> sold;
  for (int n = 0; n < kEvents; ++n) {
    sold.push_back(SoldEvent(1, 100 * (n + 1), "Event " + std::to_string(n)));
  }
  ToDue(sold.back());  // all end together
  std::atomic<std::int64_t> settled{0};
  std::mutex mu;
  std::vector<std::string> errors;
  std::vector<std::thread> runners;
  for (int n = 0; n < 8; ++n) {
    runners.emplace_back([&, n] {
      auto count = On(n).SettleDueEvents(100);
      if (!count.ok()) {
        std::lock_guard lock(mu);
        errors.push_back(count.status().ToString());
        return;
      }
      settled += *count;
    });
  }
  for (std::thread& runner : runners) runner.join();
  for (const std::string& error : errors) BOOST_ERROR(error);
  BOOST_TEST(settled.load() == kEvents);
  std::int64_t net = 0, commission = 0;
  for (const Event& event : sold) {
    const Settlement s = ValueOrFail(settlements().GetSettlement(admin, event.id));
    BOOST_TEST(s.status == SettlementStatus::kSettled);
    net += s.net.minor_units;
    commission += s.commission.minor_units;
  }
  BOOST_TEST(net + commission == 2100);  // 100 + 200 + ... + 600
  BOOST_TEST(Posted(OrganizerWallet()) == net);
  BOOST_TEST(Posted(Revenue()) == commission);
  BOOST_TEST(CountTransfers(TransferKind::kSettlement) == static_cast<std::size_t>(kEvents));
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
