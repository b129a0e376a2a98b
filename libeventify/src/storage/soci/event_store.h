// SociEventStore: spi::EventStore over the organizer_profiles, categories and events tables of
// migration 8 ("events"), with the full-text index of each dialect (SQLite FTS5, PostgreSQL
// tsvector).
//
// Valid only inside the transaction body that received it. Thread-safety: none (see
// TransactionContext).
#pragma once

#include "eventify/spi/event_store.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

class SociEventStore final : public spi::EventStore {
 public:
  explicit SociEventStore(TransactionContext& context) : context_(context) {}

  Status PutOrganizerProfile(const OrganizerProfile& profile) override;
  Result<OrganizerProfile> FindOrganizerProfile(std::string_view user_id,
                                                spi::LockMode lock) override;
  Result<std::vector<OrganizerProfile>> ListOrganizerProfiles(
      OrganizerStatus status, const std::optional<spi::Keyset>& after, int limit) override;

  Status InsertCategory(const Category& category) override;
  Status UpdateCategory(const Category& category) override;
  Result<Category> FindCategory(std::string_view id, spi::LockMode lock) override;
  Result<std::vector<Category>> ListCategories(bool include_unlisted) override;

  Status InsertEvent(const Event& event) override;
  Status UpdateEvent(const Event& event) override;
  Result<Event> FindEvent(std::string_view id, spi::LockMode lock) override;
  Result<std::vector<Event>> ListEvents(const spi::EventFilter& filter) override;
  Result<std::int64_t> CompleteEndedEvents(Timestamp now) override;

 private:
  TransactionContext& context_;
};

}  // namespace eventify::storage
