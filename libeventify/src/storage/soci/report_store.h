// SociReportStore: spi::ReportStore over the events, bookings, transfers and ledger_accounts
// tables; it reads only, through their existing indexes (no table of its own, no migration).
//
// Valid only inside the transaction body that received it. Thread-safety: none (see
// TransactionContext).
#pragma once

#include "eventify/spi/report_store.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

class SociReportStore final : public spi::ReportStore {
 public:
  explicit SociReportStore(TransactionContext& context) : context_(context) {}

  Result<std::vector<spi::EventSalesRecord>> ListEventSales(
      const spi::EventSalesQuery& query) override;
  Result<std::vector<spi::MoneyMovementRecord>> ListMoneyMovements(
      const spi::MoneyMovementQuery& query) override;

 private:
  TransactionContext& context_;
};

}  // namespace eventify::storage
