// Storage: the persistence interface the engine runs its domain rules on. Integrators may
// implement it for another database; the conformance suite (tests/storage/conformance/, run
// through a factory hook: docs/storage-integrators.md) says what it must do.
//
// Integrator tier (docs/architecture.md, "Public headers and what they promise"): adding an area
// adds a store header and changes no existing interface; an existing store interface,
// Transaction or Storage changes only with a major version, listed in docs/changelog.md. The
// guarantees below only ever get stronger.
//
// Model: the engine opens a transaction with Storage::Run, reaches the stores of the areas
// through the Transaction it is handed, and returns a Status. An OK status commits, anything else
// rolls back. Stores are only valid inside the body that received them.
//
// Guarantees every implementation must give (the booking and ledger rules rely on them):
//  1. Atomicity and durability: when Run returns OK every write of the body is committed
//     durably; otherwise none of them is visible to anyone, ever.
//  2. Write isolation: a read made with LockMode::kForUpdate inside a kReadWrite transaction
//     returns the latest committed row and keeps every other transaction from changing that row
//     (or locking it) until this one ends. Rows read that way may be re-read and updated without
//     lost updates. SQLite gives this by serialising writers; PostgreSQL by row locks
//     (SELECT ... FOR UPDATE), which lock only the rows named, never the whole database.
//  3. Uniqueness rules (e-mail, token hashes) are enforced by the database, and a violation comes
//     back as kAlreadyExists from the write that broke it, not as kInternal.
//  4. Conflicts the database resolves by aborting (deadlock, serialization failure, busy) come
//     back as kAborted. Run retries the whole body a bounded number of times on kAborted, so a
//     body must have no side effects outside the transaction (send mail after Run returns).
//  5. kReadOnly transactions never block writers for long and see one consistent snapshot.
//
// Thread-safety: Storage::Run may be called from many threads at once; one Transaction and the
// stores it hands out belong to the calling thread for the duration of the body.
//
// One store per area. Each area declares its store interface in a header of its own under spi/
// with an identity, `static constexpr StoreArea kArea{"jobs"}` (spi/store_area.h), and a body asks
// the transaction for it: `tx.store<JobStore>()`, which is nullptr when the storage has no such
// store. Today's areas: "accounts" (AccountRepository, spi/account_repository.h), "ledger"
// (LedgerRepository), "wallets" (WalletRepository), "jobs" (JobStore),
// "accounts.maintenance" (AccountMaintenanceStore), "events" (EventStore) and "bookings"
// (BookingStore). A storage announces the areas it serves
// with Supports(area) and hands their stores out through FindStore; nothing here forces an area
// on it. Engine::Open refuses a storage that lacks an area the engine needs (kFailedPrecondition
// storage_lacks_area, naming the area), so a body the engine runs may assume the store is there.
// A new area thus adds a header and changes no existing interface: a storage written before it
// keeps compiling, and only an engine that needs the area refuses it.
#pragma once

#include <functional>
#include <string_view>

#include "eventify/export.h"
#include "eventify/spi/account_repository.h"
#include "eventify/spi/ledger_repository.h"
#include "eventify/spi/store_area.h"
#include "eventify/spi/wallet_repository.h"
#include "eventify/status.h"

namespace eventify::spi {

enum class TransactionMode { kReadOnly, kReadWrite };

// ---- Transactions -----------------------------------------------------------------------------

class EVENTIFY_EXPORT Transaction {
 public:
  virtual ~Transaction() = default;

  // The store of area S (S::kArea), valid for the body; nullptr when the storage has none.
  template <class S>
  S* store() {
    return static_cast<S*>(FindStore(S::kArea));
  }

  // Shorthands for the stores every engine needs, for bodies the engine runs (Engine::Open has
  // checked that the storage Supports them). Precondition: the storage serves the area.
  AccountRepository& accounts() { return *store<AccountRepository>(); }
  LedgerRepository& ledger() { return *store<LedgerRepository>(); }
  WalletRepository& wallets() { return *store<WalletRepository>(); }

 protected:
  // The store serving `area`, as a pointer to its interface type (the S of store<S>), or nullptr.
  // Serve an area here exactly when Storage::Supports(area) is true.
  virtual void* FindStore(StoreArea /*area*/) { return nullptr; }
};

class EVENTIFY_EXPORT Storage {
 public:
  virtual ~Storage() = default;

  // Runs body in one transaction (see the guarantees above) and returns its Status, or the
  // storage failure: kUnavailable when the database cannot be reached, kAborted when conflicts
  // persisted through every retry, kInternal for a failed statement.
  virtual Status Run(TransactionMode mode, const std::function<Status(Transaction&)>& body) = 0;

  // "sqlite" or "postgresql" for the SOCI implementation; informational.
  virtual std::string_view backend_name() const = 0;

  // How many read-write transactions are worth running at once: 1 where the database serialises
  // writers anyway (SQLite). The commit pipeline runs this many batches in flight by default.
  virtual int parallel_writers() const { return 1; }

  // The schema version the database is at after opening.
  virtual int schema_version() const = 0;

  // True when every transaction of this storage hands out the store of `area` (see "One store
  // per area" above). A storage that decorates another forwards this call.
  virtual bool Supports(StoreArea /*area*/) const { return false; }
};

}  // namespace eventify::spi
