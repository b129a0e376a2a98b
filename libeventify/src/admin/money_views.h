// The admins' money views and analytics (eventify/admin.h, "Money" and "Analytics") over
// spi::AdminStore, the events' rows and the ledger's accounts. The caller (the admin service)
// has checked the admin's permission; these only read.
//
// Thread-safety: MoneyViews is immutable after construction; its members may be called from any
// number of threads.
#pragma once

#include <memory>
#include <string>

#include "eventify/admin.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/storage.h"

namespace eventify::admin {

class MoneyViews {
 public:
  // `currency` is the platform currency, that of every escrow and of platform revenue; `delay`
  // the settlements' SettlementsOptions::delay, which decides when an event is due.
  MoneyViews(std::shared_ptr<spi::Storage> storage, std::shared_ptr<spi::Clock> clock,
             std::string currency, Duration delay);

  // Errors: kInvalidArgument (invalid_limit, invalid_cursor); storage failures.
  Result<SettlementOverview> Overview(const SettlementOverviewQuery& query) const;
  // Errors: kInvalidArgument (invalid_limit, invalid_cursor, invalid_range); storage failures.
  Result<RevenuePage> Revenue(const RevenueQuery& query) const;
  // Errors: kInvalidArgument (invalid_month, invalid_range, invalid_top); storage failures.
  Result<PlatformAnalytics> Analytics(const AnalyticsQuery& query) const;

 private:
  std::shared_ptr<spi::Storage> storage_;
  std::shared_ptr<spi::Clock> clock_;
  std::string currency_;
  Duration delay_;
};

}  // namespace eventify::admin
