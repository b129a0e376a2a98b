// End-to-end test of e-mail over SMTP: the real eventify-server configured with
// mail.transport=smtp (STARTTLS required, the password from the environment) sends through a
// local SMTP sink on loopback (run under support/with-smtp-sink.sh); the multipart message that
// arrives carries the code in both parts and the user's name escaped in the HTML part, and the code
// verifies the account over HTTP. The outbox: with the mail server down (the sink's late port,
// refusing connections) registration still answers 201, the mail job is retried, and the code
// arrives once the server is up; a silent server (accepts TCP, never answers) times out and the
// job is retried. Also the startup errors of bad mail settings, each naming its key.
#define BOOST_TEST_MODULE e2e_mail
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "e2e_client.h"
#include "support/loopback_socket.h"
#include "support/mail_reader.h"

namespace {

namespace e2e = eventify::e2e;
namespace testing = eventify::testing;

constexpr char kServer[] = EVENTIFY_SERVER_PATH;

const testing::SmtpSink& Sink() {
  static const testing::SmtpSink sink = testing::SmtpSinkFromEnvironment();
  return sink;
}

e2e::Deployment& TheDeployment() {
  static e2e::Deployment deployment(
      kServer,
      {"--mail.transport=smtp", "--smtp.url=" + Sink().starttls_url(),
       "--smtp.username=" + Sink().user, "--smtp.starttls=required",
       "--smtp.ca_file=" + Sink().ca_file, "--smtp.from=Eventify E2E <e2e@example.com>",
       "--smtp.timeout=10s"},
      {"EVENTIFY_SMTP_PASSWORD=" + Sink().password});
  return deployment;
}

// A server sending through `url`, plain SMTP, retrying failed jobs after 1 s (at most 2 s).
std::vector<std::string> PlainSmtpFlags(const std::string& url) {
  return {"--mail.transport=smtp", "--smtp.url=" + url,         "--smtp.username=" + Sink().user,
          "--smtp.starttls=off",   "--smtp.connect_timeout=1s", "--smtp.timeout=1s",
          "--jobs.backoff=1s",     "--jobs.max_backoff=2s"};
}

// Registers `email` and checks the answer: 201, whatever the mail server does.
void RegisterOrFail(e2e::Api& api, const std::string& email) {
  const e2e::Reply registered = api.PostJson(
      "/api/v1/auth/register",
      e2e::JsonObject({{"email", email}, {"password", e2e::kPassword}, {"full_name", "Ada"}}));
  BOOST_TEST_INFO("body " << registered.body);
  BOOST_REQUIRE_EQUAL(registered.status, 201);
}

// Waits until the admin jobs API shows the queued mail job with at least `attempts` attempts, and
// returns its JSON pointer prefix in `page` (a hang guard only, no timing assertion).
std::string QueuedMailJob(e2e::Api& api, const std::string& token, int attempts, e2e::Reply& page) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    page = api.Get("/api/v1/admin/jobs?status=queued&limit=100", token);
    BOOST_TEST_INFO("body " << page.body);
    BOOST_REQUIRE_EQUAL(page.status, 200);
    for (int i = 0; i < page.Count("/items"); ++i) {
      const std::string item = "/items/" + std::to_string(i);
      if (page.Str((item + "/kind").c_str()) == "mail.send" &&
          page.Int((item + "/attempts").c_str()) >= attempts) {
        return item;
      }
    }
    BOOST_REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                          "no mail job reached " << attempts << " attempts");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// The one six-digit number in `text`.
std::string CodeIn(const std::string& text) {
  std::smatch match;
  BOOST_REQUIRE(std::regex_search(text, match, std::regex(R"((^|[^0-9])([0-9]{6})([^0-9]|$))")));
  return match[2].str();
}

}  // namespace

BOOST_AUTO_TEST_CASE(registration_mails_a_multipart_code_over_smtp_that_verifies) {
  e2e::Deployment& deployment = TheDeployment();
  e2e::Api api = deployment.api();
  const std::string email = deployment.NewEmail("smtp");
  const std::string name = "Ada <script>alert(\"x\")</script> & Co";
  const e2e::Reply registered = api.PostJson(
      "/api/v1/auth/register",
      e2e::JsonObject({{"email", email}, {"password", e2e::kPassword}, {"full_name", name}}));
  BOOST_REQUIRE_EQUAL(registered.status, 201);

  std::set<std::string> seen;
  const testing::ReceivedMail mail = testing::WaitForMail(Sink().dir, email, seen);
  BOOST_TEST(mail.envelope_from == "e2e@example.com");
  BOOST_TEST(mail.headers.at("From") == "Eventify E2E <e2e@example.com>");
  BOOST_TEST(mail.headers.at("To") == email);
  BOOST_TEST(mail.headers.at("Subject") == "Eventify: verify your e-mail address");
  BOOST_TEST(mail.headers.at("Content-Type").starts_with("multipart/alternative; boundary="));
  BOOST_REQUIRE(mail.parts.size() == 2u);
  const testing::MailPart& text = mail.parts[0];
  const testing::MailPart& html = mail.parts[1];
  BOOST_TEST(text.headers.at("Content-Type") == "text/plain; charset=utf-8");
  BOOST_TEST(html.headers.at("Content-Type") == "text/html; charset=utf-8");
  const std::string code = CodeIn(text.body);
  BOOST_TEST(html.body.find("<strong>" + code + "</strong>") != std::string::npos, html.body);
  BOOST_TEST(text.body.find("Hello " + name + ",") != std::string::npos, text.body);
  BOOST_TEST(html.body.find("Hello Ada &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                            "Co,") != std::string::npos,
             html.body);
  BOOST_TEST(html.body.find("<script>") == std::string::npos);
  // Nothing went to the outbox folder (the server creates it whatever the transport).
  BOOST_TEST(std::filesystem::is_empty(deployment.outbox()));

  const e2e::Reply verified = api.PostJson("/api/v1/auth/verify-email",
                                           e2e::JsonObject({{"email", email}, {"code", code}}));
  BOOST_TEST(verified.status == 200);
  BOOST_TEST(e2e::Login(api, email, e2e::kPassword).status == 200);
}

BOOST_AUTO_TEST_CASE(with_the_mail_server_down_registration_succeeds_and_the_code_arrives_later) {
  e2e::Deployment deployment(kServer, PlainSmtpFlags(Sink().late_url()),
                             {"EVENTIFY_SMTP_PASSWORD=" + Sink().password});
  e2e::Api api = deployment.api();
  const e2e::Account admin = e2e::NewAdmin(deployment, "outbox-admin");
  const std::string email = deployment.NewEmail("late");
  RegisterOrFail(api, email);

  // The mail server refuses connections: the job failed and is queued for another attempt, its
  // payload sealed.
  e2e::Reply page;
  const std::string job = QueuedMailJob(api, admin.access, 1, page);
  BOOST_TEST(page.Str((job + "/last_error").c_str()).starts_with("smtp_connection_refused"),
             page.body);
  BOOST_TEST(page.Str((job + "/payload").c_str()).starts_with("sealed:v1:"));
  BOOST_TEST(page.Int((job + "/max_attempts").c_str()) == 30);
  const std::string id = page.Str((job + "/id").c_str());

  Sink().OpenLatePort();
  std::set<std::string> seen;
  const testing::ReceivedMail mail = testing::WaitForMail(Sink().dir, email, seen);
  BOOST_TEST(page.body.find(CodeIn(mail.parts.at(0).body)) == std::string::npos);
  const e2e::Reply verified =
      api.PostJson("/api/v1/auth/verify-email",
                   e2e::JsonObject({{"email", email}, {"code", CodeIn(mail.parts.at(0).body)}}));
  BOOST_TEST(verified.status == 200);
  // The worker records the outcome after the mail server took the message: wait for that commit
  // (a hang guard only).
  e2e::Reply done = api.Get("/api/v1/admin/jobs/" + id, admin.access);
  for (const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
       done.Str("/job/status") == "running" && std::chrono::steady_clock::now() < deadline;
       done = api.Get("/api/v1/admin/jobs/" + id, admin.access)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  BOOST_TEST(done.Str("/job/status") == "succeeded", done.body);
  // Delivered once: the job is done, and one message to the address arrived.
  int arrived = 0;
  for (const auto& entry : std::filesystem::directory_iterator(Sink().dir)) {
    if (entry.path().filename().string().ends_with("-" + email + ".eml")) ++arrived;
  }
  BOOST_TEST(arrived == 1);
}

BOOST_AUTO_TEST_CASE(a_silent_mail_server_times_out_and_the_mail_job_is_retried) {
  testing::LoopbackSocket silent(/*listening=*/true);
  e2e::Deployment deployment(kServer, PlainSmtpFlags(silent.url()),
                             {"EVENTIFY_SMTP_PASSWORD=" + Sink().password});
  e2e::Api api = deployment.api();
  const e2e::Account admin = e2e::NewAdmin(deployment, "silent-admin");
  RegisterOrFail(api, deployment.NewEmail("silent"));
  e2e::Reply page;
  const std::string job = QueuedMailJob(api, admin.access, 2, page);
  BOOST_TEST(page.Str((job + "/last_error").c_str()).starts_with("smtp_timeout"), page.body);
}

BOOST_AUTO_TEST_CASE(bad_mail_settings_stop_the_server_naming_the_key) {
  const auto& scratch = TheDeployment().scratch();
  const std::string data = "--data_dir=" + (scratch / "unused").string();
  struct Case {
    std::vector<std::string> flags;
    std::vector<std::string> env;
    std::string names;
  };
  const std::vector<Case> cases = {
      {{"--mail.transport=smtp"}, {}, "smtp.url must be set"},
      {{"--mail.transport=pigeon"}, {}, "mail.transport"},
      {{"--mail.transport=smtp", "--smtp.url=http://mail.example.com"}, {}, "smtp.url"},
      {{"--mail.transport=smtp", "--smtp.url=smtp://mail.example.com", "--smtp.from=nobody"},
       {},
       "smtp.from"},
      {{"--smtp.from=Eve <eve@example.com>\r\nBcc: all@example.com"}, {}, "smtp.from"},
      {{"--smtp.starttls=maybe"}, {}, "smtp.starttls"},
      {{"--smtp.timeout=0"}, {}, "smtp.timeout"},
      {{"--mail.transport=smtp", "--smtp.url=smtp://mail.example.com"},
       {"EVENTIFY_SMTP_CONNECT_TIMEOUT=60", "EVENTIFY_SMTP_TIMEOUT=30"},
       "smtp.timeout"},
      {{"--smtp.password=hunter2-secret"}, {}, "EVENTIFY_SMTP_PASSWORD"},
      {{"--jobs.mail_max_attempts=0"}, {}, "jobs.mail_max_attempts"},
      {{"--jobs.backoff=2h"}, {}, "jobs.backoff must not be longer than jobs.max_backoff"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = {kServer, "--listen.port=0", data};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    const e2e::Completed run = e2e::RunProgram(argv, c.env, scratch);
    BOOST_TEST_INFO("flags: " << c.flags.front() << "; stderr: " << run.err);
    BOOST_TEST(run.status.exited);
    BOOST_TEST(run.status.code == 2);
    BOOST_TEST(run.err.find(c.names) != std::string::npos);
    BOOST_TEST(run.err.find("hunter2") == std::string::npos);
  }
}
