// Input rules of the accounts area: e-mail normalisation, password policy, names, image sniffing.
// Each returns a Status naming the offending field, so every entry point reports the same way.
#pragma once

#include <string>
#include <string_view>

#include "eventify/status.h"

namespace eventify::accounts {

inline constexpr std::size_t kMaxEmailLength = 254;
inline constexpr std::size_t kMinPasswordChars = 8;
inline constexpr std::size_t kMaxPasswordBytes = 256;
inline constexpr std::size_t kMaxFullNameChars = 100;

// Removes surrounding ASCII whitespace.
std::string_view Trim(std::string_view s);

// Counts code points of valid UTF-8 (rejecting overlongs and surrogates) and reports whether any
// control character (C0, DEL, C1) occurs. Returns false for invalid UTF-8. Shared with the events
// area's text fields.
bool ScanUtf8(std::string_view s, std::size_t& code_points, bool& has_control);

// Trims surrounding whitespace and lower-cases; accepts ASCII addresses of the usual shape
// (local@domain.tld). Errors: kInvalidArgument invalid_email (field "email").
Result<std::string> NormalizeEmail(std::string_view email);

// 8+ characters, at most 256 bytes, valid UTF-8 without control characters, at least one
// lower-case letter, one upper-case letter and one digit or symbol, and not the e-mail itself.
// Errors: kInvalidArgument weak_password (field as given).
Status CheckPasswordPolicy(std::string_view password, std::string_view email,
                           std::string_view field);

// Trims; 1–100 characters of valid UTF-8, no control characters, at least one non-space.
// Errors: kInvalidArgument invalid_full_name (field "full_name").
Result<std::string> NormalizeFullName(std::string_view full_name);

// A one-time code is exactly six ASCII digits.
bool IsWellFormedCode(std::string_view code);

}  // namespace eventify::accounts
