#include "eventify/types.h"

#include <fmt/format.h>

#include <pthread.h>

#include <atomic>
#include <charconv>
#include <cstring>

#include "crypto/sodium.h"

namespace eventify {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::hh_mm_ss;
using std::chrono::year_month_day;

bool ParseDigits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// The random bits of ids come from the kernel's generator (through libsodium) a pool at a time
// per thread: randombytes_buf is one getrandom(2) call per use, and every message, booking,
// ticket and transfer takes an id. A fork empties the pools of the child (pthread_atfork), so it
// never hands out bytes its parent hands out too; where the handler cannot be registered, every
// call asks the kernel. (A process cloned without fork's handlers, by raw clone(2) or _Fork,
// would share its parent's pool: the engine does neither.)
std::atomic<std::uint32_t> fork_generation{0};

void TakeRandom(unsigned char* out, std::size_t n) {
  struct Pool {  // trivially destructible: usable from any destructor
    unsigned char bytes[512];
    std::size_t used = sizeof bytes;
    std::uint32_t generation = 0;
  };
  static const bool pooled = pthread_atfork(nullptr, nullptr, [] {
                               fork_generation.fetch_add(1, std::memory_order_relaxed);
                             }) == 0;
  thread_local Pool pool;
  const std::uint32_t generation = fork_generation.load(std::memory_order_relaxed);
  if (!pooled || n > sizeof pool.bytes) {
    const std::string bytes = crypto::RandomBytes(n);
    std::memcpy(out, bytes.data(), n);
    return;
  }
  if (pool.used + n > sizeof pool.bytes || pool.generation != generation) {
    const std::string bytes = crypto::RandomBytes(sizeof pool.bytes);
    std::memcpy(pool.bytes, bytes.data(), sizeof pool.bytes);
    pool.used = 0;
    pool.generation = generation;
  }
  std::memcpy(out, pool.bytes + pool.used, n);
  pool.used += n;
}

}  // namespace

// By hand rather than through fmt: the hub formats every message's time three times (its `sent`,
// `message` and `new_message` frames), and fmt's parsing of the format string was most of it.
std::string FormatTimestamp(Timestamp t) {
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<Duration> hms{t - day};
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(hms.subseconds());
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {  // not four digits: as fmt pads them
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", year,
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                       millis.count());
  }
  std::string out = "0000-00-00T00:00:00.000Z";
  // Writes `value` in the `width` digits ending before `end`.
  auto put = [&out](std::size_t end, int width, long long value) {
    for (int i = 0; i < width; ++i, value /= 10) {
      out[end - 1 - i] = static_cast<char>('0' + value % 10);
    }
  };
  put(4, 4, year);
  put(7, 2, static_cast<unsigned>(ymd.month()));
  put(10, 2, static_cast<unsigned>(ymd.day()));
  put(13, 2, hms.hours().count());
  put(16, 2, hms.minutes().count());
  put(19, 2, hms.seconds().count());
  put(23, 3, millis.count());
  return out;
}

Result<Timestamp> ParseTimestamp(std::string_view text) {
  auto invalid = [] {
    return InvalidArgument("invalid_timestamp",
                           "expected an RFC 3339 timestamp such as 2026-11-24T18:30:00Z");
  };
  int y, mo, d, h, mi, s;
  if (text.size() < 20 || !ParseDigits(text, 0, 4, y) || text[4] != '-' ||
      !ParseDigits(text, 5, 2, mo) || text[7] != '-' || !ParseDigits(text, 8, 2, d) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !ParseDigits(text, 11, 2, h) ||
      text[13] != ':' || !ParseDigits(text, 14, 2, mi) || text[16] != ':' ||
      !ParseDigits(text, 17, 2, s)) {
    return invalid();
  }
  const year_month_day ymd{std::chrono::year(y), std::chrono::month(mo), std::chrono::day(d)};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return invalid();
  std::size_t pos = 19;
  std::int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return invalid();
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!ParseDigits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !ParseDigits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return invalid();
    }
    offset_minutes = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return invalid();
  }
  if (pos != text.size()) return invalid();
  Timestamp t = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
                std::chrono::seconds(s) + Duration(micros);
  return t - std::chrono::minutes(offset_minutes);
}

std::string NewId(Timestamp now) {
  // RFC 9562 UUIDv7: 48 bits of Unix milliseconds, then (method 3) 12 bits of sub-millisecond
  // precision, then 62 random bits. Ids made later sort later at microsecond granularity.
  const std::int64_t micros = ToMicros(now);
  const std::uint64_t millis = static_cast<std::uint64_t>(micros / 1000);
  const std::uint64_t sub_ms = static_cast<std::uint64_t>(micros % 1000) * 4096 / 1000;
  unsigned char b[16];
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(millis >> (40 - 8 * i));
  b[6] = static_cast<unsigned char>(0x70 | ((sub_ms >> 8) & 0x0f));
  b[7] = static_cast<unsigned char>(sub_ms & 0xff);
  TakeRandom(b + 8, 8);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  std::size_t pos = 0;
  for (unsigned char byte : b) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;  // the dashes
    id[pos++] = kHex[byte >> 4];
    id[pos++] = kHex[byte & 0x0f];
  }
  return id;
}

bool IsValidId(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !IsHex(text[i])) return false;
  }
  return true;
}

bool IsValidCurrency(std::string_view code) {
  if (code.size() != 3) return false;
  for (char c : code) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

std::string FormatMoney(const Money& money) {
  const std::int64_t units = money.minor_units;
  const std::uint64_t magnitude =
      units < 0 ? static_cast<std::uint64_t>(-(units + 1)) + 1 : static_cast<std::uint64_t>(units);
  return fmt::format("{} {}{}.{:02}", money.currency, units < 0 ? "-" : "", magnitude / 100,
                     magnitude % 100);
}

}  // namespace eventify
