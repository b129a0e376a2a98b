// One hiredis connection (a blocking redisContext with timeouts), owned by one thread at a time.
// The only place besides the bus and directory sources that sees hiredis types is the .cc.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/backends/redis_bus.h"
#include "eventify/status.h"

struct redisContext;
struct redisReply;

namespace eventify::bus {

// A reply, freed with freeReplyObject.
struct ReplyDeleter {
  void operator()(redisReply* reply) const;
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisConnection {
 public:
  // Connects (connect_timeout), sets the round-trip timeout and authenticates.
  // Errors: kUnavailable redis_unavailable (what failed in the message).
  static Result<std::unique_ptr<RedisConnection>> Open(const spi::RedisBusOptions& options);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Appends one command to the output buffer (sent by the next GetReply or Flush).
  void Append(const std::vector<std::string_view>& argv);
  // Sends what is buffered, then waits for the next reply. A Redis error reply is a reply, not a
  // failure. Errors: kUnavailable redis_unavailable (the connection is then unusable).
  Result<Reply> GetReply();
  // One command, one reply.
  Result<Reply> Command(const std::vector<std::string_view>& argv);

  // For the subscribing thread's poll loop. Flush writes the output buffer; ReadAvailable reads
  // what the socket has (call when poll says readable); NextReply returns a complete reply from
  // what was read, or nullptr. Errors: kUnavailable redis_unavailable.
  int fd() const;
  Status Flush();
  Status ReadAvailable();
  Result<Reply> NextReply();

 private:
  explicit RedisConnection(redisContext* context) : context_(context) {}
  Status Failure(std::string_view doing) const;

  redisContext* context_;
};

// The option checks of MakeRedisBus (invalid_redis_address, invalid_redis_timeout,
// invalid_bus_queue), shared with the presence directory.
Status CheckRedisOptions(const spi::RedisBusOptions& options);

// Reconnect delays: reconnect_min, doubling up to reconnect_max; Reset after a success.
class Backoff {
 public:
  explicit Backoff(const spi::RedisBusOptions& options)
      : min_(options.reconnect_min), max_(options.reconnect_max), next_(min_) {}
  std::chrono::milliseconds Next() {
    const std::chrono::milliseconds now = next_;
    next_ = std::min(next_ * 2, max_);
    return now;
  }
  void Reset() { next_ = min_; }

 private:
  std::chrono::milliseconds min_, max_, next_;
};

// An error reply's text, or empty when `reply` is not an error.
std::string ErrorText(const redisReply& reply);

}  // namespace eventify::bus
