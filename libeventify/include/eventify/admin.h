// Admin: what the platform's admins oversee besides single users and events — the audit log of
// the changes admins make to accounts, and the queues waiting for them.
//
// The audit log: every change an admin (or the operator's command line, OperatorPrincipal) makes
// to an account through Accounts::SetBlocked and Accounts::SetRole is written as an AuditEntry in
// the same commit as the change, so a committed change always has its entry and a rolled-back one
// none. A call that changes nothing (blocking a blocked account, giving the role it has) writes
// nothing. Entries are never changed or removed.
//
// Users themselves are listed, searched, blocked and given roles through eventify/accounts.h
// (ListUsers, SetBlocked, SetRole); the queues' items through eventify/events.h
// (ListOrganizerProfiles, ListPendingEvents); the money through eventify/ledger.h (ListTransfers
// for pending withdrawals, Audit) and eventify/dashboards.h.
//
// Who: admins only (Action::kReadAuditLog, and EventAction::kReviewOrganizers and kReviewEvents
// for the queues); anyone else gets kPermissionDenied forbidden.
//
// Obtained from Engine::admin(); owned by the Engine and valid while it lives.
// Thread-safety: every member function may be called concurrently from any number of threads.
// Calls block on storage, so never call them on a network I/O thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/export.h"
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

class EVENTIFY_EXPORT Admin {
 public:
  virtual ~Admin() = default;

  // The audit log, newest first, of every user or of one.
  // Errors: kPermissionDenied (forbidden), kInvalidArgument (invalid_limit, invalid_cursor).
  virtual Result<AuditPage> ListAuditLog(const Principal& admin, const AuditQuery& query) = 0;

  // How many items each queue holds now, each counted from its index.
  // Errors: kPermissionDenied (forbidden).
  virtual Result<AdminQueues> GetQueues(const Principal& admin) = 0;
};

}  // namespace eventify
