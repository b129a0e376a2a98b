// The stable names of an enum (in the database, in JSON, in messages) as one table of
// {value, name} pairs, and the two look-ups every area makes in such a table.
//
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "eventify/status.h"

namespace eventify {

template <typename Enum, std::size_t N>
using EnumNames = std::array<std::pair<Enum, std::string_view>, N>;

// The name of `value` in `names`; `missing` for a value the table lacks.
template <typename Enum, std::size_t N>
std::string_view NameIn(const EnumNames<Enum, N>& names, Enum value,
                        std::string_view missing = "invalid") {
  for (const auto& [known, name] : names) {
    if (known == value) return name;
  }
  return missing;
}

// The value named `name` in `names`. Errors: kInvalidArgument `reason` with `message`, naming
// `field`, for a name the table lacks.
template <typename Enum, std::size_t N>
Result<Enum> ParseIn(const EnumNames<Enum, N>& names, std::string_view name,
                     std::string reason, std::string message, std::string field) {
  for (const auto& [value, known] : names) {
    if (known == name) return value;
  }
  return InvalidArgument(std::move(reason), std::move(message), std::move(field));
}

}  // namespace eventify
