// Private helpers for propagating Status and Result inside the library.
#pragma once

#include "eventify/status.h"

#define EV_CONCAT_INNER(a, b) a##b
#define EV_CONCAT(a, b) EV_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define EV_RETURN_IF_ERROR(expr)                   \
  do {                                             \
    ::eventify::Status ev_status_ = (expr);        \
    if (!ev_status_.ok()) return ev_status_;       \
  } while (false)

// Evaluates a Result-returning `rexpr`; on failure returns its Status, else moves the value
// into `lhs` (a declaration such as `auto user` or an existing variable).
#define EV_ASSIGN_OR_RETURN(lhs, rexpr) \
  EV_ASSIGN_OR_RETURN_IMPL(EV_CONCAT(ev_result_, __LINE__), lhs, rexpr)
#define EV_ASSIGN_OR_RETURN_IMPL(result, lhs, rexpr) \
  auto result = (rexpr);                             \
  if (!result.ok()) return result.status();          \
  lhs = std::move(result).value()
