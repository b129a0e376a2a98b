// The accounts rules, end to end through the Engine, on the storage backend chosen by
// EVENTIFY_TEST_BACKEND (sqlite or postgresql).
#define BOOST_TEST_MODULE accounts
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include "eventify/engine.h"
#include "support/test_storage.h"

using namespace eventify;
namespace fs = std::filesystem;

namespace {

const Timestamp kStart = FromMicros(1'800'000'000'000'000);  // 2027-01-15
constexpr char kPassword[] = "Str0ng-Passw0rd";
const RequestContext kClient{"198.51.100.7"};

// Keeps every message in memory so tests can read the codes. The engine writes its mail as jobs
// (the outbox) and has no worker threads here: every read first runs `deliver`, which the fixture
// sets to run the due jobs.
class RecordingMailer final : public spi::Mailer {
 public:
  void set_deliver(std::function<void()> deliver) { deliver_ = std::move(deliver); }
  Status Send(const spi::MailMessage& message) override {
    std::lock_guard lock(mu_);
    if (fail_) return Unavailable("test_mailer_down", "test mailer is down");
    sent_.push_back(message);
    return Status::Ok();
  }
  std::size_t CountTo(const std::string& to) {
    if (deliver_) deliver_();
    std::lock_guard lock(mu_);
    return std::count_if(sent_.begin(), sent_.end(), [&](auto& m) { return m.to == to; });
  }
  // The six-digit code in the newest message to `to`.
  std::string LastCodeTo(const std::string& to) {
    if (deliver_) deliver_();
    std::lock_guard lock(mu_);
    for (auto it = sent_.rbegin(); it != sent_.rend(); ++it) {
      if (it->to != to) continue;
      std::smatch match;
      if (std::regex_search(it->text, match, std::regex("\\b(\\d{6})\\b"))) return match[1];
    }
    BOOST_FAIL("no code was mailed to " + to);
    return "";
  }
  void set_fail(bool fail) {
    std::lock_guard lock(mu_);
    fail_ = fail;
  }

 private:
  std::mutex mu_;
  std::vector<spi::MailMessage> sent_;
  bool fail_ = false;
  std::function<void()> deliver_;
};

std::string PngBytes() {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  png += std::string("\0\0\0\x0dIHDR\0\0\0\x02\0\0\0\x02\x08\x06\0\0\0\0\0\0\0", 25);
  return png;
}

struct Fixture {
  Fixture() {
    std::string pattern = (fs::temp_directory_path() / "eventify-accounts-XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
    media_dir = pattern;
    clock = std::make_shared<spi::ManualClock>(kStart);
    mailer = std::make_shared<RecordingMailer>();
    media = spi::MakeFilesystemMediaStore(media_dir.string(), "/media/");
    storage = testing::OpenFreshStorage();
    engine = OpenEngine(std::string(32, 's'));
    mailer->set_deliver([this] {
      auto ran = engine->jobs().RunDueJobs(100);
      BOOST_REQUIRE_MESSAGE(ran.ok(), ran.status().ToString());
    });
  }
  ~Fixture() {
    engine.reset();
    std::error_code ignored;
    fs::remove_all(media_dir, ignored);
  }

  std::unique_ptr<Engine> OpenEngine(std::string secret) {
    EngineOptions options;
    options.secret_key = std::move(secret);
    options.storage = storage;
    options.mailer = mailer;
    options.media_store = media;
    options.clock = clock;
    options.accounts.password_hash_cost = PasswordHashCost::kMinimum;
    auto opened = Engine::Open(std::move(options));
    BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    return std::move(opened).value();
  }

  Accounts& accounts() { return engine->accounts(); }

  User RegisterVerified(const std::string& email, Role role = Role::kAttendee) {
    auto user = accounts().Register({email, kPassword, "Test User", role});
    BOOST_REQUIRE_MESSAGE(user.ok(), user.status().ToString());
    Status verified = accounts().VerifyEmail(kClient, email, mailer->LastCodeTo(email));
    BOOST_REQUIRE_MESSAGE(verified.ok(), verified.ToString());
    return *user;
  }

  TokenPair LoginAs(const std::string& email, const std::string& password = kPassword) {
    auto pair = accounts().Login(kClient, email, password);
    BOOST_REQUIRE_MESSAGE(pair.ok(), pair.status().ToString());
    return *pair;
  }

  Principal AdminPrincipal() {
    auto admin = accounts().CreateAdmin({"root@example.com", kPassword, "Root", Role::kAdmin});
    BOOST_REQUIRE_MESSAGE(admin.ok(), admin.status().ToString());
    auto principal = accounts().Authenticate(LoginAs("root@example.com").access_token);
    BOOST_REQUIRE(principal.ok());
    return *principal;
  }

  spi::UserRecord StoredUser(const std::string& email) {
    spi::UserRecord record;
    Status s = storage->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) {
      auto found = tx.accounts().FindUserByEmail(email, spi::LockMode::kNone);
      if (!found.ok()) return found.status();
      record = *found;
      return Status::Ok();
    });
    BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
    return record;
  }

  fs::path media_dir;
  std::shared_ptr<spi::ManualClock> clock;
  std::shared_ptr<RecordingMailer> mailer;
  std::shared_ptr<spi::MediaStore> media;
  std::shared_ptr<spi::Storage> storage;
  std::unique_ptr<Engine> engine;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(registration, Fixture)

BOOST_AUTO_TEST_CASE(registers_an_unverified_account_with_a_normalised_email) {
  auto user = accounts().Register({"  Ada@Example.COM ", kPassword, " Ada Lovelace ", Role::kOrganizer});
  BOOST_REQUIRE_MESSAGE(user.ok(), user.status().ToString());
  BOOST_TEST(user->email == "ada@example.com");
  BOOST_TEST(user->full_name == "Ada Lovelace");
  BOOST_TEST((user->role == Role::kOrganizer));
  BOOST_TEST(!user->email_verified);
  BOOST_TEST(IsValidId(user->id));
  BOOST_TEST(mailer->CountTo("ada@example.com") == 1u);
}

BOOST_AUTO_TEST_CASE(passwords_are_stored_as_argon2id_hashes) {
  RegisterVerified("hash@example.com");
  const auto record = StoredUser("hash@example.com");
  BOOST_TEST(record.password_hash.rfind("$argon2id$", 0) == 0);
  BOOST_TEST(record.password_hash.find(kPassword) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(email_is_unique_whatever_its_case) {
  RegisterVerified("dup@example.com");
  auto again = accounts().Register({"DUP@example.com", kPassword, "Other", Role::kAttendee});
  BOOST_TEST(again.status().reason() == "email_taken");
  BOOST_TEST((again.status().code() == StatusCode::kAlreadyExists));
  BOOST_TEST(again.status().field() == "email");
}

BOOST_AUTO_TEST_CASE(bad_inputs_are_refused_with_their_field) {
  struct Case {
    Registration registration;
    const char* reason;
    const char* field;
  };
  const std::vector<Case> cases = {
      {{"not-an-email", kPassword, "Name", Role::kAttendee}, "invalid_email", "email"},
      {{"a@example.com", "short1A", "Name", Role::kAttendee}, "weak_password", "password"},
      {{"a@example.com", "nouppercase1", "Name", Role::kAttendee}, "weak_password", "password"},
      {{"a@example.com", kPassword, "", Role::kAttendee}, "invalid_full_name", "full_name"},
      {{"a@example.com", kPassword, std::string(101, 'n'), Role::kAttendee}, "invalid_full_name",
       "full_name"},
      {{"a@example.com", kPassword, "Name", Role::kAdmin}, "invalid_role", "role"},
  };
  for (const Case& c : cases) {
    auto result = accounts().Register(c.registration);
    BOOST_TEST(result.status().reason() == c.reason);
    BOOST_TEST(result.status().field() == c.field);
    BOOST_TEST((result.status().code() == StatusCode::kInvalidArgument));
  }
  BOOST_TEST(mailer->CountTo("a@example.com") == 0u);
}

BOOST_AUTO_TEST_CASE(concurrent_registrations_of_one_email_create_one_account) {
  std::atomic<int> created{0}, taken{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = accounts().Register({"race@example.com", kPassword, "Racer", Role::kAttendee});
      if (r.ok()) {
        ++created;
      } else if (r.status().reason() == "email_taken") {
        ++taken;
      } else {
        ++other;
        BOOST_TEST_MESSAGE(r.status().ToString());
      }
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(created.load() == 1);
  BOOST_TEST(taken.load() == 7);
  BOOST_TEST(other.load() == 0);
}

BOOST_AUTO_TEST_CASE(a_mail_failure_does_not_fail_registration_and_a_new_code_can_be_asked_for) {
  mailer->set_fail(true);
  auto user = accounts().Register({"nomail@example.com", kPassword, "No Mail", Role::kAttendee});
  BOOST_REQUIRE_MESSAGE(user.ok(), user.status().ToString());
  BOOST_TEST(mailer->CountTo("nomail@example.com") == 0u);
  mailer->set_fail(false);
  clock->Advance(std::chrono::seconds(61));
  BOOST_REQUIRE(accounts().ResendVerification(kClient, "nomail@example.com").ok());
  BOOST_TEST(
      accounts()
          .VerifyEmail(kClient, "nomail@example.com", mailer->LastCodeTo("nomail@example.com"))
          .ok());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(verification, Fixture)

BOOST_AUTO_TEST_CASE(the_code_is_six_digits_and_stored_only_as_a_hash) {
  BOOST_REQUIRE(accounts().Register({"otp@example.com", kPassword, "Otp", Role::kAttendee}).ok());
  const std::string code = mailer->LastCodeTo("otp@example.com");
  BOOST_TEST(code.size() == 6u);
  const auto user = StoredUser("otp@example.com");
  spi::OneTimeCodeRecord stored;
  BOOST_REQUIRE(storage->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) {
    auto found = tx.accounts().FindCode(user.id, spi::CodePurpose::kVerifyEmail, spi::LockMode::kNone);
    if (!found.ok()) return found.status();
    stored = *found;
    return Status::Ok();
  }).ok());
  BOOST_TEST(stored.code_hash != code);
  BOOST_TEST(stored.code_hash.find(code) == std::string::npos);
  BOOST_TEST(stored.attempts_left == 5);
  BOOST_TEST((stored.expires_at == kStart + std::chrono::minutes(10)));
}

BOOST_AUTO_TEST_CASE(unverified_accounts_cannot_log_in_until_verified) {
  BOOST_REQUIRE(accounts().Register({"v@example.com", kPassword, "V", Role::kAttendee}).ok());
  BOOST_TEST(accounts().Login(kClient, "v@example.com", kPassword).status().reason() ==
             "email_not_verified");
  BOOST_REQUIRE(
      accounts().VerifyEmail(kClient, "v@example.com", mailer->LastCodeTo("v@example.com")).ok());
  BOOST_TEST(accounts().Login(kClient, "v@example.com", kPassword).ok());
  BOOST_TEST(accounts().VerifyEmail(kClient, "v@example.com", "000000").reason() ==
             "already_verified");
}

BOOST_AUTO_TEST_CASE(five_wrong_codes_kill_the_code) {
  BOOST_REQUIRE(accounts().Register({"w@example.com", kPassword, "W", Role::kAttendee}).ok());
  const std::string code = mailer->LastCodeTo("w@example.com");
  const std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 1; i <= 4; ++i) {
    Status s = accounts().VerifyEmail(kClient, "w@example.com", wrong);
    BOOST_TEST(s.reason() == "invalid_code");
    BOOST_TEST(s.field() == "code");
  }
  BOOST_TEST(accounts().VerifyEmail(kClient, "w@example.com", "12ab").reason() ==
             "too_many_attempts");
  // Even the right code is refused now: a new one is needed.
  BOOST_TEST(accounts().VerifyEmail(kClient, "w@example.com", code).reason() ==
             "too_many_attempts");
  clock->Advance(std::chrono::seconds(61));
  BOOST_REQUIRE(accounts().ResendVerification(kClient, "w@example.com").ok());
  BOOST_TEST(
      accounts().VerifyEmail(kClient, "w@example.com", mailer->LastCodeTo("w@example.com")).ok());
}

BOOST_AUTO_TEST_CASE(codes_expire_after_ten_minutes) {
  BOOST_REQUIRE(accounts().Register({"e@example.com", kPassword, "E", Role::kAttendee}).ok());
  const std::string code = mailer->LastCodeTo("e@example.com");
  clock->Advance(std::chrono::minutes(10));
  BOOST_TEST(accounts().VerifyEmail(kClient, "e@example.com", code).reason() == "code_expired");
}

BOOST_AUTO_TEST_CASE(resend_is_throttled_and_replaces_the_code) {
  BOOST_REQUIRE(accounts().Register({"r@example.com", kPassword, "R", Role::kAttendee}).ok());
  const std::string first = mailer->LastCodeTo("r@example.com");
  BOOST_TEST(accounts().ResendVerification(kClient, "r@example.com").reason() ==
             "resend_throttled");
  clock->Advance(std::chrono::seconds(60));
  BOOST_REQUIRE(accounts().ResendVerification(kClient, "r@example.com").ok());
  const std::string second = mailer->LastCodeTo("r@example.com");
  BOOST_TEST(mailer->CountTo("r@example.com") == 2u);
  if (first != second) {
    BOOST_TEST(accounts().VerifyEmail(kClient, "r@example.com", first).reason() == "invalid_code");
  }
  BOOST_TEST(accounts().VerifyEmail(kClient, "r@example.com", second).ok());
}

BOOST_AUTO_TEST_CASE(at_most_five_codes_an_hour) {
  BOOST_REQUIRE(accounts().Register({"h@example.com", kPassword, "H", Role::kAttendee}).ok());
  for (int i = 0; i < 4; ++i) {
    clock->Advance(std::chrono::seconds(61));
    BOOST_REQUIRE(accounts().ResendVerification(kClient, "h@example.com").ok());
  }
  clock->Advance(std::chrono::seconds(61));
  BOOST_TEST(accounts().ResendVerification(kClient, "h@example.com").reason() ==
             "resend_throttled");
  clock->Advance(std::chrono::hours(1));
  BOOST_TEST(accounts().ResendVerification(kClient, "h@example.com").ok());
}

BOOST_AUTO_TEST_CASE(unknown_addresses_reveal_nothing) {
  BOOST_TEST(accounts().ResendVerification(kClient, "ghost@example.com").ok());
  BOOST_TEST(mailer->CountTo("ghost@example.com") == 0u);
  BOOST_TEST(accounts().VerifyEmail(kClient, "ghost@example.com", "123456").reason() ==
             "no_pending_code");
  BOOST_TEST(accounts().VerifyEmail(kClient, "bad", "123456").reason() == "invalid_email");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(login_and_tokens, Fixture)

BOOST_AUTO_TEST_CASE(wrong_password_and_unknown_email_look_alike) {
  RegisterVerified("l@example.com");
  auto wrong = accounts().Login(kClient, "l@example.com", "Wr0ng-Password");
  auto unknown = accounts().Login(kClient, "nobody@example.com", kPassword);
  BOOST_TEST(wrong.status().reason() == "invalid_credentials");
  BOOST_TEST(unknown.status().reason() == "invalid_credentials");
  BOOST_TEST(wrong.status().message() == unknown.status().message());
  BOOST_TEST(accounts().Login(kClient, "not an email", kPassword).status().reason() ==
             "invalid_credentials");
}

BOOST_AUTO_TEST_CASE(login_returns_tokens_that_authenticate) {
  const User user = RegisterVerified("t@example.com", Role::kOrganizer);
  const TokenPair pair = LoginAs("T@Example.com");
  BOOST_TEST(pair.user.id == user.id);
  BOOST_TEST((pair.access_expires_at == kStart + std::chrono::minutes(15)));
  BOOST_TEST((pair.refresh_expires_at == kStart + std::chrono::hours(24 * 30)));
  auto principal = accounts().Authenticate(pair.access_token);
  BOOST_REQUIRE(principal.ok());
  BOOST_TEST(principal->user_id == user.id);
  BOOST_TEST((principal->role == Role::kOrganizer));
}

BOOST_AUTO_TEST_CASE(access_tokens_expire) {
  RegisterVerified("x@example.com");
  const TokenPair pair = LoginAs("x@example.com");
  clock->Advance(std::chrono::minutes(15));
  BOOST_TEST(accounts().Authenticate(pair.access_token).status().reason() == "token_expired");
}

BOOST_AUTO_TEST_CASE(tokens_of_another_secret_are_refused) {
  RegisterVerified("k@example.com");
  const TokenPair pair = LoginAs("k@example.com");
  auto other = OpenEngine(std::string(32, 'o'));
  BOOST_TEST(other->accounts().Authenticate(pair.access_token).status().reason() == "invalid_token");
  BOOST_TEST(accounts().Authenticate(pair.access_token + "x").status().reason() == "invalid_token");
}

BOOST_AUTO_TEST_CASE(refresh_rotates_and_reuse_revokes_the_family) {
  RegisterVerified("rot@example.com");
  const TokenPair first = LoginAs("rot@example.com");
  auto second = accounts().Refresh(first.refresh_token);
  BOOST_REQUIRE_MESSAGE(second.ok(), second.status().ToString());
  BOOST_TEST(second->refresh_token != first.refresh_token);
  BOOST_TEST(accounts().Authenticate(second->access_token).ok());
  // The rotated token is presented again: the whole family ends.
  BOOST_TEST(accounts().Refresh(first.refresh_token).status().reason() == "token_reused");
  BOOST_TEST(accounts().Refresh(second->refresh_token).status().reason() == "session_revoked");
  BOOST_TEST(accounts().Authenticate(second->access_token).status().reason() == "session_revoked");
  BOOST_TEST(accounts().Authenticate(first.access_token).status().reason() == "session_revoked");
  // Other logins of the same user are other families and keep working.
  const TokenPair other = LoginAs("rot@example.com");
  BOOST_TEST(accounts().Refresh(other.refresh_token).ok());
}

BOOST_AUTO_TEST_CASE(concurrent_refreshes_of_one_token_let_exactly_one_through) {
  RegisterVerified("cr@example.com");
  const TokenPair pair = LoginAs("cr@example.com");
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      if (accounts().Refresh(pair.refresh_token).ok()) ++succeeded;
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(succeeded.load() == 1);
}

BOOST_AUTO_TEST_CASE(refresh_tokens_expire_and_garbage_is_refused) {
  RegisterVerified("re@example.com");
  const TokenPair pair = LoginAs("re@example.com");
  BOOST_TEST(accounts().Refresh("not-a-token").status().reason() == "invalid_token");
  BOOST_TEST(accounts().Refresh("").status().reason() == "invalid_token");
  clock->Advance(std::chrono::hours(24 * 30));
  BOOST_TEST(accounts().Refresh(pair.refresh_token).status().reason() == "token_expired");
}

BOOST_AUTO_TEST_CASE(a_session_never_outlives_its_maximum_age) {
  RegisterVerified("age@example.com");
  TokenPair pair = LoginAs("age@example.com");
  for (int i = 0; i < 3; ++i) {  // 3 × 29 days of regular use...
    clock->Advance(std::chrono::hours(24 * 29));
    auto next = accounts().Refresh(pair.refresh_token);
    BOOST_REQUIRE_MESSAGE(next.ok(), next.status().ToString());
    pair = *next;
  }
  BOOST_TEST((pair.refresh_expires_at == kStart + std::chrono::hours(24 * 90)));
  clock->Advance(std::chrono::hours(24 * 3 + 1));  // ...past 90 days the family ends
  BOOST_TEST(accounts().Refresh(pair.refresh_token).status().reason() == "token_expired");
}

BOOST_AUTO_TEST_CASE(logout_revokes_refresh_and_access_tokens) {
  RegisterVerified("out@example.com");
  const TokenPair pair = LoginAs("out@example.com");
  BOOST_REQUIRE(accounts().Logout(pair.refresh_token).ok());
  BOOST_TEST(accounts().Logout(pair.refresh_token).ok());  // idempotent
  BOOST_TEST(accounts().Refresh(pair.refresh_token).status().reason() == "session_revoked");
  BOOST_TEST(accounts().Authenticate(pair.access_token).status().reason() == "session_revoked");
  BOOST_TEST(accounts().Logout("garbage").reason() == "invalid_token");

  const TokenPair again = LoginAs("out@example.com");
  BOOST_REQUIRE(accounts().LogoutAccessToken(again.access_token).ok());
  BOOST_TEST(accounts().Authenticate(again.access_token).status().reason() == "session_revoked");
  BOOST_TEST(accounts().LogoutAccessToken(again.access_token).ok());  // idempotent
  BOOST_TEST(accounts().Refresh(again.refresh_token).status().reason() == "session_revoked");
  BOOST_TEST(accounts().LogoutAccessToken("garbage").reason() == "invalid_token");
  clock->Advance(std::chrono::minutes(15));
  BOOST_TEST(accounts().LogoutAccessToken(again.access_token).reason() == "token_expired");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(passwords, Fixture)

BOOST_AUTO_TEST_CASE(reset_by_emailed_code_revokes_every_session) {
  RegisterVerified("pw@example.com");
  const TokenPair a = LoginAs("pw@example.com");
  const TokenPair b = LoginAs("pw@example.com");
  BOOST_REQUIRE(accounts().RequestPasswordReset(kClient, "PW@example.com").ok());
  const std::string code = mailer->LastCodeTo("pw@example.com");
  BOOST_TEST(accounts().ResetPassword(kClient, "pw@example.com", code, "weak").reason() ==
             "weak_password");
  BOOST_REQUIRE(accounts().ResetPassword(kClient, "pw@example.com", code, "N3w-Password!").ok());
  BOOST_TEST(accounts().Refresh(a.refresh_token).status().reason() == "session_revoked");
  BOOST_TEST(accounts().Authenticate(b.access_token).status().reason() == "session_revoked");
  BOOST_TEST(accounts().Login(kClient, "pw@example.com", kPassword).status().reason() ==
             "invalid_credentials");
  BOOST_TEST(accounts().Login(kClient, "pw@example.com", "N3w-Password!").ok());
  // The code is single use.
  BOOST_TEST(
      accounts().ResetPassword(kClient, "pw@example.com", code, "An0ther-Password").reason() ==
      "no_pending_code");
}

BOOST_AUTO_TEST_CASE(reset_codes_have_the_same_attempt_limit) {
  RegisterVerified("pa@example.com");
  BOOST_REQUIRE(accounts().RequestPasswordReset(kClient, "pa@example.com").ok());
  const std::string code = mailer->LastCodeTo("pa@example.com");
  const std::string wrong = code == "999999" ? "888888" : "999999";
  for (int i = 0; i < 4; ++i) {
    BOOST_TEST(
        accounts().ResetPassword(kClient, "pa@example.com", wrong, "N3w-Password!").reason() ==
        "invalid_code");
  }
  BOOST_TEST(accounts().ResetPassword(kClient, "pa@example.com", wrong, "N3w-Password!").reason() ==
             "too_many_attempts");
  BOOST_TEST(accounts().ResetPassword(kClient, "pa@example.com", code, "N3w-Password!").reason() ==
             "too_many_attempts");
  BOOST_TEST(accounts().Login(kClient, "pa@example.com", kPassword).ok());
}

BOOST_AUTO_TEST_CASE(reset_requests_for_unknown_addresses_send_nothing) {
  BOOST_TEST(accounts().RequestPasswordReset(kClient, "ghost@example.com").ok());
  BOOST_TEST(mailer->CountTo("ghost@example.com") == 0u);
  BOOST_REQUIRE(accounts().Register({"unv@example.com", kPassword, "U", Role::kAttendee}).ok());
  BOOST_TEST(accounts().RequestPasswordReset(kClient, "unv@example.com").ok());
  BOOST_TEST(mailer->CountTo("unv@example.com") == 1u);  // only the verification mail
}

BOOST_AUTO_TEST_CASE(change_password_needs_the_current_one) {
  RegisterVerified("cp@example.com");
  const TokenPair pair = LoginAs("cp@example.com");
  const Principal me = *accounts().Authenticate(pair.access_token);
  BOOST_TEST(accounts().ChangePassword(me, "Wr0ng-Password", "N3w-Password!").reason() ==
             "invalid_credentials");
  BOOST_TEST(accounts().ChangePassword(me, kPassword, kPassword).reason() == "same_password");
  BOOST_TEST(accounts().ChangePassword(me, kPassword, "weakpass").reason() == "weak_password");
  BOOST_REQUIRE(accounts().ChangePassword(me, kPassword, "N3w-Password!").ok());
  BOOST_TEST(accounts().Authenticate(pair.access_token).status().reason() == "session_revoked");
  BOOST_TEST(accounts().Login(kClient, "cp@example.com", "N3w-Password!").ok());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(throttling, Fixture)

// The default rules, which the engine of the fixture runs with.
const ThrottleOptions kRules;

RequestContext Client(int n) { return RequestContext{"203.0.113." + std::to_string(n)}; }

// The reason and the wait of a failure, to compare sequences of answers.
std::string Answer(const Status& status) {
  return std::string(status.reason()) + "/" + std::to_string(status.retry_after().count());
}

BOOST_AUTO_TEST_CASE(wrong_passwords_lock_the_pair_until_the_lockout_ends) {
  RegisterVerified("guess@example.com");
  const ThrottleRule& pair = kRules.per_account_address;
  for (int i = 0; i < pair.free_attempts; ++i) {
    BOOST_TEST(accounts().Login(kClient, "guess@example.com", "Wr0ng-Password").status().reason() ==
               "invalid_credentials");
  }
  // Locked now, even for the right password, which is not even looked at.
  const Status locked = accounts().Login(kClient, "guess@example.com", kPassword).status();
  BOOST_TEST(locked.reason() == "attempts_throttled");
  BOOST_TEST((locked.code() == StatusCode::kResourceExhausted));
  BOOST_TEST(locked.retry_after().count() == pair.first_lockout.count());
  // The owner, from another address, is not locked out.
  BOOST_TEST(accounts().Login(Client(1), "guess@example.com", kPassword).ok());

  clock->Advance(pair.first_lockout - std::chrono::seconds(1));
  BOOST_TEST(accounts().Login(kClient, "guess@example.com", kPassword).status().retry_after() ==
             std::chrono::seconds(1));
  clock->Advance(std::chrono::seconds(1));
  BOOST_TEST(accounts().Login(kClient, "guess@example.com", kPassword).ok());
}

BOOST_AUTO_TEST_CASE(a_successful_login_forgets_the_pairs_failures) {
  RegisterVerified("forget@example.com");
  const int free = kRules.per_account_address.free_attempts;
  for (int i = 0; i < free - 1; ++i) {
    BOOST_TEST(
        accounts().Login(kClient, "forget@example.com", "Wr0ng-Password").status().reason() ==
        "invalid_credentials");
  }
  BOOST_TEST(accounts().Login(kClient, "forget@example.com", kPassword).ok());
  // A fresh allowance: as many wrong tries again before the lock.
  for (int i = 0; i < free - 1; ++i) {
    BOOST_TEST(
        accounts().Login(kClient, "forget@example.com", "Wr0ng-Password").status().reason() ==
        "invalid_credentials");
  }
  BOOST_TEST(accounts().Login(kClient, "forget@example.com", kPassword).ok());
}

BOOST_AUTO_TEST_CASE(lockouts_double_up_to_the_maximum_and_are_forgotten) {
  RegisterVerified("double@example.com");
  const ThrottleRule& pair = kRules.per_account_address;
  const auto wrong = [&] {
    return accounts().Login(kClient, "double@example.com", "Wr0ng-Password").status();
  };
  for (int i = 0; i < pair.free_attempts; ++i)
    BOOST_TEST(wrong().reason() == "invalid_credentials");
  std::chrono::seconds lockout = pair.first_lockout;
  for (int round = 0; round < 8; ++round) {
    BOOST_TEST(wrong().retry_after().count() == lockout.count(), "round " << round);
    clock->Advance(lockout);
    BOOST_TEST(wrong().reason() == "invalid_credentials");  // one more try, then a longer lock
    lockout = std::min(lockout * 2, pair.max_lockout);
  }
  BOOST_TEST(lockout == pair.max_lockout);
  BOOST_TEST(wrong().retry_after().count() == pair.max_lockout.count());
  // Left alone long enough, the failures are forgotten.
  clock->Advance(pair.max_lockout + pair.forget_after);
  for (int i = 0; i < pair.free_attempts; ++i)
    BOOST_TEST(wrong().reason() == "invalid_credentials");
  BOOST_TEST(wrong().retry_after().count() == pair.first_lockout.count());
}

BOOST_AUTO_TEST_CASE(guessing_from_many_addresses_locks_the_owner_out_only_briefly) {
  RegisterVerified("owner@example.com");
  const ThrottleRule& account = kRules.per_account;
  int address = 0;
  const auto guess = [&] {
    return accounts().Login(Client(++address), "owner@example.com", "Wr0ng-Password").status();
  };
  for (int i = 0; i < account.free_attempts; ++i) {
    BOOST_TEST(guess().reason() == "invalid_credentials");
  }
  const Status locked = accounts().Login(kClient, "owner@example.com", kPassword).status();
  BOOST_TEST(locked.reason() == "attempts_throttled");
  BOOST_TEST(locked.retry_after().count() == account.first_lockout.count());
  // However long the attack goes on, each lock is at most max_lockout, and the owner gets in
  // once it ends.
  for (int round = 0; round < 10; ++round) {
    clock->Advance(account.max_lockout);
    BOOST_TEST(guess().reason() == "invalid_credentials");
  }
  BOOST_TEST(accounts().Login(kClient, "owner@example.com", kPassword).status().retry_after() ==
             account.max_lockout);
  clock->Advance(account.max_lockout);
  BOOST_TEST(accounts().Login(kClient, "owner@example.com", kPassword).ok());
}

BOOST_AUTO_TEST_CASE(one_address_spraying_many_accounts_is_stopped) {
  const ThrottleRule& address = kRules.per_address;
  for (int i = 0; i < address.free_attempts; ++i) {
    const std::string email = "spray" + std::to_string(i) + "@example.com";
    BOOST_TEST(accounts().Login(kClient, email, kPassword).status().reason() ==
               "invalid_credentials");
  }
  const Status locked = accounts().Login(kClient, "fresh@example.com", kPassword).status();
  BOOST_TEST(locked.reason() == "attempts_throttled");
  BOOST_TEST(locked.retry_after().count() == address.first_lockout.count());
  // Requests for code e-mails from that address wait too; other addresses do not.
  BOOST_TEST(accounts().ResendVerification(kClient, "fresh@example.com").reason() ==
             "attempts_throttled");
  BOOST_TEST(accounts().Login(Client(1), "fresh@example.com", kPassword).status().reason() ==
             "invalid_credentials");
}

BOOST_AUTO_TEST_CASE(unknown_addresses_are_throttled_like_registered_ones) {
  RegisterVerified("known@example.com");
  std::vector<std::string> known, unknown;
  for (int i = 0; i <= kRules.per_account_address.free_attempts; ++i) {
    known.push_back(
        Answer(accounts().Login(kClient, "known@example.com", "Wr0ng-Password").status()));
    unknown.push_back(
        Answer(accounts().Login(kClient, "ghost@example.com", "Wr0ng-Password").status()));
  }
  BOOST_TEST(known == unknown, boost::test_tools::per_element());
  BOOST_TEST(known.back() == "attempts_throttled/60");
}

BOOST_AUTO_TEST_CASE(concurrent_guesses_cannot_slip_past_the_limit) {
  RegisterVerified("race@example.com");
  std::atomic<int> wrong{0}, throttled{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 30; ++i) {
    threads.emplace_back([&] {
      const auto login = accounts().Login(kClient, "race@example.com", "Wr0ng-Password");
      if (login.status().reason() == "invalid_credentials") ++wrong;
      if (login.status().reason() == "attempts_throttled") ++throttled;
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(wrong.load() == kRules.per_account_address.free_attempts);
  BOOST_TEST(throttled.load() == 30 - kRules.per_account_address.free_attempts);
}

BOOST_AUTO_TEST_CASE(wrong_codes_are_throttled_beyond_the_codes_own_limit) {
  BOOST_REQUIRE(accounts().Register({"codes@example.com", kPassword, "C", Role::kAttendee}).ok());
  const std::string code = mailer->LastCodeTo("codes@example.com");
  const std::string wrong = code == "000000" ? "111111" : "000000";
  const ThrottleRule& pair = kRules.per_account_address;
  clock->Advance(std::chrono::seconds(60));  // so that a new code may be sent at once
  // The code dies after its own 5 tries; further guesses (at new codes) meet the throttle.
  for (int i = 0; i < pair.free_attempts; ++i) {
    const Status verdict = accounts().VerifyEmail(kClient, "codes@example.com", wrong);
    BOOST_TEST(verdict.reason() == (i < 4 ? "invalid_code" : "too_many_attempts"), "try " << i);
  }
  BOOST_REQUIRE(accounts().ResendVerification(kClient, "codes@example.com").ok());
  const std::string fresh = mailer->LastCodeTo("codes@example.com");
  const Status locked = accounts().VerifyEmail(kClient, "codes@example.com", fresh);
  BOOST_TEST(locked.reason() == "attempts_throttled");
  BOOST_TEST(locked.retry_after().count() == pair.first_lockout.count());
  BOOST_TEST(
      accounts().ResetPassword(kClient, "codes@example.com", fresh, "N3w-Password!").reason() ==
      "no_pending_code");  // another kind of guess, counted apart
  clock->Advance(pair.first_lockout);
  BOOST_TEST(accounts().VerifyEmail(kClient, "codes@example.com", fresh).ok());
  BOOST_TEST(StoredUser("codes@example.com").email_verified);
}

BOOST_AUTO_TEST_CASE(code_emails_answer_alike_whatever_the_address) {
  BOOST_REQUIRE(
      accounts().Register({"unverified@example.com", kPassword, "U", Role::kAttendee}).ok());
  RegisterVerified("verified@example.com");
  const std::vector<std::string> emails = {"unverified@example.com", "verified@example.com",
                                           "nobody@example.com"};
  clock->Advance(std::chrono::seconds(60));  // past the registration mails' resend interval
  for (const auto& request : {&Accounts::ResendVerification, &Accounts::RequestPasswordReset}) {
    std::vector<std::string> answers;
    for (const std::string& email : emails) {
      std::string answer;
      for (int i = 0; i < 2; ++i) answer += Answer((accounts().*request)(kClient, email)) + " ";
      answer += (accounts().*request)(kClient, email).message();
      answers.push_back(answer);
    }
    BOOST_TEST(answers[0] == answers[1]);
    BOOST_TEST(answers[0] == answers[2]);
    BOOST_TEST(answers[0].rfind("ok/0 resend_throttled/60 ", 0) == 0u, answers[0]);
    clock->Advance(std::chrono::seconds(60));
  }
  // Only the eligible addresses got codes: a verification for the unverified account, a reset
  // for the verified one.
  BOOST_TEST(mailer->CountTo("unverified@example.com") == 2u);
  BOOST_TEST(mailer->CountTo("verified@example.com") == 2u);
  BOOST_TEST(mailer->CountTo("nobody@example.com") == 0u);
}

BOOST_AUTO_TEST_CASE(bad_throttle_rules_are_refused) {
  EngineOptions options;
  options.secret_key = std::string(32, 's');
  options.storage = storage;
  options.mailer = mailer;
  options.media_store = media;
  options.accounts.throttle.per_address.free_attempts = 0;
  BOOST_TEST(Engine::Open(options).status().reason() == "invalid_throttle_options");
  options.accounts.throttle.per_address.free_attempts = 1;
  options.accounts.throttle.per_account.max_lockout = std::chrono::seconds(1);
  BOOST_TEST(Engine::Open(options).status().reason() == "invalid_throttle_options");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(profiles_and_admin, Fixture)

BOOST_AUTO_TEST_CASE(profile_read_and_update) {
  RegisterVerified("pr@example.com");
  const Principal me = *accounts().Authenticate(LoginAs("pr@example.com").access_token);
  auto profile = accounts().GetProfile(me);
  BOOST_REQUIRE(profile.ok());
  BOOST_TEST(profile->email == "pr@example.com");
  BOOST_TEST(!profile->avatar_url.has_value());
  clock->Advance(std::chrono::seconds(5));
  auto updated = accounts().UpdateProfile(me, {std::string("  Grace Hopper ")});
  BOOST_REQUIRE(updated.ok());
  BOOST_TEST(updated->full_name == "Grace Hopper");
  BOOST_TEST((updated->updated_at == kStart + std::chrono::seconds(5)));
  BOOST_TEST(accounts().UpdateProfile(me, {std::string("")}).status().reason() == "invalid_full_name");
  BOOST_TEST(accounts().GetProfile(me)->full_name == "Grace Hopper");
}

BOOST_AUTO_TEST_CASE(avatars_accept_only_images_within_the_limit) {
  RegisterVerified("av@example.com");
  const Principal me = *accounts().Authenticate(LoginAs("av@example.com").access_token);
  auto first = accounts().SetAvatar(me, PngBytes());
  BOOST_REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  BOOST_REQUIRE(first->avatar_url.has_value());
  BOOST_TEST(first->avatar_url->rfind("/media/avatars/", 0) == 0);
  const std::string first_key = first->avatar_url->substr(7);
  auto stored = media->Get(first_key);
  BOOST_REQUIRE(stored.ok());
  BOOST_TEST(stored->content_type == "image/png");

  auto second = accounts().SetAvatar(me, std::string("\xff\xd8\xff\xe0 jpeg body", 14));
  BOOST_REQUIRE(second.ok());
  BOOST_TEST(*second->avatar_url != *first->avatar_url);
  BOOST_TEST(!media->Get(first_key).ok());  // the replaced picture is gone

  BOOST_TEST(accounts().SetAvatar(me, "just some text").status().reason() == "unsupported_image");
  BOOST_TEST((accounts().SetAvatar(me, "").status().reason() == "empty_image"));
  auto big = accounts().SetAvatar(me, PngBytes() + std::string(2 * 1024 * 1024, '\0'));
  BOOST_TEST(big.status().reason() == "avatar_too_large");
  BOOST_TEST((big.status().code() == StatusCode::kPayloadTooLarge));
  BOOST_TEST(*accounts().GetProfile(me)->avatar_url == *second->avatar_url);
}

BOOST_AUTO_TEST_CASE(admins_are_created_verified_and_only_they_administer) {
  const Principal admin = AdminPrincipal();
  BOOST_TEST((admin.role == Role::kAdmin));
  const User target = RegisterVerified("target@example.com");
  const Principal attendee = *accounts().Authenticate(LoginAs("target@example.com").access_token);
  BOOST_TEST(accounts().SetBlocked(attendee, admin.user_id, true).status().reason() == "forbidden");
  BOOST_TEST(accounts().GetUser(attendee, admin.user_id).status().reason() == "forbidden");
  BOOST_TEST(accounts().SetBlocked(admin, admin.user_id, true).status().reason() == "cannot_modify_self");
  BOOST_TEST(accounts().GetUser(admin, NewId(kStart)).status().reason() == "user_not_found");
  auto fetched = accounts().GetUser(admin, target.id);
  BOOST_REQUIRE(fetched.ok());
  BOOST_TEST(fetched->email == "target@example.com");
  auto promoted = accounts().SetRole(admin, target.id, Role::kOrganizer);
  BOOST_REQUIRE(promoted.ok());
  // The role change applies at once, not at the next login.
  BOOST_TEST((accounts().Authenticate(LoginAs("target@example.com").access_token)->role ==
              Role::kOrganizer));
}

// The e-mail addresses of a page, in order.
std::vector<std::string> Emails(const Result<UserPage>& page) {
  BOOST_REQUIRE_MESSAGE(page.ok(), page.status().ToString());
  std::vector<std::string> emails;
  for (const User& user : page->items) emails.push_back(user.email);
  return emails;
}

BOOST_AUTO_TEST_CASE(admins_list_and_search_users_newest_first) {
  const Principal admin = AdminPrincipal();  // root@example.com, the oldest account
  const auto registered_later = [&](const std::string& email, const std::string& name,
                                    Role role = Role::kAttendee) {
    clock->Advance(std::chrono::minutes(1));
    auto user = accounts().Register({email, kPassword, name, role});
    BOOST_REQUIRE_MESSAGE(user.ok(), user.status().ToString());
    BOOST_REQUIRE(accounts().VerifyEmail(kClient, email, mailer->LastCodeTo(email)).ok());
    return *user;
  };
  registered_later("ann.lee@example.com", "Ann Lee", Role::kOrganizer);
  registered_later("bob@example.org", "Bob Stone");
  const User carl = registered_later("carl@example.com", "Carl Weiss");
  BOOST_REQUIRE(accounts().SetBlocked(admin, carl.id, true).ok());
  clock->Advance(std::chrono::minutes(1));
  BOOST_REQUIRE(accounts().Register({"dora@example.com", kPassword, "Dora Lee"}).ok());

  using Addresses = std::vector<std::string>;
  UserQuery all;
  BOOST_TEST(Emails(accounts().ListUsers(admin, all)) ==
                 (Addresses{"dora@example.com", "carl@example.com", "bob@example.org",
                            "ann.lee@example.com", "root@example.com"}),
             boost::test_tools::per_element());

  // Pages of two, following the cursor to the end.
  UserQuery paged;
  paged.limit = 2;
  Addresses seen;
  std::vector<std::size_t> sizes;
  for (;;) {
    auto page = accounts().ListUsers(admin, paged);
    const Addresses emails = Emails(page);
    sizes.push_back(emails.size());
    seen.insert(seen.end(), emails.begin(), emails.end());
    if (page->next_cursor.empty()) break;
    paged.cursor = page->next_cursor;
  }
  BOOST_TEST(seen == Emails(accounts().ListUsers(admin, all)), boost::test_tools::per_element());
  BOOST_TEST(sizes == (std::vector<std::size_t>{2, 2, 1}), boost::test_tools::per_element());

  const auto listed = [&](auto&& set) {
    UserQuery query;
    set(query);
    return Emails(accounts().ListUsers(admin, query));
  };
  BOOST_TEST(listed([](UserQuery& q) { q.email = "EXAMPLE.ORG"; }) == Addresses{"bob@example.org"},
             boost::test_tools::per_element());
  BOOST_TEST(listed([](UserQuery& q) { q.email = "ann."; }) == Addresses{"ann.lee@example.com"},
             boost::test_tools::per_element());
  BOOST_TEST(listed([](UserQuery& q) { q.name = "LEE"; }) ==
                 (Addresses{"dora@example.com", "ann.lee@example.com"}),
             boost::test_tools::per_element());
  BOOST_TEST(
      listed([](UserQuery& q) { q.role = Role::kOrganizer; }) == Addresses{"ann.lee@example.com"},
      boost::test_tools::per_element());
  BOOST_TEST(listed([](UserQuery& q) { q.role = Role::kAdmin; }) == Addresses{"root@example.com"},
             boost::test_tools::per_element());
  BOOST_TEST(listed([](UserQuery& q) { q.blocked = true; }) == Addresses{"carl@example.com"},
             boost::test_tools::per_element());
  BOOST_TEST(
      listed([](UserQuery& q) { q.email_verified = false; }) == Addresses{"dora@example.com"},
      boost::test_tools::per_element());
  BOOST_TEST(listed([](UserQuery& q) {
               q.name = "lee";
               q.email_verified = true;
             }) == Addresses{"ann.lee@example.com"},
             boost::test_tools::per_element());
  BOOST_TEST(listed([](UserQuery& q) { q.email = "nobody"; }).empty());

  // The operator of the command line may list too; other roles may not.
  BOOST_TEST(Emails(accounts().ListUsers(OperatorPrincipal(), all)).size() == 5u);
  const Principal bob = *accounts().Authenticate(LoginAs("bob@example.org").access_token);
  auto refused = accounts().ListUsers(bob, all);
  BOOST_TEST((refused.status().code() == StatusCode::kPermissionDenied));
  BOOST_TEST(refused.status().reason() == "forbidden");

  const auto failure = [&](auto&& set) {
    UserQuery query;
    set(query);
    return accounts().ListUsers(admin, query).status();
  };
  for (int limit : {0, 101}) {
    const Status bad = failure([&](UserQuery& q) { q.limit = limit; });
    BOOST_TEST((bad.code() == StatusCode::kInvalidArgument));
    BOOST_TEST(bad.reason() == "invalid_limit");
    BOOST_TEST(bad.field() == "limit");
  }
  const Status bad_cursor = failure([](UserQuery& q) { q.cursor = "not-a-cursor"; });
  BOOST_TEST(bad_cursor.reason() == "invalid_cursor");
  BOOST_TEST(bad_cursor.field() == "cursor");
  const Status long_email = failure([](UserQuery& q) { q.email = std::string(255, 'a'); });
  BOOST_TEST((long_email.code() == StatusCode::kInvalidArgument));
  BOOST_TEST(long_email.reason() == "search_too_long");
  BOOST_TEST(long_email.field() == "email");
  BOOST_TEST(failure([](UserQuery& q) { q.name = std::string(255, 'a'); }).field() == "name");
}

BOOST_AUTO_TEST_CASE(admins_find_a_user_by_address) {
  const Principal admin = AdminPrincipal();
  const User ann = RegisterVerified("ann@example.com");
  auto found = accounts().FindUserByEmail(admin, "  Ann@Example.COM ");
  BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
  BOOST_TEST(found->id == ann.id);
  BOOST_TEST(accounts().FindUserByEmail(OperatorPrincipal(), "ann@example.com")->id == ann.id);
  auto missing = accounts().FindUserByEmail(admin, "nobody@example.com");
  BOOST_TEST((missing.status().code() == StatusCode::kNotFound));
  BOOST_TEST(missing.status().reason() == "user_not_found");
  BOOST_TEST(accounts().FindUserByEmail(admin, "not an address").status().reason() ==
             "invalid_email");
  const Principal attendee = *accounts().Authenticate(LoginAs("ann@example.com").access_token);
  BOOST_TEST(accounts().FindUserByEmail(attendee, "root@example.com").status().reason() ==
             "forbidden");
}

// How many admins there are, through the library.
std::size_t AdminCount(Accounts& accounts) {
  UserQuery admins;
  admins.role = Role::kAdmin;
  auto page = accounts.ListUsers(OperatorPrincipal(), admins);
  BOOST_REQUIRE(page.ok());
  return page->items.size();
}

BOOST_AUTO_TEST_CASE(the_last_admin_cannot_be_demoted) {
  const Principal root = AdminPrincipal();
  const Principal the_operator = OperatorPrincipal();
  auto refused = accounts().SetRole(the_operator, root.user_id, Role::kAttendee);
  BOOST_TEST((refused.status().code() == StatusCode::kFailedPrecondition));
  BOOST_TEST(refused.status().reason() == "last_admin");
  BOOST_TEST((accounts().GetUser(the_operator, root.user_id)->role == Role::kAdmin));
  // Re-stating the role of the last admin changes nothing and is allowed.
  BOOST_TEST(accounts().SetRole(the_operator, root.user_id, Role::kAdmin).ok());

  const User ann = RegisterVerified("ann@example.com");
  auto promoted = accounts().SetRole(root, ann.id, Role::kAdmin);
  BOOST_REQUIRE(promoted.ok());
  BOOST_TEST((promoted->role == Role::kAdmin));
  auto demoted = accounts().SetRole(the_operator, root.user_id, Role::kOrganizer);
  BOOST_REQUIRE_MESSAGE(demoted.ok(), demoted.status().ToString());
  BOOST_TEST((demoted->role == Role::kOrganizer));
  BOOST_TEST(accounts().SetRole(the_operator, ann.id, Role::kAttendee).status().reason() ==
             "last_admin");
  BOOST_TEST(AdminCount(accounts()) == 1u);
}

BOOST_AUTO_TEST_CASE(two_admins_demoted_at_once_leave_one) {
  const Principal root = AdminPrincipal();
  const User ann = RegisterVerified("ann@example.com");
  const Principal the_operator = OperatorPrincipal();
  for (int round = 0; round < 3; ++round) {
    BOOST_REQUIRE(accounts().SetRole(the_operator, ann.id, Role::kAdmin).ok());
    BOOST_REQUIRE(accounts().SetRole(the_operator, root.user_id, Role::kAdmin).ok());
    std::atomic<int> ready{0};
    std::vector<Status> outcomes(2);
    const std::vector<std::string> ids = {root.user_id, ann.id};
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        ++ready;
        while (ready.load() < 2) std::this_thread::yield();
        outcomes[i] = accounts().SetRole(the_operator, ids[i], Role::kAttendee).status();
      });
    }
    for (std::thread& thread : threads) thread.join();
    const int succeeded = outcomes[0].ok() + outcomes[1].ok();
    BOOST_TEST(succeeded == 1);
    for (const Status& outcome : outcomes) {
      if (!outcome.ok()) BOOST_TEST(outcome.reason() == "last_admin");
    }
    BOOST_TEST(AdminCount(accounts()) == 1u);
  }
}

BOOST_AUTO_TEST_CASE(blocked_users_cannot_log_in_or_use_existing_tokens) {
  const Principal admin = AdminPrincipal();
  const User target = RegisterVerified("blk@example.com");
  const TokenPair pair = LoginAs("blk@example.com");
  BOOST_REQUIRE(accounts().SetBlocked(admin, target.id, true).ok());
  // Blocking ends the sessions too, but the block is what the old tokens are told.
  BOOST_TEST(accounts().Authenticate(pair.access_token).status().reason() == "account_blocked");
  BOOST_TEST((accounts().Authenticate(pair.access_token).status().code() ==
              StatusCode::kPermissionDenied));
  BOOST_TEST(accounts().Refresh(pair.refresh_token).status().reason() == "account_blocked");
  BOOST_TEST(accounts().Login(kClient, "blk@example.com", kPassword).status().reason() ==
             "account_blocked");
  BOOST_TEST(accounts().Login(kClient, "blk@example.com", "Wr0ng-Password").status().reason() ==
             "invalid_credentials");
  BOOST_REQUIRE(accounts().SetBlocked(admin, target.id, false).ok());
  BOOST_TEST(accounts().Login(kClient, "blk@example.com", kPassword).ok());
  // Unblocking does not bring the ended sessions back.
  BOOST_TEST(accounts().Authenticate(pair.access_token).status().reason() == "session_revoked");
}

BOOST_AUTO_TEST_CASE(engine_refuses_a_short_secret_and_missing_services) {
  EngineOptions options;
  options.secret_key = "short";
  options.storage = storage;
  options.mailer = mailer;
  options.media_store = media;
  BOOST_TEST(Engine::Open(options).status().reason() == "secret_key_too_short");
  options.secret_key = std::string(32, 's');
  options.mailer = nullptr;
  BOOST_TEST(Engine::Open(options).status().reason() == "missing_mailer");
}

BOOST_AUTO_TEST_SUITE_END()
