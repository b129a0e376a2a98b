// Core value types shared by every domain area: identifiers, timestamps and money.
//
// Thread-safety: plain values. NewId() may be called from any thread.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "eventify/export.h"
#include "eventify/status.h"

namespace eventify {

// A UTC instant with microsecond resolution. Stored as microseconds since the Unix epoch.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;
using Duration = std::chrono::microseconds;

inline std::int64_t ToMicros(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromMicros(std::int64_t micros) { return Timestamp(Duration(micros)); }

// RFC 3339 in UTC with millisecond precision: "2026-11-24T22:19:29.123Z".
EVENTIFY_EXPORT std::string FormatTimestamp(Timestamp t);
// Accepts RFC 3339 with a "Z" or numeric offset and optional fractional seconds.
EVENTIFY_EXPORT Result<Timestamp> ParseTimestamp(std::string_view text);

// A time-ordered UUID (version 7, RFC 9562) in its canonical lower-case text form.
// Ids sort by creation time, which keeps B-tree inserts local and makes cursors cheap.
EVENTIFY_EXPORT std::string NewId(Timestamp now);
// True when text is a canonical lower-case UUID (any version).
EVENTIFY_EXPORT bool IsValidId(std::string_view text);

// An amount of money in minor units (paise, cents) of an ISO 4217 currency. Never floating point.
struct Money {
  std::int64_t minor_units = 0;
  std::string currency;  // three upper-case letters, e.g. "INR"

  friend bool operator==(const Money&, const Money&) = default;
};

// Validates an ISO 4217-shaped code: exactly three ASCII upper-case letters.
EVENTIFY_EXPORT bool IsValidCurrency(std::string_view code);
// "INR 1234.50"-style text for logs and messages, assuming two minor digits.
EVENTIFY_EXPORT std::string FormatMoney(const Money& money);

}  // namespace eventify
