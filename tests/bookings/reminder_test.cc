// Reminders before the event (Bookings::SendReminders, the job kSendRemindersJob) on the manual
// clock: each confirmed booking gets one exactly once when its event's window opens (a day before
// by default), none before it, none for cancelled bookings, bookings of cancelled events or
// bookings confirmed within the window, none twice after a restart, and exactly one each when two
// engines on one database claim reminders at the same time.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "bookings/bookings_fixture.h"

using namespace eventify;
using namespace eventify::testing;

namespace {

constexpr char kReminder[] = ": reminder, ";

// "2027-01-22 08:00 UTC", as the mails show a time.
std::string Shown(Timestamp at) {
  const std::string rfc3339 = FormatTimestamp(at);
  return rfc3339.substr(0, 10) + " " + rfc3339.substr(11, 5) + " UTC";
}

struct ReminderFixture : BookingsFixture {
  using BookingsFixture::BookingsFixture;

  // A registered attendee with money for four tickets.
  Principal FundedAttendee(const std::string& name) {
    const Principal who = RegisteredAttendee(name + "@example.com", name);
    Fund(who.user_id, 4 * kTicketPrice);
    return who;
  }

  std::size_t RemindersTo(const std::string& name) {
    return mailer->To(name + "@example.com", kReminder).size();
  }

  std::int64_t Send(int limit = 10) { return ValueOrFail(bookings().SendReminders(limit)); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(reminders, ReminderFixture)

BOOST_AUTO_TEST_CASE(a_confirmed_booking_is_reminded_once_when_its_window_opens) {
  const Principal carol = FundedAttendee("carol");
  const Event event = ApprovedEvent(10, kTicketPrice, 4, "Rock & <Roll>");
  const Booking booking = ValueOrFail(bookings().BookAndPay(carol, Request(event, 2, "k1")));
  BOOST_TEST(Send() == 0);
  clock->Set(event.starts_at - kDay - std::chrono::seconds(1));
  BOOST_TEST(Send() == 0);  // not before the window
  clock->Set(event.starts_at - kDay);
  BOOST_TEST(Send() == 1);
  BOOST_TEST(Send() == 0);
  RunDueJobs();
  const auto mails = mailer->To("carol@example.com", kReminder);
  BOOST_TEST_REQUIRE(mails.size() == 1u);
  const spi::MailMessage& mail = mails.front();
  BOOST_TEST(mail.subject ==
             "Eventify: reminder, Rock & <Roll> starts " + Shown(event.starts_at));
  BOOST_TEST(mail.text == "Hello carol,\n\na reminder: Rock & <Roll> starts " +
                              Shown(event.starts_at) + ".\n\nWhere: Park Road, Pune\n\nYour booking " +
                              booking.id +
                              " holds 2 tickets. Show each ticket's code (in your confirmation "
                              "mail and under your bookings) at the door.\n");
  BOOST_TEST(Holds(mail.html.value(), "<strong>Rock &amp; &lt;Roll&gt;</strong>"));
  BOOST_TEST(!Holds(mail.html.value(), "<Roll>"));

  clock->Set(event.starts_at - std::chrono::hours(1));
  BOOST_TEST(Send() == 0);
  RunDueJobs();
  BOOST_TEST(RemindersTo("carol") == 1u);
}

BOOST_AUTO_TEST_CASE(cancelled_late_and_held_bookings_and_cancelled_events_get_none) {
  const Principal carol = FundedAttendee("carol");
  const Principal dave = FundedAttendee("dave");
  const Principal erin = FundedAttendee("erin");
  const Principal frank = FundedAttendee("frank");
  const Principal gina = FundedAttendee("gina");
  const Event event = ApprovedEvent();
  const Event called_off = ApprovedEvent();
  const Booking cancelled = ValueOrFail(bookings().BookAndPay(carol, Request(event, 1, "k1")));
  ValueOrFail(bookings().Cancel(carol, cancelled.id));
  const Booking kept = ValueOrFail(bookings().BookAndPay(dave, Request(event, 1, "k1")));
  ValueOrFail(bookings().BookAndPay(erin, Request(called_off, 1, "k1")));
  ValueOrFail(events().CancelEvent(organizer, called_off.id, "Rain"));  // not refunded yet

  clock->Set(event.starts_at - std::chrono::hours(2));
  ValueOrFail(bookings().BookAndPay(frank, Request(event, 1, "k1")));  // within the window
  ValueOrFail(bookings().Hold(gina, Request(event, 1, "k1")));
  BOOST_TEST(Send() == 1);
  BOOST_TEST(Send() == 0);
  RunDueJobs();
  const auto daves = mailer->To("dave@example.com", kReminder);
  BOOST_TEST_REQUIRE(daves.size() == 1u);
  BOOST_TEST(Holds(daves.front().text, kept.id));
  for (const char* name : {"carol", "erin", "frank", "gina"}) {
    BOOST_TEST_INFO(name);
    BOOST_TEST(RemindersTo(name) == 0u);
  }
  BOOST_TEST(mailer->To("frank@example.com", "your tickets for").size() == 1u);
  ExpectError(bookings().SendReminders(0), StatusCode::kInvalidArgument, "invalid_limit",
              "limit");
}

BOOST_AUTO_TEST_CASE(the_job_sends_them_and_a_restarted_engine_sends_none_twice) {
  const Principal carol = FundedAttendee("carol");
  const Principal dave = FundedAttendee("dave");
  const Event event = ApprovedEvent();
  ValueOrFail(bookings().BookAndPay(carol, Request(event, 1, "k1")));
  ValueOrFail(bookings().BookAndPay(dave, Request(event, 3, "k1")));
  clock->Set(event.starts_at - std::chrono::hours(20));
  const auto run_job = [&] {
    JobRequest request;
    request.kind = std::string(kSendRemindersJob);
    ValueOrFail(engine->jobs().Enqueue(request));
    RunDueJobs();  // the job writes the reminders
    RunDueJobs();  // their mail jobs send them
  };
  run_job();
  BOOST_TEST(RemindersTo("carol") == 1u);
  BOOST_TEST(RemindersTo("dave") == 1u);

  engine.reset();
  engine = OpenEngine(storage);
  run_job();
  BOOST_TEST(Send() == 0);
  RunDueJobs();
  BOOST_TEST(RemindersTo("carol") == 1u);
  BOOST_TEST(RemindersTo("dave") == 1u);
}

BOOST_AUTO_TEST_CASE(a_lead_time_that_is_not_positive_is_refused) {
  EngineOptions options;
  options.secret_key = std::string(32, 's');
  options.storage = storage;
  options.mailer = mailer;
  options.media_store = spi::MakeFilesystemMediaStore("/nonexistent-media", "/media/");
  options.bookings.reminder_lead = std::chrono::seconds(0);
  ExpectError(Engine::Open(std::move(options)), StatusCode::kInvalidArgument,
              "invalid_bookings_options", "bookings.reminder_lead");
}

BOOST_AUTO_TEST_SUITE_END()

// Two engines (two processes) on one database claim reminders at the same time, in small
// batches: every attendee gets exactly one. On PostgreSQL the claims run concurrently (rows
// locked FOR UPDATE SKIP LOCKED); on SQLite the writers queue.
BOOST_AUTO_TEST_CASE(two_engines_on_one_database_remind_each_attendee_exactly_once) {
  constexpr int kAttendees = 40;
  spi::SociStorageOptions options;
  options.url = FreshDatabaseUrl();
  ReminderFixture first(OpenStorageOrFail(options));
  const Event event = first.ApprovedEvent(/*capacity=*/kAttendees);
  std::vector<std::string> names;
  for (int i = 0; i < kAttendees; ++i) {
    names.push_back("attendee" + std::to_string(i));
    const Principal who = first.FundedAttendee(names.back());
    ValueOrFail(first.bookings().BookAndPay(who, first.Request(event, 1, "k")));
  }
  std::unique_ptr<Engine> second = first.OpenEngine(OpenStorageOrFail(options));
  first.clock->Set(event.starts_at - std::chrono::hours(12));

  std::atomic<bool> go{false};
  std::atomic<int> failures{0};
  std::int64_t claimed[2] = {0, 0};
  std::vector<std::thread> engines;
  for (int i = 0; i < 2; ++i) {
    Engine& on = i == 0 ? *first.engine : *second;
    engines.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      for (;;) {
        auto sent = on.bookings().SendReminders(3);
        if (!sent.ok()) {
          ++failures;
          return;
        }
        if (*sent == 0) return;
        claimed[i] += *sent;
      }
    });
  }
  go.store(true);
  for (std::thread& thread : engines) thread.join();
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(claimed[0] + claimed[1] == kAttendees);

  for (int round = 0; round < 10; ++round) {
    const int ran = ValueOrFail(first.engine->jobs().RunDueJobs(100)) +
                    ValueOrFail(second->jobs().RunDueJobs(100));
    if (ran == 0) break;
  }
  for (const std::string& name : names) {
    BOOST_TEST_INFO(name);
    BOOST_TEST(first.RemindersTo(name) == 1u);
  }
  BOOST_TEST(ValueOrFail(first.bookings().SendReminders(100)) == 0);
  BOOST_TEST(ValueOrFail(second->bookings().SendReminders(100)) == 0);
}
