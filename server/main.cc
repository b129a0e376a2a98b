// eventify-server: the reference HTTP server of libeventify.
//
//   eventify-server [--config PATH] [--KEY=VALUE ...]     serve the HTTP API
//   eventify-server --print-routes [--config PATH] ...    print METHOD PATTERN of every HTTP route
//   eventify-server admin create --email E --full-name N  create an admin account
//   eventify-server admin list [--email T] [--role R]...  list and search users
//   eventify-server admin set-role --email E --role R     change the role of a user
//   eventify-server ledger audit                          check the ledger (exit 1 when not clean)
// The admin and ledger commands need an installation the server has set up (admin_cli.h).
//
// Exit codes: 0 clean stop (SIGTERM/SIGINT), 1 runtime failure, 2 usage or configuration error.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "accounts_routes.h"
#include "admin_routes.h"
#include "admin_cli.h"
#include "booking_routes.h"
#include "chat_routes.h"
#include "cors.h"
#include "coupon_routes.h"
#include "dashboard_routes.h"
#include "job_routes.h"
#include "config.h"
#include "engine_setup.h"
#include "event_routes.h"
#include "eventify/hub.h"
#include "eventify/version.h"
#include "health_routes.h"
#include "http_server.h"
#include "media_routes.h"
#include "report_routes.h"
#include "metrics.h"
#include "ops_wiring.h"
#include "rate_limits.h"
#include "review_routes.h"
#include "router.h"
#include "settlement_routes.h"
#include "shutdown_signals.h"
#include "sign_in_routes.h"
#include "waitlist_routes.h"
#include "wallet_routes.h"
#include "ws_transport.h"

namespace eventify::server {
namespace {

void PrintUsage() {
  fmt::print(
      "usage: eventify-server [--config PATH] [--KEY=VALUE ...]\n"
      "       eventify-server --print-routes [--config PATH] [--KEY=VALUE ...]\n"
      "           print the HTTP routes this configuration serves, one 'METHOD PATTERN' a line\n"
      "           ({{}} one path segment, * the rest), and exit; the installation is opened (and\n"
      "           created when missing) as for serving\n"
      "{}{}\n"
      "Settings, lowest to highest precedence: defaults < config file (key = value lines, '#'\n"
      "comments) < environment EVENTIFY_<KEY> < command line. Sizes take KiB/MiB/GiB, durations\n"
      "s/m/h/d.\n\n{}",
      AdminUsage(), LedgerUsage(), ConfigUsage());
}

std::string UrlHost(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// Every HTTP route of the server, in the order they are matched. The routes borrow all four
// arguments, which must outlive the router. Errors: those of AddReportRoutes.
Status AddApiRoutes(Router& router, Engine& engine, const ServerConfig& config,
                    const Metrics& metrics) {
  AddHealthRoutes(router, engine, config, metrics);
  AddAccountRoutes(router, engine);
  AddSignInRoutes(router, engine);
  AddMediaRoutes(router, engine);
  AddWalletRoutes(router, engine);
  AddBookingRoutes(router, engine);
  AddCouponRoutes(router, engine);
  AddWaitlistRoutes(router, engine);
  AddJobRoutes(router, engine);
  AddEventRoutes(router, engine);
  AddSettlementRoutes(router, engine);
  AddReviewRoutes(router, engine);
  AddChatRoutes(router, engine);
  AddAdminRoutes(router, engine);
  AddDashboardRoutes(router, engine);
  return AddReportRoutes(router, engine);
}

int Serve(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args);
  if (!flags.ok()) {
    fmt::print(stderr, "eventify-server: {} (see --help)\n", flags.status().message());
    return 2;
  }
  bool print_routes = false;
  std::vector<Flag> config_flags;
  for (const Flag& flag : *flags) {
    if (flag.name == "print-routes") {
      print_routes = true;
      continue;
    }
    config_flags.push_back(flag);
    if (flag.name == "help") {
      PrintUsage();
      return 0;
    }
    if (flag.name == "version") {
      fmt::print("eventify-server {}\n", EVENTIFY_VERSION_STRING);
      return 0;
    }
  }
  auto config = LoadConfig(config_flags);
  if (!config.ok()) {
    fmt::print(stderr, "eventify-server: {}\n", config.status().message());
    return 2;
  }

  // Before any thread starts, so that every thread inherits the blocked signals.
  ShutdownSignals signals;

  auto engine = OpenEngine(*config, WhenMissing::kCreate);
  if (!engine.ok()) {
    fmt::print(stderr, "eventify-server: cannot start: {}\n", engine.status().ToString());
    return engine.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }

  auto limiter = MakeRateLimiter(*config);
  if (!limiter.ok()) {
    fmt::print(stderr, "eventify-server: {}\n", limiter.status().ToString());
    return 2;
  }
  RateLimits rate_limits(config->rate_limits, *limiter);
  const CorsPolicy cors(config->cors);
  Metrics metrics;

  Router router;
  if (Status added = AddApiRoutes(router, **engine, *config, metrics); !added.ok()) {
    fmt::print(stderr, "eventify-server: cannot start: {}\n", added.ToString());
    return 1;
  }
  if (print_routes) {
    for (int i = 0; i < router.size(); ++i) {
      fmt::print("{} {}\n", router.method(i), router.pattern(i));
    }
    return 0;
  }

  int exit_code = 0;
  {
    // The hub's traffic is counted by decorators around it (ops_wiring.h).
    CountingInbound inbound;
    auto ws = std::make_shared<WsTransport>(config->ws);
    auto counted = std::make_shared<CountingTransport>(ws);
    AddServerMetrics(metrics, **engine, *counted, inbound, rate_limits);
    HttpServer http(*config, router, HttpServices{&cors, &rate_limits, &metrics});
    auto port = http.Bind();
    if (!port.ok()) {
      fmt::print(stderr, "eventify-server: {}\n", port.status().message());
      return 1;
    }
    // The chat hub over the WebSocket endpoint (docs/protocol.md, "WebSocket binding").
    std::string ws_error;
    const int ws_port = ws->Bind(ws_error);
    if (ws_port < 0) {
      fmt::print(stderr, "eventify-server: {}\n", ws_error);
      return 1;
    }
    Result<std::unique_ptr<Hub>> made_hub = MakeHub(**engine, counted, *config);
    if (!made_hub.ok()) {
      fmt::print(stderr, "eventify-server: cannot start the chat hub: {}\n",
                 made_hub.status().ToString());
      return 1;
    }
    std::unique_ptr<Hub> hub = std::move(made_hub).value();
    inbound.set_hub(*hub);
    ws->Start(inbound);
    // Approved events go to every open socket as new_event (until the hub stops).
    auto announcer = std::make_unique<EventAnnouncer>((*engine)->events(), *hub);
    signals.Start([&http, ws](int signal) {
      fmt::print(stderr, "eventify-server: signal {} received, stopping\n", signal);
      http.Stop();
      ws->BeginShutdown();  // stop accepting sockets, close them with going-away
    });
    fmt::print("eventify-server websockets on ws://{}:{}\n", UrlHost(config->listen_host), ws_port);
    fmt::print("eventify-server listening on http://{}:{}\n", UrlHost(config->listen_host), *port);
    std::fflush(stdout);

    Status served = http.Serve();
    if (!served.ok()) {
      fmt::print(stderr, "eventify-server: {}\n", served.message());
      exit_code = 1;
    }
    ws->Shutdown();      // every socket closed (1001) and reported to the hub
    announcer.reset();  // no approval reaches the hub any more
    hub.reset();        // the hub's queued work done, before the engine goes
  }
  engine->reset();  // after the last request and the hub have finished
  fmt::print(stderr, "eventify-server: stopped\n");
  return exit_code;
}

}  // namespace
}  // namespace eventify::server

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "admin") {
    return eventify::server::RunAdminCommand(
        std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && args[0] == "ledger") {
    return eventify::server::RunLedgerCommand(
        std::vector<std::string>(args.begin() + 1, args.end()));
  }
  return eventify::server::Serve(args);
}
