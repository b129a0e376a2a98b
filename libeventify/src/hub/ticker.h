// A thread that calls a function every `interval` of real time until destroyed: what drives the
// hub's timers (Hub::Tick) in production. The deadlines themselves are measured on the engine's
// spi::Clock by the function; the ticker only decides how often they are looked at. An interval
// of zero starts no thread.
//
// Thread-safety: the function runs on the ticker's thread; the destructor waits for a running
// call to return and calls it no more.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace eventify::hub {

class Ticker {
 public:
  Ticker(std::chrono::milliseconds interval, std::function<void()> tick);
  ~Ticker();
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

 private:
  void Loop();

  const std::chrono::milliseconds interval_;
  const std::function<void()> tick_;
  std::mutex mu_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace eventify::hub
