// The Redis token buckets: spi::RateLimiter (spi/rate_limiter.h) kept in Redis, so that several
// processes on one Redis share each limit. Part of eventify::redis (hiredis), beside the bus.
//
// Each Take is one round trip: a Lua script reads the bucket (a hash under
// key_prefix + "rate:" + key), refills it by the time elapsed on Redis's own clock (so the nodes'
// clocks need not agree), spends a token or computes the wait, writes it back and sets an expiry
// of the time the bucket takes to fill up (a full bucket is the same as none). Connections are
// opened on demand and kept for reuse, one per concurrent caller at most.
//
// Ownership: shared. Thread-safety: Take and PingRedis from any thread.
#pragma once

#include <memory>

#include "eventify/export.h"
#include "eventify/backends/redis_bus.h"
#include "eventify/spi/rate_limiter.h"
#include "eventify/status.h"

namespace eventify::spi {

// Checks the options (those of MakeRedisBus: invalid_redis_address, invalid_redis_timeout) and
// connects nothing yet. Take fails with kUnavailable rate_limiter_unavailable while Redis cannot
// be reached, and kInternal rate_limiter_failed when Redis answers something unexpected.
EVENTIFY_EXPORT Result<std::shared_ptr<RateLimiter>> MakeRedisRateLimiter(RedisBusOptions options);

// Whether Redis answers: one PING on a new connection, within connect_timeout and timeout.
// Errors: kInvalidArgument as MakeRedisRateLimiter; kUnavailable redis_unavailable.
EVENTIFY_EXPORT Status PingRedis(const RedisBusOptions& options);

}  // namespace eventify::spi
