#include "demo_users.h"

#include <regex>

namespace line_chat {

eventify::Status CodeKeepingMailer::Send(const eventify::spi::MailMessage& message) {
  std::smatch match;
  if (std::regex_search(message.text, match, std::regex("\\b\\d{6}\\b"))) {
    std::lock_guard lock(mu_);
    codes_[message.to] = match.str();
  }
  return eventify::Status::Ok();
}

std::string CodeKeepingMailer::LastCode(const std::string& address) {
  std::lock_guard lock(mu_);
  auto found = codes_.find(address);
  return found == codes_.end() ? std::string() : found->second;
}

namespace {

bool IsEmailTaken(const eventify::Status& status) { return status.reason() == "email_taken"; }

eventify::Status EnsureAttendee(eventify::Engine& engine, CodeKeepingMailer& mailer) {
  eventify::Accounts& accounts = engine.accounts();
  auto registered = accounts.Register(
      {kDemoAttendeeEmail, kDemoPassword, "Demo Attendee", eventify::Role::kAttendee});
  if (!registered.ok()) {
    return IsEmailTaken(registered.status()) ? eventify::Status::Ok() : registered.status();
  }
  // The verification mail is a job written with the account; with no job worker threads
  // (the default) it leaves only when the host runs the due jobs.
  if (auto ran = engine.jobs().RunDueJobs(16); !ran.ok()) return ran.status();
  return accounts.VerifyEmail(eventify::RequestContext{}, kDemoAttendeeEmail,
                              mailer.LastCode(kDemoAttendeeEmail));
}

}  // namespace

eventify::Result<DemoUsers> SetUpDemoUsers(eventify::Engine& engine, CodeKeepingMailer& mailer) {
  eventify::Accounts& accounts = engine.accounts();
  auto admin = accounts.CreateAdmin(
      {kDemoAdminEmail, kDemoPassword, "Demo Admin", eventify::Role::kAdmin});
  if (!admin.ok() && !IsEmailTaken(admin.status())) return admin.status();
  if (eventify::Status s = EnsureAttendee(engine, mailer); !s.ok()) return s;

  DemoUsers demo;
  const eventify::RequestContext local;  // no client address: throttled per account only
  auto admin_tokens = accounts.Login(local, kDemoAdminEmail, kDemoPassword);
  if (!admin_tokens.ok()) return admin_tokens.status();
  demo.admin = std::move(admin_tokens).value();
  auto attendee_tokens = accounts.Login(local, kDemoAttendeeEmail, kDemoPassword);
  if (!attendee_tokens.ok()) return attendee_tokens.status();
  demo.attendee = std::move(attendee_tokens).value();

  auto principal = accounts.Authenticate(demo.admin.access_token);
  if (!principal.ok()) return principal.status();
  auto conversation = engine.chat().OpenDirect(*principal, demo.attendee.user.id);
  if (!conversation.ok()) return conversation.status();
  demo.conversation_id = conversation->id;
  return demo;
}

}  // namespace line_chat
