// SociAdminStore: spi::AdminStore over the admin_audit_log table (migration 20, "admin audit
// log"), and sums and counts over the ledger (migration 2), users (1), events (8), bookings and
// tickets (9) and reviews (11) tables, through the indexes named beside each query. The admins'
// money views and analytics are in admin_money_store.cc.
//
// Valid only inside the transaction body that received it. Thread-safety: none (see
// TransactionContext).
#pragma once

#include "eventify/spi/admin_store.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

class SociAdminStore final : public spi::AdminStore {
 public:
  explicit SociAdminStore(TransactionContext& context) : context_(context) {}

  Status InsertAuditEntry(const AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> ListAuditEntries(std::string_view target_user_id,
                                                   const std::optional<spi::Keyset>& before,
                                                   int limit) override;
  Result<std::int64_t> CountOrganizerProfiles(OrganizerStatus status) override;
  Result<std::int64_t> CountEvents(EventStatus status, std::optional<bool> on_hold) override;
  Result<std::vector<spi::EscrowFlows>> SumEscrowFlows(std::span<const std::string> event_ids,
                                                       std::string_view currency) override;
  Result<std::vector<spi::MonthFlows>> SumOrganizerFlowsByMonth(std::string_view organizer_id,
                                                                std::string_view currency,
                                                                Timestamp from,
                                                                Timestamp until) override;
  Result<std::vector<std::string>> TopOrganizerEvents(std::string_view organizer_id,
                                                      std::string_view currency,
                                                      int limit) override;
  Result<std::vector<spi::EventSeatCounts>> CountEventSeats(
      std::span<const std::string> event_ids, Timestamp now) override;
  Result<std::vector<spi::CategoryFlows>> SumFlowsByCategory(std::string_view currency,
                                                             Timestamp from,
                                                             Timestamp until) override;
  Result<std::vector<spi::EscrowFlows>> TopEventFlows(std::string_view currency, Timestamp from,
                                                      Timestamp until, int limit) override;
  Result<std::vector<spi::EventSeatsSold>> TopEventSeats(Timestamp from, Timestamp until,
                                                         int limit) override;
  Result<std::vector<spi::MonthBookingCounts>> CountBookingsByMonth(Timestamp from,
                                                                    Timestamp until) override;
  Result<std::vector<spi::MonthCount>> CountNewUsersByMonth(Timestamp from,
                                                            Timestamp until) override;
  Result<std::vector<spi::SettlementEventRecord>> ListSettlementEvents(
      const spi::SettlementEventQuery& query) override;
  Result<spi::SettlementTotalsRecord> SumSettlementFlows(
      const spi::EventSettlementCondition& condition, std::string_view currency) override;
  Result<std::vector<spi::AccountEntryRecord>> ListAccountEntries(
      const spi::AccountEntryFilter& filter, const std::optional<spi::Keyset>& before,
      int limit) override;
  Result<std::vector<spi::AccountEntrySums>> SumAccountEntries(
      const spi::AccountEntryFilter& filter) override;
  Result<std::vector<Review>> ListOrganizerReviews(std::string_view organizer_id,
                                                   int limit) override;

 private:
  TransactionContext& context_;
};

}  // namespace eventify::storage
