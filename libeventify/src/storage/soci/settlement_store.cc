#include "storage/soci/settlement_store.h"

#include <soci/soci.h>

#include <string>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "storage/soci/params.h"
#include "storage/soci/row_queries.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

Status SettlementExists() {
  return AlreadyExists("settlement_exists", "this event is settled already");
}

// The columns of event_settlements as fetched, and the record they make.
struct SettlementRow {
  spi::SettlementRecord record;
  long long gross = 0;
  long long commission = 0;
  long long net = 0;
  long long settled_at = 0;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(record.event_id));
    statement.exchange(soci::into(record.organizer_id));
    statement.exchange(soci::into(record.gross.currency));
    statement.exchange(soci::into(gross));
    statement.exchange(soci::into(commission));
    statement.exchange(soci::into(net));
    statement.exchange(soci::into(record.commission_bps));
    statement.exchange(soci::into(record.settlement_transfer_id));
    statement.exchange(soci::into(record.commission_transfer_id));
    statement.exchange(soci::into(record.settled_by));
    statement.exchange(soci::into(settled_at));
  }

  spi::SettlementRecord Get() const {
    spi::SettlementRecord out = record;
    out.gross.minor_units = gross;
    out.commission = commission;
    out.net = net;
    out.settled_at = FromMicros(settled_at);
    return out;
  }
};

// Followed by the condition on event_id.
constexpr std::string_view kSelectSettlements =
    "SELECT event_id, organizer_id, currency, gross, commission, net, commission_bps, "
    "settlement_transfer_id, commission_transfer_id, settled_by, settled_at "
    "FROM event_settlements WHERE ";

}  // namespace

// ON CONFLICT DO NOTHING, so that a second insert answers settlement_exists without failing the
// transaction (PostgreSQL aborts a transaction on a failed statement).
Status SociSettlementStore::InsertSettlement(const spi::SettlementRecord& record) {
  return context_.Call(
      Access::kWrite, "InsertSettlement",
      [&]() -> Status {
        std::string event_id = record.event_id;
        std::string organizer_id = record.organizer_id;
        std::string currency = record.gross.currency;
        long long gross = record.gross.minor_units;
        long long commission = record.commission;
        long long net = record.net;
        int bps = record.commission_bps;
        std::string settlement_transfer = record.settlement_transfer_id;
        std::string commission_transfer = record.commission_transfer_id;
        std::string settled_by = record.settled_by;
        long long settled_at = ToMicros(record.settled_at);
        const Executed inserted = Execute(
            context_.sql(),
            "INSERT INTO event_settlements (event_id, organizer_id, currency, gross, commission, "
            "net, commission_bps, settlement_transfer_id, commission_transfer_id, settled_by, "
            "settled_at) VALUES (:event_id, :organizer_id, :currency, :gross, :commission, :net, "
            ":bps, :settlement_transfer, :commission_transfer, :settled_by, :settled_at) "
            "ON CONFLICT DO NOTHING",
            soci::use(event_id), soci::use(organizer_id), soci::use(currency), soci::use(gross),
            soci::use(commission), soci::use(net), soci::use(bps), soci::use(settlement_transfer),
            soci::use(commission_transfer), soci::use(settled_by), soci::use(settled_at));
        if (inserted.affected_rows != 1) return SettlementExists();
        std::string id = record.event_id;
        long long at = ToMicros(record.settled_at);
        const Executed marked =
            Execute(context_.sql(), "UPDATE events SET settled_at = :at WHERE id = :id",
                    soci::use(at), soci::use(id));
        if (marked.affected_rows != 1) {
          return NotFound("event_not_found", "there is no such event");
        }
        return Status::Ok();
      },
      {.unique = SettlementExists()});
}

Result<spi::SettlementRecord> SociSettlementStore::FindSettlement(std::string_view event_id) {
  return context_.Call(Access::kRead, "FindSettlement", [&]() -> Result<spi::SettlementRecord> {
    Params p(context_.dialect());
    std::vector<spi::SettlementRecord> found;
    EV_RETURN_IF_ERROR((SelectInto<SettlementRow>(
        context_, std::string(kSelectSettlements) + "event_id = " + p.Add(event_id), p, found)));
    if (found.empty()) return NotFound("settlement_not_found", "this event is not settled");
    return std::move(found.front());
  });
}

// `event_id IN (...)` over the primary key: one statement per kChunk ids (a page is one).
Result<std::vector<spi::SettlementRecord>> SociSettlementStore::FindSettlements(
    std::span<const std::string> event_ids) {
  return context_.Call(
      Access::kRead, "FindSettlements", [&]() -> Result<std::vector<spi::SettlementRecord>> {
        std::vector<spi::SettlementRecord> out;
        EV_RETURN_IF_ERROR(ForChunks(event_ids, [&](std::span<const std::string> chunk) {
          Params p(context_.dialect());
          return SelectInto<SettlementRow>(
              context_, std::string(kSelectSettlements) + "event_id IN " + InList(p, chunk), p,
              out);
        }));
        return out;
      });
}

// Reads the partial index events_unsettled_idx (ends_at, id), whose condition the WHERE repeats
// word for word so that the database may use it. SQLite is told to (INDEXED BY): without
// statistics its planner prefers events_end_idx (status, ends_at), which would walk every
// completed event, settled or not.
Result<std::vector<std::string>> SociSettlementStore::ListUnsettledEnded(Timestamp ended_by,
                                                                        int limit) {
  return context_.Call(Access::kRead, "ListUnsettledEnded", [&]() -> Result<std::vector<std::string>> {
    const std::string from = context_.dialect() == Dialect::kSqlite
                                 ? "events INDEXED BY events_unsettled_idx"
                                 : "events";
    return SelectIdsUpTo(
        context_.sql(),
        "SELECT id FROM " + from +
            " WHERE settled_at IS NULL AND status IN ('approved', 'completed') AND ends_at <= :at"
            " AND on_hold = 0 ORDER BY ends_at, id LIMIT :limit",
        ToMicros(ended_by), limit);
  });
}

}  // namespace eventify::storage
