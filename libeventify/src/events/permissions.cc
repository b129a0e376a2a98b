// The names of the events area's enums and its permission table: the one place that says who may
// do what with organizers, categories and events (docs/events-api.md shows the same table), and
// who sees which event (events/visibility.h).
#include "core/enum_names.h"
#include "eventify/events.h"
#include "events/visibility.h"

namespace eventify {
namespace {

constexpr EnumNames<OrganizerStatus, 3> kOrganizerStatuses{{
    {OrganizerStatus::kPending, "pending"},
    {OrganizerStatus::kVerified, "verified"},
    {OrganizerStatus::kRejected, "rejected"},
}};

constexpr EnumNames<OrganizerRejectCause, 4> kOrganizerCauses{{
    {OrganizerRejectCause::kIncompleteProfile, "incomplete_profile"},
    {OrganizerRejectCause::kUnverifiableContact, "unverifiable_contact"},
    {OrganizerRejectCause::kNotAnOrganizer, "not_an_organizer"},
    {OrganizerRejectCause::kOther, "other"},
}};

constexpr EnumNames<EventStatus, 6> kEventStatuses{{
    {EventStatus::kDraft, "draft"},
    {EventStatus::kPendingApproval, "pending_approval"},
    {EventStatus::kApproved, "approved"},
    {EventStatus::kRejected, "rejected"},
    {EventStatus::kCancelled, "cancelled"},
    {EventStatus::kCompleted, "completed"},
}};

constexpr EnumNames<EventRejectCause, 5> kEventCauses{{
    {EventRejectCause::kIncompleteDetails, "incomplete_details"},
    {EventRejectCause::kMisleadingContent, "misleading_content"},
    {EventRejectCause::kWrongCategory, "wrong_category"},
    {EventRejectCause::kPolicyViolation, "policy_violation"},
    {EventRejectCause::kOther, "other"},
}};

}  // namespace

std::string_view OrganizerStatusName(OrganizerStatus status) {
  return NameIn(kOrganizerStatuses, status);
}
Result<OrganizerStatus> ParseOrganizerStatus(std::string_view name) {
  return ParseIn(kOrganizerStatuses, name, "invalid_status",
                 "status must be pending, verified or rejected", "status");
}

std::string_view OrganizerRejectCauseName(OrganizerRejectCause cause) {
  return NameIn(kOrganizerCauses, cause);
}
Result<OrganizerRejectCause> ParseOrganizerRejectCause(std::string_view name) {
  return ParseIn(kOrganizerCauses, name, "invalid_cause",
                 "cause must be incomplete_profile, unverifiable_contact, not_an_organizer or "
                 "other",
                 "cause");
}

std::string_view EventStatusName(EventStatus status) { return NameIn(kEventStatuses, status); }
Result<EventStatus> ParseEventStatus(std::string_view name) {
  return ParseIn(kEventStatuses, name, "invalid_status",
                 "status must be draft, pending_approval, approved, rejected, cancelled or "
                 "completed",
                 "status");
}

std::string_view EventRejectCauseName(EventRejectCause cause) {
  return NameIn(kEventCauses, cause);
}
Result<EventRejectCause> ParseEventRejectCause(std::string_view name) {
  return ParseIn(kEventCauses, name, "invalid_cause",
                 "cause must be incomplete_details, misleading_content, wrong_category, "
                 "policy_violation or other",
                 "cause");
}

bool IsEventActionAllowed(Role role, EventRelation relation, EventAction action) {
  struct Rule {
    EventAction action;
    // attendee; organizer of another's event (or of none); organizer of this event; admin;
    // holder of a confirmed booking of this event (added to what the role alone may do)
    bool attendee, organizer, own_organizer, admin, holder;
  };
  static constexpr Rule kTable[] = {
      //                                    attendee organizer own-event admin  holder
      {EventAction::kApplyAsOrganizer,      false,   true,     true,     false, false},
      {EventAction::kReviewOrganizers,      false,   false,    false,    true,  false},
      {EventAction::kManageCategories,      false,   false,    false,    true,  false},
      {EventAction::kCreateEvent,           false,   true,     true,     false, false},
      {EventAction::kEditEvent,             false,   false,    true,     false, false},
      {EventAction::kSubmitEvent,           false,   false,    true,     false, false},
      {EventAction::kReviewEvents,          false,   false,    false,    true,  false},
      {EventAction::kCancelEvent,           false,   false,    true,     true,  false},
      {EventAction::kHoldEvent,             false,   false,    false,    true,  false},
      {EventAction::kViewUnlistedEvent,     false,   false,    true,     true,  false},
      {EventAction::kListOwnEvents,         false,   true,     true,     false, false},
      {EventAction::kBookEvent,             true,    true,     false,    false, false},
      {EventAction::kCheckInTickets,        false,   false,    true,     false, false},
      {EventAction::kManageEventCoupons,    false,   false,    true,     true,  false},
      {EventAction::kManagePlatformCoupons, false,   false,    false,    true,  false},
      {EventAction::kSettleEvent,           false,   false,    false,    true,  false},
      {EventAction::kViewSettlement,        false,   false,    true,     true,  false},
      {EventAction::kWriteReview,           false,   false,    false,    false, true},
      {EventAction::kModerateReviews,       false,   false,    false,    true,  false},
  };
  for (const Rule& rule : kTable) {
    if (rule.action != action) continue;
    const bool holder = relation == EventRelation::kHolderOfConfirmedBooking && rule.holder;
    switch (role) {
      case Role::kAttendee:
        return rule.attendee || holder;
      case Role::kOrganizer:
        return (relation == EventRelation::kOrganizerOfEvent ? rule.own_organizer
                                                             : rule.organizer) ||
               holder;
      case Role::kAdmin:
        return rule.admin;
    }
  }
  return false;
}

namespace events {

bool IsPublic(EventStatus status) {
  return status == EventStatus::kApproved || status == EventStatus::kCompleted ||
         status == EventStatus::kCancelled;
}

EventRelation RelationTo(const Principal& caller, std::string_view organizer_id) {
  return caller.role == Role::kOrganizer && !organizer_id.empty() && caller.user_id == organizer_id
             ? EventRelation::kOrganizerOfEvent
             : EventRelation::kNone;
}

bool MaySee(const Principal* caller, std::string_view organizer_id, EventStatus status) {
  if (IsPublic(status)) return true;
  return caller != nullptr && IsEventActionAllowed(caller->role, RelationTo(*caller, organizer_id),
                                                   EventAction::kViewUnlistedEvent);
}

}  // namespace events
}  // namespace eventify
