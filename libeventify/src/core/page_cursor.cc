#include "core/page_cursor.h"

#include <fmt/format.h>

#include <charconv>

#include "crypto/sodium.h"

namespace eventify {

std::string EncodePageCursor(const spi::Keyset& position) {
  return crypto::Base64UrlEncode(fmt::format("{}:{}", ToMicros(position.created_at), position.id));
}

Status CheckPageLimit(int limit) {
  if (limit >= 1 && limit <= kMaxPageLimit) return Status::Ok();
  return InvalidArgument("invalid_limit",
                         fmt::format("limit must be between 1 and {}", kMaxPageLimit), "limit");
}

Result<std::optional<spi::Keyset>> DecodePageCursor(std::string_view cursor) {
  if (cursor.empty()) return std::optional<spi::Keyset>();
  auto invalid = [] {
    return InvalidArgument("invalid_cursor", "the cursor is not one this server issued", "cursor");
  };
  auto raw = crypto::Base64UrlDecode(cursor);
  if (!raw.ok()) return invalid();
  const std::size_t colon = raw->find(':');
  if (colon == std::string::npos) return invalid();
  long long micros = 0;
  const char* begin = raw->data();
  auto [end, ec] = std::from_chars(begin, begin + colon, micros);
  if (ec != std::errc() || end != begin + colon) return invalid();
  std::string id = raw->substr(colon + 1);
  if (!IsValidId(id)) return invalid();
  return std::optional<spi::Keyset>(spi::Keyset{FromMicros(micros), std::move(id)});
}

}  // namespace eventify
