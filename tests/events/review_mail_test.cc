// The mails of reviews, each written through the outbox in the commit of its review and none when
// the review is refused: an organizer profile verified or rejected (with the cause and the
// admin's note), an event approved or rejected; user text escaped in the HTML part.
#include <boost/test/unit_test.hpp>

#include <string>

#include "events/events_fixture.h"

using namespace eventify;
using namespace eventify::testing;

namespace {

struct ReviewMailFixture : EventsFixture {
  // An organizer with an account (the fixture's principals have none, so they get no mail),
  // whose profile is pending.
  Principal ApplyingOrganizer(const std::string& organisation) {
    const User user = ValueOrFail(engine->accounts().Register(
        {"olga@example.com", "Str0ng-Passw0rd", "Olga", Role::kOrganizer}));
    const Principal olga{user.id, Role::kOrganizer, "s-olga"};
    ValueOrFail(events().ApplyAsOrganizer(olga, {organisation, "We run events", "olga@x.org"}));
    return olga;
  }

  std::vector<spi::MailMessage> ToOlga(const std::string& subject_part) {
    return mailer->To("olga@example.com", subject_part);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(review_mail, ReviewMailFixture)

BOOST_AUTO_TEST_CASE(verifying_an_organizer_mails_it_once) {
  const Principal olga = ApplyingOrganizer("Pune <C++> & Co");
  ValueOrFail(events().VerifyOrganizer(admin, olga.user_id));
  ExpectError(events().VerifyOrganizer(admin, olga.user_id), StatusCode::kFailedPrecondition,
              "profile_not_pending");
  RunDueJobs();
  const auto mails = ToOlga("organizer profile");
  BOOST_TEST_REQUIRE(mails.size() == 1u);
  BOOST_TEST(mails.front().subject == "Eventify: your organizer profile is verified");
  BOOST_TEST(mails.front().text ==
             "Hello Olga,\n\nyour organizer profile for Pune <C++> & Co is verified.\n\nYou can "
             "now create events and submit them for approval.\n");
  BOOST_TEST(Holds(mails.front().html.value(), "<strong>Pune &lt;C++&gt; &amp; Co</strong>"));
}

BOOST_AUTO_TEST_CASE(rejecting_an_organizer_mails_the_cause_and_the_note) {
  const Principal olga = ApplyingOrganizer("Acme");
  const std::string note = "Tell us <b>who</b> you are & \"why\"";
  ExpectError(events().RejectOrganizer(admin, olga.user_id, OrganizerRejectCause::kOther, ""),
              StatusCode::kInvalidArgument, "invalid_note", "note");
  ValueOrFail(events().RejectOrganizer(admin, olga.user_id, OrganizerRejectCause::kOther, note));
  RunDueJobs();
  auto mails = ToOlga("organizer profile");
  BOOST_TEST_REQUIRE(mails.size() == 1u);  // the refused rejection wrote none
  BOOST_TEST(mails.front().subject == "Eventify: your organizer profile was not verified");
  BOOST_TEST(mails.front().text ==
             "Hello Olga,\n\nyour organizer profile for Acme was not verified: see the reviewer's "
             "note below.\n\nThe reviewer's note: " + note +
             "\n\nYou may correct your profile and submit it again.\n");
  const std::string& html = mails.front().html.value();
  BOOST_TEST(Holds(html, "The reviewer&#39;s note: Tell us &lt;b&gt;who&lt;/b&gt; you are &amp; "
                         "&quot;why&quot;"));
  BOOST_TEST(!Holds(html, "<b>who</b>"));

  // Submitted again and rejected for a listed cause, without a note.
  ValueOrFail(events().ApplyAsOrganizer(olga, {"Acme", "We run events", "olga@x.org"}));
  ValueOrFail(events().RejectOrganizer(admin, olga.user_id,
                                       OrganizerRejectCause::kUnverifiableContact, ""));
  RunDueJobs();
  mails = ToOlga("was not verified");
  BOOST_TEST_REQUIRE(mails.size() == 2u);
  BOOST_TEST(Holds(mails.back().text, "was not verified: its contact could not be verified.\n"));
  BOOST_TEST(!Holds(mails.back().text, "note"));
}

BOOST_AUTO_TEST_CASE(approving_and_rejecting_an_event_mails_its_organizer) {
  const Principal olga = ApplyingOrganizer("Acme");
  ValueOrFail(events().VerifyOrganizer(admin, olga.user_id));
  const Event approved = Approved(Draft("Rust & <C++> night"), olga);
  ExpectError(events().ApproveEvent(admin, approved.id), StatusCode::kFailedPrecondition,
              "event_not_pending");
  const Event draft = Create(Draft("Go meetup"), olga);
  ValueOrFail(events().SubmitEvent(olga, draft.id));
  ValueOrFail(events().RejectEvent(admin, draft.id, EventRejectCause::kWrongCategory,
                                   "Try <i>Meetups</i>"));
  RunDueJobs();

  const auto approvals = ToOlga("is approved");
  BOOST_TEST_REQUIRE(approvals.size() == 1u);  // the refused second approval wrote none
  BOOST_TEST(approvals.front().subject == "Eventify: Rust & <C++> night is approved");
  const std::string when = FormatTimestamp(approved.starts_at).substr(0, 10);
  BOOST_TEST(approvals.front().text ==
             "Hello Olga,\n\nyour event Rust & <C++> night, starting " + when + " " +
                 FormatTimestamp(approved.starts_at).substr(11, 5) +
                 " UTC, is approved: it is listed and takes bookings.\n");
  BOOST_TEST(Holds(approvals.front().html.value(), "<strong>Rust &amp; &lt;C++&gt; night</strong>"));

  const auto rejections = ToOlga("was not approved");
  BOOST_TEST_REQUIRE(rejections.size() == 1u);
  BOOST_TEST(rejections.front().subject == "Eventify: Go meetup was not approved");
  BOOST_TEST(Holds(rejections.front().text, "was not approved: it is in the wrong category.\n\n"
                                            "The reviewer's note: Try <i>Meetups</i>\n\n"
                                            "You may edit the event and submit it again.\n"));
  BOOST_TEST(Holds(rejections.front().html.value(), "Try &lt;i&gt;Meetups&lt;/i&gt;"));
}

BOOST_AUTO_TEST_CASE(a_refused_review_writes_no_mail_job) {
  const Principal olga = ApplyingOrganizer("Acme");
  ValueOrFail(events().VerifyOrganizer(admin, olga.user_id));
  const Event draft = Create(Draft(), olga);
  ValueOrFail(events().SubmitEvent(olga, draft.id));
  RunDueJobs();
  const std::size_t before = ToOlga("").size();
  // Refused: by the permission table, an overlong note, an event that has started.
  ExpectError(events().ApproveEvent(attendee, draft.id), StatusCode::kNotFound, "event_not_found");
  ExpectError(events().RejectEvent(admin, draft.id, EventRejectCause::kOther, std::string(1001, 'x')),
              StatusCode::kInvalidArgument, "invalid_note", "note");
  clock->Set(draft.starts_at);
  ExpectError(events().ApproveEvent(admin, draft.id), StatusCode::kFailedPrecondition,
              "start_in_past", "starts_at");
  const JobPage queued = ValueOrFail(engine->jobs().ListJobs(admin, JobStatus::kQueued, "", 100));
  for (const Job& job : queued.items) BOOST_TEST(job.kind != std::string(kSendMailJob));
  RunDueJobs();
  BOOST_TEST(ToOlga("").size() == before);
}

BOOST_AUTO_TEST_SUITE_END()
