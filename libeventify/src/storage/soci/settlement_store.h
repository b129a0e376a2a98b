// SociSettlementStore: spi::SettlementStore over the event_settlements table and the settled_at
// marker of the events table (migration 10, "settlements").
//
// Valid only inside the transaction body that received it. Thread-safety: none (see
// TransactionContext).
#pragma once

#include "eventify/spi/settlement_store.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

class SociSettlementStore final : public spi::SettlementStore {
 public:
  explicit SociSettlementStore(TransactionContext& context) : context_(context) {}

  Status InsertSettlement(const spi::SettlementRecord& record) override;
  Result<spi::SettlementRecord> FindSettlement(std::string_view event_id) override;
  Result<std::vector<spi::SettlementRecord>> FindSettlements(
      std::span<const std::string> event_ids) override;
  Result<std::vector<std::string>> ListUnsettledEnded(Timestamp ended_by, int limit) override;

 private:
  TransactionContext& context_;
};

}  // namespace eventify::storage
