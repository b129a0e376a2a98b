// The reviews area (eventify/reviews.h): who may review an event and when, one review per holder,
// edits, deletion and moderation, and the rating totals kept in the commit of each change, over
// spi::ReviewStore (and spi::EventStore to read the event and the organizer's profile).
//
// Thread-safety: as Reviews.
#pragma once

#include <memory>
#include <span>

#include "eventify/events.h"
#include "eventify/reviews.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/storage.h"

namespace eventify::reviews {

// `storage` must Support spi::ReviewStore::kArea and spi::EventStore::kArea (Engine::Open checks
// it).
std::unique_ptr<Reviews> MakeReviewsService(std::shared_ptr<spi::Storage> storage,
                                            std::shared_ptr<spi::Clock> clock);

// Sets Event::rating of each of `events` from the totals in the store, inside the caller's
// transaction `tx` (the events area calls it on every event it returns).
Status FillRatings(spi::Transaction& tx, std::span<Event> events);

}  // namespace eventify::reviews
