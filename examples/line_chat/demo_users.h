// The `--demo` accounts of the line chat example: two verified users who may talk (an admin may
// start a conversation with anyone, eventify/chat.h), their direct conversation, and fresh access
// tokens for both, so that someone can try the server with nothing but a TCP client. Running it
// again on the same database logs the same accounts in again and finds the same conversation.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "eventify/engine.h"
#include "eventify/spi/mailer.h"

namespace line_chat {

inline constexpr const char* kDemoAdminEmail = "demo-admin@example.com";
inline constexpr const char* kDemoAttendeeEmail = "demo-attendee@example.com";
inline constexpr const char* kDemoPassword = "Line-Chat-Demo1";

// A Mailer that keeps the last 6-digit code sent to each address instead of sending anything:
// how the demo verifies its attendee's address without a mail server. Thread-safe.
class CodeKeepingMailer final : public eventify::spi::Mailer {
 public:
  eventify::Status Send(const eventify::spi::MailMessage& message) override;
  // The last code sent to `address`; empty when none.
  std::string LastCode(const std::string& address);

 private:
  std::mutex mu_;
  std::map<std::string, std::string> codes_;
};

struct DemoUsers {
  eventify::TokenPair admin;
  eventify::TokenPair attendee;
  std::string conversation_id;  // the direct conversation of the two
};

// Creates the accounts when they do not exist (the admin with Accounts::CreateAdmin, the
// attendee with Register and VerifyEmail, running the engine's due jobs to send the code through
// `mailer`, which must be the engine's mailer), logs both in and opens their conversation.
// Blocks on storage and password hashing: call it before serving clients.
// Errors: those of the Accounts and Chat calls made; email_not_verified when an earlier run
// stopped between registering the attendee and verifying it (start on a new database).
eventify::Result<DemoUsers> SetUpDemoUsers(eventify::Engine& engine, CodeKeepingMailer& mailer);

}  // namespace line_chat
