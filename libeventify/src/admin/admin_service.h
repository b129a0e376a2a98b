// The admin area (eventify/admin.h): the audit log and the queue counts over spi::AdminStore, and
// the money views and analytics of admin/money_views.h.
//
// Thread-safety: as Admin.
#pragma once

#include <memory>
#include <string>

#include "eventify/admin.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/storage.h"

namespace eventify::admin {

// `storage` must Support spi::AdminStore::kArea, spi::EventStore::kArea and the ledger
// (Engine::Open checks it). `currency` is the platform currency; `settlement_delay` the
// settlements' SettlementsOptions::delay; `clock` says when "now" is for the settlement states.
std::unique_ptr<Admin> MakeAdminService(std::shared_ptr<spi::Storage> storage,
                                        std::shared_ptr<spi::Clock> clock, std::string currency,
                                        Duration settlement_delay);

}  // namespace eventify::admin
