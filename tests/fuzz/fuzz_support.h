// Helpers shared by the fuzz targets: the input as text, a fake HTTP request, a property check,
// and an engine on a throwaway SQLite database for targets that go through the library's services.
//
// Thread-safety: libFuzzer calls a target from one thread; so do these helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api.h"
#include "eventify/engine.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/payment_gateway.h"

namespace eventify::fuzz {

inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Stops the run with `what` when a property every input must keep does not hold, so that
// libFuzzer records the input as a crash.
void Require(bool holds, std::string_view what);

// A request built from parts: the target decides which of its fields come from the input.
class FakeRequest final : public server::ApiRequest {
 public:
  // Splits `query` at '&' into name=value pairs (a pair without '=' has an empty value); the first
  // occurrence of a name wins, as on the server. No percent-decoding: the fuzzer writes raw bytes.
  void SetQuery(std::string_view query);
  void SetHeader(std::string name, std::string value) {
    headers_[std::move(name)] = std::move(value);
  }
  void SetBody(std::string body) { body_ = std::move(body); }

  std::string_view method() const override { return "GET"; }
  std::string_view path() const override { return "/"; }
  std::optional<std::string_view> query(std::string_view name) const override;
  std::optional<std::string_view> header(std::string_view name) const override;
  std::vector<std::string_view> header_values(std::string_view name) const override;
  std::string_view body() const override { return body_; }
  std::string_view remote_address() const override { return "127.0.0.1"; }
  bool is_multipart() const override { return false; }
  std::optional<std::string_view> form_part(std::string_view) const override {
    return std::nullopt;
  }

 private:
  std::map<std::string, std::string, std::less<>> query_;
  std::map<std::string, std::string, std::less<>> headers_;
  std::string body_;
};

// One engine per fuzzing process, on a SQLite database in a temporary folder removed at exit,
// with the sandbox payment gateway, a manual clock and one admin who is logged in and has started
// one top-up (so that callbacks can name a real transfer and charge).
struct FuzzEngine {
  std::shared_ptr<spi::ManualClock> clock;
  std::shared_ptr<spi::SandboxPaymentGateway> gateway;
  std::unique_ptr<Engine> engine;
  Principal admin;
  TokenPair tokens;  // the admin's login
  std::string topup_transfer_id;
  std::string topup_charge_id;
};
inline constexpr std::string_view kFuzzWebhookSecret = "fuzz-webhook-secret-0123456789abcdef";

// Opens the engine on first use; aborts when that fails (the target cannot run without it).
FuzzEngine& SharedEngine();

}  // namespace eventify::fuzz
