// SelectByKeys: the rows whose key column is one of a list of values, through a statement kept
// prepared on the connection (native_statements.h). On SQLite one probe of the column's index per
// distinct value; on PostgreSQL one round trip with the values as an array. An IN list of
// placeholders, the alternative, is parsed and planned again for every call: on the commit path
// (a chat batch, a batch of bookings, the jobs that follow them) that was a large part of the
// work (about 13 ms of each chat batch of 1,000 messages on PostgreSQL).
//
// Thread-safety: none; on the thread running the transaction body.
#pragma once

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "storage/soci/native_statements.h"
#include "storage/soci/row_queries.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

// Appends to `out`, for each distinct value of `keys` (in byte order on SQLite), RowType's Get()
// of every row of "<select> <column> = <value><rest>". `select` is "SELECT <columns> FROM <table>
// WHERE"; RowType reads those columns from a native row (Read(row): SqliteStatement or PgRow).
// `rest` may add conditions, ORDER BY and a lock clause; `bound`, when given, is its one
// parameter ("?" on SQLite, "$2::bigint" on PostgreSQL).
template <typename RowType, typename Value>
Status SelectByKeys(TransactionContext& context, std::string_view select, std::string_view column,
                    std::span<const std::string> keys, std::vector<Value>& out,
                    std::string_view rest = "", std::optional<long long> bound = std::nullopt) {
  const std::vector<std::string_view> distinct = DistinctSorted(keys);
  if (distinct.empty()) return Status::Ok();
  const bool sqlite = context.dialect() == Dialect::kSqlite;
  const std::string text = std::string(select) + " " + std::string(column) +
                           (sqlite ? " = ?" : " = ANY($1::text[])") + std::string(rest);
  if (sqlite) {
    SqliteStatement statement = context.statements().Sqlite(text);
    for (std::string_view key : distinct) {
      statement.Bind(key);
      if (bound) statement.Bind(*bound);
      while (statement.Step()) EV_RETURN_IF_ERROR((AppendNativeRow<RowType>(statement, out)));
      statement.Reset();
    }
    return Status::Ok();
  }
  PgArray list;
  for (std::string_view key : distinct) list.Add(key);
  std::vector<std::string> parameters{list.Finish()};
  if (bound) parameters.push_back(std::to_string(*bound));
  return AppendPgRows<RowType>(context.statements().Postgres(text, parameters), out);
}

// As SelectByKeys for a key of two columns: the rows whose (first, second) is one of the distinct
// pairs of `keys`, through an index that leads with both. On PostgreSQL the pairs travel as two
// arrays of equal length, joined back by unnest.
template <typename RowType, typename Value>
Status SelectByKeyPairs(TransactionContext& context, std::string_view select,
                        std::string_view first, std::string_view second,
                        std::span<const std::pair<std::string, std::string>> keys,
                        std::vector<Value>& out) {
  std::vector<std::pair<std::string_view, std::string_view>> distinct(keys.begin(), keys.end());
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (distinct.empty()) return Status::Ok();
  if (context.dialect() == Dialect::kSqlite) {
    SqliteStatement statement = context.statements().Sqlite(
        std::string(select) + " " + std::string(first) + " = ? AND " + std::string(second) +
        " = ?");
    for (const auto& [a, b] : distinct) {
      statement.Bind(a);
      statement.Bind(b);
      while (statement.Step()) EV_RETURN_IF_ERROR((AppendNativeRow<RowType>(statement, out)));
      statement.Reset();
    }
    return Status::Ok();
  }
  PgArray firsts, seconds;
  for (const auto& [a, b] : distinct) {
    firsts.Add(a);
    seconds.Add(b);
  }
  return AppendPgRows<RowType>(
      context.statements().Postgres(
          std::string(select) + " (" + std::string(first) + ", " + std::string(second) +
              ") IN (SELECT * FROM unnest($1::text[], $2::text[]))",
          {firsts.Finish(), seconds.Finish()}),
      out);
}

}  // namespace eventify::storage
