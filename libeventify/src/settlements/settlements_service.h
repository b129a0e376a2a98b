// The settlements area (eventify/settlements.h): paying each ended event's escrow out to its
// organizer and the platform over spi::SettlementStore, the events' rows and the ledger, and the
// handler of the recurring job that settles due events.
//
// Thread-safety: as Settlements.
#pragma once

#include <memory>
#include <span>

#include "eventify/events.h"
#include "eventify/jobs.h"
#include "eventify/settlements.h"
#include "eventify/spi/storage.h"
#include "ledger/transfer_batch.h"

namespace eventify::settlements {

// Errors: kInvalidArgument invalid_settlements_options (a negative delay, or commission_bps
// outside 0-10000; field "settlements").
Status ValidateSettlementsOptions(const SettlementsOptions& options);

// `storage` must Support spi::SettlementStore::kArea, spi::EventStore::kArea and the ledger
// (Engine::Open checks it). `clock` is the engine's transfer clock, shared with every area that
// moves money; it must outlive the service. `options` must be valid.
std::unique_ptr<Settlements> MakeSettlementsService(std::shared_ptr<spi::Storage> storage,
                                                    ledger::TransferClock& clock,
                                                    SettlementsOptions options);

// Sets Event::settlement of each of `events` from its settlement, or clears it (not settled),
// reading the settlements of them all in one query of `tx`'s spi::SettlementStore.
// Errors: storage failures.
Status FillSettlements(spi::Transaction& tx, std::span<Event> events);

// Registers the handler of kSettleDueEventsJob. `settlements` must outlive `jobs`' workers.
Status RegisterSettlementJobs(Jobs& jobs, Settlements& settlements);

}  // namespace eventify::settlements
