// End to end, what operators and browsers see of the server (docs/operations.md, docs/http.md):
// request ids in headers, error bodies and the log; CORS; /healthz and /readyz; /metrics after
// some requests; the HTTP rate limits per address, per user and on the authentication routes;
// approved events announced on the WebSocket. Each limit has its own server, with limits small
// enough to reach in a few requests (one token an hour: nothing refills during a test).
#define BOOST_TEST_MODULE e2e_ops
#include <boost/test/unit_test.hpp>

#include <string>

#include "e2e_client.h"
#include "ws_client.h"

namespace eventify::testing {
namespace {

using e2e::CheckError;

constexpr char kServer[] = EVENTIFY_SERVER_PATH;
constexpr char kOrigin[] = "https://app.example.com";

e2e::Deployment& TheDeployment() {
  static e2e::Deployment deployment(kServer, {std::string("--http.cors.allowed_origins=") +
                                                  kOrigin + ",http://localhost:3000",
                                              "--http.cors.max_age=120"});
  return deployment;
}

// The Retry-After of a one-token-an-hour bucket: an hour, less the moments the test took.
void CheckHourlyRetryAfter(const e2e::Reply& reply) {
  const int seconds = std::stoi(reply.Header("Retry-After"));
  BOOST_TEST(seconds <= 3600);
  BOOST_TEST(seconds > 3500);
}

BOOST_AUTO_TEST_CASE(request_id_in_header_error_body_and_log) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const e2e::Reply traced =
      api.Send("GET", "/api/v1/nowhere", "", "", "", {{"X-Request-Id", "trace-42.a_b"}});
  BOOST_TEST(traced.status == 404);
  BOOST_TEST(traced.Header("X-Request-Id") == "trace-42.a_b");
  BOOST_TEST(traced.body ==
             "{\"error\":{\"code\":\"not_found\",\"message\":\"no route for /api/v1/nowhere\","
             "\"request_id\":\"trace-42.a_b\"}}");

  // An id that is not sane (a space, or too long) is replaced by a new one.
  for (const std::string bad : {std::string("two words"), std::string(65, 'x')}) {
    const e2e::Reply replaced = api.Send("GET", "/api/v1/me", "", "", "", {{"X-Request-Id", bad}});
    CheckError(replaced, 401, "missing_token");
    BOOST_TEST(replaced.Header("X-Request-Id").size() == 16u);
    BOOST_TEST(replaced.Str("/error/request_id") == replaced.Header("X-Request-Id"));
  }
  // A success has the header too, and no body member.
  const e2e::Reply health = api.Send("GET", "/healthz", "", "", "", {{"X-Request-Id", "hz-1"}});
  BOOST_TEST(health.status == 200);
  BOOST_TEST(health.body == "{\"status\":\"ok\"}");
  BOOST_TEST(health.Header("X-Request-Id") == "hz-1");

  // The access log names the request by its id, and never a secret of the request.
  const e2e::Reply login =
      api.Send("POST", "/api/v1/auth/login?password=query-secret",
               e2e::JsonObject({{"email", "nobody@example.com"}, {"password", "Body-Secret-99"}}),
               "application/json", "a-bearer-token", {{"X-Request-Id", "login-7"}});
  BOOST_TEST(login.status == 401);
  BOOST_TEST(login.Str("/error/request_id") == "login-7");
  std::string log;
  BOOST_REQUIRE(deployment.Stop(log).exited);
  BOOST_TEST(log.find("GET /api/v1/nowhere 404") != std::string::npos);
  BOOST_TEST(log.find("id=trace-42.a_b") != std::string::npos);
  BOOST_TEST(log.find("POST /api/v1/auth/login 401") != std::string::npos);
  BOOST_TEST(log.find("id=login-7") != std::string::npos);
  for (const char* secret : {"query-secret", "Body-Secret-99", "a-bearer-token"}) {
    BOOST_TEST(log.find(secret) == std::string::npos, secret);
  }
}

BOOST_AUTO_TEST_CASE(cors_preflight_allowed_and_refused) {
  e2e::Api api = TheDeployment().api();
  const e2e::Reply allowed =
      api.Send("OPTIONS", "/api/v1/bookings", "", "", "",
               {{"Origin", kOrigin},
                {"Access-Control-Request-Method", "POST"},
                {"Access-Control-Request-Headers", "authorization, content-type, idempotency-key"}});
  BOOST_TEST(allowed.status == 204);
  BOOST_TEST(allowed.body == "");
  BOOST_TEST(allowed.Header("Access-Control-Allow-Origin") == kOrigin);
  BOOST_TEST(allowed.Header("Access-Control-Allow-Methods") ==
             "GET, HEAD, POST, PUT, PATCH, DELETE");
  BOOST_TEST(allowed.Header("Access-Control-Allow-Headers") ==
             "Authorization, Content-Type, Idempotency-Key, X-Request-Id");
  BOOST_TEST(allowed.Header("Access-Control-Max-Age") == "120");
  BOOST_TEST(allowed.Header("Access-Control-Allow-Credentials") == "");
  BOOST_TEST(allowed.Header("Vary") == "Origin");

  const e2e::Reply refused = api.Send(
      "OPTIONS", "/api/v1/bookings", "", "", "",
      {{"Origin", "https://evil.example.com"}, {"Access-Control-Request-Method", "POST"}});
  CheckError(refused, 403, "cors_origin_not_allowed");
  BOOST_TEST(refused.Str("/error/message") == "this origin may not call the API from a browser");
  BOOST_TEST(refused.Header("Access-Control-Allow-Origin") == "");

  const e2e::Reply bad_method = api.Send(
      "OPTIONS", "/api/v1/bookings", "", "", "",
      {{"Origin", kOrigin}, {"Access-Control-Request-Method", "TRACE"}});
  CheckError(bad_method, 403, "cors_method_not_allowed");

  // The answer itself: readable by the allowed origin, with Retry-After and X-Request-Id exposed.
  const e2e::Reply answer = api.Send("GET", "/api/v1/me", "", "", "", {{"Origin", kOrigin}});
  CheckError(answer, 401, "missing_token");
  BOOST_TEST(answer.Header("Access-Control-Allow-Origin") == kOrigin);
  BOOST_TEST(answer.Header("Access-Control-Expose-Headers") ==
             "Retry-After, X-Request-Id, Location, WWW-Authenticate");
  const e2e::Reply other = api.Send("GET", "/api/v1/categories", "", "", "",
                                    {{"Origin", "https://evil.example.com"}});
  BOOST_TEST(other.status == 200);
  BOOST_TEST(other.Header("Access-Control-Allow-Origin") == "");
  // OPTIONS that is not a preflight is an ordinary request: the path takes no OPTIONS.
  CheckError(api.Send("OPTIONS", "/api/v1/categories", "", ""), 405, "method_not_allowed");
}

BOOST_AUTO_TEST_CASE(healthz_and_readyz_without_redis) {
  e2e::Api api = TheDeployment().api();
  const e2e::Reply live = api.Get("/healthz");
  BOOST_TEST(live.status == 200);
  BOOST_TEST(live.body == "{\"status\":\"ok\"}");
  const e2e::Reply ready = api.Get("/readyz");
  BOOST_TEST(ready.status == 200);
  BOOST_TEST(ready.body ==
             "{\"status\":\"ready\",\"checks\":{\"database\":\"ok\",\"redis\":\"not_configured\"}}");
  BOOST_TEST(ready.Header("Cache-Control") == "no-store");
}

// The count on the line of `series` (name and labels as written), or -1 when there is none.
long long MetricValue(const std::string& page, const std::string& series) {
  const std::string prefix = series + " ";
  std::size_t at = 0;
  while ((at = page.find(prefix, at)) != std::string::npos) {
    if (at == 0 || page[at - 1] == '\n') {
      return std::stoll(page.substr(at + prefix.size()));
    }
    at += prefix.size();
  }
  return -1;
}

BOOST_AUTO_TEST_CASE(metrics_count_by_route_pattern_and_status_class) {
  e2e::Deployment deployment(kServer);  // a server of its own: counts start at zero
  e2e::Api api = deployment.api();
  for (int i = 0; i < 3; ++i) BOOST_TEST(api.Get("/api/v1/categories").status == 200);
  BOOST_TEST(api.Get("/api/v1/events/no-such-event").status == 404);
  BOOST_TEST(api.Get("/api/v1/events/another-one").status == 404);
  BOOST_TEST(api.Get("/no/route").status == 404);
  const e2e::Reply metrics = api.Get("/metrics");
  BOOST_TEST(metrics.status == 200);
  BOOST_TEST(metrics.Header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  const std::string& page = metrics.body;
  BOOST_TEST(MetricValue(page, "eventify_http_requests_total{method=\"GET\",route=\"/api/v1/"
                               "categories\",status=\"2xx\"}") == 3);
  BOOST_TEST(MetricValue(page, "eventify_http_requests_total{method=\"GET\",route=\"/api/v1/"
                               "events/{}\",status=\"4xx\"}") == 2);
  BOOST_TEST(MetricValue(
                 page, "eventify_http_requests_total{method=\"\",route=\"(unmatched)\",status=\"4xx\"}") ==
             1);
  // The raw paths never become series.
  BOOST_TEST(page.find("no-such-event") == std::string::npos);
  BOOST_TEST(page.find("/no/route") == std::string::npos);
  BOOST_TEST(MetricValue(page, "eventify_http_request_duration_seconds_count{method=\"GET\","
                               "route=\"/api/v1/categories\"}") == 3);
  BOOST_TEST(MetricValue(page, "eventify_http_request_duration_seconds_bucket{method=\"GET\","
                               "route=\"/api/v1/categories\",le=\"+Inf\"}") == 3);
  BOOST_TEST(MetricValue(page, "eventify_ws_connections") == 0);
  BOOST_TEST(MetricValue(page, "eventify_http_rate_limited_total") == 0);
  for (const char* family :
       {"# TYPE eventify_http_requests_total counter",
        "# TYPE eventify_http_request_duration_seconds histogram",
        "# TYPE eventify_ws_connections gauge", "# TYPE eventify_hub_frames_routed_total counter",
        "# TYPE eventify_pipeline_queued_operations gauge",
        "# TYPE eventify_pipeline_batch_size histogram", "# TYPE eventify_jobs_runs_total counter"}) {
    BOOST_TEST(page.find(family) != std::string::npos, family);
  }
  // A socket that authenticated counts as open while it is.
  const e2e::Account ann = e2e::NewVerifiedAccount(deployment, "metrics-ann");
  {
    e2e::WsClient socket(deployment.server().ws_port(), "/ws/notifications/");
    BOOST_REQUIRE(socket.status() == 101);
    socket.Authenticate(ann.access);
    BOOST_REQUIRE(socket.WaitFor("ready"));
    const std::string open = api.Get("/metrics").body;
    BOOST_TEST(MetricValue(open, "eventify_ws_connections") == 1);
    BOOST_TEST(MetricValue(open, "eventify_hub_frames_routed_total") >= 1);
  }
}

BOOST_AUTO_TEST_CASE(per_address_limit_answers_429_with_retry_after) {
  e2e::Deployment deployment(kServer, {"--http.rate_limit.per_address=1/h",
                                       "--http.rate_limit.per_address_burst=3"});
  e2e::Api api = deployment.api();
  for (int i = 0; i < 3; ++i) BOOST_TEST(api.Get("/api/v1/categories").status == 200);
  const e2e::Reply limited = api.Send("GET", "/api/v1/categories", "", "", "",
                                      {{"X-Request-Id", "limited-1"}});
  BOOST_TEST(limited.status == 429);
  BOOST_TEST(limited.body ==
             "{\"error\":{\"code\":\"rate_limited\",\"message\":\"too many requests from this "
             "address; retry after the time in Retry-After\",\"request_id\":\"limited-1\"}}");
  CheckHourlyRetryAfter(limited);
  // Every route shares the address's bucket, except what machines poll.
  CheckError(api.Get("/api/v1/events"), 429, "rate_limited");
  BOOST_TEST(api.Get("/healthz").status == 200);
  BOOST_TEST(api.Get("/readyz").status == 200);
  const e2e::Reply metrics = api.Get("/metrics");
  BOOST_TEST(MetricValue(metrics.body, "eventify_http_rate_limited_total") == 2);
  BOOST_TEST(MetricValue(metrics.body, "eventify_http_requests_total{method=\"GET\",route=\"/api/"
                                       "v1/categories\",status=\"4xx\"}") == 1);
}

BOOST_AUTO_TEST_CASE(auth_routes_have_a_stricter_limit) {
  e2e::Deployment deployment(kServer, {"--http.rate_limit.auth_per_address=1/h",
                                       "--http.rate_limit.auth_per_address_burst=2"});
  e2e::Api api = deployment.api();
  const std::string body =
      e2e::JsonObject({{"email", "nobody@example.com"}, {"password", "Wrong-Password-1"}});
  CheckError(api.PostJson("/api/v1/auth/login", body), 401, "invalid_credentials");
  CheckError(api.PostJson("/api/v1/auth/refresh", e2e::JsonObject({{"refresh_token", "x"}})), 401,
             "invalid_token");
  const e2e::Reply limited = api.PostJson("/api/v1/auth/login", body);
  CheckError(limited, 429, "rate_limited");
  BOOST_TEST(limited.Str("/error/message") ==
             "too many requests from this address; retry after the time in Retry-After");
  CheckHourlyRetryAfter(limited);
  // The other routes still answer that address.
  BOOST_TEST(api.Get("/api/v1/categories").status == 200);
}

BOOST_AUTO_TEST_CASE(per_user_limit_answers_429_with_retry_after) {
  e2e::Deployment deployment(kServer, {"--http.rate_limit.per_user=1/h",
                                       "--http.rate_limit.per_user_burst=3"});
  const e2e::Account ann = e2e::NewVerifiedAccount(deployment, "busy");
  const e2e::Account bob = e2e::NewVerifiedAccount(deployment, "calm");
  e2e::Api api = deployment.api();
  for (int i = 0; i < 3; ++i) BOOST_TEST(api.Get("/api/v1/me", ann.access).status == 200);
  const e2e::Reply limited =
      api.Send("GET", "/api/v1/wallet", "", "", ann.access, {{"X-Request-Id", "user-limited"}});
  BOOST_TEST(limited.status == 429);
  BOOST_TEST(limited.body ==
             "{\"error\":{\"code\":\"rate_limited\",\"message\":\"too many requests from this "
             "user; retry after the time in Retry-After\",\"request_id\":\"user-limited\"}}");
  CheckHourlyRetryAfter(limited);
  // Another user from the same address, and requests without a token, are not limited by it.
  BOOST_TEST(api.Get("/api/v1/me", bob.access).status == 200);
  BOOST_TEST(api.Get("/api/v1/categories").status == 200);
}

BOOST_AUTO_TEST_CASE(an_approved_event_is_announced_on_the_websocket) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const e2e::Account organizer = e2e::NewVerifiedAccount(deployment, "announcer", "organizer");
  const e2e::Account fan = e2e::NewVerifiedAccount(deployment, "fan");
  const e2e::Account admin = e2e::NewAdmin(deployment, "ops-admin");
  e2e::VerifyOrganizer(api, organizer, admin);
  const std::string category = e2e::NewCategory(api, admin, "Ops talks");

  e2e::WsClient socket(deployment.server().ws_port(), "/ws/notifications/");
  BOOST_REQUIRE(socket.status() == 101);
  socket.Authenticate(fan.access);
  BOOST_REQUIRE(socket.WaitFor("ready"));
  const std::string event_id = e2e::NewApprovedEvent(
      api, organizer, admin,
      e2e::EventBody("Announced", category, e2e::Now() + std::chrono::hours(24 * 7),
                     std::chrono::hours(2), 0));
  const auto announced = socket.WaitFor("new_event");
  BOOST_REQUIRE(announced);
  rapidjson::Document frame;
  frame.Parse(announced->c_str());
  BOOST_REQUIRE(frame.IsObject());
  BOOST_TEST(std::string(frame["event_id"].GetString()) == event_id);
  BOOST_TEST(std::string(frame["title"].GetString()) == "Announced");
  BOOST_TEST(std::string(frame["organizer_id"].GetString()) == organizer.id);

  // A booking is written through the commit pipeline, which /metrics shows.
  const e2e::Reply booked =
      api.PostJson("/api/v1/bookings", "{\"event_id\":\"" + event_id + "\",\"seats\":1}",
                   fan.access, {{"Idempotency-Key", "ops-book-1"}});
  BOOST_REQUIRE_MESSAGE(booked.status == 201, booked.body);
  const std::string page = api.Get("/metrics").body;
  BOOST_TEST(MetricValue(page, "eventify_pipeline_batch_size_count") >= 1);
  BOOST_TEST(MetricValue(page, "eventify_pipeline_batch_size_bucket{le=\"+Inf\"}") ==
             MetricValue(page, "eventify_pipeline_batch_size_count"));
  BOOST_TEST(MetricValue(page, "eventify_ws_connections") == 1);
}

}  // namespace
}  // namespace eventify::testing
