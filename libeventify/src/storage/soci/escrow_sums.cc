#include "storage/soci/escrow_sums.h"

#include "storage/soci/row_queries.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

// The key's expression and the join it needs.
std::string KeyExpression(Dialect dialect, EscrowSumKey key) {
  switch (key) {
    case EscrowSumKey::kEvent:
      return "a.owner_id";
    case EscrowSumKey::kMonth:
      return MonthOf(dialect, "t.created_at");
    case EscrowSumKey::kCategory:
      return "e.category_id";
    case EscrowSumKey::kNone:
      break;
  }
  return "''";
}

}  // namespace

void EscrowSumReader::Exchange(soci::statement& statement) {
  statement.exchange(soci::into(row.key));
  statement.exchange(soci::into(direction));
  statement.exchange(soci::into(row.kind));
  statement.exchange(soci::into(row.sum));
  statement.exchange(soci::into(row.count));
}

Result<EscrowSumRow> EscrowSumReader::Get() const {
  EscrowSumRow out = row;
  out.in = direction == "in";
  return out;
}

std::string MonthOf(Dialect dialect, std::string_view column) {
  const std::string c(column);
  if (dialect == Dialect::kSqlite) return "strftime('%Y-%m', " + c + " / 1000000, 'unixepoch')";
  return "to_char(to_timestamp(" + c + " / 1000000) AT TIME ZONE 'UTC', 'YYYY-MM')";
}

Status SumEscrowTransfers(TransactionContext& context, const EscrowSumQuery& query,
                          std::vector<EscrowSumRow>& out) {
  Params p(context.dialect());
  const std::string key = KeyExpression(context.dialect(), query.key);
  std::string sql;
  for (const bool in : {true, false}) {
    if (!sql.empty()) sql += " UNION ALL ";
    sql += "SELECT " + key + (in ? ", 'in'" : ", 'out'") +
           ", t.kind, CAST(SUM(t.amount) AS BIGINT), CAST(COUNT(*) AS BIGINT)"
           " FROM ledger_accounts a JOIN transfers t ON t." +
           (in ? "to" : "from") + "_account_id = a.id";
    if (query.key == EscrowSumKey::kCategory) sql += " JOIN events e ON e.id = a.owner_id";
    sql += " WHERE a.kind = 'escrow' AND t.status = 'posted'";
    if (query.owner_in) sql += " AND a.owner_id" + query.owner_in(p);
    if (!query.currency.empty()) sql += " AND a.currency = " + p.Add(query.currency);
    if (query.from_micros) sql += " AND t.created_at >= " + p.Add(*query.from_micros);
    if (query.until_micros) sql += " AND t.created_at < " + p.Add(*query.until_micros);
    sql +=
        " GROUP BY " + (query.key == EscrowSumKey::kNone ? std::string() : key + ", ") + "t.kind";
  }
  return SelectInto<EscrowSumReader>(context, sql, p, out);
}

}  // namespace eventify::storage
