// End-to-end tests of the accounts HTTP API: the real eventify-server binary on a free port with a
// temporary data folder, on the backend EVENTIFY_TEST_BACKEND selects, driven over HTTP. One
// server serves the whole suite; the last test stops it with SIGTERM and expects exit code 0.
#define BOOST_TEST_MODULE e2e_accounts
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e_client.h"
#include "eventify/backends/soci.h"
#include "eventify/status.h"
#include "server_process.h"
#include "support/test_storage.h"

namespace {

namespace e2e = eventify::e2e;
using eventify::HttpStatusFor;
using eventify::StatusCode;

constexpr char kServer[] = EVENTIFY_SERVER_PATH;
constexpr char kNewPassword[] = "Battery-Staple-77";
constexpr std::size_t kMaxBody = 256 * 1024;
constexpr std::size_t kAvatarMax = 64 * 1024;

const int kUnprocessable = HttpStatusFor(StatusCode::kFailedPrecondition);
const int kForbidden = HttpStatusFor(StatusCode::kPermissionDenied);

// The server under test, started on first use and shared by the test cases.
e2e::Deployment& TheDeployment() {
  static e2e::Deployment deployment(kServer,
                                    {"--http.max_body_bytes=" + std::to_string(kMaxBody),
                                     "--accounts.avatar_max_bytes=" + std::to_string(kAvatarMax)});
  return deployment;
}

// A second server with the real limits on code e-mails (the shared one lifts them so that tests
// may ask for codes freely) and a smaller, configured allowance of wrong guesses.
constexpr int kFreeGuesses = 5;
constexpr int kFirstLockout = 45;

e2e::Deployment& GuardedDeployment() {
  static e2e::Deployment deployment(
      kServer,
      {"--accounts.code_resend_interval=60s", "--accounts.code_max_sends_per_hour=5",
       "--accounts.throttle.per_account_address.free_attempts=" + std::to_string(kFreeGuesses),
       "--accounts.throttle.per_account_address.first_lockout=" + std::to_string(kFirstLockout) +
           "s"});
  return deployment;
}

// The e-mails in the outbox to `email` (their names end with "-<email>.eml").
int MailsTo(const e2e::Deployment& deployment, const std::string& email) {
  const std::string suffix = "-" + email + ".eml";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(deployment.outbox())) {
    const std::string name = entry.path().filename().string();
    if (name.size() > suffix.size() && name.ends_with(suffix)) ++count;
  }
  return count;
}

using e2e::Account;
using e2e::CheckError;
using e2e::kPassword;
using e2e::Login;

Account NewVerifiedAccount(const std::string& tag) {
  return e2e::NewVerifiedAccount(TheDeployment(), tag);
}

std::string RefreshBody(const std::string& token) {
  return e2e::JsonObject({{"refresh_token", token}});
}

}  // namespace

BOOST_AUTO_TEST_CASE(healthz_reports_ok) {
  e2e::Api api = TheDeployment().api();
  const e2e::Reply health = api.Get("/healthz");
  BOOST_TEST(health.status == 200);
  BOOST_TEST(health.Str("/status") == "ok");
  BOOST_TEST(health.Header("X-Request-Id").size() == 16u);

  httplib::Client client("127.0.0.1", TheDeployment().server().port());
  const auto echoed = client.Get("/healthz", {{"X-Request-Id", "trace-abc.123"}});
  BOOST_REQUIRE(echoed);
  BOOST_TEST(echoed->get_header_value("X-Request-Id") == "trace-abc.123");
}

BOOST_AUTO_TEST_CASE(secret_key_file_is_generated_private) {
  TheDeployment().server();
  const auto path = TheDeployment().data_dir() / "secret.key";
  struct stat info {};
  BOOST_REQUIRE(::stat(path.c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 0777) == 0600u);
  std::ifstream in(path);
  std::string key;
  std::getline(in, key);
  BOOST_TEST(key.size() == 64u);  // 32 random bytes, hex
}

BOOST_AUTO_TEST_CASE(register_verify_login_refresh_logout) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const std::string email = deployment.NewEmail("flow");

  const e2e::Reply registered = api.PostJson(
      "/api/v1/auth/register",
      e2e::JsonObject({{"email", email}, {"password", kPassword}, {"full_name", "Ada Lovelace"}}));
  BOOST_REQUIRE_EQUAL(registered.status, 201);
  BOOST_TEST(registered.Str("/user/email") == email);
  BOOST_TEST(registered.Str("/user/full_name") == "Ada Lovelace");
  BOOST_TEST(registered.Str("/user/role") == "attendee");
  BOOST_TEST(!registered.Bool("/user/email_verified"));
  BOOST_TEST(!registered.Bool("/user/blocked"));
  BOOST_TEST(registered.IsNull("/user/avatar_url"));
  BOOST_TEST(registered.Str("/user/created_at").back() == 'Z');
  BOOST_TEST(registered.Has("/user/updated_at"));
  const std::string user_id = registered.Str("/user/id");

  CheckError(
      api.PostJson(
          "/api/v1/auth/register",
          e2e::JsonObject({{"email", email}, {"password", kPassword}, {"full_name", "Ada Again"}})),
      HttpStatusFor(StatusCode::kAlreadyExists), "email_taken");
  CheckError(Login(api, email, kPassword), kUnprocessable, "email_not_verified");

  const std::string code = deployment.CodeFor(email);
  const e2e::Reply verified = api.PostJson("/api/v1/auth/verify-email",
                                           e2e::JsonObject({{"email", email}, {"code", code}}));
  BOOST_TEST(verified.status == 200);
  BOOST_TEST(verified.Bool("/verified"));
  CheckError(api.PostJson("/api/v1/auth/verify-email",
                          e2e::JsonObject({{"email", email}, {"code", code}})),
             kUnprocessable, "already_verified");

  const e2e::Reply login = Login(api, email, kPassword);
  BOOST_REQUIRE_EQUAL(login.status, 200);
  BOOST_TEST(login.Str("/token_type") == "Bearer");
  BOOST_TEST(login.Int("/expires_in") > 0);
  BOOST_TEST(login.Int("/expires_in") <= 900);
  BOOST_TEST(login.Int("/refresh_expires_in") > 900);
  BOOST_TEST(login.Bool("/user/email_verified"));
  BOOST_TEST(login.Header("Cache-Control") == "no-store");
  CheckError(Login(api, email, "Wrong-Password-1"), 401, "invalid_credentials");

  const std::string access = login.Str("/access_token");
  const std::string refresh = login.Str("/refresh_token");
  const e2e::Reply me = api.Get("/api/v1/me", access);
  BOOST_TEST(me.status == 200);
  BOOST_TEST(me.Str("/user/id") == user_id);

  const e2e::Reply anonymous = api.Get("/api/v1/me");
  CheckError(anonymous, 401, "missing_token");
  BOOST_TEST(anonymous.Header("WWW-Authenticate").rfind("Bearer", 0) == 0u);
  CheckError(api.Get("/api/v1/me", "not-a-token"), 401, "invalid_token");

  const e2e::Reply renamed =
      api.PatchJson("/api/v1/me", e2e::JsonObject({{"full_name", "Ada King"}}), access);
  BOOST_TEST(renamed.status == 200);
  BOOST_TEST(renamed.Str("/user/full_name") == "Ada King");
  CheckError(api.PatchJson("/api/v1/me", e2e::JsonObject({{"full_name", "   "}}), access), 400,
             "invalid_full_name", "full_name");
  BOOST_TEST(api.PatchJson("/api/v1/me", "{}", access).Str("/user/full_name") == "Ada King");

  // Rotation: the new pair works, the old refresh token does not, and presenting it again
  // revokes the whole family, the new tokens included.
  const e2e::Reply rotated = api.PostJson("/api/v1/auth/refresh", RefreshBody(refresh));
  BOOST_REQUIRE_EQUAL(rotated.status, 200);
  const std::string refresh2 = rotated.Str("/refresh_token");
  const std::string access2 = rotated.Str("/access_token");
  BOOST_TEST(refresh2 != refresh);
  BOOST_TEST(api.Get("/api/v1/me", access2).status == 200);
  CheckError(api.PostJson("/api/v1/auth/refresh", RefreshBody(refresh)), 401, "token_reused");
  CheckError(api.PostJson("/api/v1/auth/refresh", RefreshBody(refresh2)), 401, "session_revoked");
  CheckError(api.Get("/api/v1/me", access2), 401, "session_revoked");

  // Logout with a refresh token ends that session.
  const e2e::Reply second = Login(api, email, kPassword);
  BOOST_REQUIRE_EQUAL(second.status, 200);
  const e2e::Reply logout =
      api.PostJson("/api/v1/auth/logout", RefreshBody(second.Str("/refresh_token")));
  BOOST_TEST(logout.status == 204);
  BOOST_TEST(logout.body.empty());
  CheckError(api.PostJson("/api/v1/auth/refresh", RefreshBody(second.Str("/refresh_token"))), 401,
             "session_revoked");
  CheckError(api.PostJson("/api/v1/auth/logout", RefreshBody("no-such-token")), 401,
             "invalid_token");

  // Logout with the bearer and no body ends the bearer's session.
  const e2e::Reply third = Login(api, email, kPassword);
  BOOST_REQUIRE_EQUAL(third.status, 200);
  BOOST_TEST(api.Send("POST", "/api/v1/auth/logout", "", "", third.Str("/access_token")).status ==
             204);
  CheckError(api.Get("/api/v1/me", third.Str("/access_token")), 401, "session_revoked");
  CheckError(api.Send("POST", "/api/v1/auth/logout", "", ""), 401, "missing_token");
}

// docs/accounts-api.md: a bearer scheme without a token is a missing token, and logout is
// idempotent whichever token names the session.
BOOST_AUTO_TEST_CASE(empty_bearer_is_missing_and_logout_is_idempotent) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  for (const std::string value : {"Bearer ", "Bearer", "bearer   ", ""}) {
    BOOST_TEST_CONTEXT("Authorization: '" << value << "'") {
      CheckError(api.Send("GET", "/api/v1/me", "", "", "", {{"Authorization", value}}), 401,
                 "missing_token");
    }
  }
  CheckError(api.Send("GET", "/api/v1/me", "", "", "", {{"Authorization", "Basic YTpi"}}), 401,
             "invalid_token");

  const Account account = NewVerifiedAccount("logout-twice");
  for (int attempt = 1; attempt <= 2; ++attempt) {
    const e2e::Reply logout = api.Send("POST", "/api/v1/auth/logout", "", "", account.access);
    BOOST_TEST(logout.status == 204, "bearer logout " << attempt << ": " << logout.body);
    BOOST_TEST(logout.body.empty());
  }
  CheckError(api.Get("/api/v1/me", account.access), 401, "session_revoked");
  CheckError(api.PostJson("/api/v1/auth/refresh", RefreshBody(account.refresh)), 401,
             "session_revoked");

  const e2e::Reply again = Login(api, account.email, kPassword);
  BOOST_REQUIRE_EQUAL(again.status, 200);
  for (int attempt = 1; attempt <= 2; ++attempt) {
    const e2e::Reply logout =
        api.PostJson("/api/v1/auth/logout", RefreshBody(again.Str("/refresh_token")));
    BOOST_TEST(logout.status == 204, "refresh-token logout " << attempt << ": " << logout.body);
  }
  CheckError(api.Get("/api/v1/me", again.Str("/access_token")), 401, "session_revoked");
  CheckError(api.Send("POST", "/api/v1/auth/logout", "", "", "", {{"Authorization", "Bearer "}}),
             401, "missing_token");
}

BOOST_AUTO_TEST_CASE(five_wrong_codes_kill_the_code) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const std::string email = deployment.NewEmail("otp");
  BOOST_REQUIRE_EQUAL(
      api.PostJson(
             "/api/v1/auth/register",
             e2e::JsonObject({{"email", email}, {"password", kPassword}, {"full_name", "Otto"}}))
          .status,
      201);
  const std::string code = deployment.CodeFor(email);
  const std::string wrong = code == "000000" ? "111111" : "000000";
  const std::string verify_path = "/api/v1/auth/verify-email";
  for (int attempt = 1; attempt <= 4; ++attempt) {
    CheckError(api.PostJson(verify_path, e2e::JsonObject({{"email", email}, {"code", wrong}})), 400,
               "invalid_code", "code");
  }
  CheckError(api.PostJson(verify_path, e2e::JsonObject({{"email", email}, {"code", wrong}})),
             kUnprocessable, "too_many_attempts");
  // Even the right code is refused now, and the account stays unverified.
  CheckError(api.PostJson(verify_path, e2e::JsonObject({{"email", email}, {"code", code}})),
             kUnprocessable, "too_many_attempts");
  CheckError(Login(api, email, kPassword), kUnprocessable, "email_not_verified");

  // A new code replaces the dead one.
  const e2e::Reply resent =
      api.PostJson("/api/v1/auth/resend-verification", e2e::JsonObject({{"email", email}}));
  BOOST_TEST(resent.status == 202);
  BOOST_TEST(resent.Bool("/sent"));
  const std::string fresh = deployment.CodeFor(email);
  BOOST_TEST(
      api.PostJson(verify_path, e2e::JsonObject({{"email", email}, {"code", fresh}})).status ==
      200);
  BOOST_TEST(Login(api, email, kPassword).status == 200);

  // Unknown addresses cannot be told apart from known ones.
  BOOST_TEST(api.PostJson("/api/v1/auth/resend-verification",
                          e2e::JsonObject({{"email", deployment.NewEmail("nobody")}}))
                 .status == 202);
}

BOOST_AUTO_TEST_CASE(password_reset_revokes_existing_sessions) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account account = NewVerifiedAccount("reset");

  const e2e::Reply requested = api.PostJson("/api/v1/auth/password-reset/request",
                                            e2e::JsonObject({{"email", account.email}}));
  BOOST_TEST(requested.status == 202);
  BOOST_TEST(requested.Bool("/sent"));
  const std::string code = deployment.CodeFor(account.email);

  CheckError(
      api.PostJson(
          "/api/v1/auth/password-reset/confirm",
          e2e::JsonObject({{"email", account.email}, {"code", code}, {"new_password", "weak"}})),
      400, "weak_password", "new_password");
  const e2e::Reply reset = api.PostJson(
      "/api/v1/auth/password-reset/confirm",
      e2e::JsonObject({{"email", account.email}, {"code", code}, {"new_password", kNewPassword}}));
  BOOST_TEST(reset.status == 200);
  BOOST_TEST(reset.Bool("/reset"));

  CheckError(api.PostJson("/api/v1/auth/refresh", RefreshBody(account.refresh)), 401,
             "session_revoked");
  CheckError(api.Get("/api/v1/me", account.access), 401, "session_revoked");
  CheckError(Login(api, account.email, kPassword), 401, "invalid_credentials");
  BOOST_TEST(Login(api, account.email, kNewPassword).status == 200);
}

BOOST_AUTO_TEST_CASE(change_password_needs_the_current_one) {
  e2e::Api api = TheDeployment().api();
  const Account account = NewVerifiedAccount("change");
  CheckError(api.PostJson("/api/v1/me/password",
                          e2e::JsonObject({{"current_password", "Not-The-One-1"},
                                           {"new_password", kNewPassword}}),
                          account.access),
             401, "invalid_credentials");
  const e2e::Reply changed = api.PostJson(
      "/api/v1/me/password",
      e2e::JsonObject({{"current_password", kPassword}, {"new_password", kNewPassword}}),
      account.access);
  BOOST_TEST(changed.status == 200);
  BOOST_TEST(changed.Bool("/changed"));
  CheckError(api.PostJson("/api/v1/auth/refresh", RefreshBody(account.refresh)), 401,
             "session_revoked");
  BOOST_TEST(Login(api, account.email, kNewPassword).status == 200);
}

BOOST_AUTO_TEST_CASE(avatar_upload_and_media) {
  e2e::Api api = TheDeployment().api();
  const Account account = NewVerifiedAccount("avatar");
  const std::string png = e2e::TinyPng();

  const e2e::Reply uploaded =
      api.Send("PUT", "/api/v1/me/avatar", png, "image/png", account.access);
  BOOST_REQUIRE_EQUAL(uploaded.status, 200);
  const std::string url = uploaded.Str("/user/avatar_url");
  BOOST_TEST(url.rfind("/media/avatars/", 0) == 0u);
  BOOST_TEST(api.Get("/api/v1/me", account.access).Str("/user/avatar_url") == url);

  const e2e::Reply fetched = api.Get(url);
  BOOST_TEST(fetched.status == 200);
  BOOST_TEST((fetched.body == png));
  BOOST_TEST(fetched.Header("Content-Type") == "image/png");
  BOOST_TEST(fetched.Header("X-Content-Type-Options") == "nosniff");

  // The declared Content-Type does not matter: the library looks at the bytes.
  CheckError(
      api.Send("PUT", "/api/v1/me/avatar", "hello, I am not an image", "image/png", account.access),
      415, "unsupported_image", "avatar");
  std::string large = png;
  large.resize(kAvatarMax + 1, '\0');
  CheckError(api.Send("PUT", "/api/v1/me/avatar", large, "image/png", account.access), 413,
             "avatar_too_large", "avatar");
  std::string huge = png;
  huge.resize(kMaxBody + 1, '\0');
  CheckError(api.Send("PUT", "/api/v1/me/avatar", huge, "image/png", account.access), 413,
             "payload_too_large");
  CheckError(api.Send("PUT", "/api/v1/me/avatar", png, "image/png"), 401, "missing_token");

  // multipart/form-data with the image in the part "avatar" replaces the previous avatar.
  const std::string boundary = "e2e-boundary-7MA4YWxkTrZu0gW";
  const std::string form = "--" + boundary +
                           "\r\nContent-Disposition: form-data; name=\"avatar\"; "
                           "filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n" +
                           png + "\r\n--" + boundary + "--\r\n";
  const e2e::Reply replaced = api.Send("PUT", "/api/v1/me/avatar", form,
                                       "multipart/form-data; boundary=" + boundary, account.access);
  BOOST_REQUIRE_EQUAL(replaced.status, 200);
  const std::string new_url = replaced.Str("/user/avatar_url");
  BOOST_TEST(new_url != url);
  BOOST_TEST((api.Get(new_url).body == png));
  CheckError(api.Get(url), 404, "media_not_found");

  const std::string no_avatar =
      "--" + boundary + "\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--" +
      boundary + "--\r\n";
  CheckError(api.Send("PUT", "/api/v1/me/avatar", no_avatar,
                      "multipart/form-data; boundary=" + boundary, account.access),
             400, "missing_field", "avatar");

  CheckError(api.Get("/media/avatars/none.png"), 404, "media_not_found");
  CheckError(api.Get("/media/avatars"), 404, "media_not_found");     // a folder, not an object
  CheckError(api.Get("/media/avatars/"), 400, "invalid_media_key");  // an empty last segment
  CheckError(api.Get("/media/a/../../secret.key"), 400, "invalid_media_key");
  CheckError(api.Get("/media/UPPER.png"), 400, "invalid_media_key");
}

BOOST_AUTO_TEST_CASE(admin_from_the_command_line_blocks_a_user) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const std::string admin_email = deployment.NewEmail("admin");

  std::vector<std::string> create = {kServer,     "admin",       "create",    "--email",
                                     admin_email, "--full-name", "Root Admin"};
  for (const std::string& flag : deployment.ConfigFlags()) create.push_back(flag);
  const std::string password_env = std::string("EVENTIFY_ADMIN_PASSWORD=") + kPassword;
  const e2e::Completed created = e2e::RunProgram(create, {password_env}, deployment.scratch());
  BOOST_TEST_INFO("stderr: " << created.err);
  BOOST_REQUIRE(created.status.exited && created.status.code == 0);
  const std::string admin_id = created.out.substr(0, created.out.find('\n'));
  BOOST_TEST(admin_id.size() == 36u);

  const e2e::Completed again = e2e::RunProgram(create, {password_env}, deployment.scratch());
  BOOST_TEST(again.status.exited);
  BOOST_TEST(again.status.code == 1);
  BOOST_TEST(again.err.find("email_taken") != std::string::npos);

  const e2e::Reply admin_login = Login(api, admin_email, kPassword);
  BOOST_REQUIRE_EQUAL(admin_login.status, 200);
  BOOST_TEST(admin_login.Str("/user/role") == "admin");
  const std::string admin = admin_login.Str("/access_token");

  const Account user = NewVerifiedAccount("blocked");
  const std::string user_path = "/api/v1/admin/users/" + user.id;
  CheckError(api.Get(user_path, user.access), kForbidden, "forbidden");
  const e2e::Reply seen = api.Get(user_path, admin);
  BOOST_TEST(seen.status == 200);
  BOOST_TEST(seen.Str("/user/email") == user.email);
  CheckError(api.Get("/api/v1/admin/users/0190f5f0-0000-7000-8000-000000000000", admin), 404,
             "user_not_found");

  const e2e::Reply promoted =
      api.PutJson(user_path + "/role", e2e::JsonObject({{"role", "organizer"}}), admin);
  BOOST_TEST(promoted.status == 200);
  BOOST_TEST(promoted.Str("/user/role") == "organizer");
  CheckError(api.PutJson(user_path + "/role", e2e::JsonObject({{"role", "emperor"}}), admin), 400,
             "invalid_role", "role");

  const e2e::Reply blocked = api.Send("POST", user_path + "/block", "", "", admin);
  BOOST_TEST(blocked.status == 200);
  BOOST_TEST(blocked.Bool("/user/blocked"));
  // Blocking ends the sessions too, but the old tokens are told about the block (as documented).
  CheckError(api.Get("/api/v1/me", user.access), kForbidden, "account_blocked");
  CheckError(Login(api, user.email, kPassword), kForbidden, "account_blocked");
  CheckError(api.PostJson("/api/v1/auth/refresh", RefreshBody(user.refresh)), kForbidden,
             "account_blocked");
  CheckError(api.Send("POST", "/api/v1/admin/users/" + admin_id + "/block", "", "", admin),
             kUnprocessable, "cannot_modify_self");

  const e2e::Reply unblocked = api.Send("POST", user_path + "/unblock", "", "", admin);
  BOOST_TEST(unblocked.status == 200);
  BOOST_TEST(!unblocked.Bool("/user/blocked"));
  BOOST_TEST(Login(api, user.email, kPassword).status == 200);
  CheckError(api.Get("/api/v1/me", user.access), 401, "session_revoked");

  // Usage errors of the admin command exit 2; there is never a default password.
  const e2e::Completed no_name = e2e::RunProgram(
      {kServer, "admin", "create", "--email", deployment.NewEmail("x")}, {}, deployment.scratch());
  BOOST_TEST(no_name.status.exited);
  BOOST_TEST(no_name.status.code == 2);
  std::vector<std::string> no_password = {
      kServer, "admin", "create", "--email", deployment.NewEmail("nopw"), "--full-name", "No Pw"};
  for (const std::string& flag : deployment.ConfigFlags()) no_password.push_back(flag);
  const e2e::Completed refused = e2e::RunProgram(no_password, {}, deployment.scratch());
  BOOST_TEST(refused.status.exited);
  BOOST_TEST(refused.status.code == 1);  // standard input is /dev/null: no password
}

// The e-mail addresses of a user list reply, in order.
std::vector<std::string> ListedEmails(const e2e::Reply& reply) {
  std::vector<std::string> emails;
  for (int i = 0; i < reply.Count("/items"); ++i) {
    emails.push_back(reply.Str(("/items/" + std::to_string(i) + "/email").c_str()));
  }
  return emails;
}

BOOST_AUTO_TEST_CASE(admins_list_and_search_users_over_http) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account admin = e2e::NewAdmin(deployment, "lister");
  // Three accounts whose addresses share a tag no other test uses; the organizer is the newest.
  const Account first = e2e::NewVerifiedAccount(deployment, "finder");
  const Account second = e2e::NewVerifiedAccount(deployment, "finder");
  const Account organizer = e2e::NewVerifiedAccount(deployment, "finder", "organizer");
  const std::string users = "/api/v1/admin/users";
  const std::string tagged = users + "?email=e2e-FINDER-";

  const e2e::Reply all = api.Get(tagged, admin.access);
  BOOST_TEST(all.status == 200);
  BOOST_TEST(
      ListedEmails(all) == (std::vector<std::string>{organizer.email, second.email, first.email}),
      boost::test_tools::per_element());
  BOOST_TEST(all.IsNull("/next_cursor"));
  BOOST_TEST(all.Str("/items/0/id") == organizer.id);
  BOOST_TEST(all.Str("/items/0/role") == "organizer");
  BOOST_TEST(all.Bool("/items/0/email_verified"));
  BOOST_TEST(!all.Bool("/items/0/blocked"));
  BOOST_TEST(all.Str("/items/0/full_name") == "Test finder");

  // A page of two, then the rest through the cursor.
  const e2e::Reply page = api.Get(tagged + "&limit=2", admin.access);
  BOOST_TEST(page.status == 200);
  BOOST_TEST(ListedEmails(page) == (std::vector<std::string>{organizer.email, second.email}),
             boost::test_tools::per_element());
  const e2e::Reply rest =
      api.Get(tagged + "&limit=2&cursor=" + page.Str("/next_cursor"), admin.access);
  BOOST_TEST(rest.status == 200);
  BOOST_TEST(ListedEmails(rest) == std::vector<std::string>{first.email},
             boost::test_tools::per_element());
  BOOST_TEST(rest.IsNull("/next_cursor"));

  // Filters: role, state, name, an exact address.
  BOOST_TEST(ListedEmails(api.Get(tagged + "&role=organizer", admin.access)) ==
                 std::vector<std::string>{organizer.email},
             boost::test_tools::per_element());
  BOOST_TEST(ListedEmails(api.Get(users + "?email=" + first.email, admin.access)) ==
                 std::vector<std::string>{first.email},
             boost::test_tools::per_element());
  BOOST_TEST(ListedEmails(
                 api.Get(tagged + "&name=TEST%20FINDER&verified=true&blocked=false", admin.access))
                 .size() == 3u);
  BOOST_TEST(api.Get(tagged + "&verified=false", admin.access).Count("/items") == 0);
  BOOST_REQUIRE_EQUAL(
      api.Send("POST", users + "/" + second.id + "/block", "", "", admin.access).status, 200);
  BOOST_TEST(ListedEmails(api.Get(tagged + "&blocked=true", admin.access)) ==
                 std::vector<std::string>{second.email},
             boost::test_tools::per_element());
  const e2e::Reply admins = api.Get(users + "?role=admin&email=" + admin.email, admin.access);
  BOOST_TEST(ListedEmails(admins) == std::vector<std::string>{admin.email},
             boost::test_tools::per_element());

  // Bad filters name the parameter; only admins may list.
  CheckError(api.Get(tagged + "&role=emperor", admin.access), 400, "invalid_role", "role");
  CheckError(api.Get(tagged + "&blocked=maybe", admin.access), 400, "invalid_filter", "blocked");
  CheckError(api.Get(tagged + "&verified=1", admin.access), 400, "invalid_filter", "verified");
  CheckError(api.Get(tagged + "&limit=0", admin.access), 400, "invalid_limit", "limit");
  CheckError(api.Get(tagged + "&limit=101", admin.access), 400, "invalid_limit", "limit");
  CheckError(api.Get(tagged + "&limit=ten", admin.access), 400, "invalid_limit", "limit");
  CheckError(api.Get(tagged + "&cursor=bogus", admin.access), 400, "invalid_cursor", "cursor");
  CheckError(api.Get(users + "?email=" + std::string(255, 'a'), admin.access), 400,
             "search_too_long", "email");
  CheckError(api.Get(users + "?name=" + std::string(255, 'a'), admin.access), 400,
             "search_too_long", "name");
  CheckError(api.Get(tagged, first.access), kForbidden, "forbidden");
  CheckError(api.Get(tagged), 401, "missing_token");

  // Re-roling through HTTP; the admin cannot demote itself.
  const e2e::Reply promoted = api.PutJson(users + "/" + first.id + "/role",
                                          e2e::JsonObject({{"role", "admin"}}), admin.access);
  BOOST_TEST(promoted.status == 200);
  BOOST_TEST(promoted.Str("/user/role") == "admin");
  CheckError(api.PutJson(users + "/" + admin.id + "/role", e2e::JsonObject({{"role", "attendee"}}),
                         admin.access),
             kUnprocessable, "cannot_modify_self");
  BOOST_TEST(ListedEmails(api.Get(tagged + "&role=admin", admin.access)) ==
                 std::vector<std::string>{first.email},
             boost::test_tools::per_element());
}

// `admin list` and `admin set-role` on a running installation.
BOOST_AUTO_TEST_CASE(operators_list_and_re_role_users_from_the_command_line) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const Account admin = e2e::NewAdmin(deployment, "cli-admin");
  const Account user = e2e::NewVerifiedAccount(deployment, "cli-user");
  const std::string created_at =
      api.Get("/api/v1/admin/users/" + user.id, admin.access).Str("/user/created_at");
  const std::string header = "id\temail\trole\temail_verified\tblocked\tcreated_at\tfull_name\n";
  const auto row = [&](const std::string& role) {
    return user.id + "\t" + user.email + "\t" + role + "\ttrue\tfalse\t" + created_at +
           "\tTest cli-user\n";
  };

  const e2e::Completed listed = deployment.Run({"admin", "list", "--email=" + user.email});
  BOOST_TEST_INFO("stderr: " << listed.err);
  BOOST_TEST(listed.status.exited);
  BOOST_TEST(listed.status.code == 0);
  BOOST_TEST(listed.out == header + row("attendee"));
  BOOST_TEST(listed.err == "");

  const e2e::Completed changed =
      deployment.Run({"admin", "set-role", "--email", user.email, "--role", "organizer"});
  BOOST_TEST_INFO("stderr: " << changed.err);
  BOOST_TEST(changed.status.code == 0);
  BOOST_TEST(changed.out == header + row("organizer"));
  BOOST_TEST(api.Get("/api/v1/me", user.access).Str("/user/role") == "organizer");

  // Pages: one user, and the cursor of the next on standard error.
  const e2e::Completed one = deployment.Run({"admin", "list", "--limit=1"});
  BOOST_TEST(one.status.code == 0);
  BOOST_TEST(std::count(one.out.begin(), one.out.end(), '\n') == 2);
  BOOST_TEST(one.err.rfind("eventify-server: more users follow: add --cursor=", 0) == 0u);

  const e2e::Completed unknown = deployment.Run(
      {"admin", "set-role", "--email=" + deployment.NewEmail("nobody"), "--role=admin"});
  BOOST_TEST(unknown.status.exited);
  BOOST_TEST(unknown.status.code == 1);
  BOOST_TEST(unknown.err ==
             "eventify-server: cannot find the user: user_not_found (not_found): no such user\n");
  BOOST_TEST(unknown.out == "");

  // Usage errors exit 2 and change nothing.
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"admin", "set-role", "--email=" + user.email, "--role=emperor"},
        std::vector<std::string>{"admin", "set-role", "--email=" + user.email},
        std::vector<std::string>{"admin", "list", "--blocked=maybe"},
        std::vector<std::string>{"admin", "list", "--limit=ten"},
        std::vector<std::string>{"admin", "list", "--cursor=bogus"},
        std::vector<std::string>{"admin", "promote"}}) {
    const e2e::Completed refused = deployment.Run(bad);
    BOOST_TEST_CONTEXT("admin " << bad[1] << " stderr: " << refused.err) {
      BOOST_TEST(refused.status.exited);
      BOOST_TEST(refused.status.code == 2);
      BOOST_TEST(refused.out == "");
    }
  }
  BOOST_TEST(api.Get("/api/v1/me", user.access).Str("/user/role") == "organizer");
}

// Operator commands on a data folder (and database) that was never set up: each refuses, names
// the database and creates nothing; once the server has run they work, and the only admin cannot
// be demoted.
BOOST_AUTO_TEST_CASE(operator_commands_refuse_an_installation_that_does_not_exist) {
  e2e::Deployment fresh(kServer);
  std::string url = "sqlite:" + (fresh.data_dir() / "eventify.db").string();
  for (const std::string& flag : fresh.ConfigFlags()) {
    if (flag.rfind("--database.url=", 0) == 0)
      url = flag.substr(std::string("--database.url=").size());
  }
  const std::string detail = eventify::testing::TestBackend() == "postgresql"
                                 ? "no Eventify migration was ever applied to the database"
                                 : "the SQLite database file does not exist";
  const std::string refusal = "eventify-server: no Eventify database at " + url + ": " + detail +
                              "; nothing was created; start the server once to set it up\n";
  const std::string password_env = std::string("EVENTIFY_ADMIN_PASSWORD=") + kPassword;
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"ledger", "audit"}, std::vector<std::string>{"admin", "list"},
        std::vector<std::string>{"admin", "set-role", "--email=a@example.com", "--role=admin"},
        std::vector<std::string>{"admin", "create", "--email=a@example.com", "--full-name=A"}}) {
    const e2e::Completed refused = fresh.Run(command, {password_env});
    BOOST_TEST_CONTEXT(command[0] << " " << command[1]) {
      BOOST_TEST(refused.status.exited);
      BOOST_TEST(refused.status.code == 1);
      BOOST_TEST(refused.err == refusal);
      BOOST_TEST(refused.out == "");
      BOOST_TEST(!std::filesystem::exists(fresh.data_dir()));
    }
  }
  if (eventify::testing::TestBackend() == "postgresql") {
    // The database is still bare, and a password in its URL is never printed.
    eventify::spi::SociStorageOptions must_exist;
    must_exist.url = url;
    must_exist.create_if_missing = false;
    BOOST_TEST(eventify::spi::OpenSociStorage(must_exist).status().reason() ==
               "database_not_found");
    const std::string with_password =
        url + (url.find('?') == std::string::npos ? "?" : "&") + "password=hunter2";
    const e2e::Completed hidden =
        e2e::RunProgram({kServer, "ledger", "audit", "--data_dir=" + fresh.data_dir().string(),
                         "--database.url=" + with_password},
                        {}, fresh.scratch());
    BOOST_TEST(hidden.status.code == 1);
    BOOST_TEST(hidden.err.find("hunter2") == std::string::npos);
    BOOST_TEST(hidden.err.find("password=***") != std::string::npos);
  }

  fresh.server();  // serving sets the installation up
  const e2e::Completed audited = fresh.Run({"ledger", "audit"});
  BOOST_TEST(audited.status.code == 0);
  BOOST_TEST(audited.out.rfind("ledger audit: clean; accounts checked: ", 0) == 0u);

  const Account only = e2e::NewAdmin(fresh, "only");
  const e2e::Completed demoted =
      fresh.Run({"admin", "set-role", "--email=" + only.email, "--role=attendee"});
  BOOST_TEST(demoted.status.exited);
  BOOST_TEST(demoted.status.code == 1);
  BOOST_TEST(demoted.err ==
             "eventify-server: cannot change the role: last_admin (failed_precondition): this is "
             "the only admin; make another user admin first\n");
  const e2e::Completed admins = fresh.Run({"admin", "list", "--role=admin"});
  BOOST_TEST(admins.status.code == 0);
  BOOST_TEST(admins.out.find("\t" + only.email + "\tadmin\ttrue\tfalse\t") != std::string::npos);
  BOOST_TEST(std::count(admins.out.begin(), admins.out.end(), '\n') == 2);
  std::string log;
  BOOST_TEST(fresh.Stop(log).code == 0);
}

BOOST_AUTO_TEST_CASE(bad_requests_get_json_errors_and_the_server_keeps_serving) {
  e2e::Api api = TheDeployment().api();
  const std::string login = "/api/v1/auth/login";

  CheckError(api.PostJson(login, "{\"email\": "), 400, "malformed_json");
  CheckError(api.PostJson(login, "[1, 2]"), 400, "invalid_body");
  CheckError(api.PostJson(login, ""), 400, "invalid_body");
  CheckError(api.PostJson(login, "{}"), 400, "missing_field", "email");
  CheckError(api.PostJson(login, "{\"email\": \"a@example.com\"}"), 400, "missing_field",
             "password");
  CheckError(api.PostJson(login, "{\"email\": 5, \"password\": \"x\"}"), 400, "invalid_type",
             "email");
  CheckError(api.PostJson(login, "{\"email\": \"a@example.com\", \"password\": [\"x\"]}"), 400,
             "invalid_type", "password");
  CheckError(
      api.PostJson(login, e2e::JsonObject({{"email", std::string(2000, 'a')}, {"password", "x"}})),
      400, "field_too_long", "email");
  CheckError(api.PostJson(login, "{\"email\": \"\xff\xfe\", \"password\": \"x\"}"), 400,
             "malformed_json");
  // An escaped lone surrogate would decode to bytes that are not UTF-8 (found by fuzzing).
  CheckError(api.PostJson(login, R"({"email": "a\udc00@example.com", "password": "x"})"), 400,
             "malformed_json");
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CheckError(api.PostJson(login, deep), 400, "invalid_body");
  CheckError(api.Send("POST", login, "{\"email\":\"a@b.c\",\"password\":\"x\"}", "text/plain"), 415,
             "unsupported_media_type");
  CheckError(api.PostJson("/api/v1/auth/register", std::string(kMaxBody + 1, ' ')), 413,
             "payload_too_large");
  CheckError(api.Get("/api/v1/nowhere"), 404, "not_found");
  CheckError(api.Get("/"), 404, "not_found");
  const e2e::Reply wrong_method = api.Get(login);
  CheckError(wrong_method, 405, "method_not_allowed");
  BOOST_TEST(wrong_method.Header("Allow") == "POST");
  CheckError(api.Send("DELETE", "/api/v1/me", "", ""), 405, "method_not_allowed");

  // Unknown members are ignored.
  CheckError(api.PostJson(login,
                          "{\"email\": \"nobody@example.com\", \"password\": \"Aa-123456\", "
                          "\"extra\": {\"nested\": [1, 2, 3]}}"),
             401, "invalid_credentials");

  const int port = TheDeployment().server().port();
  // No Content-Length and no Transfer-Encoding means no body: answered at once, not after a
  // read timeout.
  const std::string bodiless = e2e::RawExchange(
      port, "POST /api/v1/auth/logout HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 3);
  BOOST_TEST(bodiless.rfind("HTTP/1.1 401", 0) == 0u, bodiless);
  // A chunked body over the limit is refused too.
  std::string chunked =
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(64 * 1024, ' ');
  for (std::size_t sent = 0; sent <= kMaxBody; sent += chunk.size()) {
    chunked += "10000\r\n" + chunk + "\r\n";
  }
  chunked += "0\r\n\r\n";
  const std::string too_long = e2e::RawExchange(port, chunked, 5);
  BOOST_TEST(too_long.rfind("HTTP/1.1 413", 0) == 0u, too_long.substr(0, 200));
  BOOST_TEST(too_long.find("payload_too_large") != std::string::npos);
  // A request line the HTTP layer cannot parse still gets the JSON shape.
  const std::string garbage = e2e::RawExchange(port, "NONSENSE\r\n\r\n", 3);
  BOOST_TEST(garbage.rfind("HTTP/1.1 400", 0) == 0u, garbage);
  BOOST_TEST(garbage.find("\"error\"") != std::string::npos, garbage);

  const e2e::Reply health = api.Get("/healthz");
  BOOST_TEST(health.status == 200);
  BOOST_TEST(TheDeployment().server().running());
}

BOOST_AUTO_TEST_CASE(bad_configuration_exits_2_naming_the_key) {
  const auto& scratch = TheDeployment().scratch();
  const std::string data = "--data_dir=" + (scratch / "unused").string();

  const e2e::Completed bad_port =
      e2e::RunProgram({kServer, "--listen.port=http", data}, {}, scratch);
  BOOST_TEST(bad_port.status.exited);
  BOOST_TEST(bad_port.status.code == 2);
  BOOST_TEST(bad_port.err.find("listen.port") != std::string::npos, bad_port.err);

  const e2e::Completed unknown = e2e::RunProgram({kServer, "--no.such.key=1", data}, {}, scratch);
  BOOST_TEST(unknown.status.code == 2);
  BOOST_TEST(unknown.err.find("no.such.key") != std::string::npos, unknown.err);

  const e2e::Completed from_env =
      e2e::RunProgram({kServer, data}, {"EVENTIFY_HTTP_THREADS=0"}, scratch);
  BOOST_TEST(from_env.status.code == 2);
  BOOST_TEST(from_env.err.find("EVENTIFY_HTTP_THREADS") != std::string::npos, from_env.err);

  const auto file = scratch / "bad.conf";
  std::ofstream(file) << "# a comment\nlisten.host = 127.0.0.1\naccounts.password_hash_cost = "
                         "cheapest\n";
  const e2e::Completed from_file =
      e2e::RunProgram({kServer, "--config", file.string(), data}, {}, scratch);
  BOOST_TEST(from_file.status.code == 2);
  BOOST_TEST(from_file.err.find("line 3") != std::string::npos, from_file.err);
  BOOST_TEST(from_file.err.find("accounts.password_hash_cost") != std::string::npos);

  const e2e::Completed short_key = e2e::RunProgram({kServer, "--listen.port=0", data},
                                                   {"EVENTIFY_SECRET_KEY=too-short"}, scratch);
  BOOST_TEST(short_key.status.code == 2);
  BOOST_TEST(short_key.err.find("secret_key_too_short") != std::string::npos, short_key.err);

  const e2e::Completed secret_flag = e2e::RunProgram(
      {kServer, "--secret_key=0123456789abcdef0123456789abcdef", data}, {}, scratch);
  BOOST_TEST(secret_flag.status.code == 2);

  const e2e::Completed help = e2e::RunProgram({kServer, "--help"}, {}, scratch);
  BOOST_TEST(help.status.code == 0);
  BOOST_TEST(help.out.find("http.max_body_bytes") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(wrong_passwords_are_throttled_alike_for_known_and_unknown_addresses) {
  e2e::Deployment& deployment = GuardedDeployment();
  e2e::Api api = deployment.api();
  const Account account = e2e::NewVerifiedAccount(deployment, "guessed");
  const std::string ghost = deployment.NewEmail("ghost");
  for (const std::string& email : {account.email, ghost}) {
    BOOST_TEST_CONTEXT(email) {
      for (int i = 0; i < kFreeGuesses; ++i) {
        CheckError(Login(api, email, "Wrong-Password-1"), 401, "invalid_credentials");
      }
      // Locked, the right password included.
      const e2e::Reply locked = Login(api, email, kPassword);
      CheckError(locked, 429, "attempts_throttled");
      const int wait = std::stoi(locked.Header("Retry-After"));
      BOOST_TEST(wait >= kFirstLockout - 5);  // generous: the lock began moments ago
      BOOST_TEST(wait <= kFirstLockout);
    }
  }
  // The lock stops guessing, not the sessions the owner already has.
  BOOST_TEST(api.Get("/api/v1/me", account.access).status == 200);
}

// Whether an address is registered cannot be learnt from these routes: the same status, body and
// Retry-After for a verified account, whose address gets a reset code but no verification code,
// and for an address nobody registered.
BOOST_AUTO_TEST_CASE(code_email_requests_answer_alike_for_known_and_unknown_addresses) {
  e2e::Deployment& deployment = GuardedDeployment();
  e2e::Api api = deployment.api();
  const Account account = e2e::NewVerifiedAccount(deployment, "probed");
  const std::string ghost = deployment.NewEmail("unregistered");
  for (const std::string path :
       {"/api/v1/auth/resend-verification", "/api/v1/auth/password-reset/request"}) {
    BOOST_TEST_CONTEXT(path) {
      std::vector<e2e::Reply> known, unknown;
      for (int i = 0; i < 2; ++i) {
        // One request id for both, which error bodies carry.
        const httplib::Headers id = {{"X-Request-Id", "probe-" + std::to_string(i)}};
        known.push_back(api.PostJson(path, e2e::JsonObject({{"email", account.email}}), "", id));
        unknown.push_back(api.PostJson(path, e2e::JsonObject({{"email", ghost}}), "", id));
      }
      BOOST_TEST(known[0].status == 202);
      BOOST_TEST(known[0].Bool("/sent"));
      CheckError(known[1], 429, "resend_throttled");
      BOOST_TEST(known[1].Header("Retry-After") == "60");
      for (int i = 0; i < 2; ++i) {
        BOOST_TEST(unknown[i].status == known[i].status);
        BOOST_TEST(unknown[i].body == known[i].body);
        BOOST_TEST(unknown[i].Header("Retry-After") == known[i].Header("Retry-After"));
      }
    }
  }
  // The registered address got its verification code and one reset code, the other address
  // nothing. Mail leaves from the outbox after the answer: wait for the reset code first, which
  // was committed with the requests for the other address.
  deployment.CodeFor(account.email);
  BOOST_TEST(MailsTo(deployment, account.email) == 2);
  BOOST_TEST(MailsTo(deployment, ghost) == 0);
}

// Last: stops the shared server.
BOOST_AUTO_TEST_CASE(sigterm_finishes_in_flight_requests_and_exits_0) {
  e2e::Deployment& deployment = TheDeployment();
  const int port = deployment.server().port();
  // An idle keep-alive connection must not keep the server from stopping.
  httplib::Client idle("127.0.0.1", port);
  idle.set_keep_alive(true);
  BOOST_REQUIRE(idle.Get("/healthz"));

  // A request whose body is still arriving when SIGTERM comes is answered in full.
  const std::string body =
      e2e::JsonObject({{"email", "late@example.com"}, {"password", kPassword}});
  e2e::RawConnection in_flight(port);
  in_flight.Send(
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, body.size() / 2));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  deployment.Signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  in_flight.Send(body.substr(body.size() / 2));
  const std::string answer = in_flight.ReadUntilClosed(10);
  BOOST_TEST(answer.rfind("HTTP/1.1 401", 0) == 0u, answer);
  BOOST_TEST(answer.find("invalid_credentials") != std::string::npos);

  std::string log;
  const e2e::ExitStatus status = deployment.Stop(log);
  BOOST_TEST_INFO("stderr: " << log);
  BOOST_TEST(status.exited, e2e::Describe(status));
  BOOST_TEST(status.code == 0);
  BOOST_TEST(log.find("stopped") != std::string::npos);
}
