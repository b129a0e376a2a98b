// The events area (eventify/events.h): the organizer, category and event rules over
// spi::EventStore, and the handler of the recurring job that completes ended events.
//
// Thread-safety: as Events.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "eventify/events.h"
#include "eventify/jobs.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/media_store.h"
#include "eventify/spi/storage.h"
#include "mail/mail_jobs.h"

namespace eventify::events {

// `storage` must Support spi::EventStore::kArea (Engine::Open checks it); `media` keeps cover
// images; `currency` is the platform currency of ticket prices. The mails to organizers about
// their reviews go through `mail` (the engine's outbox), their subjects naming `product_name`.
std::unique_ptr<Events> MakeEventsService(std::shared_ptr<spi::Storage> storage,
                                          std::shared_ptr<spi::MediaStore> media,
                                          std::shared_ptr<spi::Clock> clock, std::string currency,
                                          std::shared_ptr<const mail::MailJobs> mail,
                                          std::string_view product_name, EventsOptions options);

// Registers the handler of kCompleteEndedEventsJob. `events` must outlive `jobs`' workers.
Status RegisterEventsJobs(Jobs& jobs, Events& events);

}  // namespace eventify::events
