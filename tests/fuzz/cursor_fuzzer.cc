// Page cursors (libeventify/src/core/page_cursor.cc): clients hand back the next_cursor of a
// listing as ?cursor=, and the library decodes it. Input: a cursor.
// Property: a cursor that decodes, encoded again, decodes to the same position.
#include <cstdint>

#include "core/page_cursor.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto decoded = eventify::DecodePageCursor(eventify::fuzz::AsText(data, size));
  if (!decoded.ok() || !decoded->has_value()) return 0;
  const eventify::spi::Keyset& last = **decoded;
  auto again = eventify::DecodePageCursor(eventify::EncodePageCursor(last));
  eventify::fuzz::Require(again.ok() && again->has_value() && (*again)->id == last.id &&
                              (*again)->created_at == last.created_at,
                          "a decoded cursor encodes to one that decodes the same");
  return 0;
}
