// The waitlist calls of eventify::Bookings (JoinWaitlist, LeaveWaitlist, GetWaitlistEntry,
// ServeWaitlists), for BookingsServiceImpl to delegate to. Joining, leaving and serving go through
// the engine's commit pipeline with the waitlist's own applier (WaitlistApplier, in the .cc):
// each batch locks the events it names through the batch's SeatBatch, as every booking write
// does, so an entry is written only under its event's lock and its line is served in the same
// commits as the seats. docs/bookings.md, "Waitlist", has the rules.
//
// Thread-safety: as Bookings; the service keeps no state between calls.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "bookings/waitlist_offers.h"
#include "eventify/bookings.h"
#include "eventify/spi/storage.h"
#include "ledger/transfer_batch.h"
#include "storage/commit_pipeline.h"

namespace eventify::bookings {

class WaitlistService {
 public:
  // `clock`, `pipeline` and `offers` must outlive the service.
  WaitlistService(std::shared_ptr<spi::Storage> storage, ledger::TransferClock& clock,
                  storage::CommitPipeline& pipeline, const WaitlistOffers& offers);
  ~WaitlistService();

  // As Bookings::JoinWaitlist, LeaveWaitlist and GetWaitlistEntry.
  Result<WaitlistEntry> Join(const Principal& user, std::string_view event_id,
                             std::int32_t seats);
  Status Leave(const Principal& user, std::string_view event_id);
  Result<WaitlistEntry> Get(const Principal& user, std::string_view event_id);

  // As Bookings::ServeWaitlists: up to `limit` events whose free seats fit someone waiting.
  Result<std::int64_t> Serve(int limit);

 private:
  class Applier;

  const std::shared_ptr<spi::Storage> storage_;
  ledger::TransferClock& clock_;
  storage::CommitPipeline& pipeline_;
  const WaitlistOffers& offers_;
  std::unique_ptr<Applier> applier_;
};

}  // namespace eventify::bookings
