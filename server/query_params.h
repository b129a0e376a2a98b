// Query-string parameters several route files share.
#pragma once

#include "api.h"
#include "eventify/status.h"

namespace eventify::server {

// ?limit=: an integer when present (`limit` keeps its value otherwise); its range is the
// library's to check. Errors: kInvalidArgument (invalid_limit, field "limit").
Status ReadLimit(const ApiRequest& request, int& limit);

}  // namespace eventify::server
