#include "settlement_routes.h"

#include <memory>
#include <string>

#include "authentication.h"
#include "eventify/settlements.h"
#include "http_errors.h"
#include "json.h"

namespace eventify::server {
namespace {

// {"settlement": Settlement}
ApiResponse SettlementResponse(const Result<Settlement>& result) {
  if (!result.ok()) return ErrorResponse(result.status());
  const Settlement& s = *result;
  JsonWriter json;
  json.BeginObject().Key("settlement").BeginObject();
  json.StringMember("event_id", s.event_id);
  json.StringMember("organizer_id", s.organizer_id);
  json.StringMember("status", SettlementStatusName(s.status));
  json.StringMember("due_at", FormatTimestamp(s.due_at));
  json.IntMember("gross", s.gross.minor_units);
  json.IntMember("commission", s.commission.minor_units);
  json.IntMember("net", s.net.minor_units);
  json.StringMember("currency", s.gross.currency);
  json.IntMember("commission_bps", s.commission_bps);
  json.StringOrNullMember("settlement_transfer_id", s.settlement_transfer_id);
  json.StringOrNullMember("commission_transfer_id", s.commission_transfer_id);
  json.OptionalTimestampMember("settled_at", s.settled_at);
  json.StringOrNullMember("settled_by", s.settled_by);
  json.EndObject().EndObject();
  return JsonResponse(200, json.Finish());
}

class SettlementRoutes {
 public:
  explicit SettlementRoutes(Engine& engine)
      : accounts_(engine.accounts()), settlements_(engine.settlements()) {}

  // POST /api/v1/admin/events/{id}/settle: settles now, or returns the settlement it has.
  ApiResponse Settle(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return SettlementResponse(settlements_.Settle(*principal, params.at(0)));
  }

  // GET /api/v1/events/{id}/settlement: admins and the event's organizer.
  ApiResponse Get(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return SettlementResponse(settlements_.GetSettlement(*principal, params.at(0)));
  }

 private:
  Accounts& accounts_;
  Settlements& settlements_;
};

}  // namespace

void AddSettlementRoutes(Router& router, Engine& engine) {
  auto routes = std::make_shared<SettlementRoutes>(engine);
  router.Add("POST", "/api/v1/admin/events/{}/settle", Handler(routes, &SettlementRoutes::Settle));
  router.Add("GET", "/api/v1/events/{}/settlement", Handler(routes, &SettlementRoutes::Get));
}

}  // namespace eventify::server
