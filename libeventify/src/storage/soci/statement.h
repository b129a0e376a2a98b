// One helper through which the SOCI storage runs every statement, except the batched INSERTs and
// UPDATEs of the ledger's commit path: with hundreds of values each, SOCI's per-value use()
// binding cost more than the statement, so ledger_repository.cc (Params::Run) binds those
// natively (sqlite3_bind_*, or one PQexecParams) and reports failures as the same SOCI errors.
//
// Why not `session << query, into(..), use(..)`: it cannot report the affected row count. Why not
// `session.prepare`: on PostgreSQL each prepared statement costs a PREPARE and a DEALLOCATE round
// trip. Execute runs the statement as a SOCI "one-time query" (PQexecParams on PostgreSQL) and
// returns both whether a row was fetched and how many rows were changed.
//
// Binding rules (SOCI 4.0.3): bind 64-bit values as `long long`, booleans as int, NULLable columns
// with an indicator, and only lvalues that outlive the call (never `use(std::string("x"))`).
// Placeholders are bound by position, so a placeholder name must not appear twice in a query.
#pragma once

#include <soci/soci.h>

#include <string>
#include <utility>
#include <vector>

namespace eventify::storage {

struct Executed {
  bool got_row = false;         // a row was fetched into the into() elements
  long long affected_rows = 0;  // rows inserted, updated or deleted
};

// Execute for statements assembled at run time (optional filters, multi-row VALUES lists):
// `bind(statement)` exchanges the into() and use() elements, the use() ones in placeholder order.
template <typename Bind>
Executed ExecuteBound(soci::session& sql, const std::string& query, Bind&& bind) {
  soci::statement statement(sql);
  statement.alloc();
  std::forward<Bind>(bind)(statement);
  statement.prepare(query, soci::details::st_one_time_query);
  statement.define_and_bind();
  Executed executed;
  executed.got_row = statement.execute(true);
  executed.affected_rows = statement.get_affected_rows();
  return executed;
}

// ExecuteBound for a statement whose elements are known at compile time. Both throw
// soci::soci_error (and subclasses) on failure; callers classify the exception.
template <typename... Elements>
Executed Execute(soci::session& sql, const std::string& query, Elements&&... elements) {
  return ExecuteBound(sql, query, [&](soci::statement& statement) {
    (statement.exchange(std::forward<Elements>(elements)), ...);
  });
}

// Runs a query that yields any number of rows: `bind(statement)` exchanges scalar into() and
// use() elements as for ExecuteBound, and `on_row()` is called after each row was fetched into
// them. Returns the number of rows. libpq holds the whole result in memory: bound the rows with
// LIMIT (keyset pagination) unless the table is known to be small.
template <typename Bind, typename OnRow>
long long ForEachRow(soci::session& sql, const std::string& query, Bind&& bind, OnRow&& on_row) {
  soci::statement statement(sql);
  statement.alloc();
  std::forward<Bind>(bind)(statement);
  statement.prepare(query, soci::details::st_one_time_query);
  statement.define_and_bind();
  long long rows = 0;
  for (bool got_row = statement.execute(true); got_row; got_row = statement.fetch()) {
    on_row();
    ++rows;
  }
  return rows;
}

// The values of a query's one text column, `at` and `limit` bound in that order (a list of ids
// up to a time, at most `limit` of them).
inline std::vector<std::string> SelectIdsUpTo(soci::session& sql, const std::string& query,
                                              long long at, int limit) {
  std::vector<std::string> ids;
  std::string id;
  ForEachRow(
      sql, query,
      [&](soci::statement& statement) {
        statement.exchange(soci::into(id));
        statement.exchange(soci::use(at));
        statement.exchange(soci::use(limit));
      },
      [&] { ids.push_back(id); });
  return ids;
}

}  // namespace eventify::storage
