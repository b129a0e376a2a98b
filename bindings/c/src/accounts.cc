// Accounts and sessions (eventify_c.h, "Accounts").
#include "handles.h"

namespace eventify::capi {
namespace {

void FillUser(eventify_user* out, const User& user) {
  out->id = Dup(user.id);
  out->email = Dup(user.email);
  out->full_name = Dup(user.full_name);
  out->role = static_cast<eventify_role>(user.role);
  out->email_verified = user.email_verified ? 1 : 0;
  out->blocked = user.blocked ? 1 : 0;
  out->created_at = ToMicros(user.created_at);
}

eventify_status GiveUser(const Result<User>& user, eventify_user** out) {
  return Give<eventify_user, eventify_user_free>(user, FillUser, out);
}

// `role`: RawEnum of the caller's eventify_role.
Result<Role> ToRole(int role) {
  switch (role) {
    case EVENTIFY_ROLE_ATTENDEE: return Role::kAttendee;
    case EVENTIFY_ROLE_ORGANIZER: return Role::kOrganizer;
    case EVENTIFY_ROLE_ADMIN: return Role::kAdmin;
  }
  return InvalidArgument("invalid_role", "not an eventify_role", "role");
}

RequestContext Context(const char* client_address) {
  return RequestContext{std::string(Arg(client_address))};
}

}  // namespace

extern "C" {

void eventify_user_free(eventify_user* user) {
  if (user == nullptr) return;
  std::free(user->id);
  std::free(user->email);
  std::free(user->full_name);
  std::free(user);
}

void eventify_session_free(eventify_session* session) { delete session; }

const char* eventify_session_user_id(const eventify_session* session) {
  return session ? session->principal.user_id.c_str() : "";
}
eventify_role eventify_session_role(const eventify_session* session) {
  return session ? static_cast<eventify_role>(session->principal.role) : EVENTIFY_ROLE_ATTENDEE;
}
const char* eventify_session_access_token(const eventify_session* session) {
  return session ? session->access_token.c_str() : "";
}
const char* eventify_session_refresh_token(const eventify_session* session) {
  return session ? session->refresh_token.c_str() : "";
}

eventify_status eventify_register(eventify_engine* engine, const char* email,
                                  const char* password, const char* full_name, eventify_role role,
                                  eventify_user** out) {
  return Guard([&] {
    if (out != nullptr) *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    auto parsed = ToRole(RawEnum(role));
    if (!parsed.ok()) return Record(parsed.status());
    Registration registration{std::string(Arg(email)), std::string(Arg(password)),
                                        std::string(Arg(full_name)), *parsed};
    return GiveUser(engine->engine->accounts().Register(registration), out);
  });
}

eventify_status eventify_create_admin(eventify_engine* engine, const char* email,
                                      const char* password, const char* full_name,
                                      eventify_user** out) {
  return Guard([&] {
    if (out != nullptr) *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    Registration registration{std::string(Arg(email)), std::string(Arg(password)),
                                        std::string(Arg(full_name)), Role::kAdmin};
    return GiveUser(engine->engine->accounts().CreateAdmin(registration), out);
  });
}

eventify_status eventify_verify_email(eventify_engine* engine, const char* client_address,
                                      const char* email, const char* code) {
  return Guard([&] {
    if (engine == nullptr) return NullArgument("engine");
    return Record(engine->engine->accounts().VerifyEmail(Context(client_address),
                                                         Arg(email), Arg(code)));
  });
}

eventify_status eventify_resend_verification(eventify_engine* engine, const char* client_address,
                                             const char* email) {
  return Guard([&] {
    if (engine == nullptr) return NullArgument("engine");
    return Record(engine->engine->accounts().ResendVerification(
        Context(client_address), Arg(email)));
  });
}

eventify_status eventify_login(eventify_engine* engine, const char* client_address,
                               const char* email, const char* password, eventify_session** out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    Accounts& accounts = engine->engine->accounts();
    auto tokens = accounts.Login(Context(client_address), Arg(email),
                                 Arg(password));
    if (!tokens.ok()) return Record(tokens.status());
    auto principal = accounts.Authenticate(tokens->access_token);
    if (!principal.ok()) return Record(principal.status());
    *out = new eventify_session{*principal, tokens->access_token, tokens->refresh_token};
    return RecordOk();
  });
}

eventify_status eventify_authenticate(eventify_engine* engine, const char* access_token,
                                      eventify_session** out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    auto principal = engine->engine->accounts().Authenticate(Arg(access_token));
    if (!principal.ok()) return Record(principal.status());
    *out = new eventify_session{*principal, std::string(Arg(access_token)), {}};
    return RecordOk();
  });
}

eventify_status eventify_logout(eventify_engine* engine, const eventify_session* session) {
  return Guard([&] {
    if (engine == nullptr) return NullArgument("engine");
    if (session == nullptr) return NullArgument("session");
    return Record(engine->engine->accounts().LogoutAccessToken(session->access_token));
  });
}

eventify_status eventify_get_profile(eventify_engine* engine, const eventify_session* session,
                                     eventify_user** out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (session == nullptr) return NullArgument("session");
    return GiveUser(engine->engine->accounts().GetProfile(session->principal),
                                    out);
  });
}

}  // extern "C"

}  // namespace eventify::capi
