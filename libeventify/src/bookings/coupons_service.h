// The coupons' management (eventify/coupons.h) over spi::BookingStore, and the events store for
// the event a coupon is for. Holds apply coupons through the booking applier, not through this.
//
// Thread-safety: as Coupons.
#pragma once

#include <memory>

#include "eventify/coupons.h"
#include "eventify/spi/storage.h"
#include "ledger/transfer_batch.h"

namespace eventify::bookings {

// `storage` must Support the bookings and events areas; `clock` must outlive the service.
std::unique_ptr<Coupons> MakeCouponsService(std::shared_ptr<spi::Storage> storage,
                                            ledger::TransferClock& clock);

}  // namespace eventify::bookings
