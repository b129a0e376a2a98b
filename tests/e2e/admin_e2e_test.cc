// End-to-end test of the admin oversight and dashboards HTTP API (docs/admin-api.md): the real
// eventify-server on the backend EVENTIFY_TEST_BACKEND selects, driven over HTTP. Users are
// blocked and given roles over HTTP and the audit log read back; an event is booked and a booking
// cancelled over HTTP (the buyer's wallet funded through the library on the same database, as a
// settled top-up leaves it) and its figures read by whom may and refused to whom may not; the
// public organizer pages are read without a token and show nothing private; the settlement
// overview, platform revenue and analytics agree with each other and with the ledger. Every route
// answers with the exact status, code and field the docs give.
#define BOOST_TEST_MODULE e2e_admin
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "e2e_client.h"
#include "eventify/engine.h"
#include "server_process.h"

namespace {

namespace e2e = eventify::e2e;
using e2e::Account;
using e2e::CheckError;

constexpr char kServer[] = EVENTIFY_SERVER_PATH;
constexpr std::int64_t kPrice = 25000;

e2e::Deployment& TheDeployment() {
  static e2e::Deployment deployment(kServer);
  return deployment;
}

httplib::Headers Key(const std::string& key) { return {{"Idempotency-Key", key}}; }

std::string SeatsBody(const std::string& event_id, int seats) {
  return "{\"event_id\":\"" + event_id + "\",\"seats\":" + std::to_string(seats) + "}";
}

// "YYYY-MM" of the server's clock now, and of the month after.
std::string MonthOf(int months_ahead) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  int month = utc.tm_mon + months_ahead;
  const int year = utc.tm_year + 1900 + month / 12;
  month %= 12;
  char text[8];
  std::snprintf(text, sizeof text, "%04d-%02d", year, month + 1);
  return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(audit_log_and_queues_over_http) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account admin = e2e::NewAdmin(deployment, "audit-admin");
  const Account ada = e2e::NewVerifiedAccount(deployment, "audit-ada");
  const Account org = e2e::NewVerifiedAccount(deployment, "audit-org", "organizer");

  BOOST_REQUIRE_EQUAL(
      api.PostJson("/api/v1/admin/users/" + ada.id + "/block", "", admin.access).status, 200);
  BOOST_REQUIRE_EQUAL(
      api.PostJson("/api/v1/admin/users/" + ada.id + "/unblock", "", admin.access).status, 200);
  BOOST_REQUIRE_EQUAL(api.PutJson("/api/v1/admin/users/" + ada.id + "/role",
                                  e2e::JsonObject({{"role", "organizer"}}), admin.access)
                          .status,
                      200);
  // Giving the role it has changes nothing and writes nothing.
  BOOST_REQUIRE_EQUAL(api.PutJson("/api/v1/admin/users/" + ada.id + "/role",
                                  e2e::JsonObject({{"role", "organizer"}}), admin.access)
                          .status,
                      200);

  const e2e::Reply log = api.Get("/api/v1/admin/audit-log?user=" + ada.id, admin.access);
  BOOST_TEST_INFO("body " << log.body);
  BOOST_REQUIRE_EQUAL(log.status, 200);
  BOOST_REQUIRE_EQUAL(log.Count("/items"), 3);
  BOOST_TEST(log.Str("/items/0/action") == "change_role");
  BOOST_TEST(log.Str("/items/0/from") == "attendee");
  BOOST_TEST(log.Str("/items/0/to") == "organizer");
  BOOST_TEST(log.Str("/items/0/actor_id") == admin.id);
  BOOST_TEST(log.Str("/items/0/user_id") == ada.id);
  BOOST_TEST(log.Str("/items/1/action") == "unblock_user");
  BOOST_TEST(log.Str("/items/2/action") == "block_user");
  BOOST_TEST(log.Str("/items/2/from") == "false");
  BOOST_TEST(log.Str("/items/2/to") == "true");
  BOOST_TEST(log.IsNull("/next_cursor"));
  const e2e::Reply paged = api.Get("/api/v1/admin/audit-log?limit=1", admin.access);
  BOOST_REQUIRE_EQUAL(paged.status, 200);
  BOOST_REQUIRE_EQUAL(paged.Count("/items"), 1);
  const e2e::Reply next =
      api.Get("/api/v1/admin/audit-log?limit=1&cursor=" + paged.Str("/next_cursor"), admin.access);
  BOOST_REQUIRE_EQUAL(next.status, 200);
  BOOST_TEST(next.Str("/items/0/action") == "unblock_user");

  CheckError(api.Get("/api/v1/admin/audit-log?limit=0", admin.access), 400, "invalid_limit",
             "limit");
  CheckError(api.Get("/api/v1/admin/audit-log?limit=ten", admin.access), 400, "invalid_limit",
             "limit");
  CheckError(api.Get("/api/v1/admin/audit-log?cursor=nope", admin.access), 400, "invalid_cursor",
             "cursor");
  CheckError(api.Get("/api/v1/admin/audit-log", org.access), 403, "forbidden");
  CheckError(api.Get("/api/v1/admin/audit-log"), 401, "missing_token");

  // The organizer applies: one profile waits for verification.
  BOOST_REQUIRE_EQUAL(api.PostJson("/api/v1/organizer/profile",
                                   e2e::JsonObject({{"organisation_name", "Queued"},
                                                    {"about", "Waiting"},
                                                    {"contact", "q@example.com"}}),
                                   org.access)
                          .status,
                      200);
  const e2e::Reply queues = api.Get("/api/v1/admin/queues", admin.access);
  BOOST_TEST_INFO("body " << queues.body);
  BOOST_REQUIRE_EQUAL(queues.status, 200);
  BOOST_TEST(queues.Int("/queues/organizers_pending") >= 1);
  BOOST_TEST(queues.Has("/queues/events_pending_approval"));
  BOOST_TEST(queues.Has("/queues/events_on_hold"));
  CheckError(api.Get("/api/v1/admin/queues", org.access), 403,
             "forbidden");  // ada was logged out by the block
}

BOOST_AUTO_TEST_CASE(event_figures_dashboards_and_public_pages_over_http) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account admin = e2e::NewAdmin(deployment, "dash-admin");
  const Account organizer = e2e::NewVerifiedAccount(deployment, "dash-org", "organizer");
  const Account rival = e2e::NewVerifiedAccount(deployment, "dash-rival", "organizer");
  const Account buyer = e2e::NewVerifiedAccount(deployment, "dash-buyer");
  e2e::VerifyOrganizer(api, organizer, admin);
  e2e::VerifyOrganizer(api, rival, admin);
  const std::string category_id = e2e::NewCategory(api, admin, "Dashboards");
  const std::string event_id = e2e::NewApprovedEvent(
      api, organizer, admin,
      e2e::EventBody("Figures night", category_id, e2e::Now() + std::chrono::hours(24 * 7),
                     std::chrono::hours(2), kPrice));

  auto setup = e2e::OpenSecondEngine(deployment);
  e2e::FundWallet(*setup, buyer, 10 * kPrice);
  const e2e::Reply kept =
      api.PostJson("/api/v1/bookings", SeatsBody(event_id, 2), buyer.access, Key("dash-2"));
  BOOST_REQUIRE_EQUAL(kept.status, 201);
  const e2e::Reply dropped =
      api.PostJson("/api/v1/bookings", SeatsBody(event_id, 1), buyer.access, Key("dash-1"));
  BOOST_REQUIRE_EQUAL(dropped.status, 201);
  BOOST_REQUIRE_EQUAL(
      api.PostJson("/api/v1/bookings/" + dropped.Str("/booking/id") + "/cancel", "", buyer.access)
          .status,
      200);

  const std::string figures = "/api/v1/events/" + event_id + "/figures";
  for (const Account* reader : {&organizer, &admin}) {
    const e2e::Reply reply = api.Get(figures, reader->access);
    BOOST_TEST_INFO("body " << reply.body);
    BOOST_REQUIRE_EQUAL(reply.status, 200);
    BOOST_TEST(reply.Str("/figures/event_id") == event_id);
    BOOST_TEST(reply.Int("/figures/seats_sold") == 2);
    BOOST_TEST(reply.Int("/figures/seats_held") == 0);
    BOOST_TEST(reply.Int("/figures/seats_checked_in") == 0);
    BOOST_TEST(reply.Int("/figures/seats_cancelled") == 1);
    BOOST_TEST(reply.Int("/figures/gross") == 3 * kPrice);
    BOOST_TEST(reply.Int("/figures/refunds") == kPrice);
    BOOST_TEST(reply.Int("/figures/commission") == 0);
    BOOST_TEST(reply.Int("/figures/net") == 2 * kPrice);
    BOOST_TEST(reply.Str("/figures/currency") == "INR");
  }
  // The net of an unsettled event is what its escrow holds.
  const auto escrow = setup->ledger().GetBalance({eventify::AccountKind::kEscrow, event_id, "INR"});
  BOOST_REQUIRE(escrow.ok());
  BOOST_TEST(escrow->posted == 2 * kPrice);
  CheckError(api.Get(figures, rival.access), 403, "forbidden");
  CheckError(api.Get(figures, buyer.access), 403, "forbidden");
  CheckError(api.Get(figures), 401, "missing_token");
  CheckError(
      api.Get("/api/v1/events/00000000-0000-7000-8000-000000000000/figures", organizer.access), 404,
      "event_not_found");

  const e2e::Reply own = api.Get("/api/v1/organizer/dashboard/events?limit=10", organizer.access);
  BOOST_TEST_INFO("body " << own.body);
  BOOST_REQUIRE_EQUAL(own.status, 200);
  BOOST_REQUIRE_EQUAL(own.Count("/items"), 1);
  BOOST_TEST(own.Int("/items/0/net") == 2 * kPrice);
  BOOST_TEST(own.IsNull("/next_cursor"));
  const e2e::Reply rivals = api.Get("/api/v1/organizer/dashboard/events", rival.access);
  BOOST_REQUIRE_EQUAL(rivals.status, 200);
  BOOST_TEST(rivals.Count("/items") == 0);
  CheckError(api.Get("/api/v1/organizer/dashboard/events", buyer.access), 403, "forbidden");
  CheckError(api.Get("/api/v1/organizer/dashboard/events?limit=500", organizer.access), 400,
             "invalid_limit", "limit");

  const std::string summary =
      "/api/v1/organizer/dashboard/summary?from=" + MonthOf(0) + "&until=" + MonthOf(1);
  const e2e::Reply totals = api.Get(summary, organizer.access);
  BOOST_TEST_INFO("body " << totals.body);
  BOOST_REQUIRE_EQUAL(totals.status, 200);
  BOOST_TEST(totals.Int("/summary/gross") == 3 * kPrice);
  BOOST_TEST(totals.Int("/summary/refunds") == kPrice);
  BOOST_TEST(totals.Int("/summary/net") == 2 * kPrice);
  BOOST_REQUIRE_EQUAL(totals.Count("/summary/months"), 1);
  BOOST_TEST(totals.Str("/summary/months/0/month") == MonthOf(0));
  BOOST_TEST(totals.Str("/summary/top_events/0/event_id") == event_id);
  CheckError(api.Get("/api/v1/organizer/dashboard/summary?until=" + MonthOf(1), organizer.access),
             400, "invalid_month", "from");
  CheckError(
      api.Get("/api/v1/organizer/dashboard/summary?from=" + MonthOf(1) + "&until=" + MonthOf(0),
              organizer.access),
      400, "invalid_range", "until");
  CheckError(api.Get(summary, buyer.access), 403, "forbidden");

  // Public: no token, and nothing private (no contact, no e-mail, no money).
  const e2e::Reply directory = api.Get("/api/v1/organizers?limit=100");
  BOOST_TEST_INFO("body " << directory.body);
  BOOST_REQUIRE_EQUAL(directory.status, 200);
  BOOST_TEST(directory.body.find(organizer.id) != std::string::npos);
  BOOST_TEST(directory.body.find("contact") == std::string::npos);
  BOOST_TEST(directory.body.find("org@example.com") == std::string::npos);
  BOOST_TEST(directory.body.find(organizer.email) == std::string::npos);
  const e2e::Reply page = api.Get("/api/v1/organizers/" + organizer.id);
  BOOST_TEST_INFO("body " << page.body);
  BOOST_REQUIRE_EQUAL(page.status, 200);
  BOOST_TEST(page.Str("/organizer/organizer_id") == organizer.id);
  BOOST_TEST(page.Str("/organizer/organisation_name") == "E2E Events");
  BOOST_TEST(page.Str("/organizer/about") == "We test");
  BOOST_TEST(page.Int("/organizer/rating/count") == 0);
  BOOST_REQUIRE_EQUAL(page.Count("/organizer/upcoming_events"), 1);
  BOOST_TEST(page.Str("/organizer/upcoming_events/0/id") == event_id);
  BOOST_TEST(page.Count("/organizer/recent_reviews") == 0);
  BOOST_TEST(page.body.find("contact") == std::string::npos);
  BOOST_TEST(page.body.find("org@example.com") == std::string::npos);
  BOOST_TEST(page.body.find("\"gross\"") == std::string::npos);
  BOOST_TEST(page.body.find("\"revenue\"") == std::string::npos);
  CheckError(api.Get("/api/v1/organizers/" + buyer.id), 404, "organizer_not_found");
  CheckError(api.Get("/api/v1/organizers?limit=0"), 400, "invalid_limit", "limit");
  e2e::CheckCleanAudit(api, admin);
}

BOOST_AUTO_TEST_CASE(settlement_overview_revenue_and_analytics_over_http) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account admin = e2e::NewAdmin(deployment, "money-admin");
  const Account organizer = e2e::NewVerifiedAccount(deployment, "money-org", "organizer");
  const Account buyer = e2e::NewVerifiedAccount(deployment, "money-buyer");
  e2e::VerifyOrganizer(api, organizer, admin);
  const std::string category_id = e2e::NewCategory(api, admin, "Money views");
  const eventify::Timestamp starts_at = e2e::Now() + std::chrono::hours(24 * 9);
  const eventify::Timestamp ends_at = starts_at + std::chrono::hours(2);
  const std::string event_id = e2e::NewApprovedEvent(
      api, organizer, admin,
      e2e::EventBody("Money night", category_id, starts_at, std::chrono::hours(2), kPrice));
  auto setup = e2e::OpenSecondEngine(deployment);
  e2e::FundWallet(*setup, buyer, 10 * kPrice);
  BOOST_REQUIRE_EQUAL(
      api.PostJson("/api/v1/bookings", SeatsBody(event_id, 2), buyer.access, Key("money-2")).status,
      201);
  const e2e::Reply dropped =
      api.PostJson("/api/v1/bookings", SeatsBody(event_id, 1), buyer.access, Key("money-1"));
  BOOST_REQUIRE_EQUAL(dropped.status, 201);
  BOOST_REQUIRE_EQUAL(
      api.PostJson("/api/v1/bookings/" + dropped.Str("/booking/id") + "/cancel", "", buyer.access)
          .status,
      200);
  // Commission taken out of the escrow into platform revenue through the ledger itself (the
  // event's settlement is a day after its end, beyond this test's clock).
  eventify::TransferRequest fee;
  fee.idempotency_key = "e2e-commission-" + event_id;
  fee.kind = eventify::TransferKind::kCommission;
  fee.from = {eventify::AccountKind::kEscrow, event_id, "INR"};
  fee.to = {eventify::AccountKind::kPlatformRevenue, "", "INR"};
  fee.amount = {1234, "INR"};
  fee.reference = event_id;
  const auto commission = setup->ledger().CreateTransfer(fee);
  BOOST_REQUIRE_MESSAGE(commission.ok(), commission.status().ToString());
  const std::int64_t net = 2 * kPrice - 1234;

  // The overview: this event's line, and totals that are the sum of every line.
  const e2e::Reply all = api.Get("/api/v1/admin/settlements?limit=100", admin.access);
  BOOST_TEST_INFO("body " << all.body);
  BOOST_REQUIRE_EQUAL(all.status, 200);
  const std::string line =
      "{\"event_id\":\"" + event_id + "\",\"title\":\"Money night\",\"organizer_id\":\"" +
      organizer.id + "\",\"event_status\":\"approved\",\"state\":\"unsettled\",\"ends_at\":\"" +
      eventify::FormatTimestamp(ends_at) + "\",\"due_at\":\"" +
      eventify::FormatTimestamp(ends_at + std::chrono::hours(24)) +
      "\",\"settled_at\":null,\"escrow_balance\":" + std::to_string(net) +
      ",\"settled\":0,\"gross\":" + std::to_string(3 * kPrice) +
      ",\"refunds\":" + std::to_string(kPrice) +
      ",\"commission\":1234,\"net\":" + std::to_string(net) + ",\"currency\":\"INR\"}";
  BOOST_TEST(all.body.find(line) != std::string::npos);
  BOOST_TEST(all.IsNull("/next_cursor"));
  const int lines = all.Count("/items");
  BOOST_TEST(all.Int("/totals/events") == lines);
  std::int64_t gross = 0, commission_sum = 0, balance = 0;
  for (int i = 0; i < lines; ++i) {
    const std::string item = "/items/" + std::to_string(i);
    gross += all.Int((item + "/gross").c_str());
    commission_sum += all.Int((item + "/commission").c_str());
    balance += all.Int((item + "/escrow_balance").c_str());
  }
  BOOST_TEST(all.Int("/totals/gross") == gross);
  BOOST_TEST(all.Int("/totals/commission") == commission_sum);
  BOOST_TEST(all.Int("/totals/escrow_balance") == balance);
  BOOST_TEST(all.Str("/totals/currency") == "INR");
  const e2e::Reply one = api.Get("/api/v1/admin/settlements?limit=1", admin.access);
  BOOST_REQUIRE_EQUAL(one.status, 200);
  BOOST_TEST(one.Count("/items") == 1);
  BOOST_TEST(one.Int("/totals/gross") == gross);  // the whole filter's, on every page
  const e2e::Reply settled = api.Get("/api/v1/admin/settlements?state=settled", admin.access);
  BOOST_TEST(settled.status == 200);
  BOOST_TEST(settled.body ==
             "{\"items\":[],\"next_cursor\":null,\"totals\":{\"events\":0,\"escrow_balance\":0,"
             "\"settled\":0,\"gross\":0,\"refunds\":0,\"commission\":0,\"net\":0,"
             "\"currency\":\"INR\"}}");
  CheckError(api.Get("/api/v1/admin/settlements?state=paid", admin.access), 400, "invalid_state",
             "state");
  CheckError(api.Get("/api/v1/admin/settlements?limit=101", admin.access), 400, "invalid_limit",
             "limit");
  CheckError(api.Get("/api/v1/admin/settlements?cursor=nope", admin.access), 400, "invalid_cursor",
             "cursor");

  // Platform revenue: the commission, exactly, and its totals.
  const std::string entry = "{\"transfer_id\":\"" + commission->id +
                            "\",\"kind\":\"commission\",\"created_at\":\"" +
                            eventify::FormatTimestamp(commission->created_at) +
                            "\",\"amount\":1234,\"currency\":\"INR\",\"event_id\":\"" + event_id +
                            "\",\"counterparty\":{\"kind\":\"escrow\",\"owner_id\":\"" + event_id +
                            "\"},\"reference\":\"" + event_id + "\"}";
  const std::string totals =
      "\"totals\":{\"total\":1234,\"entries\":1,\"currency\":\"INR\",\"by_kind\":[{\"kind\":"
      "\"commission\",\"in\":1234,\"out\":0,\"net\":1234,\"entries\":1}]}}";
  const e2e::Reply revenue = api.Get("/api/v1/admin/revenue", admin.access);
  BOOST_TEST(revenue.status == 200);
  BOOST_TEST(revenue.body == "{\"items\":[" + entry + "],\"next_cursor\":null," + totals);
  const e2e::Reply of_event =
      api.Get("/api/v1/admin/revenue?kind=commission&event=" + event_id +
                  "&from=" + eventify::FormatTimestamp(commission->created_at),
              admin.access);
  BOOST_TEST(of_event.body == "{\"items\":[" + entry + "],\"next_cursor\":null," + totals);
  const e2e::Reply refunds = api.Get("/api/v1/admin/revenue?kind=refund", admin.access);
  BOOST_TEST(refunds.status == 200);
  BOOST_TEST(refunds.body ==
             "{\"items\":[],\"next_cursor\":null,\"totals\":{\"total\":0,\"entries\":0,"
             "\"currency\":\"INR\",\"by_kind\":[]}}");
  CheckError(api.Get("/api/v1/admin/revenue?kind=bonus", admin.access), 400, "invalid_kind",
             "kind");
  CheckError(api.Get("/api/v1/admin/revenue?from=yesterday", admin.access), 400,
             "invalid_timestamp", "from");
  CheckError(api.Get("/api/v1/admin/revenue?from=2027-01-01T00:00:00Z&until=2027-01-01T00:00:00Z",
                     admin.access),
             400, "invalid_range", "until");
  CheckError(api.Get("/api/v1/admin/revenue?limit=0", admin.access), 400, "invalid_limit", "limit");

  // Analytics of this month agree with the overview and platform revenue.
  const std::string month = "from=" + MonthOf(0) + "&until=" + MonthOf(1);
  const e2e::Reply analytics = api.Get("/api/v1/admin/analytics?top=100&" + month, admin.access);
  BOOST_TEST_INFO("body " << analytics.body);
  BOOST_REQUIRE_EQUAL(analytics.status, 200);
  BOOST_TEST(analytics.Str("/analytics/from") == MonthOf(0));
  BOOST_TEST(analytics.Int("/analytics/gross") == all.Int("/totals/gross"));
  BOOST_TEST(analytics.Int("/analytics/refunds") == all.Int("/totals/refunds"));
  BOOST_TEST(analytics.Int("/analytics/commission") == 1234);
  BOOST_REQUIRE_EQUAL(analytics.Count("/analytics/months"), 1);
  BOOST_TEST(analytics.Int("/analytics/months/0/gross") == all.Int("/totals/gross"));
  BOOST_TEST(analytics.Int("/analytics/months/0/new_users") >= 3);
  BOOST_TEST(analytics.Int("/analytics/months/0/cancellations") >= 1);
  const std::string revenue_item =
      "{\"event_id\":\"" + event_id + "\",\"title\":\"Money night\",\"organizer_id\":\"" +
      organizer.id + "\",\"category_id\":\"" + category_id +
      "\",\"gross\":" + std::to_string(3 * kPrice) + ",\"refunds\":" + std::to_string(kPrice) +
      ",\"commission\":1234,\"net\":" + std::to_string(net) + ",\"currency\":\"INR\"}";
  BOOST_TEST(analytics.body.find(revenue_item) != std::string::npos);
  const std::string seats_item =
      "{\"event_id\":\"" + event_id + "\",\"title\":\"Money night\",\"organizer_id\":\"" +
      organizer.id + "\",\"category_id\":\"" + category_id + "\",\"bookings\":1,\"seats_sold\":2}";
  BOOST_TEST(analytics.body.find(seats_item) != std::string::npos);
  const std::string category =
      "{\"category_id\":\"" + category_id +
      "\",\"name\":\"Money views\",\"gross\":" + std::to_string(3 * kPrice) +
      ",\"refunds\":" + std::to_string(kPrice) +
      ",\"commission\":1234,\"net\":" + std::to_string(net) + ",\"currency\":\"INR\"}";
  BOOST_TEST(analytics.body.find(category) != std::string::npos);
  CheckError(api.Get("/api/v1/admin/analytics?until=" + MonthOf(1), admin.access), 400,
             "invalid_month", "from");
  CheckError(
      api.Get("/api/v1/admin/analytics?from=" + MonthOf(1) + "&until=" + MonthOf(0), admin.access),
      400, "invalid_range", "until");
  CheckError(api.Get("/api/v1/admin/analytics?top=many&" + month, admin.access), 400, "invalid_top",
             "top");
  CheckError(api.Get("/api/v1/admin/analytics?top=0&" + month, admin.access), 400, "invalid_top",
             "top");

  for (const std::string& route :
       std::vector<std::string>{"/api/v1/admin/settlements", "/api/v1/admin/revenue",
                                "/api/v1/admin/analytics?" + month}) {
    CheckError(api.Get(route, organizer.access), 403, "forbidden");
    CheckError(api.Get(route, buyer.access), 403, "forbidden");
    CheckError(api.Get(route), 401, "missing_token");
  }
  // The role is checked before the parameters: a non-admin hears 403 whatever they send.
  for (const std::string& route : std::vector<std::string>{
           "/api/v1/admin/settlements?state=bogus", "/api/v1/admin/settlements?limit=abc",
           "/api/v1/admin/revenue?kind=x", "/api/v1/admin/revenue?from=yesterday",
           "/api/v1/admin/analytics?top=abc", "/api/v1/admin/audit-log?limit=abc"}) {
    CheckError(api.Get(route, organizer.access), 403, "forbidden");
  }
  e2e::CheckCleanAudit(api, admin);
}
