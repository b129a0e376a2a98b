// JSON request bodies (server/json.cc): every route parses its body with JsonObject::Parse and
// reads its fields with JsonObject::Read. Input: a body.
// Property: a string field that was read, written back by JsonWriter and parsed again reads the
// same, so nothing we accept can make our own responses invalid JSON.
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_support.h"
#include "json.h"

namespace {

using eventify::server::JsonObject;
using eventify::server::JsonWriter;
using eventify::server::Optional;
using eventify::server::Required;

void RoundTrip(const std::string& text) {
  JsonWriter writer;
  writer.BeginObject().StringMember("s", text).EndObject();
  auto again = JsonObject::Parse(writer.Finish());
  eventify::fuzz::Require(again.ok(), "a string we read writes back as valid JSON");
  std::string read_back;
  eventify::fuzz::Require(again->Read({Required("s", read_back)}).ok() && read_back == text,
                          "a string we read reads back the same after writing");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto object = JsonObject::Parse(eventify::fuzz::AsText(data, size));
  if (!object.ok()) return 0;
  // Each field alone, so that a problem with one does not hide the others, then several at once.
  std::string email;
  if (object->Read({Required("email", email)}).ok()) RoundTrip(email);
  std::optional<std::string> name;
  if (object->Read({Optional("full_name", name)}).ok() && name) RoundTrip(*name);
  std::int64_t amount = 0;
  (void)object->Read({Required("amount", amount)});
  std::optional<std::int64_t> limit;
  (void)object->Read({Optional("limit", limit)});
  std::string password;
  (void)object->Read({Required("email", email), Required("password", password),
                      Optional("full_name", name), Required("amount", amount)});
  return 0;
}
