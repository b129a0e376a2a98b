// Helpers of the storage conformance suite, also used by the SOCI storage's own suite: sample
// records, a compact way to run a transaction on the accounts store, status assertions.
#pragma once

#include <boost/test/unit_test.hpp>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "eventify/events.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"
#include "storage_conformance.h"

namespace eventify {
inline std::ostream& operator<<(std::ostream& out, StatusCode code) {
  return out << StatusCodeName(code);
}
}  // namespace eventify

namespace eventify::testing {

// 2025-11-24T00:00:00Z, a plausible "now" for records.
inline Timestamp BaseTime() { return FromMicros(1'763'942'400'000'000LL); }

// A UUID-shaped id unique per `n`, whose text order is the order of n; `group` (four hex digits)
// keeps the ids of one kind of record apart from another's.
inline std::string IdOf(long long n, std::string_view group = "8000") {
  const std::string digits = std::to_string(n);
  return "00000000-0000-7000-" + std::string(group) + "-" + std::string(12 - digits.size(), '0') +
         digits;
}

// A listed category, and an approved event n days after BaseTime() lasting two hours, priced
// 1000 x n.
inline Category SampleCategory(int n, const std::string& name) {
  Category c;
  c.id = IdOf(900 + n);
  c.name = name;
  c.listed = true;
  c.created_at = BaseTime();
  c.updated_at = BaseTime();
  return c;
}

inline Event SampleEvent(int n, const std::string& category_id) {
  Event e;
  e.id = IdOf(n);
  e.organizer_id = "organizer-1";
  e.title = "Event " + std::to_string(n);
  e.description = "A description";
  e.category_id = category_id;
  e.venue = "Somewhere";
  e.starts_at = BaseTime() + std::chrono::hours(24 * n);
  e.ends_at = e.starts_at + std::chrono::hours(2);
  e.time_zone = "UTC";
  e.capacity = 10;
  e.price = Money{1000 * n, "INR"};
  e.max_tickets_per_booking = 2;
  e.status = EventStatus::kApproved;
  e.created_at = BaseTime() + std::chrono::seconds(n);
  e.updated_at = e.created_at;
  return e;
}

// A user with a unique id and e-mail derived from `n`.
inline spi::UserRecord SampleUser(int n) {
  spi::UserRecord user;
  user.id = IdOf(n);
  user.email = "user" + std::to_string(n) + "@example.com";
  user.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  user.full_name = "User " + std::to_string(n);
  user.role = Role::kAttendee;
  user.created_at = BaseTime();
  user.updated_at = BaseTime();
  return user;
}

inline spi::SessionRecord SampleSession(const std::string& id, const std::string& user_id) {
  spi::SessionRecord session;
  session.id = id;
  session.user_id = user_id;
  session.created_at = BaseTime();
  session.expires_at = BaseTime() + std::chrono::hours(24 * 30);
  return session;
}

// A free one-seat booking `id` of `event_id` by `user_id` in `status`, made at BaseTime() with the
// client key "key".
inline spi::BookingRecord SampleBooking(const std::string& id, const std::string& event_id,
                                        const std::string& user_id, BookingStatus status) {
  spi::BookingRecord record;
  Booking& b = record.booking;
  b.id = id;
  b.event_id = event_id;
  b.user_id = user_id;
  b.idempotency_key = "key";
  b.seats = 1;
  b.amount = Money{0, "INR"};
  b.status = status;
  b.hold_expires_at = b.created_at = b.updated_at = BaseTime();
  record.request_key = b.user_id + ":key";
  return record;
}

// The fixture of most conformance test cases: a new, empty storage from the factory hook.
struct FreshStorage {
  FreshStorage() : storage(conformance::OpenStorageUnderTest()) {}
  std::shared_ptr<spi::Storage> storage;
};

using Body = std::function<Status(spi::AccountRepository&)>;

// Runs `body` on the accounts repository in one transaction.
inline Status RunAccounts(spi::Storage& storage, spi::TransactionMode mode, const Body& body) {
  return storage.Run(mode, [&](spi::Transaction& tx) { return body(tx.accounts()); });
}
inline Status Write(spi::Storage& storage, const Body& body) {
  return RunAccounts(storage, spi::TransactionMode::kReadWrite, body);
}
inline Status Read(spi::Storage& storage, const Body& body) {
  return RunAccounts(storage, spi::TransactionMode::kReadOnly, body);
}

// Reads a user in a read-only transaction; the test fails when that does not work.
inline Result<spi::UserRecord> LoadUser(spi::Storage& storage, const std::string& id) {
  Result<spi::UserRecord> found = Status(StatusCode::kInternal, "", "not run");
  Status status = Read(storage, [&](spi::AccountRepository& accounts) {
    found = accounts.FindUserById(id, spi::LockMode::kNone);
    return Status::Ok();
  });
  BOOST_REQUIRE_MESSAGE(status.ok(), status.ToString());
  return found;
}

// Returns the Status of `expr` from the enclosing transaction body when it is not OK.
#define EV_TEST_RETURN_IF_ERROR(expr)                \
  do {                                               \
    const ::eventify::Status ev_test_body_ = (expr); \
    if (!ev_test_body_.ok()) return ev_test_body_;   \
  } while (false)

// `lhs = value of expr`, or returns the expression's status from the enclosing transaction body.
#define EV_TEST_ASSIGN_OR_RETURN(lhs, expr)                    \
  auto EV_TEST_CONCAT(ev_test_result_, __LINE__) = (expr);     \
  if (!EV_TEST_CONCAT(ev_test_result_, __LINE__).ok()) {       \
    return EV_TEST_CONCAT(ev_test_result_, __LINE__).status(); \
  }                                                            \
  lhs = std::move(EV_TEST_CONCAT(ev_test_result_, __LINE__)).value()
#define EV_TEST_CONCAT_INNER(a, b) a##b
#define EV_TEST_CONCAT(a, b) EV_TEST_CONCAT_INNER(a, b)

#define EXPECT_OK(expr)                                                    \
  do {                                                                     \
    const ::eventify::Status ev_test_status_ = (expr);                     \
    BOOST_CHECK_MESSAGE(ev_test_status_.ok(), ev_test_status_.ToString()); \
  } while (false)

#define REQUIRE_OK(expr)                                                     \
  do {                                                                       \
    const ::eventify::Status ev_test_status_ = (expr);                       \
    BOOST_REQUIRE_MESSAGE(ev_test_status_.ok(), ev_test_status_.ToString()); \
  } while (false)

}  // namespace eventify::testing
