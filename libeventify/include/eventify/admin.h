// Admin: what the platform's admins oversee besides single users and events — the audit log of
// the changes admins make to accounts, and the queues waiting for them.
//
// The audit log: every change an admin (or the operator's command line, OperatorPrincipal) makes
// to an account through Accounts::SetBlocked and Accounts::SetRole is written as an AuditEntry in
// the same commit as the change, so a committed change always has its entry and a rolled-back one
// none. A call that changes nothing (blocking a blocked account, giving the role it has) writes
// nothing. Entries are never changed or removed.
//
// Money and analytics: the settlement overview of every event (its state as the settlements area
// decides it, its escrow's amounts), platform revenue as a ledger view, and the platform's
// figures by month, category and event — each from the ledger's posted transfers and the
// confirmed bookings, never from a counter kept beside them, so they agree with the dashboards,
// the reports, the settlements and the ledger to the minor unit.
//
// Users themselves are listed, searched, blocked and given roles through eventify/accounts.h
// (ListUsers, SetBlocked, SetRole); the queues' items through eventify/events.h
// (ListOrganizerProfiles, ListPendingEvents); the money through eventify/ledger.h (ListTransfers
// for pending withdrawals, Audit) and eventify/dashboards.h.
//
// Who: admins only (Action::kReadAuditLog, EventAction::kReviewOrganizers and kReviewEvents for
// the queues, Action::kReadPlatformMoney for money and analytics); anyone else gets
// kPermissionDenied forbidden.
//
// Obtained from Engine::admin(); owned by the Engine and valid while it lives.
// Thread-safety: every member function may be called concurrently from any number of threads.
// Calls block on storage, so never call them on a network I/O thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/dashboards.h"
#include "eventify/export.h"
#include "eventify/ledger.h"
#include "eventify/settlements.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

// Stored by name (AuditActionName): "block_user", "unblock_user", "change_role".
enum class AuditAction : int { kBlockUser, kUnblockUser, kChangeRole };
EVENTIFY_EXPORT std::string_view AuditActionName(AuditAction action);
// Errors: kInvalidArgument (invalid_action, field "action").
EVENTIFY_EXPORT Result<AuditAction> ParseAuditAction(std::string_view name);

// One change made by an admin: who, what, to whom, when.
struct AuditEntry {
  std::string id;
  std::string actor_id;  // the admin's user id; empty for the operator's command line
  AuditAction action = AuditAction::kBlockUser;
  std::string target_user_id;
  // The value before and after: "true"/"false" for blocking, the role names for a role change.
  std::string from;
  std::string to;
  Timestamp created_at;
};

struct AuditQuery {
  std::string target_user_id;  // empty: every user
  std::string cursor;          // from a previous page; empty for the first
  int limit = 20;              // 1-100
};

struct AuditPage {
  std::vector<AuditEntry> items;  // newest first
  std::string next_cursor;        // empty when there is nothing older
};

// What waits for an admin.
struct AdminQueues {
  std::int64_t organizers_pending = 0;       // organizer profiles waiting for verification
  std::int64_t events_pending_approval = 0;  // events submitted and not yet decided
  std::int64_t events_on_hold = 0;           // approved or completed events an admin holds
};

// ---- Money (Action::kReadPlatformMoney) ---------------------------------------------------------
// Every amount comes from the ledger's posted transfers, in the platform currency
// (EngineOptions::currency); an event's escrow is AccountKind::kEscrow, owner = the event id.

// The money of an event's escrow, or of many.
struct EscrowAmounts {
  Money escrow_balance;  // gross - refunds - commission - settled: what the escrow holds now
  Money gross;           // transfers into the escrow: what the bookings paid
  Money refunds;         // kRefund transfers out of it
  Money commission;      // kCommission transfers out of it (to platform revenue)
  Money net;             // gross - refunds - commission: the organizer's share, paid or not
  Money settled;         // kSettlement transfers out of it (to the organizer's wallet)
};

// One event of the settlement overview.
struct SettlementLine {
  std::string event_id;
  std::string title;
  std::string organizer_id;
  EventStatus event_status = EventStatus::kDraft;
  // As Settlements::GetSettlement would say now: kSettled, kDue (eligible for settlement now),
  // kOnHold, kUnsettled (not due yet) or kCancelled.
  SettlementStatus state = SettlementStatus::kUnsettled;
  Timestamp ends_at;
  Timestamp due_at;  // ends_at plus SettlementsOptions::delay
  std::optional<Timestamp> settled_at;
  EscrowAmounts amounts;
};

struct SettlementOverviewQuery {
  std::optional<SettlementStatus> state;  // nullopt: every event that was approved or cancelled
  std::string cursor;                     // from a previous page; empty for the first
  int limit = 20;                         // 1-100
};

struct SettlementOverview {
  std::vector<SettlementLine> items;  // latest end first (then by id, descending)
  std::string next_cursor;            // empty when this is the last page
  // Across every page of the filter.
  std::int64_t events = 0;
  EscrowAmounts totals;
};

// Platform revenue (AccountKind::kPlatformRevenue) as a ledger view.
struct RevenueQuery {
  std::optional<Timestamp> from;     // created_at >= from
  std::optional<Timestamp> until;    // created_at < until
  std::optional<TransferKind> kind;  // only this kind
  std::string event_id;              // only the transfers from or to this event's escrow
  std::string cursor;                // from a previous page; empty for the first
  int limit = 20;                    // 1-100
};

// One posted transfer into or out of platform revenue.
struct RevenueEntry {
  std::string transfer_id;
  TransferKind kind = TransferKind::kCommission;
  Timestamp created_at;
  Money amount;             // + into platform revenue, - out of it
  AccountRef counterparty;  // the other side (an event's escrow for a commission)
  std::string event_id;     // the counterparty's owner when it is an escrow, else empty
  std::string reference;
};

struct RevenueKindTotal {
  TransferKind kind = TransferKind::kCommission;
  Money in;   // into platform revenue
  Money out;  // out of it (positive)
  Money net;  // in - out
  std::int64_t entries = 0;
};

struct RevenuePage {
  std::vector<RevenueEntry> items;  // newest first
  std::string next_cursor;          // empty when there is nothing older
  // Across every page of the filter: per kind that has any (by kind name), and overall.
  std::vector<RevenueKindTotal> by_kind;
  Money total;  // the sum of the kinds' net
  std::int64_t entries = 0;
};

// ---- Analytics (Action::kReadPlatformMoney) -----------------------------------------------------

struct AnalyticsQuery {
  MonthRange range;  // [from, until), "YYYY-MM", at most 36 months
  int top = 5;       // how many top events of each kind: 1-100
};

// One calendar month (UTC) of the platform.
struct MonthActivity {
  std::string month;          // "YYYY-MM"
  MoneyFigures money;         // of every escrow, by when each transfer was made
  std::int64_t bookings = 0;  // bookings confirmed in the month (whatever they are now)
  std::int64_t seats_booked = 0;
  std::int64_t cancellations = 0;  // confirmed bookings cancelled in the month
  std::int64_t seats_cancelled = 0;
  std::int64_t new_users = 0;  // accounts created in the month
};

struct CategoryRevenue {
  std::string category_id;
  std::string name;
  MoneyFigures money;
};

// The event a top list names.
struct EventHeading {
  std::string event_id;
  std::string title;
  std::string organizer_id;
  std::string category_id;
};

struct EventRevenue {
  EventHeading event;
  MoneyFigures money;  // of its escrow, over the range
};

struct EventSeats {
  EventHeading event;
  std::int64_t bookings = 0;    // confirmed now, confirmed in the range
  std::int64_t seats_sold = 0;  // their seats
};

struct PlatformAnalytics {
  MonthRange range;
  MoneyFigures money;                 // over the range
  std::vector<MonthActivity> months;  // every month of the range, oldest first, zeros included
  std::vector<CategoryRevenue> categories;   // those with money in the range, by category id
  std::vector<EventRevenue> top_by_revenue;  // the largest gross first (then by event id)
  std::vector<EventSeats> top_by_seats;      // the most seats sold first (then by event id)
};

class EVENTIFY_EXPORT Admin {
 public:
  virtual ~Admin() = default;

  // The audit log, newest first, of every user or of one.
  // Errors: kPermissionDenied (forbidden), kInvalidArgument (invalid_limit, invalid_cursor).
  virtual Result<AuditPage> ListAuditLog(const Principal& admin, const AuditQuery& query) = 0;

  // How many items each queue holds now, each counted from its index.
  // Errors: kPermissionDenied (forbidden).
  virtual Result<AdminQueues> GetQueues(const Principal& admin) = 0;

  // Every event that was approved or cancelled with its settlement state and escrow amounts, a
  // page at a time, with the totals of the filter.
  // Errors: kPermissionDenied (forbidden), kInvalidArgument (invalid_limit, invalid_cursor).
  virtual Result<SettlementOverview> GetSettlementOverview(
      const Principal& admin, const SettlementOverviewQuery& query) = 0;

  // The platform revenue account's posted transfers, newest first, with the filter's totals.
  // Errors: kPermissionDenied (forbidden), kInvalidArgument (invalid_limit, invalid_cursor;
  // invalid_range, field "until": until not after from).
  virtual Result<RevenuePage> ListPlatformRevenue(const Principal& admin,
                                                  const RevenueQuery& query) = 0;

  // Revenue by month, category and event, top events, bookings and cancellations and new users
  // by month over query.range.
  // Errors: kPermissionDenied (forbidden), kInvalidArgument (invalid_month, field "from" or
  // "until"; invalid_range, field "until": until not after from, or more than 36 months;
  // invalid_top, field "top").
  virtual Result<PlatformAnalytics> GetAnalytics(const Principal& admin,
                                                 const AnalyticsQuery& query) = 0;
};

}  // namespace eventify
