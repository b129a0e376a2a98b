#include "ops_wiring.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "eventify/backends/redis_bus.h"
#include "eventify/backends/redis_rate_limiter.h"

namespace eventify::server {

void CountingTransport::Send(spi::ConnectionId connection, std::string frame) {
  frames_sent_.fetch_add(1, std::memory_order_relaxed);
  inner_->Send(connection, std::move(frame));
}

void CountingTransport::Close(spi::ConnectionId connection, std::string_view reason) {
  inner_->Close(connection, reason);
}

void CountingInbound::OnOpened(spi::ConnectionId connection, std::string access_token) {
  opened_.fetch_add(1, std::memory_order_relaxed);
  hub_->OnOpened(connection, std::move(access_token));
}

void CountingInbound::OnFrame(spi::ConnectionId connection, std::string frame) {
  frames_received_.fetch_add(1, std::memory_order_relaxed);
  hub_->OnFrame(connection, std::move(frame));
}

void CountingInbound::OnKeepAlive(spi::ConnectionId connection) { hub_->OnKeepAlive(connection); }

void CountingInbound::OnClosed(spi::ConnectionId connection) {
  closed_.fetch_add(1, std::memory_order_relaxed);
  hub_->OnClosed(connection);
}

EventAnnouncer::EventAnnouncer(Events& events, Hub& hub)
    : events_(events), hub_(hub), handle_(events.AddObserver(this)) {}

EventAnnouncer::~EventAnnouncer() { events_.RemoveObserver(handle_); }

void EventAnnouncer::OnEventApproved(const Event& event) { hub_.AnnounceEvent(event); }

Result<std::shared_ptr<spi::RateLimiter>> MakeRateLimiter(const ServerConfig& config) {
  if (config.redis.host.empty()) return spi::MakeInProcessRateLimiter(nullptr);
  return spi::MakeRedisRateLimiter(config.redis);
}

namespace {

// "<host name>-<process id>", with what CheckNodeId refuses replaced by '-'.
std::string DefaultNodeId() {
  std::array<char, 256> host{};
  std::string name = ::gethostname(host.data(), host.size() - 1) == 0 ? host.data() : "";
  if (name.empty()) name = "node";
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '-';
  }
  const std::string pid = fmt::format("-{}", ::getpid());
  name.resize(std::min(name.size(), std::size_t{64} - pid.size()));
  return name + pid;
}

}  // namespace

Result<std::unique_ptr<Hub>> MakeHub(Engine& engine, std::shared_ptr<spi::Transport> transport,
                                     const ServerConfig& config) {
  if (config.redis.host.empty()) return Hub::Create(engine, std::move(transport), config.hub);
  const std::string node_id = config.node_id.empty() ? DefaultNodeId() : config.node_id;
  auto bus = spi::MakeRedisBus(config.redis);
  if (!bus.ok()) return bus.status();
  auto directory = spi::MakeRedisPresenceDirectory(config.redis, node_id);
  if (!directory.ok()) return directory.status();
  HubCluster cluster{.bus = std::move(bus).value(),
                     .directory = std::move(directory).value(),
                     .node_id = node_id};
  return Hub::CreateNode(engine, std::move(transport), config.hub, std::move(cluster));
}

namespace {

std::vector<MetricSample> One(double value) {
  return {MetricSample{.labels = "", .value = value, .suffix = ""}};
}

}  // namespace

void AddServerMetrics(Metrics& metrics, const Engine& engine, const CountingTransport& transport,
                      const CountingInbound& inbound, const RateLimits& limits) {
  const auto stats = [&engine] { return engine.stats(); };
  metrics.AddGauge("eventify_ws_connections", "WebSocket connections open (reported to the hub).",
                   [&inbound] { return One(static_cast<double>(inbound.open())); });
  metrics.AddCounter("eventify_ws_frames_received_total", "Frames clients sent on WebSockets.",
                     [&inbound] { return One(static_cast<double>(inbound.frames_received())); });
  metrics.AddCounter(
      "eventify_hub_frames_routed_total",
      "Frames the chat hub routed to connections (messages, receipts, presence, typing...).",
      [&transport] { return One(static_cast<double>(transport.frames_sent())); });
  metrics.AddGauge("eventify_pipeline_queued_operations",
                   "Writes waiting in the commit pipeline's queue.",
                   [stats] { return One(static_cast<double>(stats().pipeline_queued)); });
  metrics.AddHistogram(
      "eventify_pipeline_batch_size", "Writes per commit pipeline transaction.", [stats] {
        const EngineStats s = stats();
        std::vector<MetricSample> samples;
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < s.pipeline_batch_sizes.size(); ++i) {
          cumulative += s.pipeline_batch_sizes[i];
          const std::string le = i < EngineStats::kBatchSizeBounds.size()
                                     ? std::to_string(EngineStats::kBatchSizeBounds[i])
                                     : std::string("+Inf");
          samples.push_back(
              {fmt::format("le=\"{}\"", le), static_cast<double>(cumulative), "_bucket"});
        }
        samples.push_back({"", static_cast<double>(s.pipeline_operations), "_sum"});
        samples.push_back({"", static_cast<double>(s.pipeline_batches), "_count"});
        return samples;
      });
  metrics.AddCounter("eventify_jobs_runs_total",
                     "Job attempts this process ran, by outcome.", [stats] {
                       const EngineStats s = stats();
                       return std::vector<MetricSample>{
                           {"outcome=\"succeeded\"", static_cast<double>(s.jobs.succeeded), ""},
                           {"outcome=\"failed\"", static_cast<double>(s.jobs.failed), ""}};
                     });
  metrics.AddCounter("eventify_http_rate_limited_total",
                     "Requests refused with 429 by the HTTP rate limits.",
                     [&limits] { return One(static_cast<double>(limits.refused())); });
  metrics.AddCounter(
      "eventify_http_rate_limiter_errors_total",
      "Rate limit checks that failed (Redis unreachable): those requests were let through.",
      [&limits] { return One(static_cast<double>(limits.failures())); });
}

}  // namespace eventify::server
