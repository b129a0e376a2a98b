// Query-string parameters of the history route (?from=, ?until=, ?kind=, ?status=, ?cursor=, and
// ?limit= through http_errors.h's ReadLimit) and of the public event listing: read from the request into the library's query
// types. Only the form is checked here (an integer, an RFC 3339 timestamp, a known name); ranges,
// order and cursors are the library's.
// A header of its own so that the readers have a fuzz target (tests/fuzz/).
//
// Thread-safety: pure functions of the request.
#pragma once

#include <optional>
#include <string_view>

#include "api.h"
#include "eventify/events.h"
#include "eventify/ledger.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::server {

// ?<name>= as an RFC 3339 timestamp, left empty when absent (?from=, ?until=, ?starts_from=, the
// reports' range).
// Errors: kInvalidArgument invalid_timestamp (field `name`).
Status ReadTimestampQuery(const ApiRequest& request, std::string_view name,
                          std::optional<Timestamp>& out);

// The history filters of /wallet/transactions.
// Errors: kInvalidArgument invalid_kind, invalid_status, invalid_timestamp
// (field from or until), invalid_limit.
Status ReadHistoryQuery(const ApiRequest& request, HistoryQuery& query);

// The filters of the public event listing /events: ?category=, ?organizer=, ?starts_from=,
// ?starts_before= (RFC 3339), ?text=, ?min_price=, ?max_price= (integers), ?cursor=, ?limit=.
// Errors: kInvalidArgument invalid_timestamp (field starts_from or starts_before), invalid_price
// (field min_price or max_price: not an integer), invalid_limit.
Status ReadEventQuery(const ApiRequest& request, EventQuery& query);

}  // namespace eventify::server
