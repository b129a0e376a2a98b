#define BOOST_TEST_MODULE core
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "eventify/spi/clock.h"
#include "eventify/status.h"
#include "eventify/types.h"

using namespace eventify;

BOOST_AUTO_TEST_SUITE(status)

BOOST_AUTO_TEST_CASE(ok_status_has_no_reason_beyond_ok) {
  Status s;
  BOOST_TEST(s.ok());
  BOOST_TEST(s.reason() == "ok");
  BOOST_TEST(HttpStatusFor(s.code()) == 200);
}

BOOST_AUTO_TEST_CASE(reason_field_and_message_are_kept) {
  Status s = InvalidArgument("weak_password", "too short", "password");
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.reason() == "weak_password");
  BOOST_TEST(s.field() == "password");
  BOOST_TEST(s.message() == "too short");
  BOOST_TEST(s.ToString().find("weak_password") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(empty_reason_falls_back_to_code_name) {
  Status s(StatusCode::kNotFound, "", "gone");
  BOOST_TEST(s.reason() == "not_found");
}

BOOST_AUTO_TEST_CASE(throttles_say_when_to_retry_in_whole_seconds) {
  BOOST_TEST(ResourceExhausted("resend_throttled", "wait").retry_after().count() == 0);
  const Status throttled =
      ResourceExhausted("attempts_throttled", "wait", std::chrono::seconds(42));
  BOOST_TEST((throttled.code() == StatusCode::kResourceExhausted));
  BOOST_TEST(throttled.retry_after().count() == 42);
  // A throttle that says "retry" says "in a second" at the least.
  BOOST_TEST(ResourceExhausted("x", "wait", std::chrono::seconds(0)).retry_after().count() == 1);
  BOOST_TEST(InvalidArgument("x", "bad").retry_after().count() == 0);
}

BOOST_AUTO_TEST_CASE(http_table_maps_every_code_to_a_fitting_status) {
  BOOST_TEST(HttpStatusFor(StatusCode::kInvalidArgument) == 400);
  BOOST_TEST(HttpStatusFor(StatusCode::kUnauthenticated) == 401);
  BOOST_TEST(HttpStatusFor(StatusCode::kPermissionDenied) == 403);
  BOOST_TEST(HttpStatusFor(StatusCode::kNotFound) == 404);
  BOOST_TEST(HttpStatusFor(StatusCode::kAlreadyExists) == 409);
  BOOST_TEST(HttpStatusFor(StatusCode::kAborted) == 409);
  BOOST_TEST(HttpStatusFor(StatusCode::kPayloadTooLarge) == 413);
  BOOST_TEST(HttpStatusFor(StatusCode::kUnsupportedMediaType) == 415);
  BOOST_TEST(HttpStatusFor(StatusCode::kFailedPrecondition) == 422);
  BOOST_TEST(HttpStatusFor(StatusCode::kResourceExhausted) == 429);
  BOOST_TEST(HttpStatusFor(StatusCode::kInternal) == 500);
  BOOST_TEST(HttpStatusFor(StatusCode::kUnavailable) == 503);
  for (int c = 1; c <= static_cast<int>(StatusCode::kUnsupportedMediaType); ++c) {
    const int http = HttpStatusFor(static_cast<StatusCode>(c));
    BOOST_TEST(http >= 400);
    BOOST_TEST(StatusCodeName(static_cast<StatusCode>(c)) != "unknown");
  }
}

BOOST_AUTO_TEST_CASE(result_holds_value_or_status) {
  Result<int> good = 42;
  BOOST_TEST(good.ok());
  BOOST_TEST(*good == 42);
  BOOST_TEST(good.status().ok());
  Result<int> bad = NotFound("user_not_found", "no such user");
  BOOST_TEST(!bad.ok());
  BOOST_TEST(bad.status().reason() == "user_not_found");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ids)

BOOST_AUTO_TEST_CASE(new_id_is_a_canonical_uuid_v7) {
  const Timestamp now = spi::SystemClock().Now();
  const std::string id = NewId(now);
  BOOST_TEST(IsValidId(id));
  BOOST_TEST(id[14] == '7');  // version nibble
  BOOST_TEST(std::string("89ab").find(id[19]) != std::string::npos);  // RFC variant
}

BOOST_AUTO_TEST_CASE(ids_sort_by_creation_time_and_are_unique) {
  const Timestamp start = FromMicros(1'800'000'000'000'000);
  std::vector<std::string> ids;
  for (int i = 0; i < 2000; ++i) ids.push_back(NewId(start + Duration(i * 7)));
  BOOST_TEST(std::is_sorted(ids.begin(), ids.end()));
  BOOST_TEST(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
  std::set<std::string> same_instant;
  for (int i = 0; i < 2000; ++i) same_instant.insert(NewId(start));
  BOOST_TEST(same_instant.size() == 2000u);
}

// Ids take their random bits from a pool per thread; a forked child must not repeat the bytes
// left in its parent's pool.
BOOST_AUTO_TEST_CASE(a_forked_child_makes_other_ids_than_its_parent) {
  const Timestamp at = FromMicros(1'800'000'000'000'000);
  NewId(at);  // this thread's pool is filled before the fork
  int fds[2];
  BOOST_REQUIRE(pipe(fds) == 0);
  const pid_t child = fork();
  BOOST_REQUIRE(child >= 0);
  constexpr int kIds = 16;
  if (child == 0) {
    std::string ids;
    for (int i = 0; i < kIds; ++i) ids += NewId(at);
    const bool written = write(fds[1], ids.data(), ids.size()) == static_cast<ssize_t>(ids.size());
    _exit(written ? 0 : 1);
  }
  close(fds[1]);
  std::set<std::string> ours;
  for (int i = 0; i < kIds; ++i) ours.insert(NewId(at));
  std::string theirs;
  char buffer[256];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) theirs.append(buffer, n);
  close(fds[0]);
  int status = 0;
  BOOST_REQUIRE(waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
  BOOST_REQUIRE_EQUAL(theirs.size(), static_cast<std::size_t>(kIds) * 36);
  for (int i = 0; i < kIds; ++i) {
    const std::string id = theirs.substr(static_cast<std::size_t>(i) * 36, 36);
    BOOST_TEST_INFO("child id " << id);
    BOOST_TEST(IsValidId(id));
    BOOST_TEST(!ours.contains(id));
  }
}

BOOST_AUTO_TEST_CASE(id_validation_rejects_malformed_text) {
  BOOST_TEST(IsValidId("0190f5a2-7b3c-7def-8123-456789abcdef"));
  BOOST_TEST(!IsValidId(""));
  BOOST_TEST(!IsValidId("0190F5A2-7B3C-7DEF-8123-456789ABCDEF"));  // upper case is not canonical
  BOOST_TEST(!IsValidId("0190f5a2-7b3c-7def-8123-456789abcde"));
  BOOST_TEST(!IsValidId("0190f5a2x7b3c-7def-8123-456789abcdef"));
  BOOST_TEST(!IsValidId("'; drop table users; --------------"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(timestamps)

BOOST_AUTO_TEST_CASE(format_is_rfc3339_utc_milliseconds) {
  BOOST_TEST(FormatTimestamp(FromMicros(0)) == "1970-01-01T00:00:00.000Z");
  BOOST_TEST(FormatTimestamp(FromMicros(1'795'989'569'123'456)) == "2026-11-29T21:59:29.123Z");
  BOOST_TEST(FormatTimestamp(FromMicros(951'868'799'999'999)) == "2000-02-29T23:59:59.999Z");
  BOOST_TEST(FormatTimestamp(FromMicros(-1)) == "1969-12-31T23:59:59.999Z");
  BOOST_TEST(FormatTimestamp(FromMicros(-62'167'219'200'000'000)) == "0000-01-01T00:00:00.000Z");
  BOOST_TEST(FormatTimestamp(FromMicros(253'402'300'800'000'000)) == "10000-01-01T00:00:00.000Z");
}

BOOST_AUTO_TEST_CASE(parse_round_trips_and_honours_offsets) {
  auto t = ParseTimestamp("2026-11-29T21:59:29.123456Z");
  BOOST_REQUIRE(t.ok());
  BOOST_TEST(ToMicros(*t) == 1'795'989'569'123'456);
  auto shifted = ParseTimestamp("2026-11-30T03:29:29.123456+05:30");
  BOOST_REQUIRE(shifted.ok());
  BOOST_TEST(ToMicros(*shifted) == ToMicros(*t));
  auto far = ParseTimestamp("2100-01-01T00:00:00Z");
  BOOST_REQUIRE(far.ok());
  BOOST_TEST(FormatTimestamp(*far) == "2100-01-01T00:00:00.000Z");
}

BOOST_AUTO_TEST_CASE(parse_rejects_malformed_text) {
  for (const char* bad : {"", "2026-11-29", "2026-11-29T21:59:29", "2026-02-30T00:00:00Z",
                          "2026-11-29T24:00:00Z", "2026-11-29T21:59:29.Z", "2026-11-29T21:59:29Zjunk",
                          "2026-11-29T21:59:29+0530", "yesterday at noon"}) {
    auto t = ParseTimestamp(bad);
    BOOST_TEST(!t.ok(), bad);
    BOOST_TEST(t.status().reason() == "invalid_timestamp");
  }
}

BOOST_AUTO_TEST_CASE(manual_clock_moves_only_when_told) {
  spi::ManualClock clock(FromMicros(1000));
  BOOST_TEST(ToMicros(clock.Now()) == 1000);
  clock.Advance(std::chrono::seconds(2));
  BOOST_TEST(ToMicros(clock.Now()) == 2'001'000);
  clock.Set(FromMicros(5));
  BOOST_TEST(ToMicros(clock.Now()) == 5);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(money)

BOOST_AUTO_TEST_CASE(money_is_exact_integer_minor_units) {
  Money big{5'000'000'000'000LL, "INR"};  // far beyond 2^31 minor units
  BOOST_TEST(FormatMoney(big) == "INR 50000000000.00");
  BOOST_TEST(FormatMoney(Money{-5, "EUR"}) == "EUR -0.05");
  BOOST_TEST(FormatMoney(Money{INT64_MIN, "USD"}) == "USD -92233720368547758.08");
  BOOST_TEST((Money{1, "INR"} == Money{1, "INR"}));
  BOOST_TEST(!(Money{1, "INR"} == Money{1, "EUR"}));
}

BOOST_AUTO_TEST_CASE(currency_codes_are_three_upper_case_letters) {
  BOOST_TEST(IsValidCurrency("INR"));
  BOOST_TEST(!IsValidCurrency("inr"));
  BOOST_TEST(!IsValidCurrency("INRS"));
  BOOST_TEST(!IsValidCurrency("I1R"));
  BOOST_TEST(!IsValidCurrency(""));
}

BOOST_AUTO_TEST_SUITE_END()
