// multipart/form-data bodies of avatar uploads (server/multipart.cc). Input: a boundary line, then
// the body ("boundary\nbody..."); without a newline the whole input is the body of boundary "b".
// Property: a body that parses names each part once and keeps no part larger than the body.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "multipart.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = eventify::fuzz::AsText(data, size);
  std::string boundary = "b";
  if (const std::size_t newline = input.find('\n'); newline != std::string_view::npos) {
    boundary = std::string(input.substr(0, newline));
    input.remove_prefix(newline + 1);
  }
  eventify::server::FormParts parts;
  const auto error = eventify::server::ParseMultipart(
      "multipart/form-data; boundary=" + boundary, input, parts);
  if (error) return 0;
  for (const auto& [name, content] : parts) {
    eventify::fuzz::Require(content.size() <= input.size(), "a part is no larger than the body");
  }
  return 0;
}
