// ServerConfig: everything eventify-server can be told, and how it is read.
//
// Sources, lowest to highest precedence: built-in defaults < the config file (`--config PATH`,
// `key = value` lines, `#` comment lines) < environment variables `EVENTIFY_<KEY>` (key
// upper-cased,
// '.' and '-' turned into '_'; empty values are ignored) < command-line flags `--key=value` or
// `--key value`. Unknown keys and bad values are errors that name the key; the caller exits 2.
// Paths left unset are derived from data_dir after merging.
//
// Thread-safety: plain values.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eventify/backends/redis_bus.h"
#include "eventify/backends/smtp_mailer.h"
#include "eventify/engine.h"
#include "eventify/hub.h"
#include "eventify/spi/rate_limiter.h"
#include "eventify/status.h"
#include "ws_options.h"

namespace eventify::server {

enum class MailTransport {
  kOutbox,  // .eml files in outbox_dir: the embedded default, nothing else running
  kSmtp,    // the SMTP mailer (eventify::smtp)
};

// Where uploaded media (avatars, event covers, chat images) are kept (media.store key).
enum class MediaStoreKind {
  kByDatabase,  // unset: kDatabase on PostgreSQL, kFilesystem on SQLite (resolved by LoadConfig)
  kFilesystem,  // files under media_dir, served by this process only
  kDatabase,    // rows of the database (media_objects), served by every node on it
};

// CORS for browser clients on other origins (cors.h; http.cors.* keys). No origin: no CORS.
struct CorsConfig {
  std::vector<std::string> allowed_origins;  // scheme://host[:port] each, or "*"
  bool allow_credentials = false;            // never with "*"
  std::chrono::seconds max_age{600};         // how long a browser may cache a preflight
};

// One token bucket rule of the HTTP rate limits (rate_limits.h; http.rate_limit.* keys).
struct RateRule {
  bool enabled = true;
  spi::RateLimit limit;
};

struct RateLimitsConfig {
  RateRule per_address{true, {50, 100}};      // every request, by client address
  RateRule per_user{true, {20, 40}};          // authenticated requests, by user
  RateRule auth_per_address{true, {0.5, 10}};  // /api/v1/auth/..., by client address (30/m)
};

// OpenID Connect providers the configuration can name: oidc.1.* to oidc.4.*.
inline constexpr int kOidcProviderSlots = 4;

// The library's Redis options with no host: the server uses Redis only when redis.host is set.
inline spi::RedisBusOptions NoRedis() {
  spi::RedisBusOptions options;
  options.host.clear();
  return options;
}

struct ServerConfig {
  std::string listen_host = "127.0.0.1";
  int listen_port = 8000;  // 0: the kernel picks a free port
  int listen_backlog = 1024;

  std::string data_dir = "./data";
  std::string database_url;  // default sqlite:<data_dir>/eventify.db
  int database_pool_size = 4;

  int jobs_worker_threads = 1;  // engine threads running background jobs (eventify/jobs.h)
  int jobs_mail_max_attempts = JobsOptions().mail_max_attempts;  // attempts of each e-mail
  std::chrono::seconds jobs_backoff = JobsOptions().backoff;     // before a failed job's retry
  std::chrono::seconds jobs_max_backoff = JobsOptions().max_backoff;

  std::string secret_key;       // from the config file or EVENTIFY_SECRET_KEY only
  std::string secret_key_file;  // default <data_dir>/secret.key
  std::string outbox_dir;       // default <data_dir>/outbox

  MailTransport mail_transport = MailTransport::kOutbox;
  // Read when mail_transport is kSmtp (the url is then required); `from` is the From of the
  // outbox's files too. The password comes from the config file or EVENTIFY_SMTP_PASSWORD only.
  spi::SmtpMailerOptions smtp;
  std::string media_dir;  // default <data_dir>/media
  // After LoadConfig, kFilesystem or kDatabase (the default follows database_url).
  MediaStoreKind media_store = MediaStoreKind::kByDatabase;

  int http_threads = 16;  // workers running route handlers; sockets are served by one I/O thread
  int http_max_connections = 10000;
  std::size_t http_max_header_bytes = 16 * 1024;
  std::size_t http_max_body_bytes = 4 * 1024 * 1024;
  std::chrono::seconds http_header_timeout{10};
  std::chrono::seconds http_body_timeout{30};
  std::chrono::seconds http_write_timeout{10};
  std::chrono::seconds http_keep_alive_timeout{5};
  int http_keep_alive_max_requests = 100;

  bool log_requests = true;

  CorsConfig cors;
  RateLimitsConfig rate_limits;

  // Redis (redis.* keys): when redis_host is set, the rate limits are kept there (shared by every
  // node on it) and /readyz checks it. Empty: none.
  spi::RedisBusOptions redis = NoRedis();
  // This server's name among the nodes on one Redis (node.id): the chat hubs of all of them form
  // one (eventify/hub.h, HubCluster). Empty: "<host name>-<process id>".
  std::string node_id;

  // The chat hub (hub.* keys; eventify/hub.h).
  HubOptions hub;

  // The WebSocket endpoint (ws.* keys); its host and backlog are listen.host and listen.backlog.
  WsOptions ws;

  std::string currency = "INR";              // the platform currency of every wallet
  std::string payments_gateway = "sandbox";  // the only one so far
  std::string webhook_secret;       // from the config file or EVENTIFY_PAYMENTS_WEBHOOK_SECRET only
  std::string webhook_secret_file;  // default <data_dir>/webhook.key

  AccountsOptions accounts;
  // Sign-in with OpenID Connect (oidc.* keys). The slots are read from the keys; after merging,
  // the named ones become sign_in.providers, each with the redirect URI
  // <oidc_redirect_base>/api/v1/auth/oidc/<name>/callback when a base is set. client_secret
  // comes from the config file or the environment only.
  std::array<OidcProvider, kOidcProviderSlots> oidc_slots;
  std::string oidc_redirect_base;
  SignInOptions sign_in;
  WalletsOptions wallets;
  BookingsOptions bookings;
  // When ended events are due for settlement and the commission (eventify/settlements.h); the
  // server schedules the settlement job only when settlement_automatic is on.
  SettlementsOptions settlements;
  bool settlement_automatic = false;
};

// One `--name[=value]` from the command line. value is empty for a bare flag such as --help.
struct Flag {
  std::string name;  // without the leading dashes
  std::string value;
  bool has_value = false;
};

// Splits arguments into flags: `--name=value`, `--name value`, and the bare flags --help,
// --version and --print-routes. Errors: kInvalidArgument (usage) for a positional argument or a missing value.
Result<std::vector<Flag>> ParseFlags(const std::vector<std::string>& args);

using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment.
std::optional<std::string> ProcessEnvironment(const std::string& name);

// Builds the configuration from defaults, the config file named by --config (or EVENTIFY_CONFIG),
// the environment and `flags` (which must not contain the bare flags).
// Errors: kInvalidArgument (invalid_config) with a message naming the key or flag.
Result<ServerConfig> LoadConfig(const std::vector<Flag>& flags,
                                const EnvironmentLookup& environment = ProcessEnvironment);

// Checks an origin as http.cors.allowed_origins takes it: "*", or scheme://host[:port] with
// scheme http or https, nothing after the port, no trailing slash. Returns what is wrong, or "".
std::string CheckCorsOrigin(std::string_view origin);

// The option reference printed by --help: every key, its environment variable and its default.
std::string ConfigUsage();

}  // namespace eventify::server
