// Randomized model test of the ledger: thousands of mixed operations (posted and pending
// transfers, posts, voids, expiries, repeated idempotency keys, concurrent threads) checked
// against a simple in-memory model and the ledger's invariants after every step.
//
// The seed is printed first; replay a failure with EVENTIFY_TEST_SEED=<seed>.
#define BOOST_TEST_MODULE ledger_model
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <thread>
#include <tuple>
#include <vector>

#include "ledger/ledger_fixture.h"

using namespace eventify;
using eventify::testing::LedgerFixture;

namespace {

std::uint64_t Seed() {
  if (const char* env = std::getenv("EVENTIFY_TEST_SEED")) return std::strtoull(env, nullptr, 10);
  return (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
}

struct ModelAccount {
  std::int64_t posted = 0, pending_debits = 0, pending_credits = 0;
};

struct ModelTransfer {
  TransferRequest request;
  std::string id;
  TransferStatus status = TransferStatus::kPending;
  std::optional<Timestamp> expires_at;
};

class Model {
 public:
  explicit Model(std::vector<AccountRef> accounts) : refs_(std::move(accounts)) {
    for (std::size_t i = 0; i < refs_.size(); ++i) balances_[Key(refs_[i])] = {};
  }

  const std::vector<AccountRef>& refs() const { return refs_; }
  ModelAccount& at(const AccountRef& ref) { return balances_[Key(ref)]; }

  std::map<std::string, ModelTransfer> by_key;  // idempotency key -> transfer
  std::map<std::string, std::string> key_of_id;

  void Hold(ModelTransfer& t) {
    at(t.request.from).pending_debits += t.request.amount.minor_units;
    at(t.request.to).pending_credits += t.request.amount.minor_units;
  }
  void Release(ModelTransfer& t) {
    at(t.request.from).pending_debits -= t.request.amount.minor_units;
    at(t.request.to).pending_credits -= t.request.amount.minor_units;
  }
  void Move(ModelTransfer& t) {
    at(t.request.from).posted -= t.request.amount.minor_units;
    at(t.request.to).posted += t.request.amount.minor_units;
  }

 private:
  static std::string Key(const AccountRef& r) {
    return std::string(AccountKindName(r.kind)) + "|" + r.owner_id + "|" + r.currency;
  }
  std::vector<AccountRef> refs_;
  std::map<std::string, ModelAccount> balances_;
};

std::vector<AccountRef> Universe() {
  std::vector<AccountRef> refs;
  for (int i = 0; i < 6; ++i) refs.push_back({AccountKind::kUserWallet, "u" + std::to_string(i), "INR"});
  for (int i = 0; i < 2; ++i) refs.push_back({AccountKind::kOrganizerWallet, "o" + std::to_string(i), "INR"});
  for (int i = 0; i < 2; ++i) refs.push_back({AccountKind::kEscrow, "e" + std::to_string(i), "INR"});
  refs.push_back({AccountKind::kPlatformRevenue, "", "INR"});
  refs.push_back({AccountKind::kWithdrawalsPayable, "", "INR"});
  refs.push_back({AccountKind::kGatewayClearing, "", "INR"});
  refs.push_back({AccountKind::kUserWallet, "u0", "USD"});
  refs.push_back({AccountKind::kGatewayClearing, "", "USD"});
  refs.push_back({AccountKind::kPlatformRevenue, "", "USD"});
  return refs;
}

class Driver {
 public:
  Driver(LedgerFixture& f, std::uint64_t seed, std::string key_prefix)
      : f_(f), rng_(seed), prefix_(std::move(key_prefix)) {}

  std::mt19937_64& rng() { return rng_; }

  // A random new request between two accounts of one currency that may legitimately trade.
  TransferRequest RandomRequest() {
    static const std::vector<AccountRef> refs = Universe();
    auto pick = [&](auto pred) {
      std::vector<AccountRef> candidates;
      for (const auto& r : refs) {
        if (pred(r)) candidates.push_back(r);
      }
      return candidates[rng_() % candidates.size()];
    };
    const std::string currency = rng_() % 8 == 0 ? "USD" : "INR";
    auto in = [&](std::initializer_list<AccountKind> kinds) {
      return [=](const AccountRef& r) {
        return r.currency == currency && std::find(kinds.begin(), kinds.end(), r.kind) != kinds.end();
      };
    };
    TransferRequest r;
    r.idempotency_key = prefix_ + std::to_string(next_key_++);
    r.amount = Money{static_cast<std::int64_t>(1 + rng_() % 500), currency};
    // Only wallets, clearing and revenue hold USD: other kinds of transfer stay in INR.
    switch (currency == "USD" ? rng_() % 3 : rng_() % 6) {
      case 0:
      case 1:
        r.kind = TransferKind::kCredit;
        r.from = pick(in({AccountKind::kGatewayClearing}));
        r.to = pick(in({AccountKind::kUserWallet, AccountKind::kOrganizerWallet}));
        break;
      case 2:
        r.kind = TransferKind::kDebit;
        r.from = pick(in({AccountKind::kUserWallet}));
        r.to = pick(in({AccountKind::kEscrow, AccountKind::kPlatformRevenue}));
        break;
      case 3:
        r.kind = rng_() % 2 ? TransferKind::kSettlement : TransferKind::kCommission;
        r.from = pick(in({AccountKind::kEscrow, AccountKind::kPlatformRevenue}));
        r.to = pick(in({AccountKind::kOrganizerWallet, AccountKind::kPlatformRevenue}));
        break;
      case 4:
        r.kind = TransferKind::kRefund;
        r.from = pick(in({AccountKind::kEscrow}));
        r.to = pick(in({AccountKind::kUserWallet}));
        break;
      default:
        r.kind = TransferKind::kWithdrawal;
        r.from = pick(in({AccountKind::kUserWallet, AccountKind::kOrganizerWallet}));
        r.to = pick(in({AccountKind::kWithdrawalsPayable}));
        break;
    }
    if (r.from == r.to) r.to = pick(in({AccountKind::kGatewayClearing}));
    if (r.from == r.to) r.from = pick(in({AccountKind::kUserWallet}));
    r.pending = rng_() % 3 == 0;
    if (r.pending && rng_() % 2) r.pending_timeout = std::chrono::minutes(1 + rng_() % 20);
    return r;
  }

 private:
  LedgerFixture& f_;
  std::mt19937_64 rng_;
  std::string prefix_;
  int next_key_ = 0;
};

bool Expired(const ModelTransfer& t, Timestamp now) { return t.expires_at && now >= *t.expires_at; }

}  // namespace

BOOST_FIXTURE_TEST_CASE(randomized_operations_match_the_model_and_keep_the_invariants,
                        LedgerFixture) {
  const std::uint64_t seed = Seed();
  std::cout << "ledger model test seed=" << seed << " (replay: EVENTIFY_TEST_SEED=" << seed << ")"
            << std::endl;
  BOOST_TEST_MESSAGE("seed " << seed);
  Model model(Universe());
  Driver driver(*this, seed, "m-");
  auto& rng = driver.rng();
  std::vector<std::string> keys;
  const int kSteps = 1500;
  for (int step = 0; step < kSteps; ++step) {
    const int dice = static_cast<int>(rng() % 100);
    const Timestamp now = clock->Now();
    if (dice < 55 || keys.empty()) {
      TransferRequest request = driver.RandomRequest();
      auto result = ledger().CreateTransfer(request);
      ModelAccount& from = model.at(request.from);
      const bool protected_account = request.from.kind != AccountKind::kGatewayClearing;
      if (protected_account &&
          from.posted - from.pending_debits < request.amount.minor_units) {
        BOOST_REQUIRE_MESSAGE(result.status().reason() == "insufficient_funds",
                              "step " << step << ": " << result.status().ToString());
      } else {
        BOOST_REQUIRE_MESSAGE(result.ok(), "step " << step << ": " << result.status().ToString());
        ModelTransfer t{request, result->id,
                        request.pending ? TransferStatus::kPending : TransferStatus::kPosted,
                        std::nullopt};
        if (request.pending_timeout) t.expires_at = now + *request.pending_timeout;
        BOOST_REQUIRE((result->status == t.status));
        if (request.pending) {
          model.Hold(t);
        } else {
          model.Move(t);
        }
        model.by_key[request.idempotency_key] = t;
        model.key_of_id[t.id] = request.idempotency_key;
        keys.push_back(request.idempotency_key);
      }
    } else if (dice < 65) {  // an honest retry
      const ModelTransfer& t = model.by_key[keys[rng() % keys.size()]];
      auto result = ledger().CreateTransfer(t.request);
      BOOST_REQUIRE_MESSAGE(result.ok(), "step " << step << ": " << result.status().ToString());
      BOOST_REQUIRE(result->id == t.id);
    } else if (dice < 70) {  // the key reused for another request
      TransferRequest other = model.by_key[keys[rng() % keys.size()]].request;
      other.amount.minor_units += 1;
      BOOST_REQUIRE(ledger().CreateTransfer(other).status().reason() == "idempotency_key_reused");
    } else if (dice < 82) {  // post or void a transfer, pending or not
      const std::string key = keys[rng() % keys.size()];
      ModelTransfer& t = model.by_key[key];
      const bool post = rng() % 3 != 0;
      auto result = post ? ledger().PostPending(t.id)
                         : ledger().VoidPending(t.id, VoidCause::kVoided, "test");
      if (t.status == TransferStatus::kPending && Expired(t, now) && post) {
        BOOST_REQUIRE(result.status().reason() == "transfer_expired");
        model.Release(t);
        t.status = TransferStatus::kVoided;
      } else if (t.status == TransferStatus::kPending) {
        BOOST_REQUIRE_MESSAGE(result.ok(), "step " << step << ": " << result.status().ToString());
        model.Release(t);
        if (post) model.Move(t);
        t.status = post ? TransferStatus::kPosted : TransferStatus::kVoided;
      } else if (t.status == TransferStatus::kPosted) {
        if (post) {
          BOOST_REQUIRE(result.ok());
        } else {
          BOOST_REQUIRE(result.status().reason() == "transfer_posted");
        }
      } else if (post) {
        BOOST_REQUIRE(result.status().reason() == "transfer_voided" ||
                      result.status().reason() == "transfer_expired");
      } else {
        BOOST_REQUIRE(result.ok());
      }
    } else if (dice < 92) {
      clock->Advance(std::chrono::seconds(rng() % 300));
    } else {  // the expiry sweep: the soonest expiries first, ties by id
      std::vector<ModelTransfer*> expired;
      for (auto& [key, t] : model.by_key) {
        if (t.status == TransferStatus::kPending && Expired(t, now)) expired.push_back(&t);
      }
      std::sort(expired.begin(), expired.end(), [](const auto* a, const auto* b) {
        return std::tie(*a->expires_at, a->id) < std::tie(*b->expires_at, b->id);
      });
      const int limit = 1 + static_cast<int>(rng() % 5);
      auto voided = ledger().VoidExpired(limit);
      BOOST_REQUIRE(voided.ok());
      const std::size_t taken = std::min<std::size_t>(expired.size(), limit);
      BOOST_REQUIRE(*voided == static_cast<std::int64_t>(taken));
      for (std::size_t i = 0; i < taken; ++i) {
        model.Release(*expired[i]);
        expired[i]->status = TransferStatus::kVoided;
      }
    }
    // After every step: every balance equals the model's as readers see it (holds past their
    // expiry released, swept or not), every transfer reads as the model says, and the audit is
    // clean.
    const Timestamp read_at = clock->Now();
    Model seen = model;
    for (auto& [key, t] : seen.by_key) {
      if (t.status != TransferStatus::kPending) continue;
      const bool lapsed = Expired(t, read_at);
      if (lapsed) seen.Release(t);
      BOOST_REQUIRE_MESSAGE((ledger().GetTransfer(t.id)->status ==
                             (lapsed ? TransferStatus::kVoided : TransferStatus::kPending)),
                            "step " << step << ": transfer " << t.id);
    }
    for (const AccountRef& ref : model.refs()) {
      const eventify::Balance b = Balance(ref);
      const ModelAccount& m = seen.at(ref);
      BOOST_REQUIRE_MESSAGE(b.posted == m.posted && b.pending_debits == m.pending_debits &&
                                b.pending_credits == m.pending_credits,
                            "step " << step << ": balance of " << AccountKindName(ref.kind) << " "
                                    << ref.owner_id << " " << ref.currency << " is " << b.posted
                                    << "/" << b.pending_debits << "/" << b.pending_credits
                                    << ", model says " << m.posted << "/" << m.pending_debits << "/"
                                    << m.pending_credits);
    }
    auto report = ledger().Audit();
    BOOST_REQUIRE(report.ok());
    // Not BOOST_REQUIRE_MESSAGE: its message is built even when the check holds.
    if (!report->clean()) BOOST_FAIL("step " << step << ": " << report->discrepancies.front());
  }
}

BOOST_FIXTURE_TEST_CASE(concurrent_randomized_operations_keep_the_invariants, LedgerFixture) {
  const std::uint64_t seed = Seed();
  std::cout << "ledger concurrent test seed=" << seed << " (replay: EVENTIFY_TEST_SEED=" << seed
            << ")" << std::endl;
  // Seed the wallets so that spending has something to work on.
  for (int i = 0; i < 6; ++i) Fund("u" + std::to_string(i), 2000);
  constexpr int kThreads = 4;
  constexpr int kStepsPerThread = 300;
  std::atomic<bool> done{false};
  std::atomic<int> unexpected{0}, audits{0};
  std::vector<std::string> first_error(kThreads + 1);
  auto note = [&](int slot, const std::string& what) {
    if (first_error[slot].empty()) first_error[slot] = what;
    ++unexpected;
  };
  // An auditor checks the invariants continuously while the workers run (at least once, however
  // the threads are scheduled).
  std::thread auditor([&] {
    do {
      auto report = ledger().Audit();
      if (!report.ok()) {
        note(kThreads, report.status().ToString());
      } else if (!report->clean()) {
        note(kThreads, report->discrepancies.front());
      }
      ++audits;
    } while (!done.load());
  });
  std::vector<std::thread> workers;
  for (int w = 0; w < kThreads; ++w) {
    workers.emplace_back([&, w] {
      Driver driver(*this, seed + w, "c" + std::to_string(w) + "-");
      auto& rng = driver.rng();
      std::vector<std::pair<TransferRequest, std::string>> mine;
      for (int step = 0; step < kStepsPerThread; ++step) {
        const int dice = static_cast<int>(rng() % 100);
        if (dice < 60 || mine.empty()) {
          TransferRequest request = driver.RandomRequest();
          auto result = ledger().CreateTransfer(request);
          if (result.ok()) {
            mine.emplace_back(request, result->id);
          } else if (result.status().reason() != "insufficient_funds") {
            note(w, result.status().ToString());
          }
        } else if (dice < 75) {  // retry one of mine: same id
          const auto& [request, id] = mine[rng() % mine.size()];
          auto result = ledger().CreateTransfer(request);
          if (!result.ok() || result->id != id) note(w, "retry returned another transfer");
        } else if (dice < 95) {
          const auto& [request, id] = mine[rng() % mine.size()];
          auto result = rng() % 2 ? ledger().PostPending(id)
                                  : ledger().VoidPending(id, VoidCause::kVoided, "test");
          const std::string_view reason = result.status().reason();
          if (!result.ok() && reason != "transfer_posted" && reason != "transfer_voided" &&
              reason != "transfer_expired") {
            note(w, result.status().ToString());
          }
        } else {
          clock->Advance(std::chrono::seconds(rng() % 120));
          auto swept = ledger().VoidExpired(10);
          if (!swept.ok()) note(w, swept.status().ToString());
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  done = true;
  auditor.join();
  for (const auto& e : first_error) {
    if (!e.empty()) BOOST_ERROR(e);
  }
  BOOST_TEST(unexpected.load() == 0);
  BOOST_TEST(audits.load() > 0);
  ExpectCleanAudit();
}
