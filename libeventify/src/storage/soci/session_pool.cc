#include "storage/soci/session_pool.h"

#include <fmt/format.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "storage/soci/native_statements.h"
#include "storage/soci/wal_gathering_vfs.h"

namespace eventify::storage {
namespace {

// The driver's explanation on one line, for operators. Connection errors name the host or the file
// and the cause; libpq never echoes a password.
std::string OneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

bool IsBusy(const soci::sqlite3_soci_error& error) {
  const int code = error.result() & 0xff;
  return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

// Switches the database to write-ahead logging (a no-op once it is). Converting a new database
// needs an exclusive lock and does not wait through the busy handler, so two processes opening
// the same new file may see "database is locked": retry within the busy timeout.
std::string EnableWal(soci::session& sql, int busy_timeout_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(0, busy_timeout_ms));
  for (;;) {
    try {
      std::string journal_mode;
      sql << "PRAGMA journal_mode = WAL", soci::into(journal_mode);
      return journal_mode;
    } catch (const soci::sqlite3_soci_error& error) {
      if (!IsBusy(error) || std::chrono::steady_clock::now() >= deadline) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// SQLite keeps statistics of every allocation under one process-wide mutex unless told not to
// (SQLITE_CONFIG_MEMSTATUS); the commit pipeline's writer slept on that mutex, held by the job
// workers and the readers, more often than it waited for its own flush (docs/performance.md).
// Nothing here reads the statistics. SQLite takes the setting only before it is initialised: in a
// process that used SQLite before opening a storage it is refused and things stay as they were.
void TurnOffSqliteMemoryStatistics() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

void ConfigureSqlite(soci::session& sql, int busy_timeout_ms) {
  sql << fmt::format("PRAGMA busy_timeout = {}", std::max(0, busy_timeout_ms));
  // FULL: every commit syncs the log, and only then publishes its frames to other connections.
  // The gathering VFS the connection was opened through (wal_gathering_vfs.h) relies on that: it
  // writes out what it gathered at the sync. Set first, before the connection writes anything.
  sql << "PRAGMA synchronous = FULL";
  const std::string journal_mode = EnableWal(sql, busy_timeout_ms);
  if (journal_mode != "wal") {
    throw std::runtime_error("the SQLite database cannot use write-ahead logging (journal mode " +
                             journal_mode + ")");
  }
  sql << "PRAGMA foreign_keys = ON";
  // A 64 MiB page cache per connection and memory-mapped reads: a batch of transfers touches
  // pages all over the indexes, and re-reading them through read() was the writer's main cost.
  sql << "PRAGMA cache_size = -65536";
  sql << "PRAGMA mmap_size = 268435456";
  // Checkpoint every ~40 MiB of WAL instead of ~4 MiB: the committing writer runs the automatic
  // checkpoint, and a batch dirties pages all over the indexes, so fewer checkpoints copy (and
  // flush) each hot page fewer times. Durability is unchanged: every commit still flushes the WAL.
  sql << "PRAGMA wal_autocheckpoint = 10000";
}

}  // namespace

SessionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      slot_(other.slot_),
      connection_(std::exchange(other.connection_, nullptr)),
      discard_(other.discard_) {}

SessionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->GiveBack(slot_, discard_);
}

SessionPool::SessionPool(DatabaseTarget target, int size, int sqlite_busy_timeout_ms)
    : target_(std::move(target)), sqlite_busy_timeout_ms_(sqlite_busy_timeout_ms) {
  const std::size_t slots = static_cast<std::size_t>(std::max(1, size));
  connections_.resize(slots);
  // Hand out low slots first so a lightly loaded process keeps few connections open.
  for (std::size_t slot = slots; slot > 0; --slot) free_slots_.push_back(slot - 1);
}

SessionPool::~SessionPool() = default;

SessionPool::Connection::~Connection() = default;

std::unique_ptr<SessionPool::Connection> SessionPool::Connect() const {
  auto connection = std::make_unique<Connection>();
  if (target_.dialect == Dialect::kSqlite) {
    TurnOffSqliteMemoryStatistics();
    connection->session = std::make_unique<soci::session>(
        soci::sqlite3, GatheringConnectString(target_.sqlite_path, target_.connect_string));
    ConfigureSqlite(*connection->session, sqlite_busy_timeout_ms_);
  } else {
    connection->session = std::make_unique<soci::session>(soci::postgresql, target_.connect_string);
  }
  connection->statements =
      std::make_unique<NativeStatements>(*connection->session, target_.dialect);
  return connection;
}

Result<SessionPool::Lease> SessionPool::Acquire(bool detailed_errors) {
  std::size_t slot;
  Connection* existing;
  {
    std::unique_lock lock(mutex_);
    slot_freed_.wait(lock, [this] { return !free_slots_.empty(); });
    slot = free_slots_.back();
    free_slots_.pop_back();
    existing = connections_[slot].get();
  }
  if (existing != nullptr) return Lease(this, slot, existing);

  // Connect outside the lock: it may take a network round trip or a busy wait.
  std::unique_ptr<Connection> connected;
  std::string explanation;
  try {
    connected = Connect();
  } catch (const soci::soci_error& error) {
    explanation = OneLine(error.get_error_message());
  } catch (const std::exception& error) {
    explanation = OneLine(error.what());
  } catch (...) {
    explanation = "unknown error";
  }
  if (connected == nullptr) {
    GiveBack(slot, /*discard=*/true);
    const char* what = target_.dialect == Dialect::kSqlite ? "cannot open the SQLite database"
                                                           : "cannot connect to PostgreSQL";
    return Unavailable("database_unavailable",
                       detailed_errors ? fmt::format("{}: {}", what, explanation) : what);
  }
  Connection* connection = connected.get();
  {
    std::lock_guard lock(mutex_);
    connections_[slot] = std::move(connected);
  }
  return Lease(this, slot, connection);
}

void SessionPool::GiveBack(std::size_t slot, bool discard) {
  std::unique_ptr<Connection> closing;
  {
    std::lock_guard lock(mutex_);
    if (discard) closing = std::move(connections_[slot]);
    free_slots_.push_back(slot);
  }
  slot_freed_.notify_one();
  // `closing` disconnects here, outside the lock.
}

}  // namespace eventify::storage
