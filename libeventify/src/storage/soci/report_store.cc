#include "storage/soci/report_store.h"

#include <fmt/format.h>
#include <soci/soci.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "storage/soci/escrow_sums.h"
#include "storage/soci/params.h"
#include "storage/soci/row_queries.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

// "AND (<at> > a OR (<at> = a AND <id> > b))" for a position, empty without one.
std::string After(Params& p, const std::optional<spi::ReportPosition>& after,
                  std::string_view at_column, std::string_view id_column) {
  if (!after) return "";
  const std::string at = p.Add(static_cast<long long>(ToMicros(after->at)));
  const std::string at_again = p.Add(static_cast<long long>(ToMicros(after->at)));
  const std::string id = p.Add(after->id);
  return fmt::format(" AND ({0} > {2} OR ({0} = {3} AND {1} > {4}))", at_column, id_column, at,
                     at_again, id);
}

struct EventRow {
  spi::EventSalesRecord record;
  std::string status;
  long long starts_at = 0;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(record.event_id));
    statement.exchange(soci::into(record.title));
    statement.exchange(soci::into(status));
    statement.exchange(soci::into(starts_at));
    statement.exchange(soci::into(record.currency));
  }

  Result<spi::EventSalesRecord> Get() const {
    spi::EventSalesRecord out = record;
    Result<EventStatus> parsed = ParseEventStatus(status);
    if (!parsed.ok()) return BadRow("events");
    out.status = *parsed;
    out.starts_at = FromMicros(starts_at);
    return out;
  }
};

// Sums per event id of a query returning (event id, a, b).
struct Sums {
  long long a = 0;
  long long b = 0;
};

Status SumPerEvent(TransactionContext& context, const std::string& query, Params& p,
                   std::map<std::string, Sums>& out) {
  std::string event_id;
  long long a = 0;
  long long b = 0;
  ForEachRow(
      context.sql(), query,
      [&](soci::statement& statement) {
        statement.exchange(soci::into(event_id));
        statement.exchange(soci::into(a));
        statement.exchange(soci::into(b));
        p.Bind(statement);
      },
      [&] {
        out[event_id] = Sums{a, b};
      });
  return Status::Ok();
}

struct MovementRow {
  spi::MoneyMovementRecord record;
  std::string kind;
  long long created_at = 0;
  long long amount = 0;
  std::string from_kind;
  std::string to_kind;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(record.transfer_id));
    statement.exchange(soci::into(kind));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(amount));
    statement.exchange(soci::into(record.currency));
    statement.exchange(soci::into(record.reference));
    statement.exchange(soci::into(from_kind));
    statement.exchange(soci::into(record.from.owner_id));
    statement.exchange(soci::into(to_kind));
    statement.exchange(soci::into(record.to.owner_id));
  }

  Result<spi::MoneyMovementRecord> Get() const {
    spi::MoneyMovementRecord out = record;
    Result<TransferKind> parsed_kind = ParseTransferKind(kind);
    Result<AccountKind> parsed_from = ParseAccountKind(from_kind);
    Result<AccountKind> parsed_to = ParseAccountKind(to_kind);
    if (!parsed_kind.ok() || !parsed_from.ok() || !parsed_to.ok()) return BadRow("transfers");
    out.kind = *parsed_kind;
    out.created_at = FromMicros(created_at);
    out.amount = amount;
    out.from.kind = *parsed_from;
    out.from.currency = out.currency;
    out.to.kind = *parsed_to;
    out.to.currency = out.currency;
    return out;
  }
};

// " AND <column> >= from AND <column> < until".
std::string InRange(Params& p, std::string_view column, long long from, long long until) {
  std::string condition = fmt::format(" AND {} >= ", column) + p.Add(from);
  condition += fmt::format(" AND {} < ", column) + p.Add(until);
  return condition;
}

}  // namespace

// The page of events reads events_organizer_idx (organizer_id, ...); the figures of the page are
// three statements over the page's ids: the escrow transfers (through the escrow accounts' unique
// key and the transfers' history indexes) and the bookings (bookings_event_idx).
Result<std::vector<spi::EventSalesRecord>> SociReportStore::ListEventSales(
    const spi::EventSalesQuery& query) {
  return context_.Call(
      Access::kRead, "ListEventSales", [&]() -> Result<std::vector<spi::EventSalesRecord>> {
        std::vector<spi::EventSalesRecord> page;
        {
          Params p(context_.dialect());
          // One Add() per statement: placeholders bind in the order they are added.
          std::string sql = "SELECT id, title, status, starts_at, currency FROM events WHERE ";
          sql += "organizer_id = " + p.Add(query.organizer_id);
          sql += " AND status IN ('approved', 'completed', 'cancelled')";
          sql += After(p, query.after, "starts_at", "id");
          sql += " ORDER BY starts_at, id LIMIT " + p.Add(static_cast<long long>(query.limit));
          EV_RETURN_IF_ERROR(SelectInto<EventRow>(context_, sql, p, page));
        }
        if (page.empty()) return page;
        std::vector<std::string> ids;
        for (const auto& row : page) ids.push_back(row.event_id);
        const long long from = ToMicros(query.from);
        const long long until = ToMicros(query.until);

        // The payments in (kDebit), refunds and commission out, of the page's escrows.
        std::vector<EscrowSumRow> flows;
        {
          EscrowSumQuery sums;
          sums.key = EscrowSumKey::kEvent;
          sums.owner_in = [&ids](Params& p) { return " IN " + InList(p, ids); };
          sums.from_micros = from;
          sums.until_micros = until;
          EV_RETURN_IF_ERROR(SumEscrowTransfers(context_, sums, flows));
        }
        std::map<std::string, Sums> confirmed;  // a: bookings, b: seats
        {
          Params p(context_.dialect());
          const std::string in = InList(p, ids);
          const std::string sql =
              "SELECT event_id, COUNT(*), COALESCE(SUM(seats), 0) FROM bookings WHERE event_id "
              "IN " +
              in + " AND status = 'confirmed'" + InRange(p, "confirmed_at", from, until) +
              " GROUP BY event_id";
          EV_RETURN_IF_ERROR(SumPerEvent(context_, sql, p, confirmed));
        }
        std::map<std::string, Sums> refunded;  // a: bookings
        {
          Params p(context_.dialect());
          const std::string in = InList(p, ids);
          const std::string sql =
              "SELECT event_id, COUNT(*), COALESCE(SUM(seats), 0) FROM bookings WHERE event_id "
              "IN " +
              in + " AND status = 'cancelled' AND refund_transfer_id <> ''" +
              InRange(p, "cancelled_at", from, until) + " GROUP BY event_id";
          EV_RETURN_IF_ERROR(SumPerEvent(context_, sql, p, refunded));
        }
        std::map<std::string, spi::EventSalesRecord> money;
        for (const EscrowSumRow& sum : flows) {
          spi::EventSalesRecord& record = money[sum.key];
          if (sum.in && sum.kind == TransferKindName(TransferKind::kDebit)) {
            record.gross += sum.sum;
          } else if (!sum.in && sum.kind == TransferKindName(TransferKind::kRefund)) {
            record.refunds += sum.sum;
          } else if (!sum.in && sum.kind == TransferKindName(TransferKind::kCommission)) {
            record.commission += sum.sum;
          }
        }
        for (auto& row : page) {
          row.gross = money[row.event_id].gross;
          row.refunds = money[row.event_id].refunds;
          row.commission = money[row.event_id].commission;
          row.bookings = confirmed[row.event_id].a;
          row.seats_sold = confirmed[row.event_id].b;
          row.refunded_bookings = refunded[row.event_id].a;
        }
        return page;
      });
}

// Reads transfers_queue_idx (kind, status, created_at, id) for each kind.
Result<std::vector<spi::MoneyMovementRecord>> SociReportStore::ListMoneyMovements(
    const spi::MoneyMovementQuery& query) {
  return context_.Call(
      Access::kRead, "ListMoneyMovements", [&]() -> Result<std::vector<spi::MoneyMovementRecord>> {
        Params p(context_.dialect());
        std::string sql =
            "SELECT t.id, t.kind, t.created_at, t.amount, t.currency, t.reference, fa.kind,"
            " fa.owner_id, ta.kind, ta.owner_id FROM transfers t"
            " JOIN ledger_accounts fa ON fa.id = t.from_account_id"
            " JOIN ledger_accounts ta ON ta.id = t.to_account_id"
            " WHERE t.kind IN ('debit', 'refund', 'commission', 'settlement', 'withdrawal')"
            " AND t.status = 'posted'";
        sql += InRange(p, "t.created_at", ToMicros(query.from), ToMicros(query.until));
        sql +=
            " AND ((t.kind = 'debit' AND ta.kind = 'escrow') OR t.kind = 'withdrawal'"
            " OR (t.kind IN ('refund', 'commission', 'settlement') AND fa.kind = 'escrow'))";
        sql += After(p, query.after, "t.created_at", "t.id");
        sql += " ORDER BY t.created_at, t.id LIMIT " + p.Add(static_cast<long long>(query.limit));
        std::vector<spi::MoneyMovementRecord> page;
        EV_RETURN_IF_ERROR(SelectInto<MovementRow>(context_, sql, p, page));
        return page;
      });
}

}  // namespace eventify::storage
