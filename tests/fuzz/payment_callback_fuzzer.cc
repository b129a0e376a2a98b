// The payment gateway's callback and its signature header: the sandbox gateway's verification
// (libeventify/src/payments/sandbox_gateway.cc) and the wallets' handling of what it says
// (libeventify/src/wallets/), on a throwaway SQLite database holding one pending top-up.
// Input, by its first byte:
//   'S' + payload      the payload, signed by the harness as the gateway would sign it now, so
//                      that the JSON and the ledger are reached
//   anything else      "<X-Eventify-Signature value>\n<payload>"
// In the payload, {ref} and {charge} stand for the pending top-up's transfer id and charge id.
// Property: nothing but a signed callback is acted on.
#include <cstdint>
#include <string>

#include "fuzz_support.h"

namespace {

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  eventify::fuzz::FuzzEngine& shared = eventify::fuzz::SharedEngine();
  const std::string_view input = eventify::fuzz::AsText(data, size);
  const bool signed_by_harness = input.starts_with('S');
  std::string signature;
  std::string payload;
  if (signed_by_harness) {
    payload = std::string(input.substr(1));
  } else {
    const std::size_t newline = input.find('\n');
    signature = std::string(input.substr(0, newline));
    if (newline != std::string_view::npos) payload = std::string(input.substr(newline + 1));
  }
  ReplaceAll(payload, "{ref}", shared.topup_transfer_id);
  ReplaceAll(payload, "{charge}", shared.topup_charge_id);
  if (signed_by_harness) {
    signature = eventify::spi::SignSandboxPayload(eventify::fuzz::kFuzzWebhookSecret, payload,
                                                  shared.clock->Now());
  }
  auto handled = shared.engine->wallets().HandleGatewayCallback(payload, signature);
  if (!signed_by_harness) {
    eventify::fuzz::Require(!handled.ok() && handled.status().reason() == "invalid_signature",
                            "an unsigned callback is refused as invalid_signature");
  }
  return 0;
}
