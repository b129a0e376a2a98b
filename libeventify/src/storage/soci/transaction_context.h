// TransactionContext: what every SOCI repository of one transaction shares — the session, the
// dialect, the mode, and the memory of the first statement that failed.
//
// Each repository method runs its statements through Call(), which turns SOCI exceptions into
// Status values. A failed statement poisons the transaction: PostgreSQL refuses every later
// statement of an aborted transaction, and a COMMIT there silently rolls back, so from then on
// every call returns the first failure and SociStorage::Run rolls back even if the body returns
// OK. Expected outcomes (a duplicate e-mail, a missing row) are detected without failing a
// statement, so they leave the transaction usable.
//
// Thread-safety: none; it belongs to the thread running the transaction body.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "eventify/spi/storage.h"
#include "eventify/status.h"
#include "storage/soci/database_failure.h"

namespace soci {
class session;
}

namespace eventify::storage {

class NativeStatements;

// How a repository method translates constraint violations it can cause; an OK Status keeps the
// generic translation of FailureStatus.
struct ConstraintMeaning {
  Status unique = Status::Ok();
  Status foreign_key = Status::Ok();
};

class TransactionContext {
 public:
  enum class Access { kRead, kWrite };

  TransactionContext(soci::session& sql, NativeStatements& statements, Dialect dialect,
                     spi::TransactionMode mode)
      : sql_(sql), statements_(statements), dialect_(dialect), mode_(mode) {}
  TransactionContext(const TransactionContext&) = delete;
  TransactionContext& operator=(const TransactionContext&) = delete;

  soci::session& sql() const { return sql_; }
  // The statements kept prepared on this connection (the commit path's; native_statements.h).
  NativeStatements& statements() const { return statements_; }
  Dialect dialect() const { return dialect_; }

  // " FOR UPDATE" where row locks are how LockMode::kForUpdate is honoured (PostgreSQL, read-write
  // transactions); empty on SQLite, whose writers are serialised, and in read-only transactions.
  std::string_view LockClause(spi::LockMode lock) const {
    return lock == spi::LockMode::kForUpdate && dialect_ == Dialect::kPostgresql &&
                   mode_ == spi::TransactionMode::kReadWrite
               ? " FOR UPDATE"
               : "";
  }

  // OK until a statement of this transaction failed; then that failure.
  const Status& failure() const { return failure_; }
  // True when the failure lost the connection: the session must not go back to the pool.
  bool session_broken() const { return session_broken_; }

  // Runs `fn`, which issues statements and returns a Status or a Result<T>. Writes are refused in
  // read-only transactions; after a failed statement nothing runs any more.
  template <typename Fn>
  auto Call(Access access, std::string_view operation, Fn&& fn,
            const ConstraintMeaning& meaning = {}) -> std::invoke_result_t<Fn> {
    if (!failure_.ok()) return failure_;
    if (access == Access::kWrite && mode_ == spi::TransactionMode::kReadOnly) {
      return Internal(std::string(operation) + " was called in a read-only transaction");
    }
    try {
      return std::forward<Fn>(fn)();
    } catch (...) {
      return Fail(operation, meaning);
    }
  }

 private:
  // Records and returns the Status for the exception in flight.
  Status Fail(std::string_view operation, const ConstraintMeaning& meaning);

  soci::session& sql_;
  NativeStatements& statements_;
  const Dialect dialect_;
  const spi::TransactionMode mode_;
  Status failure_;
  bool session_broken_ = false;
};

}  // namespace eventify::storage
