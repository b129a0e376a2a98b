// Query strings of the listing routes (server/query_params.cc, ReadLimit in http_errors.cc): ?limit=, ?from=, ?until=, ?kind=,
// ?status=, ?cursor=, read into the library's HistoryQuery, and the event listing's (?category=,
// ?starts_from=, ?min_price=...) read into EventQuery. Input: a query string without '?'
// ("limit=5&from=2026-11-24T18:30:00Z"), split at '&' and '='.
// Property: a limit that was read is the integer written in the query.
#include <charconv>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "http_errors.h"
#include "query_params.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  eventify::fuzz::FakeRequest request;
  request.SetQuery(eventify::fuzz::AsText(data, size));
  eventify::HistoryQuery query;
  (void)eventify::server::ReadHistoryQuery(request, query);
  eventify::EventQuery events;
  (void)eventify::server::ReadEventQuery(request, events);
  int limit = -1;
  if (eventify::server::ReadLimit(request, limit).ok()) {
    if (const auto text = request.query("limit")) {
      eventify::fuzz::Require(
          std::to_string(limit) == *text || text->front() == '0' || text->starts_with("-0"),
          "a limit that was read is the integer written");
    }
  }
  return 0;
}
