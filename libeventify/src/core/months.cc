#include "core/months.h"

#include <fmt/format.h>

#include <chrono>

#include "core/status_macros.h"

namespace eventify {

Timestamp Month::Start() const {
  const std::chrono::sys_days day{std::chrono::year{year} / std::chrono::month{month} / 1};
  return std::chrono::time_point_cast<Duration>(day);
}

Month Month::Next() const { return month == 12 ? Month{year + 1, 1} : Month{year, month + 1}; }

std::string Month::Text() const { return fmt::format("{:04d}-{:02d}", year, month); }

Result<Month> ParseMonth(std::string_view text, const char* field) {
  // The number written by the digits text[from, to), or -1 for anything but digits.
  const auto number = [&](std::size_t from, std::size_t to) {
    int value = 0;
    for (std::size_t i = from; i < to; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const int year = text.size() == 7 && text[4] == '-' ? number(0, 4) : -1;
  const int month = year >= 0 ? number(5, 7) : -1;
  if (year < 1970 || month < 1 || month > 12) {
    return InvalidArgument("invalid_month", "a month is written YYYY-MM", field);
  }
  return Month{year, static_cast<unsigned>(month)};
}

Result<Months> ParseMonthRange(const MonthRange& range) {
  EV_ASSIGN_OR_RETURN(const Month from, ParseMonth(range.from, "from"));
  EV_ASSIGN_OR_RETURN(const Month until, ParseMonth(range.until, "until"));
  const int months = until.Index() - from.Index();
  if (months <= 0 || months > kMaxRangeMonths) {
    return InvalidArgument("invalid_range",
                           fmt::format("until must be 1 to {} months after from", kMaxRangeMonths),
                           "until");
  }
  return Months{from, until};
}

}  // namespace eventify
