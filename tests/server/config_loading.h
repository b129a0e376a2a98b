// What the configuration tests share: LoadConfig over a given environment, and a flag.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config.h"

namespace eventify::server::testing {

using Environment = std::map<std::string, std::string>;

inline Result<ServerConfig> Load(const std::vector<Flag>& flags,
                                 const Environment& environment = {}) {
  return LoadConfig(flags, [&](const std::string& name) -> std::optional<std::string> {
    const auto found = environment.find(name);
    if (found == environment.end()) return std::nullopt;
    return found->second;
  });
}

inline Flag F(std::string name, std::string value) {
  return {std::move(name), std::move(value), true};
}

}  // namespace eventify::server::testing
