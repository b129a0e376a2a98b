#include "media_routes.h"

#include "eventify/spi/media_store.h"
#include "http_errors.h"

namespace eventify::server {

void AddMediaRoutes(Router& router, Engine& engine) {
  spi::MediaStore& store = engine.media_store();
  router.Add("GET", "/media/*", [&store](const ApiRequest&, const PathParams& params) {
    const std::string& key = params.at(0);
    if (!spi::IsValidMediaKey(key)) {
      return ErrorResponse(400, "invalid_media_key", "malformed media key");
    }
    auto object = store.Get(key);
    if (!object.ok()) return ErrorResponse(object.status());
    ApiResponse response{200, std::move(object->content_type), std::move(object->bytes), {}};
    // Uploaded bytes are served as exactly the type the library sniffed, never re-interpreted,
    // and never with the right to run anything.
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    response.headers.emplace_back("Content-Security-Policy", "default-src 'none'; sandbox");
    return response;
  });
}

}  // namespace eventify::server
