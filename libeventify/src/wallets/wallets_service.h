// WalletsService: the library's implementation of eventify::Wallets, on top of the Ledger and
// the PaymentGateway SPI (through CardCharges, card_charges.h). Money lives in the ledger; the
// service keeps only what the gateway answered for each top-up (spi/wallet_repository.h), in the
// storage.
// Thread-safety: every method may run concurrently.
#pragma once

#include <memory>
#include <string>

#include "eventify/engine.h"
#include "eventify/ledger.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/payment_gateway.h"
#include "eventify/spi/storage.h"
#include "eventify/wallets.h"
#include "wallets/card_charges.h"

namespace eventify::wallets {

struct WalletsDependencies {
  Ledger* ledger = nullptr;  // borrowed: owned by the engine, outlives the service
  std::shared_ptr<spi::Storage> storage;
  std::shared_ptr<spi::Clock> clock;
  // Charges cards through the payment gateway (shared with bookings paid by card); never null,
  // though its gateway may be: top-ups are then unavailable.
  std::shared_ptr<CardCharges> charges;
  std::string currency;
  WalletsOptions options;
};

std::unique_ptr<Wallets> MakeWalletsService(WalletsDependencies dependencies);

}  // namespace eventify::wallets
