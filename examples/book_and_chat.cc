// Embedding libeventify from C++ (docs/embedding.md shows this program beside its C and Python
// twins): open an engine on a SQLite file, register and verify an attendee (the verification code
// arrives through a Mailer of our own), set up an organizer's free event (an admin approves it),
// book a seat and send the organizer a message. The engine runs no job threads, so the program
// runs the due jobs itself to send the mails.
//
//   eventify-example-book-and-chat /tmp/eventify-example-cxx.db
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <regex>
#include <string>

#include "eventify/backends/soci.h"
#include "eventify/engine.h"

namespace {

using eventify::Principal;
using eventify::Result;
using eventify::Status;

constexpr char kPassword[] = "Analytical-Engine1";

// Keeps the newest mail's text, where the 6-digit code is.
class KeepingMailer final : public eventify::spi::Mailer {
 public:
  Status Send(const eventify::spi::MailMessage& message) override {
    std::lock_guard lock(mu_);
    std::printf("--- mail to %s: %s\n", message.to.c_str(), message.subject.c_str());
    last_text_ = message.text;
    return Status::Ok();
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

// Thrown by Check with what failed; main prints it.
struct Failure {
  std::string what;
};

template <typename T>
T Check(const char* what, Result<T> result) {
  if (!result.ok()) throw Failure{std::string(what) + ": " + result.status().ToString()};
  return std::move(result).value();
}

void Check(const char* what, const Status& status) {
  if (!status.ok()) throw Failure{std::string(what) + ": " + status.ToString()};
}

// Logs in and returns who the access token says the caller is.
Principal LogIn(eventify::Engine& engine, const std::string& email) {
  const eventify::RequestContext local;  // a program serving clients passes each one's address
  const auto tokens = Check("login", engine.accounts().Login(local, email, kPassword));
  return Check("authenticate", engine.accounts().Authenticate(tokens.access_token));
}

// Registers, verifies and logs in.
Principal SignUp(eventify::Engine& engine, KeepingMailer& mailer, const std::string& email,
                 eventify::Role role) {
  Check("register", engine.accounts().Register({email, kPassword, "Ada Lovelace", role}));
  Check("sending mail", engine.jobs().RunDueJobs(16));
  Check("verify", engine.accounts().VerifyEmail({}, email, mailer.LastCode()));
  return LogIn(engine, email);
}

void Run(eventify::Engine& engine, KeepingMailer& mailer) {
  const std::string stamp = std::to_string(std::time(nullptr));
  const Principal attendee =
      SignUp(engine, mailer, "ada" + stamp + "@example.com", eventify::Role::kAttendee);
  const std::string organizer_email = "org" + stamp + "@example.com";
  const Principal organizer = SignUp(engine, mailer, organizer_email, eventify::Role::kOrganizer);

  // The operator's admin verifies the organizer and approves the event.
  const std::string admin_email = "admin" + stamp + "@example.com";
  Check("create admin", engine.accounts().CreateAdmin({admin_email, kPassword, "Admin"}));
  const Principal admin = LogIn(engine, admin_email);
  eventify::Events& events = engine.events();
  Check("apply",
        events.ApplyAsOrganizer(organizer, {"Lovelace Events", "Concerts.", organizer_email}));
  Check("verify organizer", events.VerifyOrganizer(admin, organizer.user_id));
  const auto category = Check("category", events.CreateCategory(admin, "Concerts " + stamp));
  eventify::EventDraft draft;
  draft.title = "Difference Engine Night";
  draft.description = "A free evening of music.";
  draft.category_id = category.id;
  draft.venue = "1 Park Lane";
  draft.time_zone = "Europe/London";
  draft.starts_at = std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now() + std::chrono::days(7));
  draft.ends_at = draft.starts_at + std::chrono::hours(3);
  draft.capacity = 100;
  draft.max_tickets_per_booking = 4;
  const auto event = Check("create event", events.CreateEvent(organizer, draft));
  Check("submit", events.SubmitEvent(organizer, event.id));
  Check("approve", events.ApproveEvent(admin, event.id));

  // The attendee books a seat (free: nothing to pay) and writes to the organizer.
  const auto booking =
      Check("book", engine.bookings().BookAndPay(attendee, {event.id, 1, "first-booking", ""}));
  std::printf("booked %s: %s, ticket %s\n", booking.id.c_str(),
              std::string(eventify::BookingStatusName(booking.status)).c_str(),
              booking.tickets.front().code.c_str());
  const auto conversation =
      Check("open conversation", engine.chat().OpenDirect(attendee, organizer.user_id));
  eventify::NewMessage hello;
  hello.text = "See you there!";
  hello.idempotency_key = "first-message";
  const auto message = Check("send", engine.chat().Send(attendee, conversation.id, hello));
  std::printf("sent message %lld: %s\n", static_cast<long long>(message.seq), message.text.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const std::string database = argc > 1 ? argv[1] : "eventify-example-cxx.db";
  try {
    auto mailer = std::make_shared<KeepingMailer>();
    eventify::EngineOptions options;
    options.secret_key = "example-only-secret-use-32-random-bytes!";
    options.storage =
        Check("database", eventify::spi::OpenSociStorage({.url = "sqlite:" + database}));
    options.mailer = mailer;
    options.media_store = eventify::spi::MakeFilesystemMediaStore("example-media", "/media/");
    auto engine = Check("open", eventify::Engine::Open(std::move(options)));
    Run(*engine, *mailer);
  } catch (const Failure& failure) {
    std::fprintf(stderr, "%s failed\n", failure.what.c_str());
    return 1;
  }
  return 0;
}
