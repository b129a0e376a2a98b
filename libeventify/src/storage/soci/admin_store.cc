#include "storage/soci/admin_store.h"

#include <soci/soci.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "storage/soci/escrow_sums.h"
#include "storage/soci/params.h"
#include "storage/soci/review_store.h"
#include "storage/soci/row_queries.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

Status AuditEntryExists() {
  return AlreadyExists("audit_entry_exists", "an audit entry with this id exists");
}

struct AuditRow {
  AuditEntry entry;
  std::string action;
  long long created_at = 0;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(entry.id));
    statement.exchange(soci::into(entry.actor_id));
    statement.exchange(soci::into(action));
    statement.exchange(soci::into(entry.target_user_id));
    statement.exchange(soci::into(entry.from));
    statement.exchange(soci::into(entry.to));
    statement.exchange(soci::into(created_at));
  }

  Result<AuditEntry> Get() const {
    Result<AuditAction> parsed = ParseAuditAction(action);
    if (!parsed.ok()) return BadRow("admin_audit_log");
    AuditEntry out = entry;
    out.action = *parsed;
    out.created_at = FromMicros(created_at);
    return out;
  }
};

// A (key, label, sum) row of the seat counts below.
struct SumRow {
  std::string key;
  std::string label;
  long long sum = 0;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(key));
    statement.exchange(soci::into(label));
    statement.exchange(soci::into(sum));
  }

  SumRow Get() const { return *this; }
};

}  // namespace

Status SociAdminStore::InsertAuditEntry(const AuditEntry& entry) {
  return context_.Call(
      Access::kWrite, "InsertAuditEntry",
      [&]() -> Status {
        std::string id = entry.id;
        std::string actor = entry.actor_id;
        std::string action(AuditActionName(entry.action));
        std::string target = entry.target_user_id;
        std::string from = entry.from;
        std::string to = entry.to;
        long long at = ToMicros(entry.created_at);
        Execute(context_.sql(),
                "INSERT INTO admin_audit_log (id, actor_id, action, target_id, from_value, "
                "to_value, created_at) VALUES (:id, :actor, :action, :target, :from_value, "
                ":to_value, :at)",
                soci::use(id), soci::use(actor), soci::use(action), soci::use(target),
                soci::use(from), soci::use(to), soci::use(at));
        return Status::Ok();
      },
      {.unique = AuditEntryExists()});
}

// Newest first from admin_audit_log_newest_idx (created_at, id), or for one user from
// admin_audit_log_target_idx (target_id, created_at, id).
Result<std::vector<AuditEntry>> SociAdminStore::ListAuditEntries(
    std::string_view target_user_id, const std::optional<spi::Keyset>& before, int limit) {
  return context_.Call(Access::kRead, "ListAuditEntries", [&]() -> Result<std::vector<AuditEntry>> {
    Params p(context_.dialect());
    std::string query =
        "SELECT id, actor_id, action, target_id, from_value, to_value, created_at "
        "FROM admin_audit_log WHERE 1 = 1";
    if (!target_user_id.empty()) query += " AND target_id = " + p.Add(target_user_id);
    if (before) query += KeysetBefore(p, "", *before);
    query += " ORDER BY created_at DESC, id DESC LIMIT ";
    query += p.Add(static_cast<long long>(limit));
    std::vector<AuditEntry> out;
    EV_RETURN_IF_ERROR(SelectInto<AuditRow>(context_, query, p, out));
    return out;
  });
}

// Counted from organizer_profiles_queue_idx (status, submitted_at, user_id).
Result<std::int64_t> SociAdminStore::CountOrganizerProfiles(OrganizerStatus status) {
  return context_.Call(Access::kRead, "CountOrganizerProfiles", [&]() -> Result<std::int64_t> {
    std::string name(OrganizerStatusName(status));
    long long count = 0;
    Execute(context_.sql(), "SELECT COUNT(*) FROM organizer_profiles WHERE status = :status",
            soci::into(count), soci::use(name));
    return count;
  });
}

// Counted from events_listing_idx (status, on_hold, starts_at, id).
Result<std::int64_t> SociAdminStore::CountEvents(EventStatus status, std::optional<bool> on_hold) {
  return context_.Call(Access::kRead, "CountEvents", [&]() -> Result<std::int64_t> {
    Params p(context_.dialect());
    std::string query =
        "SELECT COUNT(*) FROM events WHERE status = " + p.Add(EventStatusName(status));
    if (on_hold) query += " AND on_hold = " + p.Add(static_cast<long long>(*on_hold ? 1 : 0));
    long long count = 0;
    ExecuteBound(context_.sql(), query, [&](soci::statement& statement) {
      statement.exchange(soci::into(count));
      p.Bind(statement);
    });
    return count;
  });
}

// Through SumEscrowTransfers (escrow_sums.h), a chunk of ids at a time.
Result<std::vector<spi::EscrowFlows>> SociAdminStore::SumEscrowFlows(
    std::span<const std::string> event_ids, std::string_view currency) {
  return context_.Call(
      Access::kRead, "SumEscrowFlows", [&]() -> Result<std::vector<spi::EscrowFlows>> {
        std::vector<EscrowSumRow> rows;
        EV_RETURN_IF_ERROR(ForChunks(event_ids, [&](std::span<const std::string> chunk) {
          EscrowSumQuery query;
          query.key = EscrowSumKey::kEvent;
          query.owner_in = [chunk](Params& p) { return " IN " + InList(p, chunk); };
          query.currency = std::string(currency);
          return SumEscrowTransfers(context_, query, rows);
        }));
        return FoldEscrowFlows(rows, &spi::EscrowFlows::event_id);
      });
}

// The organizer's events by events_organizer_idx, then as SumEscrowFlows by month.
Result<std::vector<spi::MonthFlows>> SociAdminStore::SumOrganizerFlowsByMonth(
    std::string_view organizer_id, std::string_view currency, Timestamp from, Timestamp until) {
  return context_.Call(
      Access::kRead, "SumOrganizerFlowsByMonth", [&]() -> Result<std::vector<spi::MonthFlows>> {
        EscrowSumQuery query;
        query.key = EscrowSumKey::kMonth;
        if (!organizer_id.empty()) {
          query.owner_in = [organizer_id](Params& p) {
            return " IN (SELECT id FROM events WHERE organizer_id = " + p.Add(organizer_id) + ")";
          };
        }
        query.currency = std::string(currency);
        query.from_micros = ToMicros(from);
        query.until_micros = ToMicros(until);
        std::vector<EscrowSumRow> rows;
        EV_RETURN_IF_ERROR(SumEscrowTransfers(context_, query, rows));
        return FoldEscrowFlows(rows, &spi::MonthFlows::month);
      });
}

Result<std::vector<std::string>> SociAdminStore::TopOrganizerEvents(std::string_view organizer_id,
                                                                    std::string_view currency,
                                                                    int limit) {
  return context_.Call(
      Access::kRead, "TopOrganizerEvents", [&]() -> Result<std::vector<std::string>> {
        Params p(context_.dialect());
        std::string query =
            "SELECT e.id FROM events e JOIN ledger_accounts a ON a.kind = 'escrow' AND a.owner_id "
            "= "
            "e.id JOIN transfers t ON t.to_account_id = a.id WHERE e.organizer_id = ";
        query += p.Add(organizer_id);
        query += " AND a.currency = ";
        query += p.Add(currency);
        query += " AND t.status = 'posted' GROUP BY e.id ORDER BY SUM(t.amount) DESC, e.id LIMIT ";
        query += p.Add(static_cast<long long>(limit));
        std::vector<std::string> ids;
        std::string id;
        ForEachRow(
            context_.sql(), query,
            [&](soci::statement& statement) {
              statement.exchange(soci::into(id));
              p.Bind(statement);
            },
            [&] { ids.push_back(id); });
        return ids;
      });
}

// Tickets by tickets_event_idx (event_id); bookings by bookings_event_idx (event_id, status, ...).
Result<std::vector<spi::EventSeatCounts>> SociAdminStore::CountEventSeats(
    std::span<const std::string> event_ids, Timestamp now) {
  return context_.Call(
      Access::kRead, "CountEventSeats", [&]() -> Result<std::vector<spi::EventSeatCounts>> {
        std::vector<SumRow> rows;
        EV_RETURN_IF_ERROR(ForChunks(event_ids, [&](std::span<const std::string> chunk) {
          Params p(context_.dialect());
          std::string query =
              "SELECT event_id, 'checked_in', CAST(COUNT(*) AS BIGINT) FROM tickets WHERE "
              "event_id IN ";
          query += InList(p, chunk);
          query +=
              " AND checked_in_at IS NOT NULL GROUP BY event_id UNION ALL SELECT event_id, "
              "'cancelled', CAST(SUM(seats) AS BIGINT) FROM bookings WHERE event_id IN ";
          query += InList(p, chunk);
          query +=
              " AND status = 'cancelled' AND confirmed_at IS NOT NULL GROUP BY event_id "
              "UNION ALL SELECT event_id, 'held', CAST(SUM(seats) AS BIGINT) FROM bookings "
              "WHERE event_id IN ";
          query += InList(p, chunk);
          query += " AND status = 'held' AND hold_expires_at > ";
          query += p.Add(static_cast<long long>(ToMicros(now)));
          query += " GROUP BY event_id";
          return SelectInto<SumRow>(context_, query, p, rows);
        }));
        std::map<std::string, spi::EventSeatCounts> by_event;
        for (const SumRow& row : rows) {
          spi::EventSeatCounts& counts = by_event[row.key];
          counts.event_id = row.key;
          if (row.label == "checked_in") {
            counts.checked_in += row.sum;
          } else if (row.label == "held") {
            counts.held += row.sum;
          } else {
            counts.cancelled += row.sum;
          }
        }
        std::vector<spi::EventSeatCounts> out;
        for (auto& [id, counts] : by_event) out.push_back(std::move(counts));
        return out;
      });
}

// From reviews_organizer_idx (organizer_id, created_at, id) of the visible reviews.
Result<std::vector<Review>> SociAdminStore::ListOrganizerReviews(std::string_view organizer_id,
                                                                 int limit) {
  return context_.Call(Access::kRead, "ListOrganizerReviews", [&]() -> Result<std::vector<Review>> {
    Params p(context_.dialect());
    std::string tail = " WHERE r.organizer_id = " + p.Add(organizer_id);
    tail += " AND r.removed_at IS NULL ORDER BY r.created_at DESC, r.id DESC LIMIT ";
    tail += p.Add(static_cast<long long>(limit));
    return SelectReviews(context_, tail, p);
  });
}

}  // namespace eventify::storage
