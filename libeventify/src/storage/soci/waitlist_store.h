// SociWaitlistStore: spi::WaitlistStore over the waitlist_entries table of migration 13
// ("waitlists"), and the seat counters of the events table (migration 8) it reads to find events
// whose line can be served.
//
// Valid only inside the transaction body that received it. Thread-safety: none (see
// TransactionContext).
#pragma once

#include "eventify/spi/waitlist_store.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

class SociWaitlistStore final : public spi::WaitlistStore {
 public:
  explicit SociWaitlistStore(TransactionContext& context) : context_(context) {}

  Status InsertEntry(const spi::WaitlistRecord& record) override;
  Status UpdateEntry(const spi::WaitlistRecord& record) override;
  Status DeleteEntry(std::string_view id) override;
  Result<std::vector<spi::WaitlistRecord>> FindUserEntries(std::string_view event_id,
                                                           std::string_view user_id) override;
  Result<std::int64_t> LastSeq(std::string_view event_id) override;
  Result<std::int64_t> CountWaitingUpTo(std::string_view event_id, std::int64_t seq) override;
  Result<std::vector<spi::WaitlistRecord>> ListWaiting(std::string_view event_id,
                                                       std::int64_t after_seq,
                                                       std::int32_t max_seats,
                                                       int limit) override;
  Result<std::vector<std::string>> ListEventsToServe(Timestamp now, int limit) override;

 private:
  TransactionContext& context_;
};

}  // namespace eventify::storage
