#include "bookings/ticket_codes.h"

#include "crypto/sodium.h"
#include "eventify/types.h"

namespace eventify::bookings {
namespace {

constexpr std::string_view kPrefix = "t1.";

Status InvalidCode() {
  return InvalidArgument("invalid_ticket_code", "this is not a ticket code of this platform",
                         "code");
}

}  // namespace

TicketCodes::TicketCodes(std::string_view secret)
    : key_(crypto::HmacSha256(secret, "eventify/ticket-code/v1")) {}

std::string TicketCodes::Sign(std::string_view ticket_id) const {
  const std::string signed_part = std::string(kPrefix) + std::string(ticket_id);
  return signed_part + "." + crypto::Base64UrlEncode(crypto::HmacSha256(key_, signed_part));
}

Result<std::string> TicketCodes::Verify(std::string_view code) const {
  if (code.substr(0, kPrefix.size()) != kPrefix) return InvalidCode();
  const std::size_t dot = code.rfind('.');
  if (dot <= kPrefix.size()) return InvalidCode();
  const std::string_view id = code.substr(kPrefix.size(), dot - kPrefix.size());
  if (!IsValidId(id)) return InvalidCode();
  if (!crypto::ConstantTimeEquals(Sign(id), code)) return InvalidCode();
  return std::string(id);
}

}  // namespace eventify::bookings
