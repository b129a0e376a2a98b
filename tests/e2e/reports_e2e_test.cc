// End-to-end test of the reports HTTP API: the real eventify-server on the backend
// EVENTIFY_TEST_BACKEND selects. An organizer downloads their sales in every format (the CSV's
// figures are the ledger's: the buyer's payment), another organizer and an attendee are refused
// theirs, the admin downloads the financial report, bad queries get their exact errors, and the
// buyer downloads the printable ticket, whose QR code, decoded from the rendered page, checks in
// at the door over HTTP.
#define BOOST_TEST_MODULE e2e_reports
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "e2e_client.h"
#include "eventify/engine.h"
#include "reports/documents.h"

namespace {

namespace e2e = eventify::e2e;
using e2e::Account;
using e2e::CheckError;
namespace testing = eventify::testing;

constexpr char kServer[] = EVENTIFY_SERVER_PATH;
constexpr std::int64_t kPrice = 25000;

httplib::Headers Key(const std::string& key) { return {{"Idempotency-Key", key}}; }

struct World {
  World()
      : deployment(kServer),
        api(deployment.api()),
        organizer(e2e::NewVerifiedAccount(deployment, "org", "organizer")),
        other(e2e::NewVerifiedAccount(deployment, "other", "organizer")),
        buyer(e2e::NewVerifiedAccount(deployment, "buyer")),
        stranger(e2e::NewVerifiedAccount(deployment, "stranger")),
        admin(e2e::NewAdmin(deployment, "admin")) {
    from = eventify::FormatTimestamp(e2e::Now() - std::chrono::hours(1));
    e2e::VerifyOrganizer(api, organizer, admin);
    e2e::VerifyOrganizer(api, other, admin);
    const std::string category = e2e::NewCategory(api, admin, "Reports");
    event_id = e2e::NewApprovedEvent(
        api, organizer, admin,
        e2e::EventBody("Report night", category, e2e::Now() + std::chrono::hours(24 * 7),
                       std::chrono::hours(2), kPrice));
    auto setup = e2e::OpenSecondEngine(deployment);
    e2e::FundWallet(*setup, buyer, 4 * kPrice);
    const e2e::Reply bought =
        api.PostJson("/api/v1/bookings", "{\"event_id\":\"" + event_id + "\",\"seats\":2}",
                     buyer.access, Key("buy-1"));
    BOOST_REQUIRE_EQUAL(bought.status, 201);
    booking_id = bought.Str("/booking/id");
    until = eventify::FormatTimestamp(e2e::Now() + std::chrono::hours(1));
  }

  std::string Range(const std::string& format) const {
    return "?from=" + from + "&until=" + until + "&format=" + format;
  }

  e2e::Deployment deployment;
  e2e::Api api;
  Account organizer, other, buyer, stranger, admin;
  std::string from, until, event_id, booking_id;
};

World& TheWorld() {
  static World world;
  return world;
}

constexpr char kSales[] = "/api/v1/reports/organizer-sales";
constexpr char kFinancial[] = "/api/v1/reports/financial";

}  // namespace

BOOST_AUTO_TEST_CASE(an_organizer_downloads_their_sales_in_every_format) {
  World& w = TheWorld();
  const e2e::Reply csv = w.api.Get(kSales + w.Range("csv"), w.organizer.access);
  BOOST_REQUIRE_EQUAL(csv.status, 200);
  BOOST_TEST(csv.Header("Content-Type") == "text/csv; charset=utf-8");
  BOOST_TEST(csv.Header("Content-Disposition").find("attachment; filename=\"organizer-sales-") ==
             0u);
  const testing::CsvRows rows = testing::ParseCsv(csv.body);
  BOOST_REQUIRE_EQUAL(rows.size(), 3u);  // header, the event, totals
  BOOST_TEST(rows[1][0] == w.event_id);
  BOOST_TEST(rows[1][5] == "2");                          // seats_sold
  BOOST_TEST(rows[1][7] == std::to_string(2 * kPrice));   // gross
  BOOST_TEST(rows[2][10] == std::to_string(2 * kPrice));  // net, in the totals

  const e2e::Reply json = w.api.Get(kSales + w.Range("json"), w.organizer.access);
  BOOST_REQUIRE_EQUAL(json.status, 200);
  BOOST_TEST(json.Header("Content-Type") == "application/json");
  BOOST_TEST(json.Str("/report") == "organizer_sales");
  BOOST_TEST(json.Count("/rows") == 1);
  BOOST_TEST(json.Int("/rows/0/gross") == 2 * kPrice);
  BOOST_TEST(json.Int("/totals/seats_sold") == 2);

  const e2e::Reply xlsx = w.api.Get(kSales + w.Range("xlsx"), w.organizer.access);
  BOOST_REQUIRE_EQUAL(xlsx.status, 200);
  BOOST_TEST(xlsx.Header("Content-Type") ==
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  BOOST_TEST(xlsx.body.substr(0, 2) == "PK");

  const e2e::Reply pdf = w.api.Get(kSales + w.Range("pdf"), w.organizer.access);
  BOOST_REQUIRE_EQUAL(pdf.status, 200);
  BOOST_TEST(pdf.Header("Content-Type") == "application/pdf");
  testing::TempDir dir;
  const std::string text = testing::PdfText(dir.Write("sales.pdf", pdf.body));
  BOOST_TEST(text.find("Report night") != std::string::npos);
  BOOST_TEST(text.find("500.00") != std::string::npos);  // 2 x 25000 minor units
}

BOOST_AUTO_TEST_CASE(others_are_refused_and_the_admin_reads_everything) {
  World& w = TheWorld();
  // The other organizer's own report has none of this event; asking for the organizer's is refused.
  const e2e::Reply own = w.api.Get(kSales + w.Range("json"), w.other.access);
  BOOST_REQUIRE_EQUAL(own.status, 200);
  BOOST_TEST(own.Count("/rows") == 0);
  CheckError(
      w.api.Get(kSales + w.Range("json") + "&organizer_id=" + w.organizer.id, w.other.access), 403,
      "forbidden");
  CheckError(w.api.Get(kSales + w.Range("json"), w.buyer.access), 403, "forbidden");
  CheckError(w.api.Get(kFinancial + w.Range("json"), w.organizer.access), 403, "forbidden");
  CheckError(w.api.Get(kFinancial + w.Range("json"), w.buyer.access), 403, "forbidden");
  CheckError(w.api.Get(kFinancial + w.Range("json")), 401, "missing_token");

  const e2e::Reply sales =
      w.api.Get(kSales + w.Range("json") + "&organizer_id=" + w.organizer.id, w.admin.access);
  BOOST_REQUIRE_EQUAL(sales.status, 200);
  BOOST_TEST(sales.Int("/totals/gross") == 2 * kPrice);
  const e2e::Reply financial = w.api.Get(kFinancial + w.Range("csv"), w.admin.access);
  BOOST_REQUIRE_EQUAL(financial.status, 200);
  const testing::CsvRows rows = testing::ParseCsv(financial.body);
  BOOST_REQUIRE_EQUAL(rows.size(), 3u);  // header, the payment, totals
  BOOST_TEST(rows[1][1] == "booking");
  BOOST_TEST(rows[1][3] == w.event_id);
  BOOST_TEST(rows[1][4] == w.buyer.id);
  BOOST_TEST(rows[2][6] == std::to_string(2 * kPrice));
}

BOOST_AUTO_TEST_CASE(bad_queries_get_their_errors) {
  World& w = TheWorld();
  const std::string token = w.organizer.access;
  CheckError(w.api.Get(kSales + w.Range("docx"), token), 400, "invalid_format", "format");
  CheckError(w.api.Get(std::string(kSales) + "?until=" + w.until, token), 400, "missing_from",
             "from");
  CheckError(w.api.Get(std::string(kSales) + "?from=" + w.from, token), 400, "missing_until",
             "until");
  CheckError(w.api.Get(std::string(kSales) + "?from=yesterday&until=" + w.until, token), 400,
             "invalid_timestamp", "from");
  CheckError(w.api.Get(std::string(kSales) + "?from=" + w.until + "&until=" + w.from, token), 400,
             "invalid_range", "until");
}

BOOST_AUTO_TEST_CASE(the_printed_ticket_checks_in_at_the_door) {
  World& w = TheWorld();
  const std::string path = "/api/v1/bookings/" + w.booking_id + "/ticket.pdf";
  const e2e::Reply ticket = w.api.Get(path, w.buyer.access);
  BOOST_REQUIRE_EQUAL(ticket.status, 200);
  BOOST_TEST(ticket.Header("Content-Type") == "application/pdf");
  testing::TempDir dir;
  const auto pdf = dir.Write("ticket.pdf", ticket.body);
  BOOST_TEST(testing::PdfPages(pdf) == 2);
  const auto pages = testing::RenderPages(pdf, dir.path());
  BOOST_REQUIRE_EQUAL(pages.size(), 2u);
  const std::vector<std::string> codes = testing::DecodeQr(pages[0]);
  BOOST_REQUIRE_EQUAL(codes.size(), 1u);
  const std::string check_ins = "/api/v1/events/" + w.event_id + "/check-ins";
  const e2e::Reply admitted =
      w.api.PostJson(check_ins, "{\"code\":\"" + codes[0] + "\"}", w.organizer.access);
  BOOST_TEST_INFO("body " << admitted.body);
  BOOST_TEST(admitted.status == 200);

  CheckError(w.api.Get(path, w.stranger.access), 404, "booking_not_found");
  CheckError(w.api.Get(path), 401, "missing_token");
  const e2e::Reply held =
      w.api.PostJson("/api/v1/bookings/holds", "{\"event_id\":\"" + w.event_id + "\",\"seats\":1}",
                     w.buyer.access, Key("hold-1"));
  BOOST_REQUIRE_EQUAL(held.status, 201);
  CheckError(
      w.api.Get("/api/v1/bookings/" + held.Str("/booking/id") + "/ticket.pdf", w.buyer.access), 422,
      "booking_unpaid");
}
