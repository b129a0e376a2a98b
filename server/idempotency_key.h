// The Idempotency-Key header of money-moving and booking requests, shared by the routes that take
// one (wallet top-ups and withdrawals, bookings).
#pragma once

#include <string>

#include "api.h"
#include "eventify/status.h"

namespace eventify::server {

inline constexpr char kIdempotencyKeyHeader[] = "Idempotency-Key";

// The client's key from the Idempotency-Key header; the library checks its form and scopes it
// to the caller. Errors: kInvalidArgument missing_idempotency_key, conflicting_idempotency_keys
// (the header is repeated with different values: which one the client meant is unknown).
Result<std::string> IdempotencyKey(const ApiRequest& request);

// The library names the key's field "idempotency_key"; over HTTP the key is the header.
Status NameKeyHeader(const Status& status);

}  // namespace eventify::server
