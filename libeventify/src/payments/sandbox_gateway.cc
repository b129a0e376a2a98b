// The sandbox payment gateway: deterministic card tokens and HMAC-signed callbacks, so that the
// whole top-up flow (charge, asynchronous confirmation, decline, outage) runs without a network.
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <map>
#include <mutex>

#include "core/unix_seconds.h"
#include "crypto/sodium.h"
#include "eventify/spi/payment_gateway.h"

namespace eventify::spi {
namespace {

constexpr std::string_view kSuccessToken = "tok_sandbox_success";
constexpr std::string_view kDeclineToken = "tok_sandbox_decline";
constexpr std::string_view kErrorToken = "tok_sandbox_error";
constexpr std::chrono::seconds kSignatureTolerance{300};

std::int64_t UnixSeconds(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Status Malformed(std::string message) {
  return InvalidArgument("malformed_callback", std::move(message), "payload");
}

Status BadSignature() {
  return Unauthenticated("invalid_signature", "the callback signature is missing or wrong");
}

struct SandboxCharge {
  std::string charge_id;
  std::string reference;
  Money amount;
  ChargeState state = ChargeState::kPending;
};

class SandboxGateway final : public SandboxPaymentGateway {
 public:
  SandboxGateway(std::string secret, std::shared_ptr<Clock> clock)
      : secret_(std::move(secret)), clock_(std::move(clock)) {}

  Result<Charge> StartCharge(const ChargeRequest& request) override {
    if (request.card_token != kSuccessToken && request.card_token != kDeclineToken &&
        request.card_token != kErrorToken) {
      return InvalidArgument("invalid_card_token", "the card token is not valid", "card_token");
    }
    if (request.card_token == kErrorToken) {
      return Unavailable("gateway_unavailable", "the payment gateway is not reachable; try later");
    }
    std::lock_guard lock(mu_);
    auto known = by_reference_.find(request.reference);
    if (known != by_reference_.end()) return ToCharge(charges_.at(known->second));
    SandboxCharge charge;
    charge.charge_id = "ch_sandbox_" + crypto::HexEncode(crypto::RandomBytes(12));
    charge.reference = request.reference;
    charge.amount = request.amount;
    charge.state =
        request.card_token == kDeclineToken ? ChargeState::kDeclined : ChargeState::kPending;
    by_reference_[charge.reference] = charge.charge_id;
    auto [it, inserted] = charges_.emplace(charge.charge_id, std::move(charge));
    return ToCharge(it->second);
  }

  Result<ChargeEvent> VerifyCallback(std::string_view payload,
                                     std::string_view signature) override {
    // "t=<seconds>,v1=<hex>"
    const std::size_t comma = signature.find(',');
    if (signature.substr(0, 2) != "t=" || comma == std::string_view::npos ||
        signature.substr(comma + 1, 3) != "v1=") {
      return BadSignature();
    }
    const std::string_view t_text = signature.substr(2, comma - 2);
    long long t = 0;
    auto [end, ec] = std::from_chars(t_text.data(), t_text.data() + t_text.size(), t);
    if (ec != std::errc() || end != t_text.data() + t_text.size()) return BadSignature();
    const auto signed_at = FromUnixSeconds(t);
    if (!signed_at) return BadSignature();
    const std::string expected = SignSandboxPayload(secret_, payload, *signed_at);
    if (!crypto::ConstantTimeEquals(expected, signature)) return BadSignature();
    const auto age = std::chrono::seconds(UnixSeconds(clock_->Now()) - t);
    if (age > kSignatureTolerance) {
      return Unauthenticated("invalid_signature", "the callback signature is too old");
    }
    if (age < -kSignatureTolerance) {
      return Unauthenticated("signature_not_yet_valid",
                             "the callback signature is dated more than five minutes ahead of "
                             "this server's clock; check both clocks");
    }
    rapidjson::Document doc;
    doc.Parse(payload.data(), payload.size());
    if (doc.HasParseError() || !doc.IsObject()) return Malformed("the callback is not a JSON object");
    const rapidjson::Value& root = doc;  // const: its iterators compare unambiguously
    auto str = [&](const char* name) -> const char* {
      auto it = root.FindMember(name);
      return it != root.MemberEnd() && it->value.IsString() ? it->value.GetString() : nullptr;
    };
    const char* charge_id = str("charge_id");
    const char* reference = str("reference");
    const char* currency = str("currency");
    const char* state = str("state");
    auto amount = root.FindMember("amount");
    if (!charge_id || !reference || !currency || !state || amount == root.MemberEnd() ||
        !amount->value.IsInt64()) {
      return Malformed("the callback lacks charge_id, reference, amount, currency or state");
    }
    ChargeEvent event;
    event.charge_id = charge_id;
    event.reference = reference;
    event.amount = Money{amount->value.GetInt64(), currency};
    const std::string_view state_name = state;
    if (state_name == "succeeded") {
      event.state = ChargeState::kSucceeded;
    } else if (state_name == "declined") {
      event.state = ChargeState::kDeclined;
    } else {
      return Malformed("state must be succeeded or declined");
    }
    return event;
  }

  Result<std::pair<std::string, std::string>> SignCallback(std::string_view charge_id,
                                                           ChargeState state) override {
    SandboxCharge charge;
    {
      std::lock_guard lock(mu_);
      auto it = charges_.find(std::string(charge_id));
      if (it == charges_.end()) return NotFound("charge_not_found", "no such sandbox charge");
      it->second.state = state;
      charge = it->second;
    }
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("charge_id");
    writer.String(charge.charge_id.c_str());
    writer.Key("reference");
    writer.String(charge.reference.c_str());
    writer.Key("amount");
    writer.Int64(charge.amount.minor_units);
    writer.Key("currency");
    writer.String(charge.amount.currency.c_str());
    writer.Key("state");
    writer.String(state == ChargeState::kSucceeded ? "succeeded" : "declined");
    writer.EndObject();
    std::string payload = buffer.GetString();
    std::string signature = SignSandboxPayload(secret_, payload, clock_->Now());
    return std::make_pair(std::move(payload), std::move(signature));
  }

 private:
  static Charge ToCharge(const SandboxCharge& charge) {
    Charge out;
    out.charge_id = charge.charge_id;
    out.state = charge.state;
    if (charge.state == ChargeState::kDeclined) out.decline_reason = "the card was declined";
    return out;
  }

  const std::string secret_;
  const std::shared_ptr<Clock> clock_;
  std::mutex mu_;
  std::map<std::string, SandboxCharge> charges_;      // by charge id
  std::map<std::string, std::string> by_reference_;   // reference -> charge id
};

}  // namespace

std::string SignSandboxPayload(std::string_view webhook_secret, std::string_view payload,
                               Timestamp at) {
  const std::int64_t t = UnixSeconds(at);
  const std::string mac = crypto::HmacSha256(webhook_secret, fmt::format("{}.{}", t, payload));
  return fmt::format("t={},v1={}", t, crypto::HexEncode(mac));
}

std::shared_ptr<SandboxPaymentGateway> MakeSandboxPaymentGateway(std::string webhook_secret,
                                                                 std::shared_ptr<Clock> clock) {
  return std::make_shared<SandboxGateway>(std::move(webhook_secret), std::move(clock));
}

}  // namespace eventify::spi
