// A fresh engine on the test backend with a manual clock and the sandbox payment gateway
// (webhook secret "webhook-secret"), or a double wrapping it, for the ledger and wallets suites.
#pragma once

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "eventify/engine.h"
#include "support/test_storage.h"

namespace eventify {
inline std::ostream& operator<<(std::ostream& out, TransferStatus status) {
  return out << TransferStatusName(status);
}
}  // namespace eventify
BOOST_TEST_DONT_PRINT_LOG_VALUE(eventify::Timestamp)

namespace eventify::testing {

inline std::string fmt_key(const std::string& prefix, int a, int b) {
  return prefix + "-" + std::to_string(a) + "-" + std::to_string(b);
}

inline AccountRef Wallet(const std::string& user) {
  return {AccountKind::kUserWallet, user, "INR"};
}
inline AccountRef Clearing() { return {AccountKind::kGatewayClearing, "", "INR"}; }
inline AccountRef Revenue() { return {AccountKind::kPlatformRevenue, "", "INR"}; }

inline TransferRequest Move(std::string key, AccountRef from, AccountRef to, std::int64_t amount,
                            TransferKind kind = TransferKind::kDebit) {
  TransferRequest r;
  r.idempotency_key = std::move(key);
  r.kind = kind;
  r.from = std::move(from);
  r.to = std::move(to);
  r.amount = Money{amount, "INR"};
  return r;
}

class NullMailer final : public spi::Mailer {
 public:
  Status Send(const spi::MailMessage&) override { return Status::Ok(); }
};

// Builds the gateway the engine uses around the sandbox.
using GatewayWrapper = std::function<std::shared_ptr<spi::PaymentGateway>(
    std::shared_ptr<spi::SandboxPaymentGateway>)>;

struct LedgerFixture {
  explicit LedgerFixture(const GatewayWrapper& wrap = {}) {
    clock = std::make_shared<spi::ManualClock>(FromMicros(1'800'000'000'000'000));
    storage = OpenFreshStorage();
    EngineOptions options;
    options.secret_key = std::string(32, 's');
    options.storage = storage;
    options.mailer = std::make_shared<NullMailer>();
    options.media_store = spi::MakeFilesystemMediaStore("/nonexistent-media", "/media/");
    options.clock = clock;
    sandbox = spi::MakeSandboxPaymentGateway("webhook-secret", clock);
    gateway = wrap ? wrap(sandbox) : sandbox;
    options.payment_gateway = gateway;
    auto opened = Engine::Open(std::move(options));
    BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    engine = std::move(opened).value();
  }

  Ledger& ledger() { return engine->ledger(); }

  // Credits a user wallet from the gateway clearing account.
  void Fund(const std::string& user, std::int64_t amount) {
    auto t = ledger().CreateTransfer(Move("fund-" + std::to_string(++fund_counter), Clearing(),
                                          Wallet(user), amount, TransferKind::kCredit));
    BOOST_REQUIRE_MESSAGE(t.ok(), t.status().ToString());
  }

  eventify::Balance Balance(const AccountRef& ref) {
    auto b = ledger().GetBalance(ref);
    BOOST_REQUIRE_MESSAGE(b.ok(), b.status().ToString());
    return *b;
  }

  void ExpectCleanAudit() {
    auto report = ledger().Audit();
    BOOST_REQUIRE_MESSAGE(report.ok(), report.status().ToString());
    for (const auto& line : report->discrepancies) BOOST_ERROR(line);
  }

  std::shared_ptr<spi::ManualClock> clock;
  std::shared_ptr<spi::Storage> storage;
  std::shared_ptr<spi::SandboxPaymentGateway> sandbox;
  std::shared_ptr<spi::PaymentGateway> gateway;  // the engine's: the sandbox or a double of it
  std::unique_ptr<Engine> engine;
  std::atomic<int> fund_counter{0};
};

}  // namespace eventify::testing
