// The booking mails: the confirmation, written through the outbox in the commit that confirms
// the booking (paid or free, by BookAndPay or Pay), carrying every ticket code, none for a refused
// payment; the cancellation of a paid booking by its buyer, with the refund; and the event's
// cancellation, written in the commit that refunds each booking of a cancelled event.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bookings/bookings_fixture.h"

using namespace eventify;
using namespace eventify::testing;

namespace {

constexpr char kSubject[] = "your tickets for";

}  // namespace

namespace eventify::testing {

// The jobs of `kind` in the jobs table (the newest 100 of each status), whatever their status.
std::vector<Job> JobsOf(BookingsFixture& f, std::string_view kind) {
  std::vector<Job> found;
  for (JobStatus status :
       {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kSucceeded, JobStatus::kDead}) {
    const JobPage page = ValueOrFail(f.engine->jobs().ListJobs(f.admin, status, "", 100));
    for (const Job& job : page.items) {
      if (job.kind == kind) found.push_back(job);
    }
  }
  return found;
}

// A paid booking of one seat of `event` for each of `buyers`, each funded first.
std::vector<Booking> PaidOneEach(BookingsFixture& f, const Event& event,
                                 std::initializer_list<const Principal*> buyers) {
  std::vector<Booking> booked;
  for (const Principal* buyer : buyers) {
    f.Fund(buyer->user_id, 10 * kTicketPrice);
    booked.push_back(ValueOrFail(f.bookings().BookAndPay(*buyer, f.Request(event, 1, "k1"))));
  }
  return booked;
}

// A kSendConfirmationsJob job naming `ids`, as a commit of those bookings writes it.
Job EnqueueConfirmations(BookingsFixture& f, const std::vector<std::string>& ids) {
  JobRequest request;
  request.kind = std::string(kSendConfirmationsJob);
  request.payload = R"({"bookings":[)";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    request.payload += (i == 0 ? "\"" : ",\"") + ids[i] + "\"";
  }
  request.payload += "]}";
  return ValueOrFail(f.engine->jobs().Enqueue(request));
}

// Mail jobs in the jobs table, of either kind, whatever their status.
std::size_t MailJobs(BookingsFixture& f) {
  return JobsOf(f, kSendMailJob).size() + JobsOf(f, kSendConfirmationsJob).size();
}

}  // namespace eventify::testing

BOOST_FIXTURE_TEST_SUITE(booking_mail, BookingsFixture)

BOOST_AUTO_TEST_CASE(book_and_pay_mails_the_buyer_every_ticket_code) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Event event = ApprovedEvent();
  Fund(carol.user_id, 10 * kTicketPrice);
  const Booking booking = ValueOrFail(bookings().BookAndPay(carol, Request(event, 3, "k1")));
  BOOST_TEST_REQUIRE(booking.tickets.size() == 3u);

  RunDueJobs();
  const auto mails = mailer->To("carol@example.com", kSubject);
  BOOST_TEST_REQUIRE(mails.size() == 1u);
  const spi::MailMessage& mail = mails.front();
  BOOST_TEST(mail.subject == "Eventify: your tickets for Open air concert");
  BOOST_TEST(Holds(mail.text, "Hello Carol,"));
  BOOST_TEST(Holds(mail.text, "3 tickets for Open air concert"));
  BOOST_TEST(Holds(mail.text, "starting " + FormatTimestamp(event.starts_at).substr(0, 10)));
  BOOST_TEST(Holds(mail.text, " UTC."));
  BOOST_TEST(Holds(mail.text, booking.id));
  BOOST_TEST_REQUIRE(mail.html.has_value());
  for (const Ticket& ticket : booking.tickets) {
    BOOST_TEST_INFO("ticket " << ticket.code);
    BOOST_TEST(Holds(mail.text, ticket.code));
    BOOST_TEST(Holds(*mail.html, ticket.code));
  }
}

BOOST_AUTO_TEST_CASE(paying_a_hold_mails_the_tickets_once) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Event event = ApprovedEvent();
  Fund(carol.user_id, 10 * kTicketPrice);
  const Booking held = ValueOrFail(bookings().Hold(carol, Request(event, 2, "k1")));
  RunDueJobs();
  BOOST_TEST(mailer->To("carol@example.com", kSubject).empty());

  const Booking paid = ValueOrFail(bookings().Pay(carol, held.id));
  ValueOrFail(bookings().Pay(carol, held.id));  // paid already: no second mail
  RunDueJobs();
  const auto mails = mailer->To("carol@example.com", kSubject);
  BOOST_TEST_REQUIRE(mails.size() == 1u);
  BOOST_TEST(Holds(mails.front().text, "2 tickets for Open air concert"));
  for (const Ticket& ticket : paid.tickets) BOOST_TEST(Holds(mails.front().text, ticket.code));
}

BOOST_AUTO_TEST_CASE(a_free_booking_is_mailed_too) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Event event = ApprovedEvent(10, /*price=*/0);
  const Booking booking = ValueOrFail(bookings().BookAndPay(carol, Request(event, 1, "k1")));
  RunDueJobs();
  const auto mails = mailer->To("carol@example.com", kSubject);
  BOOST_TEST_REQUIRE(mails.size() == 1u);
  BOOST_TEST(Holds(mails.front().text, "1 ticket for Open air concert"));
  BOOST_TEST(Holds(mails.front().text, booking.tickets.front().code));
}

BOOST_AUTO_TEST_CASE(the_title_is_escaped_in_the_html_part) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const std::string title = "Rock & <b>Roll</b> \"live\"";
  const Event event = ApprovedEvent(10, kTicketPrice, 4, title);
  Fund(carol.user_id, 10 * kTicketPrice);
  ValueOrFail(bookings().BookAndPay(carol, Request(event, 1, "k1")));
  RunDueJobs();
  const auto mails = mailer->To("carol@example.com", kSubject);
  BOOST_TEST_REQUIRE(mails.size() == 1u);
  const std::string& html = mails.front().html.value();
  BOOST_TEST(Holds(html, "Rock &amp; &lt;b&gt;Roll&lt;/b&gt; &quot;live&quot;"));
  BOOST_TEST(!Holds(html, "<b>Roll</b>"));
  BOOST_TEST(Holds(mails.front().text, title));  // the text part keeps it as it is
}

BOOST_AUTO_TEST_CASE(a_confirmation_is_one_job_naming_the_booking_rendered_when_it_runs) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Event event = ApprovedEvent();
  Fund(carol.user_id, 10 * kTicketPrice);
  const Booking booking = ValueOrFail(bookings().BookAndPay(carol, Request(event, 1, "k1")));
  const std::vector<Job> jobs = JobsOf(*this, kSendConfirmationsJob);
  BOOST_TEST_REQUIRE(jobs.size() == 1u);
  BOOST_TEST(JobStatusName(jobs.front().status) == JobStatusName(JobStatus::kQueued));
  BOOST_TEST(jobs.front().payload == R"({"bookings":[")" + booking.id + R"("]})");
  BOOST_TEST(jobs.front().max_attempts == 30);  // JobsOptions::mail_max_attempts
  RunDueJobs();
  const auto mails = mailer->To("carol@example.com", kSubject);
  BOOST_TEST_REQUIRE(mails.size() == 1u);
  BOOST_TEST(Holds(mails.front().text, booking.tickets.front().code));
  const Job done = ValueOrFail(engine->jobs().GetJob(admin, jobs.front().id));
  BOOST_TEST(JobStatusName(done.status) == JobStatusName(JobStatus::kSucceeded));
  BOOST_TEST(done.last_error == "");
}

// The applier wakes the job workers once per batch that wrote mail (BookingApplier::Committed),
// not the callers: a worker that polls hourly still sends a confirmation and a cancellation at
// once.
BOOST_AUTO_TEST_CASE(a_job_worker_is_woken_for_the_mail_of_a_committed_batch) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Event event = ApprovedEvent();
  Fund(carol.user_id, 10 * kTicketPrice);
  RunDueJobs();  // the verification mail and this period's scheduled jobs, before the worker
  const std::unique_ptr<Engine> other = OpenEngine(storage, /*job_workers=*/1);
  // Its worker looks once when it starts, then sleeps until woken: let it have that look first,
  // so that what it sends below it was woken for.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto wait_for = [&](const std::string& subject) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (mailer->To("carol@example.com", subject).empty()) {
      BOOST_REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                            "no mail \"" << subject << "\" within 30 s (a hang guard)");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  const Booking booking =
      ValueOrFail(other->bookings().BookAndPay(carol, Request(event, 1, "k1")));
  wait_for(kSubject);
  ValueOrFail(other->bookings().Cancel(carol, booking.id));
  wait_for("booking cancelled for");
  BOOST_TEST(mailer->To("carol@example.com", kSubject).size() == 1u);
  BOOST_TEST(mailer->To("carol@example.com", "booking cancelled for").size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_confirmations_job_hands_the_mails_it_could_not_send_to_the_outbox) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Principal dave = RegisteredAttendee("dave@example.com", "Dave");
  const Principal erin = RegisteredAttendee("erin@example.com", "Erin");
  const std::vector<Booking> booked = PaidOneEach(*this, ApprovedEvent(), {&carol, &dave, &erin});
  RunDueJobs();  // one confirmation each
  const std::size_t outbox_before = JobsOf(*this, kSendMailJob).size();

  // The three confirmations again in one job, as one commit of three bookings writes them; the
  // mail server takes the first and then refuses.
  const Job job = EnqueueConfirmations(*this, {booked[0].id, booked[1].id, booked[2].id});
  mailer->AcceptOnly(1);
  RunDueJobs();
  const Job done = ValueOrFail(engine->jobs().GetJob(admin, job.id));
  BOOST_TEST(JobStatusName(done.status) == JobStatusName(JobStatus::kSucceeded));
  BOOST_TEST(done.last_error ==
             "sent 1 of 3 confirmations; the other 2 were written as mail.send jobs after: "
             "smtp_connection_refused (unavailable): the test refuses");
  BOOST_TEST(mailer->To("carol@example.com", kSubject).size() == 2u);
  BOOST_TEST(mailer->To("dave@example.com", kSubject).size() == 1u);
  BOOST_TEST(mailer->To("erin@example.com", kSubject).size() == 1u);
  const std::vector<Job> handed = JobsOf(*this, kSendMailJob);
  BOOST_TEST_REQUIRE(handed.size() == outbox_before + 2);
  for (const Job& mail : handed) {
    BOOST_TEST_INFO("job " << mail.id);
    BOOST_TEST(mail.payload.starts_with("sealed:v1:"));  // sealed like every mail.send payload
  }

  // The mail server is back: each of the two arrives once, with its own tickets (their jobs,
  // written after this round's claim, were not attempted yet).
  mailer->AcceptOnly(-1);
  RunDueJobs();
  for (std::size_t i = 1; i < 3; ++i) {
    const std::string to = i == 1 ? "dave@example.com" : "erin@example.com";
    const auto mails = mailer->To(to, kSubject);
    BOOST_TEST_INFO(to);
    BOOST_TEST_REQUIRE(mails.size() == 2u);
    BOOST_TEST(mails[0].text == mails[1].text);
    BOOST_TEST(Holds(mails[1].text, booked[i].tickets.front().code));
  }
  BOOST_TEST(mailer->To("carol@example.com", kSubject).size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_confirmations_job_past_half_its_lease_hands_the_rest_to_the_outbox) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Principal dave = RegisteredAttendee("dave@example.com", "Dave");
  const std::vector<Booking> booked = PaidOneEach(*this, ApprovedEvent(), {&carol, &dave});
  RunDueJobs();
  const Job job = EnqueueConfirmations(*this, {booked[0].id, booked[1].id});
  // A mail server that takes three minutes a mail: after the first, more than half of the
  // five-minute lease (JobsOptions::lease) has passed.
  const Timestamp claimed = clock->Now();
  mailer->OnSend([this] { clock->Advance(std::chrono::minutes(3)); });
  RunDueJobs();
  mailer->OnSend(nullptr);
  const Job done = ValueOrFail(engine->jobs().GetJob(admin, job.id));
  BOOST_TEST(JobStatusName(done.status) == JobStatusName(JobStatus::kSucceeded));
  BOOST_TEST(done.last_error ==
             "sent 1 of 2 confirmations; the other 1 were written as mail.send jobs after: half "
             "of the job's lease had passed (" +
                 FormatTimestamp(claimed + std::chrono::seconds(150)) + ")");
  BOOST_TEST(mailer->To("carol@example.com", kSubject).size() == 2u);
  BOOST_TEST(mailer->To("dave@example.com", kSubject).size() == 1u);
  RunDueJobs();  // dave's, as a mail.send job
  BOOST_TEST(mailer->To("dave@example.com", kSubject).size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_confirmations_job_mails_each_booking_once_and_skips_unknown_ones) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Event event = ApprovedEvent();
  Fund(carol.user_id, 10 * kTicketPrice);
  const Booking booking = ValueOrFail(bookings().BookAndPay(carol, Request(event, 2, "k1")));
  RunDueJobs();
  const std::string unknown = "0190f5a2-7b3c-7def-8123-456789abcdef";
  const Job job = EnqueueConfirmations(*this, {booking.id, unknown, booking.id});
  RunDueJobs();
  const Job done = ValueOrFail(engine->jobs().GetJob(admin, job.id));
  BOOST_TEST(JobStatusName(done.status) == JobStatusName(JobStatus::kSucceeded));
  BOOST_TEST(done.last_error == "");
  const auto mails = mailer->To("carol@example.com", kSubject);
  BOOST_TEST_REQUIRE(mails.size() == 2u);  // the commit's, and this job's once
  BOOST_TEST(mails[1].text == mails[0].text);
  // The codes in seat order, each once.
  const std::size_t first = mails[1].text.find(booking.tickets[0].code);
  const std::size_t second = mails[1].text.find(booking.tickets[1].code);
  BOOST_TEST_REQUIRE(first != std::string::npos);
  BOOST_TEST_REQUIRE(second != std::string::npos);
  BOOST_TEST(first < second);
  BOOST_TEST(mails[1].text.find(booking.tickets[0].code, first + 1) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_confirmations_job_with_a_malformed_payload_fails_its_attempt) {
  JobRequest request;
  request.kind = std::string(kSendConfirmationsJob);
  request.payload = R"({"bookings":"b1"})";
  const Job job = ValueOrFail(engine->jobs().Enqueue(request));
  RunDueJobs();
  const Job failed = ValueOrFail(engine->jobs().GetJob(admin, job.id));
  // Retried after the backoff.
  BOOST_TEST(JobStatusName(failed.status) == JobStatusName(JobStatus::kQueued));
  BOOST_TEST(failed.attempts == 1);
  BOOST_TEST(failed.last_error ==
             R"(internal (internal): the payload of a booking confirmations job is not )"
             R"({"bookings":[ids]})");
}

BOOST_AUTO_TEST_CASE(a_refused_payment_leaves_no_mail_job) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Event event = ApprovedEvent();
  Fund(carol.user_id, kTicketPrice);
  const std::size_t mail_jobs_before = MailJobs(*this);  // the verification mail's
  ExpectError(bookings().BookAndPay(carol, Request(event, 2, "k1")),
              StatusCode::kFailedPrecondition, "insufficient_funds", "amount");
  BOOST_TEST(MailJobs(*this) == mail_jobs_before);
  RunDueJobs();
  BOOST_TEST(mailer->To("carol@example.com", kSubject).empty());
}

BOOST_AUTO_TEST_CASE(cancelling_a_paid_booking_mails_the_refund) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Event event = ApprovedEvent(10, kTicketPrice, 4, "Jazz <night>");
  Fund(carol.user_id, 10 * kTicketPrice);
  const Booking booking = ValueOrFail(bookings().BookAndPay(carol, Request(event, 2, "k1")));
  ValueOrFail(bookings().Cancel(carol, booking.id));
  ValueOrFail(bookings().Cancel(carol, booking.id));  // cancelled already: no second mail
  RunDueJobs();
  const auto mails = mailer->To("carol@example.com", "booking cancelled for");
  BOOST_TEST_REQUIRE(mails.size() == 1u);
  const spi::MailMessage& mail = mails.front();
  BOOST_TEST(mail.subject == "Eventify: booking cancelled for Jazz <night>");
  BOOST_TEST(Holds(mail.text, booking.id));
  BOOST_TEST(Holds(mail.text, "INR 10.00 was refunded to your wallet."));
  BOOST_TEST(Holds(mail.html.value(), "<strong>Jazz &lt;night&gt;</strong>"));
  BOOST_TEST(mailer->To("carol@example.com", kSubject).size() == 1u);  // the confirmation
}

BOOST_AUTO_TEST_CASE(releasing_a_hold_or_a_refused_cancellation_mails_nothing) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Event event = ApprovedEvent();
  Fund(carol.user_id, 10 * kTicketPrice);
  const Booking held = ValueOrFail(bookings().Hold(carol, Request(event, 1, "k1")));
  ValueOrFail(bookings().Cancel(carol, held.id));
  const Booking paid = ValueOrFail(bookings().BookAndPay(carol, Request(event, 1, "k2")));
  clock->Set(event.starts_at);
  ExpectError(bookings().Cancel(carol, paid.id), StatusCode::kFailedPrecondition,
              "event_started");
  RunDueJobs();
  BOOST_TEST(mailer->To("carol@example.com", "booking cancelled for").empty());
}

BOOST_AUTO_TEST_CASE(a_cancelled_event_mails_each_attendee_the_refund_in_the_refunds_commit) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Principal dave = RegisteredAttendee("dave@example.com", "Dave");
  const Principal erin = RegisteredAttendee("erin@example.com", "Erin");
  const Event event = ApprovedEvent(10, kTicketPrice, 4, "Jazz & <blues>");
  for (const Principal* buyer : {&carol, &dave, &erin}) Fund(buyer->user_id, 10 * kTicketPrice);
  const Booking two = ValueOrFail(bookings().BookAndPay(carol, Request(event, 2, "k1")));
  const Booking one = ValueOrFail(bookings().BookAndPay(dave, Request(event, 1, "k1")));
  ValueOrFail(bookings().Hold(erin, Request(event, 1, "k1")));  // a live hold: nothing paid
  RunDueJobs();  // this period's refund job runs now, before the event is cancelled
  ValueOrFail(events().CancelEvent(organizer, event.id, "The hall <flooded> & closed"));
  RunDueJobs();  // the mail comes with the refund, not with the cancellation
  BOOST_TEST(mailer->To("carol@example.com", "is cancelled").empty());

  BOOST_TEST(ValueOrFail(bookings().RefundCancelledEvents(10)) == 2);
  BOOST_TEST(ValueOrFail(bookings().RefundCancelledEvents(10)) == 0);  // refunded once
  RunDueJobs();
  const auto mails = mailer->To("carol@example.com", "is cancelled");
  BOOST_TEST_REQUIRE(mails.size() == 1u);
  const spi::MailMessage& mail = mails.front();
  BOOST_TEST(mail.subject == "Eventify: Jazz & <blues> is cancelled");
  BOOST_TEST(mail.text == "Hello Carol,\n\nthe event Jazz & <blues>, which was to start " +
                              FormatTimestamp(event.starts_at).substr(0, 10) + " " +
                              FormatTimestamp(event.starts_at).substr(11, 5) +
                              " UTC, is cancelled.\n\nThe reason given: The hall <flooded> & "
                              "closed\n\nYour booking " + two.id +
                              " is cancelled with it: its tickets no longer admit. INR 10.00 was "
                              "refunded to your wallet.\n");
  const std::string& html = mail.html.value();
  BOOST_TEST(Holds(html, "<strong>Jazz &amp; &lt;blues&gt;</strong>"));
  BOOST_TEST(Holds(html, "The reason given: The hall &lt;flooded&gt; &amp; closed"));
  BOOST_TEST(!Holds(html, "<flooded>"));
  BOOST_TEST(Posted(WalletOf(carol.user_id)) == 10 * kTicketPrice);

  const auto daves = mailer->To("dave@example.com", "is cancelled");
  BOOST_TEST_REQUIRE(daves.size() == 1u);
  BOOST_TEST(Holds(daves.front().text, one.id));
  BOOST_TEST(Holds(daves.front().text, "INR 5.00 was refunded to your wallet."));
  BOOST_TEST(mailer->To("erin@example.com", "cancelled").empty());  // the holder: none
  BOOST_TEST(mailer->To("carol@example.com", "booking cancelled for").empty());
}

BOOST_AUTO_TEST_CASE(a_cancelled_free_event_says_nothing_was_charged_and_the_job_mails_too) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Event event = ApprovedEvent(10, /*price=*/0);
  ValueOrFail(bookings().BookAndPay(carol, Request(event, 1, "k1")));
  ValueOrFail(events().CancelEvent(admin, event.id, "Speaker ill"));
  clock->Advance(std::chrono::seconds(60));  // the refund job's next period
  RunDueJobs();  // refunds (and writes the mail)
  RunDueJobs();  // sends it
  const auto mails = mailer->To("carol@example.com", "is cancelled");
  BOOST_TEST_REQUIRE(mails.size() == 1u);
  BOOST_TEST(Holds(mails.front().text, "Nothing was charged, so nothing is refunded."));
}

BOOST_AUTO_TEST_SUITE_END()
