// End-to-end test of the bookings HTTP API: the real eventify-server on the backend
// EVENTIFY_TEST_BACKEND selects, driven over HTTP: an attendee buys (in one step, and by holding
// then paying), the organizer checks the tickets in (once; a tampered code is refused), the
// attendee cancels and is refunded, a stranger joins the sold-out event's waitlist and is offered
// the seats a cancellation returns, the buyer buys again with the organizer's coupon, an event is
// settled, and the ledger audit stays clean.
//
// The organizer is verified and the event approved over HTTP too. The buyer's wallet is funded
// through the library on the same database (a second engine, as a second node would be), as a
// settled top-up would leave it (the top-up itself is e2e_wallet's subject). A hold is also paid
// by card: the sandbox gateway's signed callback, delivered as the gateway would, confirms it.
//
// Settlement needs an event that has ended, and the server's clock is real: the server runs with
// settlement.delay=1s, and the settled event starts kShortLead after it is created (events must
// start in the future to be approved and booked) and lasts a second, so the test waits about
// kShortLead for it, polling the settlement until it is due rather than sleeping a fixed time.
#define BOOST_TEST_MODULE e2e_bookings
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "e2e_client.h"
#include "eventify/engine.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/payment_gateway.h"
#include "server_process.h"

namespace {

namespace e2e = eventify::e2e;
using e2e::Account;
using e2e::CheckError;
using eventify::HttpStatusFor;
using eventify::StatusCode;

constexpr char kServer[] = EVENTIFY_SERVER_PATH;
constexpr std::int64_t kPrice = 25000;
// How far ahead of its creation the settled event starts: room to approve and book it first.
constexpr auto kShortLead = std::chrono::seconds(15);

// Given to the server through EVENTIFY_PAYMENTS_WEBHOOK_SECRET; the tests sign callbacks with it.
constexpr char kWebhookSecret[] = "e2e-bookings-webhook-secret-0123456789abcdef0123456789";

e2e::Deployment& TheDeployment() {
  static e2e::Deployment deployment(
      kServer, {"--settlement.delay=1s"},
      {std::string("EVENTIFY_PAYMENTS_WEBHOOK_SECRET=") + kWebhookSecret});
  return deployment;
}

httplib::Headers Key(const std::string& key) { return {{"Idempotency-Key", key}}; }

// {"event_id": id, "seats": n}
std::string SeatsBody(const std::string& event_id, int seats) {
  return "{\"event_id\":\"" + event_id + "\",\"seats\":" + std::to_string(seats) + "}";
}

using e2e::Now;

// An event of the organizer's (verified here) in a new category named `category_name`, at kPrice
// a seat, starting at `starts_at` (a week from now unless given) and lasting `length`, created,
// submitted and approved over HTTP; returns its id.
std::string ApprovedEvent(e2e::Api& api, const Account& organizer, const Account& admin,
                          const std::string& category_name,
                          eventify::Timestamp starts_at = Now() + std::chrono::hours(24 * 7),
                          eventify::Duration length = std::chrono::hours(2)) {
  e2e::VerifyOrganizer(api, organizer, admin);
  const std::string category_id = e2e::NewCategory(api, admin, category_name);
  return e2e::NewApprovedEvent(
      api, organizer, admin, e2e::EventBody("End to end", category_id, starts_at, length, kPrice));
}


}  // namespace

BOOST_AUTO_TEST_CASE(buy_check_in_cancel_and_refund_over_http) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account organizer = e2e::NewVerifiedAccount(deployment, "org", "organizer");
  const Account buyer = e2e::NewVerifiedAccount(deployment, "buyer");
  const Account stranger = e2e::NewVerifiedAccount(deployment, "stranger");

  // The organizer is verified and the event approved over HTTP (docs/events-api.md).
  const Account admin_account = e2e::NewAdmin(deployment, "admin");
  const std::string event_id = ApprovedEvent(api, organizer, admin_account, "E2E");

  // The wallet is funded through the library on the same database, as a settled top-up leaves it.
  auto setup = e2e::OpenSecondEngine(deployment);
  e2e::FundWallet(*setup, buyer, 4 * kPrice);

  const std::string body = SeatsBody(event_id, 2);

  // Buy two seats in one step; a retry with the same key is the same booking.
  const e2e::Reply bought = api.PostJson("/api/v1/bookings", body, buyer.access, Key("buy-1"));
  BOOST_TEST_INFO("body " << bought.body);
  BOOST_REQUIRE_EQUAL(bought.status, 201);
  BOOST_TEST(bought.Str("/booking/status") == "confirmed");
  BOOST_TEST(bought.Int("/booking/amount") == 2 * kPrice);
  BOOST_REQUIRE_EQUAL(bought.Count("/booking/tickets"), 2);
  const std::string booking_id = bought.Str("/booking/id");
  const std::string code = bought.Str("/booking/tickets/0/code");
  const e2e::Reply retried = api.PostJson("/api/v1/bookings", body, buyer.access, Key("buy-1"));
  BOOST_TEST(retried.status == 201);
  BOOST_TEST(retried.Str("/booking/id") == booking_id);
  BOOST_TEST(api.Get("/api/v1/wallet", buyer.access).Int("/wallet/balance") == 2 * kPrice);
  CheckError(api.PostJson("/api/v1/bookings", body, buyer.access), 400, "missing_idempotency_key",
             "Idempotency-Key");

  // Hold one seat, then pay it.
  const std::string one_seat = SeatsBody(event_id, 1);
  const e2e::Reply held =
      api.PostJson("/api/v1/bookings/holds", one_seat, buyer.access, Key("hold-1"));
  BOOST_REQUIRE_EQUAL(held.status, 201);
  BOOST_TEST(held.Str("/booking/status") == "held");
  BOOST_TEST(held.Count("/booking/tickets") == 0);
  const std::string held_id = held.Str("/booking/id");
  CheckError(api.PostJson("/api/v1/bookings/" + held_id + "/pay", "", stranger.access), 404,
             "booking_not_found");
  const e2e::Reply paid = api.PostJson("/api/v1/bookings/" + held_id + "/pay", "", buyer.access);
  BOOST_REQUIRE_EQUAL(paid.status, 200);
  BOOST_TEST(paid.Str("/booking/status") == "confirmed");
  BOOST_TEST(paid.Count("/booking/tickets") == 1);

  // Too many seats for what is left (5 - 3 sold), and more than the per-booking limit.
  const std::string three = SeatsBody(event_id, 3);
  CheckError(api.PostJson("/api/v1/bookings/holds", three, stranger.access, Key("s-1")),
             HttpStatusFor(StatusCode::kFailedPrecondition), "sold_out", "seats");
  const std::string four = SeatsBody(event_id, 4);
  CheckError(api.PostJson("/api/v1/bookings/holds", four, stranger.access, Key("s-2")), 400,
             "invalid_seats", "seats");

  // Check-in: once, by the organizer; a tampered code is refused.
  const std::string check_ins = "/api/v1/events/" + event_id + "/check-ins";
  const e2e::Reply admitted =
      api.PostJson(check_ins, e2e::JsonObject({{"code", code}}), organizer.access);
  BOOST_TEST_INFO("body " << admitted.body);
  BOOST_REQUIRE_EQUAL(admitted.status, 200);
  BOOST_TEST(!admitted.IsNull("/ticket/checked_in_at"));
  CheckError(api.PostJson(check_ins, e2e::JsonObject({{"code", code}}), organizer.access),
             HttpStatusFor(StatusCode::kFailedPrecondition), "already_checked_in");
  std::string tampered = code;
  tampered[5] = tampered[5] == 'a' ? 'b' : 'a';
  CheckError(api.PostJson(check_ins, e2e::JsonObject({{"code", tampered}}), organizer.access), 400,
             "invalid_ticket_code", "code");
  CheckError(api.PostJson(check_ins, e2e::JsonObject({{"code", code}}), buyer.access), 403,
             "forbidden");

  // Cancel the held-then-paid booking: refunded in full, its seat back on sale.
  const e2e::Reply cancelled =
      api.PostJson("/api/v1/bookings/" + held_id + "/cancel", "", buyer.access);
  BOOST_REQUIRE_EQUAL(cancelled.status, 200);
  BOOST_TEST(cancelled.Str("/booking/status") == "cancelled");
  BOOST_TEST(!cancelled.IsNull("/booking/refund_transfer_id"));
  BOOST_TEST(api.Get("/api/v1/wallet", buyer.access).Int("/wallet/balance") == 2 * kPrice);
  const e2e::Reply read = api.Get("/api/v1/bookings/" + held_id, buyer.access);
  BOOST_TEST(read.Str("/booking/status") == "cancelled");
  BOOST_TEST(api.Get("/api/v1/events/" + event_id).Int("/event/seats_sold") == 2);

  // The buyer's own bookings, newest first, one page at a time; nobody else's.
  const e2e::Reply first = api.Get("/api/v1/bookings?limit=1", buyer.access);
  BOOST_TEST_INFO("body " << first.body);
  BOOST_REQUIRE_EQUAL(first.status, 200);
  BOOST_REQUIRE_EQUAL(first.Count("/items"), 1);
  BOOST_TEST(first.Str("/items/0/id") == held_id);
  BOOST_TEST(first.Str("/items/0/status") == "cancelled");
  const std::string cursor = first.Str("/next_cursor");
  const e2e::Reply second = api.Get("/api/v1/bookings?limit=1&cursor=" + cursor, buyer.access);
  BOOST_REQUIRE_EQUAL(second.status, 200);
  BOOST_REQUIRE_EQUAL(second.Count("/items"), 1);
  BOOST_TEST(second.Str("/items/0/id") == booking_id);
  BOOST_TEST(second.Count("/items/0/tickets") == 2);
  BOOST_TEST(second.IsNull("/next_cursor"));
  const e2e::Reply strangers = api.Get("/api/v1/bookings", stranger.access);
  BOOST_REQUIRE_EQUAL(strangers.status, 200);
  BOOST_TEST(strangers.Count("/items") == 0);
  CheckError(api.Get("/api/v1/bookings?limit=0", buyer.access), 400, "invalid_limit", "limit");
  CheckError(api.Get("/api/v1/bookings?limit=101", buyer.access), 400, "invalid_limit", "limit");
  CheckError(api.Get("/api/v1/bookings?limit=ten", buyer.access), 400, "invalid_limit", "limit");
  CheckError(api.Get("/api/v1/bookings?cursor=not-a-cursor", buyer.access), 400, "invalid_cursor",
             "cursor");
  CheckError(api.Get("/api/v1/bookings", ""), 401, "missing_token");

  // The waitlist: joined only once the event is sold out, left, and served when seats come back.
  const std::string waitlist = "/api/v1/events/" + event_id + "/waitlist";
  const std::string one = "{\"seats\":1}";
  CheckError(api.PostJson(waitlist, one, stranger.access),
             HttpStatusFor(StatusCode::kFailedPrecondition), "seats_available", "seats");
  const e2e::Reply rest = api.PostJson("/api/v1/bookings/holds", three, buyer.access, Key("hold-2"));
  BOOST_REQUIRE_EQUAL(rest.status, 201);  // 2 sold + 3 held: sold out
  const e2e::Reply joined = api.PostJson(waitlist, one, stranger.access);
  BOOST_TEST_INFO("body " << joined.body);
  BOOST_REQUIRE_EQUAL(joined.status, 201);
  BOOST_TEST(joined.Str("/entry/status") == "waiting");
  BOOST_TEST(joined.Int("/entry/position") == 1);
  BOOST_TEST(joined.IsNull("/entry/booking_id"));
  CheckError(api.PostJson(waitlist, one, stranger.access), 409, "already_on_waitlist");
  CheckError(api.PostJson(waitlist, "{\"seats\":0}", buyer.access), 400, "invalid_seats", "seats");
  BOOST_TEST(api.Send("DELETE", waitlist, "", "", stranger.access).status == 204);
  CheckError(api.Get(waitlist, stranger.access), 404, "not_on_waitlist");
  CheckError(api.Send("DELETE", waitlist, "", "", stranger.access), 404, "not_on_waitlist");
  BOOST_REQUIRE_EQUAL(api.PostJson(waitlist, one, stranger.access).status, 201);
  BOOST_REQUIRE_EQUAL(
      api.PostJson("/api/v1/bookings/" + rest.Str("/booking/id") + "/cancel", "", buyer.access)
          .status,
      200);
  const e2e::Reply offered = api.Get(waitlist, stranger.access);
  BOOST_TEST_INFO("body " << offered.body);
  BOOST_REQUIRE_EQUAL(offered.status, 200);
  BOOST_TEST(offered.Str("/entry/status") == "offered");
  BOOST_TEST(offered.IsNull("/entry/position"));
  const e2e::Reply offer = api.Get("/api/v1/bookings/" + offered.Str("/entry/booking_id"),
                                   stranger.access);
  BOOST_TEST(offer.Str("/booking/status") == "held");
  BOOST_TEST(offer.Int("/booking/seats") == 1);
  BOOST_TEST(offer.Str("/booking/hold_expires_at") == offered.Str("/entry/offer_expires_at"));

  // The organizer makes a coupon for the event; the buyer pays half with it (docs/bookings-api.md,
  // "Coupons").
  const auto now = Now();
  const std::string coupon_body =
      "{\"code\":\"half-e2e\",\"event_id\":\"" + event_id +
      "\",\"percent_off_bp\":5000,\"valid_from\":\"" +
      eventify::FormatTimestamp(now - std::chrono::hours(1)) + "\",\"valid_until\":\"" +
      eventify::FormatTimestamp(now + std::chrono::hours(24)) + "\",\"total_limit\":3}";
  const e2e::Reply coupon = api.PostJson("/api/v1/coupons", coupon_body, organizer.access);
  BOOST_TEST_INFO("body " << coupon.body);
  BOOST_REQUIRE_EQUAL(coupon.status, 201);
  BOOST_TEST(coupon.Str("/coupon/code") == "HALF-E2E");
  BOOST_TEST(coupon.Int("/coupon/per_user_limit") == 1);
  BOOST_TEST(coupon.IsNull("/coupon/amount_off"));
  CheckError(api.PostJson("/api/v1/coupons", coupon_body, buyer.access), 403, "forbidden");
  CheckError(api.PostJson("/api/v1/coupons",
                          "{\"code\":\"BOTH-OFF\",\"event_id\":\"" + event_id +
                              "\",\"percent_off_bp\":5000,\"amount_off\":10,\"valid_from\":\"" +
                              eventify::FormatTimestamp(now) + "\",\"valid_until\":\"" +
                              eventify::FormatTimestamp(now + std::chrono::hours(1)) +
                              "\",\"total_limit\":3}",
                          organizer.access),
             400, "invalid_discount", "percent_off_bp");
  const std::string with_coupon = "{\"event_id\":\"" + event_id +
                                  "\",\"seats\":2,\"coupon_code\":\"Half-E2E\"}";
  const e2e::Reply discounted =
      api.PostJson("/api/v1/bookings", with_coupon, buyer.access, Key("buy-coupon"));
  BOOST_TEST_INFO("body " << discounted.body);
  BOOST_REQUIRE_EQUAL(discounted.status, 201);
  BOOST_TEST(discounted.Str("/booking/coupon_code") == "HALF-E2E");
  BOOST_TEST(discounted.Int("/booking/discount") == kPrice);
  BOOST_TEST(discounted.Int("/booking/amount") == kPrice);
  BOOST_TEST(api.Get("/api/v1/wallet", buyer.access).Int("/wallet/balance") == kPrice);
  CheckError(api.PostJson("/api/v1/bookings/holds", with_coupon, buyer.access, Key("again")),
             HttpStatusFor(StatusCode::kFailedPrecondition), "coupon_user_limit_reached",
             "coupon_code");
  CheckError(api.PostJson("/api/v1/bookings/holds",
                          "{\"event_id\":\"" + event_id + "\",\"seats\":1,\"coupon_code\":\"NOPE\"}",
                          buyer.access, Key("nope")),
             404, "coupon_not_found", "coupon_code");
  const e2e::Reply coupons = api.Get("/api/v1/coupons?event_id=" + event_id, organizer.access);
  BOOST_REQUIRE_EQUAL(coupons.status, 200);
  BOOST_REQUIRE_EQUAL(coupons.Count("/items"), 1);
  BOOST_TEST(coupons.Int("/items/0/uses_paid") == 1);
  CheckError(api.Get("/api/v1/coupons", buyer.access), 403, "forbidden");
  const std::string coupon_id = coupon.Str("/coupon/id");
  CheckError(api.PostJson("/api/v1/coupons/" + coupon_id + "/deactivate", "", stranger.access), 403,
             "forbidden");
  const e2e::Reply deactivated =
      api.PostJson("/api/v1/coupons/" + coupon_id + "/deactivate", "", organizer.access);
  BOOST_REQUIRE_EQUAL(deactivated.status, 200);
  BOOST_TEST(!deactivated.Bool("/coupon/active"));

  e2e::CheckCleanAudit(api, admin_account);
}

// The whole journey on an event that ends seconds after it is created: the organizer is
// verified, the event approved, bought, checked in, one booking cancelled and refunded, and once
// the event is due the admin settles it: the escrow goes to the organizer's wallet less the 10%
// commission, exactly once.
BOOST_AUTO_TEST_CASE(a_short_event_is_bought_checked_in_refunded_and_settled_over_http) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account organizer = e2e::NewVerifiedAccount(deployment, "org-settle", "organizer");
  const Account buyer = e2e::NewVerifiedAccount(deployment, "buyer-settle");
  const Account admin = e2e::NewAdmin(deployment, "admin-settle");
  const std::string event_id = ApprovedEvent(api, organizer, admin, "E2E settlement",
                                             Now() + kShortLead, std::chrono::seconds(1));
  const std::string settle = "/api/v1/admin/events/" + event_id + "/settle";
  const std::string settlement = "/api/v1/events/" + event_id + "/settlement";
  CheckError(api.PostJson(settle, "", admin.access),
             HttpStatusFor(StatusCode::kFailedPrecondition), "event_not_ended");
  const e2e::Reply early = api.Get(settlement, organizer.access);
  BOOST_TEST_INFO("body " << early.body);
  BOOST_REQUIRE_EQUAL(early.status, 200);
  BOOST_TEST(early.Str("/settlement/status") == "unsettled");
  // The revenue in the organizer's own list (this organizer's only event).
  auto own_revenue = [&] {
    const e2e::Reply own = api.Get("/api/v1/organizer/events", organizer.access);
    BOOST_TEST_INFO("body " << own.body);
    BOOST_REQUIRE_EQUAL(own.status, 200);
    BOOST_REQUIRE_EQUAL(own.Str("/items/0/id"), event_id);
    return own.Int("/items/0/revenue");
  };
  BOOST_TEST(own_revenue() == 0);

  auto setup = e2e::OpenSecondEngine(deployment);
  e2e::FundWallet(*setup, buyer, 4 * kPrice);
  const e2e::Reply bought =
      api.PostJson("/api/v1/bookings", SeatsBody(event_id, 3), buyer.access, Key("settle-3"));
  BOOST_REQUIRE_EQUAL(bought.status, 201);
  const e2e::Reply single =
      api.PostJson("/api/v1/bookings", SeatsBody(event_id, 1), buyer.access, Key("settle-1"));
  BOOST_REQUIRE_EQUAL(single.status, 201);
  BOOST_TEST(own_revenue() == 4 * kPrice);
  const e2e::Reply admitted =
      api.PostJson("/api/v1/events/" + event_id + "/check-ins",
                   e2e::JsonObject({{"code", bought.Str("/booking/tickets/0/code")}}),
                   organizer.access);
  BOOST_REQUIRE_EQUAL(admitted.status, 200);
  const e2e::Reply cancelled = api.PostJson(
      "/api/v1/bookings/" + single.Str("/booking/id") + "/cancel", "", buyer.access);
  BOOST_REQUIRE_EQUAL(cancelled.status, 200);
  BOOST_TEST(!cancelled.IsNull("/booking/refund_transfer_id"));
  BOOST_TEST(api.Get("/api/v1/wallet", buyer.access).Int("/wallet/balance") == kPrice);
  BOOST_TEST(own_revenue() == 3 * kPrice);  // collected and not refunded

  // Wait until the event has ended and the second of delay has passed (the server's clock).
  const auto give_up = std::chrono::steady_clock::now() + kShortLead + std::chrono::seconds(60);
  std::string status;
  while (std::chrono::steady_clock::now() < give_up) {
    status = api.Get(settlement, organizer.access).Str("/settlement/status");
    if (status == "due") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  BOOST_REQUIRE_EQUAL(status, "due");

  CheckError(api.PostJson(settle, "", organizer.access), 403, "forbidden");
  const e2e::Reply settled = api.PostJson(settle, "", admin.access);
  BOOST_TEST_INFO("body " << settled.body);
  BOOST_REQUIRE_EQUAL(settled.status, 200);
  BOOST_TEST(settled.Str("/settlement/status") == "settled");
  BOOST_TEST(settled.Int("/settlement/gross") == 3 * kPrice);
  BOOST_TEST(settled.Int("/settlement/commission") == 3 * kPrice / 10);
  BOOST_TEST(settled.Int("/settlement/net") == 3 * kPrice - 3 * kPrice / 10);
  BOOST_TEST(settled.Int("/settlement/commission_bps") == 1000);
  BOOST_TEST(settled.Str("/settlement/settled_by") == admin.id);
  BOOST_TEST(!settled.IsNull("/settlement/settled_at"));
  const std::string payout = settled.Str("/settlement/settlement_transfer_id");

  // Again: the same settlement, nothing paid twice.
  const e2e::Reply again = api.PostJson(settle, "", admin.access);
  BOOST_REQUIRE_EQUAL(again.status, 200);
  BOOST_TEST(again.Str("/settlement/settlement_transfer_id") == payout);
  const e2e::Reply read = api.Get(settlement, organizer.access);
  BOOST_REQUIRE_EQUAL(read.status, 200);
  BOOST_TEST(read.Str("/settlement/status") == "settled");
  BOOST_TEST(read.Str("/settlement/commission_transfer_id") ==
             settled.Str("/settlement/commission_transfer_id"));
  CheckError(api.Get(settlement, buyer.access), 403, "forbidden");
  CheckError(api.Get("/api/v1/events/00000000-0000-7000-8000-000000000000/settlement",
                     admin.access),
             404, "event_not_found");
  BOOST_TEST(api.Get("/api/v1/wallet?wallet=organizer", organizer.access)
                 .Int("/wallet/balance") == 3 * kPrice - 3 * kPrice / 10);
  // The organizer's own list carries the settlement (the newest event first: this one).
  const e2e::Reply own = api.Get("/api/v1/organizer/events?status=completed", organizer.access);
  BOOST_REQUIRE_EQUAL(own.status, 200);
  BOOST_REQUIRE_EQUAL(own.Str("/items/0/id"), event_id);
  BOOST_TEST(own.Bool("/items/0/settlement/settled"));
  BOOST_TEST(own.Str("/items/0/settlement/settled_at") == settled.Str("/settlement/settled_at"));
  BOOST_TEST(own.Int("/items/0/settlement/gross") == 3 * kPrice);
  BOOST_TEST(own.Int("/items/0/settlement/commission") == 3 * kPrice / 10);
  BOOST_TEST(own.Int("/items/0/settlement/net") == 3 * kPrice - 3 * kPrice / 10);
  BOOST_TEST(own.Int("/items/0/revenue") == 3 * kPrice);  // the escrow is empty: it was paid out
  BOOST_TEST(api.Get("/api/v1/events/" + event_id).body.find("\"revenue\"") == std::string::npos);
  BOOST_TEST(api.Get("/api/v1/events/" + event_id).Str("/event/status") == "completed");
  CheckError(api.PostJson("/api/v1/events/" + event_id + "/cancel",
                          e2e::JsonObject({{"note", "Too late"}}), organizer.access),
             HttpStatusFor(StatusCode::kFailedPrecondition), "event_not_approved");

  e2e::CheckCleanAudit(api, admin);
}

BOOST_AUTO_TEST_CASE(a_hold_paid_by_card_is_confirmed_by_the_gateway_s_signed_callback) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account organizer = e2e::NewVerifiedAccount(deployment, "card-org", "organizer");
  const Account buyer = e2e::NewVerifiedAccount(deployment, "card-buyer");
  const Account admin = e2e::NewAdmin(deployment, "card-admin");
  const std::string event_id = ApprovedEvent(api, organizer, admin, "Card");

  const e2e::Reply held =
      api.PostJson("/api/v1/bookings/holds", SeatsBody(event_id, 2), buyer.access, Key("h"));
  BOOST_REQUIRE_EQUAL(held.status, 201);
  const std::string pay = "/api/v1/bookings/" + held.Str("/booking/id") + "/pay";
  const std::string card = "{\"method\":\"card\",\"card_token\":\"tok_sandbox_success\"}";
  CheckError(api.PostJson(pay, card, buyer.access), 400, "missing_idempotency_key",
             "Idempotency-Key");
  CheckError(api.PostJson(pay, "{\"method\":\"cheque\"}", buyer.access, Key("c")), 400,
             "invalid_method", "method");
  CheckError(api.PostJson(pay, "{\"method\":\"card\"}", buyer.access, Key("c")), 400,
             "missing_field", "card_token");
  CheckError(api.PostJson(pay, "{\"method\":\"card\",\"card_token\":\"tok_sandbox_decline\"}",
                          buyer.access, Key("d")),
             HttpStatusFor(StatusCode::kFailedPrecondition), "card_declined", "card_token");

  const e2e::Reply paying = api.PostJson(pay, card, buyer.access, Key("c"));
  BOOST_TEST_INFO("body " << paying.body);
  BOOST_REQUIRE_EQUAL(paying.status, 202);
  BOOST_TEST(paying.Str("/booking/status") == "held");
  BOOST_TEST(paying.Str("/card_payment/state") == "pending");
  const std::string topup_id = paying.Str("/card_payment/topup_transfer_id");
  const std::string charge_id = paying.Str("/card_payment/charge_id");
  CheckError(api.PostJson(pay, card, buyer.access, Key("other")),
             HttpStatusFor(StatusCode::kFailedPrecondition), "payment_in_flight");

  // The gateway's callback, signed as the sandbox signs it, delivered without a bearer token.
  const std::string payload = "{\"charge_id\":\"" + charge_id + "\",\"reference\":\"" + topup_id +
                              "\",\"amount\":" + std::to_string(2 * kPrice) +
                              ",\"currency\":\"INR\",\"state\":\"succeeded\"}";
  const auto now = Now();
  httplib::Headers forged{{"X-Eventify-Signature", eventify::spi::SignSandboxPayload(
                                                       "not-the-secret-at-all", payload, now)}};
  CheckError(api.Send("POST", "/api/v1/payments/callback", payload, "application/json", "", forged),
             401, "invalid_signature");
  httplib::Headers signature{
      {"X-Eventify-Signature", eventify::spi::SignSandboxPayload(kWebhookSecret, payload, now)}};
  for (int delivery = 0; delivery < 2; ++delivery) {  // gateways redeliver: harmless
    const e2e::Reply settled =
        api.Send("POST", "/api/v1/payments/callback", payload, "application/json", "", signature);
    BOOST_TEST_INFO("body " << settled.body);
    BOOST_REQUIRE_EQUAL(settled.status, 200);
    BOOST_TEST(settled.Str("/transfer/status") == "posted");
  }

  const e2e::Reply paid = api.Get("/api/v1/bookings/" + held.Str("/booking/id"), buyer.access);
  BOOST_TEST(paid.Str("/booking/status") == "confirmed");
  BOOST_TEST(paid.Count("/booking/tickets") == 2);
  const e2e::Reply replay = api.PostJson(pay, card, buyer.access, Key("c"));
  BOOST_TEST(replay.status == 200);
  BOOST_TEST(replay.Str("/card_payment/state") == "paid");
  BOOST_TEST(replay.Str("/card_payment/charge_id") == charge_id);
  BOOST_TEST(api.Get("/api/v1/wallet", buyer.access).Int("/wallet/balance") == 0);
  BOOST_TEST(api.Get("/api/v1/events/" + event_id).Int("/event/seats_sold") == 2);
  e2e::CheckCleanAudit(api, admin);
}

BOOST_AUTO_TEST_CASE(bad_settlement_configuration_exits_2_naming_the_key) {
  const auto& scratch = TheDeployment().scratch();
  const std::string data = "--data_dir=" + (scratch / "unused").string();
  for (const std::string flag :
       {"--settlement.commission_bps=10001", "--settlement.commission_bps=-1",
        "--settlement.delay=soon", "--settlement.automatic=maybe"}) {
    const e2e::Completed run = e2e::RunProgram({kServer, flag, data}, {}, scratch);
    BOOST_TEST_INFO(flag);
    BOOST_TEST(run.status.code == 2);
    const std::string key = flag.substr(2, flag.find('=') - 2);
    BOOST_TEST(run.err.find(key) != std::string::npos, run.err);
  }
  const e2e::Completed help = e2e::RunProgram({kServer, "--help"}, {}, scratch);
  BOOST_TEST(help.status.code == 0);
  for (const char* key :
       {"settlement.automatic", "settlement.delay", "settlement.commission_bps"}) {
    BOOST_TEST(help.out.find(key) != std::string::npos, key);
  }
}

BOOST_AUTO_TEST_CASE(sigterm_stops_the_server_with_exit_code_0) {
  e2e::CheckStopsCleanly(TheDeployment());
}
