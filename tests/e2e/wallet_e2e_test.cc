// End-to-end tests of the wallet HTTP API: the real eventify-server binary with the sandbox
// payment gateway, on the backend EVENTIFY_TEST_BACKEND selects, driven over HTTP. The test plays
// the gateway: it signs callbacks with the webhook secret it gave the server through the
// environment, exactly as the sandbox signs them (eventify::spi::SignSandboxPayload). One server
// serves the suite; the last test stops it with SIGTERM and expects exit code 0.
#define BOOST_TEST_MODULE e2e_wallet
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e_client.h"
#include "eventify/spi/payment_gateway.h"
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
// Given to the server through EVENTIFY_PAYMENTS_WEBHOOK_SECRET (secrets are refused as flags).
constexpr char kWebhookSecret[] = "e2e-webhook-secret-0123456789abcdef0123456789abcdef";
constexpr std::int64_t kMaxTopUp = 1'000'000;

const int kUnprocessable = HttpStatusFor(StatusCode::kFailedPrecondition);
const int kForbidden = HttpStatusFor(StatusCode::kPermissionDenied);
const int kConflict = HttpStatusFor(StatusCode::kAlreadyExists);
const int kUnavailable = HttpStatusFor(StatusCode::kUnavailable);

const std::string kWallet = "/api/v1/wallet";
const std::string kHistory = "/api/v1/wallet/transactions";
const std::string kTopUps = "/api/v1/wallet/topups";
const std::string kWithdrawals = "/api/v1/wallet/withdrawals";
const std::string kCallback = "/api/v1/payments/callback";
const std::string kAdminWithdrawals = "/api/v1/admin/withdrawals";
const std::string kAudit = "/api/v1/admin/ledger/audit";

// The server under test, started on first use and shared by the test cases.
e2e::Deployment& TheDeployment() {
  static e2e::Deployment deployment(
      kServer, {"--wallets.max_topup_amount=" + std::to_string(kMaxTopUp)},
      {std::string("EVENTIFY_PAYMENTS_WEBHOOK_SECRET=") + kWebhookSecret});
  return deployment;
}

eventify::Timestamp Now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

// A fresh Idempotency-Key: unique in this run, so that suites sharing a database never collide.
httplib::Headers FreshKey() {
  static int counter = 0;
  return {
      {"Idempotency-Key", "e2e-" + std::to_string(::getpid()) + "-" + std::to_string(++counter)}};
}

std::string TopUpBody(std::int64_t amount, const std::string& card_token,
                      const std::string& wallet = "") {
  std::string body =
      "{\"amount\":" + std::to_string(amount) + ",\"card_token\":\"" + card_token + "\"";
  if (!wallet.empty()) body += ",\"wallet\":\"" + wallet + "\"";
  return body + "}";
}

std::string AmountBody(const std::string& amount_json) {
  return "{\"amount\":" + amount_json + "}";
}

// The callback JSON the sandbox gateway sends.
std::string CallbackPayload(const std::string& charge_id, const std::string& reference,
                            std::int64_t amount, const std::string& state,
                            const std::string& currency = "INR") {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("charge_id");
  writer.String(charge_id.c_str());
  writer.Key("reference");
  writer.String(reference.c_str());
  writer.Key("amount");
  writer.Int64(amount);
  writer.Key("currency");
  writer.String(currency.c_str());
  writer.Key("state");
  writer.String(state.c_str());
  writer.EndObject();
  return buffer.GetString();
}

std::string Sign(const std::string& payload, eventify::Timestamp at = Now(),
                 const std::string& secret = kWebhookSecret) {
  return eventify::spi::SignSandboxPayload(secret, payload, at);
}

// Delivers a callback as the gateway would: no bearer token, the signature in a header (none when
// `signature` is empty).
e2e::Reply Deliver(e2e::Api& api, const std::string& payload, const std::string& signature) {
  httplib::Headers headers;
  if (!signature.empty()) headers.emplace("X-Eventify-Signature", signature);
  return api.Send("POST", kCallback, payload, "application/json", "", headers);
}

struct TopUp {
  std::string transfer_id;
  std::string charge_id;
  std::int64_t amount = 0;
};

// Starts a top-up with tok_sandbox_success; it is pending until a callback settles it.
TopUp StartTopUp(e2e::Api& api, const Account& account, std::int64_t amount,
                 const std::string& wallet = "") {
  const e2e::Reply started = api.PostJson(kTopUps, TopUpBody(amount, "tok_sandbox_success", wallet),
                                          account.access, FreshKey());
  BOOST_TEST_INFO("body " << started.body);
  BOOST_REQUIRE_EQUAL(started.status, 201);
  return {started.Str("/topup/transfer/id"), started.Str("/topup/charge_id"), amount};
}

e2e::Reply Confirm(e2e::Api& api, const TopUp& topup, const std::string& state = "succeeded") {
  const std::string payload =
      CallbackPayload(topup.charge_id, topup.transfer_id, topup.amount, state);
  return Deliver(api, payload, Sign(payload));
}

// Tops up and confirms: `amount` is then posted to the wallet.
std::string Fund(e2e::Api& api, const Account& account, std::int64_t amount) {
  const TopUp topup = StartTopUp(api, account, amount);
  const e2e::Reply confirmed = Confirm(api, topup);
  BOOST_TEST_INFO("body " << confirmed.body);
  BOOST_REQUIRE_EQUAL(confirmed.status, 200);
  BOOST_REQUIRE_EQUAL(confirmed.Str("/transfer/status"), "posted");
  return topup.transfer_id;
}

struct WalletView {
  std::int64_t balance = -1;
  std::int64_t available = -1;
  std::int64_t pending_debits = -1;
  std::int64_t pending_credits = -1;
};

WalletView GetWallet(e2e::Api& api, const Account& account, const std::string& wallet = "user") {
  const e2e::Reply reply = api.Get(kWallet + "?wallet=" + wallet, account.access);
  BOOST_TEST_INFO("body " << reply.body);
  BOOST_REQUIRE_EQUAL(reply.status, 200);
  return {reply.Int("/wallet/balance"), reply.Int("/wallet/available"),
          reply.Int("/wallet/pending_debits"), reply.Int("/wallet/pending_credits")};
}

void CheckWallet(e2e::Api& api, const Account& account, std::int64_t balance,
                 std::int64_t available, std::int64_t pending_debits,
                 std::int64_t pending_credits) {
  const WalletView wallet = GetWallet(api, account);
  BOOST_TEST(wallet.balance == balance);
  BOOST_TEST(wallet.available == available);
  BOOST_TEST(wallet.pending_debits == pending_debits);
  BOOST_TEST(wallet.pending_credits == pending_credits);
}

// A 200 answer carrying `transfer_id`, resolved to `status` (posted or voided) with a UTC time.
void CheckResolved(const e2e::Reply& reply, const std::string& transfer_id,
                   const std::string& status) {
  BOOST_TEST_INFO("body " << reply.body);
  BOOST_REQUIRE_EQUAL(reply.status, 200);
  BOOST_TEST(reply.Str("/transfer/id") == transfer_id);
  BOOST_TEST(reply.Str("/transfer/status") == status);
  BOOST_TEST(reply.Str("/transfer/resolved_at").back() == 'Z');
}

// Sends a request, then the same again: a retry must fail exactly as the first attempt did.
void CheckErrorTwice(const std::function<e2e::Reply()>& send, int status, const std::string& code,
                     const std::string& field = "") {
  for (int attempt = 1; attempt <= 2; ++attempt) {
    BOOST_TEST_CONTEXT("attempt " << attempt) { CheckError(send(), status, code, field); }
  }
}

std::string Withdraw(e2e::Api& api, const Account& account, std::int64_t amount) {
  const e2e::Reply reply =
      api.PostJson(kWithdrawals, AmountBody(std::to_string(amount)), account.access, FreshKey());
  BOOST_TEST_INFO("body " << reply.body);
  BOOST_REQUIRE_EQUAL(reply.status, 201);
  BOOST_TEST(reply.Str("/transfer/status") == "pending");
  return reply.Str("/transfer/id");
}

// The ids of the transfers of a page ("/items/N/transfer/id" or, for admin lists, "/items/N/id").
std::vector<std::string> Ids(const e2e::Reply& page, const std::string& suffix) {
  std::vector<std::string> ids;
  for (int i = 0; i < page.Count("/items"); ++i) {
    ids.push_back(page.Str(("/items/" + std::to_string(i) + suffix).c_str()));
  }
  return ids;
}

// Every pending withdrawal the admin sees, following the cursor.
std::set<std::string> PendingWithdrawals(e2e::Api& api, const Account& admin) {
  std::set<std::string> ids;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    const e2e::Reply reply =
        api.Get(kAdminWithdrawals + "?limit=50" + (cursor.empty() ? "" : "&cursor=" + cursor),
                admin.access);
    BOOST_REQUIRE_EQUAL(reply.status, 200);
    for (const std::string& id : Ids(reply, "/id")) ids.insert(id);
    if (reply.IsNull("/next_cursor")) break;
    cursor = reply.Str("/next_cursor");
  }
  return ids;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_new_wallet_is_empty_and_private) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account user = e2e::NewVerifiedAccount(deployment, "empty");

  const e2e::Reply wallet = api.Get(kWallet, user.access);
  BOOST_TEST_INFO("body " << wallet.body);
  BOOST_REQUIRE_EQUAL(wallet.status, 200);
  BOOST_TEST(wallet.Str("/wallet/kind") == "user");
  BOOST_TEST(wallet.Str("/wallet/currency") == "INR");
  BOOST_TEST(wallet.Int("/wallet/balance") == 0);
  BOOST_TEST(wallet.Int("/wallet/available") == 0);
  BOOST_TEST(wallet.Int("/wallet/pending_debits") == 0);
  BOOST_TEST(wallet.Int("/wallet/pending_credits") == 0);
  BOOST_TEST(wallet.Header("Cache-Control") == "no-store");

  const e2e::Reply history = api.Get(kHistory, user.access);
  BOOST_TEST(history.status == 200);
  BOOST_TEST(history.Count("/items") == 0);
  BOOST_TEST(history.IsNull("/next_cursor"));

  CheckError(api.Get(kWallet), 401, "missing_token");
  CheckError(api.Get(kHistory), 401, "missing_token");
  CheckError(api.PostJson(kTopUps, TopUpBody(100, "tok_sandbox_success"), "", FreshKey()), 401,
             "missing_token");
  CheckError(api.Get(kWallet + "?wallet=savings", user.access), 400, "invalid_wallet", "wallet");
  CheckError(api.Get(kWallet + "?wallet=organizer", user.access), kForbidden, "forbidden");

  const Account organizer = e2e::NewVerifiedAccount(deployment, "organizer", "organizer");
  const e2e::Reply organizer_wallet = api.Get(kWallet + "?wallet=organizer", organizer.access);
  BOOST_TEST_INFO("body " << organizer_wallet.body);
  BOOST_TEST(organizer_wallet.status == 200);
  BOOST_TEST(organizer_wallet.Str("/wallet/kind") == "organizer");
  BOOST_TEST(organizer_wallet.Int("/wallet/balance") == 0);
}

BOOST_AUTO_TEST_CASE(a_top_up_is_pending_until_the_signed_callback_posts_it) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account user = e2e::NewVerifiedAccount(deployment, "topup");

  const e2e::Reply started =
      api.PostJson(kTopUps, TopUpBody(5000, "tok_sandbox_success"), user.access, FreshKey());
  BOOST_TEST_INFO("body " << started.body);
  BOOST_REQUIRE_EQUAL(started.status, 201);
  const TopUp topup{started.Str("/topup/transfer/id"), started.Str("/topup/charge_id"), 5000};
  BOOST_TEST(topup.transfer_id.size() == 36u);
  BOOST_TEST(!topup.charge_id.empty());
  BOOST_TEST(started.Str("/topup/transfer/kind") == "credit");
  BOOST_TEST(started.Str("/topup/transfer/status") == "pending");
  BOOST_TEST(started.Int("/topup/transfer/amount") == 5000);
  BOOST_TEST(started.Str("/topup/transfer/currency") == "INR");
  BOOST_TEST(started.Str("/topup/transfer/from/kind") == "gateway_clearing");
  BOOST_TEST(started.Str("/topup/transfer/to/kind") == "user_wallet");
  BOOST_TEST(started.Str("/topup/transfer/to/owner_id") == user.id);
  BOOST_TEST(started.Str("/topup/transfer/created_at").back() == 'Z');
  BOOST_TEST(started.Str("/topup/transfer/expires_at").back() == 'Z');
  BOOST_TEST(started.IsNull("/topup/transfer/resolved_at"));
  BOOST_TEST(started.Has("/topup/transfer/reference"));
  BOOST_TEST(started.Str("/topup/transfer/void_reason") == "");
  BOOST_TEST(started.Str("/topup/transfer/void_note") == "");
  CheckWallet(api, user, 0, 0, 0, 5000);

  // Forged, missing and stale signatures change nothing.
  const std::string payload =
      CallbackPayload(topup.charge_id, topup.transfer_id, 5000, "succeeded");
  std::string tampered = Sign(payload);
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  CheckError(Deliver(api, payload, tampered), 401, "invalid_signature");
  CheckError(Deliver(api, payload, ""), 401, "invalid_signature");
  CheckError(Deliver(api, payload, "v1=deadbeef"), 401, "invalid_signature");
  CheckError(Deliver(api, payload, Sign(payload, Now(), "another-secret-0123456789abcdef0123")),
             401, "invalid_signature");
  CheckError(Deliver(api, payload, Sign(payload, Now() - std::chrono::hours(1))), 401,
             "invalid_signature");
  const e2e::Reply ahead = Deliver(api, payload, Sign(payload, Now() + std::chrono::seconds(400)));
  CheckError(ahead, 401, "signature_not_yet_valid");
  BOOST_TEST(ahead.Str("/error/message").find("ahead") != std::string::npos, ahead.body);
  const std::string richer =
      CallbackPayload(topup.charge_id, topup.transfer_id, 9'000, "succeeded");
  CheckError(Deliver(api, richer, Sign(payload)), 401, "invalid_signature");
  CheckWallet(api, user, 0, 0, 0, 5000);

  const e2e::Reply posted = Deliver(api, payload, Sign(payload));
  CheckResolved(posted, topup.transfer_id, "posted");
  CheckWallet(api, user, 5000, 5000, 0, 0);

  // The gateway retries deliveries: a replay answers the same transfer and moves nothing.
  const e2e::Reply replayed = Deliver(api, payload, Sign(payload));
  BOOST_TEST_INFO("body " << replayed.body);
  BOOST_TEST(replayed.status == 200);
  BOOST_TEST(replayed.Str("/transfer/id") == topup.transfer_id);
  BOOST_TEST(replayed.Str("/transfer/status") == "posted");
  CheckWallet(api, user, 5000, 5000, 0, 0);
}

BOOST_AUTO_TEST_CASE(callbacks_that_do_not_match_are_refused_and_a_decline_voids) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account user = e2e::NewVerifiedAccount(deployment, "mismatch");
  const TopUp topup = StartTopUp(api, user, 3000);

  const std::string more = CallbackPayload(topup.charge_id, topup.transfer_id, 3001, "succeeded");
  CheckError(Deliver(api, more, Sign(more)), 400, "callback_mismatch");
  const std::string dollars =
      CallbackPayload(topup.charge_id, topup.transfer_id, 3000, "succeeded", "USD");
  CheckError(Deliver(api, dollars, Sign(dollars)), 400, "callback_mismatch");
  const std::string unknown =
      CallbackPayload("ch_unknown", "0190f5f0-0000-7000-8000-000000000000", 3000, "succeeded");
  CheckError(Deliver(api, unknown, Sign(unknown)), 404, "transfer_not_found");
  const std::string garbage = "this is not JSON";
  CheckError(Deliver(api, garbage, Sign(garbage)), 400, "malformed_callback");
  const std::string odd_state =
      CallbackPayload(topup.charge_id, topup.transfer_id, 3000, "refunded");
  CheckError(Deliver(api, odd_state, Sign(odd_state)), 400, "malformed_callback");
  CheckWallet(api, user, 0, 0, 0, 3000);

  const e2e::Reply declined = Confirm(api, topup, "declined");
  CheckResolved(declined, topup.transfer_id, "voided");
  CheckWallet(api, user, 0, 0, 0, 0);
}

BOOST_AUTO_TEST_CASE(refused_cards_hold_nothing_and_show_as_voided_credits) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account user = e2e::NewVerifiedAccount(deployment, "decline");

  const httplib::Headers declined_key = FreshKey();
  CheckErrorTwice(
      [&] {
        return api.PostJson(kTopUps, TopUpBody(700, "tok_sandbox_decline"), user.access,
                            declined_key);
      },
      kUnprocessable, "card_declined", "card_token");
  CheckError(api.PostJson(kTopUps, TopUpBody(800, "tok_made_up"), user.access, FreshKey()), 400,
             "invalid_card_token", "card_token");
  CheckWallet(api, user, 0, 0, 0, 0);

  const e2e::Reply history = api.Get(kHistory, user.access);
  BOOST_TEST_INFO("body " << history.body);
  BOOST_REQUIRE_EQUAL(history.status, 200);
  BOOST_REQUIRE_EQUAL(history.Count("/items"), 2);
  BOOST_TEST(history.Str("/items/0/transfer/status") == "voided");
  BOOST_TEST(history.Str("/items/0/transfer/void_reason") == "invalid_card_token");
  BOOST_TEST(history.Int("/items/0/amount") == 800);
  BOOST_TEST(history.IsNull("/items/0/balance_after"));
  BOOST_TEST(history.Str("/items/1/transfer/status") == "voided");
  BOOST_TEST(history.Str("/items/1/transfer/void_reason") == "card_declined");
  BOOST_TEST(history.Str("/items/1/transfer/kind") == "credit");
}

// Issue 13's sequence: retries with another card or a failing gateway must neither reach the
// gateway nor void the charge it took. tok_sandbox_error is the sandbox failing on demand.
BOOST_AUTO_TEST_CASE(a_retried_top_up_never_voids_the_charge_the_gateway_took) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account user = e2e::NewVerifiedAccount(deployment, "retry");
  const httplib::Headers key = FreshKey();

  const e2e::Reply first =
      api.PostJson(kTopUps, TopUpBody(5000, "tok_sandbox_success"), user.access, key);
  BOOST_TEST_INFO("body " << first.body);
  BOOST_REQUIRE_EQUAL(first.status, 201);
  const TopUp topup{first.Str("/topup/transfer/id"), first.Str("/topup/charge_id"), 5000};
  BOOST_TEST(first.Str("/topup/transfer/status") == "pending");

  for (const std::string token : {"tok_sandbox_decline", "tok_sandbox_error"}) {
    BOOST_TEST_CONTEXT("token " << token) {
      CheckError(api.PostJson(kTopUps, TopUpBody(5000, token), user.access, key), kConflict,
                 "idempotency_key_reused", "Idempotency-Key");
    }
  }
  const e2e::Reply again =
      api.PostJson(kTopUps, TopUpBody(5000, "tok_sandbox_success"), user.access, key);
  BOOST_TEST_INFO("body " << again.body);
  BOOST_TEST(again.status == 201);
  BOOST_TEST(again.Str("/topup/transfer/id") == topup.transfer_id);
  BOOST_TEST(again.Str("/topup/transfer/status") == "pending");
  BOOST_TEST(again.Str("/topup/charge_id") == topup.charge_id);
  CheckWallet(api, user, 0, 0, 0, 5000);

  CheckResolved(Confirm(api, topup), topup.transfer_id, "posted");
  const e2e::Reply settled =
      api.PostJson(kTopUps, TopUpBody(5000, "tok_sandbox_success"), user.access, key);
  BOOST_TEST_INFO("body " << settled.body);
  BOOST_TEST(settled.status == 201);
  BOOST_TEST(settled.Str("/topup/transfer/status") == "posted");
  BOOST_TEST(settled.Str("/topup/charge_id") == topup.charge_id);
  CheckWallet(api, user, 5000, 5000, 0, 0);
}

// The gateway did not answer (tok_sandbox_error): the charge may have been taken, so the top-up
// stays pending, a replay repeats the 503, and the gateway's first signed callback names the
// charge.
BOOST_AUTO_TEST_CASE(an_unanswered_charge_stays_pending_until_the_gateway_decides) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account user = e2e::NewVerifiedAccount(deployment, "unanswered");
  const httplib::Headers key = FreshKey();

  CheckErrorTwice(
      [&] { return api.PostJson(kTopUps, TopUpBody(700, "tok_sandbox_error"), user.access, key); },
      kUnavailable, "gateway_unavailable");
  CheckWallet(api, user, 0, 0, 0, 700);
  const e2e::Reply pending = api.Get(kHistory + "?status=pending", user.access);
  BOOST_TEST_INFO("body " << pending.body);
  BOOST_REQUIRE_EQUAL(pending.Count("/items"), 1);
  const TopUp topup{pending.Str("/items/0/transfer/id"), "ch_sandbox_answered_late", 700};

  CheckResolved(Confirm(api, topup), topup.transfer_id, "posted");
  CheckWallet(api, user, 700, 700, 0, 0);
  const TopUp other_charge{topup.transfer_id, "ch_sandbox_bogus", 700};
  CheckError(Confirm(api, other_charge), 400, "callback_mismatch", "payload");
}

BOOST_AUTO_TEST_CASE(a_callback_must_name_the_charge_the_top_up_started) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account user = e2e::NewVerifiedAccount(deployment, "bogus-charge");
  const TopUp topup = StartTopUp(api, user, 2500);
  const TopUp bogus{topup.transfer_id, "ch_sandbox_bogus", topup.amount};
  CheckError(Confirm(api, bogus), 400, "callback_mismatch", "payload");
  CheckError(Confirm(api, bogus, "declined"), 400, "callback_mismatch", "payload");
  CheckWallet(api, user, 0, 0, 0, 2500);
  CheckResolved(Confirm(api, topup), topup.transfer_id, "posted");
  CheckWallet(api, user, 2500, 2500, 0, 0);
}

BOOST_AUTO_TEST_CASE(idempotency_keys_make_retries_safe) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account user = e2e::NewVerifiedAccount(deployment, "idem");
  const httplib::Headers key = FreshKey();

  const e2e::Reply first =
      api.PostJson(kTopUps, TopUpBody(2000, "tok_sandbox_success"), user.access, key);
  BOOST_TEST_INFO("body " << first.body);
  BOOST_REQUIRE_EQUAL(first.status, 201);
  const std::string id = first.Str("/topup/transfer/id");

  // The same request again: the original top-up, 201 like the first answer, nothing new held.
  const e2e::Reply again =
      api.PostJson(kTopUps, TopUpBody(2000, "tok_sandbox_success"), user.access, key);
  BOOST_TEST_INFO("body " << again.body);
  BOOST_TEST(again.status == 201);
  BOOST_TEST(again.Str("/topup/transfer/id") == id);
  CheckWallet(api, user, 0, 0, 0, 2000);

  CheckError(api.PostJson(kTopUps, TopUpBody(2001, "tok_sandbox_success"), user.access, key),
             kConflict, "idempotency_key_reused");

  // Keys belong to their user: another user's identical key is another request.
  const Account other = e2e::NewVerifiedAccount(deployment, "idem-other");
  const e2e::Reply theirs =
      api.PostJson(kTopUps, TopUpBody(2000, "tok_sandbox_success"), other.access, key);
  BOOST_TEST_INFO("body " << theirs.body);
  BOOST_TEST(theirs.status == 201);
  BOOST_TEST(theirs.Str("/topup/transfer/id") != id);

  CheckError(api.PostJson(kTopUps, TopUpBody(2000, "tok_sandbox_success"), user.access), 400,
             "missing_idempotency_key", "Idempotency-Key");
  CheckError(api.PostJson(kWithdrawals, AmountBody("10"), user.access), 400,
             "missing_idempotency_key", "Idempotency-Key");
  CheckError(api.PostJson(kTopUps, TopUpBody(2000, "tok_sandbox_success"), user.access,
                          {{"Idempotency-Key", std::string(201, 'k')}}),
             400, "invalid_idempotency_key", "Idempotency-Key");
  CheckError(api.PostJson(kTopUps, TopUpBody(2000, "tok_sandbox_success"), user.access,
                          {{"Idempotency-Key", "cl\xc3\xa9"}}),
             400, "invalid_idempotency_key", "Idempotency-Key");
  // Two different keys: which one was meant is unknown. The same key twice is one key.
  const std::string key_value = key.begin()->second;
  CheckError(api.PostJson(kTopUps, TopUpBody(2000, "tok_sandbox_success"), user.access,
                          {{"Idempotency-Key", key_value}, {"idempotency-key", "another"}}),
             400, "conflicting_idempotency_keys", "Idempotency-Key");
  CheckError(api.PostJson(kWithdrawals, AmountBody("10"), user.access,
                          {{"Idempotency-Key", "one"}, {"Idempotency-Key", "two"}}),
             400, "conflicting_idempotency_keys", "Idempotency-Key");
  const e2e::Reply doubled =
      api.PostJson(kTopUps, TopUpBody(2000, "tok_sandbox_success"), user.access,
                   {{"Idempotency-Key", key_value}, {"Idempotency-Key", key_value}});
  BOOST_TEST_INFO("body " << doubled.body);
  BOOST_TEST(doubled.status == 201);
  BOOST_TEST(doubled.Str("/topup/transfer/id") == id);
  // 200 characters are fine.
  BOOST_TEST(api.PostJson(kWithdrawals, AmountBody("10"), user.access,
                          {{"Idempotency-Key", std::string(200, 'k')}})
                 .status != 400);
  CheckWallet(api, user, 0, 0, 0, 2000);
}

BOOST_AUTO_TEST_CASE(bad_amounts_are_refused_naming_the_field) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account user = e2e::NewVerifiedAccount(deployment, "amounts");
  const auto top_up = [&](const std::string& body) {
    return api.PostJson(kTopUps, body, user.access, FreshKey());
  };
  const std::string card = ",\"card_token\":\"tok_sandbox_success\"}";

  for (const std::string amount : {"0", "-5"}) {
    const e2e::Reply reply = top_up("{\"amount\":" + amount + card);
    BOOST_TEST_CONTEXT("amount " << amount << ", body " << reply.body) {
      BOOST_TEST(reply.status == 400);
      BOOST_TEST(reply.Str("/error/field") == "amount");
    }
  }
  const e2e::Reply too_much = top_up(TopUpBody(kMaxTopUp + 1, "tok_sandbox_success"));
  BOOST_TEST_INFO("body " << too_much.body);
  BOOST_TEST(too_much.status == 400);
  BOOST_TEST(too_much.Str("/error/field") == "amount");

  CheckError(top_up("{\"amount\":\"100\"" + card), 400, "invalid_type", "amount");
  CheckError(top_up("{\"amount\":10.5" + card), 400, "invalid_type", "amount");
  CheckError(top_up("{\"amount\":100.0" + card), 400, "invalid_type", "amount");
  CheckError(top_up("{\"amount\":1e3" + card), 400, "invalid_type", "amount");
  CheckError(top_up("{\"amount\":true" + card), 400, "invalid_type", "amount");
  CheckError(top_up("{\"amount\":99999999999999999999" + card), 400, "out_of_range", "amount");
  CheckError(top_up("{\"amount\":9223372036854775808" + card), 400, "out_of_range", "amount");
  CheckError(top_up("{\"amount\":-9223372036854775809" + card), 400, "out_of_range", "amount");
  CheckError(top_up("{\"card_token\":\"tok_sandbox_success\"}"), 400, "missing_field", "amount");
  CheckError(top_up("{\"amount\":null" + card), 400, "missing_field", "amount");
  CheckError(top_up("{\"amount\":100}"), 400, "missing_field", "card_token");
  CheckError(top_up("{\"amount\":100,\"card_token\":7}"), 400, "invalid_type", "card_token");
  CheckError(top_up(TopUpBody(100, "tok_sandbox_success", "savings")), 400, "invalid_wallet",
             "wallet");
  CheckError(top_up("{\"amount\":"), 400, "malformed_json");
  CheckError(top_up("[100]"), 400, "invalid_body");
  CheckError(api.Send("POST", kTopUps, TopUpBody(100, "tok_sandbox_success"), "text/plain",
                      user.access, FreshKey()),
             415, "unsupported_media_type");

  const auto withdraw = [&](const std::string& amount) {
    return api.PostJson(kWithdrawals, AmountBody(amount), user.access, FreshKey());
  };
  const e2e::Reply zero = withdraw("0");
  BOOST_TEST_INFO("body " << zero.body);
  BOOST_TEST(zero.status == 400);
  BOOST_TEST(zero.Str("/error/field") == "amount");
  CheckError(withdraw("\"5\""), 400, "invalid_type", "amount");
  CheckError(withdraw("5.5"), 400, "invalid_type", "amount");
  CheckError(withdraw("18446744073709551616"), 400, "out_of_range", "amount");
  CheckWallet(api, user, 0, 0, 0, 0);
}

BOOST_AUTO_TEST_CASE(withdrawals_hold_funds_until_an_admin_decides) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account user = e2e::NewVerifiedAccount(deployment, "withdraw");
  Fund(api, user, 10'000);

  const e2e::Reply requested =
      api.PostJson(kWithdrawals, AmountBody("4000"), user.access, FreshKey());
  BOOST_TEST_INFO("body " << requested.body);
  BOOST_REQUIRE_EQUAL(requested.status, 201);
  const std::string approved_id = requested.Str("/transfer/id");
  BOOST_TEST(requested.Str("/transfer/kind") == "withdrawal");
  BOOST_TEST(requested.Str("/transfer/status") == "pending");
  BOOST_TEST(requested.Int("/transfer/amount") == 4000);
  BOOST_TEST(requested.Str("/transfer/from/kind") == "user_wallet");
  BOOST_TEST(requested.Str("/transfer/from/owner_id") == user.id);
  CheckWallet(api, user, 10'000, 6000, 4000, 0);

  CheckError(api.PostJson(kWithdrawals, AmountBody("7000"), user.access, FreshKey()),
             kUnprocessable, "insufficient_funds");
  const std::string declined_id = Withdraw(api, user, 1500);
  CheckWallet(api, user, 10'000, 4500, 5500, 0);

  const Account admin = e2e::NewAdmin(deployment, "wallet-admin");
  CheckError(api.Get(kAdminWithdrawals, user.access), kForbidden, "forbidden");
  const std::set<std::string> pending = PendingWithdrawals(api, admin);
  BOOST_TEST(pending.count(approved_id) == 1u);
  BOOST_TEST(pending.count(declined_id) == 1u);

  const e2e::Reply first_page = api.Get(kAdminWithdrawals + "?limit=1", admin.access);
  BOOST_TEST_INFO("body " << first_page.body);
  BOOST_TEST(first_page.status == 200);
  BOOST_TEST(first_page.Count("/items") == 1);
  BOOST_TEST(first_page.Str("/items/0/status") == "pending");
  BOOST_TEST(first_page.Str("/items/0/kind") == "withdrawal");
  BOOST_TEST(!first_page.IsNull("/next_cursor"));
  const e2e::Reply second_page = api.Get(
      kAdminWithdrawals + "?limit=1&cursor=" + first_page.Str("/next_cursor"), admin.access);
  BOOST_TEST(second_page.status == 200);
  BOOST_TEST(second_page.Count("/items") == 1);
  BOOST_TEST(second_page.Str("/items/0/id") != first_page.Str("/items/0/id"));
  CheckError(api.Get(kAdminWithdrawals + "?limit=many", admin.access), 400, "invalid_limit",
             "limit");

  const std::string approve = kAdminWithdrawals + "/" + approved_id + "/approve";
  CheckError(api.Send("POST", approve, "", "", user.access), kForbidden, "forbidden");
  const e2e::Reply approved = api.Send("POST", approve, "", "", admin.access);
  BOOST_TEST_INFO("body " << approved.body);
  BOOST_REQUIRE_EQUAL(approved.status, 200);
  BOOST_TEST(approved.Str("/transfer/id") == approved_id);
  BOOST_TEST(approved.Str("/transfer/status") == "posted");
  BOOST_TEST(approved.Str("/transfer/to/kind") == "withdrawals_payable");
  CheckWallet(api, user, 6000, 4500, 1500, 0);

  const std::string decline = kAdminWithdrawals + "/" + declined_id + "/decline";
  CheckError(api.PostJson(decline, "{}", admin.access), 400, "missing_field", "reason");
  CheckError(api.PostJson(decline, e2e::JsonObject({{"reason", "no"}}), user.access), kForbidden,
             "forbidden");
  const e2e::Reply declined =
      api.PostJson(decline, e2e::JsonObject({{"reason", "bank account closed"}}), admin.access);
  BOOST_TEST_INFO("body " << declined.body);
  BOOST_REQUIRE_EQUAL(declined.status, 200);
  BOOST_TEST(declined.Str("/transfer/id") == declined_id);
  BOOST_TEST(declined.Str("/transfer/status") == "voided");
  BOOST_TEST(declined.Str("/transfer/void_reason") == "declined");
  BOOST_TEST(declined.Str("/transfer/void_note") == "bank account closed");
  CheckWallet(api, user, 6000, 6000, 0, 0);  // the declined funds are available again

  CheckError(
      api.Send("POST", kAdminWithdrawals + "/" + declined_id + "/approve", "", "", admin.access),
      kUnprocessable, "transfer_voided");
  CheckError(api.Send("POST", kAdminWithdrawals + "/0190f5f0-0000-7000-8000-000000000000/approve",
                      "", "", admin.access),
             404, "transfer_not_found");
  const std::set<std::string> after = PendingWithdrawals(api, admin);
  BOOST_TEST(after.count(approved_id) == 0u);
  BOOST_TEST(after.count(declined_id) == 0u);

  // Owners cancel their own pending withdrawals; decided ones are too late.
  const auto cancel = [&](const std::string& id, const Account& who) {
    return api.Send("POST", kWithdrawals + "/" + id + "/cancel", "", "", who.access);
  };
  const std::string cancelled_id = Withdraw(api, user, 2500);
  CheckWallet(api, user, 6000, 3500, 2500, 0);
  CheckError(cancel(cancelled_id, admin), 404, "transfer_not_found");
  CheckError(cancel(approved_id + "x", user), 404, "transfer_not_found");
  CheckError(api.Send("POST", kWithdrawals + "/" + cancelled_id + "/cancel", "", ""), 401,
             "missing_token");
  const e2e::Reply cancelled = cancel(cancelled_id, user);
  CheckResolved(cancelled, cancelled_id, "voided");
  BOOST_TEST(cancelled.Str("/transfer/void_reason") == "cancelled");
  CheckWallet(api, user, 6000, 6000, 0, 0);
  CheckError(cancel(cancelled_id, user), kUnprocessable, "transfer_voided");
  CheckError(cancel(approved_id, user), kUnprocessable, "transfer_posted");
  CheckError(cancel(declined_id, user), kUnprocessable, "transfer_voided");
  BOOST_TEST(PendingWithdrawals(api, admin).count(cancelled_id) == 0u);
}

// Issue 14: the reason an admin gives is a note. A decline that says "expired" is a decline for
// every later read and decision: no expiry, no owner's cancel.
BOOST_AUTO_TEST_CASE(a_decline_whose_reason_says_expired_stays_a_decline) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account user = e2e::NewVerifiedAccount(deployment, "declined-expired");
  const Account admin = e2e::NewAdmin(deployment, "declining-admin");
  Fund(api, user, 3000);
  const std::string id = Withdraw(api, user, 1200);

  const e2e::Reply declined = api.PostJson(kAdminWithdrawals + "/" + id + "/decline",
                                           e2e::JsonObject({{"reason", "expired"}}), admin.access);
  CheckResolved(declined, id, "voided");
  BOOST_TEST(declined.Str("/transfer/void_reason") == "declined");
  BOOST_TEST(declined.Str("/transfer/void_note") == "expired");
  BOOST_TEST(declined.IsNull("/transfer/expires_at"));
  CheckWallet(api, user, 3000, 3000, 0, 0);

  const e2e::Reply history = api.Get(kHistory + "?status=voided", user.access);
  BOOST_TEST_INFO("body " << history.body);
  BOOST_REQUIRE_EQUAL(history.status, 200);
  BOOST_REQUIRE_EQUAL(history.Count("/items"), 1);
  BOOST_TEST(history.Str("/items/0/transfer/id") == id);
  BOOST_TEST(history.Str("/items/0/transfer/void_reason") == "declined");
  BOOST_TEST(history.Str("/items/0/transfer/void_note") == "expired");
  BOOST_TEST(history.Str("/items/0/transfer/resolved_at") == declined.Str("/transfer/resolved_at"));

  CheckError(api.Send("POST", kAdminWithdrawals + "/" + id + "/approve", "", "", admin.access),
             kUnprocessable, "transfer_voided");
  CheckError(api.Send("POST", kWithdrawals + "/" + id + "/cancel", "", "", user.access),
             kUnprocessable, "transfer_voided");
  const e2e::Reply again = api.PostJson(kAdminWithdrawals + "/" + id + "/decline",
                                        e2e::JsonObject({{"reason", "other"}}), admin.access);
  CheckResolved(again, id, "voided");
  BOOST_TEST(again.Str("/transfer/void_reason") == "declined");
  BOOST_TEST(again.Str("/transfer/void_note") == "expired");
  CheckWallet(api, user, 3000, 3000, 0, 0);
}

BOOST_AUTO_TEST_CASE(history_pages_newest_first_and_filters) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account user = e2e::NewVerifiedAccount(deployment, "history");
  const eventify::Timestamp before = Now() - std::chrono::seconds(5);
  const std::string funded_1000 = Fund(api, user, 1000);
  const std::string funded_2000 = Fund(api, user, 2000);
  const std::string pending_500 = StartTopUp(api, user, 500).transfer_id;
  const std::string withdrawal_300 = Withdraw(api, user, 300);
  const std::vector<std::string> newest_first = {withdrawal_300, pending_500, funded_2000,
                                                 funded_1000};

  // Two pages of two, following the cursor.
  const e2e::Reply page1 = api.Get(kHistory + "?limit=2", user.access);
  BOOST_TEST_INFO("body " << page1.body);
  BOOST_REQUIRE_EQUAL(page1.status, 200);
  BOOST_REQUIRE_EQUAL(page1.Count("/items"), 2);
  BOOST_REQUIRE(!page1.IsNull("/next_cursor"));
  const e2e::Reply page2 =
      api.Get(kHistory + "?limit=2&cursor=" + page1.Str("/next_cursor"), user.access);
  BOOST_TEST_INFO("body " << page2.body);
  BOOST_REQUIRE_EQUAL(page2.status, 200);
  std::vector<std::string> ids = Ids(page1, "/transfer/id");
  for (const std::string& id : Ids(page2, "/transfer/id")) ids.push_back(id);
  BOOST_TEST(ids == newest_first, boost::test_tools::per_element());
  if (!page2.IsNull("/next_cursor")) {
    const e2e::Reply page3 =
        api.Get(kHistory + "?limit=2&cursor=" + page2.Str("/next_cursor"), user.access);
    BOOST_TEST(page3.status == 200);
    BOOST_TEST(page3.Count("/items") == 0);
  }

  // Each line from the wallet's view: signed amounts, the balance once posted.
  const e2e::Reply all = api.Get(kHistory, user.access);
  BOOST_REQUIRE_EQUAL(all.Count("/items"), 4);
  BOOST_TEST(all.Int("/items/0/amount") == -300);
  BOOST_TEST(all.IsNull("/items/0/balance_after"));
  BOOST_TEST(all.Str("/items/0/transfer/kind") == "withdrawal");
  BOOST_TEST(all.Str("/items/0/transfer/status") == "pending");
  BOOST_TEST(all.Str("/items/0/counterparty/kind") == "withdrawals_payable");
  BOOST_TEST(all.Int("/items/1/amount") == 500);
  BOOST_TEST(all.IsNull("/items/1/balance_after"));
  BOOST_TEST(all.Int("/items/2/amount") == 2000);
  BOOST_TEST(all.Int("/items/2/balance_after") == 3000);
  BOOST_TEST(all.Str("/items/2/counterparty/kind") == "gateway_clearing");
  BOOST_TEST(all.Int("/items/3/amount") == 1000);
  BOOST_TEST(all.Int("/items/3/balance_after") == 1000);
  BOOST_TEST(all.Int("/items/3/transfer/amount") == 1000);

  const auto count = [&](const std::string& query) {
    const e2e::Reply reply = api.Get(kHistory + "?" + query, user.access);
    BOOST_TEST_INFO("query " << query << ", body " << reply.body);
    BOOST_TEST(reply.status == 200);
    return reply.Count("/items");
  };
  BOOST_TEST(count("kind=withdrawal") == 1);
  BOOST_TEST(count("kind=credit") == 3);
  BOOST_TEST(count("status=pending") == 2);
  BOOST_TEST(count("status=posted") == 2);
  BOOST_TEST(count("kind=credit&status=posted") == 2);
  BOOST_TEST(count("kind=refund") == 0);
  const std::string past = eventify::FormatTimestamp(before);
  const std::string future = eventify::FormatTimestamp(Now() + std::chrono::hours(1));
  BOOST_TEST(count("from=" + past) == 4);
  BOOST_TEST(count("from=" + past + "&until=" + future) == 4);
  BOOST_TEST(count("from=" + future) == 0);
  BOOST_TEST(count("until=" + past) == 0);
  BOOST_TEST(count("from=2000-01-01T05:30:00%2B05:30&limit=100") == 4);  // a numeric offset

  // Unknown kind and status names: the library's code (parsing names is its job), our field.
  for (const auto& [query, field] : {std::pair{"kind=gift", "kind"}, {"status=lost", "status"}}) {
    const e2e::Reply reply = api.Get(kHistory + "?" + query, user.access);
    BOOST_TEST_CONTEXT("query " << query << ", body " << reply.body) {
      BOOST_TEST(reply.status == 400);
      BOOST_TEST(reply.HasErrorShape());
      BOOST_TEST(reply.Str("/error/field") == field);
    }
  }
  CheckError(api.Get(kHistory + "?limit=ten", user.access), 400, "invalid_limit", "limit");
  CheckError(api.Get(kHistory + "?limit=2.5", user.access), 400, "invalid_limit", "limit");
  CheckError(api.Get(kHistory + "?limit=0", user.access), 400, "invalid_limit", "limit");
  CheckError(api.Get(kHistory + "?limit=101", user.access), 400, "invalid_limit", "limit");
  CheckError(api.Get(kHistory + "?from=yesterday", user.access), 400, "invalid_timestamp", "from");
  CheckError(api.Get(kHistory + "?until=2026-13-45T00:00:00Z", user.access), 400,
             "invalid_timestamp", "until");
  CheckError(api.Get(kHistory + "?cursor=not-a-cursor", user.access), 400, "invalid_cursor",
             "cursor");
  CheckError(api.Get(kHistory + "?wallet=savings", user.access), 400, "invalid_wallet", "wallet");

  // Another user sees none of it.
  const Account other = e2e::NewVerifiedAccount(deployment, "history-other");
  BOOST_TEST(api.Get(kHistory, other.access).Count("/items") == 0);
}

BOOST_AUTO_TEST_CASE(the_ledger_audit_is_clean_over_http_and_on_the_command_line) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account user = e2e::NewVerifiedAccount(deployment, "audit");
  Fund(api, user, 1234);
  const Account admin = e2e::NewAdmin(deployment, "audit-admin");

  const e2e::Reply audit = api.Get(kAudit, admin.access);
  BOOST_TEST_INFO("body " << audit.body);
  BOOST_REQUIRE_EQUAL(audit.status, 200);
  BOOST_TEST(audit.Bool("/clean"));
  BOOST_TEST(audit.Count("/discrepancies") == 0);
  BOOST_TEST(audit.Int("/accounts_checked") > 0);
  BOOST_TEST(audit.Int("/transfers_checked") > 0);
  CheckError(api.Get(kAudit, user.access), kForbidden, "forbidden");
  CheckError(api.Get(kAudit), 401, "missing_token");

  const e2e::Completed cli = deployment.Run({"ledger", "audit"});
  BOOST_TEST_INFO("stdout: " << cli.out << "\nstderr: " << cli.err);
  BOOST_TEST(cli.status.exited);
  BOOST_TEST(cli.status.code == 0);
  BOOST_TEST(cli.out.find("clean") != std::string::npos);

  const e2e::Completed no_command = deployment.Run({"ledger"});
  BOOST_TEST(no_command.status.code == 2);
  const e2e::Completed unknown = deployment.Run({"ledger", "fix"});
  BOOST_TEST(unknown.status.code == 2);
  const e2e::Completed bad_flag = deployment.Run({"ledger", "audit", "--no.such.key=1"});
  BOOST_TEST(bad_flag.status.code == 2);
  BOOST_TEST(bad_flag.err.find("no.such.key") != std::string::npos, bad_flag.err);
}

BOOST_AUTO_TEST_CASE(bad_wallet_configuration_exits_2_naming_the_key) {
  const auto& scratch = TheDeployment().scratch();
  const std::string data = "--data_dir=" + (scratch / "unused").string();
  const auto run = [&](std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), kServer);
    args.push_back(data);
    return e2e::RunProgram(args, env, scratch);
  };

  const e2e::Completed secret_flag =
      run({"--payments.webhook_secret=0123456789abcdef0123456789abcdef"});
  BOOST_TEST(secret_flag.status.code == 2);
  BOOST_TEST(secret_flag.err.find("EVENTIFY_PAYMENTS_WEBHOOK_SECRET") != std::string::npos,
             secret_flag.err);
  const e2e::Completed gateway = run({"--payments.gateway=stripe"});
  BOOST_TEST(gateway.status.code == 2);
  BOOST_TEST(gateway.err.find("payments.gateway") != std::string::npos, gateway.err);
  const e2e::Completed currency = run({"--currency=inr"});
  BOOST_TEST(currency.status.code == 2);
  BOOST_TEST(currency.err.find("currency") != std::string::npos, currency.err);
  const e2e::Completed max = run({"--wallets.max_topup_amount=0"});
  BOOST_TEST(max.status.code == 2);
  BOOST_TEST(max.err.find("wallets.max_topup_amount") != std::string::npos, max.err);
  const e2e::Completed timeout = run({"--wallets.topup_timeout=soon"});
  BOOST_TEST(timeout.status.code == 2);
  BOOST_TEST(timeout.err.find("wallets.topup_timeout") != std::string::npos, timeout.err);
  const e2e::Completed short_secret =
      run({"--listen.port=0"}, {"EVENTIFY_PAYMENTS_WEBHOOK_SECRET=too-short"});
  BOOST_TEST(short_secret.status.code == 2);
  BOOST_TEST(short_secret.err.find("webhook_secret_too_short") != std::string::npos,
             short_secret.err);

  const e2e::Completed help = e2e::RunProgram({kServer, "--help"}, {}, scratch);
  BOOST_TEST(help.status.code == 0);
  BOOST_TEST(help.out.find("payments.webhook_secret") != std::string::npos);
  BOOST_TEST(help.out.find("wallets.topup_timeout") != std::string::npos);
  BOOST_TEST(help.out.find("ledger audit") != std::string::npos);
}

// A second server on its own data, without a webhook secret in its environment: it generates
// webhook.key, which the test then signs with; top-ups expire after 4 seconds there, and every read
// says so at once (no sweep runs).
BOOST_AUTO_TEST_CASE(a_generated_webhook_key_signs_callbacks_and_late_ones_are_refused) {
  e2e::Deployment deployment(kServer, {"--wallets.topup_timeout=4s"});
  e2e::Api api = deployment.api();

  const auto path = deployment.data_dir() / "webhook.key";
  struct stat info {};
  BOOST_REQUIRE(::stat(path.c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 0777) == 0600u);
  std::string secret;
  std::getline(std::ifstream(path), secret);
  BOOST_TEST(secret.size() == 64u);  // 32 random bytes, hex

  const Account user = e2e::NewVerifiedAccount(deployment, "expiry");
  const TopUp late = StartTopUp(api, user, 800);
  const TopUp prompt = StartTopUp(api, user, 900);
  const std::string prompt_payload =
      CallbackPayload(prompt.charge_id, prompt.transfer_id, prompt.amount, "succeeded");
  const e2e::Reply posted = Deliver(api, prompt_payload, Sign(prompt_payload, Now(), secret));
  BOOST_TEST_INFO("body " << posted.body);
  BOOST_TEST(posted.status == 200);
  BOOST_TEST(posted.Str("/transfer/status") == "posted");
  // The suite's secret is not this server's.
  CheckError(Deliver(api, prompt_payload, Sign(prompt_payload)), 401, "invalid_signature");

  CheckWallet(api, user, 900, 900, 0, 800);
  std::this_thread::sleep_for(std::chrono::milliseconds(4500));
  CheckWallet(api, user, 900, 900, 0, 0);
  BOOST_TEST(api.Get(kHistory + "?status=pending", user.access).Count("/items") == 0);
  const e2e::Reply expired = api.Get(kHistory + "?status=voided", user.access);
  BOOST_TEST_INFO("body " << expired.body);
  BOOST_REQUIRE_EQUAL(expired.Count("/items"), 1);
  BOOST_TEST(expired.Str("/items/0/transfer/id") == late.transfer_id);
  BOOST_TEST(expired.Str("/items/0/transfer/void_reason") == "expired");
  BOOST_TEST(expired.Str("/items/0/transfer/resolved_at") ==
             expired.Str("/items/0/transfer/expires_at"));
  const std::string late_payload =
      CallbackPayload(late.charge_id, late.transfer_id, late.amount, "succeeded");
  CheckError(Deliver(api, late_payload, Sign(late_payload, Now(), secret)), kUnprocessable,
             "transfer_expired");
  CheckWallet(api, user, 900, 900, 0, 0);

  std::string log;
  const e2e::ExitStatus status = deployment.Stop(log);
  BOOST_TEST_INFO("stderr: " << log);
  BOOST_TEST(status.exited, e2e::Describe(status));
  BOOST_TEST(status.code == 0);
}

// Last: stops the shared server.
BOOST_AUTO_TEST_CASE(sigterm_stops_the_server_with_exit_code_0) {
  e2e::CheckStopsCleanly(TheDeployment());
}
