// AccountMaintenanceStore: removes account rows nobody can use any more, for the engine's
// kPurgeExpiredJob (eventify/jobs.h). Handed out by Transaction::store<AccountMaintenanceStore>()
// of a storage that Supports(AccountMaintenanceStore::kArea).
//
// Thread-safety: as every store, it belongs to the thread running the transaction body.
#pragma once

#include <cstdint>

#include "eventify/export.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

struct PurgedRows {
  std::int64_t codes = 0;
  std::int64_t refresh_tokens = 0;
  std::int64_t sessions = 0;
};

class EVENTIFY_EXPORT AccountMaintenanceStore {
 public:
  static constexpr StoreArea kArea{"accounts.maintenance"};

  virtual ~AccountMaintenanceStore() = default;

  // Deletes the one-time codes and refresh tokens whose expires_at <= now, and the sessions
  // whose expires_at <= now together with every refresh token of theirs. A live session, even
  // revoked, is kept with its tokens: presenting a rotated token of it must still be recognised.
  virtual Result<PurgedRows> DeleteExpired(Timestamp now) = 0;
};

}  // namespace eventify::spi
