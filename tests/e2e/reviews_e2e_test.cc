// End-to-end test of the reviews HTTP API: the real eventify-server on the backend
// EVENTIFY_TEST_BACKEND selects, driven over HTTP. An organizer is verified and a free event
// approved and booked over HTTP; the event is then moved into the past through the library on the
// same database (a second engine, as a second node would be: over HTTP no event can start in the
// past), so that its attendees may review it. Every route answers with the exact status, code and
// field the docs give (docs/events-api.md, "Reviews").
#define BOOST_TEST_MODULE e2e_reviews
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "e2e_client.h"
#include "eventify/engine.h"
#include "eventify/spi/event_store.h"
#include "server_process.h"

namespace {

namespace e2e = eventify::e2e;
using e2e::Account;
using e2e::CheckError;

constexpr char kServer[] = EVENTIFY_SERVER_PATH;

e2e::Deployment& TheDeployment() {
  static e2e::Deployment deployment(kServer);
  return deployment;
}

// Moves the event's times into the past, so that it has ended.
void EndEventNow(eventify::Engine& engine, const std::string& event_id) {
  const eventify::Status moved = engine.storage().Run(
      eventify::spi::TransactionMode::kReadWrite, [&](eventify::spi::Transaction& tx) {
        auto* events = tx.store<eventify::spi::EventStore>();
        auto event = events->FindEvent(event_id, eventify::spi::LockMode::kForUpdate);
        if (!event.ok()) return event.status();
        const auto now = e2e::Now();
        event->starts_at = now - std::chrono::hours(3);
        event->ends_at = now - std::chrono::hours(1);
        return events->UpdateEvent(*event);
      });
  BOOST_REQUIRE_MESSAGE(moved.ok(), moved.ToString());
}

std::string ReviewBody(int rating, const std::string& title, const std::string& text) {
  return "{\"rating\":" + std::to_string(rating) + ",\"title\":\"" + title + "\",\"text\":\"" +
         text + "\"}";
}

}  // namespace

BOOST_AUTO_TEST_CASE(review_edit_list_rate_and_moderate_over_http) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account organizer = e2e::NewVerifiedAccount(deployment, "org", "organizer");
  const Account ada = e2e::NewVerifiedAccount(deployment, "ada");
  const Account bob = e2e::NewVerifiedAccount(deployment, "bob");
  const Account stranger = e2e::NewVerifiedAccount(deployment, "stranger");
  const Account admin = e2e::NewAdmin(deployment, "admin");

  e2e::VerifyOrganizer(api, organizer, admin);
  const std::string category_id = e2e::NewCategory(api, admin, "E2E");
  const std::string event_id = e2e::NewApprovedEvent(
      api, organizer, admin,
      e2e::EventBody("Reviewed night", category_id, e2e::Now() + std::chrono::hours(24 * 7),
                     std::chrono::hours(2), /*price=*/0));
  BOOST_TEST(api.Get("/api/v1/events/" + event_id).Int("/event/rating/count") == 0);
  for (const Account* attendee : {&ada, &bob}) {
    const e2e::Reply booked =
        api.PostJson("/api/v1/bookings", "{\"event_id\":\"" + event_id + "\",\"seats\":1}",
                     attendee->access, {{"Idempotency-Key", "book-1"}});
    BOOST_TEST_INFO("body " << booked.body);
    BOOST_REQUIRE_EQUAL(booked.status, 201);
    BOOST_REQUIRE(booked.Str("/booking/status") == "confirmed");
  }

  const std::string reviews = "/api/v1/events/" + event_id + "/reviews";
  const std::string mine = reviews + "/mine";
  CheckError(api.PostJson(reviews, ReviewBody(5, "Great", "Loved it"), ada.access), 422,
             "event_not_ended");
  auto setup = e2e::OpenSecondEngine(deployment);
  EndEventNow(*setup, event_id);

  // Who and what is refused, with the exact code.
  CheckError(api.PostJson(reviews, ReviewBody(5, "Great", "Loved it")), 401, "missing_token");
  CheckError(api.PostJson(reviews, ReviewBody(5, "Great", "Loved it"), stranger.access), 403,
             "review_not_allowed");
  CheckError(api.PostJson(reviews, ReviewBody(5, "Great", "Loved it"), organizer.access), 403,
             "forbidden");
  CheckError(api.PostJson(reviews, ReviewBody(6, "Great", "Loved it"), ada.access), 400,
             "invalid_rating", "rating");
  CheckError(api.PostJson(reviews, ReviewBody(5, "  ", "Loved it"), ada.access), 400,
             "invalid_title", "title");
  CheckError(api.PostJson(reviews, ReviewBody(5, "Great", ""), ada.access), 400, "invalid_text",
             "text");
  CheckError(api.PostJson(reviews, "{\"rating\":5,\"text\":\"x\"}", ada.access), 400,
             "missing_field", "title");
  CheckError(api.PostJson(reviews, "{\"rating\":4.5,\"title\":\"t\",\"text\":\"x\"}", ada.access),
             400, "invalid_type", "rating");
  CheckError(api.PostJson("/api/v1/events/no-such-event/reviews",
                          ReviewBody(5, "Great", "Loved it"), ada.access),
             404, "event_not_found");

  // Ada reviews once, then edits; Bob reviews too.
  const e2e::Reply written = api.PostJson(reviews, ReviewBody(4, " Great ", "Loved it"), ada.access);
  BOOST_TEST_INFO("body " << written.body);
  BOOST_REQUIRE_EQUAL(written.status, 201);
  BOOST_TEST(written.Str("/review/title") == "Great");
  BOOST_TEST(written.Int("/review/rating") == 4);
  BOOST_TEST(written.Str("/review/user_id") == ada.id);
  BOOST_TEST(written.IsNull("/review/removed_at"));
  const std::string ada_review = written.Str("/review/id");
  CheckError(api.PostJson(reviews, ReviewBody(5, "Again", "Twice"), ada.access), 409,
             "already_reviewed");
  const e2e::Reply edited = api.PutJson(mine, ReviewBody(2, "Meh", "Too loud"), ada.access);
  BOOST_REQUIRE_EQUAL(edited.status, 200);
  BOOST_TEST(edited.Int("/review/rating") == 2);
  BOOST_TEST(edited.Str("/review/created_at") == written.Str("/review/created_at"));
  BOOST_TEST(api.Get(mine, ada.access).Str("/review/text") == "Too loud");
  CheckError(api.Get(mine, stranger.access), 404, "review_not_found");
  BOOST_REQUIRE_EQUAL(api.PostJson(reviews, ReviewBody(5, "Superb", "Best night"), bob.access).status,
                      201);

  // The public list, newest first, and the ratings of the event and its organizer.
  const e2e::Reply page = api.Get(reviews + "?limit=1");
  BOOST_REQUIRE_EQUAL(page.status, 200);
  BOOST_REQUIRE_EQUAL(page.Count("/items"), 1);
  BOOST_TEST(page.Str("/items/0/user_id") == bob.id);
  const e2e::Reply next = api.Get(reviews + "?limit=1&cursor=" + page.Str("/next_cursor"));
  BOOST_REQUIRE_EQUAL(next.Count("/items"), 1);
  BOOST_TEST(next.Str("/items/0/user_id") == ada.id);
  BOOST_TEST(next.IsNull("/next_cursor"));
  CheckError(api.Get(reviews + "?limit=0"), 400, "invalid_limit", "limit");
  const e2e::Reply event = api.Get("/api/v1/events/" + event_id);
  BOOST_TEST(event.Int("/event/rating/count") == 2);
  BOOST_TEST(event.Int("/event/rating/sum") == 7);
  BOOST_TEST(event.json["event"]["rating"]["average"].GetDouble() == 3.5);
  const e2e::Reply organizer_rating = api.Get("/api/v1/organizers/" + organizer.id + "/rating");
  BOOST_REQUIRE_EQUAL(organizer_rating.status, 200);
  BOOST_TEST(organizer_rating.Int("/rating/count") == 2);
  BOOST_TEST(organizer_rating.Int("/rating/sum") == 7);
  CheckError(api.Get("/api/v1/organizers/nobody/rating"), 404, "organizer_not_found");

  // Moderation: only admins; the removal is recorded and the review leaves list and ratings.
  const std::string remove = "/api/v1/admin/reviews/" + ada_review + "/remove";
  CheckError(api.PostJson(remove, e2e::JsonObject({{"note", "spam"}}), bob.access), 403,
             "forbidden");
  CheckError(api.PostJson(remove, e2e::JsonObject({{"note", ""}}), admin.access), 400,
             "invalid_note", "note");
  CheckError(api.PostJson("/api/v1/admin/reviews/no-such-review/remove",
                          e2e::JsonObject({{"note", "spam"}}), admin.access),
             404, "review_not_found");
  const e2e::Reply removed =
      api.PostJson(remove, e2e::JsonObject({{"note", "Insults"}}), admin.access);
  BOOST_REQUIRE_EQUAL(removed.status, 200);
  BOOST_TEST(removed.Str("/review/removed_by") == admin.id);
  BOOST_TEST(removed.Str("/review/removal_note") == "Insults");
  BOOST_TEST(!removed.IsNull("/review/removed_at"));
  BOOST_TEST(api.Get(reviews).Count("/items") == 1);
  BOOST_TEST(api.Get("/api/v1/events/" + event_id).Int("/event/rating/sum") == 5);
  CheckError(api.PutJson(mine, ReviewBody(5, "Sorry", "Sorry"), ada.access), 422,
             "review_removed");
  CheckError(api.Send("DELETE", mine, "", "", ada.access), 422, "review_removed");

  // Bob deletes his: 204, and the totals follow.
  const e2e::Reply deleted = api.Send("DELETE", mine, "", "", bob.access);
  BOOST_TEST(deleted.status == 204);
  CheckError(api.Send("DELETE", mine, "", "", bob.access), 404, "review_not_found");
  BOOST_TEST(api.Get("/api/v1/events/" + event_id).Int("/event/rating/count") == 0);
  BOOST_TEST(api.Get("/api/v1/organizers/" + organizer.id + "/rating").Int("/rating/count") == 0);
}
