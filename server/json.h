// JSON on the wire: reading request bodies and writing responses. The JSON library stays inside
// json.cc.
//
// Thread-safety: values; one object per thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::server {

// Longest string accepted in any JSON field (emails, names, passwords, codes, tokens). The library
// applies the real rules; this only keeps absurd inputs away from it.
inline constexpr std::size_t kMaxStringFieldBytes = 1024;

// A field to read from a JSON object: a string, an integer or a boolean. Required ones must be
// present and of that type; optional ones may be absent or null.
struct Field {
  std::string_view name;
  std::string* required_string = nullptr;
  std::optional<std::string>* optional_string = nullptr;
  std::int64_t* required_int = nullptr;
  std::optional<std::int64_t>* optional_int = nullptr;
  std::optional<bool>* optional_bool = nullptr;
  std::size_t max_bytes = kMaxStringFieldBytes;  // of a string
};
inline Field Required(std::string_view name, std::string& out) {
  return {.name = name, .required_string = &out};
}
inline Field Optional(std::string_view name, std::optional<std::string>& out) {
  return {.name = name, .optional_string = &out};
}
// A long text (an event's description): up to `max_bytes` instead of kMaxStringFieldBytes.
inline Field RequiredText(std::string_view name, std::string& out, std::size_t max_bytes) {
  return {.name = name, .required_string = &out, .max_bytes = max_bytes};
}
inline Field Optional(std::string_view name, std::optional<bool>& out) {
  return {.name = name, .optional_bool = &out};
}
// Integers are JSON numbers without a fraction or exponent within the 64-bit signed range: money
// is always an integer count of minor units, so 10.5, 1e3 and "10" are refused.
inline Field Required(std::string_view name, std::int64_t& out) {
  return {.name = name, .required_int = &out};
}
inline Field Optional(std::string_view name, std::optional<std::int64_t>& out) {
  return {.name = name, .optional_int = &out};
}

// A request body parsed as a JSON object. Unknown members are ignored.
class JsonObject {
 public:
  // Errors (kInvalidArgument): malformed_json (not JSON, or not UTF-8), invalid_body (not an
  // object).
  static Result<JsonObject> Parse(std::string_view text);

  JsonObject(JsonObject&&) noexcept;
  JsonObject& operator=(JsonObject&&) noexcept;
  ~JsonObject();

  // Reads the fields in order and stops at the first problem.
  // Errors (kInvalidArgument, with the field): missing_field, invalid_type (wrong JSON type, or a
  // number with a fraction or exponent where an integer is expected), field_too_long (a string
  // over the field's max_bytes),
  // out_of_range (an integer beyond the 64-bit signed range).
  Status Read(std::initializer_list<Field> fields) const;

 private:
  struct Impl;
  explicit JsonObject(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Builds a compact JSON text. Calls must form valid JSON (keys inside objects, balanced nesting).
class JsonWriter {
 public:
  JsonWriter();
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Bool(bool value);
  JsonWriter& Int(std::int64_t value);
  JsonWriter& Double(double value);  // finite values only
  JsonWriter& Null();

  // Shorthands for a key and its value; distinct names avoid const char* turning into bool.
  JsonWriter& StringMember(std::string_view key, std::string_view value) {
    return Key(key).String(value);
  }
  JsonWriter& BoolMember(std::string_view key, bool value) { return Key(key).Bool(value); }
  JsonWriter& IntMember(std::string_view key, std::int64_t value) { return Key(key).Int(value); }
  // Null when absent.
  JsonWriter& OptionalIntMember(std::string_view key, const std::optional<std::int64_t>& value) {
    Key(key);
    return value ? Int(*value) : Null();
  }
  // An RFC 3339 timestamp, or null when empty.
  JsonWriter& OptionalTimestampMember(std::string_view key, const std::optional<Timestamp>& at) {
    Key(key);
    return at ? String(FormatTimestamp(*at)) : Null();
  }
  // Null when empty (cursors, ids that may be missing).
  JsonWriter& StringOrNullMember(std::string_view key, std::string_view value) {
    Key(key);
    return value.empty() ? Null() : String(value);
  }

  // The text written so far; the writer must not be used afterwards.
  std::string Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eventify::server
