#include "idempotency_key.h"

#include <string_view>
#include <vector>

namespace eventify::server {

Result<std::string> IdempotencyKey(const ApiRequest& request) {
  const std::vector<std::string_view> keys = request.header_values(kIdempotencyKeyHeader);
  if (keys.empty() || keys.front().empty()) {
    return InvalidArgument("missing_idempotency_key",
                           "money-moving requests need an Idempotency-Key header",
                           kIdempotencyKeyHeader);
  }
  for (std::string_view key : keys) {
    if (key != keys.front()) {
      return InvalidArgument("conflicting_idempotency_keys",
                             "send one Idempotency-Key header: these differ",
                             kIdempotencyKeyHeader);
    }
  }
  return std::string(keys.front());
}

Status NameKeyHeader(const Status& status) {
  if (status.field() != "idempotency_key") return status;
  return Status(status.code(), std::string(status.reason()), status.message(),
                kIdempotencyKeyHeader);
}

}  // namespace eventify::server
