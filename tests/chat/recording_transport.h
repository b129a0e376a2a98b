// A spi::Transport for tests: records every frame and close per connection, and reads frames
// back as JSON. Thread-safe (the hub's worker writes, the test thread reads after Hub::Flush).
// Hold makes Send wait until Release, which keeps the hub's worker busy while a test queues
// several inbound calls that must reach it together.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "chat/gate.h"
#include "eventify/spi/transport.h"

namespace eventify::testing {

class RecordingTransport final : public spi::Transport {
 public:
  void Send(spi::ConnectionId connection, std::string frame) override {
    gate_.Pass();
    std::lock_guard lock(mu_);
    frames_[connection].push_back(std::move(frame));
  }
  void Hold() { gate_.Hold(); }
  void Release() { gate_.Release(); }
  void Close(spi::ConnectionId connection, std::string_view reason) override {
    std::lock_guard lock(mu_);
    closes_[connection] = std::string(reason);
  }

  // The frames sent to `connection` since the last Take, oldest first; forgets them.
  std::vector<std::string> Take(spi::ConnectionId connection) {
    std::lock_guard lock(mu_);
    std::vector<std::string> out = std::move(frames_[connection]);
    frames_[connection].clear();
    return out;
  }
  // The `type` of each frame Take would return; forgets them.
  std::vector<std::string> TakeTypes(spi::ConnectionId connection) {
    std::vector<std::string> types;
    for (const std::string& frame : Take(connection)) types.push_back(Member(frame, "type"));
    return types;
  }
  // The reason the hub closed `connection` with; empty when it did not.
  std::string CloseReason(spi::ConnectionId connection) {
    std::lock_guard lock(mu_);
    auto found = closes_.find(connection);
    return found == closes_.end() ? std::string() : found->second;
  }

  // A member of a frame as text: strings as they are, numbers and booleans written out
  // ("3", "true"); "<absent>" when missing, "<invalid>" when the frame is not a JSON object.
  static std::string Member(std::string_view frame, const char* name) {
    rapidjson::Document doc;
    doc.Parse(frame.data(), frame.size());
    if (doc.HasParseError() || !doc.IsObject()) return "<invalid>";
    return ToText(doc, name);
  }
  // A member of the frame's `message` object.
  static std::string MessageMember(std::string_view frame, const char* name) {
    rapidjson::Document doc;
    doc.Parse(frame.data(), frame.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("message") ||
        !doc["message"].IsObject()) {
      return "<absent>";
    }
    return ToText(doc["message"], name);
  }

 private:
  static std::string ToText(const rapidjson::Value& object, const char* name) {
    auto it = object.FindMember(name);
    if (it == object.MemberEnd()) return "<absent>";
    const rapidjson::Value& v = it->value;
    if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
    if (v.IsBool()) return v.GetBool() ? "true" : "false";
    if (v.IsInt64()) return std::to_string(v.GetInt64());
    return "<other>";
  }

  Gate gate_;
  std::mutex mu_;
  std::map<spi::ConnectionId, std::vector<std::string>> frames_;
  std::map<spi::ConnectionId, std::string> closes_;
};

}  // namespace eventify::testing
