// The opaque cursor strings of newest-first lists (ledger history and transfers, users): a
// spi::Keyset encoded for clients, who hand it back unchanged to get the next page.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/spi/keyset.h"
#include "eventify/status.h"

namespace eventify {

std::string EncodePageCursor(const spi::Keyset& position);

// The most rows one page may ask for.
inline constexpr int kMaxPageLimit = 100;

// Errors: kInvalidArgument (invalid_limit, field "limit") unless 1 <= limit <= kMaxPageLimit.
Status CheckPageLimit(int limit);

// Rows are read with limit + 1 to learn whether another page follows: trims `rows` to `limit` and
// returns the cursor of the next page, or "" when this one is the last. `position(row)` is the
// row's spi::Keyset.
template <typename Row, typename Position>
std::string TrimPage(std::vector<Row>& rows, int limit, Position&& position) {
  if (static_cast<int>(rows.size()) <= limit) return "";
  rows.resize(static_cast<std::size_t>(limit));
  return EncodePageCursor(position(rows.back()));
}

// An empty cursor is the first page (nullopt).
// Errors: kInvalidArgument (invalid_cursor, field "cursor") for text this library did not issue.
Result<std::optional<spi::Keyset>> DecodePageCursor(std::string_view cursor);

}  // namespace eventify
