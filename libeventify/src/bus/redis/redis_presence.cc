// The Redis presence directory (eventify/backends/redis_bus.h). Keys, under key_prefix:
//   presence:nodes         a set of the node ids that wrote numbers
//   presence:lease:<node>  "1" with an expiry of lease_ttl: the node is alive
//   presence:node:<node>   a hash user -> connections, with the same expiry
// Every call is one Lua script, so a node's numbers and its lease change together, and a reader
// never adds up a node whose lease is gone (it also drops such nodes from the set).
#include <hiredis.h>

#include <map>
#include <mutex>
#include <utility>

#include "bus/bus_checks.h"
#include "bus/redis/redis_connection.h"

namespace eventify::spi {
namespace {

using bus::RedisConnection;

// KEYS: lease, hash, nodes. ARGV: ttl ms, node id, "1" to rewrite everything / "0" for changes,
// then user, count pairs (count 0 removes). Returns 0, writing nothing, when changes were sent for
// a node Redis forgot: the caller sends everything again.
constexpr std::string_view kWriteScript = R"lua(
if ARGV[3] == '0' and redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[3] == '1' then redis.call('DEL', KEYS[2]) end
for i = 4, #ARGV, 2 do
  if ARGV[i + 1] == '0' then redis.call('HDEL', KEYS[2], ARGV[i])
  else redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
return 1
)lua";

// KEYS: nodes. ARGV: key prefix, then user ids. Returns the totals in the order of the users.
constexpr std::string_view kCountScript = R"lua(
local totals = {}
for i = 2, #ARGV do totals[i - 1] = 0 end
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. 'presence:lease:' .. node) == 1 then
    for i = 2, #ARGV do
      local count = redis.call('HGET', ARGV[1] .. 'presence:node:' .. node, ARGV[i])
      if count then totals[i - 1] = totals[i - 1] + tonumber(count) end
    end
  else
    redis.call('SREM', KEYS[1], node)
  end
end
return totals
)lua";

Status PresenceUnavailable(const Status& cause) {
  return Status(StatusCode::kUnavailable, "presence_unavailable",
                "the presence directory cannot reach Redis: " + cause.message());
}

class RedisPresenceDirectory final : public PresenceDirectory {
 public:
  RedisPresenceDirectory(RedisBusOptions options, std::string node_id,
                         std::chrono::milliseconds lease_ttl)
      : options_(std::move(options)),
        node_id_(std::move(node_id)),
        ttl_(std::to_string(lease_ttl.count())),
        nodes_key_(options_.key_prefix + "presence:nodes"),
        lease_key_(options_.key_prefix + "presence:lease:" + node_id_),
        hash_key_(options_.key_prefix + "presence:node:" + node_id_) {}

  std::string_view node_id() const override { return node_id_; }

  Status SetConnections(std::span<const UserConnections> counts) override {
    for (const UserConnections& count : counts) {
      if (Status checked = bus::CheckCount(count.connections); !checked.ok()) return checked;
    }
    std::lock_guard lock(mu_);
    std::vector<std::string> pairs;
    for (const UserConnections& count : counts) {
      if (count.connections == 0) {
        mine_.erase(count.user_id);
      } else {
        mine_[count.user_id] = count.connections;
      }
      pairs.push_back(count.user_id);
      pairs.push_back(std::to_string(count.connections));
    }
    return Write(pairs);
  }

  Result<std::vector<int>> CountConnections(std::span<const std::string> user_ids) override {
    std::vector<std::string_view> argv{"EVAL", kCountScript, "1", nodes_key_, options_.key_prefix};
    for (const std::string& user : user_ids) argv.push_back(user);
    std::lock_guard lock(mu_);
    Result<bus::Reply> reply = Run(argv);
    if (!reply.ok()) return reply.status();
    const redisReply& totals = **reply;
    if (totals.type != REDIS_REPLY_ARRAY || totals.elements != user_ids.size()) {
      return Unexpected(totals);
    }
    std::vector<int> out;
    for (std::size_t i = 0; i < totals.elements; ++i) {
      out.push_back(static_cast<int>(totals.element[i]->integer));
    }
    return out;
  }

  Status Renew() override {
    std::lock_guard lock(mu_);
    return Write({});
  }

  Status Leave() override {
    std::lock_guard lock(mu_);
    mine_.clear();
    for (const std::vector<std::string_view>& argv :
         {std::vector<std::string_view>{"DEL", lease_key_, hash_key_},
          std::vector<std::string_view>{"SREM", nodes_key_, node_id_}}) {
      Result<bus::Reply> reply = Run(argv);
      if (!reply.ok()) return reply.status();
    }
    return Status::Ok();
  }

 private:
  // Sends `pairs` as changes; when Redis forgot this node, everything this node holds.
  Status Write(const std::vector<std::string>& pairs) {
    Result<bool> written = WriteScript(false, pairs);
    if (!written.ok()) return written.status();
    if (*written) return Status::Ok();
    std::vector<std::string> all;
    for (const auto& [user, connections] : mine_) {
      all.push_back(user);
      all.push_back(std::to_string(connections));
    }
    written = WriteScript(true, all);
    return written.ok() ? Status::Ok() : written.status();
  }

  Result<bool> WriteScript(bool everything, const std::vector<std::string>& pairs) {
    std::vector<std::string_view> argv{"EVAL", kWriteScript, "3", lease_key_, hash_key_,
                                       nodes_key_, ttl_, node_id_, everything ? "1" : "0"};
    for (const std::string& arg : pairs) argv.push_back(arg);
    Result<bus::Reply> reply = Run(argv);
    if (!reply.ok()) return reply.status();
    if ((*reply)->type != REDIS_REPLY_INTEGER) return Unexpected(**reply);
    return (*reply)->integer == 1;
  }

  // One command on the connection, opened first when there is none; a failure drops it.
  Result<bus::Reply> Run(const std::vector<std::string_view>& argv) {
    if (connection_ == nullptr) {
      Result<std::unique_ptr<RedisConnection>> opened = RedisConnection::Open(options_);
      if (!opened.ok()) return PresenceUnavailable(opened.status());
      connection_ = std::move(opened).value();
    }
    Result<bus::Reply> reply = connection_->Command(argv);
    if (!reply.ok()) {
      connection_.reset();
      return PresenceUnavailable(reply.status());
    }
    return reply;
  }

  static Status Unexpected(const redisReply& reply) {
    return Status(StatusCode::kInternal, "presence_failed",
                  "unexpected answer from Redis: " + bus::ErrorText(reply));
  }

  const RedisBusOptions options_;
  const std::string node_id_;
  const std::string ttl_;  // milliseconds, as the scripts take it
  const std::string nodes_key_, lease_key_, hash_key_;

  std::mutex mu_;  // one call at a time on the connection
  std::unique_ptr<RedisConnection> connection_;
  std::map<std::string, int> mine_;  // this node's numbers, users above zero
};

}  // namespace

Result<std::shared_ptr<PresenceDirectory>> MakeRedisPresenceDirectory(
    RedisBusOptions options, std::string node_id, std::chrono::milliseconds lease_ttl) {
  if (Status checked = bus::CheckRedisOptions(options); !checked.ok()) return checked;
  if (Status checked = CheckNodeId(node_id); !checked.ok()) return checked;
  if (Status checked = bus::CheckLeaseTtl(lease_ttl); !checked.ok()) return checked;
  return std::shared_ptr<PresenceDirectory>(std::make_shared<RedisPresenceDirectory>(
      std::move(options), std::move(node_id), lease_ttl));
}

}  // namespace eventify::spi
