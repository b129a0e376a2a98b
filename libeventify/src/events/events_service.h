// The events area (eventify/events.h): the organizer, category and event rules over
// spi::EventStore, and the handler of the recurring job that completes ended events.
//
// Thread-safety: as Events.
#pragma once

#include <memory>
#include <string>

#include "eventify/events.h"
#include "eventify/jobs.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/media_store.h"
#include "eventify/spi/storage.h"

namespace eventify::events {

// `storage` must Support spi::EventStore::kArea (Engine::Open checks it); `media` keeps cover
// images; `currency` is the platform currency of ticket prices.
std::unique_ptr<Events> MakeEventsService(std::shared_ptr<spi::Storage> storage,
                                          std::shared_ptr<spi::MediaStore> media,
                                          std::shared_ptr<spi::Clock> clock, std::string currency,
                                          EventsOptions options);

// Registers the handler of kCompleteEndedEventsJob. `events` must outlive `jobs`' workers.
Status RegisterEventsJobs(Jobs& jobs, Events& events);

}  // namespace eventify::events
