#include "health_routes.h"

#include "http_errors.h"
#include "json.h"

namespace eventify::server {

void AddHealthRoutes(Router& router, Engine& engine) {
  spi::Storage& storage = engine.storage();
  router.Add("GET", "/healthz", [&storage](const ApiRequest&, const PathParams&) {
    const Status reachable = storage.Run(spi::TransactionMode::kReadOnly,
                                         [](spi::Transaction&) { return Status::Ok(); });
    if (!reachable.ok()) {
      return ErrorResponse(503, "storage_unavailable", reachable.message());
    }
    JsonWriter json;
    json.BeginObject().StringMember("status", "ok").EndObject();
    ApiResponse response = JsonResponse(200, json.Finish());
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  });
}

}  // namespace eventify::server
