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
#include "eventify/spi/admin_store.h"
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

// Sets Event::revenue of each of `events` (its escrow's posted balance plus its settlement's
// gross) and Event::settlement from its settlement, or clears the latter (not settled). Reads the
// settlements of them all in one query of `tx`'s spi::SettlementStore and their escrow accounts
// in one of its spi::LedgerRepository (FindAccounts). Errors: storage failures.
Status FillRevenueAndSettlements(spi::Transaction& tx, std::span<Event> events);

// The settlement states, defined once. The condition an event meets in `status` (any but
// kUnsettled's "never approved"), where the events that ended by `due_cutoff` (now minus
// SettlementsOptions::delay) are due: kCancelled a cancelled event; kSettled an approved or
// completed one with a settlement; kOnHold one without, on hold; kDue one without, not on hold,
// ended by the cutoff; kUnsettled one without, not on hold, ending after it.
spi::EventSettlementCondition SettlementConditionOf(SettlementStatus status, Timestamp due_cutoff);
// The events some state's condition holds for: approved, completed or cancelled.
spi::EventSettlementCondition AnySettlementCondition();
// The state of an event: the one whose condition it meets; kUnsettled when none (a draft, pending
// or rejected event).
SettlementStatus SettlementStatusOf(EventStatus status, bool on_hold, bool settled,
                                    Timestamp ends_at, Timestamp due_cutoff);

// Registers the handler of kSettleDueEventsJob. `settlements` must outlive `jobs`' workers.
Status RegisterSettlementJobs(Jobs& jobs, Settlements& settlements);

}  // namespace eventify::settlements
