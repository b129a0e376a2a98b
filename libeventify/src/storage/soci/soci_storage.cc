#include "storage/soci/soci_storage.h"

#include <soci/soci.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "core/status_macros.h"
#include "eventify/backends/soci.h"
#include "storage/soci/database_failure.h"
#include "storage/soci/database_url.h"
#include "storage/soci/migrations.h"
#include "storage/soci/native_statements.h"
#include "storage/soci/soci_transaction.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {
namespace {

// What opening with create_if_missing = false answers for a database that was never set up.
Status DatabaseNotFound(const std::string& what) {
  return FailedPrecondition("database_not_found", what + "; nothing was created");
}

// The storage whose Run is on this thread's stack, to refuse a nested Run that would wait forever
// for the writer lock or a pooled session held by its own caller.
thread_local const SociStorage* running_storage = nullptr;

const char* BeginStatement(Dialect dialect, spi::TransactionMode mode) {
  const bool read_write = mode == spi::TransactionMode::kReadWrite;
  if (dialect == Dialect::kSqlite) return read_write ? "BEGIN IMMEDIATE" : "BEGIN";
  return read_write ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                    : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
}

// Sleeps before retrying an aborted transaction: about 1, 2, 4 ... 64 ms, jittered by +-50% so
// that the transactions that collided do not collide again.
void BackOff(int attempt) {
  thread_local std::minstd_rand random(std::random_device{}());
  const int base_micros = 1000 << std::min(attempt - 1, 6);
  std::uniform_int_distribution<int> jittered(base_micros / 2, base_micros * 3 / 2);
  std::this_thread::sleep_for(std::chrono::microseconds(jittered(random)));
}

// Runs BEGIN or COMMIT: on SQLite through a statement kept prepared on the connection (parsing
// them again for every transaction showed in the commit pipeline's profile).
void RunControl(SessionPool::Lease& lease, Dialect dialect, const char* text) {
  if (dialect == Dialect::kSqlite) {
    static_cast<void>(lease.statements().Sqlite(text).Run());
  } else {
    lease.session() << text;
  }
}

// Ends the transaction without keeping anything; a session that cannot even roll back is in an
// unknown state and is closed.
void RollBack(SessionPool::Lease& lease) {
  try {
    lease.session() << "ROLLBACK";
  } catch (...) {
    lease.Discard();
  }
}

Status RunBody(SessionPool::Lease& lease, Dialect dialect, spi::TransactionMode mode,
               const std::function<Status(spi::Transaction&)>& body) {
  soci::session& sql = lease.session();
  lease.statements().TransactionBegun();
  TransactionContext context(sql, lease.statements(), dialect, mode);
  SociTransaction transaction(context);
  Status status;
  try {
    status = body(transaction);
  } catch (...) {
    status = Internal("an exception escaped the transaction body");
  }
  // A body that carried on after a failed statement must not commit what is left.
  if (status.ok() && !context.failure().ok()) status = context.failure();
  if (context.session_broken()) {
    lease.Discard();
    return status;
  }
  if (!status.ok()) {
    RollBack(lease);
    return status;
  }
  try {
    RunControl(lease, dialect, "COMMIT");
    return Status::Ok();
  } catch (...) {
    const DatabaseFailure failure = ClassifyCurrentException(dialect, &sql);
    if (failure.kind == FailureKind::kConnectionLost) {
      lease.Discard();  // whether the commit happened is unknown: kUnavailable, no retry
    } else {
      RollBack(lease);  // SQLite keeps the transaction open after a failed COMMIT
    }
    return FailureStatus(failure, "COMMIT");
  }
}

}  // namespace

SociStorage::SociStorage(std::unique_ptr<SessionPool> pool, int schema_version, int max_attempts)
    : pool_(std::move(pool)),
      schema_version_(schema_version),
      max_attempts_(std::max(1, max_attempts)) {}

std::string_view SociStorage::backend_name() const {
  return pool_->dialect() == Dialect::kSqlite ? "sqlite" : "postgresql";
}

int SociStorage::parallel_writers() const {
  if (pool_->dialect() == Dialect::kSqlite) return 1;  // one writer at a time anyway
  // PostgreSQL commits concurrently: a second batch is applied while the first is flushed.
  // Leave at least half of the connections to readers.
  return std::clamp(pool_->size() / 2, 1, 2);
}

bool SociStorage::Supports(spi::StoreArea area) const {
  return area == spi::AccountRepository::kArea || area == spi::LedgerRepository::kArea ||
         area == spi::WalletRepository::kArea || area == spi::JobStore::kArea ||
         area == spi::AccountMaintenanceStore::kArea || area == spi::EventStore::kArea ||
         area == spi::BookingStore::kArea || area == spi::SettlementStore::kArea ||
         area == spi::ReviewStore::kArea ||
         area == spi::WaitlistStore::kArea || area == spi::ChatStore::kArea ||
         area == spi::ReportStore::kArea ||
         area == spi::IdentityStore::kArea ||
         area == spi::AdminStore::kArea || area == spi::MediaObjectStore::kArea;
}

Status SociStorage::Run(spi::TransactionMode mode,
                        const std::function<Status(spi::Transaction&)>& body) {
  if (running_storage == this) {
    return Internal("Storage::Run was called inside a transaction body of the same storage");
  }
  const SociStorage* const outer = std::exchange(running_storage, this);
  Status status;
  for (int attempt = 1;; ++attempt) {
    status = RunOnce(mode, body);
    if (status.code() != StatusCode::kAborted || attempt >= max_attempts_) break;
    BackOff(attempt);
  }
  running_storage = outer;
  return status;
}

Status SociStorage::RunOnce(spi::TransactionMode mode,
                            const std::function<Status(spi::Transaction&)>& body) {
  const Dialect dialect = pool_->dialect();
  std::unique_lock writer(writer_mutex_, std::defer_lock);
  // Writer lock before the session, so that queued writers do not hold sessions readers need.
  if (dialect == Dialect::kSqlite && mode == spi::TransactionMode::kReadWrite) writer.lock();

  // A pooled connection may have died while idle (say, the server restarted). That surfaces at
  // BEGIN, before the body ran, so it is safe to retry once on a fresh connection.
  for (int connection_try = 1;; ++connection_try) {
    EV_ASSIGN_OR_RETURN(SessionPool::Lease lease, pool_->Acquire());
    try {
      RunControl(lease, dialect, BeginStatement(dialect, mode));
    } catch (...) {
      const DatabaseFailure failure = ClassifyCurrentException(dialect, &lease.session());
      if (failure.kind == FailureKind::kConnectionLost) {
        lease.Discard();
        if (connection_try == 1) continue;
      }
      return FailureStatus(failure, "BEGIN");
    }
    return RunBody(lease, dialect, mode, body);
  }
}

}  // namespace eventify::storage

namespace eventify::spi {

Result<std::shared_ptr<Storage>> OpenSociStorage(const SociStorageOptions& options) {
  using storage::SessionPool;
  EV_ASSIGN_OR_RETURN(storage::DatabaseTarget target, storage::ParseDatabaseUrl(options.url));
  // Connecting creates a SQLite file: look for it first.
  std::error_code no_file;
  if (!options.create_if_missing && target.dialect == storage::Dialect::kSqlite &&
      !std::filesystem::exists(target.sqlite_path, no_file)) {
    return storage::DatabaseNotFound("the SQLite database file does not exist");
  }
  auto pool = std::make_unique<SessionPool>(std::move(target), options.pool_size,
                                            options.sqlite_busy_timeout_ms);
  int version = 0;
  {
    EV_ASSIGN_OR_RETURN(SessionPool::Lease lease, pool->Acquire(/*detailed_errors=*/true));
    if (!options.create_if_missing) {
      Result<int> recorded = storage::RecordedSchemaVersion(lease.session(), pool->dialect());
      if (!recorded.ok()) return recorded.status();
      if (*recorded == 0) {
        return storage::DatabaseNotFound("no Eventify migration was ever applied to the database");
      }
    }
    Result<int> migrated = storage::Migrate(lease.session(), pool->dialect());
    if (!migrated.ok()) {
      const Status& failure = migrated.status();
      if (failure.code() == StatusCode::kUnavailable) lease.Discard();
      if (failure.code() == StatusCode::kAborted) {
        // Another process kept the database locked for longer than the busy timeout.
        return Unavailable("database_unavailable",
                           "the database stayed locked by another process: " + failure.message());
      }
      return failure;
    }
    version = *migrated;
  }
  return std::shared_ptr<Storage>(
      std::make_shared<storage::SociStorage>(std::move(pool), version, options.max_attempts));
}

}  // namespace eventify::spi
