// The Redis bus (eventify/backends/redis_bus.h): a publishing thread that pipelines batches of
// PUBLISH on its own connection, and a subscribing thread that polls its connection and a wake
// pipe, applies subscription changes, delivers payloads and reports outages.
#include <fcntl.h>
#include <hiredis.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "bus/bus_checks.h"
#include "bus/redis/redis_connection.h"

namespace eventify::spi {
namespace {

using bus::RedisConnection;

class RedisBus final : public Bus {
 public:
  explicit RedisBus(RedisBusOptions options)
      : options_(std::move(options)), channel_prefix_(options_.key_prefix + "bus:") {
    if (pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
  }

  ~RedisBus() override {
    Stop();
    for (int fd : wake_) {
      if (fd >= 0) close(fd);
    }
  }

  Status Start(BusListener& listener) override {
    {
      std::scoped_lock lock(pub_mu_, sub_mu_);
      if (state_ != State::kNew) return bus::BusAlreadyStarted();
      state_ = State::kRunning;
      listener_ = &listener;
    }
    publisher_ = std::thread([this] { PublishLoop(); });
    subscriber_ = std::thread([this] { SubscribeLoop(); });
    return Status::Ok();
  }

  void Stop() override {
    {
      std::scoped_lock lock(pub_mu_, sub_mu_);
      if (state_ == State::kStopped) return;
      state_ = State::kStopped;
    }
    pub_ready_.notify_all();
    Wake();
    if (publisher_.joinable()) publisher_.join();
    if (subscriber_.joinable()) subscriber_.join();
  }

  Status Publish(std::string_view topic, std::string_view payload) override {
    if (Status checked = bus::CheckPublish(topic, payload); !checked.ok()) return checked;
    {
      std::lock_guard lock(pub_mu_);
      if (state_ == State::kStopped) return bus::BusStopped();
      if (outgoing_.size() >= options_.max_queued) {
        return Status(StatusCode::kResourceExhausted, "bus_queue_full",
                      "too many payloads wait for Redis; this one was not queued");
      }
      outgoing_.push_back({channel_prefix_ + std::string(topic), std::string(payload)});
    }
    pub_ready_.notify_one();
    return Status::Ok();
  }

  Status Subscribe(std::string_view topic) override { return Change(topic, true); }
  Status Unsubscribe(std::string_view topic) override { return Change(topic, false); }

 private:
  enum class State { kNew, kRunning, kStopped };
  struct Outgoing {
    std::string channel;
    std::string payload;
  };

  Status Change(std::string_view topic, bool subscribe) {
    if (Status checked = bus::CheckTopic(topic); !checked.ok()) return checked;
    {
      std::lock_guard lock(sub_mu_);
      if (state_ == State::kStopped) return bus::BusStopped();
      std::string channel = channel_prefix_ + std::string(topic);
      if (subscribe) {
        wanted_.insert(std::move(channel));
      } else {
        wanted_.erase(channel);
      }
    }
    Wake();
    return Status::Ok();
  }

  bool stopping() {
    std::lock_guard lock(sub_mu_);
    return state_ == State::kStopped;
  }

  void Wake() {
    const char byte = 1;
    if (wake_[1] >= 0 && write(wake_[1], &byte, 1) < 0) {
      // Full pipe: a wake-up is pending anyway.
    }
  }

  void DrainWake() {
    char buffer[64];
    while (read(wake_[0], buffer, sizeof buffer) > 0) {
    }
  }

  // ---- Publishing thread ----

  void PublishLoop() {
    std::unique_ptr<RedisConnection> connection;
    bus::Backoff backoff(options_);
    std::vector<Outgoing> batch;
    for (;;) {
      {
        std::unique_lock lock(pub_mu_);
        pub_ready_.wait(lock, [this] { return state_ == State::kStopped || !outgoing_.empty(); });
        if (outgoing_.empty()) return;  // stopping, everything handed over
        if (state_ == State::kStopped && connection == nullptr) return;  // no link: dropped
      }
      if (connection == nullptr) {
        Result<std::unique_ptr<RedisConnection>> opened = RedisConnection::Open(options_);
        if (!opened.ok()) {
          std::unique_lock lock(pub_mu_);
          pub_ready_.wait_for(lock, backoff.Next(), [this] { return state_ == State::kStopped; });
          continue;
        }
        connection = std::move(opened).value();
        backoff.Reset();
      }
      {
        std::lock_guard lock(pub_mu_);
        while (!outgoing_.empty() && batch.size() < options_.max_batch) {
          batch.push_back(std::move(outgoing_.front()));
          outgoing_.pop_front();
        }
      }
      for (const Outgoing& out : batch) connection->Append({"PUBLISH", out.channel, out.payload});
      bool failed = false;
      for (std::size_t i = 0; i < batch.size() && !failed; ++i) {
        failed = !connection->GetReply().ok();
      }
      batch.clear();
      if (failed) {  // the batch may be lost: at most once, never resent
        connection.reset();
        publish_lost_ = true;
        Wake();
      }
    }
  }

  // ---- Subscribing thread ----

  void SubscribeLoop() {
    std::unique_ptr<RedisConnection> connection;
    std::set<std::string> sent;  // channels subscribed on `connection`
    bool lost = false;           // OnLinkLost reported, OnLinkRestored not yet
    bool restoring = false;      // connected again, confirmations outstanding
    std::size_t awaiting = 0;    // subscribe confirmations before OnLinkRestored
    bus::Backoff backoff(options_);
    auto lose = [&] {
      connection.reset();
      sent.clear();
      restoring = false;
      if (!lost) listener_->OnLinkLost();
      lost = true;
    };
    while (!stopping()) {
      if (connection == nullptr) {
        Result<std::unique_ptr<RedisConnection>> opened = RedisConnection::Open(options_);
        if (!opened.ok()) {
          if (!lost) listener_->OnLinkLost();
          lost = true;
          WaitForWake(backoff.Next());
          continue;
        }
        connection = std::move(opened).value();
        backoff.Reset();
        restoring = lost;
        awaiting = 0;
      }
      if (!ApplySubscriptions(*connection, sent, restoring ? &awaiting : nullptr)) {
        lose();
        continue;
      }
      if (restoring && awaiting == 0) {
        restoring = false;
        lost = false;
        listener_->OnLinkRestored();
      }
      if (publish_lost_.exchange(false) && !lost) {
        listener_->OnLinkLost();
        listener_->OnLinkRestored();
      }
      pollfd fds[2] = {{connection->fd(), POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) continue;  // EINTR
      if (fds[1].revents != 0) DrainWake();
      if (fds[0].revents == 0) continue;
      if (!connection->ReadAvailable().ok() || !DeliverReplies(*connection, &awaiting)) lose();
    }
  }

  // Subscribes what is wanted and not sent, unsubscribes what is sent and no longer wanted; when
  // `awaiting` is given, counts the confirmations to wait for. False when the connection broke.
  bool ApplySubscriptions(RedisConnection& connection, std::set<std::string>& sent,
                          std::size_t* awaiting) {
    std::vector<std::string_view> subscribe{"SUBSCRIBE"};
    std::vector<std::string_view> unsubscribe{"UNSUBSCRIBE"};
    std::set<std::string> wanted;
    {
      std::lock_guard lock(sub_mu_);
      wanted = wanted_;
    }
    for (const std::string& channel : wanted) {
      if (!sent.contains(channel)) subscribe.push_back(channel);
    }
    for (const std::string& channel : sent) {
      if (!wanted.contains(channel)) unsubscribe.push_back(channel);
    }
    if (subscribe.size() == 1 && unsubscribe.size() == 1) return true;
    if (subscribe.size() > 1) connection.Append(subscribe);
    if (unsubscribe.size() > 1) connection.Append(unsubscribe);
    if (awaiting != nullptr) *awaiting += subscribe.size() - 1;
    sent = std::move(wanted);
    return connection.Flush().ok();
  }

  // Hands every complete reply read so far to the listener. False on a broken stream.
  bool DeliverReplies(RedisConnection& connection, std::size_t* awaiting) {
    for (;;) {
      Result<bus::Reply> next = connection.NextReply();
      if (!next.ok()) return false;
      if (*next == nullptr) return true;
      const redisReply& reply = **next;
      if (reply.type != REDIS_REPLY_ARRAY || reply.elements < 3 ||
          reply.element[0]->type != REDIS_REPLY_STRING) {
        continue;
      }
      const std::string_view kind(reply.element[0]->str, reply.element[0]->len);
      if (kind == "message") {
        const std::string_view channel(reply.element[1]->str, reply.element[1]->len);
        const std::string_view payload(reply.element[2]->str, reply.element[2]->len);
        if (channel.starts_with(channel_prefix_)) {
          listener_->OnMessage(channel.substr(channel_prefix_.size()), payload);
        }
      } else if (kind == "subscribe" && *awaiting > 0) {
        --*awaiting;
      }
    }
  }

  void WaitForWake(std::chrono::milliseconds delay) {
    pollfd fd{wake_[0], POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(delay.count())) > 0) DrainWake();
  }

  const RedisBusOptions options_;
  const std::string channel_prefix_;
  int wake_[2] = {-1, -1};  // the subscribing thread's wake-up pipe

  std::mutex pub_mu_;
  std::condition_variable pub_ready_;
  std::deque<Outgoing> outgoing_;

  std::mutex sub_mu_;
  std::set<std::string> wanted_;  // channels this node subscribes

  State state_ = State::kNew;  // written under both mutexes, read under either
  BusListener* listener_ = nullptr;
  std::atomic<bool> publish_lost_{false};
  std::thread publisher_;
  std::thread subscriber_;
};

}  // namespace

Result<std::shared_ptr<Bus>> MakeRedisBus(RedisBusOptions options) {
  if (Status checked = bus::CheckRedisOptions(options); !checked.ok()) return checked;
  return std::shared_ptr<Bus>(std::make_shared<RedisBus>(std::move(options)));
}

}  // namespace eventify::spi
