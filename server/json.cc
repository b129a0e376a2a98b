#include "json.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace eventify::server {

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
  if (!impl->document.IsObject()) {
    return InvalidArgument("invalid_body", "the body must be a JSON object");
  }
  return JsonObject(std::move(impl));
}

Status JsonObject::Read(std::initializer_list<StringField> fields) const {
  const rapidjson::Value& object = impl_->document;
  for (const StringField& field : fields) {
    const std::string name(field.name);
    const auto member = object.FindMember(rapidjson::StringRef(name.data(), name.size()));
    const bool absent = member == object.MemberEnd() || member->value.IsNull();
    if (absent) {
      if (field.required != nullptr) {
        return InvalidArgument("missing_field", fmt::format("'{}' is required", name), name);
      }
      field.optional->reset();
      continue;
    }
    if (!member->value.IsString()) {
      return InvalidArgument("invalid_type", fmt::format("'{}' must be a string", name), name);
    }
    if (member->value.GetStringLength() > kMaxStringFieldBytes) {
      return InvalidArgument(
          "field_too_long", fmt::format("'{}' is longer than {} bytes", name, kMaxStringFieldBytes),
          name);
    }
    std::string value(member->value.GetString(), member->value.GetStringLength());
    if (field.required != nullptr) {
      *field.required = std::move(value);
    } else {
      *field.optional = std::move(value);
    }
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
JsonWriter& JsonWriter::Null() {
  impl_->writer.Null();
  return *this;
}

std::string JsonWriter::Finish() {
  return std::string(impl_->buffer.GetString(), impl_->buffer.GetSize());
}

}  // namespace eventify::server
