// The machinery of the configuration table (config.cc): a key's parser and printer, and the
// builders of keys of each value type. Private to the server's configuration files.
#pragma once

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "config.h"

namespace eventify::server {


// Parses a value into the configuration; returns an explanation when the value is bad.
using Setter = std::function<std::string(ServerConfig&, std::string_view)>;
// Shows the value a configuration holds, for --help.
using Shower = std::function<std::string(ServerConfig&)>;

struct KeySpec {
  std::string name;
  std::string help;
  Setter set;
  Shower show;
  bool secret = false;  // refused on the command line, never shown
};

inline Status ConfigError(std::string message) {
  return InvalidArgument("invalid_config", std::move(message));
}

inline std::string_view Trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

inline std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline std::optional<std::uint64_t> ParseUnsigned(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// A non-negative integer followed by an optional unit; `units` maps each accepted (lower-case)
// unit to its multiplier, "" included.
inline std::optional<std::uint64_t> ParseWithUnit(
    std::string_view text,
    std::initializer_list<std::pair<std::string_view, std::uint64_t>> units) {
  text = Trim(text);
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const auto number = ParseUnsigned(text.substr(0, digits));
  if (!number) return std::nullopt;
  const std::string unit = Lower(Trim(text.substr(digits)));
  for (const auto& [name, multiplier] : units) {
    if (unit != name) continue;
    if (*number > std::numeric_limits<std::uint64_t>::max() / multiplier) return std::nullopt;
    return *number * multiplier;
  }
  return std::nullopt;
}

inline std::optional<std::uint64_t> ParseBytes(std::string_view text) {
  constexpr std::uint64_t kKi = 1024, kMi = kKi * 1024, kGi = kMi * 1024;
  return ParseWithUnit(text, {{"", 1},
                              {"b", 1},
                              {"k", kKi},
                              {"kb", kKi},
                              {"kib", kKi},
                              {"m", kMi},
                              {"mb", kMi},
                              {"mib", kMi},
                              {"g", kGi},
                              {"gb", kGi},
                              {"gib", kGi}});
}

inline std::optional<std::uint64_t> ParseSeconds(std::string_view text) {
  return ParseWithUnit(text, {{"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}});
}

inline std::string ShowSeconds(std::chrono::seconds value) {
  const auto s = value.count();
  if (s != 0 && s % 86400 == 0) return fmt::format("{}d", s / 86400);
  if (s != 0 && s % 3600 == 0) return fmt::format("{}h", s / 3600);
  if (s != 0 && s % 60 == 0) return fmt::format("{}m", s / 60);
  return fmt::format("{}s", s);
}

inline std::string ShowBytes(std::uint64_t value) {
  if (value != 0 && value % (1024 * 1024) == 0) return fmt::format("{}MiB", value / (1024 * 1024));
  if (value != 0 && value % 1024 == 0) return fmt::format("{}KiB", value / 1024);
  return std::to_string(value);
}

template <typename Access>
KeySpec IntKey(std::string name, std::string help, Access access, std::int64_t min,
               std::int64_t max) {
  return {name, help,
          [=](ServerConfig& config, std::string_view text) -> std::string {
            std::int64_t value = 0;
            text = Trim(text);
            const char* end = text.data() + text.size();
            auto [ptr, ec] = std::from_chars(text.data(), end, value);
            if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max) {
              return fmt::format("must be an integer from {} to {}", min, max);
            }
            access(config) = static_cast<std::remove_reference_t<decltype(access(config))>>(value);
            return {};
          },
          [=](ServerConfig& config) { return std::to_string(access(config)); }};
}

template <typename Access>
KeySpec BytesKey(std::string name, std::string help, Access access, std::uint64_t min,
                 std::uint64_t max) {
  return {name, help,
          [=](ServerConfig& config, std::string_view text) -> std::string {
            const auto value = ParseBytes(text);
            if (!value || *value < min || *value > max) {
              return fmt::format("must be a size from {} to {} (bytes, or with KiB/MiB/GiB)",
                                 ShowBytes(min), ShowBytes(max));
            }
            access(config) = static_cast<std::size_t>(*value);
            return {};
          },
          [=](ServerConfig& config) { return ShowBytes(access(config)); }};
}

template <typename Access>
KeySpec SecondsKey(std::string name, std::string help, Access access, std::uint64_t min_seconds) {
  constexpr std::uint64_t kMax = 10ull * 365 * 86400;  // ten years: keeps time arithmetic sane
  return {name, help,
          [=](ServerConfig& config, std::string_view text) -> std::string {
            const auto value = ParseSeconds(text);
            if (!value || *value < min_seconds || *value > kMax) {
              return fmt::format(
                  "must be a duration of at least {} s and at most 10 years "
                  "(seconds, or with s/m/h/d)",
                  min_seconds);
            }
            access(config) = std::chrono::seconds(static_cast<std::int64_t>(*value));
            return {};
          },
          [=](ServerConfig& config) {
            return ShowSeconds(std::chrono::duration_cast<std::chrono::seconds>(access(config)));
          }};
}

template <typename Access>
KeySpec StringKey(std::string name, std::string help, Access access,
                  std::string_view derived_default = {}) {
  return {name, help,
          [=](ServerConfig& config, std::string_view text) -> std::string {
            text = Trim(text);
            if (text.empty()) return "must not be empty";
            if (text.find('\0') != std::string_view::npos) return "must not contain NUL";
            access(config) = std::string(text);
            return {};
          },
          [=](ServerConfig& config) {
            return access(config).empty() ? std::string(derived_default) : access(config);
          }};
}

template <typename Access>
KeySpec BoolKey(std::string name, std::string help, Access access) {
  return {name, help,
          [=](ServerConfig& config, std::string_view text) -> std::string {
            const std::string value = Lower(Trim(text));
            if (value == "true" || value == "yes" || value == "on" || value == "1") {
              access(config) = true;
            } else if (value == "false" || value == "no" || value == "off" || value == "0") {
              access(config) = false;
            } else {
              return "must be true or false";
            }
            return {};
          },
          [=](ServerConfig& config) { return std::string(access(config) ? "true" : "false"); }};
}

inline KeySpec BoolKey(std::string name, std::string help, bool ServerConfig::*member) {
  return BoolKey(std::move(name), std::move(help),
                 [member](ServerConfig& config) -> bool& { return config.*member; });
}

// A key whose value is one of a few words, each naming a value of the member. `help` lists them.
template <typename Access, typename Value>
KeySpec ChoiceKey(std::string name, std::string help, Access access,
                  std::vector<std::pair<std::string_view, Value>> choices) {
  std::string words;
  for (const auto& choice : choices) {
    if (!words.empty()) words += choice == choices.back() ? " or " : ", ";
    words += choice.first;
  }
  return {name, help,
          [=](ServerConfig& config, std::string_view text) -> std::string {
            const std::string value = Lower(Trim(text));
            for (const auto& [word, meaning] : choices) {
              if (value != word) continue;
              access(config) = meaning;
              return {};
            }
            return "must be " + words;
          },
          [=](ServerConfig& config) {
            for (const auto& [word, meaning] : choices) {
              if (access(config) == meaning) return std::string(word);
            }
            return std::string("?");
          }};
}

// A comma-separated list of words (spaces around them ignored); `none` is the empty list.
template <typename Access>
KeySpec WordListKey(std::string name, std::string help, Access access) {
  return {name, help,
          [=](ServerConfig& config, std::string_view text) -> std::string {
            std::vector<std::string> words;
            text = Trim(text);
            if (Lower(text) != "none") {
              while (!text.empty()) {
                const std::size_t comma = text.find(',');
                const std::string_view word = Trim(text.substr(0, comma));
                if (word.empty()) return "must be a comma-separated list without empty items";
                if (word.find_first_of(" \t") != std::string_view::npos) {
                  return "items must not contain spaces";
                }
                words.emplace_back(word);
                text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
                if (comma != std::string_view::npos && Trim(text).empty()) {
                  return "must be a comma-separated list without empty items";
                }
              }
            }
            access(config) = std::move(words);
            return {};
          },
          [=](ServerConfig& config) {
            std::string shown;
            for (const std::string& word : access(config)) {
              shown += (shown.empty() ? "" : ",") + word;
            }
            return shown.empty() ? std::string("none") : shown;
          }};
}


// The keys of the operational settings (config_ops_keys.cc; docs/configuration.md): http.cors.*,
// http.rate_limit.*, redis.*, hub.*.
void AddOperationsKeys(std::vector<KeySpec>& keys);

// The checks across those keys once every source is merged. Errors: kInvalidArgument
// (invalid_config) naming the keys.
Status CheckOperationsConfig(const ServerConfig& config);

}  // namespace eventify::server
