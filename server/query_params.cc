#include "query_params.h"

#include <charconv>

namespace eventify::server {

Status ReadLimit(const ApiRequest& request, int& limit) {
  const auto text = request.query("limit");
  if (!text) return Status::Ok();
  int value = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (text->empty() || ec != std::errc() || ptr != end) {
    return InvalidArgument("invalid_limit", "'limit' must be an integer", "limit");
  }
  limit = value;
  return Status::Ok();
}

}  // namespace eventify::server
