// A fresh engine on the test backend with a manual clock and the sandbox payment gateway
// (webhook secret "webhook-secret"), for the ledger and wallets suites.
#pragma once

#include <boost/test/unit_test.hpp>

#include <atomic>
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

class NullMailer final : public spi::Mailer {
 public:
  Status Send(const spi::MailMessage&) override { return Status::Ok(); }
};

struct LedgerFixture {
  LedgerFixture() {
    clock = std::make_shared<spi::ManualClock>(FromMicros(1'800'000'000'000'000));
    storage = OpenFreshStorage();
    EngineOptions options;
    options.secret_key = std::string(32, 's');
    options.storage = storage;
    options.mailer = std::make_shared<NullMailer>();
    options.media_store = spi::MakeFilesystemMediaStore("/nonexistent-media", "/media/");
    options.clock = clock;
    sandbox = spi::MakeSandboxPaymentGateway("webhook-secret", clock);
    options.payment_gateway = sandbox;
    auto opened = Engine::Open(std::move(options));
    BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    engine = std::move(opened).value();
  }

  Ledger& ledger() { return engine->ledger(); }

  // Credits a user wallet from the gateway clearing account.
  void Fund(const std::string& user, std::int64_t amount) {
    TransferRequest r;
    r.idempotency_key = "fund-" + std::to_string(++fund_counter);
    r.kind = TransferKind::kCredit;
    r.from = AccountRef{AccountKind::kGatewayClearing, "", "INR"};
    r.to = AccountRef{AccountKind::kUserWallet, user, "INR"};
    r.amount = Money{amount, "INR"};
    auto t = ledger().CreateTransfer(r);
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
  std::unique_ptr<Engine> engine;
  std::atomic<int> fund_counter{0};
};

}  // namespace eventify::testing
