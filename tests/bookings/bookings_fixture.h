// A fresh engine on the test backend with a manual clock, a verified organizer, a category, and
// helpers that approve events, fund wallets and check the ledger, for the bookings suites.
#pragma once

#include <boost/test/unit_test.hpp>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "eventify/bookings.h"
#include "eventify/engine.h"
#include "events/events_fixture.h"

namespace eventify {
inline std::ostream& operator<<(std::ostream& out, BookingStatus status) {
  return out << BookingStatusName(status);
}
}  // namespace eventify

namespace eventify::testing {

constexpr std::int64_t kTicketPrice = 500;
constexpr char kWebhookSecret[] = "bookings-webhook-secret";

struct BookingsFixture {
  BookingsFixture() : BookingsFixture(OpenFreshStorage()) {}

  // On `on`, a new database (the engine migrates it).
  explicit BookingsFixture(std::shared_ptr<spi::Storage> on) {
    clock = std::make_shared<spi::ManualClock>(kEventsStart);
    storage = std::move(on);
    engine = OpenEngine(storage);
    ValueOrFail(events().ApplyAsOrganizer(organizer, {"Org", "We run events", "org@example.com"}));
    ValueOrFail(events().VerifyOrganizer(admin, organizer.user_id));
    category = ValueOrFail(events().CreateCategory(admin, "Concerts"));
  }

  // An engine on `on` with this fixture's clock, mailer and options: a second process on the
  // same database, or this one restarted. With `job_workers`, that many job threads that poll
  // only hourly: they run what a commit of the engine wakes them for.
  std::unique_ptr<Engine> OpenEngine(std::shared_ptr<spi::Storage> on, int job_workers = 0) {
    EngineOptions options;
    if (job_workers > 0) {
      options.jobs.worker_threads = job_workers;
      options.jobs.poll_interval = std::chrono::hours(1);
    }
    options.secret_key = std::string(32, 's');
    options.storage = std::move(on);
    options.mailer = mailer;
    options.accounts.password_hash_cost = PasswordHashCost::kMinimum;
    options.media_store = media_store;
    options.clock = clock;
    gateway = spi::MakeSandboxPaymentGateway(kWebhookSecret, clock);
    options.payment_gateway = gateway;
    options.jobs.schedules = {{std::string(kExpireHoldsJob), std::chrono::seconds(60)},
                              {std::string(kRefundCancelledEventsJob), std::chrono::seconds(60)}};
    auto opened = Engine::Open(std::move(options));
    BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    return std::move(opened).value();
  }

  Events& events() { return engine->events(); }
  Bookings& bookings() { return engine->bookings(); }
  Ledger& ledger() { return engine->ledger(); }

  // A valid draft of an event in the fixture's category starting in a week and lasting three
  // hours, that attendees may cancel.
  EventDraft SampleDraft(std::int32_t capacity = 10, std::int64_t price = kTicketPrice,
                         std::int32_t max_per_booking = 4,
                         const std::string& title = "Open air concert") const {
    EventDraft d;
    d.title = title;
    d.description = "Music in the park";
    d.category_id = category.id;
    d.venue = "Park Road, Pune";
    d.starts_at = clock->Now() + 7 * kDay;
    d.ends_at = d.starts_at + std::chrono::hours(3);
    d.time_zone = "Asia/Kolkata";
    d.capacity = capacity;
    d.price_minor_units = price;
    d.attendees_may_cancel = true;
    d.max_tickets_per_booking = max_per_booking;
    return d;
  }

  // `draft` created by the organizer, submitted and approved.
  Event Approved(const EventDraft& draft) {
    const Event created = ValueOrFail(events().CreateEvent(organizer, draft));
    ValueOrFail(events().SubmitEvent(organizer, created.id));
    return ValueOrFail(events().ApproveEvent(admin, created.id));
  }

  // An approved event starting in a week.
  Event ApprovedEvent(std::int32_t capacity = 10, std::int64_t price = kTicketPrice,
                      std::int32_t max_per_booking = 4,
                      const std::string& title = "Open air concert") {
    return Approved(SampleDraft(capacity, price, max_per_booking, title));
  }

  // An event `by` (an organizer) created and never submitted: unlisted, only its organizer and
  // admins see it. Five seats at 100, one a booking.
  Event UnlistedEvent(const Principal& by, const std::string& title = "Draft") {
    return ValueOrFail(events().CreateEvent(by, SampleDraft(5, 100, 1, title)));
  }
  Event UnlistedEvent() { return UnlistedEvent(organizer); }

  // An attendee with an account (the principals below have none, so they get no mail).
  Principal RegisteredAttendee(const std::string& email, const std::string& full_name) {
    const User user = ValueOrFail(
        engine->accounts().Register({email, "Str0ng-Passw0rd", full_name, Role::kAttendee}));
    return Principal{user.id, Role::kAttendee, "s-" + user.id};
  }

  // Runs every job due now (the engine has no job workers here), mail among them.
  void RunDueJobs() { ValueOrFail(engine->jobs().RunDueJobs(100)); }

  Event EventNow(const std::string& id) { return ValueOrFail(events().GetEvent(nullptr, id)); }

  static AccountRef WalletOf(const std::string& user) {
    return {AccountKind::kUserWallet, user, "INR"};
  }
  static AccountRef EscrowOf(const std::string& event_id) {
    return {AccountKind::kEscrow, event_id, "INR"};
  }

  void Fund(const std::string& user, std::int64_t amount) {
    TransferRequest request;
    request.idempotency_key = "fund-" + user;
    request.kind = TransferKind::kCredit;
    request.from = {AccountKind::kGatewayClearing, "", "INR"};
    request.to = WalletOf(user);
    request.amount = Money{amount, "INR"};
    ValueOrFail(ledger().CreateTransfer(request));
  }

  std::int64_t Posted(const AccountRef& ref) { return ValueOrFail(ledger().GetBalance(ref)).posted; }

  void ExpectCleanAudit() {
    const AuditReport report = ValueOrFail(ledger().Audit());
    for (const auto& line : report.discrepancies) BOOST_ERROR(line);
  }

  static BookingRequest Request(const Event& event, std::int32_t seats, const std::string& key) {
    return BookingRequest{event.id, seats, key};
  }

  std::shared_ptr<KeepingMailer> mailer = std::make_shared<KeepingMailer>();
  std::shared_ptr<spi::ManualClock> clock;
  // The sandbox gateway: cards pay bookings (card_payment_test.cc).
  std::shared_ptr<spi::SandboxPaymentGateway> gateway;
  std::shared_ptr<spi::Storage> storage;
  // What OpenEngine hands the engine; a suite that stores media swaps it and reopens the engine.
  std::shared_ptr<spi::MediaStore> media_store =
      spi::MakeFilesystemMediaStore("/nonexistent-media", "/media/");
  std::unique_ptr<Engine> engine;
  const Principal admin{"admin-1", Role::kAdmin, "s-admin"};
  const Principal organizer{"organizer-1", Role::kOrganizer, "s-org"};
  const Principal other_organizer{"organizer-2", Role::kOrganizer, "s-org2"};
  const Principal ann{"attendee-ann", Role::kAttendee, "s-ann"};
  const Principal bob{"attendee-bob", Role::kAttendee, "s-bob"};
  Category category;
};

}  // namespace eventify::testing
