#include "admin_routes.h"

#include <memory>
#include <string>

#include "authentication.h"
#include "eventify/admin.h"
#include "http_errors.h"
#include "json.h"

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

class AdminRoutes {
 public:
  explicit AdminRoutes(Engine& engine) : accounts_(engine.accounts()), admin_(engine.admin()) {}

  // GET /api/v1/admin/audit-log?user=&cursor=&limit=
  ApiResponse AuditLog(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
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

 private:
  Accounts& accounts_;
  Admin& admin_;
};

}  // namespace

void AddAdminRoutes(Router& router, Engine& engine) {
  auto routes = std::make_shared<AdminRoutes>(engine);
  router.Add("GET", "/api/v1/admin/audit-log", Handler(routes, &AdminRoutes::AuditLog));
  router.Add("GET", "/api/v1/admin/queues", Handler(routes, &AdminRoutes::Queues));
}

}  // namespace eventify::server
