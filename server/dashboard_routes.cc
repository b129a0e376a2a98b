#include "dashboard_routes.h"

#include <memory>
#include <string>

#include "authentication.h"
#include "event_routes.h"
#include "eventify/dashboards.h"
#include "http_errors.h"
#include "json.h"
#include "review_routes.h"

namespace eventify::server {
namespace {

void WriteFigures(JsonWriter& json, const EventFigures& f) {
  json.BeginObject();
  json.StringMember("event_id", f.event_id);
  json.StringMember("title", f.title);
  json.StringMember("status", EventStatusName(f.status));
  json.StringMember("starts_at", FormatTimestamp(f.starts_at));
  json.IntMember("seats_sold", f.seats_sold);
  json.IntMember("seats_held", f.seats_held);
  json.IntMember("seats_checked_in", f.seats_checked_in);
  json.IntMember("seats_cancelled", f.seats_cancelled);
  WriteMoneyMembers(json, f.money);
  json.EndObject();
}

void WriteSummary(JsonWriter& json, const OrganizerSummary& s) {
  json.BeginObject();
  json.StringMember("organizer_id", s.organizer_id);
  WriteMoneyMembers(json, s.money);
  json.Key("months").BeginArray();
  for (const MonthFigures& month : s.months) {
    json.BeginObject();
    json.StringMember("month", month.month);
    WriteMoneyMembers(json, month.money);
    json.EndObject();
  }
  json.EndArray();
  json.Key("top_events").BeginArray();
  for (const EventFigures& figures : s.top_events) WriteFigures(json, figures);
  json.EndArray();
  json.EndObject();
}

void WriteOrganizerMembers(JsonWriter& json, const PublicOrganizer& o) {
  json.StringMember("organizer_id", o.organizer_id);
  json.StringMember("organisation_name", o.organisation_name);
  json.StringMember("about", o.about);
  json.Key("rating");
  WriteRating(json, o.rating);
}

void WriteOrganizer(JsonWriter& json, const PublicOrganizer& o) {
  json.BeginObject();
  WriteOrganizerMembers(json, o);
  json.EndObject();
}

void WriteOrganizerPage(JsonWriter& json, const PublicOrganizerProfile& page) {
  json.BeginObject();
  WriteOrganizerMembers(json, page.organizer);
  json.Key("upcoming_events").BeginArray();
  for (const Event& event : page.upcoming_events) WritePublicEvent(json, event);
  json.EndArray();
  json.Key("recent_reviews").BeginArray();
  for (const PublicReview& review : page.recent_reviews) {
    json.BeginObject();
    json.StringMember("event_id", review.event_id);
    json.StringMember("author_name", review.author_name);
    json.IntMember("rating", review.rating);
    json.StringMember("title", review.title);
    json.StringMember("text", review.text);
    json.StringMember("created_at", FormatTimestamp(review.created_at));
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
}

class DashboardRoutes {
 public:
  explicit DashboardRoutes(Engine& engine)
      : accounts_(engine.accounts()), dashboards_(engine.dashboards()) {}

  // GET /api/v1/events/{id}/figures: the event's organizer and admins.
  ApiResponse EventFigures(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return ObjectResponse(200, "figures", dashboards_.GetEventFigures(*principal, params.at(0)),
                          WriteFigures);
  }

  // GET /api/v1/organizer/dashboard/events?cursor=&limit=
  ApiResponse OwnEvents(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    int limit = 20;
    if (Status read = ReadLimit(request, limit); !read.ok()) return ErrorResponse(read);
    auto page =
        dashboards_.ListOwnEventFigures(*principal, request.query("cursor").value_or(""), limit);
    if (!page.ok()) return ErrorResponse(page.status());
    return PageResponse(page->items, page->next_cursor, WriteFigures);
  }

  // GET /api/v1/organizer/dashboard/summary?from=YYYY-MM&until=YYYY-MM
  ApiResponse Summary(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    const MonthRange range{std::string(request.query("from").value_or("")),
                           std::string(request.query("until").value_or(""))};
    return ObjectResponse(200, "summary", dashboards_.GetOrganizerSummary(*principal, range),
                          WriteSummary);
  }

  // GET /api/v1/organizers?cursor=&limit=: public.
  ApiResponse Directory(const ApiRequest& request) {
    int limit = 20;
    if (Status read = ReadLimit(request, limit); !read.ok()) return ErrorResponse(read);
    auto page = dashboards_.ListPublicOrganizers(request.query("cursor").value_or(""), limit);
    if (!page.ok()) return ErrorResponse(page.status());
    return PageResponse(page->items, page->next_cursor, WriteOrganizer);
  }

  // GET /api/v1/organizers/{id}: public.
  ApiResponse Organizer(const ApiRequest&, const PathParams& params) {
    return ObjectResponse(200, "organizer", dashboards_.GetPublicOrganizer(params.at(0)),
                          WriteOrganizerPage);
  }

 private:
  Accounts& accounts_;
  Dashboards& dashboards_;
};

}  // namespace

void WriteMoneyMembers(JsonWriter& json, const MoneyFigures& money) {
  json.IntMember("gross", money.gross.minor_units);
  json.IntMember("refunds", money.refunds.minor_units);
  json.IntMember("commission", money.commission.minor_units);
  json.IntMember("net", money.net.minor_units);
  json.StringMember("currency", money.gross.currency);
}

void AddDashboardRoutes(Router& router, Engine& engine) {
  auto routes = std::make_shared<DashboardRoutes>(engine);
  router.Add("GET", "/api/v1/events/{}/figures", Handler(routes, &DashboardRoutes::EventFigures));
  router.Add("GET", "/api/v1/organizer/dashboard/events",
             Handler(routes, &DashboardRoutes::OwnEvents));
  router.Add("GET", "/api/v1/organizer/dashboard/summary",
             Handler(routes, &DashboardRoutes::Summary));
  router.Add("GET", "/api/v1/organizers", Handler(routes, &DashboardRoutes::Directory));
  router.Add("GET", "/api/v1/organizers/{}", Handler(routes, &DashboardRoutes::Organizer));
}

}  // namespace eventify::server
