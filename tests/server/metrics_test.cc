// The /metrics page (server/metrics.cc): the Prometheus text format, exactly, for a router of two
// routes after a few requests, and the families read when rendering.
#define BOOST_TEST_MODULE server_metrics
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "metrics.h"
#include "router.h"

namespace eventify::server {
namespace {

using namespace std::chrono_literals;

RouteHandler Nothing() {
  return [](const ApiRequest&, const PathParams&) { return NoContent(); };
}

BOOST_AUTO_TEST_CASE(renders_requests_latencies_and_families) {
  Router router;
  router.Add("GET", "/api/v1/events/{}", Nothing());
  router.Add("POST", "/api/v1/events", Nothing());
  Metrics metrics;
  metrics.BindRoutes(router);
  metrics.Record(0, 200, 700us);   // first bucket
  metrics.Record(0, 404, 30ms);    // le 0.05
  metrics.Record(-1, 404, 3s);     // +Inf, no route
  metrics.Record(7, 503, 1ms);     // an index out of range counts as no route; 0.001 inclusive
  metrics.AddGauge("eventify_test_open", "Things open.", [] {
    return std::vector<MetricSample>{{"", 3}};
  });
  metrics.AddCounter("eventify_test_runs_total", "Runs by outcome.", [] {
    return std::vector<MetricSample>{{"outcome=\"ok\"", 12}, {"outcome=\"failed\"", 0.5}};
  });
  metrics.AddHistogram("eventify_test_size", "Sizes.", [] {
    return std::vector<MetricSample>{
        {"le=\"1\"", 1, "_bucket"}, {"le=\"+Inf\"", 2, "_bucket"}, {"", 9, "_sum"},
        {"", 2, "_count"}};
  });
  const std::string expected =
      "# HELP eventify_http_requests_total HTTP requests answered, by route and status class.\n"
      "# TYPE eventify_http_requests_total counter\n"
      "eventify_http_requests_total{method=\"GET\",route=\"/api/v1/events/{}\",status=\"2xx\"} 1\n"
      "eventify_http_requests_total{method=\"GET\",route=\"/api/v1/events/{}\",status=\"4xx\"} 1\n"
      "eventify_http_requests_total{method=\"\",route=\"(unmatched)\",status=\"4xx\"} 1\n"
      "eventify_http_requests_total{method=\"\",route=\"(unmatched)\",status=\"5xx\"} 1\n"
      "# HELP eventify_http_request_duration_seconds Time from a request's arrival to its answer, "
      "by route.\n"
      "# TYPE eventify_http_request_duration_seconds histogram\n"
      "eventify_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/events/{}\",le=\"0.001\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/events/{}\",le=\"0.0025\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/events/{}\",le=\"0.005\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/events/{}\",le=\"0.01\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/events/{}\",le=\"0.025\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/events/{}\",le=\"0.05\"} 2\n"
      "eventify_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/events/{}\",le=\"0.1\"} 2\n"
      "eventify_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/events/{}\",le=\"0.25\"} 2\n"
      "eventify_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/events/{}\",le=\"0.5\"} 2\n"
      "eventify_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/events/{}\",le=\"1\"} 2\n"
      "eventify_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/events/{}\",le=\"2.5\"} 2\n"
      "eventify_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/events/{}\",le=\"+Inf\"} 2\n"
      "eventify_http_request_duration_seconds_sum{method=\"GET\",route=\"/api/v1/events/{}\"} 0.0307\n"
      "eventify_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/events/{}\"} 2\n"
      "eventify_http_request_duration_seconds_bucket{method=\"\",route=\"(unmatched)\",le=\"0.001\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"\",route=\"(unmatched)\",le=\"0.0025\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"\",route=\"(unmatched)\",le=\"0.005\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"\",route=\"(unmatched)\",le=\"0.01\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"\",route=\"(unmatched)\",le=\"0.025\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"\",route=\"(unmatched)\",le=\"0.05\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"\",route=\"(unmatched)\",le=\"0.1\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"\",route=\"(unmatched)\",le=\"0.25\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"\",route=\"(unmatched)\",le=\"0.5\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"\",route=\"(unmatched)\",le=\"1\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"\",route=\"(unmatched)\",le=\"2.5\"} 1\n"
      "eventify_http_request_duration_seconds_bucket{method=\"\",route=\"(unmatched)\",le=\"+Inf\"} 2\n"
      "eventify_http_request_duration_seconds_sum{method=\"\",route=\"(unmatched)\"} 3.001\n"
      "eventify_http_request_duration_seconds_count{method=\"\",route=\"(unmatched)\"} 2\n"
      "# HELP eventify_test_open Things open.\n"
      "# TYPE eventify_test_open gauge\n"
      "eventify_test_open 3\n"
      "# HELP eventify_test_runs_total Runs by outcome.\n"
      "# TYPE eventify_test_runs_total counter\n"
      "eventify_test_runs_total{outcome=\"ok\"} 12\n"
      "eventify_test_runs_total{outcome=\"failed\"} 0.5\n"
      "# HELP eventify_test_size Sizes.\n"
      "# TYPE eventify_test_size histogram\n"
      "eventify_test_size_bucket{le=\"1\"} 1\n"
      "eventify_test_size_bucket{le=\"+Inf\"} 2\n"
      "eventify_test_size_sum 9\n"
      "eventify_test_size_count 2\n";
  BOOST_TEST(metrics.Render() == expected);
}

BOOST_AUTO_TEST_CASE(a_fresh_page_has_the_families_and_no_series) {
  Router router;
  router.Add("GET", "/healthz", Nothing());
  Metrics metrics;
  metrics.BindRoutes(router);
  BOOST_TEST(metrics.Render() ==
             "# HELP eventify_http_requests_total HTTP requests answered, by route and status "
             "class.\n"
             "# TYPE eventify_http_requests_total counter\n"
             "# HELP eventify_http_request_duration_seconds Time from a request's arrival to its "
             "answer, by route.\n"
             "# TYPE eventify_http_request_duration_seconds histogram\n");
}

}  // namespace
}  // namespace eventify::server
