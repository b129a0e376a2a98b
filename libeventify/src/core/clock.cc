#include "eventify/spi/clock.h"

namespace eventify::spi {

Timestamp SystemClock::Now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

}  // namespace eventify::spi
