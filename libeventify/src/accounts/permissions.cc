// Roles and the permission table of the accounts area: the one place that says who may do what.
#include "eventify/accounts.h"

namespace eventify {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAttendee: return "attendee";
    case Role::kOrganizer: return "organizer";
    case Role::kAdmin: return "admin";
  }
  return "attendee";
}

Result<Role> ParseRole(std::string_view name) {
  if (name == "attendee") return Role::kAttendee;
  if (name == "organizer") return Role::kOrganizer;
  if (name == "admin") return Role::kAdmin;
  return InvalidArgument("invalid_role", "role must be attendee, organizer or admin", "role");
}

Principal OperatorPrincipal() { return Principal{"", Role::kAdmin, ""}; }

bool IsAllowed(Role role, Action action) {
  struct Rule {
    Action action;
    bool attendee, organizer, admin;
  };
  static constexpr Rule kTable[] = {
      //                           attendee organizer admin
      {Action::kReadOwnProfile,    true,    true,     true},
      {Action::kUpdateOwnProfile,  true,    true,     true},
      {Action::kReadAnyUser,       false,   false,    true},
      {Action::kBlockUser,         false,   false,    true},
      {Action::kChangeRole,        false,   false,    true},
      {Action::kUseOrganizerWallet, false,  true,     false},
      {Action::kManageWithdrawals, false,   false,    true},
      {Action::kAuditLedger,       false,   false,    true},
      {Action::kManageJobs,        false,   false,    true},
      {Action::kReadAuditLog,      false,   false,    true},
      {Action::kReadPlatformMoney, false,   false,    true},
  };
  for (const Rule& rule : kTable) {
    if (rule.action != action) continue;
    switch (role) {
      case Role::kAttendee: return rule.attendee;
      case Role::kOrganizer: return rule.organizer;
      case Role::kAdmin: return rule.admin;
    }
  }
  return false;
}

}  // namespace eventify
