// WalletRepository: the rows behind eventify::Wallets beyond the ledger's — for each card top-up,
// whether its charge was started at the payment gateway and what the gateway answered. Money
// itself lives only in the ledger (spi/ledger_repository.h). The wallets area's store, handed out
// by Transaction::store<WalletRepository>() (or tx.wallets()) inside Storage::Run of a storage
// that Supports(WalletRepository::kArea); the guarantees of spi/storage.h apply.
//
// Thread-safety: as spi::Transaction — owned by the thread running the body.
#pragma once

#include <string>
#include <string_view>

#include "eventify/export.h"
#include "eventify/spi/store_area.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

// What the gateway answered when a top-up's charge was started. The names (TopUpChargeStateName)
// are the error reasons a replay of the top-up repeats.
enum class TopUpChargeState {
  kCharging,            // the charge was started; the gateway's answer is not recorded (yet)
  kAccepted,            // the gateway took the charge: its callback decides the top-up
  kCardDeclined,        // refused at once; the top-up is voided
  kInvalidCardToken,    // the gateway did not know the card; the top-up is voided
  kGatewayUnavailable,  // no answer: the charge may have been taken; the callback or the expiry
                        // decides the top-up
};

// "charging", "accepted", ...
EVENTIFY_EXPORT std::string_view TopUpChargeStateName(TopUpChargeState state);
EVENTIFY_EXPORT Result<TopUpChargeState> ParseTopUpChargeState(std::string_view name);

struct TopUpChargeRecord {
  std::string transfer_id;  // the top-up's pending transfer (its reference at the gateway)
  TopUpChargeState state = TopUpChargeState::kCharging;
  std::string charge_id;  // the gateway's id of the charge once known, else empty
  Timestamp created_at;
  Timestamp updated_at;
};

class EVENTIFY_EXPORT WalletRepository {
 public:
  static constexpr StoreArea kArea{"wallets"};

  virtual ~WalletRepository() = default;

  // Inserts the record unless one exists for its transfer, and says whether it did: of callers
  // racing for one top-up exactly one inserts, and only that one starts the charge.
  virtual Result<bool> InsertTopUpCharge(const TopUpChargeRecord& record) = 0;
  // Errors: kNotFound topup_charge_not_found.
  virtual Result<TopUpChargeRecord> FindTopUpCharge(std::string_view transfer_id,
                                                    LockMode lock) = 0;
  // Writes state, charge_id and updated_at. Errors: kNotFound topup_charge_not_found.
  virtual Status UpdateTopUpCharge(const TopUpChargeRecord& record) = 0;
};

}  // namespace eventify::spi
