#include "config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <type_traits>

#include "config_keys.h"
#include "eventify/types.h"

namespace eventify::server {
namespace {

KeySpec HashCostKey() {
  return {"accounts.password_hash_cost",
          "argon2id cost: minimum (tests only), interactive or moderate",
          [](ServerConfig& config, std::string_view text) -> std::string {
            const std::string value = Lower(Trim(text));
            if (value == "minimum") {
              config.accounts.password_hash_cost = PasswordHashCost::kMinimum;
            } else if (value == "interactive") {
              config.accounts.password_hash_cost = PasswordHashCost::kInteractive;
            } else if (value == "moderate") {
              config.accounts.password_hash_cost = PasswordHashCost::kModerate;
            } else {
              return "must be minimum, interactive or moderate";
            }
            return {};
          },
          [](ServerConfig& config) -> std::string {
            switch (config.accounts.password_hash_cost) {
              case PasswordHashCost::kMinimum:
                return "minimum";
              case PasswordHashCost::kInteractive:
                return "interactive";
              case PasswordHashCost::kModerate:
                return "moderate";
            }
            return "?";
          }};
}

KeySpec CurrencyKey() {
  return {"currency", "ISO 4217 code of the platform currency (every wallet holds it)",
          [](ServerConfig& config, std::string_view text) -> std::string {
            text = Trim(text);
            if (!IsValidCurrency(text)) return "must be three upper-case letters, e.g. INR";
            config.currency = std::string(text);
            return {};
          },
          [](ServerConfig& config) { return config.currency; }};
}

KeySpec GatewayKey() {
  return {"payments.gateway", "payment gateway for wallet top-ups: sandbox",
          [](ServerConfig& config, std::string_view text) -> std::string {
            const std::string value = Lower(Trim(text));
            if (value != "sandbox") return "must be sandbox (the only gateway so far)";
            config.payments_gateway = value;
            return {};
          },
          [](ServerConfig& config) { return config.payments_gateway; }};
}

// The four keys of one throttle rule (see ThrottleRule); `scope` says what it counts.
template <typename Access>
void AddThrottleKeys(std::vector<KeySpec>& keys, std::string_view prefix, std::string_view scope,
                     Access rule) {
  keys.push_back(IntKey(
      fmt::format("{}.free_attempts", prefix),
      fmt::format("failed guesses before a lock, {}", scope),
      [=](ServerConfig& c) -> int& { return rule(c).free_attempts; }, 1, 1'000'000));
  keys.push_back(SecondsKey(
      fmt::format("{}.first_lockout", prefix),
      fmt::format("first lock, doubled by each further failure, {}", scope),
      [=](ServerConfig& c) -> std::chrono::seconds& { return rule(c).first_lockout; }, 1));
  keys.push_back(SecondsKey(
      fmt::format("{}.max_lockout", prefix), fmt::format("longest lock, {}", scope),
      [=](ServerConfig& c) -> std::chrono::seconds& { return rule(c).max_lockout; }, 1));
  keys.push_back(SecondsKey(
      fmt::format("{}.forget_after", prefix),
      fmt::format("failures are forgotten after this long without one (or after a lock), {}",
                  scope),
      [=](ServerConfig& c) -> std::chrono::seconds& { return rule(c).forget_after; }, 1));
}

// The WebSocket endpoint's keys (docs/configuration.md, "WebSockets").
void AddWebSocketKeys(std::vector<KeySpec>& k) {
  using C = ServerConfig;
  k.push_back(IntKey(
      "ws.port", "TCP port of the WebSocket endpoint (on listen.host); 0 picks a free one",
      [](C& c) -> int& { return c.ws.port; }, 0, 65535));
  k.push_back(WordListKey(
      "ws.allowed_origins",
      "browser origins (scheme://host[:port], comma-separated) allowed to open a socket; * any, "
      "none no browser (a handshake without Origin is always allowed)",
      [](C& c) -> std::vector<std::string>& { return c.ws.allowed_origins; }));
  k.push_back(SecondsKey(
      "ws.auth_timeout", "time to send the auth frame after the upgrade (else close 4408)",
      [](C& c) -> std::chrono::seconds& { return c.ws.auth_timeout; }, 1));
  k.push_back(BytesKey(
      "ws.max_frame_bytes", "largest message a client may send (else close 1009)",
      [](C& c) -> std::size_t& { return c.ws.max_frame_bytes; }, 1024, 16ull * 1024 * 1024));
  k.push_back(IntKey(
      "ws.max_messages_per_second", "client messages per connection per second (else close 4429)",
      [](C& c) -> int& { return c.ws.max_messages_per_second; }, 1, 1'000'000));
  k.push_back(IntKey(
      "ws.max_connections_per_user", "open sockets per user (else close 4409)",
      [](C& c) -> int& { return c.ws.max_connections_per_user; }, 1, 1'000'000));
  k.push_back(IntKey(
      "ws.max_connections_per_address", "open sockets per client address (else close 4409)",
      [](C& c) -> int& { return c.ws.max_connections_per_address; }, 1, 10'000'000));
  k.push_back(BytesKey(
      "ws.send_queue_max_bytes", "bytes waiting for a slow reader (else close 4413)",
      [](C& c) -> std::size_t& { return c.ws.send_queue_max_bytes; }, 1024,
      1024ull * 1024 * 1024));
  k.push_back(IntKey(
      "ws.send_queue_max_frames", "frames waiting for a slow reader (else close 4413)",
      [](C& c) -> int& { return c.ws.send_queue_max_frames; }, 1, 10'000'000));
  k.push_back(SecondsKey(
      "ws.ping_interval", "a ping to each socket this often",
      [](C& c) -> std::chrono::seconds& { return c.ws.ping_interval; }, 1));
  k.push_back(SecondsKey(
      "ws.pong_timeout", "a ping not answered by then closes the socket (4410)",
      [](C& c) -> std::chrono::seconds& { return c.ws.pong_timeout; }, 1));
  k.push_back(SecondsKey(
      "ws.close_timeout", "longest closing handshake, and longest wait for them at shutdown",
      [](C& c) -> std::chrono::seconds& { return c.ws.close_timeout; }, 1));
}

// The keys of sign-in with OpenID Connect (docs/configuration.md, "Sign-in providers").
void AddOidcKeys(std::vector<KeySpec>& k) {
  using C = ServerConfig;
  k.push_back(StringKey(
      "oidc.redirect_base",
      "public base URL of this server (scheme://host[:port]) for the providers' redirects; unset: "
      "no code flow",
      [](C& c) -> std::string& { return c.oidc_redirect_base; }));
  k.push_back(SecondsKey(
      "oidc.clock_skew", "tolerated clock difference on an ID token's exp and iat",
      [](C& c) -> std::chrono::seconds& { return c.sign_in.clock_skew; }, 0));
  k.push_back(SecondsKey(
      "oidc.key_refresh_interval",
      "at most one refetch of a provider's keys this often (for an unknown key id)",
      [](C& c) -> std::chrono::seconds& { return c.sign_in.key_refresh_interval; }, 0));
  k.push_back(SecondsKey(
      "oidc.flow_ttl", "time from the redirect to the provider to its callback",
      [](C& c) -> std::chrono::seconds& { return c.sign_in.flow_ttl; }, 1));
  k.push_back(SecondsKey(
      "oidc.link_ttl", "time an existing account has to prove itself to link an identity",
      [](C& c) -> std::chrono::seconds& { return c.sign_in.link_ttl; }, 1));
  for (int slot = 0; slot < kOidcProviderSlots; ++slot) {
    const std::string prefix = fmt::format("oidc.{}", slot + 1);
    const auto provider = [slot](C& c) -> OidcProvider& { return c.oidc_slots[slot]; };
    k.push_back(StringKey(
        prefix + ".name", "provider name in the sign-in URLs (a-z, 0-9, '-', '_')",
        [=](C& c) -> std::string& { return provider(c).name; }));
    k.push_back(StringKey(
        prefix + ".issuer", "the provider's issuer URL, exactly as its ID tokens name it",
        [=](C& c) -> std::string& { return provider(c).issuer; }));
    k.push_back(StringKey(
        prefix + ".client_id", "our client id at the provider (the audience of its ID tokens)",
        [=](C& c) -> std::string& { return provider(c).client_id; }));
    KeySpec secret = StringKey(
        prefix + ".client_secret", "our client secret for the code flow (file or env only)",
        [=](C& c) -> std::string& { return provider(c).client_secret; });
    secret.secret = true;
    k.push_back(std::move(secret));
    k.push_back(WordListKey(
        prefix + ".allowed_domains",
        "e-mail domains (comma-separated) that may sign in with it; none: any",
        [=](C& c) -> std::vector<std::string>& { return provider(c).allowed_email_domains; }));
  }
}

// media.store: the words name a store; unset, it follows the database (docs/configuration.md).
KeySpec MediaStoreKey() {
  KeySpec key = ChoiceKey(
      "media.store",
      "where uploaded media are kept: filesystem (media_dir, this node only) or database "
      "(served by every node on it)",
      [](ServerConfig& c) -> MediaStoreKind& { return c.media_store; },
      std::vector<std::pair<std::string_view, MediaStoreKind>>{
          {"filesystem", MediaStoreKind::kFilesystem}, {"database", MediaStoreKind::kDatabase}});
  const Shower show_choice = key.show;
  key.show = [show_choice](ServerConfig& config) {
    if (config.media_store == MediaStoreKind::kByDatabase) {
      return std::string("database with PostgreSQL, filesystem with SQLite");
    }
    return show_choice(config);
  };
  return key;
}

bool IsPostgresUrl(std::string_view url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

const std::vector<KeySpec>& Keys() {
  using C = ServerConfig;
  static const std::vector<KeySpec> keys = [] {
    std::vector<KeySpec> k;
    k.push_back(StringKey("listen.host", "address to listen on",
                          [](C& c) -> std::string& { return c.listen_host; }));
    k.push_back(IntKey(
        "listen.port", "TCP port; 0 picks a free one", [](C& c) -> int& { return c.listen_port; },
        0, 65535));
    k.push_back(IntKey(
        "listen.backlog", "queue of connections not yet accepted",
        [](C& c) -> int& { return c.listen_backlog; }, 1, 65535));
    k.push_back(StringKey("data_dir", "folder for the database, key, outbox and media",
                          [](C& c) -> std::string& { return c.data_dir; }));
    k.push_back(StringKey(
        "database.url", "sqlite:<path> or postgresql://user@host:port/db",
        [](C& c) -> std::string& { return c.database_url; }, "sqlite:<data_dir>/eventify.db"));
    k.push_back(IntKey(
        "database.pool_size", "database connections kept open",
        [](C& c) -> int& { return c.database_pool_size; }, 1, 256));
    k.push_back(IntKey(
        "jobs.worker_threads", "threads running background jobs (docs/jobs.md); 0 runs none",
        [](C& c) -> int& { return c.jobs_worker_threads; }, 0, 64));
    k.push_back(IntKey(
        "jobs.mail_max_attempts",
        "attempts to send each e-mail before its job is dead (docs/mail.md, \"The outbox\")",
        [](C& c) -> int& { return c.jobs_mail_max_attempts; }, 1, 100));
    k.push_back(SecondsKey(
        "jobs.backoff", "wait before a failed job's second attempt, doubled after each failure",
        [](C& c) -> std::chrono::seconds& { return c.jobs_backoff; }, 1));
    k.push_back(SecondsKey(
        "jobs.max_backoff", "longest wait between two attempts of a job",
        [](C& c) -> std::chrono::seconds& { return c.jobs_max_backoff; }, 1));
    KeySpec secret = StringKey("secret_key", "signing key, at least 32 bytes (file or env only)",
                               [](C& c) -> std::string& { return c.secret_key; });
    secret.secret = true;
    k.push_back(std::move(secret));
    k.push_back(StringKey(
        "secret_key_file", "key file, created (mode 0600) when missing",
        [](C& c) -> std::string& { return c.secret_key_file; }, "<data_dir>/secret.key"));
    k.push_back(StringKey(
        "outbox_dir", "where e-mails are written as .eml files",
        [](C& c) -> std::string& { return c.outbox_dir; }, "<data_dir>/outbox"));
    k.push_back(ChoiceKey(
        "mail.transport", "how e-mail leaves: outbox (.eml files in outbox_dir) or smtp",
        [](C& c) -> MailTransport& { return c.mail_transport; },
        std::vector<std::pair<std::string_view, MailTransport>>{{"outbox", MailTransport::kOutbox},
                                                                {"smtp", MailTransport::kSmtp}}));
    k.push_back(StringKey(
        "smtp.url", "smtp://host[:port] or smtps://host[:port] (implicit TLS)",
        [](C& c) -> std::string& { return c.smtp.url; }, "(none)"));
    k.push_back(StringKey(
        "smtp.username", "SMTP login; unset: no authentication",
        [](C& c) -> std::string& { return c.smtp.username; }, "(none)"));
    KeySpec smtp_password = StringKey("smtp.password", "SMTP password (file or env only)",
                                      [](C& c) -> std::string& { return c.smtp.password; });
    smtp_password.secret = true;
    k.push_back(std::move(smtp_password));
    k.push_back(ChoiceKey(
        "smtp.starttls", "STARTTLS on smtp:// URLs: required, opportunistic or off",
        [](C& c) -> spi::StartTls& { return c.smtp.starttls; },
        std::vector<std::pair<std::string_view, spi::StartTls>>{
            {"required", spi::StartTls::kRequired},
            {"opportunistic", spi::StartTls::kOpportunistic},
            {"off", spi::StartTls::kOff}}));
    k.push_back(StringKey(
        "smtp.ca_file", "PEM certificates to trust for SMTP TLS instead of the system store",
        [](C& c) -> std::string& { return c.smtp.ca_file; }, "(system store)"));
    k.push_back(StringKey("smtp.from", "From of every e-mail: address or \"Name <address>\"",
                          [](C& c) -> std::string& { return c.smtp.from; }));
    k.push_back(SecondsKey(
        "smtp.connect_timeout", "time allowed to connect to the SMTP server",
        [](C& c) -> std::chrono::milliseconds& { return c.smtp.connect_timeout; }, 1));
    k.push_back(SecondsKey(
        "smtp.timeout", "time allowed to send one e-mail, connecting included",
        [](C& c) -> std::chrono::milliseconds& { return c.smtp.timeout; }, 1));
    k.push_back(StringKey(
        "media_dir", "where uploaded media are stored",
        [](C& c) -> std::string& { return c.media_dir; }, "<data_dir>/media"));
    k.push_back(MediaStoreKey());
    k.push_back(IntKey(
        "http.threads", "worker threads running route handlers",
        [](C& c) -> int& { return c.http_threads; }, 1, 4096));
    k.push_back(IntKey(
        "http.max_connections", "open connections served at once; more are refused with 503",
        [](C& c) -> int& { return c.http_max_connections; }, 1, 1000000));
    k.push_back(BytesKey(
        "http.max_header_bytes", "largest request line plus header fields (else 431)",
        [](C& c) -> std::size_t& { return c.http_max_header_bytes; }, 1024, 1024ull * 1024));
    k.push_back(BytesKey(
        "http.max_body_bytes", "largest request body accepted (else 413)",
        [](C& c) -> std::size_t& { return c.http_max_body_bytes; }, 1024, 1024ull * 1024 * 1024));
    k.push_back(SecondsKey(
        "http.header_timeout", "time to receive a request's head (else 408)",
        [](C& c) -> std::chrono::seconds& { return c.http_header_timeout; }, 1));
    k.push_back(SecondsKey(
        "http.body_timeout", "time to receive a request's body after its head (else 408)",
        [](C& c) -> std::chrono::seconds& { return c.http_body_timeout; }, 1));
    k.push_back(SecondsKey(
        "http.write_timeout", "time allowed to send a response",
        [](C& c) -> std::chrono::seconds& { return c.http_write_timeout; }, 1));
    k.push_back(SecondsKey(
        "http.keep_alive_timeout", "idle time before a kept-alive connection is closed",
        [](C& c) -> std::chrono::seconds& { return c.http_keep_alive_timeout; }, 1));
    k.push_back(IntKey(
        "http.keep_alive_max_requests", "requests served per connection",
        [](C& c) -> int& { return c.http_keep_alive_max_requests; }, 1, 100000));
    AddWebSocketKeys(k);
    AddOperationsKeys(k);
    k.push_back(BoolKey("log.requests", "log one line per request to stderr", &C::log_requests));
    k.push_back(HashCostKey());
    k.push_back(BytesKey(
        "accounts.avatar_max_bytes", "largest avatar image",
        [](C& c) -> std::size_t& { return c.accounts.avatar_max_bytes; }, 1,
        1024ull * 1024 * 1024));
    k.push_back(SecondsKey(
        "accounts.access_token_ttl", "lifetime of an access token",
        [](C& c) -> std::chrono::seconds& { return c.accounts.access_token_ttl; }, 1));
    k.push_back(SecondsKey(
        "accounts.refresh_token_ttl", "lifetime of each refresh token",
        [](C& c) -> std::chrono::seconds& { return c.accounts.refresh_token_ttl; }, 1));
    k.push_back(SecondsKey(
        "accounts.session_max_age", "longest a login lasts, whatever the refreshes",
        [](C& c) -> std::chrono::seconds& { return c.accounts.session_max_age; }, 1));
    k.push_back(SecondsKey(
        "accounts.code_ttl", "lifetime of an e-mailed code",
        [](C& c) -> std::chrono::seconds& { return c.accounts.code_ttl; }, 1));
    k.push_back(IntKey(
        "accounts.code_max_attempts", "wrong tries before a code dies",
        [](C& c) -> int& { return c.accounts.code_max_attempts; }, 1, 100));
    k.push_back(SecondsKey(
        "accounts.code_resend_interval", "least time between two codes for one purpose",
        [](C& c) -> std::chrono::seconds& { return c.accounts.code_resend_interval; }, 0));
    k.push_back(IntKey(
        "accounts.code_max_sends_per_hour", "codes per purpose per hour",
        [](C& c) -> int& { return c.accounts.code_max_sends_per_hour; }, 1, 1000));
    k.push_back(StringKey("accounts.product_name", "name used in e-mail subjects",
                          [](C& c) -> std::string& { return c.accounts.product_name; }));
    AddThrottleKeys(k, "accounts.throttle.per_account", "every address on one account",
                    [](C& c) -> ThrottleRule& { return c.accounts.throttle.per_account; });
    AddThrottleKeys(k, "accounts.throttle.per_account_address", "one client address on one account",
                    [](C& c) -> ThrottleRule& { return c.accounts.throttle.per_account_address; });
    AddThrottleKeys(k, "accounts.throttle.per_address", "one client address on every account",
                    [](C& c) -> ThrottleRule& { return c.accounts.throttle.per_address; });
    k.push_back(IntKey(
        "accounts.throttle.max_tracked_keys", "throttle counters kept in memory at most",
        [](C& c) -> std::size_t& { return c.accounts.throttle.max_tracked_keys; }, 1, 100'000'000));
    k.push_back(CurrencyKey());
    k.push_back(GatewayKey());
    KeySpec webhook_secret =
        StringKey("payments.webhook_secret",
                  "key that signs gateway callbacks, at least 32 bytes (file or env only)",
                  [](C& c) -> std::string& { return c.webhook_secret; });
    webhook_secret.secret = true;
    k.push_back(std::move(webhook_secret));
    k.push_back(StringKey(
        "payments.webhook_secret_file", "webhook key file, created (mode 0600) when missing",
        [](C& c) -> std::string& { return c.webhook_secret_file; }, "<data_dir>/webhook.key"));
    k.push_back(SecondsKey(
        "wallets.topup_timeout", "a top-up the gateway has not confirmed by then expires",
        [](C& c) -> std::chrono::seconds& { return c.wallets.topup_timeout; }, 1));
    k.push_back(IntKey(
        "wallets.max_topup_amount", "largest top-up, in minor units of the currency",
        [](C& c) -> std::int64_t& { return c.wallets.max_topup_amount; }, 1,
        std::numeric_limits<std::int64_t>::max()));
    k.push_back(SecondsKey(
        "bookings.hold_ttl", "how long a hold keeps its seats unpaid",
        [](C& c) -> std::chrono::seconds& { return c.bookings.hold_ttl; }, 1));
    k.push_back(SecondsKey(
        "bookings.waitlist_offer_ttl",
        "how long the hold offered to the first in a waitlist keeps its seats unpaid",
        [](C& c) -> std::chrono::seconds& { return c.bookings.waitlist_offer_ttl; }, 1));
    k.push_back(SecondsKey(
        "bookings.card_payment_hold",
        "how long a hold paid by card keeps its seats while the gateway has not answered "
        "(never past the top-up's expiry, wallets.topup_timeout)",
        [](C& c) -> std::chrono::seconds& { return c.bookings.card_payment_hold; }, 1));
    k.push_back(SecondsKey(
        "bookings.reminder_lead", "how long before an event its attendees get their reminder",
        [](C& c) -> std::chrono::seconds& { return c.bookings.reminder_lead; }, 1));
    k.push_back(BoolKey("settlement.automatic",
                        "settle due events with a job every minute (else admins settle them)",
                        &C::settlement_automatic));
    k.push_back(SecondsKey(
        "settlement.delay", "an event is due for settlement this long after its end",
        [](C& c) -> std::chrono::seconds& { return c.settlements.delay; }, 0));
    k.push_back(IntKey(
        "settlement.commission_bps", "platform commission in basis points (1000 = 10%)",
        [](C& c) -> std::int32_t& { return c.settlements.commission_bps; }, 0, 10000));
    AddOidcKeys(k);
    return k;
  }();
  return keys;
}

// The named oidc.<n>.* slots become the engine's providers; a slot with settings but no name,
// issuer or client id is a mistake. The engine checks the rest (names, duplicates).
Status AssembleOidcProviders(ServerConfig& config) {
  std::string base = config.oidc_redirect_base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  config.sign_in.providers.clear();
  for (int slot = 0; slot < kOidcProviderSlots; ++slot) {
    OidcProvider provider = config.oidc_slots[slot];
    const bool any = !provider.name.empty() || !provider.issuer.empty() ||
                     !provider.client_id.empty() || !provider.client_secret.empty() ||
                     !provider.allowed_email_domains.empty();
    if (!any) continue;
    if (provider.name.empty() || provider.issuer.empty() || provider.client_id.empty()) {
      return ConfigError(fmt::format(
          "oidc.{0}: a provider needs oidc.{0}.name, oidc.{0}.issuer and oidc.{0}.client_id",
          slot + 1));
    }
    for (std::string& domain : provider.allowed_email_domains) domain = Lower(domain);
    if (!base.empty()) {
      provider.redirect_uri = fmt::format("{}/api/v1/auth/oidc/{}/callback", base, provider.name);
    }
    config.sign_in.providers.push_back(std::move(provider));
  }
  return Status::Ok();
}

const KeySpec* FindKey(std::string_view name) {
  for (const KeySpec& key : Keys()) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

std::string EnvironmentName(std::string_view key) {
  std::string out = "EVENTIFY_";
  for (char c : key) {
    out.push_back(c == '.' || c == '-'
                      ? '_'
                      : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

Status Apply(ServerConfig& config, const KeySpec& key, std::string_view value,
             std::string_view source) {
  const std::string problem = key.set(config, value);
  if (problem.empty()) return Status::Ok();
  return ConfigError(fmt::format("invalid value for {} ({}): {}", key.name, source, problem));
}

Status ApplyFile(ServerConfig& config, const std::string& path) {
  std::ifstream in(path);
  if (!in) return ConfigError(fmt::format("cannot read the config file {}", path));
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string_view text = Trim(line);
    if (text.empty() || text.front() == '#') continue;
    const std::size_t equals = text.find('=');
    if (equals == std::string_view::npos) {
      return ConfigError(fmt::format("{} line {}: expected `key = value`", path, number));
    }
    const std::string_view name = Trim(text.substr(0, equals));
    std::string_view value = Trim(text.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    const KeySpec* key = FindKey(name);
    if (key == nullptr) {
      return ConfigError(fmt::format("{} line {}: unknown key '{}'", path, number, name));
    }
    Status applied = Apply(config, *key, value, fmt::format("{} line {}", path, number));
    if (!applied.ok()) return applied;
  }
  if (in.bad()) return ConfigError(fmt::format("cannot read the config file {}", path));
  return Status::Ok();
}

}  // namespace

std::string CheckCorsOrigin(std::string_view origin) {
  if (origin == "*") return {};
  std::string_view rest;
  if (origin.rfind("https://", 0) == 0) {
    rest = origin.substr(8);
  } else if (origin.rfind("http://", 0) == 0) {
    rest = origin.substr(7);
  } else {
    return "origins start with http:// or https://";
  }
  if (rest.empty()) return "an origin names a host";
  for (char c : rest) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                    c == ':' || c == '[' || c == ']';
    if (!ok) return "an origin is scheme://host[:port], without a path or a trailing slash";
  }
  return {};
}

Result<std::vector<Flag>> ParseFlags(const std::vector<std::string>& args) {
  std::vector<Flag> flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h") {
      flags.push_back({"help", "", false});
      continue;
    }
    if (arg.size() <= 2 || arg.compare(0, 2, "--") != 0) {
      return InvalidArgument("usage", fmt::format("unexpected argument '{}'", arg));
    }
    const std::string body = arg.substr(2);
    const std::size_t equals = body.find('=');
    if (equals != std::string::npos) {
      flags.push_back({body.substr(0, equals), body.substr(equals + 1), true});
      continue;
    }
    if (body == "help" || body == "version" || body == "print-routes") {
      flags.push_back({body, "", false});
      continue;
    }
    if (i + 1 >= args.size() || args[i + 1].compare(0, 2, "--") == 0) {
      return InvalidArgument("usage", fmt::format("option --{} needs a value", body));
    }
    flags.push_back({body, args[++i], true});
  }
  return flags;
}

std::optional<std::string> ProcessEnvironment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Result<ServerConfig> LoadConfig(const std::vector<Flag>& flags,
                                const EnvironmentLookup& environment) {
  ServerConfig config;

  std::optional<std::string> config_file;
  if (auto from_env = environment("EVENTIFY_CONFIG"); from_env && !from_env->empty()) {
    config_file = *from_env;
  }
  for (const Flag& flag : flags) {
    if (flag.name == "config") config_file = flag.value;
  }
  if (config_file) {
    Status applied = ApplyFile(config, *config_file);
    if (!applied.ok()) return applied;
  }

  for (const KeySpec& key : Keys()) {
    const std::string name = EnvironmentName(key.name);
    const auto value = environment(name);
    if (!value || value->empty()) continue;
    Status applied = Apply(config, key, *value, "environment variable " + name);
    if (!applied.ok()) return applied;
  }

  for (const Flag& flag : flags) {
    if (flag.name == "config") continue;
    const KeySpec* key = FindKey(flag.name);
    if (key == nullptr) {
      return ConfigError(fmt::format("unknown option --{} (see --help)", flag.name));
    }
    if (key->secret) {
      const std::string file_key = std::string(key->name) + "_file";
      return ConfigError(fmt::format(
          "{} cannot be given on the command line, where other users of the machine can read "
          "it; use {}{}",
          key->name, EnvironmentName(key->name),
          FindKey(file_key) != nullptr ? " or " + file_key : " or the config file"));
    }
    if (!flag.has_value) return ConfigError(fmt::format("option --{} needs a value", flag.name));
    Status applied = Apply(config, *key, flag.value, "--" + flag.name);
    if (!applied.ok()) return applied;
  }

  if (config.mail_transport == MailTransport::kSmtp && config.smtp.url.empty()) {
    return ConfigError("smtp.url must be set when mail.transport is smtp");
  }
  if (config.jobs_backoff > config.jobs_max_backoff) {
    return ConfigError("jobs.backoff must not be longer than jobs.max_backoff");
  }

  if (Status checked = CheckOperationsConfig(config); !checked.ok()) return checked;

  config.ws.host = config.listen_host;
  config.ws.backlog = config.listen_backlog;

  const std::string& dir = config.data_dir;
  if (config.database_url.empty()) config.database_url = "sqlite:" + dir + "/eventify.db";
  if (config.secret_key_file.empty()) config.secret_key_file = dir + "/secret.key";
  if (config.webhook_secret_file.empty()) config.webhook_secret_file = dir + "/webhook.key";
  if (config.outbox_dir.empty()) config.outbox_dir = dir + "/outbox";
  if (config.media_dir.empty()) config.media_dir = dir + "/media";
  if (config.media_store == MediaStoreKind::kByDatabase) {
    config.media_store = IsPostgresUrl(config.database_url) ? MediaStoreKind::kDatabase
                                                            : MediaStoreKind::kFilesystem;
  }
  if (Status providers = AssembleOidcProviders(config); !providers.ok()) return providers;
  return config;
}

std::string ConfigUsage() {
  ServerConfig defaults;
  std::string out;
  for (const KeySpec& key : Keys()) {
    const std::string shown = key.secret ? std::string("(none)") : key.show(defaults);
    out += fmt::format("  --{:<34} {}\n  {:<36} default {}; env {}\n", std::string(key.name) + "=",
                       key.help, "", shown, EnvironmentName(key.name));
  }
  return out;
}

}  // namespace eventify::server
