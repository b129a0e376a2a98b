// PaymentGateway: how the engine charges cards for wallet top-ups. A charge is started
// synchronously and confirmed asynchronously by a signed callback (a webhook), the way real
// gateways work; the engine never trusts an unsigned confirmation.
//
// Thread-safety: implementations must accept concurrent calls. Calls may block on the network
// and are never made inside a storage transaction.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "eventify/export.h"
#include "eventify/spi/clock.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

struct ChargeRequest {
  std::string reference;   // the engine's id for the charge (the top-up transfer id); a gateway
                           // must treat a repeated reference as the same charge
  Money amount;
  std::string card_token;  // opaque token from the gateway's client-side form
};

enum class ChargeState { kPending, kSucceeded, kDeclined };

struct Charge {
  std::string charge_id;  // the gateway's id
  ChargeState state = ChargeState::kPending;
  std::string decline_reason;
};

// A verified callback: what the gateway says happened to a charge.
struct ChargeEvent {
  std::string charge_id;
  std::string reference;
  Money amount;
  ChargeState state = ChargeState::kPending;  // kSucceeded or kDeclined
};

class EVENTIFY_EXPORT PaymentGateway {
 public:
  virtual ~PaymentGateway() = default;

  // Errors: kInvalidArgument invalid_card_token, kUnavailable gateway_unavailable.
  virtual Result<Charge> StartCharge(const ChargeRequest& request) = 0;

  // Checks the callback's signature (and its age) and parses it.
  // Errors: kUnauthenticated invalid_signature (also when older than the gateway accepts) or
  // signature_not_yet_valid (dated ahead of the clock beyond the tolerance), kInvalidArgument
  // malformed_callback.
  virtual Result<ChargeEvent> VerifyCallback(std::string_view payload,
                                             std::string_view signature) = 0;
};

// The sandbox gateway that ships with the library, for development and tests. Card tokens:
//   "tok_sandbox_success"  the charge is accepted and pending; its confirmation is signed by
//                          SignCallback (a test or a developer delivers it to the server)
//   "tok_sandbox_decline"  declined at once
//   "tok_sandbox_error"    the gateway is unavailable
// Callbacks are JSON {"charge_id","reference","amount","currency","state"} signed as
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<payload>' under the webhook secret>", accepted
// for five minutes either side of t.
class EVENTIFY_EXPORT SandboxPaymentGateway : public PaymentGateway {
 public:
  // Builds the signed callback the sandbox would send for a charge it accepted, announcing
  // `state` (kSucceeded or kDeclined). Returns {payload, signature}.
  // Errors: kNotFound charge_not_found.
  virtual Result<std::pair<std::string, std::string>> SignCallback(std::string_view charge_id,
                                                                   ChargeState state) = 0;
};

EVENTIFY_EXPORT std::shared_ptr<SandboxPaymentGateway> MakeSandboxPaymentGateway(
    std::string webhook_secret, std::shared_ptr<Clock> clock);

// Signs a payload as the sandbox does; for tests that play the gateway themselves.
EVENTIFY_EXPORT std::string SignSandboxPayload(std::string_view webhook_secret,
                                               std::string_view payload, Timestamp at);

}  // namespace eventify::spi
