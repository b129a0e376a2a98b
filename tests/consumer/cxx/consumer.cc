// An installed-consumer check (tests/consumer/): a program built outside the tree against an
// installed libeventify, static or shared. It opens an engine on the SOCI storage (SQLite), with
// a Mailer of its own (a class deriving from a public interface, which needs the library's type
// information exported), registers, verifies and logs in an account, and makes the Redis bus and
// the SMTP mailer from options (checked, nothing connected), so that every installed target is
// linked and called. Exits 0 when every step gives what it should, else prints the step and 1.
//
//   consumer DATABASE_FILE
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

#include "eventify/backends/redis_bus.h"
#include "eventify/backends/smtp_mailer.h"
#include "eventify/backends/soci.h"
#include "eventify/engine.h"
#include "eventify/version.h"

namespace {

class RecordingMailer final : public eventify::spi::Mailer {
 public:
  eventify::Status Send(const eventify::spi::MailMessage& message) override {
    std::lock_guard lock(mu_);
    last_text_ = message.text;
    return eventify::Status::Ok();
  }
  // The six digits after "verification code is " in the last mail, or "".
  std::string LastCode() {
    std::lock_guard lock(mu_);
    const std::string_view marker = "verification code is ";
    const auto at = last_text_.find(marker);
    return at == std::string::npos ? "" : last_text_.substr(at + marker.size(), 6);
  }

 private:
  std::mutex mu_;
  std::string last_text_;
};

int Fail(const char* step, const eventify::Status& status) {
  std::fprintf(stderr, "consumer: %s: %s\n", step, status.ToString().c_str());
  return 1;
}

int Fail(const char* step, const std::string& what) {
  std::fprintf(stderr, "consumer: %s: %s\n", step, what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return Fail("usage", std::string("consumer DATABASE_FILE"));
  if (std::string_view(EVENTIFY_VERSION_STRING) != EVENTIFY_PACKAGE_VERSION) {
    return Fail("version", std::string("eventify/version.h says ") + EVENTIFY_VERSION_STRING +
                               ", the package " + EVENTIFY_PACKAGE_VERSION);
  }

  // eventify::redis: the options are checked before anything connects.
  auto bus = eventify::spi::MakeRedisBus({.host = ""});
  if (bus.ok() || bus.status().reason() != "invalid_redis_address") {
    return Fail("MakeRedisBus with an empty host", bus.status());
  }
  // eventify::smtp: valid options make a mailer that has connected to nothing yet.
  auto smtp = eventify::spi::MakeSmtpMailer(
      {.url = "smtp://127.0.0.1:2525", .starttls = eventify::spi::StartTls::kOff});
  if (!smtp.ok()) return Fail("MakeSmtpMailer", smtp.status());

  // eventify::soci and eventify::eventify: a fresh SQLite database each run.
  const std::string database = argv[1];
  std::filesystem::remove(database);
  auto storage = eventify::spi::OpenSociStorage({.url = "sqlite:" + database});
  if (!storage.ok()) return Fail("OpenSociStorage", storage.status());
  auto mailer = std::make_shared<RecordingMailer>();
  eventify::EngineOptions options;
  options.secret_key = "consumer-test-secret-of-32-bytes-at-least";
  options.storage = *storage;
  options.mailer = mailer;
  options.media_store = eventify::spi::MakeFilesystemMediaStore(
      (std::filesystem::path(database).parent_path() / "consumer-media").string(), "/media/");
  options.accounts.password_hash_cost = eventify::PasswordHashCost::kMinimum;
  auto engine = eventify::Engine::Open(std::move(options));
  if (!engine.ok()) return Fail("Engine::Open", engine.status());
  eventify::Accounts& accounts = (*engine)->accounts();

  const std::string email = "ada@example.com";
  auto user = accounts.Register({email, "Analytical-Engine1", "Ada Lovelace",
                                 eventify::Role::kAttendee});
  if (!user.ok()) return Fail("Register", user.status());
  if (auto ran = (*engine)->jobs().RunDueJobs(16); !ran.ok()) return Fail("RunDueJobs", ran.status());
  const std::string code = mailer->LastCode();
  if (code.size() != 6) return Fail("verification mail", std::string("no code in the mail"));
  const eventify::RequestContext local;
  if (auto s = accounts.VerifyEmail(local, email, code); !s.ok()) return Fail("VerifyEmail", s);
  auto tokens = accounts.Login(local, email, "Analytical-Engine1");
  if (!tokens.ok()) return Fail("Login", tokens.status());
  auto me = accounts.Authenticate(tokens->access_token);
  if (!me.ok()) return Fail("Authenticate", me.status());
  if (me->user_id != user->id || eventify::RoleName(me->role) != "attendee") {
    return Fail("Authenticate", "the token names " + me->user_id + ", not " + user->id);
  }
  auto wrong = accounts.Login(local, email, "not-the-password");
  if (wrong.ok() || wrong.status().code() != eventify::StatusCode::kUnauthenticated) {
    return Fail("Login with a wrong password", wrong.status());
  }
  std::printf("consumer: eventify %s: registered, verified and logged in %s\n",
              EVENTIFY_VERSION_STRING, me->user_id.c_str());
  return 0;
}
