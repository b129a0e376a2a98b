#include "mail/templates.h"

#include <fmt/format.h>

namespace eventify::mail {
namespace {

// One code mail: what the code is for, and the sentence that follows the expiry.
struct CodeMailWording {
  std::string_view subject;  // after "<product>: "
  std::string_view purpose;  // "your <purpose> is <code>"
  std::string_view closing;
};

spi::MailMessage CodeMail(const CodeMailValues& values, const CodeMailWording& wording) {
  spi::MailMessage mail;
  mail.to = std::string(values.to);
  mail.subject = fmt::format("{}: {}", values.product_name, wording.subject);
  mail.text =
      fmt::format("Hello {},\n\nyour {} is {}\n\nIt expires in {} minutes. {}\n", values.full_name,
                  wording.purpose, values.code, values.expires_in_minutes, wording.closing);
  mail.html = fmt::format(
      "<!DOCTYPE html>\n"
      "<html>\n"
      "<head><meta charset=\"utf-8\"><title>{}</title></head>\n"
      "<body>\n"
      "<p>Hello {},</p>\n"
      "<p>your {} is <strong>{}</strong></p>\n"
      "<p>It expires in {} minutes. {}</p>\n"
      "</body>\n"
      "</html>\n",
      HtmlEscape(mail.subject), HtmlEscape(values.full_name), HtmlEscape(wording.purpose),
      HtmlEscape(values.code), values.expires_in_minutes, HtmlEscape(wording.closing));
  return mail;
}

}  // namespace

spi::MailMessage VerificationCodeMail(const CodeMailValues& values) {
  return CodeMail(values, {"verify your e-mail address", "verification code",
                           "If you did not register, ignore this message."});
}

spi::MailMessage PasswordResetCodeMail(const CodeMailValues& values) {
  return CodeMail(values, {"password reset code", "password reset code",
                           "Resetting your password signs you out everywhere. If you did not ask "
                           "for this, ignore this message."});
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace eventify::mail
