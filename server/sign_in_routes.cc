#include "sign_in_routes.h"

#include "accounts_routes.h"
#include "authentication.h"
#include "http_errors.h"
#include "json.h"

namespace eventify::server {
namespace {

ApiResponse NoStore(ApiResponse response) {
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

class SignInRoutes {
 public:
  explicit SignInRoutes(Engine& engine)
      : sign_in_(engine.sign_in()), accounts_(engine.accounts()), clock_(engine.clock()) {}

  ApiResponse ListProviders(const ApiRequest&, const PathParams&) {
    JsonWriter json;
    json.BeginObject().Key("providers").BeginArray();
    for (const std::string& name : sign_in_.Providers()) {
      json.BeginObject().StringMember("name", name).EndObject();
    }
    json.EndArray().EndObject();
    return JsonResponse(200, json.Finish());
  }

  // Sends the browser to the provider; the JSON body carries the same URL for scripts.
  ApiResponse Start(const ApiRequest&, const PathParams& params) {
    auto request = sign_in_.BeginCodeFlow(params.at(0));
    if (!request.ok()) return ErrorResponse(request.status());
    JsonWriter json;
    json.BeginObject().StringMember("authorization_url", request->url).EndObject();
    ApiResponse response = JsonResponse(302, json.Finish());
    response.headers.emplace_back("Location", request->url);
    return NoStore(std::move(response));
  }

  // Where the provider sends the browser back: ?code=&state=, or ?error= when it refused.
  ApiResponse Callback(const ApiRequest& request, const PathParams&) {
    if (const auto error = request.query("error")) {
      return ErrorResponse(Unauthenticated(
          "provider_refused", "the provider did not sign you in (" + std::string(*error) + ")"));
    }
    const auto state = request.query("state");
    const auto code = request.query("code");
    if (!state || !code) {
      return ErrorResponse(InvalidArgument("missing_field", "the callback needs state and code",
                                           state ? "code" : "state"));
    }
    return OutcomeResponse(sign_in_.CompleteCodeFlow(ContextOf(request), *state, *code));
  }

  ApiResponse IdToken(const ApiRequest& request, const PathParams& params) {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string id_token, nonce;
    Status read = body->Read({Required("id_token", id_token), Required("nonce", nonce)});
    if (!read.ok()) return ErrorResponse(read);
    return OutcomeResponse(
        sign_in_.SignInWithIdToken(ContextOf(request), params.at(0), id_token, nonce));
  }

  // {link_token, password} or {link_token, code}.
  ApiResponse Link(const ApiRequest& request, const PathParams&) {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string link_token;
    std::optional<std::string> password, code;
    Status read = body->Read(
        {Required("link_token", link_token), Optional("password", password), Optional("code", code)});
    if (!read.ok()) return ErrorResponse(read);
    if (password.has_value() == code.has_value()) {
      return ErrorResponse(InvalidArgument("missing_field", "send either password or code",
                                           "password"));
    }
    auto pair = password ? sign_in_.LinkWithPassword(ContextOf(request), link_token, *password)
                         : sign_in_.LinkWithCode(link_token, *code);
    if (!pair.ok()) return ErrorResponse(pair.status());
    return TokenResponse(*pair, clock_.Now());
  }

  ApiResponse SendLinkCode(const ApiRequest& request, const PathParams&) {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string link_token;
    Status read = body->Read({Required("link_token", link_token)});
    if (!read.ok()) return ErrorResponse(read);
    Status sent = sign_in_.SendLinkCode(link_token);
    if (!sent.ok()) return ErrorResponse(sent);
    JsonWriter json;
    json.BeginObject().BoolMember("sent", true).EndObject();
    return JsonResponse(202, json.Finish());
  }

  ApiResponse ListIdentities(const ApiRequest& request, const PathParams&) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto identities = sign_in_.ListIdentities(*principal);
    if (!identities.ok()) return ErrorResponse(identities.status());
    JsonWriter json;
    json.BeginObject().Key("identities").BeginArray();
    for (const Identity& identity : *identities) {
      json.BeginObject();
      json.StringMember("id", identity.id);
      json.StringMember("provider", identity.provider);
      json.StringMember("issuer", identity.issuer);
      json.StringMember("subject", identity.subject);
      json.StringMember("email", identity.email);
      json.StringMember("created_at", FormatTimestamp(identity.created_at));
      json.StringMember("last_used_at", FormatTimestamp(identity.last_used_at));
      json.EndObject();
    }
    json.EndArray().EndObject();
    return JsonResponse(200, json.Finish());
  }

  ApiResponse Unlink(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    Status done = sign_in_.UnlinkIdentity(*principal, params.at(0));
    if (!done.ok()) return ErrorResponse(done);
    return NoContent();
  }

 private:
  static RequestContext ContextOf(const ApiRequest& request) {
    return RequestContext{std::string(request.remote_address())};
  }

  // Tokens (200), or 202 with the link token when an existing account must prove itself.
  ApiResponse OutcomeResponse(const Result<SignInOutcome>& outcome) {
    if (!outcome.ok()) return ErrorResponse(outcome.status());
    const Timestamp now = clock_.Now();
    if (outcome->tokens) return TokenResponse(*outcome->tokens, now, outcome->account_created);
    JsonWriter json;
    json.BeginObject();
    json.BoolMember("link_required", true);
    json.StringMember("link_token", outcome->link_token);
    json.StringMember("email", outcome->link_email);
    json.IntMember("expires_in", SecondsFrom(now, outcome->link_expires_at));
    json.EndObject();
    return NoStore(JsonResponse(202, json.Finish()));
  }

  SignIn& sign_in_;
  Accounts& accounts_;
  const spi::Clock& clock_;
};

}  // namespace

void AddSignInRoutes(Router& router, Engine& engine) {
  auto routes = std::make_shared<SignInRoutes>(engine);
  const auto bind = [routes](ApiResponse (SignInRoutes::*member)(const ApiRequest&,
                                                                  const PathParams&)) {
    return [routes, member](const ApiRequest& request, const PathParams& params) {
      return ((*routes).*member)(request, params);
    };
  };
  router.Add("GET", "/api/v1/auth/oidc/providers", bind(&SignInRoutes::ListProviders));
  router.Add("GET", "/api/v1/auth/oidc/{}/start", bind(&SignInRoutes::Start));
  router.Add("GET", "/api/v1/auth/oidc/{}/callback", bind(&SignInRoutes::Callback));
  router.Add("POST", "/api/v1/auth/oidc/{}/id-token", bind(&SignInRoutes::IdToken));
  router.Add("POST", "/api/v1/auth/oidc/link", bind(&SignInRoutes::Link));
  router.Add("POST", "/api/v1/auth/oidc/link/code", bind(&SignInRoutes::SendLinkCode));
  router.Add("GET", "/api/v1/me/identities", bind(&SignInRoutes::ListIdentities));
  router.Add("DELETE", "/api/v1/me/identities/{}", bind(&SignInRoutes::Unlink));
}

}  // namespace eventify::server
