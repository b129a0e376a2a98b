#include "router.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "http_errors.h"

namespace eventify::server {
namespace {

std::vector<std::string> SplitPattern(std::string_view pattern) {
  std::vector<std::string> segments;
  std::size_t start = 1;  // patterns begin with '/'
  while (start <= pattern.size()) {
    std::size_t end = pattern.find('/', start);
    if (end == std::string_view::npos) end = pattern.size();
    segments.emplace_back(pattern.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

}  // namespace

void Router::Add(std::string_view method, std::string_view pattern, RouteHandler handler) {
  routes_.push_back(
      Route{std::string(method), std::string(pattern), SplitPattern(pattern), std::move(handler)});
}

bool Router::Match(const Route& route, std::string_view path, PathParams& params) {
  params.clear();
  if (path.empty() || path.front() != '/') return false;
  std::size_t start = 1;
  for (std::size_t i = 0; i < route.segments.size(); ++i) {
    const std::string& expected = route.segments[i];
    if (start > path.size()) return false;
    if (expected == "*") {
      const std::string_view rest = path.substr(start);
      if (rest.empty()) return false;
      params.emplace_back(rest);
      return true;
    }
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (expected == "{}") {
      if (segment.empty()) return false;
      params.emplace_back(segment);
    } else if (segment != expected) {
      return false;
    }
    start = end + 1;
  }
  return start == path.size() + 1;
}

RouteMatch Router::Find(const ApiRequest& request) const {
  const std::string_view method = request.method() == "HEAD" ? "GET" : request.method();
  RouteMatch match;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Route& route = routes_[i];
    if (!Match(route, request.path(), match.params)) continue;
    if (route.method == method) {
      match.index = static_cast<int>(i);
      match.allowed.clear();
      return match;
    }
    match.allowed.push_back(route.method);
  }
  match.params.clear();
  return match;
}

ApiResponse Router::Run(const RouteMatch& match, const ApiRequest& request) const {
  if (match.index >= 0) return routes_[match.index].handler(request, match.params);
  if (match.allowed.empty()) {
    return ErrorResponse(404, "not_found", fmt::format("no route for {}", request.path()));
  }
  const std::string_view method = request.method() == "HEAD" ? "GET" : request.method();
  ApiResponse response = ErrorResponse(
      405, "method_not_allowed", fmt::format("{} does not accept {}", request.path(), method));
  response.headers.emplace_back("Allow", fmt::format("{}", fmt::join(match.allowed, ", ")));
  return response;
}

}  // namespace eventify::server
