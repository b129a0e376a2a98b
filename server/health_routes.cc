#include "health_routes.h"

#include "eventify/backends/redis_rate_limiter.h"
#include "http_errors.h"
#include "json.h"

namespace eventify::server {
namespace {

ApiResponse Uncached(ApiResponse response) {
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

}  // namespace

void AddHealthRoutes(Router& router, Engine& engine, const ServerConfig& config,
                     const Metrics& metrics) {
  router.Add("GET", "/healthz", [](const ApiRequest&, const PathParams&) {
    JsonWriter json;
    json.BeginObject().StringMember("status", "ok").EndObject();
    return Uncached(JsonResponse(200, json.Finish()));
  });

  spi::Storage& storage = engine.storage();
  router.Add("GET", "/readyz", [&storage, &config](const ApiRequest&, const PathParams&) {
    const Status database = storage.Run(spi::TransactionMode::kReadOnly,
                                        [](spi::Transaction&) { return Status::Ok(); });
    if (!database.ok()) {
      return Uncached(ErrorResponse(503, "storage_unavailable", database.message()));
    }
    const bool has_redis = !config.redis.host.empty();
    if (has_redis) {
      const Status redis = spi::PingRedis(config.redis);
      if (!redis.ok()) return Uncached(ErrorResponse(503, "redis_unavailable", redis.message()));
    }
    JsonWriter json;
    json.BeginObject().StringMember("status", "ready").Key("checks").BeginObject();
    json.StringMember("database", "ok").StringMember("redis", has_redis ? "ok" : "not_configured");
    json.EndObject().EndObject();
    return Uncached(JsonResponse(200, json.Finish()));
  });

  router.Add("GET", "/metrics", [&metrics](const ApiRequest&, const PathParams&) {
    return Uncached(
        ApiResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics.Render(), {}});
  });
}

}  // namespace eventify::server
