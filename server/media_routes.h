// GET /media/<key>: serves what the engine's MediaStore holds (avatars now), so that the URLs
// MediaStore::UrlFor hands out (prefix "/media/") resolve on this server.
#pragma once

#include "eventify/engine.h"
#include "router.h"

namespace eventify::server {

inline constexpr char kMediaUrlPrefix[] = "/media/";

// The route borrows `engine`, which must outlive the router.
void AddMediaRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
