// The dashboards area (eventify/dashboards.h): an event's and an organizer's figures from the
// ledger and the bookings over spi::AdminStore, and the public organizer directory.
//
// Thread-safety: as Dashboards.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "eventify/dashboards.h"
#include "eventify/events.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/storage.h"

namespace eventify::dashboards {

// The figures of an escrow's (or many's) money (eventify/dashboards.h): net = paid_in - refunds -
// commission, every amount in `currency`.
MoneyFigures FiguresOf(std::int64_t paid_in, std::int64_t refunds, std::int64_t commission,
                       const std::string& currency);

// `storage` must Support spi::AdminStore::kArea, spi::EventStore::kArea and spi::ReviewStore::kArea
// (Engine::Open checks it). `events` lists an organizer's upcoming events and must outlive the
// service. `clock` decides which holds are live. `currency` is the platform currency, that of
// every escrow.
std::unique_ptr<Dashboards> MakeDashboardsService(std::shared_ptr<spi::Storage> storage,
                                                  std::shared_ptr<spi::Clock> clock,
                                                  Events& events, std::string currency);

}  // namespace eventify::dashboards
