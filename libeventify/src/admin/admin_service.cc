#include "admin/admin_service.h"

#include <utility>

#include "admin/money_views.h"
#include "core/enum_names.h"
#include "core/page_cursor.h"
#include "core/status_macros.h"
#include "eventify/events.h"
#include "eventify/spi/admin_store.h"

namespace eventify {
namespace {

constexpr EnumNames<AuditAction, 3> kAuditActionNames = {{
    {AuditAction::kBlockUser, "block_user"},
    {AuditAction::kUnblockUser, "unblock_user"},
    {AuditAction::kChangeRole, "change_role"},
}};

Status Forbidden() { return PermissionDenied("forbidden", "your role does not allow this"); }

class AdminService final : public Admin {
 public:
  AdminService(std::shared_ptr<spi::Storage> storage, std::shared_ptr<spi::Clock> clock,
               std::string currency, Duration settlement_delay)
      : storage_(storage),
        money_(std::move(storage), std::move(clock), std::move(currency), settlement_delay) {}

  Result<AuditPage> ListAuditLog(const Principal& admin, const AuditQuery& query) override {
    if (!IsAllowed(admin.role, Action::kReadAuditLog)) return Forbidden();
    EV_RETURN_IF_ERROR(CheckPageLimit(query.limit));
    EV_ASSIGN_OR_RETURN(const auto before, DecodePageCursor(query.cursor));
    AuditPage page;
    EV_RETURN_IF_ERROR(
        storage_->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
          EV_ASSIGN_OR_RETURN(page.items, tx.store<spi::AdminStore>()->ListAuditEntries(
                                              query.target_user_id, before, query.limit + 1));
          return Status::Ok();
        }));
    page.next_cursor = TrimPage(page.items, query.limit, [](const AuditEntry& entry) {
      return spi::Keyset{entry.created_at, entry.id};
    });
    return page;
  }

  Result<AdminQueues> GetQueues(const Principal& admin) override {
    if (!IsEventActionAllowed(admin.role, EventRelation::kNone, EventAction::kReviewOrganizers) ||
        !IsEventActionAllowed(admin.role, EventRelation::kNone, EventAction::kReviewEvents)) {
      return Forbidden();
    }
    AdminQueues queues;
    EV_RETURN_IF_ERROR(
        storage_->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
          auto* store = tx.store<spi::AdminStore>();
          EV_ASSIGN_OR_RETURN(queues.organizers_pending,
                              store->CountOrganizerProfiles(OrganizerStatus::kPending));
          EV_ASSIGN_OR_RETURN(queues.events_pending_approval,
                              store->CountEvents(EventStatus::kPendingApproval, std::nullopt));
          EV_ASSIGN_OR_RETURN(const std::int64_t approved_held,
                              store->CountEvents(EventStatus::kApproved, true));
          EV_ASSIGN_OR_RETURN(const std::int64_t completed_held,
                              store->CountEvents(EventStatus::kCompleted, true));
          queues.events_on_hold = approved_held + completed_held;
          return Status::Ok();
        }));
    return queues;
  }

  Result<SettlementOverview> GetSettlementOverview(const Principal& admin,
                                                   const SettlementOverviewQuery& query) override {
    if (!IsAllowed(admin.role, Action::kReadPlatformMoney)) return Forbidden();
    return money_.Overview(query);
  }

  Result<RevenuePage> ListPlatformRevenue(const Principal& admin,
                                          const RevenueQuery& query) override {
    if (!IsAllowed(admin.role, Action::kReadPlatformMoney)) return Forbidden();
    return money_.Revenue(query);
  }

  Result<PlatformAnalytics> GetAnalytics(const Principal& admin,
                                         const AnalyticsQuery& query) override {
    if (!IsAllowed(admin.role, Action::kReadPlatformMoney)) return Forbidden();
    return money_.Analytics(query);
  }

 private:
  const std::shared_ptr<spi::Storage> storage_;
  const admin::MoneyViews money_;
};

}  // namespace

std::string_view AuditActionName(AuditAction action) { return NameIn(kAuditActionNames, action); }

Result<AuditAction> ParseAuditAction(std::string_view name) {
  return ParseIn(kAuditActionNames, name, "invalid_action", "unknown audit action", "action");
}

namespace admin {

std::unique_ptr<Admin> MakeAdminService(std::shared_ptr<spi::Storage> storage,
                                        std::shared_ptr<spi::Clock> clock, std::string currency,
                                        Duration settlement_delay) {
  return std::make_unique<AdminService>(std::move(storage), std::move(clock), std::move(currency),
                                        settlement_delay);
}

}  // namespace admin
}  // namespace eventify
