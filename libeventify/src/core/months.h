// Calendar months (UTC) as the month ranges of dashboards and analytics write them ("YYYY-MM"),
// and the check every such range passes.
//
// Thread-safety: values and pure functions.
#pragma once

#include <string>
#include <string_view>

#include "eventify/dashboards.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

// A calendar month as (year, month).
struct Month {
  int year = 0;
  unsigned month = 1;

  Timestamp Start() const;  // its first instant in UTC
  Month Next() const;
  int Index() const { return year * 12 + static_cast<int>(month) - 1; }
  std::string Text() const;  // "YYYY-MM"
};

// The most months a range may cover.
inline constexpr int kMaxRangeMonths = 36;

// Errors: kInvalidArgument (invalid_month, field `field`) unless `text` is "YYYY-MM" from 1970.
Result<Month> ParseMonth(std::string_view text, const char* field);

// The months [from, until) of `range`.
struct Months {
  Month from;
  Month until;
};
// Errors: kInvalidArgument (invalid_month, field "from" or "until"; invalid_range, field "until":
// until not after from, or more than kMaxRangeMonths after it).
Result<Months> ParseMonthRange(const MonthRange& range);

}  // namespace eventify
