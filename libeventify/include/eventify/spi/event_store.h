// EventStore: the events area's store (eventify/events.h) — organizer profiles, categories and
// events — handed out by Transaction::store<EventStore>() of a storage that
// Supports(EventStore::kArea).
//
// Every call runs inside the transaction whose body received the store and is bound by the
// guarantees of spi/storage.h. The rules (who may, which transition) are the engine's; the store
// keeps rows and finds them. Statuses, causes and times are stored as the public types say
// (names from OrganizerStatusName, EventStatusName...; Timestamps to the microsecond).
//
// Thread-safety: as every store, it belongs to the thread running the transaction body.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/events.h"
#include "eventify/export.h"
#include "eventify/spi/keyset.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

// Which events EventStore::ListEvents returns (every condition set must hold) and in which order.
struct EventFilter {
  enum class Order {
    // (starts_at, id) ascending; `after` holds (starts_at, id) in Keyset::created_at and id.
    kSoonestStart,
    // (submitted_at, id) ascending, for the approval queue; `after` as above with submitted_at.
    kOldestSubmission,
    // (created_at, id) descending; `after` is the Keyset of the last row of the previous page.
    kNewestCreated,
  };
  Order order = Order::kSoonestStart;
  std::optional<EventStatus> status;
  std::optional<bool> on_hold;
  std::string organizer_id;  // empty: any
  std::string category_id;   // empty: any
  std::optional<Timestamp> starts_after;   // starts_at > this
  std::optional<Timestamp> starts_from;    // starts_at >= this
  std::optional<Timestamp> starts_before;  // starts_at < this
  // Words (letters, digits, or bytes of multi-byte UTF-8 characters; never empty) that must all
  // occur as whole words, without regard to case, in the title or description. Implementations
  // use the database's full-text index (SQLite FTS5, PostgreSQL tsvector with a GIN index).
  std::vector<std::string> words;
  std::optional<std::int64_t> min_price;
  std::optional<std::int64_t> max_price;
  std::optional<Keyset> after;  // the page after this position, in `order`
  int limit = 20;
};

class EVENTIFY_EXPORT EventStore {
 public:
  static constexpr StoreArea kArea{"events"};

  virtual ~EventStore() = default;

  // Inserts the profile of profile.user_id or overwrites every column of it.
  virtual Status PutOrganizerProfile(const OrganizerProfile& profile) = 0;
  // Errors: kNotFound (no_organizer_profile).
  virtual Result<OrganizerProfile> FindOrganizerProfile(std::string_view user_id,
                                                        LockMode lock) = 0;
  // Profiles of one status in (submitted_at, user_id) ascending order, after `after` (whose id
  // is a user id) when given.
  virtual Result<std::vector<OrganizerProfile>> ListOrganizerProfiles(
      OrganizerStatus status, const std::optional<Keyset>& after, int limit) = 0;

  // Errors: kAlreadyExists (category_exists) when another category has the same name without
  // regard to the case of ASCII letters.
  virtual Status InsertCategory(const Category& category) = 0;
  // Overwrites name, listed and updated_at. Errors: kNotFound (category_not_found),
  // kAlreadyExists (category_exists).
  virtual Status UpdateCategory(const Category& category) = 0;
  // Errors: kNotFound (category_not_found).
  virtual Result<Category> FindCategory(std::string_view id, LockMode lock) = 0;
  // By name (as stored, ascending); only listed ones unless `include_unlisted`.
  virtual Result<std::vector<Category>> ListCategories(bool include_unlisted) = 0;

  // Errors: kAlreadyExists (event_exists) for a taken id.
  virtual Status InsertEvent(const Event& event) = 0;
  // Overwrites every column but id, organizer_id and created_at. Errors: kNotFound
  // (event_not_found).
  virtual Status UpdateEvent(const Event& event) = 0;
  // Errors: kNotFound (event_not_found).
  virtual Result<Event> FindEvent(std::string_view id, LockMode lock) = 0;
  // Implementations read each page from an index in the filter's order, never with OFFSET.
  virtual Result<std::vector<Event>> ListEvents(const EventFilter& filter) = 0;
  // Sets status completed and updated_at = now on every approved event with ends_at <= now;
  // returns how many. Read-write transactions only.
  virtual Result<std::int64_t> CompleteEndedEvents(Timestamp now) = 0;
};

}  // namespace eventify::spi
