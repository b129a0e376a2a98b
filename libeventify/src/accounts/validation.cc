#include "accounts/validation.h"

#include <algorithm>
#include <cstdint>

namespace eventify::accounts {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

}  // namespace

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool ScanUtf8(std::string_view s, std::size_t& code_points, bool& has_control) {
  code_points = 0;
  has_control = false;
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp;
    int extra;
    if (c < 0x80) {
      cp = c;
      extra = 0;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      extra = 2;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      extra = 3;
    } else {
      return false;
    }
    if (extra > 0 && i + static_cast<std::size_t>(extra) >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) has_control = true;
    ++code_points;
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

namespace {

bool IsLabelChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool IsLocalChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
}

}  // namespace

Result<std::string> NormalizeEmail(std::string_view email) {
  auto invalid = [] {
    return InvalidArgument("invalid_email", "enter a valid e-mail address such as name@example.com",
                           "email");
  };
  std::string out(Trim(email));
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  if (out.empty() || out.size() > kMaxEmailLength) return invalid();
  const std::size_t at = out.find('@');
  if (at == std::string::npos || out.find('@', at + 1) != std::string::npos) return invalid();
  const std::string_view local = std::string_view(out).substr(0, at);
  const std::string_view domain = std::string_view(out).substr(at + 1);
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return invalid();
  }
  if (!std::all_of(local.begin(), local.end(), IsLocalChar)) return invalid();
  // Domain: dot-separated labels of letters, digits and inner hyphens; a TLD of 2+ letters.
  if (domain.empty() || domain.size() > 253) return invalid();
  std::size_t start = 0;
  int labels = 0;
  std::string_view last_label;
  while (start <= domain.size()) {
    std::size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    const std::string_view label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), IsLabelChar)) {
      return invalid();
    }
    ++labels;
    last_label = label;
    start = dot + 1;
    if (dot == domain.size()) break;
  }
  if (labels < 2 || last_label.size() < 2 ||
      !std::all_of(last_label.begin(), last_label.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
    return invalid();
  }
  return out;
}

Status CheckPasswordPolicy(std::string_view password, std::string_view email,
                           std::string_view field) {
  auto weak = [&](std::string message) {
    return InvalidArgument("weak_password", std::move(message), std::string(field));
  };
  std::size_t code_points = 0;
  bool has_control = false;
  if (!ScanUtf8(password, code_points, has_control) || has_control) {
    return weak("the password must be valid UTF-8 text without control characters");
  }
  if (code_points < kMinPasswordChars) return weak("the password needs at least 8 characters");
  if (password.size() > kMaxPasswordBytes) return weak("the password is longer than 256 bytes");
  bool lower = false, upper = false, other = false;
  for (char c : password) {
    if (c >= 'a' && c <= 'z') {
      lower = true;
    } else if (c >= 'A' && c <= 'Z') {
      upper = true;
    } else if (c != ' ') {
      other = true;  // digits, ASCII symbols and any non-ASCII character
    }
  }
  if (!lower || !upper || !other) {
    return weak(
        "the password needs a lower-case letter, an upper-case letter and a digit or symbol");
  }
  if (!email.empty()) {
    std::string lowered(password);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
    if (lowered == email) return weak("the password must not be the e-mail address");
  }
  return Status::Ok();
}

Result<std::string> NormalizeFullName(std::string_view full_name) {
  const std::string_view trimmed = Trim(full_name);
  std::size_t code_points = 0;
  bool has_control = false;
  if (!ScanUtf8(trimmed, code_points, has_control) || has_control || code_points == 0 ||
      code_points > kMaxFullNameChars) {
    return InvalidArgument("invalid_full_name",
                           "the full name must be 1 to 100 characters of text", "full_name");
  }
  return std::string(trimmed);
}

bool IsWellFormedCode(std::string_view code) {
  return code.size() == 6 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace eventify::accounts
