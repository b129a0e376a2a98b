// SessionPool: a fixed number of SOCI sessions to one database, lent to one thread at a time.
//
// Slots connect lazily and reconnect after a session was discarded, so a database that went away
// and came back heals without restarting the process. Each new SQLite session is configured for
// WAL, synchronous=FULL, foreign keys and the busy timeout before it is lent.
//
// Thread-safety: Acquire may be called from any thread; a Lease belongs to the thread holding it.
// The pool must outlive every Lease.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "eventify/status.h"
#include "storage/soci/database_url.h"

namespace soci {
class session;
}

namespace eventify::storage {

class NativeStatements;

class SessionPool {
  // A connected session and what is prepared on it (defined below).
  struct Connection;

 public:
  // A borrowed session; returned to the pool on destruction unless discarded.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    soci::session& session() const { return *connection_->session; }
    // The statements prepared on this session so far (see native_statements.h).
    NativeStatements& statements() const { return *connection_->statements; }
    // Closes the session instead of returning it (its connection is lost or its state unknown);
    // the slot reconnects when it is next acquired.
    void Discard() { discard_ = true; }

   private:
    friend class SessionPool;
    Lease(SessionPool* pool, std::size_t slot, Connection* connection)
        : pool_(pool), slot_(slot), connection_(connection) {}

    SessionPool* pool_;
    std::size_t slot_;
    Connection* connection_;
    bool discard_ = false;
  };

  SessionPool(DatabaseTarget target, int size, int sqlite_busy_timeout_ms);
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  Dialect dialect() const { return target_.dialect; }
  int size() const { return static_cast<int>(connections_.size()); }

  // Waits for a free slot and connects it if needed.
  // Errors: kUnavailable (database_unavailable). With `detailed_errors` the message includes the
  // driver's explanation (host, port, file; never a password), meant for the operator at startup.
  Result<Lease> Acquire(bool detailed_errors = false);

 private:
  // The statements are destroyed first (declared last): SQLite cannot close a connection that
  // still has prepared statements.
  struct Connection {
    std::unique_ptr<soci::session> session;
    std::unique_ptr<NativeStatements> statements;
    ~Connection();
  };

  std::unique_ptr<Connection> Connect() const;
  void GiveBack(std::size_t slot, bool discard);

  const DatabaseTarget target_;
  const int sqlite_busy_timeout_ms_;
  std::mutex mutex_;
  std::condition_variable slot_freed_;
  std::vector<std::unique_ptr<Connection>> connections_;  // nullptr: not connected
  std::vector<std::size_t> free_slots_;
};

}  // namespace eventify::storage
