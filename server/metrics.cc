#include "metrics.h"

#include <fmt/format.h>

#include <cmath>

namespace eventify::server {
namespace {

// A label value, escaped as the text format wants (backslash, quote, newline).
std::string LabelValue(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string Number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<std::int64_t>(value));
  }
  return fmt::format("{}", value);
}

}  // namespace

void Metrics::BindRoutes(const Router& router) {
  routes_.clear();
  for (int i = 0; i <= router.size(); ++i) {
    auto series = std::make_unique<RouteSeries>();
    series->method = i < router.size() ? router.method(i) : "";
    series->route = i < router.size() ? router.pattern(i) : "(unmatched)";
    routes_.push_back(std::move(series));
  }
}

Metrics::RouteSeries& Metrics::SeriesFor(int route) {
  if (route < 0 || route + 1 >= static_cast<int>(routes_.size())) return *routes_.back();
  return *routes_[static_cast<std::size_t>(route)];
}

void Metrics::Record(int route, int status, std::chrono::steady_clock::duration elapsed) {
  if (routes_.empty()) return;
  RouteSeries& series = SeriesFor(route);
  const int status_class = std::clamp(status / 100, 1, kStatusClasses) - 1;
  series.requests[static_cast<std::size_t>(status_class)].fetch_add(1, std::memory_order_relaxed);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  const double seconds = static_cast<double>(micros) / 1e6;
  std::size_t bucket = 0;
  while (bucket < kLatencyBounds.size() && seconds > kLatencyBounds[bucket]) ++bucket;
  series.latency[bucket].fetch_add(1, std::memory_order_relaxed);
  series.latency_sum_micros.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, micros)),
                                      std::memory_order_relaxed);
}

void Metrics::AddCounter(std::string name, std::string help, Read read) {
  families_.push_back({std::move(name), std::move(help), "counter", std::move(read)});
}

void Metrics::AddGauge(std::string name, std::string help, Read read) {
  families_.push_back({std::move(name), std::move(help), "gauge", std::move(read)});
}

void Metrics::AddHistogram(std::string name, std::string help, Read read) {
  families_.push_back({std::move(name), std::move(help), "histogram", std::move(read)});
}

std::string Metrics::Render() const {
  std::string out;
  out +=
      "# HELP eventify_http_requests_total HTTP requests answered, by route and status class.\n"
      "# TYPE eventify_http_requests_total counter\n";
  for (const auto& series : routes_) {
    for (int c = 0; c < kStatusClasses; ++c) {
      const std::uint64_t count = series->requests[static_cast<std::size_t>(c)].load(
          std::memory_order_relaxed);
      if (count == 0) continue;
      out += fmt::format(
          "eventify_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}xx\"}} {}\n",
          LabelValue(series->method), LabelValue(series->route), c + 1, count);
    }
  }
  out +=
      "# HELP eventify_http_request_duration_seconds Time from a request's arrival to its "
      "answer, by route.\n"
      "# TYPE eventify_http_request_duration_seconds histogram\n";
  for (const auto& series : routes_) {
    std::uint64_t cumulative = 0;
    std::array<std::uint64_t, kLatencyBounds.size() + 1> counts{};
    for (std::size_t b = 0; b < counts.size(); ++b) {
      counts[b] = series->latency[b].load(std::memory_order_relaxed);
    }
    std::uint64_t total = 0;
    for (std::uint64_t n : counts) total += n;
    if (total == 0) continue;
    const std::string labels = fmt::format("method=\"{}\",route=\"{}\"", LabelValue(series->method),
                                           LabelValue(series->route));
    for (std::size_t b = 0; b < counts.size(); ++b) {
      cumulative += counts[b];
      const std::string le = b < kLatencyBounds.size() ? Number(kLatencyBounds[b]) : "+Inf";
      out += fmt::format("eventify_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n",
                         labels, le, cumulative);
    }
    out += fmt::format(
        "eventify_http_request_duration_seconds_sum{{{}}} {}\n", labels,
        Number(static_cast<double>(series->latency_sum_micros.load(std::memory_order_relaxed)) /
               1e6));
    out += fmt::format("eventify_http_request_duration_seconds_count{{{}}} {}\n", labels, total);
  }
  for (const Family& family : families_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", family.name, family.help, family.name,
                       family.type);
    for (const MetricSample& sample : family.read()) {
      out += sample.labels.empty()
                 ? fmt::format("{}{} {}\n", family.name, sample.suffix, Number(sample.value))
                 : fmt::format("{}{}{{{}}} {}\n", family.name, sample.suffix, sample.labels,
                               Number(sample.value));
    }
  }
  return out;
}

}  // namespace eventify::server
