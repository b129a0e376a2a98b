#include "bus/redis/redis_connection.h"

#include <hiredis.h>
#include <sys/time.h>

#include <chrono>

namespace eventify::bus {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
  return tv;
}

Status Unavailable(std::string message) {
  return Status(StatusCode::kUnavailable, "redis_unavailable", std::move(message));
}

}  // namespace

Status CheckRedisOptions(const spi::RedisBusOptions& options) {
  if (options.host.empty()) {
    return Status(StatusCode::kInvalidArgument, "invalid_redis_address",
                  "the Redis host is empty", "host");
  }
  if (options.port < 1 || options.port > 65535) {
    return Status(StatusCode::kInvalidArgument, "invalid_redis_address",
                  "the Redis port is between 1 and 65535", "port");
  }
  if (options.connect_timeout.count() <= 0 || options.timeout.count() <= 0 ||
      options.reconnect_min.count() <= 0 || options.reconnect_min > options.reconnect_max) {
    return Status(StatusCode::kInvalidArgument, "invalid_redis_timeout",
                  "timeouts and backoffs are positive, reconnect_min at most reconnect_max",
                  "timeout");
  }
  if (options.max_queued == 0 || options.max_batch == 0) {
    return Status(StatusCode::kInvalidArgument, "invalid_bus_queue",
                  "max_queued and max_batch are at least 1", "max_queued");
  }
  return Status::Ok();
}

void ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

std::string ErrorText(const redisReply& reply) {
  if (reply.type != REDIS_REPLY_ERROR) return {};
  return std::string(reply.str, reply.len);
}

Result<std::unique_ptr<RedisConnection>> RedisConnection::Open(
    const spi::RedisBusOptions& options) {
  redisContext* context =
      redisConnectWithTimeout(options.host.c_str(), options.port, ToTimeval(options.connect_timeout));
  if (context == nullptr) return Unavailable("cannot allocate a Redis connection");
  std::unique_ptr<RedisConnection> connection(new RedisConnection(context));
  if (context->err != 0) return connection->Failure("connecting to Redis");
  if (redisSetTimeout(context, ToTimeval(options.timeout)) != REDIS_OK) {
    return connection->Failure("setting the Redis timeout");
  }
  redisEnableKeepAlive(context);
  if (!options.password.empty()) {
    Result<Reply> auth = connection->Command({"AUTH", options.password});
    if (!auth.ok()) return auth.status();
    if (std::string error = ErrorText(**auth); !error.empty()) {
      return Unavailable("Redis refused AUTH: " + error);
    }
  }
  return connection;
}

RedisConnection::~RedisConnection() { redisFree(context_); }

void RedisConnection::Append(const std::vector<std::string_view>& argv) {
  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
  pointers.reserve(argv.size());
  lengths.reserve(argv.size());
  for (std::string_view arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  redisAppendCommandArgv(context_, static_cast<int>(argv.size()), pointers.data(),
                         lengths.data());
}

Result<Reply> RedisConnection::GetReply() {
  void* reply = nullptr;
  if (redisGetReply(context_, &reply) != REDIS_OK || reply == nullptr) {
    return Failure("waiting for Redis");
  }
  return Reply(static_cast<redisReply*>(reply));
}

Result<Reply> RedisConnection::Command(const std::vector<std::string_view>& argv) {
  Append(argv);
  return GetReply();
}

int RedisConnection::fd() const { return context_->fd; }

Status RedisConnection::Flush() {
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(context_, &done) != REDIS_OK) return Failure("writing to Redis");
  }
  return Status::Ok();
}

Status RedisConnection::ReadAvailable() {
  if (redisBufferRead(context_) != REDIS_OK) return Failure("reading from Redis");
  return Status::Ok();
}

Result<Reply> RedisConnection::NextReply() {
  void* reply = nullptr;
  if (redisGetReplyFromReader(context_, &reply) != REDIS_OK) {
    return Failure("reading a Redis reply");
  }
  return Reply(static_cast<redisReply*>(reply));
}

Status RedisConnection::Failure(std::string_view doing) const {
  std::string detail = context_->errstr[0] != '\0' ? context_->errstr : "connection failed";
  return Unavailable(std::string(doing) + ": " + detail);
}

}  // namespace eventify::bus
