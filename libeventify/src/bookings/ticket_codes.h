// TicketCodes: the signed codes printed on tickets (Ticket::code, eventify/bookings.h).
//
// A code is "t1.<ticket id>.<signature>", the signature the base64url HMAC-SHA256 of
// "t1.<ticket id>" under a key derived from the engine secret. The id alone finds the ticket;
// the signature proves the server issued it, so a code cannot be made up or altered (a changed
// id breaks the signature). "t1" names the format, so a later one can be told apart.
//
// Thread-safety: immutable after construction; any number of threads may use one.
#pragma once

#include <string>
#include <string_view>

#include "eventify/status.h"

namespace eventify::bookings {

class TicketCodes {
 public:
  // `secret` is EngineOptions::secret_key; the signing key is derived from it for this use only.
  explicit TicketCodes(std::string_view secret);

  std::string Sign(std::string_view ticket_id) const;

  // The ticket id of a code this server signed. Errors: kInvalidArgument invalid_ticket_code
  // (field "code") when it is malformed or its signature does not match.
  Result<std::string> Verify(std::string_view code) const;

 private:
  std::string key_;
};

}  // namespace eventify::bookings
