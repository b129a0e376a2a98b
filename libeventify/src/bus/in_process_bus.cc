// The in-process bus (spi::MakeInProcessBus) and its broker. Each bus owns a delivery thread
// and a bounded queue; the broker hands a published payload to the queue of each subscribed bus.
#include <condition_variable>
#include <deque>
#include <thread>
#include <utility>

#include "bus/bus_checks.h"
#include "bus/in_process_broker.h"

namespace eventify::spi {

InProcessBroker::InProcessBroker(std::shared_ptr<const Clock> clock)
    : clock_(clock ? std::move(clock) : std::make_shared<SystemClock>()) {}

void InProcessBroker::Subscribe(Endpoint& endpoint, std::string_view topic) {
  std::lock_guard lock(topics_mu_);
  topics_[std::string(topic)].insert(&endpoint);
}

void InProcessBroker::Unsubscribe(Endpoint& endpoint, std::string_view topic) {
  std::lock_guard lock(topics_mu_);
  auto found = topics_.find(std::string(topic));
  if (found == topics_.end()) return;
  found->second.erase(&endpoint);
  if (found->second.empty()) topics_.erase(found);
}

void InProcessBroker::Remove(Endpoint& endpoint) {
  std::lock_guard lock(topics_mu_);
  for (auto it = topics_.begin(); it != topics_.end();) {
    it->second.erase(&endpoint);
    it = it->second.empty() ? topics_.erase(it) : std::next(it);
  }
}

void InProcessBroker::Publish(std::string_view topic, std::string_view payload) {
  std::lock_guard lock(topics_mu_);
  auto found = topics_.find(std::string(topic));
  if (found == topics_.end()) return;
  for (Endpoint* endpoint : found->second) endpoint->Deliver(topic, payload);
}

std::shared_ptr<InProcessBroker> MakeInProcessBroker(std::shared_ptr<const Clock> clock) {
  return std::make_shared<InProcessBroker>(std::move(clock));
}

namespace {

class InProcessBus final : public Bus, private InProcessBroker::Endpoint {
 public:
  InProcessBus(std::shared_ptr<InProcessBroker> broker, BusQueueOptions options)
      : broker_(std::move(broker)), options_(options) {}

  ~InProcessBus() override {
    Stop();
    broker_->Remove(*this);
  }

  Status Start(BusListener& listener) override {
    {
      std::lock_guard lock(mu_);
      if (state_ != State::kNew) return bus::BusAlreadyStarted();
      state_ = State::kRunning;
      listener_ = &listener;
    }
    thread_ = std::thread([this] { Loop(); });
    return Status::Ok();
  }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      if (state_ == State::kStopped) return;
      state_ = State::kStopped;
    }
    broker_->Remove(*this);
    ready_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  Status Publish(std::string_view topic, std::string_view payload) override {
    if (Status checked = bus::CheckPublish(topic, payload); !checked.ok()) return checked;
    if (stopped()) return bus::BusStopped();
    broker_->Publish(topic, payload);
    return Status::Ok();
  }

  Status Subscribe(std::string_view topic) override {
    if (Status checked = bus::CheckTopic(topic); !checked.ok()) return checked;
    if (stopped()) return bus::BusStopped();
    broker_->Subscribe(*this, topic);
    return Status::Ok();
  }

  Status Unsubscribe(std::string_view topic) override {
    if (Status checked = bus::CheckTopic(topic); !checked.ok()) return checked;
    if (stopped()) return bus::BusStopped();
    broker_->Unsubscribe(*this, topic);
    return Status::Ok();
  }

 private:
  enum class State { kNew, kRunning, kStopped };
  struct Delivery {
    std::string topic;
    std::string payload;
  };

  bool stopped() {
    std::lock_guard lock(mu_);
    return state_ == State::kStopped;
  }

  // Called by the broker under its lock: only queues. Before Start nothing is delivered.
  void Deliver(std::string_view topic, std::string_view payload) override {
    {
      std::lock_guard lock(mu_);
      if (state_ != State::kRunning || overflowed_) return;
      if (queue_.size() >= options_.max_queued) {
        overflowed_ = true;  // reported once the queue has drained
      } else {
        queue_.push_back({std::string(topic), std::string(payload)});
      }
    }
    ready_.notify_one();
  }

  void Loop() {
    for (;;) {
      Delivery next;
      bool report_loss = false;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [this] {
          return state_ == State::kStopped || !queue_.empty() || overflowed_;
        });
        if (state_ == State::kStopped) return;
        if (!queue_.empty()) {
          next = std::move(queue_.front());
          queue_.pop_front();
        } else {
          // Cleared before the report: what arrives while it runs is queued after it.
          report_loss = true;
          overflowed_ = false;
        }
      }
      if (report_loss) {
        listener_->OnLinkLost();
        listener_->OnLinkRestored();
      } else {
        listener_->OnMessage(next.topic, next.payload);
      }
    }
  }

  const std::shared_ptr<InProcessBroker> broker_;
  const BusQueueOptions options_;

  std::mutex mu_;
  std::condition_variable ready_;
  State state_ = State::kNew;
  BusListener* listener_ = nullptr;
  std::deque<Delivery> queue_;
  bool overflowed_ = false;  // payloads were dropped since the last report
  std::thread thread_;
};

}  // namespace

std::shared_ptr<Bus> MakeInProcessBus(std::shared_ptr<InProcessBroker> broker,
                                      BusQueueOptions options) {
  return std::make_shared<InProcessBus>(std::move(broker), options);
}

}  // namespace eventify::spi
