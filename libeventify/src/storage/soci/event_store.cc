#include "storage/soci/event_store.h"

#include <soci/soci.h>

#include <array>
#include <string>
#include <vector>

#include "storage/soci/params.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

Status ProfileNotFound() {
  return NotFound("no_organizer_profile", "there is no organizer profile for this account");
}
Status CategoryNotFound() { return NotFound("category_not_found", "there is no such category"); }
Status CategoryExists() {
  return AlreadyExists("category_exists", "a category with this name already exists", "name");
}
Status EventNotFound() { return NotFound("event_not_found", "there is no such event"); }
Status BadRow(const char* table) { return Internal(std::string("a ") + table + " row is invalid"); }

// A NULLable column bound and fetched with an indicator.
template <typename T>
struct Nullable {
  T value{};
  soci::indicator indicator = soci::i_null;

  void Set(T v) {
    value = std::move(v);
    indicator = soci::i_ok;
  }
  bool present() const { return indicator == soci::i_ok; }
};

Nullable<long long> MicrosOf(const std::optional<Timestamp>& at) {
  Nullable<long long> out;
  if (at) out.Set(ToMicros(*at));
  return out;
}

std::optional<Timestamp> TimestampOf(const Nullable<long long>& micros) {
  if (!micros.present()) return std::nullopt;
  return FromMicros(micros.value);
}

// The key that makes category names unique: ASCII letters lower-cased.
std::string CategoryNameKeyOf(std::string_view name) {
  std::string key(name);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  }
  return key;
}

// " AND c >= k AND (c > k OR (c = k AND id_column > id))": the rows after `after` in (c, id)
// ascending order; the redundant first condition gives the index scan a start.
std::string KeysetAfter(Params& p, std::string_view column, std::string_view id_column,
                        const spi::Keyset& after) {
  const std::string c(column);
  const long long at = ToMicros(after.created_at);
  std::string where = " AND " + c + " >= " + p.Add(at);
  where += " AND (" + c + " > " + p.Add(at);
  where += " OR (" + c + " = " + p.Add(at);
  where += " AND " + std::string(id_column) + " > " + p.Add(after.id) + "))";
  return where;
}

// ---- Organizer profiles ----------------------------------------------------------------------

constexpr std::string_view kProfileColumns =
    "user_id, organisation_name, about, contact, status, reject_cause, review_note, "
    "submitted_at, reviewed_at, updated_at";

struct ProfileRow {
  OrganizerProfile profile;
  std::string status;
  Nullable<std::string> reject_cause;
  long long submitted_at = 0;
  Nullable<long long> reviewed_at;
  long long updated_at = 0;

  static ProfileRow From(const OrganizerProfile& profile) {
    ProfileRow row;
    row.profile = profile;
    row.status = std::string(OrganizerStatusName(profile.status));
    if (profile.reject_cause) {
      row.reject_cause.Set(std::string(OrganizerRejectCauseName(*profile.reject_cause)));
    }
    row.submitted_at = ToMicros(profile.submitted_at);
    row.reviewed_at = MicrosOf(profile.reviewed_at);
    row.updated_at = ToMicros(profile.updated_at);
    return row;
  }

  // The into() elements of kProfileColumns, or the use() elements of an INSERT of them.
  template <typename Element>
  void Exchange(soci::statement& statement, Element element) {
    statement.exchange(element(profile.user_id));
    statement.exchange(element(profile.organisation_name));
    statement.exchange(element(profile.about));
    statement.exchange(element(profile.contact));
    statement.exchange(element(status));
    statement.exchange(element(reject_cause.value, reject_cause.indicator));
    statement.exchange(element(profile.review_note));
    statement.exchange(element(submitted_at));
    statement.exchange(element(reviewed_at.value, reviewed_at.indicator));
    statement.exchange(element(updated_at));
  }

  Result<OrganizerProfile> Get() const {
    OrganizerProfile out = profile;
    auto parsed = ParseOrganizerStatus(status);
    if (!parsed.ok()) return BadRow("organizer_profiles");
    out.status = *parsed;
    out.reject_cause.reset();
    if (reject_cause.present()) {
      auto cause = ParseOrganizerRejectCause(reject_cause.value);
      if (!cause.ok()) return BadRow("organizer_profiles");
      out.reject_cause = *cause;
    }
    out.submitted_at = FromMicros(submitted_at);
    out.reviewed_at = TimestampOf(reviewed_at);
    out.updated_at = FromMicros(updated_at);
    return out;
  }
};

// The into() and use() element makers Exchange takes.
struct Into {
  template <typename T>
  auto operator()(T& value) const { return soci::into(value); }
  template <typename T>
  auto operator()(T& value, soci::indicator& indicator) const {
    return soci::into(value, indicator);
  }
};
// soci::use() keeps a reference to its name argument, so a use() element made inside a function
// and returned must not name the default (a temporary that dies with the call): it names kNoName.
const std::string kNoName;
struct Use {
  template <typename T>
  auto operator()(T& value) const { return soci::use(value, kNoName); }
  template <typename T>
  auto operator()(T& value, soci::indicator& indicator) const {
    return soci::use(value, indicator, kNoName);
  }
};

// Runs a SELECT whose columns `Row::Exchange` fetches, with the use() elements of `params`, and
// collects Row::Get() of each row.
template <typename Row, typename Value>
Result<std::vector<Value>> SelectRows(TransactionContext& context, const std::string& query,
                                      Params& params) {
  std::vector<Value> values;
  Row row;
  Status failed;
  ForEachRow(
      context.sql(), query,
      [&](soci::statement& statement) {
        row.Exchange(statement, Into{});
        params.Bind(statement);
      },
      [&] {
        Result<Value> value = row.Get();
        if (value.ok()) {
          values.push_back(std::move(value).value());
        } else {
          failed = value.status();
        }
      });
  if (!failed.ok()) return failed;
  return values;
}

// ---- Categories --------------------------------------------------------------------------------

constexpr std::string_view kCategoryColumns = "id, name, listed, created_at, updated_at";

struct CategoryRow {
  Category category;
  int listed = 0;
  long long created_at = 0;
  long long updated_at = 0;

  template <typename Element>
  void Exchange(soci::statement& statement, Element element) {
    statement.exchange(element(category.id));
    statement.exchange(element(category.name));
    statement.exchange(element(listed));
    statement.exchange(element(created_at));
    statement.exchange(element(updated_at));
  }

  Result<Category> Get() const {
    Category out = category;
    out.listed = listed != 0;
    out.created_at = FromMicros(created_at);
    out.updated_at = FromMicros(updated_at);
    return out;
  }
};

// ---- Events ------------------------------------------------------------------------------------

// The columns in the order EventRow::Exchange binds them; the first is the id, the second the
// organizer, the last but one created_at: UpdateEvent leaves those three alone.
constexpr std::array<std::string_view, 26> kEventColumnNames = {
    "id",           "organizer_id", "title",        "description",
    "category_id",  "venue",        "online_url",   "starts_at",
    "ends_at",      "time_zone",    "capacity",     "price",
    "currency",     "attendees_may_cancel",         "max_tickets_per_booking",
    "status",       "on_hold",      "reject_cause", "review_note",
    "cancel_note",  "seats_sold",   "seats_held",   "submitted_at",
    "cover_image_key",              "created_at",   "updated_at"};

bool IsFixedEventColumn(std::string_view column) {
  return column == "id" || column == "organizer_id" || column == "created_at";
}

std::string EventColumns() {
  std::string columns;
  for (std::string_view name : kEventColumnNames) {
    if (!columns.empty()) columns += ", ";
    columns += name;
  }
  return columns;
}

struct EventRow {
  Event event;
  long long starts_at = 0;
  long long ends_at = 0;
  int capacity = 0;
  long long price = 0;
  int attendees_may_cancel = 0;
  int max_tickets = 0;
  std::string status;
  int on_hold = 0;
  Nullable<std::string> reject_cause;
  int seats_sold = 0;
  int seats_held = 0;
  Nullable<long long> submitted_at;
  Nullable<std::string> cover_image_key;
  long long created_at = 0;
  long long updated_at = 0;

  static EventRow From(const Event& event) {
    EventRow row;
    row.event = event;
    row.starts_at = ToMicros(event.starts_at);
    row.ends_at = ToMicros(event.ends_at);
    row.capacity = event.capacity;
    row.price = event.price.minor_units;
    row.attendees_may_cancel = event.attendees_may_cancel ? 1 : 0;
    row.max_tickets = event.max_tickets_per_booking;
    row.status = std::string(EventStatusName(event.status));
    row.on_hold = event.on_hold ? 1 : 0;
    if (event.reject_cause) {
      row.reject_cause.Set(std::string(EventRejectCauseName(*event.reject_cause)));
    }
    row.seats_sold = event.seats_sold;
    row.seats_held = event.seats_held;
    row.submitted_at = MicrosOf(event.submitted_at);
    if (event.cover_image_key) row.cover_image_key.Set(*event.cover_image_key);
    row.created_at = ToMicros(event.created_at);
    row.updated_at = ToMicros(event.updated_at);
    return row;
  }

  // The elements of kEventColumnNames in order; `skip_fixed` leaves out the columns UpdateEvent
  // does not write.
  template <typename Element>
  void Exchange(soci::statement& statement, Element element, bool skip_fixed = false) {
    if (!skip_fixed) {
      statement.exchange(element(event.id));
      statement.exchange(element(event.organizer_id));
    }
    statement.exchange(element(event.title));
    statement.exchange(element(event.description));
    statement.exchange(element(event.category_id));
    statement.exchange(element(event.venue));
    statement.exchange(element(event.online_url));
    statement.exchange(element(starts_at));
    statement.exchange(element(ends_at));
    statement.exchange(element(event.time_zone));
    statement.exchange(element(capacity));
    statement.exchange(element(price));
    statement.exchange(element(event.price.currency));
    statement.exchange(element(attendees_may_cancel));
    statement.exchange(element(max_tickets));
    statement.exchange(element(status));
    statement.exchange(element(on_hold));
    statement.exchange(element(reject_cause.value, reject_cause.indicator));
    statement.exchange(element(event.review_note));
    statement.exchange(element(event.cancel_note));
    statement.exchange(element(seats_sold));
    statement.exchange(element(seats_held));
    statement.exchange(element(submitted_at.value, submitted_at.indicator));
    statement.exchange(element(cover_image_key.value, cover_image_key.indicator));
    if (!skip_fixed) statement.exchange(element(created_at));
    statement.exchange(element(updated_at));
  }

  Result<Event> Get() const {
    Event out = event;
    auto parsed = ParseEventStatus(status);
    if (!parsed.ok()) return BadRow("events");
    out.status = *parsed;
    out.reject_cause.reset();
    if (reject_cause.present()) {
      auto cause = ParseEventRejectCause(reject_cause.value);
      if (!cause.ok()) return BadRow("events");
      out.reject_cause = *cause;
    }
    out.starts_at = FromMicros(starts_at);
    out.ends_at = FromMicros(ends_at);
    out.capacity = capacity;
    out.price.minor_units = price;
    out.attendees_may_cancel = attendees_may_cancel != 0;
    out.max_tickets_per_booking = max_tickets;
    out.on_hold = on_hold != 0;
    out.seats_sold = seats_sold;
    out.seats_held = seats_held;
    out.submitted_at = TimestampOf(submitted_at);
    out.cover_image_key.reset();
    if (cover_image_key.present()) out.cover_image_key = cover_image_key.value;
    out.cover_image_url.reset();
    out.created_at = FromMicros(created_at);
    out.updated_at = FromMicros(updated_at);
    return out;
  }
};

// The full-text condition on the words, in the dialect's index.
std::string WordsCondition(Params& p, Dialect dialect, const std::vector<std::string>& words) {
  std::string joined;
  for (const std::string& word : words) {
    if (!joined.empty()) joined += ' ';
    // Words hold no quote (spi::EventFilter): quoting makes FTS5 read each as a plain term.
    joined += dialect == Dialect::kSqlite ? "\"" + word + "\"" : word;
  }
  if (dialect == Dialect::kSqlite) {
    return " AND e.seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH " + p.Add(joined) +
           ")";
  }
  return " AND e.search @@ plainto_tsquery('simple', " + p.Add(joined) + ")";
}

}  // namespace

// ---- Organizer profiles ----------------------------------------------------------------------

Status SociEventStore::PutOrganizerProfile(const OrganizerProfile& profile) {
  return context_.Call(Access::kWrite, "PutOrganizerProfile", [&]() -> Status {
    ProfileRow row = ProfileRow::From(profile);
    ExecuteBound(context_.sql(),
                 "INSERT INTO organizer_profiles (" + std::string(kProfileColumns) +
                     ") VALUES (:p0, :p1, :p2, :p3, :p4, :p5, :p6, :p7, :p8, :p9) "
                     "ON CONFLICT (user_id) DO UPDATE SET "
                     "organisation_name = excluded.organisation_name, about = excluded.about, "
                     "contact = excluded.contact, status = excluded.status, "
                     "reject_cause = excluded.reject_cause, review_note = excluded.review_note, "
                     "submitted_at = excluded.submitted_at, reviewed_at = excluded.reviewed_at, "
                     "updated_at = excluded.updated_at",
                 [&](soci::statement& statement) { row.Exchange(statement, Use{}); });
    return Status::Ok();
  });
}

Result<OrganizerProfile> SociEventStore::FindOrganizerProfile(std::string_view user_id,
                                                              spi::LockMode lock) {
  return context_.Call(Access::kRead, "FindOrganizerProfile", [&]() -> Result<OrganizerProfile> {
    Params p(context_.dialect());
    const std::string query = "SELECT " + std::string(kProfileColumns) +
                              " FROM organizer_profiles WHERE user_id = " + p.Add(user_id) +
                              std::string(context_.LockClause(lock));
    auto rows = SelectRows<ProfileRow, OrganizerProfile>(context_, query, p);
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return ProfileNotFound();
    return std::move(rows->front());
  });
}

Result<std::vector<OrganizerProfile>> SociEventStore::ListOrganizerProfiles(
    OrganizerStatus status, const std::optional<spi::Keyset>& after, int limit) {
  return context_.Call(Access::kRead, "ListOrganizerProfiles",
                       [&]() -> Result<std::vector<OrganizerProfile>> {
                         Params p(context_.dialect());
                         std::string query = "SELECT " + std::string(kProfileColumns) +
                                             " FROM organizer_profiles WHERE status = " +
                                             p.Add(OrganizerStatusName(status));
                         if (after) query += KeysetAfter(p, "submitted_at", "user_id", *after);
                         query += " ORDER BY submitted_at, user_id LIMIT " +
                                  p.Add(static_cast<long long>(limit));
                         return SelectRows<ProfileRow, OrganizerProfile>(context_, query, p);
                       });
}

// ---- Categories --------------------------------------------------------------------------------

Status SociEventStore::InsertCategory(const Category& category) {
  return context_.Call(
      Access::kWrite, "InsertCategory",
      [&]() -> Status {
        std::string id = category.id;
        std::string name = category.name;
        std::string key = CategoryNameKeyOf(category.name);
        int listed = category.listed ? 1 : 0;
        long long created_at = ToMicros(category.created_at);
        long long updated_at = ToMicros(category.updated_at);
        const Executed inserted = Execute(
            context_.sql(),
            "INSERT INTO categories (id, name, name_key, listed, created_at, updated_at) "
            "VALUES (:id, :name, :name_key, :listed, :created_at, :updated_at) "
            "ON CONFLICT DO NOTHING",
            soci::use(id), soci::use(name), soci::use(key), soci::use(listed),
            soci::use(created_at), soci::use(updated_at));
        if (inserted.affected_rows != 1) return CategoryExists();
        return Status::Ok();
      },
      {.unique = CategoryExists()});
}

Status SociEventStore::UpdateCategory(const Category& category) {
  return context_.Call(
      Access::kWrite, "UpdateCategory",
      [&]() -> Status {
        std::string id = category.id;
        std::string other_id = category.id;
        std::string name = category.name;
        std::string key = CategoryNameKeyOf(category.name);
        long long same_name = 0;
        Execute(context_.sql(),
                "SELECT COUNT(*) FROM categories WHERE name_key = :name_key AND id <> :id",
                soci::into(same_name), soci::use(key), soci::use(other_id));
        if (same_name > 0) return CategoryExists();
        int listed = category.listed ? 1 : 0;
        long long updated_at = ToMicros(category.updated_at);
        const Executed updated =
            Execute(context_.sql(),
                    "UPDATE categories SET name = :name, name_key = :name_key, listed = :listed, "
                    "updated_at = :updated_at WHERE id = :id",
                    soci::use(name), soci::use(key), soci::use(listed), soci::use(updated_at),
                    soci::use(id));
        if (updated.affected_rows == 0) return CategoryNotFound();
        return Status::Ok();
      },
      {.unique = CategoryExists()});
}

Result<Category> SociEventStore::FindCategory(std::string_view id, spi::LockMode lock) {
  return context_.Call(Access::kRead, "FindCategory", [&]() -> Result<Category> {
    Params p(context_.dialect());
    const std::string query = "SELECT " + std::string(kCategoryColumns) +
                              " FROM categories WHERE id = " + p.Add(id) +
                              std::string(context_.LockClause(lock));
    auto rows = SelectRows<CategoryRow, Category>(context_, query, p);
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return CategoryNotFound();
    return std::move(rows->front());
  });
}

Result<std::vector<Category>> SociEventStore::ListCategories(bool include_unlisted) {
  return context_.Call(Access::kRead, "ListCategories", [&]() -> Result<std::vector<Category>> {
    Params p(context_.dialect());
    const std::string query = "SELECT " + std::string(kCategoryColumns) + " FROM categories" +
                              (include_unlisted ? "" : " WHERE listed = 1") +
                              " ORDER BY name_key, id";
    return SelectRows<CategoryRow, Category>(context_, query, p);
  });
}

// ---- Events ------------------------------------------------------------------------------------

Status SociEventStore::InsertEvent(const Event& event) {
  return context_.Call(Access::kWrite, "InsertEvent", [&]() -> Status {
    EventRow row = EventRow::From(event);
    std::string values;
    for (std::size_t i = 0; i < kEventColumnNames.size(); ++i) {
      values += (i == 0 ? ":p" : ", :p") + std::to_string(i);
    }
    const Executed inserted = ExecuteBound(
        context_.sql(),
        "INSERT INTO events (" + EventColumns() + ") VALUES (" + values +
            ") ON CONFLICT DO NOTHING",
        [&](soci::statement& statement) { row.Exchange(statement, Use{}); });
    if (inserted.affected_rows != 1) {
      return AlreadyExists("event_exists", "an event with this id already exists");
    }
    return Status::Ok();
  });
}

Status SociEventStore::UpdateEvent(const Event& event) {
  return context_.Call(Access::kWrite, "UpdateEvent", [&]() -> Status {
    EventRow row = EventRow::From(event);
    std::string sets;
    int n = 0;
    for (std::string_view column : kEventColumnNames) {
      if (IsFixedEventColumn(column)) continue;
      if (!sets.empty()) sets += ", ";
      sets += std::string(column) + " = :p" + std::to_string(n++);
    }
    const Executed updated = ExecuteBound(
        context_.sql(), "UPDATE events SET " + sets + " WHERE id = :id",
        [&](soci::statement& statement) {
          row.Exchange(statement, Use{}, /*skip_fixed=*/true);
          statement.exchange(soci::use(row.event.id));
        });
    if (updated.affected_rows == 0) return EventNotFound();
    return Status::Ok();
  });
}

Result<Event> SociEventStore::FindEvent(std::string_view id, spi::LockMode lock) {
  return context_.Call(Access::kRead, "FindEvent", [&]() -> Result<Event> {
    Params p(context_.dialect());
    const std::string query = "SELECT " + EventColumns() + " FROM events WHERE id = " +
                              p.Add(id) + std::string(context_.LockClause(lock));
    auto rows = SelectRows<EventRow, Event>(context_, query, p);
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return EventNotFound();
    return std::move(rows->front());
  });
}

Result<std::vector<Event>> SociEventStore::ListEvents(const spi::EventFilter& filter) {
  return context_.Call(Access::kRead, "ListEvents", [&]() -> Result<std::vector<Event>> {
    using Order = spi::EventFilter::Order;
    Params p(context_.dialect());
    std::string query = "SELECT " + EventColumns() + " FROM events e WHERE 1 = 1";
    if (filter.status) query += " AND e.status = " + p.Add(EventStatusName(*filter.status));
    if (filter.on_hold) {
      query += " AND e.on_hold = " + p.Add(static_cast<long long>(*filter.on_hold ? 1 : 0));
    }
    if (!filter.organizer_id.empty()) query += " AND e.organizer_id = " + p.Add(filter.organizer_id);
    if (!filter.category_id.empty()) query += " AND e.category_id = " + p.Add(filter.category_id);
    if (filter.starts_after) {
      query += " AND e.starts_at > " + p.Add(static_cast<long long>(ToMicros(*filter.starts_after)));
    }
    if (filter.starts_from) {
      query += " AND e.starts_at >= " + p.Add(static_cast<long long>(ToMicros(*filter.starts_from)));
    }
    if (filter.starts_before) {
      query +=
          " AND e.starts_at < " + p.Add(static_cast<long long>(ToMicros(*filter.starts_before)));
    }
    if (filter.min_price) query += " AND e.price >= " + p.Add(static_cast<long long>(*filter.min_price));
    if (filter.max_price) query += " AND e.price <= " + p.Add(static_cast<long long>(*filter.max_price));
    if (!filter.words.empty()) query += WordsCondition(p, context_.dialect(), filter.words);
    switch (filter.order) {
      case Order::kSoonestStart:
        if (filter.after) query += KeysetAfter(p, "e.starts_at", "e.id", *filter.after);
        query += " ORDER BY e.starts_at, e.id";
        break;
      case Order::kOldestSubmission:
        if (filter.after) query += KeysetAfter(p, "e.submitted_at", "e.id", *filter.after);
        query += " ORDER BY e.submitted_at, e.id";
        break;
      case Order::kNewestCreated:
        if (filter.after) query += KeysetBefore(p, "e.", *filter.after);
        query += " ORDER BY e.created_at DESC, e.id DESC";
        break;
    }
    query += " LIMIT " + p.Add(static_cast<long long>(filter.limit));
    return SelectRows<EventRow, Event>(context_, query, p);
  });
}

Result<std::int64_t> SociEventStore::CompleteEndedEvents(Timestamp now) {
  return context_.Call(Access::kWrite, "CompleteEndedEvents", [&]() -> Result<std::int64_t> {
    long long updated_at = ToMicros(now);
    long long ended_by = ToMicros(now);
    const Executed completed =
        Execute(context_.sql(),
                "UPDATE events SET status = 'completed', updated_at = :updated_at "
                "WHERE status = 'approved' AND ends_at <= :ended_by",
                soci::use(updated_at), soci::use(ended_by));
    return static_cast<std::int64_t>(completed.affected_rows);
  });
}

}  // namespace eventify::storage
