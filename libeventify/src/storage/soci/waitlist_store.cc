#include "storage/soci/waitlist_store.h"

#include <soci/soci.h>

#include <optional>
#include <string>
#include <vector>

#include "core/status_macros.h"
#include "storage/soci/params.h"
#include "storage/soci/row_queries.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

constexpr std::string_view kEntryColumns =
    "id, event_id, user_id, seq, seats, status, booking_id, joined_at, offered_at, "
    "offer_expires_at";

Status EntryNotFound() {
  return NotFound("waitlist_entry_not_found", "there is no such waitlist entry");
}

struct EntryRow {
  spi::WaitlistRecord record;
  long long seq = 0;
  std::string status;
  long long joined_at = 0;
  long long offered_at = 0;
  soci::indicator offered_indicator = soci::i_null;
  long long offer_expires_at = 0;
  soci::indicator expires_indicator = soci::i_null;

  void Exchange(soci::statement& statement) {
    WaitlistEntry& e = record.entry;
    statement.exchange(soci::into(e.id));
    statement.exchange(soci::into(e.event_id));
    statement.exchange(soci::into(e.user_id));
    statement.exchange(soci::into(seq));
    statement.exchange(soci::into(e.seats));
    statement.exchange(soci::into(status));
    statement.exchange(soci::into(e.booking_id));
    statement.exchange(soci::into(joined_at));
    statement.exchange(soci::into(offered_at, offered_indicator));
    statement.exchange(soci::into(offer_expires_at, expires_indicator));
  }

  Result<spi::WaitlistRecord> Get() const {
    spi::WaitlistRecord out = record;
    auto parsed = ParseWaitlistStatus(status);
    if (!parsed.ok()) return BadRow("waitlist_entries");
    out.seq = seq;
    out.entry.status = *parsed;
    out.entry.joined_at = FromMicros(joined_at);
    out.entry.offered_at.reset();
    if (offered_indicator == soci::i_ok) out.entry.offered_at = FromMicros(offered_at);
    out.entry.offer_expires_at.reset();
    if (expires_indicator == soci::i_ok) out.entry.offer_expires_at = FromMicros(offer_expires_at);
    return out;
  }
};

}  // namespace

Status SociWaitlistStore::InsertEntry(const spi::WaitlistRecord& record) {
  return context_.Call(
      Access::kWrite, "InsertEntry",
      [&]() -> Status {
        const WaitlistEntry& e = record.entry;
        Params p(context_.dialect());
        std::string query = "INSERT INTO waitlist_entries (" + std::string(kEntryColumns) +
                            ") VALUES (" + p.Add(e.id);
        query += ", " + p.Add(e.event_id);
        query += ", " + p.Add(e.user_id);
        query += ", " + p.Add(static_cast<long long>(record.seq));
        query += ", " + p.Add(static_cast<long long>(e.seats));
        query += ", " + p.Add(WaitlistStatusName(e.status));
        query += ", " + p.Add(e.booking_id);
        query += ", " + p.Add(static_cast<long long>(ToMicros(e.joined_at)));
        query += ", " + p.Add(MicrosOf(e.offered_at));
        query += ", " + p.Add(MicrosOf(e.offer_expires_at)) + ")";
        ExecuteBound(context_.sql(), query, [&](soci::statement& s) { p.Bind(s); });
        return Status::Ok();
      },
      {.unique = AlreadyExists("waitlist_entry_exists",
                               "this waitlist entry, its place or its user's wait exists")});
}

Status SociWaitlistStore::UpdateEntry(const spi::WaitlistRecord& record) {
  return context_.Call(Access::kWrite, "UpdateEntry", [&]() -> Status {
    const WaitlistEntry& e = record.entry;
    Params p(context_.dialect());
    std::string query = "UPDATE waitlist_entries SET status = " + p.Add(WaitlistStatusName(e.status));
    query += ", booking_id = " + p.Add(e.booking_id);
    query += ", offered_at = " + p.Add(MicrosOf(e.offered_at));
    query += ", offer_expires_at = " + p.Add(MicrosOf(e.offer_expires_at));
    query += " WHERE id = " + p.Add(e.id);
    const Executed updated =
        ExecuteBound(context_.sql(), query, [&](soci::statement& s) { p.Bind(s); });
    return updated.affected_rows == 0 ? EntryNotFound() : Status::Ok();
  });
}

Status SociWaitlistStore::DeleteEntry(std::string_view id) {
  return context_.Call(Access::kWrite, "DeleteEntry", [&]() -> Status {
    std::string key(id);
    const Executed deleted =
        Execute(context_.sql(), "DELETE FROM waitlist_entries WHERE id = :id", soci::use(key));
    return deleted.affected_rows == 0 ? EntryNotFound() : Status::Ok();
  });
}

Result<std::vector<spi::WaitlistRecord>> SociWaitlistStore::FindUserEntries(
    std::string_view event_id, std::string_view user_id) {
  return context_.Call(
      Access::kRead, "FindUserEntries", [&]() -> Result<std::vector<spi::WaitlistRecord>> {
        Params p(context_.dialect());
        std::string query = "SELECT " + std::string(kEntryColumns) +
                            " FROM waitlist_entries WHERE user_id = " + p.Add(user_id);
        query += " AND event_id = " + p.Add(event_id) + " ORDER BY seq DESC";
        std::vector<spi::WaitlistRecord> out;
        EV_RETURN_IF_ERROR((SelectInto<EntryRow>(context_, query, p, out)));
        return out;
      });
}

Result<std::int64_t> SociWaitlistStore::LastSeq(std::string_view event_id) {
  return context_.Call(Access::kRead, "LastSeq", [&]() -> Result<std::int64_t> {
    std::string id(event_id);
    long long last = 0;
    Execute(context_.sql(), "SELECT COALESCE(MAX(seq), 0) FROM waitlist_entries WHERE event_id = :id",
            soci::into(last), soci::use(id));
    return static_cast<std::int64_t>(last);
  });
}

Result<std::int64_t> SociWaitlistStore::CountWaitingUpTo(std::string_view event_id,
                                                        std::int64_t seq) {
  return context_.Call(Access::kRead, "CountWaitingUpTo", [&]() -> Result<std::int64_t> {
    std::string id(event_id);
    long long up_to = seq;
    long long count = 0;
    Execute(context_.sql(),
            "SELECT COUNT(*) FROM waitlist_entries WHERE status = 'waiting' AND event_id = :id "
            "AND seq <= :seq",
            soci::into(count), soci::use(id), soci::use(up_to));
    return static_cast<std::int64_t>(count);
  });
}

Result<std::vector<spi::WaitlistRecord>> SociWaitlistStore::ListWaiting(std::string_view event_id,
                                                                       std::int64_t after_seq,
                                                                       std::int32_t max_seats,
                                                                       int limit) {
  return context_.Call(
      Access::kRead, "ListWaiting", [&]() -> Result<std::vector<spi::WaitlistRecord>> {
        Params p(context_.dialect());
        std::string query = "SELECT " + std::string(kEntryColumns) +
                            " FROM waitlist_entries WHERE status = 'waiting' AND event_id = " +
                            p.Add(event_id);
        query += " AND seq > " + p.Add(static_cast<long long>(after_seq));
        query += " AND seats <= " + p.Add(static_cast<long long>(max_seats));
        query += " ORDER BY seq LIMIT " + p.Add(static_cast<long long>(limit));
        std::vector<spi::WaitlistRecord> out;
        EV_RETURN_IF_ERROR((SelectInto<EntryRow>(context_, query, p, out)));
        return out;
      });
}

Result<std::vector<std::string>> SociWaitlistStore::ListEventsToServe(Timestamp now, int limit) {
  return context_.Call(Access::kRead, "ListEventsToServe", [&]() -> Result<std::vector<std::string>> {
    return SelectIdsUpTo(
        context_.sql(),
        "SELECT DISTINCT e.id FROM events e JOIN waitlist_entries w ON w.event_id = e.id "
        "WHERE w.status = 'waiting' AND e.status = 'approved' AND e.on_hold = 0 "
        "AND e.starts_at > :at AND w.seats <= e.capacity - e.seats_sold - e.seats_held "
        "ORDER BY e.id LIMIT :limit",
        ToMicros(now), limit);
  });
}

}  // namespace eventify::storage
