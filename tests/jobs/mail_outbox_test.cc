// The transactional outbox for e-mail (docs/mail.md, "The outbox"), on the backend
// EVENTIFY_TEST_BACKEND selects and a manual clock: a registration or reset request succeeds
// whatever the mailer does, its mail is a kSendMailJob job retried with backoff until the mailer
// takes it, exactly once; the job's payload is sealed; a code that expired before delivery is not
// sent; a payload sealed under another secret fails clearly; workers send a new mail without
// waiting for their poll interval.
#define BOOST_TEST_MODULE mail_outbox
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "eventify/spi/job_store.h"
#include "jobs/jobs_fixture.h"
#include "support/test_storage.h"

using namespace eventify;
using namespace eventify::testing;
using namespace std::chrono_literals;

namespace {

constexpr char kPassword[] = "Str0ng-Passw0rd";
constexpr char kNewPassword[] = "An0ther-Passw0rd";
const RequestContext kClient{"198.51.100.7"};

// A mailer that refuses every message while it is down and keeps those it takes.
class SwitchableMailer final : public spi::Mailer {
 public:
  static Status Down() { return Unavailable("test_mailer_down", "the test mailer is down"); }

  Status Send(const spi::MailMessage& message) override {
    std::lock_guard lock(mu_);
    ++calls_;
    if (down_) return Down();
    sent_.push_back(message);
    return Status::Ok();
  }
  void set_down(bool down) {
    std::lock_guard lock(mu_);
    down_ = down;
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::vector<spi::MailMessage> SentTo(const std::string& to) {
    std::lock_guard lock(mu_);
    std::vector<spi::MailMessage> out;
    for (const spi::MailMessage& message : sent_) {
      if (message.to == to) out.push_back(message);
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<spi::MailMessage> sent_;
  bool down_ = false;
  int calls_ = 0;
};

std::string CodeIn(const spi::MailMessage& message) {
  std::smatch match;
  BOOST_REQUIRE(std::regex_search(message.text, match, std::regex("\\b(\\d{6})\\b")));
  return match[1];
}

struct OutboxFixture {
  OutboxFixture()
      : clock(std::make_shared<spi::ManualClock>(kJobsStart)),
        storage(OpenFreshStorage()),
        mailer(std::make_shared<SwitchableMailer>()),
        engine(OpenJobsEngineOrFail(Options())) {}

  EngineOptions Options(std::string secret = std::string(32, 's')) {
    EngineOptions options = JobsEngineOptions(storage, clock);
    options.secret_key = std::move(secret);
    options.mailer = mailer;
    options.accounts.password_hash_cost = PasswordHashCost::kMinimum;
    return options;
  }

  Jobs& jobs() { return engine->jobs(); }
  Accounts& accounts() { return engine->accounts(); }

  void RegisterOrFail(const std::string& email) {
    auto user = accounts().Register({email, kPassword, "Ada", Role::kAttendee});
    BOOST_REQUIRE_MESSAGE(user.ok(), user.status().ToString());
  }

  // The one job of `status`, which must be a mail job.
  Job OnlyMailJob(JobStatus status) {
    auto page = jobs().ListJobs(kAdmin, status, "", 10);
    BOOST_REQUIRE_MESSAGE(page.ok(), page.status().ToString());
    BOOST_REQUIRE_EQUAL(page->items.size(), 1u);
    BOOST_REQUIRE_EQUAL(page->items[0].kind, std::string(kSendMailJob));
    return page->items[0];
  }

  // Runs the due mail job while the mailer is down: a failed attempt, due again after `backoff`.
  void FailedAttempt(const std::string& id, int attempt, std::chrono::seconds backoff) {
    BOOST_TEST(RunDueOrFail(jobs()) == 1);
    const Job job = GetJobOrFail(jobs(), id);
    BOOST_TEST(job.status == JobStatus::kQueued);
    BOOST_TEST(job.attempts == attempt);
    BOOST_TEST((job.run_at == clock->Now() + backoff));
    BOOST_TEST(job.last_error == SwitchableMailer::Down().ToString());
    BOOST_TEST(RunDueOrFail(jobs()) == 0);  // not due before its backoff
    clock->Advance(backoff);
  }

  std::shared_ptr<spi::ManualClock> clock;
  std::shared_ptr<spi::Storage> storage;
  std::shared_ptr<SwitchableMailer> mailer;
  std::unique_ptr<Engine> engine;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(mail_outbox, OutboxFixture)

BOOST_AUTO_TEST_CASE(
    registration_succeeds_with_the_mailer_down_and_the_code_arrives_once_it_is_up) {
  mailer->set_down(true);
  RegisterOrFail("ada@example.com");
  // The account exists; nothing was sent, nor even tried, by the request.
  BOOST_TEST(accounts()
                 .Register({"ada@example.com", kPassword, "Ada", Role::kAttendee})
                 .status()
                 .reason() == "email_taken");
  BOOST_TEST(mailer->calls() == 0);
  const Job queued = OnlyMailJob(JobStatus::kQueued);
  BOOST_TEST(queued.attempts == 0);
  BOOST_TEST(queued.max_attempts == 30);  // JobsOptions::mail_max_attempts
  BOOST_TEST((queued.run_at == kJobsStart));

  FailedAttempt(queued.id, 1, 10s);
  FailedAttempt(queued.id, 2, 20s);
  BOOST_TEST(mailer->SentTo("ada@example.com").empty());

  mailer->set_down(false);
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  BOOST_TEST(GetJobOrFail(jobs(), queued.id).status == JobStatus::kSucceeded);
  const auto sent = mailer->SentTo("ada@example.com");
  BOOST_REQUIRE_EQUAL(sent.size(), 1u);
  BOOST_TEST(sent[0].subject == "Eventify: verify your e-mail address");
  // Within the code's 10 minutes: it was issued 30 s before the mail went out.
  BOOST_TEST(accounts().VerifyEmail(kClient, "ada@example.com", CodeIn(sent[0])).ok());
  // Sent once: nothing is due any more.
  clock->Advance(1h);
  BOOST_TEST(RunDueOrFail(jobs()) == 0);
  BOOST_TEST(mailer->SentTo("ada@example.com").size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_reset_request_succeeds_with_the_mailer_down_and_the_code_arrives_once) {
  RegisterOrFail("bob@example.com");
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  BOOST_REQUIRE(
      accounts()
          .VerifyEmail(kClient, "bob@example.com", CodeIn(mailer->SentTo("bob@example.com").at(0)))
          .ok());
  mailer->set_down(true);
  BOOST_TEST(accounts().RequestPasswordReset(kClient, "bob@example.com").ok());
  const Job queued = OnlyMailJob(JobStatus::kQueued);
  FailedAttempt(queued.id, 1, 10s);
  FailedAttempt(queued.id, 2, 20s);
  mailer->set_down(false);
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  clock->Advance(1min);
  BOOST_TEST(RunDueOrFail(jobs()) == 0);
  const auto sent = mailer->SentTo("bob@example.com");
  BOOST_REQUIRE_EQUAL(sent.size(), 2u);  // the verification code, then the reset code
  BOOST_TEST(sent[1].subject == "Eventify: password reset code");
  BOOST_TEST(
      accounts().ResetPassword(kClient, "bob@example.com", CodeIn(sent[1]), kNewPassword).ok());
  BOOST_TEST(accounts().Login(kClient, "bob@example.com", kNewPassword).ok());
}

BOOST_AUTO_TEST_CASE(a_mail_job_shows_neither_the_code_nor_the_message) {
  RegisterOrFail("carol@example.com");
  const Job listed = OnlyMailJob(JobStatus::kQueued);
  Job stored;
  BOOST_REQUIRE(storage
                    ->Run(spi::TransactionMode::kReadOnly,
                          [&](spi::Transaction& tx) {
                            auto found =
                                tx.store<spi::JobStore>()->FindJob(listed.id, spi::LockMode::kNone);
                            if (!found.ok()) return found.status();
                            stored = *found;
                            return Status::Ok();
                          })
                    .ok());
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  const std::string code = CodeIn(mailer->SentTo("carol@example.com").at(0));
  for (const std::string& payload :
       {stored.payload, listed.payload, GetJobOrFail(jobs(), listed.id).payload}) {
    BOOST_TEST(payload.starts_with("sealed:v1:"), payload);
    BOOST_TEST(payload.find(code) == std::string::npos, payload);
    BOOST_TEST(payload.find("carol") == std::string::npos, payload);
    BOOST_TEST(payload.find("verify") == std::string::npos, payload);
  }
}

BOOST_AUTO_TEST_CASE(a_code_that_expired_before_delivery_is_not_sent) {
  mailer->set_down(true);
  RegisterOrFail("dan@example.com");
  const Job queued = OnlyMailJob(JobStatus::kQueued);
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  clock->Advance(10min);  // the code's lifetime
  mailer->set_down(false);
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  const Job done = GetJobOrFail(jobs(), queued.id);
  BOOST_TEST(done.status == JobStatus::kSucceeded);
  BOOST_TEST(done.last_error.starts_with("not sent: it was worth sending only before "),
             done.last_error);
  BOOST_TEST(mailer->calls() == 1);  // the failed attempt only
  // A new code is asked for and arrives.
  BOOST_TEST(accounts().ResendVerification(kClient, "dan@example.com").ok());
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  const auto sent = mailer->SentTo("dan@example.com");
  BOOST_REQUIRE_EQUAL(sent.size(), 1u);
  BOOST_TEST(accounts().VerifyEmail(kClient, "dan@example.com", CodeIn(sent[0])).ok());
}

BOOST_AUTO_TEST_CASE(a_mail_sealed_under_another_secret_fails_with_a_clear_error) {
  RegisterOrFail("eve@example.com");
  const Job queued = OnlyMailJob(JobStatus::kQueued);
  auto other = OpenJobsEngineOrFail(Options(std::string(32, 'o')));
  auto ran = other->jobs().RunDueJobs(16);
  BOOST_REQUIRE_MESSAGE(ran.ok(), ran.status().ToString());
  BOOST_TEST(*ran == 1);
  const Job job = GetJobOrFail(jobs(), queued.id);
  BOOST_TEST(job.status == JobStatus::kQueued);
  BOOST_TEST(job.attempts == 1);
  BOOST_TEST(job.last_error.starts_with("mail_payload_unreadable (failed_precondition): the "
                                        "sealed message cannot be opened"),
             job.last_error);
  BOOST_TEST(mailer->calls() == 0);
  // The engine holding the right secret sends it on the next attempt.
  clock->Advance(10s);
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  BOOST_TEST(mailer->SentTo("eve@example.com").size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_mail_job_dies_after_mail_max_attempts_and_an_admin_retry_sends_it) {
  engine.reset();
  EngineOptions options = Options();
  options.jobs.mail_max_attempts = 2;
  engine = OpenJobsEngineOrFail(std::move(options));
  mailer->set_down(true);
  RegisterOrFail("fay@example.com");
  const Job queued = OnlyMailJob(JobStatus::kQueued);
  BOOST_TEST(queued.max_attempts == 2);
  FailedAttempt(queued.id, 1, 10s);
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  BOOST_TEST(OnlyMailJob(JobStatus::kDead).id == queued.id);
  mailer->set_down(false);
  BOOST_REQUIRE(jobs().RetryJob(kAdmin, queued.id).ok());
  BOOST_TEST(RunDueOrFail(jobs()) == 1);
  BOOST_TEST(GetJobOrFail(jobs(), queued.id).status == JobStatus::kSucceeded);
  BOOST_TEST(mailer->SentTo("fay@example.com").size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_worker_sends_a_new_mail_without_waiting_for_its_poll_interval) {
  engine.reset();
  EngineOptions options = Options();
  options.jobs.worker_threads = 1;
  options.jobs.poll_interval = std::chrono::hours(1);
  engine = OpenJobsEngineOrFail(std::move(options));
  RegisterOrFail("gil@example.com");
  // Only the wake-up after the commit can send it before an hour has passed; the deadline is a
  // hang guard, not a timing assertion.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (mailer->SentTo("gil@example.com").empty()) {
    BOOST_REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "the mail never left");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  BOOST_TEST(mailer->SentTo("gil@example.com").size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
