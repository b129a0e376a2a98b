// Metrics: what GET /metrics shows, in the Prometheus text format (version 0.0.4; docs/operations.md
// lists every metric). Two kinds:
//   - the HTTP requests, counted by the server as they are answered: per route (its method and
//     pattern, never the raw path, so the number of series stays fixed) and status class, and a
//     latency histogram per route. Requests no route matched count under route "(unmatched)".
//     Recording is a few relaxed atomic increments: no lock on the request path.
//   - values read when the page is rendered (open sockets, frames routed, queue depths, pipeline
//     and job counts), each from a callback a part of the server registers (AddCounter, AddGauge).
//
// Thread-safety: AddCounter, AddGauge and BindRoutes before serving; Record and Render from any
// thread at once afterwards.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "router.h"

namespace eventify::server {

// One labelled value of a family read at render time: `labels` as written between the braces
// (`queue="hub"`), empty for none.
struct MetricSample {
  std::string labels;
  double value = 0;
  std::string suffix;  // after the family's name: "_bucket", "_sum", "_count" of a histogram
};

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 11> kLatencyBounds = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                            0.05,  0.1,    0.25,  0.5,  1,
                                                            2.5};

  // Takes the routes' methods and patterns; call once every route has been added.
  void BindRoutes(const Router& router);

  // A request answered: `route` is RouteMatch::index (-1: none matched, or the HTTP layer refused
  // the request before routing), `status` the HTTP status, `elapsed` from its arrival.
  void Record(int route, int status, std::chrono::steady_clock::duration elapsed);

  // A family read when rendering: `name` (with the eventify_ prefix), `help` and a callback
  // returning its samples (called on the thread rendering; it must be quick and never block on
  // a request).
  using Read = std::function<std::vector<MetricSample>()>;
  void AddCounter(std::string name, std::string help, Read read);
  void AddGauge(std::string name, std::string help, Read read);
  // A histogram: the callback returns its _bucket (cumulative, with le), _sum and _count samples.
  void AddHistogram(std::string name, std::string help, Read read);

  // The whole page.
  std::string Render() const;

 private:
  static constexpr int kStatusClasses = 5;  // 1xx..5xx
  struct RouteSeries {
    std::string method;
    std::string route;
    std::array<std::atomic<std::uint64_t>, kStatusClasses> requests{};
    std::array<std::atomic<std::uint64_t>, kLatencyBounds.size() + 1> latency{};  // +Inf last
    std::atomic<std::uint64_t> latency_sum_micros{0};
  };
  struct Family {
    std::string name, help, type;
    Read read;
  };
  RouteSeries& SeriesFor(int route);

  std::vector<std::unique_ptr<RouteSeries>> routes_;  // one per route, then (unmatched)
  std::vector<Family> families_;
};

}  // namespace eventify::server
