// A fresh engine on the test backend with a manual clock, a verified organizer, a second one, a
// category, and helpers that build valid drafts and drive events through their lifecycle.
#pragma once

#include <functional>
#include <stdlib.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "eventify/engine.h"
#include "eventify/events.h"
#include "eventify/spi/event_store.h"
#include "support/test_storage.h"

namespace eventify {
inline std::ostream& operator<<(std::ostream& out, EventStatus status) {
  return out << EventStatusName(status);
}
inline std::ostream& operator<<(std::ostream& out, OrganizerStatus status) {
  return out << OrganizerStatusName(status);
}
inline std::ostream& operator<<(std::ostream& out, OrganizerRejectCause cause) {
  return out << OrganizerRejectCauseName(cause);
}
inline std::ostream& operator<<(std::ostream& out, EventRejectCause cause) {
  return out << EventRejectCauseName(cause);
}
inline std::ostream& operator<<(std::ostream& out, StatusCode code) {
  return out << StatusCodeName(code);
}
}  // namespace eventify
BOOST_TEST_DONT_PRINT_LOG_VALUE(eventify::Timestamp)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<eventify::Timestamp>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<eventify::OrganizerRejectCause>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<eventify::EventRejectCause>)

namespace eventify::testing {

class DiscardingMailer final : public spi::Mailer {
 public:
  Status Send(const spi::MailMessage&) override { return Status::Ok(); }
};

// Keeps every message the engine's mail jobs send.
class KeepingMailer final : public spi::Mailer {
 public:
  Status Send(const spi::MailMessage& message) override {
    std::lock_guard lock(mu_);
    if (on_send_) on_send_();
    if (accepting_ == 0) {
      return Status(StatusCode::kUnavailable, "smtp_connection_refused", "the test refuses");
    }
    if (accepting_ > 0) --accepting_;
    sent_.push_back(message);
    return Status::Ok();
  }
  // The next `sends` messages are kept, every later one refused (kUnavailable
  // smtp_connection_refused); -1 (the default): every one kept.
  void AcceptOnly(int sends) {
    std::lock_guard lock(mu_);
    accepting_ = sends;
  }
  // Called at the start of every Send (a slow mail server, on a manual clock); empty: none.
  void OnSend(std::function<void()> hook) {
    std::lock_guard lock(mu_);
    on_send_ = std::move(hook);
  }
  // The messages to `to` whose subject holds `subject_part`.
  std::vector<spi::MailMessage> To(const std::string& to, const std::string& subject_part) {
    std::lock_guard lock(mu_);
    std::vector<spi::MailMessage> found;
    for (const auto& message : sent_) {
      if (message.to == to && message.subject.find(subject_part) != std::string::npos) {
        found.push_back(message);
      }
    }
    return found;
  }

 private:
  std::mutex mu_;
  std::vector<spi::MailMessage> sent_;
  int accepting_ = -1;
  std::function<void()> on_send_;
};

// Whether `text` holds `part` (a mail's body, say).
inline bool Holds(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

inline const Timestamp kEventsStart = FromMicros(1'800'000'000'000'000);  // a whole hour
constexpr Duration kDay = std::chrono::hours(24);

// Checks a failed Result or Status: its code, reason and (when given) field.
template <typename R>
void ExpectError(const R& result, StatusCode code, const std::string& reason,
                 const std::string& field = "") {
  Status status;
  if constexpr (std::is_same_v<R, Status>) {
    status = result;
  } else {
    status = result.status();
  }
  BOOST_TEST_INFO("status " << status.ToString());
  BOOST_TEST(status.code() == code);
  BOOST_TEST(status.reason() == reason);
  if (!field.empty()) BOOST_TEST(status.field() == field);
}

template <typename T>
T ValueOrFail(Result<T> result) {
  BOOST_REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  return std::move(result).value();
}

struct EventsFixture {
  EventsFixture() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "eventify-events-XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
    media_dir = pattern;
    media = spi::MakeFilesystemMediaStore(media_dir.string(), "/media/");
    clock = std::make_shared<spi::ManualClock>(kEventsStart);
    storage = OpenFreshStorage();
    EngineOptions options;
    options.secret_key = std::string(32, 's');
    options.storage = storage;
    options.mailer = mailer;
    options.accounts.password_hash_cost = PasswordHashCost::kMinimum;
    options.media_store = media;
    options.clock = clock;
    options.events.cover_max_bytes = 1024;
    options.jobs.schedules = {{std::string(kCompleteEndedEventsJob), std::chrono::seconds(60)}};
    auto opened = Engine::Open(std::move(options));
    BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    engine = std::move(opened).value();
    Verify(organizer);
    Verify(other_organizer);
    category = ValueOrFail(events().CreateCategory(admin, "Conferences"));
  }

  ~EventsFixture() {
    engine.reset();
    std::error_code ignored;
    std::filesystem::remove_all(media_dir, ignored);
  }

  Events& events() { return engine->events(); }

  // Runs every job due now (the engine has no job workers here), mail among them.
  void RunDueJobs() { ValueOrFail(engine->jobs().RunDueJobs(100)); }

  void Verify(const Principal& who) {
    ValueOrFail(events().ApplyAsOrganizer(who, {"Org " + who.user_id, "We run events",
                                                "events@example.com"}));
    ValueOrFail(events().VerifyOrganizer(admin, who.user_id));
  }

  // A valid in-person draft starting `days_ahead` days from now, lasting three hours.
  EventDraft Draft(const std::string& title = "C++ Meetup", int days_ahead = 7) const {
    EventDraft d;
    d.title = title;
    d.description = "Talks about modern C++ and databases";
    d.category_id = category.id;
    d.venue = "1 Main Street, Pune";
    d.starts_at = clock->Now() + days_ahead * kDay;
    d.ends_at = d.starts_at + std::chrono::hours(3);
    d.time_zone = "Asia/Kolkata";
    d.capacity = 100;
    d.price_minor_units = 50000;
    d.attendees_may_cancel = true;
    d.max_tickets_per_booking = 4;
    return d;
  }

  Event Create(const EventDraft& draft, const Principal& by) {
    return ValueOrFail(events().CreateEvent(by, draft));
  }
  Event Create(const EventDraft& draft) { return Create(draft, organizer); }

  // Created, submitted and approved.
  Event Approved(const EventDraft& draft, const Principal& by) {
    const Event created = Create(draft, by);
    ValueOrFail(events().SubmitEvent(by, created.id));
    return ValueOrFail(events().ApproveEvent(admin, created.id));
  }
  Event Approved(const EventDraft& draft) { return Approved(draft, organizer); }

  // Writes seats straight into the row, as bookings will.
  void SetSeats(const std::string& id, int sold, int held) {
    const Status written = storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
      auto* store = tx.store<spi::EventStore>();
      auto event = store->FindEvent(id, spi::LockMode::kForUpdate);
      if (!event.ok()) return event.status();
      event->seats_sold = sold;
      event->seats_held = held;
      return store->UpdateEvent(*event);
    });
    BOOST_REQUIRE_MESSAGE(written.ok(), written.ToString());
  }

  std::shared_ptr<KeepingMailer> mailer = std::make_shared<KeepingMailer>();
  std::filesystem::path media_dir;
  std::shared_ptr<spi::MediaStore> media;
  std::shared_ptr<spi::ManualClock> clock;
  std::shared_ptr<spi::Storage> storage;
  std::unique_ptr<Engine> engine;
  const Principal admin{"admin-1", Role::kAdmin, "s-admin"};
  const Principal organizer{"organizer-1", Role::kOrganizer, "s-org"};
  const Principal other_organizer{"organizer-2", Role::kOrganizer, "s-org2"};
  const Principal unverified{"organizer-3", Role::kOrganizer, "s-org3"};
  const Principal attendee{"attendee-1", Role::kAttendee, "s-att"};
  Category category;
};

}  // namespace eventify::testing
