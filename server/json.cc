#include "json.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <vector>

namespace eventify::server {
namespace {

// RapidJSON 1.1 validates the bytes of the text but decodes a \u escape naming a lone low
// surrogate ("\udc00") into the three bytes ED B0 80, which are not UTF-8. Raw bytes having been
// validated, such bytes (ED followed by A0..BF, the encoding of a surrogate) can only come from
// an escape: a string holding them is refused like any invalid UTF-8.
bool HasEncodedSurrogate(const rapidjson::Value& string) {
  const std::string_view bytes(string.GetString(), string.GetStringLength());
  for (std::size_t at = bytes.find('\xED'); at != std::string_view::npos;
       at = bytes.find('\xED', at + 1)) {
    if (at + 1 < bytes.size() && static_cast<unsigned char>(bytes[at + 1]) >= 0xA0) return true;
  }
  return false;
}

// Whether every string of the document (member names included) is valid UTF-8. Walks without
// recursion, as the iterative parser accepts any depth.
bool AllStringsAreUtf8(const rapidjson::Value& root) {
  std::vector<const rapidjson::Value*> pending{&root};
  while (!pending.empty()) {
    const rapidjson::Value& value = *pending.back();
    pending.pop_back();
    if (value.IsString() && HasEncodedSurrogate(value)) return false;
    if (value.IsArray()) {
      for (const auto& element : value.GetArray()) pending.push_back(&element);
    } else if (value.IsObject()) {
      for (const auto& member : value.GetObject()) {
        if (HasEncodedSurrogate(member.name)) return false;
        pending.push_back(&member.value);
      }
    }
  }
  return true;
}

}  // namespace

struct JsonObject::Impl {
  rapidjson::Document document;
};

JsonObject::JsonObject(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonObject::JsonObject(JsonObject&&) noexcept = default;
JsonObject& JsonObject::operator=(JsonObject&&) noexcept = default;
JsonObject::~JsonObject() = default;

Result<JsonObject> JsonObject::Parse(std::string_view text) {
  auto impl = std::make_unique<Impl>();
  // Iterative parsing keeps deeply nested input from exhausting the stack; validating the
  // encoding keeps invalid UTF-8 away from the library and from our JSON output.
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  impl->document.Parse<kFlags>(text.data(), text.size());
  if (impl->document.HasParseError()) {
    return InvalidArgument("malformed_json",
                           fmt::format("the body is not valid JSON: {} at offset {}",
                                       rapidjson::GetParseError_En(impl->document.GetParseError()),
                                       impl->document.GetErrorOffset()));
  }
  if (!AllStringsAreUtf8(impl->document)) {
    return InvalidArgument("malformed_json",
                           "the body is not valid JSON: a \\u escape names a lone surrogate");
  }
  if (!impl->document.IsObject()) {
    return InvalidArgument("invalid_body", "the body must be a JSON object");
  }
  return JsonObject(std::move(impl));
}

namespace {

// Reads a string member into the field's target.
Status ReadString(const Field& field, const rapidjson::Value& value, const std::string& name) {
  if (!value.IsString()) {
    return InvalidArgument("invalid_type", fmt::format("'{}' must be a string", name), name);
  }
  if (value.GetStringLength() > field.max_bytes) {
    return InvalidArgument("field_too_long",
                           fmt::format("'{}' is longer than {} bytes", name, field.max_bytes),
                           name);
  }
  std::string text(value.GetString(), value.GetStringLength());
  if (field.required_string != nullptr) {
    *field.required_string = std::move(text);
  } else {
    *field.optional_string = std::move(text);
  }
  return Status::Ok();
}

// Reads an integer member. rapidjson keeps a number written without fraction or exponent as an
// integer when it fits 64 bits; anything else is a double. A double whose magnitude reaches 2^63
// can only be out of range; a smaller one had a fraction or an exponent.
Status ReadInt(const Field& field, const rapidjson::Value& value, const std::string& name) {
  if (!value.IsNumber()) {
    return InvalidArgument("invalid_type", fmt::format("'{}' must be an integer", name), name);
  }
  if (!value.IsInt64()) {
    constexpr double kTwoTo63 = 9223372036854775808.0;
    const bool too_large =
        value.IsUint64() || (value.IsDouble() && std::fabs(value.GetDouble()) >= kTwoTo63);
    if (too_large) {
      return InvalidArgument(
          "out_of_range", fmt::format("'{}' must be an integer from -2^63 to 2^63-1", name), name);
    }
    return InvalidArgument(
        "invalid_type", fmt::format("'{}' must be an integer, without fraction or exponent", name),
        name);
  }
  if (field.required_int != nullptr) {
    *field.required_int = value.GetInt64();
  } else {
    *field.optional_int = value.GetInt64();
  }
  return Status::Ok();
}

}  // namespace

Status JsonObject::Read(std::initializer_list<Field> fields) const {
  const rapidjson::Value& object = impl_->document;
  for (const Field& field : fields) {
    const std::string name(field.name);
    const auto member = object.FindMember(rapidjson::StringRef(name.data(), name.size()));
    const bool absent = member == object.MemberEnd() || member->value.IsNull();
    const bool required = field.required_string != nullptr || field.required_int != nullptr;
    if (absent) {
      if (required) {
        return InvalidArgument("missing_field", fmt::format("'{}' is required", name), name);
      }
      if (field.optional_string != nullptr) field.optional_string->reset();
      if (field.optional_int != nullptr) field.optional_int->reset();
      if (field.optional_bool != nullptr) field.optional_bool->reset();
      continue;
    }
    if (field.optional_bool != nullptr) {
      if (!member->value.IsBool()) {
        return InvalidArgument("invalid_type", fmt::format("'{}' must be true or false", name),
                               name);
      }
      *field.optional_bool = member->value.GetBool();
      continue;
    }
    const bool is_string = field.required_string != nullptr || field.optional_string != nullptr;
    Status read =
        is_string ? ReadString(field, member->value, name) : ReadInt(field, member->value, name);
    if (!read.ok()) return read;
  }
  return Status::Ok();
}

struct JsonWriter::Impl {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
};

JsonWriter::JsonWriter() : impl_(std::make_unique<Impl>()) {}
JsonWriter::~JsonWriter() = default;

JsonWriter& JsonWriter::BeginObject() {
  impl_->writer.StartObject();
  return *this;
}
JsonWriter& JsonWriter::EndObject() {
  impl_->writer.EndObject();
  return *this;
}
JsonWriter& JsonWriter::BeginArray() {
  impl_->writer.StartArray();
  return *this;
}
JsonWriter& JsonWriter::EndArray() {
  impl_->writer.EndArray();
  return *this;
}
JsonWriter& JsonWriter::Key(std::string_view key) {
  impl_->writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  return *this;
}
JsonWriter& JsonWriter::String(std::string_view value) {
  impl_->writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  return *this;
}
JsonWriter& JsonWriter::Bool(bool value) {
  impl_->writer.Bool(value);
  return *this;
}
JsonWriter& JsonWriter::Int(std::int64_t value) {
  impl_->writer.Int64(value);
  return *this;
}
JsonWriter& JsonWriter::Double(double value) {
  impl_->writer.Double(value);
  return *this;
}
JsonWriter& JsonWriter::Null() {
  impl_->writer.Null();
  return *this;
}

std::string JsonWriter::Finish() {
  return std::string(impl_->buffer.GetString(), impl_->buffer.GetSize());
}

}  // namespace eventify::server
