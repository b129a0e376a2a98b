// Sign-in with an OpenID Connect provider through the Engine, against the local provider that
// support/with-oidc-provider.sh runs (EVENTIFY_TEST_OIDC_*), on the storage backend chosen by
// EVENTIFY_TEST_BACKEND (sqlite or postgresql). The engine reaches the provider with the bundled
// curl fetcher; the tests mint the tokens they need through the provider's /test/ endpoints.
#define BOOST_TEST_MODULE sign_in
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include "eventify/backends/curl_http_fetcher.h"
#include "eventify/engine.h"
#include "support/test_storage.h"

using namespace eventify;

namespace {

constexpr char kPassword[] = "Str0ng-Passw0rd";
const RequestContext kClient{"198.51.100.9"};

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  BOOST_REQUIRE_MESSAGE(value != nullptr, std::string(name) + " is not set: run under "
                                                              "support/with-oidc-provider.sh");
  return value;
}

// Keeps every message so tests can read the codes; the fixture runs the due mail jobs first.
class RecordingMailer final : public spi::Mailer {
 public:
  Status Send(const spi::MailMessage& message) override {
    std::lock_guard lock(mu_);
    sent_.push_back(message);
    return Status::Ok();
  }
  std::string LastCodeTo(const std::string& to) {
    std::lock_guard lock(mu_);
    for (auto it = sent_.rbegin(); it != sent_.rend(); ++it) {
      std::smatch match;
      if (it->to == to && std::regex_search(it->text, match, std::regex("\\b(\\d{6})\\b"))) {
        return match[1];
      }
    }
    BOOST_FAIL("no code was mailed to " + to);
    return "";
  }

 private:
  std::mutex mu_;
  std::vector<spi::MailMessage> sent_;
};

struct Fixture {
  Fixture()
      : issuer(Env("EVENTIFY_TEST_OIDC_ISSUER")),
        client_id(Env("EVENTIFY_TEST_OIDC_CLIENT_ID")),
        fetcher(spi::MakeCurlHttpFetcher({})),
        clock(std::make_shared<spi::ManualClock>(spi::SystemClock().Now())),
        mailer(std::make_shared<RecordingMailer>()),
        storage(testing::OpenFreshStorage()) {
    EngineOptions options;
    options.secret_key = std::string(32, 'k');
    options.storage = storage;
    options.mailer = mailer;
    options.media_store = spi::MakeFilesystemMediaStore("/nonexistent-media", "/media/");
    options.clock = clock;
    options.http_fetcher = fetcher;
    options.accounts.password_hash_cost = PasswordHashCost::kMinimum;
    options.sign_in.providers.push_back({"test", issuer, client_id, "", {}, ""});
    options.sign_in.providers.push_back({"corp", issuer, client_id, "", {"corp.example"}, ""});
    auto opened = Engine::Open(std::move(options));
    BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    engine = std::move(opened).value();
  }

  // Asks the provider for a token; `fields` are /test/mint's (claims as JSON, alg, kid, key,
  // tamper).
  std::string Mint(const std::string& claims, spi::FormFields fields = {}) {
    fields.emplace_back("claims", claims);
    auto response = fetcher->PostForm(issuer + "/test/mint", fields);
    BOOST_REQUIRE_MESSAGE(response.ok() && response->status == 200, "minting failed");
    std::smatch match;
    BOOST_REQUIRE(std::regex_search(response->body, match, std::regex("\"token\": \"([^\"]*)\"")));
    return match[1];
  }

  int JwksFetches() {
    auto response = fetcher->Get(issuer + "/test/stats");
    BOOST_REQUIRE(response.ok() && response->status == 200);
    std::smatch match;
    BOOST_REQUIRE(std::regex_search(response->body, match, std::regex("\"jwks_fetches\": (\\d+)")));
    return std::stoi(match[1]);
  }

  void Publish(const std::string& kid) {
    auto response = fetcher->PostForm(issuer + "/test/publish", {{"kid", kid}});
    BOOST_REQUIRE(response.ok() && response->status == 200);
  }

  // Claims of a verified user `sub` with `email`, for a request with `nonce`.
  static std::string Claims(const std::string& sub, const std::string& email,
                            const std::string& nonce, const std::string& extra = "") {
    return "{\"sub\": \"" + sub + "\", \"email\": \"" + email +
           "\", \"email_verified\": true, \"nonce\": \"" + nonce + "\"" + extra + "}";
  }

  Result<SignInOutcome> SignInWith(const std::string& token, const std::string& nonce,
                                   const std::string& provider = "test") {
    return engine->sign_in().SignInWithIdToken(kClient, provider, token, nonce);
  }

  // Signs `sub` in and expects tokens.
  TokenPair SignedIn(const std::string& sub, const std::string& email, const std::string& nonce) {
    auto outcome = SignInWith(Mint(Claims(sub, email, nonce)), nonce);
    BOOST_REQUIRE_MESSAGE(outcome.ok(), outcome.status().ToString());
    BOOST_REQUIRE(outcome->tokens.has_value());
    return *outcome->tokens;
  }

  Principal PrincipalOf(const TokenPair& pair) {
    auto principal = engine->accounts().Authenticate(pair.access_token);
    BOOST_REQUIRE_MESSAGE(principal.ok(), principal.status().ToString());
    return *principal;
  }

  User RegisterVerified(const std::string& email) {
    auto user = engine->accounts().Register({email, kPassword, "Ada Lovelace", Role::kAttendee});
    BOOST_REQUIRE_MESSAGE(user.ok(), user.status().ToString());
    RunMailJobs();
    Status verified = engine->accounts().VerifyEmail(kClient, email, mailer->LastCodeTo(email));
    BOOST_REQUIRE_MESSAGE(verified.ok(), verified.ToString());
    return *user;
  }

  void RunMailJobs() {
    auto ran = engine->jobs().RunDueJobs(100);
    BOOST_REQUIRE_MESSAGE(ran.ok(), ran.status().ToString());
  }

  void ExpectRefused(const Result<SignInOutcome>& outcome, StatusCode code,
                     const std::string& reason) {
    BOOST_REQUIRE(!outcome.ok());
    BOOST_TEST(static_cast<int>(outcome.status().code()) == static_cast<int>(code));
    BOOST_TEST(outcome.status().reason() == reason);
  }

  std::string issuer;
  std::string client_id;
  std::shared_ptr<spi::HttpFetcher> fetcher;
  std::shared_ptr<spi::ManualClock> clock;
  std::shared_ptr<RecordingMailer> mailer;
  std::shared_ptr<spi::Storage> storage;
  std::unique_ptr<Engine> engine;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(sign_in, Fixture)

BOOST_AUTO_TEST_CASE(first_sign_in_creates_an_attendee_and_the_next_finds_it) {
  auto first = SignInWith(Mint(Claims("sub-new", "New.User@Example.com", "n-1")), "n-1");
  BOOST_REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  BOOST_REQUIRE(first->tokens.has_value());
  BOOST_TEST(first->account_created);
  BOOST_TEST(first->tokens->user.email == "new.user@example.com");
  BOOST_TEST(first->tokens->user.email_verified);
  BOOST_TEST(static_cast<int>(first->tokens->user.role) == static_cast<int>(Role::kAttendee));

  auto second = SignInWith(Mint(Claims("sub-new", "new.user@example.com", "n-2")), "n-2");
  BOOST_REQUIRE(second.ok());
  BOOST_TEST(!second->account_created);
  BOOST_TEST(second->tokens->user.id == first->tokens->user.id);

  auto identities = engine->sign_in().ListIdentities(PrincipalOf(*second->tokens));
  BOOST_REQUIRE(identities.ok());
  BOOST_REQUIRE(identities->size() == 1u);
  BOOST_TEST((*identities)[0].issuer == issuer);
  BOOST_TEST((*identities)[0].subject == "sub-new");
  BOOST_TEST((*identities)[0].provider == "test");
}

BOOST_AUTO_TEST_CASE(es256_tokens_are_accepted) {
  auto outcome = SignInWith(Mint(Claims("sub-ec", "ec@example.com", "n-ec"), {{"alg", "ES256"}}),
                            "n-ec");
  BOOST_REQUIRE_MESSAGE(outcome.ok(), outcome.status().ToString());
  BOOST_TEST(outcome->tokens.has_value());
}

BOOST_AUTO_TEST_CASE(a_replayed_nonce_is_refused) {
  const std::string token = Mint(Claims("sub-replay", "replay@example.com", "n-once"));
  BOOST_REQUIRE(SignInWith(token, "n-once").ok());
  ExpectRefused(SignInWith(token, "n-once"), StatusCode::kUnauthenticated, "nonce_reused");
}

BOOST_AUTO_TEST_CASE(a_nonce_other_than_the_requests_is_refused) {
  ExpectRefused(SignInWith(Mint(Claims("sub-x", "x@example.com", "n-a")), "n-b"),
                StatusCode::kUnauthenticated, "id_token_nonce");
  ExpectRefused(SignInWith(Mint(Claims("sub-x", "x@example.com", "n-a")), ""),
                StatusCode::kInvalidArgument, "missing_nonce");
}

BOOST_AUTO_TEST_CASE(wrong_audience_and_azp_are_refused) {
  ExpectRefused(SignInWith(Mint(Claims("s", "a@example.com", "n-aud", ", \"aud\": \"someone-else\"")),
                           "n-aud"),
                StatusCode::kUnauthenticated, "id_token_audience");
  const std::string both = ", \"aud\": [\"" + client_id + "\", \"other\"], \"azp\": \"other\"";
  ExpectRefused(SignInWith(Mint(Claims("s", "a@example.com", "n-azp", both)), "n-azp"),
                StatusCode::kUnauthenticated, "id_token_audience");
  const std::string no_azp = ", \"aud\": [\"" + client_id + "\", \"other\"]";
  ExpectRefused(SignInWith(Mint(Claims("s", "a@example.com", "n-azp2", no_azp)), "n-azp2"),
                StatusCode::kUnauthenticated, "id_token_audience");
}

BOOST_AUTO_TEST_CASE(a_wrong_issuer_is_refused) {
  ExpectRefused(
      SignInWith(Mint(Claims("s", "a@example.com", "n-iss", ", \"iss\": \"https://evil.example\"")),
                 "n-iss"),
      StatusCode::kUnauthenticated, "id_token_issuer");
}

BOOST_AUTO_TEST_CASE(expired_and_future_tokens_are_refused_beyond_the_skew) {
  const long long now =
      std::chrono::duration_cast<std::chrono::seconds>(clock->Now().time_since_epoch()).count();
  const auto times = [&](long long iat, long long exp) {
    return ", \"iat\": " + std::to_string(iat) + ", \"exp\": " + std::to_string(exp);
  };
  ExpectRefused(SignInWith(Mint(Claims("s", "a@example.com", "n-exp", times(now - 600, now - 61))),
                           "n-exp"),
                StatusCode::kUnauthenticated, "id_token_expired");
  ExpectRefused(SignInWith(Mint(Claims("s", "a@example.com", "n-iat", times(now + 61, now + 600))),
                           "n-iat"),
                StatusCode::kUnauthenticated, "id_token_not_yet_valid");
  // Within the default skew of 60 s.
  auto skewed = SignInWith(Mint(Claims("s-skew", "skew@example.com", "n-skew",
                                       times(now + 30, now - 30 + 60))),
                           "n-skew");
  BOOST_TEST_MESSAGE(skewed.status().ToString());
  BOOST_TEST(skewed.ok());
}

BOOST_AUTO_TEST_CASE(a_bad_signature_is_refused) {
  ExpectRefused(SignInWith(Mint(Claims("s", "a@example.com", "n-sig"), {{"tamper", "1"}}), "n-sig"),
                StatusCode::kUnauthenticated, "id_token_signature");
  ExpectRefused(SignInWith(Mint(Claims("s", "a@example.com", "n-sig2"),
                                {{"alg", "ES256"}, {"tamper", "1"}}),
                           "n-sig2"),
                StatusCode::kUnauthenticated, "id_token_signature");
}

BOOST_AUTO_TEST_CASE(none_hmac_and_a_foreign_algorithm_are_refused) {
  ExpectRefused(SignInWith(Mint(Claims("s", "a@example.com", "n-none"), {{"alg", "none"}}),
                           "n-none"),
                StatusCode::kUnauthenticated, "id_token_algorithm");
  // HS256 "signed" with the RSA public key as the secret: the classic key confusion.
  ExpectRefused(SignInWith(Mint(Claims("s", "a@example.com", "n-hs"), {{"alg", "HS256"}}), "n-hs"),
                StatusCode::kUnauthenticated, "id_token_algorithm");
  // ES256 named in the header over the RSA key's id: the key decides, not the token.
  ExpectRefused(SignInWith(Mint(Claims("s", "a@example.com", "n-mix"),
                                {{"alg", "ES256"}, {"kid", "rsa-1"}}),
                           "n-mix"),
                StatusCode::kUnauthenticated, "id_token_algorithm");
}

BOOST_AUTO_TEST_CASE(keys_are_cached_and_an_unknown_kid_refetches_once) {
  const int before = JwksFetches();
  SignedIn("sub-cache", "cache@example.com", "n-c1");
  SignedIn("sub-cache", "cache@example.com", "n-c2");
  SignedIn("sub-cache", "cache@example.com", "n-c3");
  BOOST_TEST(JwksFetches() == before + 1);  // once, not per request

  clock->Advance(std::chrono::minutes(2));  // past key_refresh_interval
  const std::string hidden = Mint(Claims("sub-cache", "cache@example.com", "n-h1"),
                                  {{"key", "hidden-1"}});
  ExpectRefused(SignInWith(hidden, "n-h1"), StatusCode::kUnauthenticated, "id_token_key_unknown");
  BOOST_TEST(JwksFetches() == before + 2);  // one refetch...
  ExpectRefused(SignInWith(Mint(Claims("sub-cache", "cache@example.com", "n-h2"),
                                {{"key", "hidden-1"}}),
                           "n-h2"),
                StatusCode::kUnauthenticated, "id_token_key_unknown");
  BOOST_TEST(JwksFetches() == before + 2);  // ...and no more within the interval

  // A rotation: the provider publishes a new key; the next unknown kid finds it.
  Publish("rotated-1");
  clock->Advance(std::chrono::minutes(2));
  auto rotated = SignInWith(Mint(Claims("sub-cache", "cache@example.com", "n-r1"),
                                 {{"key", "rotated-1"}}),
                            "n-r1");
  BOOST_REQUIRE_MESSAGE(rotated.ok(), rotated.status().ToString());
  BOOST_TEST(JwksFetches() == before + 3);
}

BOOST_AUTO_TEST_CASE(a_matching_account_links_only_after_its_password) {
  const User ada = RegisterVerified("ada@example.com");
  auto outcome = SignInWith(Mint(Claims("sub-ada", "ada@example.com", "n-l1")), "n-l1");
  BOOST_REQUIRE_MESSAGE(outcome.ok(), outcome.status().ToString());
  BOOST_TEST(!outcome->tokens.has_value());
  BOOST_TEST(outcome->link_email == "ada@example.com");
  BOOST_REQUIRE(!outcome->link_token.empty());

  auto wrong = engine->sign_in().LinkWithPassword(kClient, outcome->link_token, "Wrong-Passw0rd");
  BOOST_REQUIRE(!wrong.ok());
  BOOST_TEST(wrong.status().reason() == "invalid_credentials");
  // Not linked yet: the same identity still waits.
  auto again = SignInWith(Mint(Claims("sub-ada", "ada@example.com", "n-l2")), "n-l2");
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(!again->tokens.has_value());

  auto linked = engine->sign_in().LinkWithPassword(kClient, outcome->link_token, kPassword);
  BOOST_REQUIRE_MESSAGE(linked.ok(), linked.status().ToString());
  BOOST_TEST(linked->user.id == ada.id);
  auto spent = engine->sign_in().LinkWithPassword(kClient, outcome->link_token, kPassword);
  BOOST_REQUIRE(!spent.ok());
  BOOST_TEST(spent.status().reason() == "invalid_link_token");

  const TokenPair direct = SignedIn("sub-ada", "ada@example.com", "n-l3");
  BOOST_TEST(direct.user.id == ada.id);
}

BOOST_AUTO_TEST_CASE(a_matching_account_links_with_an_emailed_code) {
  const User grace = RegisterVerified("grace@example.com");
  auto outcome = SignInWith(Mint(Claims("sub-grace", "grace@example.com", "n-g1")), "n-g1");
  BOOST_REQUIRE(outcome.ok());
  auto no_code = engine->sign_in().LinkWithCode(outcome->link_token, "123456");
  BOOST_REQUIRE(!no_code.ok());
  BOOST_TEST(no_code.status().reason() == "no_pending_code");
  BOOST_REQUIRE(engine->sign_in().SendLinkCode(outcome->link_token).ok());
  RunMailJobs();
  const std::string code = mailer->LastCodeTo("grace@example.com");
  auto wrong = engine->sign_in().LinkWithCode(outcome->link_token, code == "000000" ? "000001" : "000000");
  BOOST_REQUIRE(!wrong.ok());
  BOOST_TEST(wrong.status().reason() == "invalid_code");
  auto linked = engine->sign_in().LinkWithCode(outcome->link_token, code);
  BOOST_REQUIRE_MESSAGE(linked.ok(), linked.status().ToString());
  BOOST_TEST(linked->user.id == grace.id);
}

BOOST_AUTO_TEST_CASE(an_unverified_provider_address_neither_creates_nor_links) {
  RegisterVerified("eve@example.com");
  const std::string unverified =
      "{\"sub\": \"sub-eve\", \"email\": \"eve@example.com\", \"email_verified\": false, "
      "\"nonce\": \"n-e1\"}";
  ExpectRefused(SignInWith(Mint(unverified), "n-e1"), StatusCode::kFailedPrecondition,
                "email_not_verified");
}

BOOST_AUTO_TEST_CASE(allowed_domains_are_enforced) {
  ExpectRefused(SignInWith(Mint(Claims("sub-d", "d@example.com", "n-d1")), "n-d1", "corp"),
                StatusCode::kPermissionDenied, "email_domain_not_allowed");
  auto corp = SignInWith(Mint(Claims("sub-d2", "d@corp.example", "n-d2")), "n-d2", "corp");
  BOOST_REQUIRE_MESSAGE(corp.ok(), corp.status().ToString());
}

BOOST_AUTO_TEST_CASE(blocked_users_are_refused) {
  const TokenPair pair = SignedIn("sub-blocked", "blocked@example.com", "n-b1");
  auto admin = engine->accounts().CreateAdmin({"root@example.com", kPassword, "Root", Role::kAdmin});
  BOOST_REQUIRE(admin.ok());
  auto login = engine->accounts().Login(kClient, "root@example.com", kPassword);
  BOOST_REQUIRE(login.ok());
  BOOST_REQUIRE(engine->accounts().SetBlocked(PrincipalOf(*login), pair.user.id, true).ok());
  ExpectRefused(SignInWith(Mint(Claims("sub-blocked", "blocked@example.com", "n-b2")), "n-b2"),
                StatusCode::kPermissionDenied, "account_blocked");
}

BOOST_AUTO_TEST_CASE(unlinking_keeps_a_way_to_sign_in) {
  const TokenPair first = SignedIn("sub-u1", "unlink@example.com", "n-u1");
  const Principal principal = PrincipalOf(first);
  auto identities = engine->sign_in().ListIdentities(principal);
  BOOST_REQUIRE(identities.ok() && identities->size() == 1u);
  Status last = engine->sign_in().UnlinkIdentity(principal, (*identities)[0].id);
  BOOST_TEST(last.reason() == "last_sign_in_method");
  // A second identity with the same address links by e-mailed code (no password to prove).
  auto outcome = SignInWith(Mint(Claims("sub-u2", "unlink@example.com", "n-u2")), "n-u2");
  BOOST_REQUIRE(outcome.ok() && !outcome->tokens);
  BOOST_REQUIRE(engine->sign_in().LinkWithPassword(kClient, outcome->link_token, kPassword)
                    .status()
                    .reason() == "invalid_credentials");
  BOOST_REQUIRE(engine->sign_in().SendLinkCode(outcome->link_token).ok());
  RunMailJobs();
  BOOST_REQUIRE(engine->sign_in()
                    .LinkWithCode(outcome->link_token, mailer->LastCodeTo("unlink@example.com"))
                    .ok());
  identities = engine->sign_in().ListIdentities(principal);
  BOOST_REQUIRE(identities.ok() && identities->size() == 2u);
  BOOST_TEST(engine->sign_in().UnlinkIdentity(principal, (*identities)[0].id).ok());
  BOOST_TEST(engine->sign_in().UnlinkIdentity(principal, (*identities)[1].id).reason() ==
             "last_sign_in_method");
  BOOST_TEST(engine->sign_in().UnlinkIdentity(principal, "no-such-id").reason() ==
             "identity_not_found");
}

BOOST_AUTO_TEST_SUITE_END()
