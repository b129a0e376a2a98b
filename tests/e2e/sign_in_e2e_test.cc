// End-to-end test of sign-in with an OpenID Connect provider: the real eventify-server, on the
// backend EVENTIFY_TEST_BACKEND selects, configured with the local provider that
// support/with-oidc-provider.sh runs (EVENTIFY_TEST_OIDC_*). The authorization-code flow runs as
// a browser would: the server's redirect to the provider, the provider's redirect back with the
// code, the callback; the ID-token endpoint, the linking rule and the identities routes answer
// with the exact status and code docs/accounts-api.md gives.
#define BOOST_TEST_MODULE e2e_sign_in
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <string>

#include "e2e_client.h"

namespace {

namespace e2e = eventify::e2e;
using e2e::CheckError;

constexpr char kServer[] = EVENTIFY_SERVER_PATH;
// Where the provider sends the browser back; the test plays the browser and calls the server.
constexpr char kRedirectBase[] = "http://127.0.0.1:9";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) {
    BOOST_FAIL(std::string(name) + " is not set: run under support/with-oidc-provider.sh");
  }
  return value;
}

e2e::Deployment& TheDeployment() {
  static e2e::Deployment deployment(
      kServer,
      {"--oidc.1.name=test", "--oidc.1.issuer=" + Env("EVENTIFY_TEST_OIDC_ISSUER"),
       "--oidc.1.client_id=" + Env("EVENTIFY_TEST_OIDC_CLIENT_ID"),
       std::string("--oidc.redirect_base=") + kRedirectBase},
      {"EVENTIFY_OIDC_1_CLIENT_SECRET=" + Env("EVENTIFY_TEST_OIDC_CLIENT_SECRET")});
  return deployment;
}

// The provider, over HTTP.
class Provider {
 public:
  Provider() : client_(Env("EVENTIFY_TEST_OIDC_ISSUER")) {}

  void NextUser(const std::string& sub, const std::string& email) {
    const std::string user = "{\"sub\": \"" + sub + "\", \"email\": \"" + email +
                             "\", \"email_verified\": true, \"name\": \"Via Provider\"}";
    auto reply = client_.Post("/test/next-user", httplib::Params{{"user", user}});
    BOOST_REQUIRE(reply && reply->status == 200);
  }

  std::string Mint(const std::string& claims) {
    auto reply = client_.Post("/test/mint", httplib::Params{{"claims", claims}});
    BOOST_REQUIRE(reply && reply->status == 200);
    rapidjson::Document json;
    json.Parse(reply->body.c_str());
    return json["token"].GetString();
  }

  // Follows the server's redirect to the provider's authorization endpoint; returns where the
  // provider sends the browser back.
  std::string Authorize(const std::string& authorization_url) {
    const std::string issuer = Env("EVENTIFY_TEST_OIDC_ISSUER");
    BOOST_REQUIRE(authorization_url.rfind(issuer + "/authorize?", 0) == 0);
    auto reply = client_.Get(authorization_url.substr(issuer.size()));
    BOOST_REQUIRE(reply);
    BOOST_REQUIRE_EQUAL(reply->status, 302);
    return reply->get_header_value("Location");
  }

 private:
  httplib::Client client_;
};

// The path and query the browser would call on the server, from the provider's redirect.
std::string CallbackPath(const std::string& location) {
  BOOST_REQUIRE(location.rfind(kRedirectBase, 0) == 0);
  return location.substr(std::string(kRedirectBase).size());
}

std::string Claims(const std::string& sub, const std::string& email, const std::string& nonce,
                   const std::string& extra = "") {
  return "{\"sub\": \"" + sub + "\", \"email\": \"" + email +
         "\", \"email_verified\": true, \"nonce\": \"" + nonce + "\"" + extra + "}";
}

e2e::Reply PostIdToken(e2e::Api& api, const std::string& token, const std::string& nonce) {
  return api.PostJson("/api/v1/auth/oidc/test/id-token",
                      e2e::JsonObject({{"id_token", token}, {"nonce", nonce}}));
}

}  // namespace

BOOST_AUTO_TEST_CASE(providers_are_listed) {
  e2e::Api api = TheDeployment().api();
  const e2e::Reply reply = api.Get("/api/v1/auth/oidc/providers");
  BOOST_REQUIRE_EQUAL(reply.status, 200);
  BOOST_REQUIRE_EQUAL(reply.Count("/providers"), 1);
  BOOST_TEST(reply.Str("/providers/0/name") == "test");
  CheckError(api.Get("/api/v1/auth/oidc/nope/start"), 404, "unknown_provider");
}

BOOST_AUTO_TEST_CASE(code_flow_end_to_end_then_the_state_is_spent) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  Provider provider;
  const std::string email = deployment.NewEmail("codeflow");
  provider.NextUser("sub-codeflow", email);

  const e2e::Reply start = api.Get("/api/v1/auth/oidc/test/start");
  BOOST_REQUIRE_EQUAL(start.status, 302);
  // The same URL in both (the HTTP client percent-decodes the header it hands over).
  BOOST_TEST(start.Header("Location").rfind(Env("EVENTIFY_TEST_OIDC_ISSUER") + "/authorize?", 0) ==
             0u);
  const std::string callback = CallbackPath(provider.Authorize(start.Str("/authorization_url")));

  const e2e::Reply signed_in = api.Get(callback);
  BOOST_REQUIRE_MESSAGE(signed_in.status == 200, signed_in.body);
  BOOST_TEST(signed_in.Bool("/account_created"));
  BOOST_TEST(signed_in.Str("/user/email") == email);
  BOOST_TEST(signed_in.Str("/user/role") == "attendee");
  BOOST_TEST(signed_in.Header("Cache-Control") == "no-store");
  const std::string access = signed_in.Str("/access_token");
  const e2e::Reply me = api.Get("/api/v1/me", access);
  BOOST_REQUIRE_EQUAL(me.status, 200);
  BOOST_TEST(me.Str("/user/email") == email);
  const e2e::Reply identities = api.Get("/api/v1/me/identities", access);
  BOOST_REQUIRE_EQUAL(identities.status, 200);
  BOOST_REQUIRE_EQUAL(identities.Count("/identities"), 1);
  BOOST_TEST(identities.Str("/identities/0/subject") == "sub-codeflow");
  BOOST_TEST(identities.Str("/identities/0/provider") == "test");

  // The callback replayed: the state was spent by the first one.
  CheckError(api.Get(callback), 401, "invalid_state");
  CheckError(api.Get("/api/v1/auth/oidc/test/callback?state=made-up&code=x"), 401,
             "invalid_state");
  CheckError(api.Get("/api/v1/auth/oidc/test/callback?state=made-up"), 400, "missing_field",
             "code");
  CheckError(api.Get("/api/v1/auth/oidc/test/callback?error=access_denied"), 401,
             "provider_refused");

  // A second flow signs the same identity in without creating anything.
  const e2e::Reply again_start = api.Get("/api/v1/auth/oidc/test/start");
  const e2e::Reply again =
      api.Get(CallbackPath(provider.Authorize(again_start.Str("/authorization_url"))));
  BOOST_REQUIRE_EQUAL(again.status, 200);
  BOOST_TEST(!again.Bool("/account_created"));
  BOOST_TEST(again.Str("/user/id") == signed_in.Str("/user/id"));

  // Its only way in cannot be unlinked.
  CheckError(api.Send("DELETE", "/api/v1/me/identities/" + identities.Str("/identities/0/id"), "",
                      "", access),
             422, "last_sign_in_method");
}

BOOST_AUTO_TEST_CASE(id_token_endpoint_checks_the_token_and_spends_the_nonce) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  Provider provider;
  const std::string email = deployment.NewEmail("idtoken");
  const std::string token = provider.Mint(Claims("sub-idtoken", email, "nonce-1"));
  const e2e::Reply first = PostIdToken(api, token, "nonce-1");
  BOOST_REQUIRE_MESSAGE(first.status == 200, first.body);
  BOOST_TEST(first.Bool("/account_created"));
  CheckError(PostIdToken(api, token, "nonce-1"), 401, "nonce_reused");
  CheckError(PostIdToken(api, provider.Mint(Claims("s", email, "nonce-2", ", \"aud\": \"other\"")),
                         "nonce-2"),
             401, "id_token_audience");
  CheckError(PostIdToken(api, "not.a-token", "nonce-3"), 401, "id_token_malformed");
  CheckError(api.PostJson("/api/v1/auth/oidc/test/id-token",
                          e2e::JsonObject({{"id_token", token}})),
             400, "missing_field", "nonce");
}

BOOST_AUTO_TEST_CASE(an_existing_account_links_after_its_password) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  Provider provider;
  const e2e::Account account = e2e::NewVerifiedAccount(deployment, "linking");
  const e2e::Reply pending =
      PostIdToken(api, provider.Mint(Claims("sub-linking", account.email, "nonce-l1")), "nonce-l1");
  BOOST_REQUIRE_EQUAL(pending.status, 202);
  BOOST_TEST(pending.Bool("/link_required"));
  BOOST_TEST(pending.Str("/email") == account.email);
  BOOST_TEST(!pending.Has("/access_token"));
  const std::string link_token = pending.Str("/link_token");

  CheckError(api.PostJson("/api/v1/auth/oidc/link",
                          e2e::JsonObject({{"link_token", link_token}, {"password", "Wrong-1-pass"}})),
             401, "invalid_credentials");
  const e2e::Reply linked = api.PostJson(
      "/api/v1/auth/oidc/link",
      e2e::JsonObject({{"link_token", link_token}, {"password", e2e::kPassword}}));
  BOOST_REQUIRE_MESSAGE(linked.status == 200, linked.body);
  BOOST_TEST(linked.Str("/user/id") == account.id);
  CheckError(api.PostJson("/api/v1/auth/oidc/link",
                          e2e::JsonObject({{"link_token", link_token}, {"password", e2e::kPassword}})),
             401, "invalid_link_token");

  // Linked: the identity signs in directly, and the account (it has a password) may unlink it.
  const e2e::Reply direct =
      PostIdToken(api, provider.Mint(Claims("sub-linking", account.email, "nonce-l2")), "nonce-l2");
  BOOST_REQUIRE_EQUAL(direct.status, 200);
  BOOST_TEST(direct.Str("/user/id") == account.id);
  const e2e::Reply identities = api.Get("/api/v1/me/identities", account.access);
  BOOST_REQUIRE_EQUAL(identities.Count("/identities"), 1);
  const e2e::Reply unlinked = api.Send(
      "DELETE", "/api/v1/me/identities/" + identities.Str("/identities/0/id"), "", "", account.access);
  BOOST_TEST(unlinked.status == 204);
  BOOST_TEST(api.Get("/api/v1/me/identities", account.access).Count("/identities") == 0);
}
