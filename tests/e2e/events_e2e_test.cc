// End-to-end tests of the events HTTP API (docs/events-api.md): the real eventify-server binary
// on the backend EVENTIFY_TEST_BACKEND selects. An organizer is verified, an event is created,
// refused with bad input, submitted, rejected, edited, resubmitted, approved, listed and searched,
// held, released and cancelled. One server serves the suite; the last test stops it.
#define BOOST_TEST_MODULE e2e_events
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "e2e_client.h"
#include "eventify/status.h"
#include "eventify/types.h"
#include "server_process.h"

namespace {

namespace e2e = eventify::e2e;
using e2e::Account;
using e2e::CheckError;
using eventify::HttpStatusFor;
using eventify::StatusCode;

constexpr char kServer[] = EVENTIFY_SERVER_PATH;
const int kUnprocessable = HttpStatusFor(StatusCode::kFailedPrecondition);
const int kForbidden = HttpStatusFor(StatusCode::kPermissionDenied);
const int kConflict = HttpStatusFor(StatusCode::kAlreadyExists);

const std::string kEvents = "/api/v1/events";
const std::string kAdminEvents = "/api/v1/admin/events";

e2e::Deployment& TheDeployment() {
  static e2e::Deployment deployment(kServer);
  return deployment;
}

std::string In(std::chrono::hours from_now) {
  return eventify::FormatTimestamp(e2e::Now() + from_now);
}

// Waits until the outbox folder holds a mail to `email` with `subject` (the server's job worker
// sends it after the commit); false after ten seconds (a hang guard, no timing assertion).
bool OutboxHasMail(const std::filesystem::path& outbox, const std::string& email,
                   const std::string& subject) {
  const std::string suffix = "-" + email + ".eml";
  const std::string header = "\r\nSubject: " + subject + "\r\n";
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    std::error_code ignored;
    for (const auto& entry : std::filesystem::directory_iterator(outbox, ignored)) {
      if (!entry.path().filename().string().ends_with(suffix)) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream contents;
      contents << in.rdbuf();
      if (contents.str().find(header) != std::string::npos) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// The JSON body of an event, in person in Paris, two tickets per booking at most.
std::string EventBody(const std::string& title, const std::string& category_id,
                      const std::string& starts_at, const std::string& ends_at,
                      const std::string& time_zone = "Europe/Paris", long long capacity = 50,
                      long long price = 25000, const std::string& description =
                                                   "Talks on compilers and databases") {
  return "{\"title\":\"" + title + "\",\"description\":\"" + description +
         "\",\"category_id\":\"" + category_id +
         "\",\"venue\":\"Hall 1, Paris\",\"starts_at\":\"" + starts_at + "\",\"ends_at\":\"" +
         ends_at + "\",\"time_zone\":\"" + time_zone + "\",\"capacity\":" +
         std::to_string(capacity) + ",\"price\":" + std::to_string(price) +
         ",\"attendees_may_cancel\":true,\"max_tickets_per_booking\":2}";
}

// A verified organizer, an admin and a category, made once for the suite.
struct World {
  Account admin;
  Account organizer;
  Account attendee;
  std::string category_id;
};

World& TheWorld() {
  static World world = [] {
    e2e::Deployment& deployment = TheDeployment();
    e2e::Api api = deployment.api();
    World w;
    w.admin = e2e::NewAdmin(deployment, "events-admin");
    w.organizer = e2e::NewVerifiedAccount(deployment, "events-org", "organizer");
    w.attendee = e2e::NewVerifiedAccount(deployment, "events-attendee");

    const e2e::Reply applied = api.PostJson(
        "/api/v1/organizer/profile",
        e2e::JsonObject({{"organisation_name", "Paris Compilers"},
                         {"about", "We run compiler meetups"},
                         {"contact", "hello@paris-compilers.example"}}),
        w.organizer.access);
    BOOST_TEST_INFO("body " << applied.body);
    BOOST_REQUIRE_EQUAL(applied.status, 200);
    BOOST_TEST(applied.Str("/profile/status") == "pending");

    const e2e::Reply category = api.PostJson(
        "/api/v1/admin/categories", e2e::JsonObject({{"name", "Meetups"}}), w.admin.access);
    BOOST_REQUIRE_EQUAL(category.status, 201);
    w.category_id = category.Str("/category/id");
    return w;
  }();
  return world;
}

}  // namespace

BOOST_AUTO_TEST_CASE(organizer_is_verified_before_submitting_events) {
  e2e::Api api = TheDeployment().api();
  World& w = TheWorld();
  const std::string body = EventBody("Too early", w.category_id, In(std::chrono::hours(24 * 30)),
                                     In(std::chrono::hours(24 * 30 + 2)));
  CheckError(api.PostJson(kEvents, body, w.organizer.access), kUnprocessable,
             "organizer_not_verified");

  const e2e::Reply queue = api.Get("/api/v1/admin/organizers?status=pending", w.admin.access);
  BOOST_TEST_INFO("body " << queue.body);
  BOOST_REQUIRE_EQUAL(queue.status, 200);
  BOOST_REQUIRE(queue.Count("/items") >= 1);
  BOOST_TEST(queue.Str("/items/0/user_id") == w.organizer.id);
  CheckError(api.Get("/api/v1/admin/organizers", w.organizer.access), kForbidden, "forbidden");
  CheckError(api.PostJson("/api/v1/admin/organizers/" + w.organizer.id + "/reject",
                          "{\"cause\":\"bogus\"}", w.admin.access),
             400, "invalid_cause", "cause");

  const e2e::Reply verified = api.PostJson(
      "/api/v1/admin/organizers/" + w.organizer.id + "/verify", "", w.admin.access);
  BOOST_TEST_INFO("body " << verified.body);
  BOOST_REQUIRE_EQUAL(verified.status, 200);
  BOOST_TEST(verified.Str("/profile/status") == "verified");
  BOOST_TEST(api.Get("/api/v1/organizer/profile", w.organizer.access).Str("/profile/status") ==
             "verified");
  BOOST_TEST(OutboxHasMail(TheDeployment().outbox(), w.organizer.email,
                           "Eventify: your organizer profile is verified"));
  CheckError(api.PostJson("/api/v1/admin/categories", e2e::JsonObject({{"name", "MEETUPS"}}),
                          w.admin.access),
             kConflict, "category_exists", "name");
}

BOOST_AUTO_TEST_CASE(bad_events_are_refused_with_the_field) {
  e2e::Api api = TheDeployment().api();
  World& w = TheWorld();
  const std::string start = In(std::chrono::hours(24 * 30));
  const std::string end = In(std::chrono::hours(24 * 30 + 2));
  CheckError(api.PostJson(kEvents, EventBody("X", w.category_id, start, end, "Mars/Base"),
                          w.organizer.access),
             400, "unknown_time_zone", "time_zone");
  CheckError(api.PostJson(kEvents,
                          EventBody("X", w.category_id, start, end, "UTC", 50, -1),
                          w.organizer.access),
             400, "invalid_price", "price");
  CheckError(api.PostJson(kEvents, EventBody("X", w.category_id, start, end, "UTC", 0),
                          w.organizer.access),
             400, "invalid_capacity", "capacity");
  CheckError(api.PostJson(kEvents, EventBody("X", w.category_id, end, start), w.organizer.access),
             400, "end_before_start", "ends_at");
  CheckError(api.PostJson(kEvents,
                          EventBody("X", w.category_id, In(std::chrono::hours(-2)),
                                    In(std::chrono::hours(1))),
                          w.organizer.access),
             400, "start_in_past", "starts_at");
  CheckError(api.PostJson(kEvents,
                          EventBody("X", "0190c0de-0000-7000-8000-000000000000", start, end),
                          w.organizer.access),
             404, "unknown_category", "category_id");
  CheckError(api.PostJson(kEvents, EventBody("X", w.category_id, "tomorrow", end),
                          w.organizer.access),
             400, "invalid_timestamp", "starts_at");
  CheckError(api.PostJson(kEvents, "{\"title\":\"X\"}", w.organizer.access), 400,
             "missing_field", "description");
  std::string not_bool = EventBody("X", w.category_id, start, end);
  const std::string flag = "\"attendees_may_cancel\":true";
  not_bool.replace(not_bool.find(flag), flag.size(), "\"attendees_may_cancel\":\"yes\"");
  CheckError(api.PostJson(kEvents, not_bool, w.organizer.access), 400, "invalid_type",
             "attendees_may_cancel");
  CheckError(api.PostJson(kEvents,
                          EventBody("X", w.category_id, start, end, "UTC", 5, 0,
                                    std::string(40001, 'd')),
                          w.organizer.access),
             400, "field_too_long", "description");
  // Descriptions are longer than the server's usual 1024-byte field limit.
  const e2e::Reply long_text = api.PostJson(
      kEvents, EventBody("Long", w.category_id, start, end, "UTC", 5, 0, std::string(5000, 'd')),
      w.organizer.access);
  BOOST_TEST_INFO("body " << long_text.body);
  BOOST_TEST(long_text.status == 201);
  CheckError(api.PostJson(kEvents, EventBody("X", w.category_id, start, end), w.attendee.access),
             kForbidden, "forbidden");
  // The role is refused before the body is read: an empty body changes nothing.
  CheckError(api.PostJson(kEvents, "{}", w.attendee.access), kForbidden, "forbidden");
  CheckError(api.PostJson(kEvents, EventBody("X", w.category_id, start, end)), 401,
             "missing_token");
  CheckError(api.Get(kEvents + "?min_price=cheap"), 400, "invalid_price", "min_price");
  CheckError(api.Get(kEvents + "?text=%21%21"), 400, "invalid_search", "text");
  CheckError(api.Get(kEvents + "?text="), 400, "invalid_search", "text");
  // Digits finer than the millisecond are dropped: these two are the same instant.
  const std::string start_ms = start.substr(0, start.size() - 1);  // without the "Z"
  CheckError(api.PostJson(kEvents, EventBody("X", w.category_id, start_ms + "1Z", start_ms + "9Z"),
                          w.organizer.access),
             400, "end_before_start", "ends_at");
}

BOOST_AUTO_TEST_CASE(timestamps_are_kept_to_the_millisecond_they_are_shown_with) {
  e2e::Api api = TheDeployment().api();
  World& w = TheWorld();
  const std::string start = In(std::chrono::hours(24 * 31));
  const std::string end = In(std::chrono::hours(24 * 31 + 2));
  const std::string start_ms = start.substr(0, start.size() - 1);
  const std::string end_ms = end.substr(0, end.size() - 1);
  const e2e::Reply created = api.PostJson(
      kEvents, EventBody("Fine", w.category_id, start_ms + "4567Z", end_ms + "999Z"),
      w.organizer.access);
  BOOST_TEST_INFO("body " << created.body);
  BOOST_REQUIRE(created.status == 201);
  BOOST_TEST(created.body.find("\"starts_at\":\"" + start + "\"") != std::string::npos);
  BOOST_TEST(created.body.find("\"ends_at\":\"" + end + "\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(event_is_rejected_resubmitted_approved_listed_and_cancelled) {
  e2e::Api api = TheDeployment().api();
  World& w = TheWorld();
  const std::string start = In(std::chrono::hours(24 * 40));
  const std::string end = In(std::chrono::hours(24 * 40 + 3));
  const e2e::Reply created = api.PostJson(
      kEvents, EventBody("Compiler night", w.category_id, start, end), w.organizer.access);
  BOOST_TEST_INFO("body " << created.body);
  BOOST_REQUIRE_EQUAL(created.status, 201);
  const std::string id = created.Str("/event/id");
  const std::string event = kEvents + "/" + id;
  BOOST_TEST(created.Str("/event/status") == "draft");
  BOOST_TEST(created.Str("/event/time_zone") == "Europe/Paris");
  BOOST_TEST(created.Int("/event/price") == 25000);
  BOOST_TEST(created.Str("/event/currency") == "INR");
  BOOST_TEST(created.Int("/event/seats_sold") == 0);
  BOOST_TEST(created.Bool("/event/attendees_may_cancel"));
  BOOST_TEST(created.IsNull("/event/cover_image_url"));
  // A draft is the organizer's and the admins' to see.
  CheckError(api.Get(event), 404, "event_not_found");
  CheckError(api.Get(event, w.attendee.access), 404, "event_not_found");
  BOOST_TEST(api.Get(event, w.organizer.access).status == 200);

  const e2e::Reply submitted = api.PostJson(event + "/submit", "", w.organizer.access);
  BOOST_REQUIRE_EQUAL(submitted.status, 200);
  BOOST_TEST(submitted.Str("/event/status") == "pending_approval");
  const e2e::Reply pending = api.Get(kAdminEvents + "/pending", w.admin.access);
  BOOST_REQUIRE_EQUAL(pending.status, 200);
  BOOST_TEST(pending.Str("/items/0/id") == id);

  const e2e::Reply rejected =
      api.PostJson(kAdminEvents + "/" + id + "/reject",
                   "{\"cause\":\"incomplete_details\",\"note\":\"Name the speakers\"}",
                   w.admin.access);
  BOOST_TEST_INFO("body " << rejected.body);
  BOOST_REQUIRE_EQUAL(rejected.status, 200);
  BOOST_TEST(rejected.Str("/event/status") == "rejected");
  BOOST_TEST(rejected.Str("/event/reject_cause") == "incomplete_details");
  BOOST_TEST(rejected.Str("/event/review_note") == "Name the speakers");

  const e2e::Reply edited =
      api.PutJson(event,
                  EventBody("Compiler night", w.category_id, start, end, "Europe/Paris", 50,
                            25000, "Speakers: Ada on register allocation"),
                  w.organizer.access);
  BOOST_TEST_INFO("body " << edited.body);
  BOOST_REQUIRE_EQUAL(edited.status, 200);
  BOOST_TEST(edited.Str("/event/status") == "rejected");
  BOOST_REQUIRE_EQUAL(api.PostJson(event + "/submit", "", w.organizer.access).status, 200);
  CheckError(api.PostJson(kAdminEvents + "/" + id + "/approve", "", w.organizer.access),
             kForbidden, "forbidden");
  const e2e::Reply approved =
      api.PostJson(kAdminEvents + "/" + id + "/approve", "", w.admin.access);
  BOOST_REQUIRE_EQUAL(approved.status, 200);
  BOOST_TEST(approved.Str("/event/status") == "approved");
  BOOST_TEST(approved.IsNull("/event/reject_cause"));

  // Listed, found by words of its description, by category, not by others.
  const e2e::Reply listed = api.Get(kEvents + "?text=register+allocation");
  BOOST_TEST_INFO("body " << listed.body);
  BOOST_REQUIRE_EQUAL(listed.status, 200);
  BOOST_REQUIRE_EQUAL(listed.Count("/items"), 1);
  BOOST_TEST(listed.Str("/items/0/id") == id);
  BOOST_TEST(listed.IsNull("/next_cursor"));
  BOOST_TEST(api.Get(kEvents + "?category=" + w.category_id + "&max_price=25000")
                 .Count("/items") == 1);
  BOOST_TEST(api.Get(kEvents + "?max_price=24999").Count("/items") == 0);
  BOOST_TEST(api.Get(event).Str("/event/status") == "approved");  // public now
  const e2e::Reply mine = api.Get("/api/v1/organizer/events?status=approved", w.organizer.access);
  BOOST_REQUIRE_EQUAL(mine.status, 200);
  BOOST_TEST(mine.Str("/items/0/id") == id);
  BOOST_TEST(!mine.Bool("/items/0/settlement/settled"));
  BOOST_TEST(mine.IsNull("/items/0/settlement/settled_at"));
  BOOST_TEST(mine.IsNull("/items/0/settlement/net"));
  BOOST_TEST(mine.IsNull("/items/0/settlement/commission"));
  BOOST_TEST(mine.Int("/items/0/revenue") == 0);  // nothing sold: no escrow account
  BOOST_TEST(api.Get(event).body.find("\"settlement\"") == std::string::npos);

  // A cover image, served from the media store.
  const std::string png = e2e::TinyPng();
  const e2e::Reply covered = api.Send("PUT", event + "/cover", png, "image/png", w.organizer.access);
  BOOST_TEST_INFO("body " << covered.body);
  BOOST_REQUIRE_EQUAL(covered.status, 200);
  const std::string cover_url = covered.Str("/event/cover_image_url");
  BOOST_TEST(cover_url.rfind("/media/events/" + id + "-", 0) == 0u);
  const e2e::Reply cover = api.Get(cover_url);
  BOOST_TEST(cover.status == 200);
  BOOST_TEST((cover.body == png));
  BOOST_TEST(cover.Header("Content-Type") == "image/png");
  BOOST_TEST(api.Get(kEvents + "?text=register").Str("/items/0/cover_image_url") == cover_url);
  CheckError(api.Send("PUT", event + "/cover", "not an image", "image/png", w.organizer.access),
             415, "unsupported_image", "cover");
  CheckError(api.Send("PUT", event + "/cover", png, "image/png", w.attendee.access), kForbidden,
             "forbidden");

  // An approved event keeps what buyers pay for.
  CheckError(api.PutJson(event,
                         EventBody("Compiler night", w.category_id, start, end, "Europe/Paris", 50,
                                   30000, "Speakers: Ada on register allocation"),
                         w.organizer.access),
             kUnprocessable, "field_locked", "price");

  // Held: not listed; released: listed again.
  BOOST_REQUIRE_EQUAL(api.PostJson(kAdminEvents + "/" + id + "/hold",
                                   "{\"note\":\"Checking the venue\"}", w.admin.access)
                          .status,
                      200);
  BOOST_TEST(api.Get(kEvents + "?text=register").Count("/items") == 0);
  BOOST_REQUIRE_EQUAL(
      api.PostJson(kAdminEvents + "/" + id + "/release", "", w.admin.access).status, 200);
  BOOST_TEST(api.Get(kEvents + "?text=register").Count("/items") == 1);

  CheckError(api.PostJson(event + "/cancel", "{\"note\":\"x\"}", w.attendee.access), kForbidden,
             "forbidden");
  CheckError(api.PostJson(event + "/cancel", "", w.organizer.access), 400, "invalid_note", "note");
  const e2e::Reply cancelled =
      api.PostJson(event + "/cancel", "{\"note\":\"The hall flooded\"}", w.organizer.access);
  BOOST_REQUIRE_EQUAL(cancelled.status, 200);
  BOOST_TEST(cancelled.Str("/event/status") == "cancelled");
  BOOST_TEST(cancelled.Str("/event/cancel_note") == "The hall flooded");
  BOOST_TEST(api.Get(kEvents + "?text=register").Count("/items") == 0);
  CheckError(api.Get(kEvents + "/0190c0de-0000-7000-8000-000000000000"), 404, "event_not_found");
}

BOOST_AUTO_TEST_CASE(categories_are_listed_publicly_and_unlisted_by_admins) {
  e2e::Api api = TheDeployment().api();
  World& w = TheWorld();
  const e2e::Reply created =
      api.PostJson("/api/v1/admin/categories", e2e::JsonObject({{"name", "Workshops"}}),
                   w.admin.access);
  BOOST_REQUIRE_EQUAL(created.status, 201);
  const std::string id = created.Str("/category/id");
  const e2e::Reply renamed = api.PostJson("/api/v1/admin/categories/" + id + "/rename",
                                          e2e::JsonObject({{"name", "Hands-on"}}), w.admin.access);
  BOOST_REQUIRE_EQUAL(renamed.status, 200);
  BOOST_TEST(renamed.Str("/category/name") == "Hands-on");
  const e2e::Reply unlisted =
      api.PostJson("/api/v1/admin/categories/" + id + "/unlist", "", w.admin.access);
  BOOST_REQUIRE_EQUAL(unlisted.status, 200);
  BOOST_TEST(!unlisted.Bool("/category/listed"));
  const e2e::Reply listed = api.Get("/api/v1/categories");
  BOOST_REQUIRE_EQUAL(listed.status, 200);
  BOOST_TEST(listed.Count("/items") == 1);
  BOOST_TEST(listed.Str("/items/0/name") == "Meetups");
  BOOST_TEST(api.Get("/api/v1/categories?include_unlisted=true", w.admin.access).Count("/items") ==
             2);
  CheckError(api.Get("/api/v1/categories?include_unlisted=true"), kForbidden, "forbidden");
  CheckError(api.Get("/api/v1/categories?include_unlisted=yes"), 400, "invalid_filter",
             "include_unlisted");
  CheckError(api.PostJson(kEvents,
                          EventBody("In unlisted", id, In(std::chrono::hours(24 * 30)),
                                    In(std::chrono::hours(24 * 30 + 1))),
                          w.organizer.access),
             kUnprocessable, "category_unlisted", "category_id");
}

// Last: stops the shared server.
BOOST_AUTO_TEST_CASE(sigterm_stops_the_server_with_exit_code_0) {
  e2e::CheckStopsCleanly(TheDeployment());
}
