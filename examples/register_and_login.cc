// Embedding libeventify: open the bundled SOCI storage on a SQLite file, plug in a custom Mailer
// (here one that prints to the terminal), register an account, verify it with the e-mailed code,
// log in and authenticate with the access token. The engine writes each mail as a job in the
// registration's transaction (the outbox, docs/mail.md) and has no worker threads by default
// (JobsOptions::worker_threads 0), so this program runs the due jobs itself to send it. It links the core, eventify::eventify, and one
// backend, eventify::soci (examples/CMakeLists.txt), nothing else of Eventify.
//
//   eventify-example-register /tmp/eventify-example.db
#include <cstdio>
#include <ctime>
#include <mutex>
#include <regex>
#include <string>

#include "eventify/backends/soci.h"
#include "eventify/engine.h"

namespace {

// A Mailer is one virtual function; an integrator would send through their own provider.
class PrintingMailer final : public eventify::spi::Mailer {
 public:
  eventify::Status Send(const eventify::spi::MailMessage& message) override {
    std::lock_guard lock(mu_);
    std::printf("--- mail to %s: %s\n%s---\n", message.to.c_str(), message.subject.c_str(),
                message.text.c_str());
    last_text_ = message.text;
    return eventify::Status::Ok();
  }
  std::string LastCode() {
    std::lock_guard lock(mu_);
    std::smatch match;
    return std::regex_search(last_text_, match, std::regex("\\d{6}")) ? match.str() : "";
  }

 private:
  std::mutex mu_;
  std::string last_text_;
};

int Fail(const eventify::Status& status) {
  std::fprintf(stderr, "failed: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string database = argc > 1 ? argv[1] : "eventify-example.db";
  auto storage = eventify::spi::OpenSociStorage({.url = "sqlite:" + database});
  if (!storage.ok()) return Fail(storage.status());
  auto mailer = std::make_shared<PrintingMailer>();

  eventify::EngineOptions options;
  options.secret_key = "example-only-secret-use-32-random-bytes!";
  options.storage = *storage;
  options.mailer = mailer;
  options.media_store = eventify::spi::MakeFilesystemMediaStore("example-media", "/media/");
  auto engine = eventify::Engine::Open(std::move(options));
  if (!engine.ok()) return Fail(engine.status());
  eventify::Accounts& accounts = (*engine)->accounts();

  const std::string email = "ada" + std::to_string(std::time(nullptr)) + "@example.com";
  auto user = accounts.Register({email, "Analytical-Engine1", "Ada Lovelace",
                                 eventify::Role::kOrganizer});
  if (!user.ok()) return Fail(user.status());
  // Sends the verification mail. A long-running host would rather set
  // options.jobs.worker_threads = 1, and the mail would leave on an engine thread.
  if (auto ran = (*engine)->jobs().RunDueJobs(16); !ran.ok()) return Fail(ran.status());
  // A program serving remote clients passes each one's address, which the guessing throttles
  // count; this one has none.
  const eventify::RequestContext local;
  if (auto s = accounts.VerifyEmail(local, email, mailer->LastCode()); !s.ok()) return Fail(s);

  auto tokens = accounts.Login(local, email, "Analytical-Engine1");
  if (!tokens.ok()) return Fail(tokens.status());
  auto me = accounts.Authenticate(tokens->access_token);
  if (!me.ok()) return Fail(me.status());
  std::printf("logged in as %s (%s), role %s\n", tokens->user.full_name.c_str(),
              me->user_id.c_str(), std::string(eventify::RoleName(me->role)).c_str());
  return 0;
}
