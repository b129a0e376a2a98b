#include "accounts_routes.h"

#include <algorithm>

#include "authentication.h"
#include "http_errors.h"
#include "json.h"

namespace eventify::server {

void WriteUser(JsonWriter& json, const User& user) {
  json.BeginObject();
  json.StringMember("id", user.id);
  json.StringMember("email", user.email);
  json.StringMember("full_name", user.full_name);
  json.StringMember("role", RoleName(user.role));
  json.BoolMember("email_verified", user.email_verified);
  json.BoolMember("blocked", user.blocked);
  json.Key("avatar_url");
  if (user.avatar_url) {
    json.String(*user.avatar_url);
  } else {
    json.Null();
  }
  json.StringMember("created_at", FormatTimestamp(user.created_at));
  json.StringMember("updated_at", FormatTimestamp(user.updated_at));
  json.EndObject();
}

namespace {

ApiResponse UserResponse(int status, const User& user) {
  JsonWriter json;
  json.BeginObject().Key("user");
  WriteUser(json, user);
  json.EndObject();
  return JsonResponse(status, json.Finish());
}

// Who asks, for the library's throttles.
RequestContext ContextOf(const ApiRequest& request) {
  return RequestContext{std::string(request.remote_address())};
}

ApiResponse FlagResponse(int status, std::string_view key) {
  JsonWriter json;
  json.BeginObject().BoolMember(key, true).EndObject();
  return JsonResponse(status, json.Finish());
}

}  // namespace

std::int64_t SecondsFrom(Timestamp now, Timestamp until) {
  return std::max<std::int64_t>(0, std::chrono::floor<std::chrono::seconds>(until - now).count());
}

// Tokens must not be cached by anything between us and the client (RFC 6749 section 5.1).
ApiResponse TokenResponse(const TokenPair& pair, Timestamp now,
                          std::optional<bool> account_created) {
  JsonWriter json;
  json.BeginObject();
  if (account_created) json.BoolMember("account_created", *account_created);
  json.StringMember("access_token", pair.access_token);
  json.StringMember("token_type", "Bearer");
  json.IntMember("expires_in", SecondsFrom(now, pair.access_expires_at));
  json.StringMember("refresh_token", pair.refresh_token);
  json.IntMember("refresh_expires_in", SecondsFrom(now, pair.refresh_expires_at));
  json.Key("user");
  WriteUser(json, pair.user);
  json.EndObject();
  ApiResponse response = JsonResponse(200, json.Finish());
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

namespace {

class AccountRoutes {
 public:
  explicit AccountRoutes(Engine& engine) : accounts_(engine.accounts()), clock_(engine.clock()) {}

  ApiResponse Register(const ApiRequest& request) {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    Registration registration;
    std::optional<std::string> role;
    Status read = body->Read(
        {Required("email", registration.email), Required("password", registration.password),
         Required("full_name", registration.full_name), Optional("role", role)});
    if (!read.ok()) return ErrorResponse(read);
    if (role) {
      auto parsed = ParseRole(*role);
      if (!parsed.ok()) return ErrorResponse(parsed.status());
      registration.role = *parsed;
    }
    auto user = accounts_.Register(registration);
    if (!user.ok()) return ErrorResponse(user.status());
    return UserResponse(201, *user);
  }

  ApiResponse VerifyEmail(const ApiRequest& request) {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string email, code;
    Status read = body->Read({Required("email", email), Required("code", code)});
    if (!read.ok()) return ErrorResponse(read);
    Status verified = accounts_.VerifyEmail(ContextOf(request), email, code);
    if (!verified.ok()) return ErrorResponse(verified);
    return FlagResponse(200, "verified");
  }

  ApiResponse ResendVerification(const ApiRequest& request) {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string email;
    Status read = body->Read({Required("email", email)});
    if (!read.ok()) return ErrorResponse(read);
    Status sent = accounts_.ResendVerification(ContextOf(request), email);
    if (!sent.ok()) return ErrorResponse(sent);
    return FlagResponse(202, "sent");
  }

  ApiResponse Login(const ApiRequest& request) {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string email, password;
    Status read = body->Read({Required("email", email), Required("password", password)});
    if (!read.ok()) return ErrorResponse(read);
    auto pair = accounts_.Login(ContextOf(request), email, password);
    if (!pair.ok()) return ErrorResponse(pair.status());
    return TokenResponse(*pair, clock_.Now());
  }

  ApiResponse Refresh(const ApiRequest& request) {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string refresh_token;
    Status read = body->Read({Required("refresh_token", refresh_token)});
    if (!read.ok()) return ErrorResponse(read);
    auto pair = accounts_.Refresh(refresh_token);
    if (!pair.ok()) return ErrorResponse(pair.status());
    return TokenResponse(*pair, clock_.Now());
  }

  // With a body, ends the session of its refresh token; without one, the session of the bearer.
  ApiResponse Logout(const ApiRequest& request) {
    if (request.body().empty()) {
      auto token = BearerToken(request);
      if (!token.ok()) return ErrorResponse(token.status());
      Status done = accounts_.LogoutAccessToken(*token);
      if (!done.ok()) return ErrorResponse(done);
      return NoContent();
    }
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string refresh_token;
    Status read = body->Read({Required("refresh_token", refresh_token)});
    if (!read.ok()) return ErrorResponse(read);
    Status done = accounts_.Logout(refresh_token);
    if (!done.ok()) return ErrorResponse(done);
    return NoContent();
  }

  ApiResponse RequestPasswordReset(const ApiRequest& request) {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string email;
    Status read = body->Read({Required("email", email)});
    if (!read.ok()) return ErrorResponse(read);
    Status sent = accounts_.RequestPasswordReset(ContextOf(request), email);
    if (!sent.ok()) return ErrorResponse(sent);
    return FlagResponse(202, "sent");
  }

  ApiResponse ConfirmPasswordReset(const ApiRequest& request) {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string email, code, new_password;
    Status read = body->Read(
        {Required("email", email), Required("code", code), Required("new_password", new_password)});
    if (!read.ok()) return ErrorResponse(read);
    Status reset = accounts_.ResetPassword(ContextOf(request), email, code, new_password);
    if (!reset.ok()) return ErrorResponse(reset);
    return FlagResponse(200, "reset");
  }

  ApiResponse ChangePassword(const ApiRequest& request) {
    auto principal = Authenticate(request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string current_password, new_password;
    Status read = body->Read(
        {Required("current_password", current_password), Required("new_password", new_password)});
    if (!read.ok()) return ErrorResponse(read);
    Status changed = accounts_.ChangePassword(*principal, current_password, new_password);
    if (!changed.ok()) return ErrorResponse(changed);
    return FlagResponse(200, "changed");
  }

  ApiResponse GetMe(const ApiRequest& request) {
    auto principal = Authenticate(request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return UserResult(accounts_.GetProfile(*principal));
  }

  ApiResponse PatchMe(const ApiRequest& request) {
    auto principal = Authenticate(request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    ProfileUpdate update;
    Status read = body->Read({Optional("full_name", update.full_name)});
    if (!read.ok()) return ErrorResponse(read);
    return UserResult(accounts_.UpdateProfile(*principal, update));
  }

  // The image is the raw body, or the part "avatar" of a multipart/form-data body.
  ApiResponse PutAvatar(const ApiRequest& request) {
    auto principal = Authenticate(request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    std::string_view bytes = request.body();
    if (request.is_multipart()) {
      const auto part = request.form_part("avatar");
      if (!part) {
        return ErrorResponse(
            InvalidArgument("missing_field", "the form part 'avatar' is required", "avatar"));
      }
      bytes = *part;
    }
    return UserResult(accounts_.SetAvatar(*principal, bytes));
  }

  ApiResponse AdminGetUser(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return UserResult(accounts_.GetUser(*principal, params.at(0)));
  }

  // GET /api/v1/admin/users?email=&name=&role=&blocked=&verified=&cursor=&limit=
  ApiResponse AdminListUsers(const ApiRequest& request) {
    auto principal = Authenticate(request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    UserQuery query;
    query.email = std::string(request.query("email").value_or(""));
    query.name = std::string(request.query("name").value_or(""));
    query.cursor = std::string(request.query("cursor").value_or(""));
    if (const auto role = request.query("role")) {
      auto parsed = ParseRole(*role);
      if (!parsed.ok()) return ErrorResponse(parsed.status());
      query.role = *parsed;
    }
    Status read = ReadBoolQuery(request, "blocked", query.blocked);
    if (read.ok()) read = ReadBoolQuery(request, "verified", query.email_verified);
    if (read.ok()) read = ReadLimit(request, query.limit);
    if (!read.ok()) return ErrorResponse(read);
    auto page = accounts_.ListUsers(*principal, query);
    if (!page.ok()) return ErrorResponse(page.status());
    return PageResponse(page->items, page->next_cursor, WriteUser);
  }

  ApiResponse AdminSetBlocked(const ApiRequest& request, const PathParams& params, bool blocked) {
    auto principal = Authenticate(request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return UserResult(accounts_.SetBlocked(*principal, params.at(0), blocked));
  }

  ApiResponse AdminSetRole(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string role_name;
    Status read = body->Read({Required("role", role_name)});
    if (!read.ok()) return ErrorResponse(read);
    auto role = ParseRole(role_name);
    if (!role.ok()) return ErrorResponse(role.status());
    return UserResult(accounts_.SetRole(*principal, params.at(0), *role));
  }

 private:
  Result<Principal> Authenticate(const ApiRequest& request) {
    return server::Authenticate(accounts_, request);
  }

  static ApiResponse UserResult(const Result<User>& user) {
    if (!user.ok()) return ErrorResponse(user.status());
    return UserResponse(200, *user);
  }

  Accounts& accounts_;
  const spi::Clock& clock_;
};

}  // namespace

void AddAccountRoutes(Router& router, Engine& engine) {
  auto routes = std::make_shared<AccountRoutes>(engine);
  // Adapts a member taking only the request.
  const auto plain = [routes](ApiResponse (AccountRoutes::*member)(const ApiRequest&)) {
    return [routes, member](const ApiRequest& request, const PathParams&) {
      return ((*routes).*member)(request);
    };
  };
  router.Add("POST", "/api/v1/auth/register", plain(&AccountRoutes::Register));
  router.Add("POST", "/api/v1/auth/verify-email", plain(&AccountRoutes::VerifyEmail));
  router.Add("POST", "/api/v1/auth/resend-verification", plain(&AccountRoutes::ResendVerification));
  router.Add("POST", "/api/v1/auth/login", plain(&AccountRoutes::Login));
  router.Add("POST", "/api/v1/auth/refresh", plain(&AccountRoutes::Refresh));
  router.Add("POST", "/api/v1/auth/logout", plain(&AccountRoutes::Logout));
  router.Add("POST", "/api/v1/auth/password-reset/request",
             plain(&AccountRoutes::RequestPasswordReset));
  router.Add("POST", "/api/v1/auth/password-reset/confirm",
             plain(&AccountRoutes::ConfirmPasswordReset));
  router.Add("POST", "/api/v1/me/password", plain(&AccountRoutes::ChangePassword));
  router.Add("GET", "/api/v1/me", plain(&AccountRoutes::GetMe));
  router.Add("PATCH", "/api/v1/me", plain(&AccountRoutes::PatchMe));
  router.Add("PUT", "/api/v1/me/avatar", plain(&AccountRoutes::PutAvatar));
  router.Add("GET", "/api/v1/admin/users", plain(&AccountRoutes::AdminListUsers));
  router.Add("GET", "/api/v1/admin/users/{}",
             [routes](const ApiRequest& request, const PathParams& params) {
               return routes->AdminGetUser(request, params);
             });
  router.Add("POST", "/api/v1/admin/users/{}/block",
             [routes](const ApiRequest& request, const PathParams& params) {
               return routes->AdminSetBlocked(request, params, true);
             });
  router.Add("POST", "/api/v1/admin/users/{}/unblock",
             [routes](const ApiRequest& request, const PathParams& params) {
               return routes->AdminSetBlocked(request, params, false);
             });
  router.Add("PUT", "/api/v1/admin/users/{}/role",
             [routes](const ApiRequest& request, const PathParams& params) {
               return routes->AdminSetRole(request, params);
             });
}

}  // namespace eventify::server
