// Events: organizers and their verification, categories, and events from draft to approval,
// listing, cancellation and completion. Bookings, tickets and payments build on this area later.
//
// Who may do what is one table (IsEventActionAllowed, below; docs/events-api.md has the same
// table): an action is decided by the caller's role and, for an event, by whether the caller is
// its organizer. Besides the table, creating and submitting events needs a verified organizer
// profile (a state, not a permission: kFailedPrecondition organizer_not_verified).
//
// An event the caller may not see (a draft, pending or rejected event of another organizer)
// answers kNotFound event_not_found, as an unknown id does, so ids reveal nothing. An event the
// caller may see (listed publicly) but not change answers kPermissionDenied forbidden.
//
// Times are UTC Timestamps; each event also names the IANA time zone its times are shown in
// ("Europe/Paris"), checked against the host's time-zone database (EventsOptions::zoneinfo_dir).
//
// Every event returned carries its rating (Event::rating): the count and sum of its visible reviews.
//
// Obtained from Engine::events(); owned by the Engine and valid while it lives.
// Thread-safety: every member function may be called concurrently from any number of threads.
// Calls block on storage, so never call them on a network I/O thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/export.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

// ---- Organizers ------------------------------------------------------------------------------

// Stored by name (OrganizerStatusName): "pending", "verified", "rejected".
enum class OrganizerStatus : int { kPending, kVerified, kRejected };
EVENTIFY_EXPORT std::string_view OrganizerStatusName(OrganizerStatus status);
// Errors: kInvalidArgument (invalid_status, field "status").
EVENTIFY_EXPORT Result<OrganizerStatus> ParseOrganizerStatus(std::string_view name);

// Why an admin rejected an organizer profile. Stored by name: "incomplete_profile",
// "unverifiable_contact", "not_an_organizer", "other".
enum class OrganizerRejectCause : int {
  kIncompleteProfile,
  kUnverifiableContact,
  kNotAnOrganizer,
  kOther,
};
EVENTIFY_EXPORT std::string_view OrganizerRejectCauseName(OrganizerRejectCause cause);
// Errors: kInvalidArgument (invalid_cause, field "cause").
EVENTIFY_EXPORT Result<OrganizerRejectCause> ParseOrganizerRejectCause(std::string_view name);

// What an organizer submits for verification. Every field is trimmed; 1-200 characters
// (about: 1-5000).
struct OrganizerApplication {
  std::string organisation_name;
  std::string about;
  std::string contact;  // how the platform reaches the organisation: e-mail, phone, address
};

struct OrganizerProfile {
  std::string user_id;  // the organizer's account
  std::string organisation_name;
  std::string about;
  std::string contact;
  OrganizerStatus status = OrganizerStatus::kPending;
  std::optional<OrganizerRejectCause> reject_cause;  // set while kRejected
  std::string review_note;  // the admin's note to the organizer; empty when none
  Timestamp submitted_at;   // of the latest submission: the queue's order
  std::optional<Timestamp> reviewed_at;
  Timestamp updated_at;
};

struct OrganizerPage {
  std::vector<OrganizerProfile> items;  // oldest submission first
  std::string next_cursor;              // empty when this is the last page
};

// ---- Categories ------------------------------------------------------------------------------

struct Category {
  std::string id;
  std::string name;  // 1-100 characters, unique without regard to the case of ASCII letters
  bool listed = true;  // an unlisted category takes no new events and is hidden from the public
  Timestamp created_at;
  Timestamp updated_at;
};

// ---- Ratings ---------------------------------------------------------------------------------

// What the reviews of an event, or of every event of one organizer, add up to (eventify/reviews.h):
// how many visible reviews there are and the sum of their stars, both exact integers kept in the
// commit of every review, edit and removal. The average is sum / count (no reviews: count 0).
struct Rating {
  std::int64_t count = 0;
  std::int64_t sum = 0;
  double average() const { return count == 0 ? 0.0 : static_cast<double>(sum) / count; }
};

// ---- Events ----------------------------------------------------------------------------------

// The lifecycle (docs/events-api.md draws it):
//   draft --submit--> pending_approval --approve--> approved --(its end passes)--> completed
//                                      --reject--> rejected --edit, submit--> pending_approval
//   approved --cancel (organizer or admin)--> cancelled
// Stored by name (EventStatusName): "draft", "pending_approval", "approved", "rejected",
// "cancelled", "completed". Holding (admins) is a flag of approved and completed events, not a
// status: a held event is not listed and, once bookings exist, sells nothing and is not settled.
enum class EventStatus : int {
  kDraft,
  kPendingApproval,
  kApproved,
  kRejected,
  kCancelled,
  kCompleted,
};
EVENTIFY_EXPORT std::string_view EventStatusName(EventStatus status);
// Errors: kInvalidArgument (invalid_status, field "status").
EVENTIFY_EXPORT Result<EventStatus> ParseEventStatus(std::string_view name);

// Why an admin rejected an event. Stored by name: "incomplete_details", "misleading_content",
// "wrong_category", "policy_violation", "other".
enum class EventRejectCause : int {
  kIncompleteDetails,
  kMisleadingContent,
  kWrongCategory,
  kPolicyViolation,
  kOther,
};
EVENTIFY_EXPORT std::string_view EventRejectCauseName(EventRejectCause cause);
// Errors: kInvalidArgument (invalid_cause, field "cause").
EVENTIFY_EXPORT Result<EventRejectCause> ParseEventRejectCause(std::string_view name);

// What an organizer writes: the whole event, on creation and on every edit. The fields checked,
// each failure kInvalidArgument with the field named:
//   title 1-200 characters (invalid_title), description 1-10000 (invalid_description),
//   category_id a listed category (unknown_category, kNotFound; category_unlisted,
//   kFailedPrecondition), venue and online_url at most 500 characters each (invalid_venue,
//   invalid_online_url: it must be an http:// or https:// URL) and at least one of them
//   (missing_location, field "venue"), starts_at in the future (start_in_past), ends_at after starts_at
//   (end_before_start), time_zone an IANA name the host knows (unknown_time_zone), capacity
//   1-1000000 (invalid_capacity), price_minor_units 0 (free) to 100000000 (invalid_price),
//   max_tickets_per_booking 1-100 and at most capacity (invalid_ticket_limit).
struct EventDraft {
  std::string title;
  std::string description;
  std::string category_id;
  std::string venue;       // a street address; empty for an online-only event
  std::string online_url;  // where attendees join; empty for an in-person event
  Timestamp starts_at;
  Timestamp ends_at;
  std::string time_zone;   // IANA name, e.g. "Asia/Kolkata", for showing the times
  std::int64_t capacity = 0;
  std::int64_t price_minor_units = 0;  // per ticket, in the platform currency
  bool attendees_may_cancel = false;
  std::int64_t max_tickets_per_booking = 1;
};

// What an event's settlement paid out (eventify/settlements.h has the whole Settlement), as the
// organizer's own list shows it (Events::ListOwnEvents).
struct EventSettlementSummary {
  Timestamp settled_at;
  Money gross;       // what the escrow held: the paid bookings less their refunds
  Money commission;  // to the platform
  Money net;         // to the organizer's wallet
};

struct Event {
  std::string id;
  std::string organizer_id;
  std::string title;
  std::string description;
  std::string category_id;
  std::string venue;
  std::string online_url;
  Timestamp starts_at;
  Timestamp ends_at;
  std::string time_zone;
  std::int32_t capacity = 0;
  Money price;  // the platform currency
  bool attendees_may_cancel = false;
  std::int32_t max_tickets_per_booking = 1;
  EventStatus status = EventStatus::kDraft;
  bool on_hold = false;
  std::optional<EventRejectCause> reject_cause;  // set while kRejected
  std::string review_note;  // the admin's note on the last rejection or hold; empty when none
  std::string cancel_note;  // why it was cancelled; empty unless kCancelled
  // Seats of confirmed bookings and of live holds: zero until bookings exist. Capacity is never
  // lowered below their sum.
  std::int32_t seats_sold = 0;
  std::int32_t seats_held = 0;
  std::optional<Timestamp> submitted_at;  // of the latest submission
  // The cover image: its key in the media store, and the URL clients fetch it from (filled by
  // the engine from the media store on every event it returns). Empty when there is none.
  std::optional<std::string> cover_image_key;
  std::optional<std::string> cover_image_url;
  // The event's reviews (eventify/reviews.h), filled on every event the engine returns.
  Rating rating;
  // Only Events::ListOwnEvents fills it (every other call leaves it empty): what the event has
  // collected and not refunded, in its price's currency. That is the posted balance of its escrow
  // account (eventify/ledger.h: paid bookings move money in, refunds out) plus what its
  // settlement paid out of the escrow, so that it stays the same once settled (then it equals
  // settlement->gross). Zero for an event nobody paid for (a free one has no escrow account).
  std::optional<Money> revenue;
  // Only Events::ListOwnEvents fills it (every other call leaves it empty): what the event's
  // settlement paid out once it is settled, empty while it is not.
  std::optional<EventSettlementSummary> settlement;
  Timestamp created_at;
  Timestamp updated_at;
};

// The public listing's filters; every one given must hold. Only approved events that are not on
// hold and start after now are listed, soonest first.
struct EventQuery {
  std::string category_id;
  std::string organizer_id;
  std::optional<Timestamp> starts_from;    // starts_at >= this
  std::optional<Timestamp> starts_before;  // starts_at < this
  // Words that must all occur in the title or description, matched by the database's full-text
  // index (whole words, without regard to case). At most 200 bytes with at least one word.
  std::string text;
  std::optional<std::int64_t> min_price;  // minor units, inclusive
  std::optional<std::int64_t> max_price;  // minor units, inclusive
  std::string cursor;                     // from a previous page; empty for the first
  int limit = 20;                         // 1-100
};

struct EventPage {
  std::vector<Event> items;
  std::string next_cursor;  // empty when this is the last page
};

// ---- Permissions -----------------------------------------------------------------------------

enum class EventAction : int {
  kApplyAsOrganizer,   // submit one's own organizer profile
  kReviewOrganizers,   // the verification queue; verify, reject
  kManageCategories,   // create, rename, unlist, relist; see unlisted ones
  kCreateEvent,
  kEditEvent,
  kSubmitEvent,
  kReviewEvents,       // the approval queue; approve, reject
  kCancelEvent,
  kHoldEvent,          // hold, release
  kViewUnlistedEvent,  // a draft, pending, rejected (or any) event that is not public
  kListOwnEvents,
  kBookEvent,          // hold seats, pay, book and pay, join a waitlist (eventify/bookings.h)
  kCheckInTickets,     // admit tickets at the door (eventify/bookings.h)
  kManageEventCoupons,     // create, list, deactivate coupons of this event (eventify/coupons.h)
  kManagePlatformCoupons,  // coupons valid for every event; list every coupon
  kSettleEvent,            // pay the escrow out (eventify/settlements.h)
  kViewSettlement,         // read an event's settlement (eventify/settlements.h)
  kWriteReview,            // write, edit and delete one's own review (eventify/reviews.h)
  kModerateReviews,        // remove anyone's review (eventify/reviews.h)
};

// How the caller relates to the event acted on; kNone when there is no event, or it is another's.
// kHolderOfConfirmedBooking: the caller (not the event's organizer) holds a confirmed booking of
// it; holding one only ever adds what the table's "holder" column grants to what the role alone
// may do.
enum class EventRelation : int { kNone, kOrganizerOfEvent, kHolderOfConfirmedBooking };

// The single permission table of the events area.
EVENTIFY_EXPORT bool IsEventActionAllowed(Role role, EventRelation relation, EventAction action);

// ---- Options and the service ----

struct EventsOptions {
  // Where the host's compiled IANA time-zone database lives (Debian: the tzdata package). A zone
  // is known when a TZif file of its name is there.
  std::string zoneinfo_dir = "/usr/share/zoneinfo";
  std::size_t cover_max_bytes = 5 * 1024 * 1024;  // of a cover image
};

// ---- The service -----------------------------------------------------------------------------

// Told of what the engine's events area did that a host announces elsewhere
// (Events::AddObserver): eventify-server's chat hub sends `new_event` from OnEventApproved.
// Changes made by other processes on the same database are not seen.
class EventsObserver {
 public:
  virtual ~EventsObserver() = default;
  // An event was approved (ApproveEvent committed), with its approved state; on the approving
  // thread, after the commit. Must be quick (hand it to another thread) and never call back into
  // Events.
  virtual void OnEventApproved(const Event& event) = 0;
};

class EVENTIFY_EXPORT Events {
 public:
  virtual ~Events() = default;

  // Errors shared by every call taking a Principal: kPermissionDenied (forbidden) when the table
  // says no.

  // Submits (or, while pending or rejected, replaces) the caller's organizer profile; it is then
  // pending. Errors: kInvalidArgument (invalid_organisation_name, invalid_about,
  // invalid_contact; with field), kFailedPrecondition (already_verified).
  virtual Result<OrganizerProfile> ApplyAsOrganizer(const Principal& organizer,
                                                    const OrganizerApplication& application) = 0;
  // The caller's own profile. Errors: kNotFound (no_organizer_profile).
  virtual Result<OrganizerProfile> GetOwnOrganizerProfile(const Principal& organizer) = 0;
  // Admin: profiles of one status, oldest submission first.
  // Errors: kInvalidArgument (invalid_limit, invalid_cursor).
  virtual Result<OrganizerPage> ListOrganizerProfiles(const Principal& admin,
                                                      OrganizerStatus status,
                                                      std::string_view cursor, int limit) = 0;
  // Admin. Errors: kNotFound (no_organizer_profile), kFailedPrecondition (profile_not_pending).
  virtual Result<OrganizerProfile> VerifyOrganizer(const Principal& admin,
                                                   std::string_view user_id) = 0;
  // Admin; `note` at most 1000 characters, required for kOther.
  // Errors: as VerifyOrganizer, and kInvalidArgument (invalid_note, field "note").
  virtual Result<OrganizerProfile> RejectOrganizer(const Principal& admin,
                                                   std::string_view user_id,
                                                   OrganizerRejectCause cause,
                                                   std::string_view note) = 0;

  // Admin. Errors: kInvalidArgument (invalid_category_name, field "name"), kAlreadyExists
  // (category_exists, field "name").
  virtual Result<Category> CreateCategory(const Principal& admin, std::string_view name) = 0;
  // Admin. Errors: as CreateCategory, and kNotFound (category_not_found).
  virtual Result<Category> RenameCategory(const Principal& admin, std::string_view id,
                                          std::string_view name) = 0;
  // Admin: unlists (false) or lists again (true). Events already in it keep it.
  // Errors: kNotFound (category_not_found).
  virtual Result<Category> SetCategoryListed(const Principal& admin, std::string_view id,
                                             bool listed) = 0;
  // Listed categories by name; with `include_unlisted` (admins only, else forbidden) all of them.
  virtual Result<std::vector<Category>> ListCategories(const Principal* caller,
                                                       bool include_unlisted) = 0;

  // A verified organizer creates a draft. Errors: those of EventDraft, kFailedPrecondition
  // (organizer_not_verified).
  virtual Result<Event> CreateEvent(const Principal& organizer, const EventDraft& draft) = 0;

  // The organizer replaces the event's fields. Drafts and rejected events take any change (a
  // rejected one stays rejected until submitted again). An approved event keeps its title,
  // category, times, time zone, price and cancellation policy (field_locked, kFailedPrecondition,
  // naming the field: buyers paid for them) and takes a new description, venue, online link,
  // ticket limit and capacity, never below seats_sold + seats_held (capacity_below_sold). Other
  // statuses take none (event_not_editable).
  // Errors: those of EventDraft, kNotFound (event_not_found), and the above.
  virtual Result<Event> UpdateEvent(const Principal& organizer, std::string_view id,
                                    const EventDraft& draft) = 0;

  // The organizer sets the cover image of an event that takes edits (draft, rejected, approved):
  // PNG, JPEG or WebP bytes, stored in the media store under a fresh key; the previous image is
  // removed. Errors: kNotFound (event_not_found), kFailedPrecondition (event_not_editable),
  // kInvalidArgument (empty_image), kPayloadTooLarge (cover_too_large: over
  // EventsOptions::cover_max_bytes), kUnsupportedMediaType (unsupported_image); all with field
  // "cover". kUnavailable when the media store fails.
  virtual Result<Event> SetCoverImage(const Principal& organizer, std::string_view id,
                                      std::string_view bytes) = 0;

  // The organizer submits a draft or rejected event for approval; its start must still be in the
  // future and its category listed. Errors: kNotFound (event_not_found), kFailedPrecondition
  // (event_not_submittable, organizer_not_verified, category_unlisted), kInvalidArgument
  // (start_in_past).
  virtual Result<Event> SubmitEvent(const Principal& organizer, std::string_view id) = 0;

  // Admin. Errors: kNotFound (event_not_found), kFailedPrecondition (event_not_pending,
  // start_in_past: it can no longer be approved; reject it).
  virtual Result<Event> ApproveEvent(const Principal& admin, std::string_view id) = 0;
  // Admin; `note` as for RejectOrganizer. Errors: kNotFound (event_not_found),
  // kFailedPrecondition (event_not_pending), kInvalidArgument (invalid_note).
  virtual Result<Event> RejectEvent(const Principal& admin, std::string_view id,
                                    EventRejectCause cause, std::string_view note) = 0;

  // The event's organizer or an admin cancels an approved event; `note` 1-1000 characters, shown
  // to attendees. Refunds come with bookings. Errors: kNotFound (event_not_found),
  // kFailedPrecondition (event_not_approved: also a completed or settled one, whose escrow is
  // paid out; eventify/settlements.h; event_ended: approved, but its end has passed and the
  // completion job has not marked it yet), kInvalidArgument (invalid_note).
  virtual Result<Event> CancelEvent(const Principal& caller, std::string_view id,
                                    std::string_view note) = 0;

  // Admin: puts an approved or completed event on hold (`note` 0-1000 characters), or releases
  // it. Errors: kNotFound (event_not_found), kFailedPrecondition (event_not_holdable,
  // already_on_hold, not_on_hold), kInvalidArgument (invalid_note).
  virtual Result<Event> HoldEvent(const Principal& admin, std::string_view id,
                                  std::string_view note) = 0;
  virtual Result<Event> ReleaseEvent(const Principal& admin, std::string_view id) = 0;

  // An approved, completed or cancelled event is public: anyone sees it (`caller` may be null).
  // Others only their organizer and admins. Errors: kNotFound (event_not_found).
  virtual Result<Event> GetEvent(const Principal* caller, std::string_view id) = 0;

  // The public listing (see EventQuery). Errors: kInvalidArgument (invalid_limit,
  // invalid_cursor, invalid_search: field "text", invalid_price_range: field "min_price",
  // invalid_date_range: field "starts_from").
  virtual Result<EventPage> ListEvents(const EventQuery& query) = 0;

  // The caller's own events, newest created first, of one status or all, each with its revenue
  // (Event::revenue) and its settlement once settled (Event::settlement). The page's escrow
  // accounts are read in one query, and its settlements in another, whatever its size.
  // Errors: kInvalidArgument (invalid_limit, invalid_cursor).
  virtual Result<EventPage> ListOwnEvents(const Principal& organizer,
                                          std::optional<EventStatus> status,
                                          std::string_view cursor, int limit) = 0;

  // Admin: events pending approval, oldest submission first.
  // Errors: kInvalidArgument (invalid_limit, invalid_cursor).
  virtual Result<EventPage> ListPendingEvents(const Principal& admin, std::string_view cursor,
                                              int limit) = 0;

  // Marks every approved event whose end is at or before now completed; returns how many. The
  // recurring job kCompleteEndedEventsJob (eventify/jobs.h) calls it.
  virtual Result<std::int64_t> CompleteEndedEvents() = 0;

  // Registers `observer` from now on until RemoveObserver; the service does not own it. Returns
  // the handle RemoveObserver takes. Thread-safe.
  virtual std::uint64_t AddObserver(EventsObserver* observer) = 0;
  // Unregisters; returns once no call to that observer is running. Never call it from the
  // observer. An unknown handle is ignored.
  virtual void RemoveObserver(std::uint64_t handle) = 0;
};

}  // namespace eventify
