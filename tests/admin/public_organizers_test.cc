// The public directory of verified organizers and an organizer's public page: what anyone may see,
// and nothing else.
#include <boost/test/unit_test.hpp>
#include <string>

#include "eventify/dashboards.h"
#include "settlements/settlements_fixture.h"

namespace eventify::testing {
namespace {

struct PublicFixture : SettlementsFixture {
  Dashboards& dashboards() { return engine->dashboards(); }
};

BOOST_FIXTURE_TEST_SUITE(public_organizers, PublicFixture)

BOOST_AUTO_TEST_CASE(the_directory_lists_verified_organizers_only) {
  // Accounts of their own, so that their ids are real ones a cursor may carry.
  const auto organizer_account = [&](const std::string& email, const std::string& name) {
    const Principal who = RegisteredAttendee(email, name);
    return Principal{who.user_id, Role::kOrganizer, who.session_id};
  };
  const Principal second = organizer_account("second@example.com", "Second");
  const Principal third = organizer_account("third@example.com", "Third");
  const Principal waiting = organizer_account("waiting@example.com", "Waiting");
  for (const Principal& who : {second, third, waiting}) {
    clock->Advance(std::chrono::seconds(1));
    ValueOrFail(events().ApplyAsOrganizer(who, {"Name " + who.user_id, "About", "c@x.org"}));
  }
  ValueOrFail(events().VerifyOrganizer(admin, second.user_id));
  ValueOrFail(events().VerifyOrganizer(admin, third.user_id));

  const PublicOrganizerPage first = ValueOrFail(dashboards().ListPublicOrganizers("", 2));
  BOOST_REQUIRE_EQUAL(first.items.size(), 2u);
  BOOST_TEST(first.items[0].organizer_id == organizer.user_id);
  BOOST_TEST(first.items[0].organisation_name == "Org");
  BOOST_TEST(first.items[0].about == "We run events");
  BOOST_TEST(first.items[1].organizer_id == second.user_id);
  BOOST_REQUIRE(!first.next_cursor.empty());
  const PublicOrganizerPage rest =
      ValueOrFail(dashboards().ListPublicOrganizers(first.next_cursor, 2));
  BOOST_REQUIRE_EQUAL(rest.items.size(), 1u);
  BOOST_TEST(rest.items[0].organizer_id == third.user_id);
  BOOST_TEST(rest.next_cursor.empty());

  const Status limit = dashboards().ListPublicOrganizers("", 0).status();
  BOOST_TEST(limit.code() == StatusCode::kInvalidArgument);
  BOOST_TEST(limit.reason() == "invalid_limit");
  BOOST_TEST(limit.field() == "limit");
}

BOOST_AUTO_TEST_CASE(the_page_shows_upcoming_events_rating_and_reviews) {
  Fund(ann.user_id, 100'000);
  const Event past = ApprovedEvent(10, 500, 4, "Past");
  ValueOrFail(bookings().BookAndPay(ann, Request(past, 1, "ann-past")));
  clock->Set(past.ends_at + std::chrono::seconds(1));
  ValueOrFail(engine->reviews().WriteReview(ann, past.id, {4, "Loud", "Great sound"}));
  const Event upcoming = ApprovedEvent(10, 500, 4, "Upcoming");
  const Event held = ApprovedEvent(10, 500, 4, "Held");
  ValueOrFail(events().HoldEvent(admin, held.id, "checking"));

  const PublicOrganizerProfile page =
      ValueOrFail(dashboards().GetPublicOrganizer(organizer.user_id));
  BOOST_TEST(page.organizer.organisation_name == "Org");
  BOOST_TEST(page.organizer.rating.count == 1);
  BOOST_TEST(page.organizer.rating.sum == 4);
  BOOST_REQUIRE_EQUAL(page.upcoming_events.size(), 1u);
  BOOST_TEST(page.upcoming_events[0].id == upcoming.id);
  BOOST_REQUIRE_EQUAL(page.recent_reviews.size(), 1u);
  BOOST_TEST(page.recent_reviews[0].event_id == past.id);
  BOOST_TEST(page.recent_reviews[0].rating == 4);
  BOOST_TEST(page.recent_reviews[0].title == "Loud");
  BOOST_TEST(page.recent_reviews[0].text == "Great sound");
}

BOOST_AUTO_TEST_CASE(an_organizer_not_verified_has_no_page) {
  const Principal pending{"organizer-3", Role::kOrganizer, "s3"};
  ValueOrFail(events().ApplyAsOrganizer(pending, {"Third", "Waiting", "3@x.org"}));
  for (const std::string& id : {pending.user_id, std::string("nobody")}) {
    const Status status = dashboards().GetPublicOrganizer(id).status();
    BOOST_TEST(status.code() == StatusCode::kNotFound);
    BOOST_TEST(status.reason() == "organizer_not_found");
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
