// Router: maps a method and a path to a route handler, and answers 404 (no such path) or 405 (the
// path exists, the method does not) itself, in the common error shape.
//
// Patterns are literal segments, "{}" (one non-empty segment, captured) and a final "*" (one or
// more remaining segments, captured as one string with their slashes). HEAD is served by GET.
//
// Thread-safety: Add only before serving; Dispatch may then run on many threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api.h"

namespace eventify::server {

// Which route a request goes to: `index` of the route (0..size()-1), or -1 when none matches,
// with the methods the path accepts (empty: 404; otherwise 405).
struct RouteMatch {
  int index = -1;
  PathParams params;
  std::vector<std::string_view> allowed;
};

class Router {
 public:
  void Add(std::string_view method, std::string_view pattern, RouteHandler handler);
  ApiResponse Dispatch(const ApiRequest& request) const { return Run(Find(request), request); }

  // The two halves of Dispatch, for a server that looks at the route before running it (rate
  // limits, metrics by route).
  RouteMatch Find(const ApiRequest& request) const;
  ApiResponse Run(const RouteMatch& match, const ApiRequest& request) const;

  // The routes in the order added: their method and pattern as given to Add.
  int size() const { return static_cast<int>(routes_.size()); }
  const std::string& method(int index) const { return routes_[index].method; }
  const std::string& pattern(int index) const { return routes_[index].pattern; }

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  static bool Match(const Route& route, std::string_view path, PathParams& params);

  std::vector<Route> routes_;
};

// A handler calling `member` of the shared `routes` object (one that takes only the request, or
// the request and the path parameters), for route tables written as classes.
template <class Routes>
RouteHandler Handler(std::shared_ptr<Routes> routes,
                     ApiResponse (Routes::*member)(const ApiRequest&)) {
  return [routes, member](const ApiRequest& request, const PathParams&) {
    return ((*routes).*member)(request);
  };
}
template <class Routes>
RouteHandler Handler(std::shared_ptr<Routes> routes,
                     ApiResponse (Routes::*member)(const ApiRequest&, const PathParams&)) {
  return [routes, member](const ApiRequest& request, const PathParams& params) {
    return ((*routes).*member)(request, params);
  };
}

}  // namespace eventify::server
