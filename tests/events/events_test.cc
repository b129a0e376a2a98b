// The events area's rules through the engine: the permission table row by row, organizer
// verification, categories, every lifecycle transition, bad input and foreign event ids, and the
// recurring completion job on the manual clock.
#include <boost/test/unit_test.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "events/events_fixture.h"

namespace eventify::testing {
namespace {

using A = EventAction;
using R = EventRelation;

BOOST_AUTO_TEST_CASE(permission_table_matches_the_documented_one) {
  struct Row {
    EventAction action;
    bool attendee, organizer, own_organizer, admin;
  };
  // The table of docs/events-api.md, "Who may do what".
  const Row expected[] = {
      {A::kApplyAsOrganizer, false, true, true, false},
      {A::kReviewOrganizers, false, false, false, true},
      {A::kManageCategories, false, false, false, true},
      {A::kCreateEvent, false, true, true, false},
      {A::kEditEvent, false, false, true, false},
      {A::kSubmitEvent, false, false, true, false},
      {A::kReviewEvents, false, false, false, true},
      {A::kCancelEvent, false, false, true, true},
      {A::kHoldEvent, false, false, false, true},
      {A::kViewUnlistedEvent, false, false, true, true},
      {A::kListOwnEvents, false, true, true, false},
      {A::kBookEvent, true, true, false, false},
      {A::kCheckInTickets, false, false, true, false},
      {A::kManageEventCoupons, false, false, true, true},
      {A::kManagePlatformCoupons, false, false, false, true},
      {A::kSettleEvent, false, false, false, true},
      {A::kViewSettlement, false, false, true, true},
      {A::kWriteReview, false, false, false, false},  // by relation only: the holder column
      {A::kModerateReviews, false, false, false, true},
  };
  BOOST_TEST(std::size(expected) == static_cast<std::size_t>(A::kModerateReviews) + 1);
  for (const Row& row : expected) {
    BOOST_TEST_INFO("action " << static_cast<int>(row.action));
    // Attendees and admins act by role alone: the relation changes nothing for them.
    for (R relation : {R::kNone, R::kOrganizerOfEvent}) {
      BOOST_TEST(IsEventActionAllowed(Role::kAttendee, relation, row.action) == row.attendee);
      BOOST_TEST(IsEventActionAllowed(Role::kAdmin, relation, row.action) == row.admin);
    }
    BOOST_TEST(IsEventActionAllowed(Role::kOrganizer, R::kNone, row.action) == row.organizer);
    BOOST_TEST(IsEventActionAllowed(Role::kOrganizer, R::kOrganizerOfEvent, row.action) ==
               row.own_organizer);
  }
}

// A storage serving every area but the events one, as one written before the area existed.
class StorageWithoutEvents final : public spi::Storage {
 public:
  explicit StorageWithoutEvents(std::shared_ptr<spi::Storage> inner) : inner_(std::move(inner)) {}
  Status Run(spi::TransactionMode mode,
             const std::function<Status(spi::Transaction&)>& body) override {
    return inner_->Run(mode, body);
  }
  std::string_view backend_name() const override { return inner_->backend_name(); }
  int schema_version() const override { return inner_->schema_version(); }
  bool Supports(spi::StoreArea area) const override {
    return !(area == spi::EventStore::kArea) && inner_->Supports(area);
  }

 private:
  std::shared_ptr<spi::Storage> inner_;
};

BOOST_AUTO_TEST_CASE(the_engine_refuses_a_storage_without_the_events_area) {
  EngineOptions options;
  options.secret_key = std::string(32, 's');
  options.storage = std::make_shared<StorageWithoutEvents>(OpenFreshStorage());
  options.mailer = std::make_shared<DiscardingMailer>();
  options.media_store = spi::MakeFilesystemMediaStore("/nonexistent-media", "/media/");
  auto opened = Engine::Open(std::move(options));
  BOOST_REQUIRE(!opened.ok());
  ExpectError(opened, StatusCode::kFailedPrecondition, "storage_lacks_area", "storage");
  BOOST_TEST(opened.status().message().find("'events'") != std::string::npos);
}

BOOST_FIXTURE_TEST_SUITE(events, EventsFixture)

// Each row of the table, through the service: the refused callers get forbidden (or, for events
// they may not see, event_not_found), the allowed ones get through.
BOOST_AUTO_TEST_CASE(every_permission_row_is_enforced_by_the_service) {
  const OrganizerApplication application{"Acme", "About us", "acme@example.com"};
  // kApplyAsOrganizer: organizers only.
  ExpectError(events().ApplyAsOrganizer(attendee, application), StatusCode::kPermissionDenied,
              "forbidden");
  ExpectError(events().ApplyAsOrganizer(admin, application), StatusCode::kPermissionDenied,
              "forbidden");
  ExpectError(events().GetOwnOrganizerProfile(attendee), StatusCode::kPermissionDenied,
              "forbidden");
  BOOST_TEST(events().ApplyAsOrganizer(unverified, application).ok());
  // kReviewOrganizers: admins only.
  for (const Principal* who : {&attendee, &organizer}) {
    ExpectError(events().ListOrganizerProfiles(*who, OrganizerStatus::kPending, "", 10),
                StatusCode::kPermissionDenied, "forbidden");
    ExpectError(events().VerifyOrganizer(*who, unverified.user_id), StatusCode::kPermissionDenied,
                "forbidden");
    ExpectError(events().RejectOrganizer(*who, unverified.user_id,
                                         OrganizerRejectCause::kIncompleteProfile, ""),
                StatusCode::kPermissionDenied, "forbidden");
  }
  // kManageCategories: admins only.
  for (const Principal* who : {&attendee, &organizer}) {
    ExpectError(events().CreateCategory(*who, "Workshops"), StatusCode::kPermissionDenied,
                "forbidden");
    ExpectError(events().RenameCategory(*who, category.id, "Talks"),
                StatusCode::kPermissionDenied, "forbidden");
    ExpectError(events().SetCategoryListed(*who, category.id, false),
                StatusCode::kPermissionDenied, "forbidden");
    ExpectError(events().ListCategories(who, true), StatusCode::kPermissionDenied, "forbidden");
  }
  ExpectError(events().ListCategories(nullptr, true), StatusCode::kPermissionDenied, "forbidden");
  // kCreateEvent: organizers only.
  ExpectError(events().CreateEvent(attendee, Draft()), StatusCode::kPermissionDenied, "forbidden");
  ExpectError(events().CreateEvent(admin, Draft()), StatusCode::kPermissionDenied, "forbidden");
  const Event draft = Create(Draft());
  // kEditEvent, kSubmitEvent: the event's organizer only. A draft is not public: others do not
  // learn it exists, admins see it but may not change it.
  for (const Principal* who : {&attendee, &other_organizer}) {
    ExpectError(events().UpdateEvent(*who, draft.id, Draft()), StatusCode::kNotFound,
                "event_not_found");
    ExpectError(events().SubmitEvent(*who, draft.id), StatusCode::kNotFound, "event_not_found");
  }
  ExpectError(events().UpdateEvent(admin, draft.id, Draft()), StatusCode::kPermissionDenied,
              "forbidden");
  ExpectError(events().SubmitEvent(admin, draft.id), StatusCode::kPermissionDenied, "forbidden");
  // kViewUnlistedEvent: the event's organizer and admins.
  BOOST_TEST(events().GetEvent(&organizer, draft.id).ok());
  BOOST_TEST(events().GetEvent(&admin, draft.id).ok());
  ExpectError(events().GetEvent(&other_organizer, draft.id), StatusCode::kNotFound,
              "event_not_found");
  ExpectError(events().GetEvent(&attendee, draft.id), StatusCode::kNotFound, "event_not_found");
  ExpectError(events().GetEvent(nullptr, draft.id), StatusCode::kNotFound, "event_not_found");
  // kReviewEvents: admins only; the organizer of the event may not approve it.
  ValueOrFail(events().SubmitEvent(organizer, draft.id));
  for (const Principal* who : {&organizer, &other_organizer, &attendee}) {
    const StatusCode code =
        who == &organizer ? StatusCode::kPermissionDenied : StatusCode::kNotFound;
    const std::string reason = who == &organizer ? "forbidden" : "event_not_found";
    ExpectError(events().ApproveEvent(*who, draft.id), code, reason);
    ExpectError(events().RejectEvent(*who, draft.id, EventRejectCause::kWrongCategory, ""), code,
                reason);
    ExpectError(events().ListPendingEvents(*who, "", 10), StatusCode::kPermissionDenied,
                "forbidden");
  }
  const Event approved = ValueOrFail(events().ApproveEvent(admin, draft.id));
  // Approved events are public: others see them but the table refuses them.
  ExpectError(events().UpdateEvent(other_organizer, approved.id, Draft()),
              StatusCode::kPermissionDenied, "forbidden");
  // kHoldEvent: admins only.
  for (const Principal* who : {&organizer, &other_organizer, &attendee}) {
    ExpectError(events().HoldEvent(*who, approved.id, ""), StatusCode::kPermissionDenied,
                "forbidden");
    ExpectError(events().ReleaseEvent(*who, approved.id), StatusCode::kPermissionDenied,
                "forbidden");
  }
  // kCancelEvent: the event's organizer and admins.
  for (const Principal* who : {&other_organizer, &attendee}) {
    ExpectError(events().CancelEvent(*who, approved.id, "No venue"),
                StatusCode::kPermissionDenied, "forbidden");
  }
  BOOST_TEST(ValueOrFail(events().CancelEvent(organizer, approved.id, "No venue")).status ==
             EventStatus::kCancelled);
  const Event second = Approved(Draft("Second"));
  BOOST_TEST(ValueOrFail(events().CancelEvent(admin, second.id, "Venue closed")).status ==
             EventStatus::kCancelled);
  // kListOwnEvents: organizers only.
  ExpectError(events().ListOwnEvents(attendee, std::nullopt, "", 10),
              StatusCode::kPermissionDenied, "forbidden");
  ExpectError(events().ListOwnEvents(admin, std::nullopt, "", 10), StatusCode::kPermissionDenied,
              "forbidden");
  BOOST_TEST(ValueOrFail(events().ListOwnEvents(organizer, std::nullopt, "", 10)).items.size() ==
             2u);
}

BOOST_AUTO_TEST_CASE(organizer_is_verified_or_rejected_and_may_apply_again_after_rejection) {
  ExpectError(events().GetOwnOrganizerProfile(unverified), StatusCode::kNotFound,
              "no_organizer_profile");
  ExpectError(events().CreateEvent(unverified, Draft()), StatusCode::kFailedPrecondition,
              "organizer_not_verified");

  const OrganizerProfile applied = ValueOrFail(events().ApplyAsOrganizer(
      unverified, {"  Acme Events  ", "We run meetups", "acme@example.com"}));
  BOOST_TEST(applied.status == OrganizerStatus::kPending);
  BOOST_TEST(applied.organisation_name == "Acme Events");
  BOOST_TEST(applied.submitted_at == kEventsStart);
  ExpectError(events().CreateEvent(unverified, Draft()), StatusCode::kFailedPrecondition,
              "organizer_not_verified");

  const OrganizerPage queue =
      ValueOrFail(events().ListOrganizerProfiles(admin, OrganizerStatus::kPending, "", 10));
  BOOST_REQUIRE(queue.items.size() == 1u);
  BOOST_TEST(queue.items[0].user_id == unverified.user_id);

  ExpectError(events().RejectOrganizer(admin, unverified.user_id, OrganizerRejectCause::kOther, ""),
              StatusCode::kInvalidArgument, "invalid_note", "note");
  const OrganizerProfile rejected =
      ValueOrFail(events().RejectOrganizer(admin, unverified.user_id,
                                           OrganizerRejectCause::kUnverifiableContact,
                                           "The address bounces"));
  BOOST_TEST(rejected.status == OrganizerStatus::kRejected);
  BOOST_TEST(rejected.reject_cause == OrganizerRejectCause::kUnverifiableContact);
  BOOST_TEST(rejected.review_note == "The address bounces");
  ExpectError(events().VerifyOrganizer(admin, unverified.user_id), StatusCode::kFailedPrecondition,
              "profile_not_pending");
  BOOST_TEST(
      ValueOrFail(events().ListOrganizerProfiles(admin, OrganizerStatus::kRejected, "", 10))
          .items.size() == 1u);

  clock->Advance(std::chrono::hours(1));
  const OrganizerProfile again = ValueOrFail(
      events().ApplyAsOrganizer(unverified, {"Acme Events", "We run meetups", "+91 98765 43210"}));
  BOOST_TEST(again.status == OrganizerStatus::kPending);
  BOOST_TEST(!again.reject_cause.has_value());
  BOOST_TEST(again.review_note.empty());
  const OrganizerProfile verified = ValueOrFail(events().VerifyOrganizer(admin, unverified.user_id));
  BOOST_TEST(verified.status == OrganizerStatus::kVerified);
  BOOST_TEST(verified.reviewed_at == kEventsStart + std::chrono::hours(1));
  BOOST_TEST(events().CreateEvent(unverified, Draft()).ok());
  ExpectError(events().ApplyAsOrganizer(unverified, {"Acme", "x", "y"}),
              StatusCode::kFailedPrecondition, "already_verified");
  ExpectError(events().VerifyOrganizer(admin, "nobody"), StatusCode::kNotFound,
              "no_organizer_profile");
}

BOOST_AUTO_TEST_CASE(organizer_applications_are_checked) {
  ExpectError(events().ApplyAsOrganizer(unverified, {" ", "About", "Contact"}),
              StatusCode::kInvalidArgument, "invalid_organisation_name", "organisation_name");
  ExpectError(events().ApplyAsOrganizer(unverified, {"Acme", "", "Contact"}),
              StatusCode::kInvalidArgument, "invalid_about", "about");
  ExpectError(events().ApplyAsOrganizer(unverified, {"Acme", "About", std::string(201, 'c')}),
              StatusCode::kInvalidArgument, "invalid_contact", "contact");
  ExpectError(events().ApplyAsOrganizer(unverified, {"Ac\x01me", "About", "Contact"}),
              StatusCode::kInvalidArgument, "invalid_organisation_name", "organisation_name");
  ExpectError(events().ListOrganizerProfiles(admin, OrganizerStatus::kPending, "", 0),
              StatusCode::kInvalidArgument, "invalid_limit", "limit");
  ExpectError(events().ListOrganizerProfiles(admin, OrganizerStatus::kPending, "bogus", 10),
              StatusCode::kInvalidArgument, "invalid_cursor", "cursor");
}

BOOST_AUTO_TEST_CASE(the_verification_queue_pages_oldest_first) {
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) {
    clock->Advance(std::chrono::seconds(1));
    expected.push_back(NewId(clock->Now()));
    ValueOrFail(events().ApplyAsOrganizer({expected.back(), Role::kOrganizer, ""},
                                          {"Org", "About", "Contact"}));
  }
  std::vector<std::string> seen;
  std::string cursor;
  do {
    const OrganizerPage page =
        ValueOrFail(events().ListOrganizerProfiles(admin, OrganizerStatus::kPending, cursor, 2));
    for (const OrganizerProfile& p : page.items) seen.push_back(p.user_id);
    cursor = page.next_cursor;
  } while (!cursor.empty());
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(categories_are_unique_renamed_and_unlisted) {
  ExpectError(events().CreateCategory(admin, "conferences"), StatusCode::kAlreadyExists,
              "category_exists", "name");
  ExpectError(events().CreateCategory(admin, "  "), StatusCode::kInvalidArgument,
              "invalid_category_name", "name");
  const Category workshops = ValueOrFail(events().CreateCategory(admin, "Workshops"));
  ExpectError(events().RenameCategory(admin, workshops.id, "CONFERENCES"),
              StatusCode::kAlreadyExists, "category_exists", "name");
  const Category renamed = ValueOrFail(events().RenameCategory(admin, workshops.id, "Hands-on"));
  BOOST_TEST(renamed.name == "Hands-on");
  BOOST_TEST(ValueOrFail(events().RenameCategory(admin, workshops.id, "HANDS-ON")).name ==
             "HANDS-ON");
  ExpectError(events().RenameCategory(admin, "missing", "X"), StatusCode::kNotFound,
              "category_not_found");
  ExpectError(events().SetCategoryListed(admin, "missing", false), StatusCode::kNotFound,
              "category_not_found");

  const Event in_it = Create(Draft());
  const Category unlisted = ValueOrFail(events().SetCategoryListed(admin, category.id, false));
  BOOST_TEST(!unlisted.listed);
  const std::vector<Category> public_list = ValueOrFail(events().ListCategories(nullptr, false));
  BOOST_REQUIRE(public_list.size() == 1u);
  BOOST_TEST(public_list[0].id == workshops.id);
  BOOST_TEST(ValueOrFail(events().ListCategories(&admin, true)).size() == 2u);

  // No new events in an unlisted category, nor submissions; an existing draft keeps it.
  ExpectError(events().CreateEvent(organizer, Draft()), StatusCode::kFailedPrecondition,
              "category_unlisted", "category_id");
  EventDraft edit = Draft("Renamed meetup");
  BOOST_TEST(events().UpdateEvent(organizer, in_it.id, edit).ok());
  ExpectError(events().SubmitEvent(organizer, in_it.id), StatusCode::kFailedPrecondition,
              "category_unlisted", "category_id");
  ValueOrFail(events().SetCategoryListed(admin, category.id, true));
  BOOST_TEST(events().SubmitEvent(organizer, in_it.id).ok());
}

BOOST_AUTO_TEST_CASE(bad_drafts_are_refused_with_their_field) {
  auto expect = [&](EventDraft d, StatusCode code, const std::string& reason,
                    const std::string& field) {
    ExpectError(events().CreateEvent(organizer, d), code, reason, field);
  };
  EventDraft d = Draft();
  d.starts_at = clock->Now() - std::chrono::hours(1);
  d.ends_at = clock->Now() + std::chrono::hours(1);
  expect(d, StatusCode::kInvalidArgument, "start_in_past", "starts_at");
  d = Draft();
  d.starts_at = clock->Now();
  expect(d, StatusCode::kInvalidArgument, "start_in_past", "starts_at");
  d = Draft();
  d.ends_at = d.starts_at;
  expect(d, StatusCode::kInvalidArgument, "end_before_start", "ends_at");
  d = Draft();
  d.ends_at = d.starts_at - std::chrono::hours(1);
  expect(d, StatusCode::kInvalidArgument, "end_before_start", "ends_at");
  d = Draft();
  d.price_minor_units = -1;
  expect(d, StatusCode::kInvalidArgument, "invalid_price", "price");
  d = Draft();
  d.capacity = 0;
  expect(d, StatusCode::kInvalidArgument, "invalid_capacity", "capacity");
  d = Draft();
  d.capacity = -5;
  expect(d, StatusCode::kInvalidArgument, "invalid_capacity", "capacity");
  d = Draft();
  d.category_id = "0190c0de-0000-7000-8000-000000000000";
  expect(d, StatusCode::kNotFound, "unknown_category", "category_id");
  d = Draft();
  d.category_id = "";
  expect(d, StatusCode::kNotFound, "unknown_category", "category_id");
  for (const char* zone : {"Mars/Olympus_Mons", "Europe", "../../etc/passwd", "Europe/../UTC",
                           "", "Asia/Kolkata ", "zone.tab", "/etc/localtime"}) {
    d = Draft();
    d.time_zone = zone;
    if (std::string(zone) == "Asia/Kolkata ") {
      BOOST_TEST(events().CreateEvent(organizer, d).ok());  // trimmed
      continue;
    }
    BOOST_TEST_INFO("zone '" << zone << "'");
    expect(d, StatusCode::kInvalidArgument, "unknown_time_zone", "time_zone");
  }
  d = Draft();
  d.title = "";
  expect(d, StatusCode::kInvalidArgument, "invalid_title", "title");
  d = Draft();
  d.description = std::string(10001, 'x');
  expect(d, StatusCode::kInvalidArgument, "invalid_description", "description");
  d = Draft();
  d.venue = "";
  expect(d, StatusCode::kInvalidArgument, "missing_location", "venue");
  d.online_url = "ftp://example.com/room";
  expect(d, StatusCode::kInvalidArgument, "invalid_online_url", "online_url");
  d.online_url = "https://meet.example.com/room 1";
  expect(d, StatusCode::kInvalidArgument, "invalid_online_url", "online_url");
  d.online_url = "https://meet.example.com/room";
  BOOST_TEST(events().CreateEvent(organizer, d).ok());  // online only
  d = Draft();
  d.max_tickets_per_booking = 0;
  expect(d, StatusCode::kInvalidArgument, "invalid_ticket_limit", "max_tickets_per_booking");
  d = Draft();
  d.capacity = 2;
  d.max_tickets_per_booking = 3;
  expect(d, StatusCode::kInvalidArgument, "invalid_ticket_limit", "max_tickets_per_booking");

  // Free events and the UTC zone are fine; multi-line descriptions keep their line breaks.
  d = Draft();
  d.price_minor_units = 0;
  d.time_zone = "UTC";
  d.description = "Line one\nLine two";
  const Event free = Create(d);
  BOOST_TEST(free.price.minor_units == 0);
  BOOST_TEST(free.price.currency == "INR");
  BOOST_TEST(free.description == "Line one\nLine two");
  BOOST_TEST(free.status == EventStatus::kDraft);
  BOOST_TEST(free.seats_sold == 0);
  BOOST_TEST(free.seats_held == 0);
}

BOOST_AUTO_TEST_CASE(draft_is_submitted_rejected_edited_resubmitted_and_approved) {
  const Event draft = Create(Draft());
  ExpectError(events().ApproveEvent(admin, draft.id), StatusCode::kFailedPrecondition,
              "event_not_pending");
  ExpectError(events().CancelEvent(organizer, draft.id, "x"), StatusCode::kFailedPrecondition,
              "event_not_approved");
  ExpectError(events().HoldEvent(admin, draft.id, ""), StatusCode::kFailedPrecondition,
              "event_not_holdable");

  clock->Advance(std::chrono::minutes(5));
  const Event pending = ValueOrFail(events().SubmitEvent(organizer, draft.id));
  BOOST_TEST(pending.status == EventStatus::kPendingApproval);
  BOOST_TEST(pending.submitted_at == clock->Now());
  ExpectError(events().SubmitEvent(organizer, draft.id), StatusCode::kFailedPrecondition,
              "event_not_submittable");
  ExpectError(events().UpdateEvent(organizer, draft.id, Draft()), StatusCode::kFailedPrecondition,
              "event_not_editable");
  const EventPage queue = ValueOrFail(events().ListPendingEvents(admin, "", 10));
  BOOST_REQUIRE(queue.items.size() == 1u);
  BOOST_TEST(queue.items[0].id == draft.id);

  ExpectError(events().RejectEvent(admin, draft.id, EventRejectCause::kOther, " "),
              StatusCode::kInvalidArgument, "invalid_note", "note");
  const Event rejected = ValueOrFail(events().RejectEvent(
      admin, draft.id, EventRejectCause::kIncompleteDetails, "Add the speakers"));
  BOOST_TEST(rejected.status == EventStatus::kRejected);
  BOOST_TEST(rejected.reject_cause == EventRejectCause::kIncompleteDetails);
  BOOST_TEST(rejected.review_note == "Add the speakers");
  ExpectError(events().RejectEvent(admin, draft.id, EventRejectCause::kOther, "again"),
              StatusCode::kFailedPrecondition, "event_not_pending");
  BOOST_TEST(ValueOrFail(events().ListPendingEvents(admin, "", 10)).items.empty());

  EventDraft edit = Draft("C++ Meetup with speakers");
  edit.description = "Speakers: Ada and Grace";
  const Event edited = ValueOrFail(events().UpdateEvent(organizer, draft.id, edit));
  BOOST_TEST(edited.status == EventStatus::kRejected);  // until submitted again
  BOOST_TEST(edited.title == "C++ Meetup with speakers");

  const Event resubmitted = ValueOrFail(events().SubmitEvent(organizer, draft.id));
  BOOST_TEST(resubmitted.status == EventStatus::kPendingApproval);
  const Event approved = ValueOrFail(events().ApproveEvent(admin, draft.id));
  BOOST_TEST(approved.status == EventStatus::kApproved);
  BOOST_TEST(!approved.reject_cause.has_value());
  BOOST_TEST(approved.review_note.empty());
  BOOST_TEST(ValueOrFail(events().GetEvent(nullptr, draft.id)).status == EventStatus::kApproved);
  ExpectError(events().ApproveEvent(admin, draft.id), StatusCode::kFailedPrecondition,
              "event_not_pending");
  ExpectError(events().SubmitEvent(organizer, draft.id), StatusCode::kFailedPrecondition,
              "event_not_submittable");
}

BOOST_AUTO_TEST_CASE(events_that_started_cannot_be_submitted_or_approved) {
  const Event submitted = Create(Draft("Soon", 1));
  ValueOrFail(events().SubmitEvent(organizer, submitted.id));
  const Event draft = Create(Draft("Later draft", 1));
  clock->Advance(2 * kDay);
  ExpectError(events().ApproveEvent(admin, submitted.id), StatusCode::kFailedPrecondition,
              "start_in_past", "starts_at");
  ExpectError(events().SubmitEvent(organizer, draft.id), StatusCode::kInvalidArgument,
              "start_in_past", "starts_at");
  BOOST_TEST(ValueOrFail(events().RejectEvent(admin, submitted.id,
                                              EventRejectCause::kIncompleteDetails, ""))
                 .status == EventStatus::kRejected);
}

BOOST_AUTO_TEST_CASE(approved_events_change_only_what_buyers_did_not_pay_for) {
  const Event approved = Approved(Draft());
  EventDraft same = Draft();
  same.starts_at = approved.starts_at;
  same.ends_at = approved.ends_at;
  auto locked = [&](auto change, const std::string& field) {
    EventDraft d = same;
    change(d);
    ExpectError(events().UpdateEvent(organizer, approved.id, d), StatusCode::kFailedPrecondition,
                "field_locked", field);
  };
  locked([](EventDraft& d) { d.title = "Other"; }, "title");
  locked([&](EventDraft& d) { d.category_id = ValueOrFail(events().CreateCategory(admin, "X")).id; },
         "category_id");
  locked([](EventDraft& d) { d.starts_at += std::chrono::hours(1); }, "starts_at");
  locked([](EventDraft& d) { d.ends_at += std::chrono::hours(1); }, "ends_at");
  locked([](EventDraft& d) { d.time_zone = "Europe/Paris"; }, "time_zone");
  locked([](EventDraft& d) { d.price_minor_units = 1; }, "price");
  locked([](EventDraft& d) { d.attendees_may_cancel = false; }, "attendees_may_cancel");

  // Times compare at the millisecond the API shows: an event stored with finer digits takes back
  // what a client read of it, and keeps its own.
  EventDraft fine = Draft("Fine times");
  fine.starts_at += std::chrono::microseconds(123456);
  fine.ends_at += std::chrono::microseconds(654321);
  const Event precise = Approved(fine);
  EventDraft as_read = fine;
  as_read.starts_at = std::chrono::floor<std::chrono::milliseconds>(precise.starts_at);
  as_read.ends_at = std::chrono::floor<std::chrono::milliseconds>(precise.ends_at);
  as_read.description = "Read back";
  const Event kept = ValueOrFail(events().UpdateEvent(organizer, precise.id, as_read));
  BOOST_TEST((kept.starts_at == precise.starts_at));
  BOOST_TEST((kept.ends_at == precise.ends_at));
  BOOST_TEST(kept.description == "Read back");
  as_read.starts_at += std::chrono::milliseconds(1);
  ExpectError(events().UpdateEvent(organizer, precise.id, as_read),
              StatusCode::kFailedPrecondition, "field_locked", "starts_at");

  EventDraft allowed = same;
  allowed.description = "Now with pizza";
  allowed.venue = "2 Side Street, Pune";
  allowed.online_url = "https://stream.example.com/cpp";
  allowed.capacity = 150;
  allowed.max_tickets_per_booking = 2;
  const Event edited = ValueOrFail(events().UpdateEvent(organizer, approved.id, allowed));
  BOOST_TEST(edited.status == EventStatus::kApproved);
  BOOST_TEST(edited.description == "Now with pizza");
  BOOST_TEST(edited.capacity == 150);

  // Capacity never below the seats sold and held (bookings will write them).
  SetSeats(approved.id, 30, 10);
  allowed.capacity = 39;
  ExpectError(events().UpdateEvent(organizer, approved.id, allowed),
              StatusCode::kFailedPrecondition, "capacity_below_sold", "capacity");
  allowed.capacity = 40;
  BOOST_TEST(ValueOrFail(events().UpdateEvent(organizer, approved.id, allowed)).capacity == 40);

  const Event cancelled = ValueOrFail(events().CancelEvent(organizer, approved.id, "Speaker ill"));
  BOOST_TEST(cancelled.cancel_note == "Speaker ill");
  ExpectError(events().UpdateEvent(organizer, approved.id, allowed),
              StatusCode::kFailedPrecondition, "event_not_editable");
  ExpectError(events().CancelEvent(organizer, approved.id, "again"),
              StatusCode::kFailedPrecondition, "event_not_approved");
  ExpectError(events().CancelEvent(admin, Approved(Draft("B")).id, ""),
              StatusCode::kInvalidArgument, "invalid_note", "note");
  // Cancelled events stay public, so attendees learn why.
  BOOST_TEST(ValueOrFail(events().GetEvent(nullptr, approved.id)).status ==
             EventStatus::kCancelled);
}

BOOST_AUTO_TEST_CASE(cover_images_are_kept_in_the_media_store) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  png += std::string("\0\0\0\x0dIHDR\0\0\0\x02\0\0\0\x02\x08\x06\0\0\0\0\0\0\0", 25);
  const Event draft = Create(Draft());
  BOOST_TEST(!draft.cover_image_url.has_value());
  const Event first = ValueOrFail(events().SetCoverImage(organizer, draft.id, png));
  BOOST_REQUIRE(first.cover_image_key.has_value());
  BOOST_TEST(*first.cover_image_url == "/media/" + *first.cover_image_key);
  BOOST_TEST(first.cover_image_key->starts_with("events/" + draft.id + "-"));
  BOOST_TEST(first.cover_image_key->ends_with(".png"));
  BOOST_TEST(ValueOrFail(media->Get(*first.cover_image_key)).content_type == "image/png");
  BOOST_TEST(*ValueOrFail(events().GetEvent(&organizer, draft.id)).cover_image_url ==
             *first.cover_image_url);

  // A new image replaces the old one, which leaves the media store.
  const Event second = ValueOrFail(events().SetCoverImage(organizer, draft.id, png));
  BOOST_TEST(*second.cover_image_key != *first.cover_image_key);
  BOOST_TEST(media->Get(*first.cover_image_key).status().code() == StatusCode::kNotFound);
  const Event approved = Approved(Draft("With cover"));
  BOOST_TEST(events().SetCoverImage(organizer, approved.id, png).ok());
  BOOST_TEST(ValueOrFail(events().ListEvents({})).items.at(0).cover_image_url.has_value());

  ExpectError(events().SetCoverImage(organizer, draft.id, ""), StatusCode::kInvalidArgument,
              "empty_image", "cover");
  ExpectError(events().SetCoverImage(organizer, draft.id, "GIF89a not accepted"),
              StatusCode::kUnsupportedMediaType, "unsupported_image", "cover");
  ExpectError(events().SetCoverImage(organizer, draft.id, png + std::string(1024, 'x')),
              StatusCode::kPayloadTooLarge, "cover_too_large", "cover");
  ExpectError(events().SetCoverImage(other_organizer, draft.id, png), StatusCode::kNotFound,
              "event_not_found");
  ExpectError(events().SetCoverImage(organizer, "../../etc", png), StatusCode::kNotFound,
              "event_not_found");
  ExpectError(events().SetCoverImage(admin, approved.id, png), StatusCode::kPermissionDenied,
              "forbidden");
  ValueOrFail(events().CancelEvent(organizer, approved.id, "Called off"));
  ExpectError(events().SetCoverImage(organizer, approved.id, png),
              StatusCode::kFailedPrecondition, "event_not_editable");
}

BOOST_AUTO_TEST_CASE(admins_hold_and_release_events) {
  const Event approved = Approved(Draft());
  ExpectError(events().ReleaseEvent(admin, approved.id), StatusCode::kFailedPrecondition,
              "not_on_hold");
  const Event held = ValueOrFail(events().HoldEvent(admin, approved.id, "Complaint received"));
  BOOST_TEST(held.on_hold);
  BOOST_TEST(held.review_note == "Complaint received");
  BOOST_TEST(held.status == EventStatus::kApproved);
  ExpectError(events().HoldEvent(admin, approved.id, ""), StatusCode::kFailedPrecondition,
              "already_on_hold");
  BOOST_TEST(ValueOrFail(events().ListEvents({})).items.empty());  // held: not listed
  const Event released = ValueOrFail(events().ReleaseEvent(admin, approved.id));
  BOOST_TEST(!released.on_hold);
  BOOST_TEST(ValueOrFail(events().ListEvents({})).items.size() == 1u);
}

BOOST_AUTO_TEST_CASE(foreign_and_unknown_event_ids_get_exact_codes) {
  const Event mine = Create(Draft());
  const Event theirs = Create(Draft("Theirs"), other_organizer);
  for (const std::string& id : {std::string("0190c0de-0000-7000-8000-000000000000"),
                                std::string("not-an-id"), theirs.id}) {
    BOOST_TEST_INFO("id " << id);
    ExpectError(events().GetEvent(&organizer, id), StatusCode::kNotFound, "event_not_found");
    ExpectError(events().UpdateEvent(organizer, id, Draft()), StatusCode::kNotFound,
                "event_not_found");
    ExpectError(events().SubmitEvent(organizer, id), StatusCode::kNotFound, "event_not_found");
    ExpectError(events().CancelEvent(organizer, id, "x"), StatusCode::kNotFound,
                "event_not_found");
  }
  for (const std::string& id : {std::string("0190c0de-0000-7000-8000-000000000000")}) {
    ExpectError(events().ApproveEvent(admin, id), StatusCode::kNotFound, "event_not_found");
    ExpectError(events().HoldEvent(admin, id, ""), StatusCode::kNotFound, "event_not_found");
    ExpectError(events().GetEvent(&admin, id), StatusCode::kNotFound, "event_not_found");
  }
  // The other organizer's approved event is public: forbidden, not hidden.
  const Event public_theirs = Approved(Draft("Public theirs"), other_organizer);
  ExpectError(events().UpdateEvent(organizer, public_theirs.id, Draft()),
              StatusCode::kPermissionDenied, "forbidden");
  ExpectError(events().CancelEvent(organizer, public_theirs.id, "x"),
              StatusCode::kPermissionDenied, "forbidden");
  BOOST_TEST(ValueOrFail(events().GetEvent(&organizer, mine.id)).id == mine.id);
}

BOOST_AUTO_TEST_CASE(organizers_list_their_own_events_newest_first_by_status) {
  const Event first = Create(Draft("First"));
  clock->Advance(std::chrono::seconds(1));
  const Event second = Approved(Draft("Second"));
  clock->Advance(std::chrono::seconds(1));
  const Event third = Create(Draft("Third"));
  Create(Draft("Not mine"), other_organizer);

  const EventPage page1 = ValueOrFail(events().ListOwnEvents(organizer, std::nullopt, "", 2));
  BOOST_REQUIRE(page1.items.size() == 2u);
  BOOST_TEST(page1.items[0].id == third.id);
  BOOST_TEST(page1.items[1].id == second.id);
  BOOST_TEST(page1.items[1].status == EventStatus::kApproved);
  const EventPage page2 =
      ValueOrFail(events().ListOwnEvents(organizer, std::nullopt, page1.next_cursor, 2));
  BOOST_REQUIRE(page2.items.size() == 1u);
  BOOST_TEST(page2.items[0].id == first.id);
  BOOST_TEST(page2.next_cursor.empty());
  const EventPage drafts =
      ValueOrFail(events().ListOwnEvents(organizer, EventStatus::kDraft, "", 10));
  BOOST_REQUIRE(drafts.items.size() == 2u);
  BOOST_TEST(drafts.items[0].id == third.id);
  ExpectError(events().ListOwnEvents(organizer, std::nullopt, "", 101),
              StatusCode::kInvalidArgument, "invalid_limit", "limit");
}

BOOST_AUTO_TEST_CASE(the_approval_queue_pages_oldest_submission_first) {
  std::vector<std::string> submitted;
  for (int i = 0; i < 5; ++i) {
    const Event e = Create(Draft("Queued " + std::to_string(i)));
    submitted.push_back(e.id);
  }
  // Submitted in reverse order of creation: the queue follows submission.
  for (auto it = submitted.rbegin(); it != submitted.rend(); ++it) {
    clock->Advance(std::chrono::seconds(1));
    ValueOrFail(events().SubmitEvent(organizer, *it));
  }
  std::vector<std::string> seen;
  std::string cursor;
  do {
    const EventPage page = ValueOrFail(events().ListPendingEvents(admin, cursor, 2));
    for (const Event& e : page.items) seen.push_back(e.id);
    cursor = page.next_cursor;
  } while (!cursor.empty());
  const std::vector<std::string> expected(submitted.rbegin(), submitted.rend());
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_event_past_its_end_cannot_be_cancelled_before_the_job_completes_it) {
  const Event approved = Approved(Draft("Ends soon", 1));
  clock->Set(approved.ends_at - std::chrono::milliseconds(1));
  const Event other = Approved(Draft("Cancelled in time", 1));
  clock->Set(approved.ends_at);  // ended; the completion job has not run
  ExpectError(events().CancelEvent(organizer, approved.id, "after the fact"),
              StatusCode::kFailedPrecondition, "event_ended");
  ExpectError(events().CancelEvent(admin, approved.id, "after the fact"),
              StatusCode::kFailedPrecondition, "event_ended");
  const Event still = ValueOrFail(events().GetEvent(&admin, approved.id));
  BOOST_TEST(still.status == EventStatus::kApproved);
  BOOST_TEST(still.cancel_note.empty());
  // One that has not ended yet still can be.
  clock->Set(other.ends_at - std::chrono::milliseconds(1));
  BOOST_TEST(ValueOrFail(events().CancelEvent(organizer, other.id, "No venue")).status ==
             EventStatus::kCancelled);
}

BOOST_AUTO_TEST_CASE(the_recurring_job_completes_events_once_they_end) {
  const Event ends_first = Approved(Draft("Ends first", 1));   // ends at 1 day + 3 h
  const Event ends_later = Approved(Draft("Ends later", 3));
  const Event draft = Create(Draft("Draft", 1));
  const Event held = Approved(Draft("Held", 1));
  ValueOrFail(events().HoldEvent(admin, held.id, "Audit"));

  BOOST_TEST(ValueOrFail(engine->jobs().RunDueJobs(16)) == 1);  // the first period's job
  BOOST_TEST(ValueOrFail(events().GetEvent(&admin, ends_first.id)).status ==
             EventStatus::kApproved);

  clock->Set(ends_first.ends_at);
  BOOST_TEST(ValueOrFail(engine->jobs().RunDueJobs(16)) == 1);
  BOOST_TEST(ValueOrFail(events().GetEvent(&admin, ends_first.id)).status ==
             EventStatus::kCompleted);
  const Event held_completed = ValueOrFail(events().GetEvent(&admin, held.id));
  BOOST_TEST(held_completed.status == EventStatus::kCompleted);
  BOOST_TEST(held_completed.on_hold);  // a hold outlives completion: it blocks settlement
  BOOST_TEST(ValueOrFail(events().GetEvent(&admin, ends_later.id)).status ==
             EventStatus::kApproved);
  BOOST_TEST(ValueOrFail(events().GetEvent(&admin, draft.id)).status == EventStatus::kDraft);
  // Completed events can be released, and no longer cancelled.
  BOOST_TEST(!ValueOrFail(events().ReleaseEvent(admin, held.id)).on_hold);
  ExpectError(events().CancelEvent(organizer, ends_first.id, "late"),
              StatusCode::kFailedPrecondition, "event_not_approved");

  clock->Set(ends_later.ends_at + std::chrono::minutes(1));
  BOOST_TEST(ValueOrFail(engine->jobs().RunDueJobs(16)) == 1);
  BOOST_TEST(ValueOrFail(events().GetEvent(nullptr, ends_later.id)).status ==
             EventStatus::kCompleted);
  BOOST_TEST(ValueOrFail(events().CompleteEndedEvents()) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
