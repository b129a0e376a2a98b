// Clock: where the engine reads the time. Every expiry (tokens, one-time codes, holds) is
// computed from it, so tests drive time with ManualClock instead of sleeping.
//
// Thread-safety: implementations must allow Now() from many threads at once.
#pragma once

#include <atomic>

#include "eventify/export.h"
#include "eventify/types.h"

namespace eventify::spi {

class EVENTIFY_EXPORT Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

// The operating system's real-time clock.
class EVENTIFY_EXPORT SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
};

// A clock that only moves when told to. Thread-safe.
class EVENTIFY_EXPORT ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : micros_(ToMicros(start)) {}
  Timestamp Now() const override { return FromMicros(micros_.load()); }
  void Advance(Duration by) { micros_ += by.count(); }
  void Set(Timestamp t) { micros_ = ToMicros(t); }

 private:
  std::atomic<std::int64_t> micros_;
};

}  // namespace eventify::spi
