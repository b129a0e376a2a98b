// The admins' money views and analytics of SociAdminStore (admin_store.h): the settlement
// overview's events and totals, an account's entries and their sums, and the platform's sums by
// month, category and event.
#include <soci/soci.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "storage/soci/admin_store.h"
#include "storage/soci/escrow_sums.h"
#include "storage/soci/params.h"
#include "storage/soci/row_queries.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

// " AND <column> >= from AND <column> < until".
std::string InRange(Params& p, std::string_view column, Timestamp from, Timestamp until) {
  const std::string c(column);
  std::string condition = " AND " + c + " >= " + p.Add(static_cast<long long>(ToMicros(from)));
  condition += " AND " + c + " < " + p.Add(static_cast<long long>(ToMicros(until)));
  return condition;
}

// The WHERE condition (without "WHERE") on the events table of `condition`.
std::string ConditionSql(Params& p, const spi::EventSettlementCondition& condition) {
  std::string sql = "status IN (";
  for (std::size_t i = 0; i < condition.statuses.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += p.Add(EventStatusName(condition.statuses[i]));
  }
  sql += ")";
  if (condition.on_hold) {
    sql += " AND on_hold = " + p.Add(static_cast<long long>(*condition.on_hold ? 1 : 0));
  }
  if (condition.settled) {
    sql += *condition.settled ? " AND settled_at IS NOT NULL" : " AND settled_at IS NULL";
  }
  if (condition.ended_by) {
    sql += " AND ends_at <= " + p.Add(static_cast<long long>(ToMicros(*condition.ended_by)));
  }
  if (condition.ending_after) {
    sql += " AND ends_at > " + p.Add(static_cast<long long>(ToMicros(*condition.ending_after)));
  }
  return sql;
}

struct SettlementEventRow {
  spi::SettlementEventRecord record;
  std::string status;
  int on_hold = 0;
  long long ends_at = 0;
  long long settled_at = 0;
  soci::indicator settled_indicator = soci::i_null;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(record.event_id));
    statement.exchange(soci::into(record.title));
    statement.exchange(soci::into(record.organizer_id));
    statement.exchange(soci::into(status));
    statement.exchange(soci::into(on_hold));
    statement.exchange(soci::into(ends_at));
    statement.exchange(soci::into(settled_at, settled_indicator));
    statement.exchange(soci::into(record.currency));
  }

  Result<spi::SettlementEventRecord> Get() const {
    Result<EventStatus> parsed = ParseEventStatus(status);
    if (!parsed.ok()) return BadRow("events");
    spi::SettlementEventRecord out = record;
    out.status = *parsed;
    out.on_hold = on_hold != 0;
    out.ends_at = FromMicros(ends_at);
    if (settled_indicator == soci::i_ok) out.settled_at = FromMicros(settled_at);
    return out;
  }
};

// " AND (<the filter's conditions>)" on transfers t, whose other side's account is c, seen from
// the account filter.account_id; `side` is "to" (money in) or "from" (money out).
std::string EntryConditions(Params& p, const spi::AccountEntryFilter& filter, const char* side) {
  std::string sql = std::string(" AND t.") + side + "_account_id = " + p.Add(filter.account_id);
  sql += " AND t.status = 'posted'";
  if (filter.from) {
    sql += " AND t.created_at >= " + p.Add(static_cast<long long>(ToMicros(*filter.from)));
  }
  if (filter.until) {
    sql += " AND t.created_at < " + p.Add(static_cast<long long>(ToMicros(*filter.until)));
  }
  if (filter.kind) sql += " AND t.kind = " + p.Add(TransferKindName(*filter.kind));
  if (filter.counterparty_kind) {
    sql += " AND c.kind = " + p.Add(AccountKindName(*filter.counterparty_kind));
    sql += " AND c.owner_id = " + p.Add(filter.counterparty_owner_id);
  }
  return sql;
}

struct EntryRow {
  spi::AccountEntryRecord record;
  std::string kind;
  std::string direction;
  long long created_at = 0;
  long long amount = 0;
  std::string counterparty_kind;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(record.transfer_id));
    statement.exchange(soci::into(kind));
    statement.exchange(soci::into(direction));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(amount));
    statement.exchange(soci::into(record.currency));
    statement.exchange(soci::into(counterparty_kind));
    statement.exchange(soci::into(record.counterparty.owner_id));
    statement.exchange(soci::into(record.reference));
  }

  Result<spi::AccountEntryRecord> Get() const {
    Result<TransferKind> parsed_kind = ParseTransferKind(kind);
    Result<AccountKind> parsed_counterparty = ParseAccountKind(counterparty_kind);
    if (!parsed_kind.ok() || !parsed_counterparty.ok()) return BadRow("transfers");
    spi::AccountEntryRecord out = record;
    out.kind = *parsed_kind;
    out.created_at = FromMicros(created_at);
    out.amount = direction == "in" ? amount : -amount;
    out.counterparty.kind = *parsed_counterparty;
    out.counterparty.currency = out.currency;
    return out;
  }
};

// A (key, a, b) row of a grouped count.
struct CountRow {
  std::string key;
  long long a = 0;
  long long b = 0;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(key));
    statement.exchange(soci::into(a));
    statement.exchange(soci::into(b));
  }

  Result<CountRow> Get() const { return *this; }
};

}  // namespace

Result<std::vector<spi::CategoryFlows>> SociAdminStore::SumFlowsByCategory(
    std::string_view currency, Timestamp from, Timestamp until) {
  return context_.Call(Access::kRead, "SumFlowsByCategory",
                       [&]() -> Result<std::vector<spi::CategoryFlows>> {
                         EscrowSumQuery query;
                         query.key = EscrowSumKey::kCategory;
                         query.currency = std::string(currency);
                         query.from_micros = ToMicros(from);
                         query.until_micros = ToMicros(until);
                         std::vector<EscrowSumRow> rows;
                         EV_RETURN_IF_ERROR(SumEscrowTransfers(context_, query, rows));
                         return FoldEscrowFlows(rows, &spi::CategoryFlows::category_id);
                       });
}

// The largest escrows by their transfers in (transfers_to_history_idx), then their flows.
Result<std::vector<spi::EscrowFlows>> SociAdminStore::TopEventFlows(std::string_view currency,
                                                                    Timestamp from, Timestamp until,
                                                                    int limit) {
  return context_.Call(
      Access::kRead, "TopEventFlows", [&]() -> Result<std::vector<spi::EscrowFlows>> {
        Params p(context_.dialect());
        std::string sql =
            "SELECT a.owner_id FROM ledger_accounts a JOIN transfers t ON t.to_account_id = a.id"
            " WHERE a.kind = 'escrow' AND t.status = 'posted' AND a.currency = " +
            p.Add(currency);
        sql += InRange(p, "t.created_at", from, until);
        sql += " GROUP BY a.owner_id ORDER BY SUM(t.amount) DESC, a.owner_id LIMIT " +
               p.Add(static_cast<long long>(limit));
        std::vector<std::string> ids;
        std::string id;
        ForEachRow(
            context_.sql(), sql,
            [&](soci::statement& statement) {
              statement.exchange(soci::into(id));
              p.Bind(statement);
            },
            [&] { ids.push_back(id); });
        if (ids.empty()) return std::vector<spi::EscrowFlows>{};
        EscrowSumQuery query;
        query.key = EscrowSumKey::kEvent;
        query.owner_in = [&ids](Params& q) { return " IN " + InList(q, ids); };
        query.currency = std::string(currency);
        query.from_micros = ToMicros(from);
        query.until_micros = ToMicros(until);
        std::vector<EscrowSumRow> rows;
        EV_RETURN_IF_ERROR(SumEscrowTransfers(context_, query, rows));
        std::vector<spi::EscrowFlows> by_id = FoldEscrowFlows(rows, &spi::EscrowFlows::event_id);
        std::vector<spi::EscrowFlows> out;
        for (const std::string& top : ids) {
          for (const spi::EscrowFlows& flows : by_id) {
            if (flows.event_id == top) out.push_back(flows);
          }
        }
        return out;
      });
}

// Every confirmed booking confirmed in the range, grouped by event.
Result<std::vector<spi::EventSeatsSold>> SociAdminStore::TopEventSeats(Timestamp from,
                                                                       Timestamp until, int limit) {
  return context_.Call(
      Access::kRead, "TopEventSeats", [&]() -> Result<std::vector<spi::EventSeatsSold>> {
        Params p(context_.dialect());
        std::string sql =
            "SELECT event_id, CAST(COUNT(*) AS BIGINT), CAST(SUM(seats) AS BIGINT) FROM bookings"
            " WHERE status = 'confirmed'";
        sql += InRange(p, "confirmed_at", from, until);
        sql += " GROUP BY event_id ORDER BY SUM(seats) DESC, event_id LIMIT " +
               p.Add(static_cast<long long>(limit));
        std::vector<CountRow> rows;
        EV_RETURN_IF_ERROR(SelectInto<CountRow>(context_, sql, p, rows));
        std::vector<spi::EventSeatsSold> out;
        for (const CountRow& row : rows) out.push_back({row.key, row.a, row.b});
        return out;
      });
}

Result<std::vector<spi::MonthBookingCounts>> SociAdminStore::CountBookingsByMonth(Timestamp from,
                                                                                  Timestamp until) {
  return context_.Call(
      Access::kRead, "CountBookingsByMonth", [&]() -> Result<std::vector<spi::MonthBookingCounts>> {
        Params p(context_.dialect());
        const std::string confirmed = MonthOf(context_.dialect(), "confirmed_at");
        const std::string cancelled = MonthOf(context_.dialect(), "cancelled_at");
        std::string sql = "SELECT " + confirmed +
                          ", CAST(COUNT(*) AS BIGINT), CAST(SUM(seats) AS BIGINT) FROM bookings"
                          " WHERE confirmed_at IS NOT NULL";
        sql += InRange(p, "confirmed_at", from, until);
        sql += " GROUP BY " + confirmed;
        std::vector<CountRow> booked;
        EV_RETURN_IF_ERROR(SelectInto<CountRow>(context_, sql, p, booked));
        Params q(context_.dialect());
        sql = "SELECT " + cancelled +
              ", CAST(COUNT(*) AS BIGINT), CAST(SUM(seats) AS BIGINT) FROM bookings"
              " WHERE status = 'cancelled' AND confirmed_at IS NOT NULL";
        sql += InRange(q, "cancelled_at", from, until);
        sql += " GROUP BY " + cancelled;
        std::vector<CountRow> dropped;
        EV_RETURN_IF_ERROR(SelectInto<CountRow>(context_, sql, q, dropped));
        std::map<std::string, spi::MonthBookingCounts> by_month;
        for (const CountRow& row : booked) {
          auto& counts = by_month[row.key];
          counts.month = row.key;
          counts.bookings = row.a;
          counts.seats_booked = row.b;
        }
        for (const CountRow& row : dropped) {
          auto& counts = by_month[row.key];
          counts.month = row.key;
          counts.cancellations = row.a;
          counts.seats_cancelled = row.b;
        }
        std::vector<spi::MonthBookingCounts> out;
        for (auto& [month, counts] : by_month) out.push_back(std::move(counts));
        return out;
      });
}

// From users_newest_idx (created_at, id).
Result<std::vector<spi::MonthCount>> SociAdminStore::CountNewUsersByMonth(Timestamp from,
                                                                          Timestamp until) {
  return context_.Call(
      Access::kRead, "CountNewUsersByMonth", [&]() -> Result<std::vector<spi::MonthCount>> {
        Params p(context_.dialect());
        const std::string month = MonthOf(context_.dialect(), "created_at");
        std::string sql =
            "SELECT " + month + ", CAST(COUNT(*) AS BIGINT), 0 FROM users WHERE 1 = 1";
        sql += InRange(p, "created_at", from, until);
        sql += " GROUP BY " + month + " ORDER BY " + month;
        std::vector<CountRow> rows;
        EV_RETURN_IF_ERROR(SelectInto<CountRow>(context_, sql, p, rows));
        std::vector<spi::MonthCount> out;
        for (const CountRow& row : rows) out.push_back({row.key, row.a});
        return out;
      });
}

// By events_end_idx (status, ends_at), one range per status of the condition.
Result<std::vector<spi::SettlementEventRecord>> SociAdminStore::ListSettlementEvents(
    const spi::SettlementEventQuery& query) {
  return context_.Call(
      Access::kRead, "ListSettlementEvents",
      [&]() -> Result<std::vector<spi::SettlementEventRecord>> {
        Params p(context_.dialect());
        std::string sql =
            "SELECT id, title, organizer_id, status, on_hold, ends_at, settled_at, currency FROM"
            " events WHERE " +
            ConditionSql(p, query.condition);
        if (query.before) {
          const long long at = ToMicros(query.before->created_at);
          sql += " AND ends_at <= " + p.Add(at);
          sql += " AND (ends_at < " + p.Add(at);
          sql += " OR (ends_at = " + p.Add(at);
          sql += " AND id < " + p.Add(query.before->id) + "))";
        }
        sql +=
            " ORDER BY ends_at DESC, id DESC LIMIT " + p.Add(static_cast<long long>(query.limit));
        std::vector<spi::SettlementEventRecord> out;
        EV_RETURN_IF_ERROR(SelectInto<SettlementEventRow>(context_, sql, p, out));
        return out;
      });
}

Result<spi::SettlementTotalsRecord> SociAdminStore::SumSettlementFlows(
    const spi::EventSettlementCondition& condition, std::string_view currency) {
  return context_.Call(
      Access::kRead, "SumSettlementFlows", [&]() -> Result<spi::SettlementTotalsRecord> {
        spi::SettlementTotalsRecord out;
        {
          Params p(context_.dialect());
          const std::string sql = "SELECT COUNT(*) FROM events WHERE " + ConditionSql(p, condition);
          long long count = 0;
          ExecuteBound(context_.sql(), sql, [&](soci::statement& statement) {
            statement.exchange(soci::into(count));
            p.Bind(statement);
          });
          out.events = count;
        }
        EscrowSumQuery query;
        query.key = EscrowSumKey::kNone;
        query.owner_in = [&condition](Params& p) {
          return " IN (SELECT id FROM events WHERE " + ConditionSql(p, condition) + ")";
        };
        query.currency = std::string(currency);
        std::vector<EscrowSumRow> rows;
        EV_RETURN_IF_ERROR(SumEscrowTransfers(context_, query, rows));
        for (const EscrowSumRow& row : rows) AddEscrowSum(out.flows, row);
        return out;
      });
}

// The account's side of each transfer by transfers_to_history_idx and
// transfers_from_history_idx (account, created_at, id).
Result<std::vector<spi::AccountEntryRecord>> SociAdminStore::ListAccountEntries(
    const spi::AccountEntryFilter& filter, const std::optional<spi::Keyset>& before, int limit) {
  return context_.Call(
      Access::kRead, "ListAccountEntries", [&]() -> Result<std::vector<spi::AccountEntryRecord>> {
        Params p(context_.dialect());
        std::string sql;
        for (const bool in : {true, false}) {
          if (!sql.empty()) sql += " UNION ALL ";
          sql += std::string("SELECT t.id AS id, t.kind AS kind, ") + (in ? "'in'" : "'out'") +
                 " AS direction, t.created_at AS created_at, t.amount AS amount, t.currency AS "
                 "currency, c.kind AS ckind, c.owner_id AS cowner, t.reference AS reference FROM "
                 "transfers t JOIN ledger_accounts c ON c.id = t." +
                 (in ? "from" : "to") + "_account_id WHERE 1 = 1";
          sql += EntryConditions(p, filter, in ? "to" : "from");
          if (before) sql += KeysetBefore(p, "t.", *before);
        }
        sql =
            "SELECT id, kind, direction, created_at, amount, currency, ckind, cowner, reference"
            " FROM (" +
            sql + ") x ORDER BY created_at DESC, id DESC LIMIT " +
            p.Add(static_cast<long long>(limit));
        std::vector<spi::AccountEntryRecord> out;
        EV_RETURN_IF_ERROR(SelectInto<EntryRow>(context_, sql, p, out));
        return out;
      });
}

Result<std::vector<spi::AccountEntrySums>> SociAdminStore::SumAccountEntries(
    const spi::AccountEntryFilter& filter) {
  return context_.Call(
      Access::kRead, "SumAccountEntries", [&]() -> Result<std::vector<spi::AccountEntrySums>> {
        Params p(context_.dialect());
        std::string sql;
        for (const bool in : {true, false}) {
          if (!sql.empty()) sql += " UNION ALL ";
          sql += std::string("SELECT t.kind, ") + (in ? "'in'" : "'out'") + ", t.kind" +
                 ", CAST(SUM(t.amount) AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM transfers t JOIN "
                 "ledger_accounts c ON c.id = t." +
                 (in ? "from" : "to") + "_account_id WHERE 1 = 1";
          sql += EntryConditions(p, filter, in ? "to" : "from");
          sql += " GROUP BY t.kind";
        }
        std::vector<EscrowSumRow> rows;
        EV_RETURN_IF_ERROR(SelectInto<EscrowSumReader>(context_, sql, p, rows));
        std::map<std::string, spi::AccountEntrySums> by_kind;
        for (const EscrowSumRow& row : rows) {
          Result<TransferKind> kind = ParseTransferKind(row.kind);
          if (!kind.ok()) return BadRow("transfers");
          spi::AccountEntrySums& sums = by_kind[row.kind];
          sums.kind = *kind;
          (row.in ? sums.in : sums.out) += row.sum;
          sums.entries += row.count;
        }
        std::vector<spi::AccountEntrySums> out;
        for (auto& [name, sums] : by_kind) out.push_back(sums);
        return out;
      });
}

}  // namespace eventify::storage
