#include "admin_routes.h"

#include <charconv>
#include <memory>
#include <string>

#include "authentication.h"
#include "dashboard_routes.h"
#include "eventify/admin.h"
#include "http_errors.h"
#include "json.h"
#include "query_params.h"
#include "wallet_routes.h"

namespace eventify::server {
namespace {

void WriteAuditEntry(JsonWriter& json, const AuditEntry& entry) {
  json.BeginObject();
  json.StringMember("id", entry.id);
  json.StringOrNullMember("actor_id", entry.actor_id);  // null: the operator's command line
  json.StringMember("action", AuditActionName(entry.action));
  json.StringMember("user_id", entry.target_user_id);
  json.StringMember("from", entry.from);
  json.StringMember("to", entry.to);
  json.StringMember("created_at", FormatTimestamp(entry.created_at));
  json.EndObject();
}

void WriteQueues(JsonWriter& json, const AdminQueues& queues) {
  json.BeginObject();
  json.IntMember("organizers_pending", queues.organizers_pending);
  json.IntMember("events_pending_approval", queues.events_pending_approval);
  json.IntMember("events_on_hold", queues.events_on_hold);
  json.EndObject();
}

// The members of escrow amounts, in minor units of "currency".
void WriteAmountMembers(JsonWriter& json, const EscrowAmounts& amounts) {
  json.IntMember("escrow_balance", amounts.escrow_balance.minor_units);
  json.IntMember("settled", amounts.settled.minor_units);
  WriteMoneyMembers(json,
                    MoneyFigures{amounts.gross, amounts.refunds, amounts.commission, amounts.net});
}

void WriteSettlementLine(JsonWriter& json, const SettlementLine& line) {
  json.BeginObject();
  json.StringMember("event_id", line.event_id);
  json.StringMember("title", line.title);
  json.StringMember("organizer_id", line.organizer_id);
  json.StringMember("event_status", EventStatusName(line.event_status));
  json.StringMember("state", SettlementStatusName(line.state));
  json.StringMember("ends_at", FormatTimestamp(line.ends_at));
  json.StringMember("due_at", FormatTimestamp(line.due_at));
  json.OptionalTimestampMember("settled_at", line.settled_at);
  WriteAmountMembers(json, line.amounts);
  json.EndObject();
}

void WriteRevenueEntry(JsonWriter& json, const RevenueEntry& entry) {
  json.BeginObject();
  json.StringMember("transfer_id", entry.transfer_id);
  json.StringMember("kind", TransferKindName(entry.kind));
  json.StringMember("created_at", FormatTimestamp(entry.created_at));
  json.IntMember("amount", entry.amount.minor_units);
  json.StringMember("currency", entry.amount.currency);
  json.StringOrNullMember("event_id", entry.event_id);
  json.Key("counterparty");
  WriteAccountRef(json, entry.counterparty);
  json.StringMember("reference", entry.reference);
  json.EndObject();
}

void WriteRevenueTotals(JsonWriter& json, const RevenuePage& page) {
  json.BeginObject();
  json.IntMember("total", page.total.minor_units);
  json.IntMember("entries", page.entries);
  json.StringMember("currency", page.total.currency);
  json.Key("by_kind").BeginArray();
  for (const RevenueKindTotal& kind : page.by_kind) {
    json.BeginObject();
    json.StringMember("kind", TransferKindName(kind.kind));
    json.IntMember("in", kind.in.minor_units);
    json.IntMember("out", kind.out.minor_units);
    json.IntMember("net", kind.net.minor_units);
    json.IntMember("entries", kind.entries);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
}

void WriteHeadingMembers(JsonWriter& json, const EventHeading& event) {
  json.StringMember("event_id", event.event_id);
  json.StringMember("title", event.title);
  json.StringMember("organizer_id", event.organizer_id);
  json.StringMember("category_id", event.category_id);
}

void WriteAnalytics(JsonWriter& json, const PlatformAnalytics& a) {
  json.BeginObject();
  json.StringMember("from", a.range.from);
  json.StringMember("until", a.range.until);
  WriteMoneyMembers(json, a.money);
  json.Key("months").BeginArray();
  for (const MonthActivity& month : a.months) {
    json.BeginObject();
    json.StringMember("month", month.month);
    WriteMoneyMembers(json, month.money);
    json.IntMember("bookings", month.bookings);
    json.IntMember("seats_booked", month.seats_booked);
    json.IntMember("cancellations", month.cancellations);
    json.IntMember("seats_cancelled", month.seats_cancelled);
    json.IntMember("new_users", month.new_users);
    json.EndObject();
  }
  json.EndArray();
  json.Key("categories").BeginArray();
  for (const CategoryRevenue& category : a.categories) {
    json.BeginObject();
    json.StringMember("category_id", category.category_id);
    json.StringMember("name", category.name);
    WriteMoneyMembers(json, category.money);
    json.EndObject();
  }
  json.EndArray();
  json.Key("top_by_revenue").BeginArray();
  for (const EventRevenue& event : a.top_by_revenue) {
    json.BeginObject();
    WriteHeadingMembers(json, event.event);
    WriteMoneyMembers(json, event.money);
    json.EndObject();
  }
  json.EndArray();
  json.Key("top_by_seats").BeginArray();
  for (const EventSeats& event : a.top_by_seats) {
    json.BeginObject();
    WriteHeadingMembers(json, event.event);
    json.IntMember("bookings", event.bookings);
    json.IntMember("seats_sold", event.seats_sold);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
}

// ?top=: an integer; its range is the library's. Errors: kInvalidArgument (invalid_top, field
// "top").
Status ReadTop(const ApiRequest& request, int& top) {
  const auto text = request.query("top");
  if (!text) return Status::Ok();
  int value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size()) {
    return InvalidArgument("invalid_top", "top must be an integer", "top");
  }
  top = value;
  return Status::Ok();
}

class AdminRoutes {
 public:
  explicit AdminRoutes(Engine& engine) : accounts_(engine.accounts()), admin_(engine.admin()) {}

  // GET /api/v1/admin/audit-log?user=&cursor=&limit=
  ApiResponse AuditLog(const ApiRequest& request) {
    auto principal = AuthenticateFor(accounts_, request, Action::kReadAuditLog);
    if (!principal.ok()) return ErrorResponse(principal.status());
    AuditQuery query;
    query.target_user_id = std::string(request.query("user").value_or(""));
    query.cursor = std::string(request.query("cursor").value_or(""));
    if (Status read = ReadLimit(request, query.limit); !read.ok()) return ErrorResponse(read);
    auto page = admin_.ListAuditLog(*principal, query);
    if (!page.ok()) return ErrorResponse(page.status());
    return PageResponse(page->items, page->next_cursor, WriteAuditEntry);
  }

  // GET /api/v1/admin/queues
  ApiResponse Queues(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return ObjectResponse(200, "queues", admin_.GetQueues(*principal), WriteQueues);
  }

  // GET /api/v1/admin/settlements?state=&cursor=&limit=
  ApiResponse Settlements(const ApiRequest& request) {
    auto principal = AuthenticateFor(accounts_, request, Action::kReadPlatformMoney);
    if (!principal.ok()) return ErrorResponse(principal.status());
    SettlementOverviewQuery query;
    if (const auto state = request.query("state")) {
      auto parsed = ParseSettlementStatus(*state);
      if (!parsed.ok()) return ErrorResponse(parsed.status());
      query.state = *parsed;
    }
    query.cursor = std::string(request.query("cursor").value_or(""));
    if (Status read = ReadLimit(request, query.limit); !read.ok()) return ErrorResponse(read);
    auto overview = admin_.GetSettlementOverview(*principal, query);
    if (!overview.ok()) return ErrorResponse(overview.status());
    JsonWriter json;
    json.BeginObject().Key("items").BeginArray();
    for (const SettlementLine& line : overview->items) WriteSettlementLine(json, line);
    json.EndArray();
    json.StringOrNullMember("next_cursor", overview->next_cursor);
    json.Key("totals").BeginObject();
    json.IntMember("events", overview->events);
    WriteAmountMembers(json, overview->totals);
    json.EndObject();
    json.EndObject();
    return JsonResponse(200, json.Finish());
  }

  // GET /api/v1/admin/revenue?from=&until=&kind=&event=&cursor=&limit=
  ApiResponse Revenue(const ApiRequest& request) {
    auto principal = AuthenticateFor(accounts_, request, Action::kReadPlatformMoney);
    if (!principal.ok()) return ErrorResponse(principal.status());
    RevenueQuery query;
    if (const auto kind = request.query("kind")) {
      auto parsed = ParseTransferKind(*kind);
      if (!parsed.ok()) return ErrorResponse(parsed.status());
      query.kind = *parsed;
    }
    Status read = ReadTimestampQuery(request, "from", query.from);
    if (read.ok()) read = ReadTimestampQuery(request, "until", query.until);
    if (read.ok()) read = ReadLimit(request, query.limit);
    if (!read.ok()) return ErrorResponse(read);
    query.event_id = std::string(request.query("event").value_or(""));
    query.cursor = std::string(request.query("cursor").value_or(""));
    auto page = admin_.ListPlatformRevenue(*principal, query);
    if (!page.ok()) return ErrorResponse(page.status());
    JsonWriter json;
    json.BeginObject().Key("items").BeginArray();
    for (const RevenueEntry& entry : page->items) WriteRevenueEntry(json, entry);
    json.EndArray();
    json.StringOrNullMember("next_cursor", page->next_cursor);
    json.Key("totals");
    WriteRevenueTotals(json, *page);
    json.EndObject();
    return JsonResponse(200, json.Finish());
  }

  // GET /api/v1/admin/analytics?from=YYYY-MM&until=YYYY-MM&top=
  ApiResponse Analytics(const ApiRequest& request) {
    auto principal = AuthenticateFor(accounts_, request, Action::kReadPlatformMoney);
    if (!principal.ok()) return ErrorResponse(principal.status());
    AnalyticsQuery query;
    query.range = {std::string(request.query("from").value_or("")),
                   std::string(request.query("until").value_or(""))};
    if (Status read = ReadTop(request, query.top); !read.ok()) return ErrorResponse(read);
    return ObjectResponse(200, "analytics", admin_.GetAnalytics(*principal, query), WriteAnalytics);
  }

 private:
  Accounts& accounts_;
  Admin& admin_;
};

}  // namespace

void AddAdminRoutes(Router& router, Engine& engine) {
  auto routes = std::make_shared<AdminRoutes>(engine);
  router.Add("GET", "/api/v1/admin/audit-log", Handler(routes, &AdminRoutes::AuditLog));
  router.Add("GET", "/api/v1/admin/queues", Handler(routes, &AdminRoutes::Queues));
  router.Add("GET", "/api/v1/admin/settlements", Handler(routes, &AdminRoutes::Settlements));
  router.Add("GET", "/api/v1/admin/revenue", Handler(routes, &AdminRoutes::Revenue));
  router.Add("GET", "/api/v1/admin/analytics", Handler(routes, &AdminRoutes::Analytics));
}

}  // namespace eventify::server
