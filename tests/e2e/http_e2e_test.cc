// End-to-end tests of the HTTP layer itself (docs/http.md): hundreds of slow, idle and
// half-closed clients do not keep others waiting, request deadlines and framing errors get their
// exact answers, keep-alive and pipelining, the connection limit and the access log.
#define BOOST_TEST_MODULE e2e_http
#include <sys/resource.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "e2e_client.h"

namespace e2e = eventify::e2e;
using Clock = std::chrono::steady_clock;
using e2e::CheckError;

namespace {

constexpr char kServer[] = EVENTIFY_SERVER_PATH;
constexpr int kHeaderTimeout = 4;  // seconds, for http.header_timeout and http.body_timeout

e2e::Deployment& TheDeployment() {
  static e2e::Deployment deployment(
      kServer, {"--http.header_timeout=" + std::to_string(kHeaderTimeout) + "s",
                "--http.body_timeout=" + std::to_string(kHeaderTimeout) + "s",
                "--http.max_body_bytes=64KiB"});
  return deployment;
}

// The test opens more connections than the usual soft limit of open files allows.
void RaiseOpenFileLimit(rlim_t needed) {
  rlimit files{};
  BOOST_REQUIRE(::getrlimit(RLIMIT_NOFILE, &files) == 0);
  if (files.rlim_cur < needed) {
    files.rlim_cur = std::min(needed, files.rlim_max);
    BOOST_REQUIRE(::setrlimit(RLIMIT_NOFILE, &files) == 0);
  }
  BOOST_REQUIRE_MESSAGE(files.rlim_cur >= needed,
                        "the open-file limit " << files.rlim_cur << " is below " << needed);
}

std::string RawHealthz(const std::string& extra_headers = "") {
  return "GET /healthz HTTP/1.1\r\nHost: t\r\n" + extra_headers + "\r\n";
}

}  // namespace

BOOST_AUTO_TEST_CASE(hundreds_of_slow_clients_do_not_delay_others) {
  constexpr int kPartial = 300;     // a partial request line and headers, then nothing
  constexpr int kTrickling = 300;   // one more header byte every 1.5 s
  constexpr int kIdle = 200;        // connect and send nothing
  constexpr int kHalfClosed = 200;  // a partial request, then FIN (half-open)
  RaiseOpenFileLimit(kPartial + kTrickling + kIdle + kHalfClosed + 100);
  const int port = TheDeployment().server().port();

  std::vector<std::unique_ptr<e2e::RawConnection>> partial, trickling, idle, half_closed;
  for (int i = 0; i < kPartial; ++i) {
    partial.push_back(std::make_unique<e2e::RawConnection>(port));
    partial.back()->Send(i % 2 == 0 ? "GET /healthz HT" : "GET /healthz HTTP/1.1\r\nHost: t\r\nX-");
  }
  for (int i = 0; i < kTrickling; ++i) {
    trickling.push_back(std::make_unique<e2e::RawConnection>(port));
    trickling.back()->Send("GET /healthz HTTP/1.1\r\nX-Slow: ");
  }
  for (int i = 0; i < kIdle; ++i) idle.push_back(std::make_unique<e2e::RawConnection>(port));
  for (int i = 0; i < kHalfClosed; ++i) {
    half_closed.push_back(std::make_unique<e2e::RawConnection>(port));
    half_closed.back()->Send("POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\n");
    half_closed.back()->ShutdownWrite();
  }

  // The trickling clients go on until the server answers them (at most 6 rounds).
  std::thread trickle([&trickling] {
    for (int round = 0; round < 6; ++round) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      bool any = false;
      for (auto& connection : trickling) {
        if (connection->HasReply()) continue;
        try {
          connection->Send("a");
          any = true;
        } catch (const std::runtime_error&) {
          // Closed by the server since HasReply looked: its answer is checked below.
        }
      }
      if (!any) return;
    }
  });

  // A bad Content-Length is answered at once, whatever else is going on.
  e2e::RawConnection negative(port);
  const auto sent = Clock::now();
  negative.Send(
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: -5\r\n\r\n");
  negative.ShutdownWrite();
  const std::string refused = negative.ReadUntilClosed(5);
  BOOST_TEST((Clock::now() - sent < std::chrono::seconds(1)));
  CheckError(e2e::ParseRawReply(refused), 400, "bad_request");
  BOOST_TEST(negative.closed());

  // Meanwhile other clients are answered promptly, each on a new connection.
  e2e::Api api(port);
  for (int probe = 0; probe < 10; ++probe) {
    const auto start = Clock::now();
    const e2e::Reply health = api.Get("/healthz");
    const auto took = Clock::now() - start;
    BOOST_TEST_CONTEXT("probe " << probe) {
      BOOST_TEST(health.status == 200);
      BOOST_TEST(health.Str("/status") == "ok");
      BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(took).count() < 1000);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  trickle.join();

  // At the head deadline: a client that began a request gets 408, one that sent nothing is
  // closed without an answer, a half-closed one is closed as soon as its FIN arrives.
  const int wait = kHeaderTimeout + 4;
  for (auto* group : {&partial, &trickling}) {
    for (auto& connection : *group) {
      const std::string answer = connection->ReadUntilClosed(wait);
      CheckError(e2e::ParseRawReply(answer), 408, "request_timeout");
      BOOST_TEST(connection->closed());
    }
  }
  for (auto* group : {&idle, &half_closed}) {
    for (auto& connection : *group) {
      BOOST_TEST(connection->ReadUntilClosed(wait) == "");
      BOOST_TEST(connection->closed());
    }
  }
  BOOST_TEST(api.Get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(a_body_has_its_own_deadline) {
  const int port = TheDeployment().server().port();
  e2e::RawConnection slow_body(port);
  slow_body.Send(
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: 40\r\n\r\n{\"email\":");
  const std::string answer = slow_body.ReadUntilClosed(kHeaderTimeout + 4);
  CheckError(e2e::ParseRawReply(answer), 408, "request_timeout");
  BOOST_TEST(slow_body.closed());
}

BOOST_AUTO_TEST_CASE(framing_errors_get_exact_answers) {
  const int port = TheDeployment().server().port();
  const std::string login = "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\n";
  const auto answer = [port](const std::string& request) {
    e2e::RawConnection connection(port);
    connection.Send(request);
    connection.ShutdownWrite();
    return e2e::ParseRawReply(connection.ReadUntilClosed(5));
  };
  CheckError(answer(login + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"), 400,
             "bad_request");
  CheckError(answer(login + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n"), 400, "bad_request");
  CheckError(answer(login + "Content-Length: 5x\r\n\r\n"), 400, "bad_request");
  CheckError(answer(login + "Transfer-Encoding: gzip\r\n\r\n"), 501, "not_implemented");
  CheckError(answer("GET / HTTP/2.0\r\n\r\n"), 505, "http_version_not_supported");
  CheckError(answer("GET /healthz HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"), 431,
             "request_header_fields_too_large");
  // An unknown method on an existing path: 405 with the methods it has.
  const e2e::Reply brew = answer("BREW /api/v1/auth/login HTTP/1.1\r\nHost: t\r\n\r\n");
  CheckError(brew, 405, "method_not_allowed");
  BOOST_TEST(brew.Header("Allow") == "POST");

  // Expect: 100-continue: a body announced too large is refused before it is sent...
  e2e::RawConnection too_large(port);
  too_large.Send(login +
                 "Content-Type: application/json\r\nContent-Length: 70000\r\n"
                 "Expect: 100-continue\r\n\r\n");
  CheckError(e2e::ParseRawReply(too_large.ReadUntilClosed(5)), 413, "payload_too_large");
  // ...and an acceptable one is asked for.
  e2e::RawConnection expecting(port);
  const std::string body = "{\"email\":\"x@example.com\",\"password\":\"Wrong-Pass-1\"}";
  expecting.Send(login + "Content-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\nExpect: 100-continue\r\n\r\n");
  const auto until = Clock::now() + std::chrono::seconds(5);
  while (!expecting.HasReply() && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  expecting.Send(body);
  expecting.ShutdownWrite();
  const std::string replies = expecting.ReadUntilClosed(5);
  const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  BOOST_TEST(replies.rfind(kContinue, 0) == 0u, replies);
  CheckError(e2e::ParseRawReply(std::string_view(replies).substr(kContinue.size())), 401,
             "invalid_credentials");
}

BOOST_AUTO_TEST_CASE(keep_alive_and_pipelining) {
  const int port = TheDeployment().server().port();
  // Three pipelined requests, one chunked, in one write: answered in order on one connection.
  e2e::RawConnection pipelined(port);
  pipelined.Send(RawHealthz("X-Request-Id: first\r\n") +
                 "POST /api/v1/auth/logout HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                 "Content-Type: application/json\r\n"
                 "X-Request-Id: second\r\n\r\n2\r\n{}\r\n0\r\n\r\n" +
                 RawHealthz("X-Request-Id: third\r\nConnection: close\r\n"));
  const std::string all = pipelined.ReadUntilClosed(5);
  BOOST_TEST(pipelined.closed());
  std::string_view rest = all;
  std::size_t used = 0;
  const e2e::Reply first = e2e::ParseRawReply(rest, &used);
  rest.remove_prefix(used);
  const e2e::Reply second = e2e::ParseRawReply(rest, &used);
  rest.remove_prefix(used);
  const e2e::Reply third = e2e::ParseRawReply(rest, &used);
  BOOST_TEST(first.status == 200);
  BOOST_TEST(first.Header("X-Request-Id") == "first");
  BOOST_TEST(first.Header("Connection") == "");
  CheckError(second, 400, "missing_field", "refresh_token");  // the chunked {} reached it
  BOOST_TEST(second.Header("X-Request-Id") == "second");
  BOOST_TEST(second.Header("Cache-Control") == "no-store");
  BOOST_TEST(third.status == 200);
  BOOST_TEST(third.Header("X-Request-Id") == "third");
  BOOST_TEST(third.Header("Connection") == "close");
  BOOST_TEST(used == rest.size());

  // HTTP/1.0 closes unless asked to keep the connection.
  e2e::RawConnection plain(port);
  plain.Send("GET /healthz HTTP/1.0\r\n\r\n");
  const e2e::Reply closing = e2e::ParseRawReply(plain.ReadUntilClosed(5));
  BOOST_TEST(closing.status == 200);
  BOOST_TEST(closing.Header("Connection") == "close");
  BOOST_TEST(plain.closed());
  e2e::RawConnection kept(port);
  kept.Send("HEAD /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" +
            RawHealthz("Connection: close\r\n"));
  const std::string both = kept.ReadUntilClosed(5);
  // HEAD: the Content-Length of the GET answer, without its body.
  const std::size_t head_end = both.find("\r\n\r\n") + 4;
  const e2e::Reply head = e2e::ParseRawReply(std::string_view(both).substr(0, head_end));
  BOOST_TEST(head.status == 200);
  BOOST_TEST(head.Header("Connection") == "keep-alive");
  BOOST_TEST(std::stoul(head.Header("Content-Length")) > 0u);
  BOOST_TEST(e2e::ParseRawReply(std::string_view(both).substr(head_end)).Str("/status") == "ok");
}

BOOST_AUTO_TEST_CASE(log_lines_carry_the_time_and_the_user_but_no_secret) {
  e2e::Deployment& deployment = TheDeployment();
  const e2e::Account account = e2e::NewVerifiedAccount(deployment, "logged");
  e2e::Api api = deployment.api();
  const e2e::Reply me = api.Send("GET", "/api/v1/me?token=" + account.refresh, "", "",
                                 account.access, {{"X-Request-Id", "log-check-1"}});
  BOOST_TEST(me.status == 200);
  CheckError(api.Send("GET", "/api/v1/me", "", "", "", {{"X-Request-Id", "log-check-2"}}), 401,
             "missing_token");

  const std::string log = deployment.server().err();
  const std::regex authenticated(
      "\\n\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z 127\\.0\\.0\\.1 GET /api/v1/me 200 "
      "[0-9.]+ms id=log-check-1 user=" +
      account.id + "\\n");
  BOOST_TEST(std::regex_search(log, authenticated),
             log.substr(log.size() > 2000 ? log.size() - 2000 : 0));
  const std::regex anonymous("GET /api/v1/me 401 [0-9.]+ms id=log-check-2 user=-\\n");
  BOOST_TEST(std::regex_search(log, anonymous));
  BOOST_TEST(log.find(account.access) == std::string::npos);
  BOOST_TEST(log.find(account.refresh) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(connections_over_the_limit_are_refused) {
  e2e::Deployment limited(kServer, {"--http.max_connections=3"});
  const int port = limited.server().port();
  std::vector<std::unique_ptr<e2e::RawConnection>> held;
  // Accepted in the order they connect: these three before the fourth.
  for (int i = 0; i < 3; ++i) held.push_back(std::make_unique<e2e::RawConnection>(port));
  CheckError(e2e::ParseRawReply(e2e::RawExchange(port, RawHealthz(), 5)), 503,
             "too_many_connections");
  // Once one closes, the server serves again (as soon as its loop has seen the close).
  held.clear();
  int status = 0;
  for (int attempt = 0; attempt < 50 && status != 200; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = limited.api().Get("/healthz").status;
  }
  BOOST_TEST(status == 200);
}
