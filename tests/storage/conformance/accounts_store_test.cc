// Conformance: the accounts store's contract (spi/account_repository.h) — users, one-time codes,
// sessions and refresh tokens — through the public SPI only, on the storage the factory hook
// gives (storage_conformance.h).
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "conformance_helpers.h"
#include "eventify/spi/account_repository.h"
#include "eventify/spi/storage.h"

namespace eventify::testing {
namespace {

using spi::AccountRepository;
using spi::CodePurpose;
using spi::LockMode;

constexpr std::int64_t kYear2100Micros = 4'102'444'800'123'457LL;  // 2100-01-01T00:00:00.123457Z

// ---- Users --------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_SUITE(users, FreshStorage)

BOOST_AUTO_TEST_CASE(insert_then_find_by_id_and_email) {
  spi::UserRecord user = SampleUser(1);
  user.role = Role::kOrganizer;
  user.email_verified = true;
  REQUIRE_OK(
      Write(*storage, [&](AccountRepository& accounts) { return accounts.InsertUser(user); }));

  Status status = Read(*storage, [&](AccountRepository& accounts) {
    auto by_id = accounts.FindUserById(user.id, LockMode::kNone);
    BOOST_REQUIRE_MESSAGE(by_id.ok(), by_id.status().ToString());
    BOOST_TEST(by_id->id == user.id);
    BOOST_TEST(by_id->email == user.email);
    BOOST_TEST(by_id->password_hash == user.password_hash);
    BOOST_TEST(by_id->full_name == user.full_name);
    BOOST_TEST((by_id->role == Role::kOrganizer));
    BOOST_TEST(by_id->email_verified);
    BOOST_TEST(!by_id->blocked);
    BOOST_TEST(!by_id->avatar_key.has_value());
    BOOST_TEST((by_id->created_at == user.created_at));
    BOOST_TEST((by_id->updated_at == user.updated_at));

    auto by_email = accounts.FindUserByEmail(user.email, LockMode::kNone);
    BOOST_REQUIRE_MESSAGE(by_email.ok(), by_email.status().ToString());
    BOOST_TEST(by_email->id == user.id);
    return Status::Ok();
  });
  EXPECT_OK(status);
}

BOOST_AUTO_TEST_CASE(update_overwrites_every_mutable_column) {
  spi::UserRecord user = SampleUser(1);
  REQUIRE_OK(
      Write(*storage, [&](AccountRepository& accounts) { return accounts.InsertUser(user); }));

  user.email = "renamed@example.com";
  user.password_hash = "$argon2id$new";
  user.full_name = "Renamed User";
  user.role = Role::kAdmin;
  user.email_verified = true;
  user.blocked = true;
  user.avatar_key = "avatars/1.png";
  user.updated_at = BaseTime() + std::chrono::minutes(5);
  REQUIRE_OK(
      Write(*storage, [&](AccountRepository& accounts) { return accounts.UpdateUser(user); }));

  auto found = LoadUser(*storage, user.id);
  BOOST_REQUIRE(found.ok());
  BOOST_TEST(found->email == "renamed@example.com");
  BOOST_TEST(found->password_hash == "$argon2id$new");
  BOOST_TEST(found->full_name == "Renamed User");
  BOOST_TEST((found->role == Role::kAdmin));
  BOOST_TEST(found->email_verified);
  BOOST_TEST(found->blocked);
  BOOST_TEST(found->avatar_key.value_or("") == "avatars/1.png");
  BOOST_TEST((found->created_at == BaseTime()));
  BOOST_TEST((found->updated_at == user.updated_at));

  Status old_email = Read(*storage, [&](AccountRepository& accounts) {
    return accounts.FindUserByEmail("user1@example.com", LockMode::kNone).status();
  });
  BOOST_TEST(old_email.code() == StatusCode::kNotFound);
}

BOOST_AUTO_TEST_CASE(duplicate_email_is_email_taken) {
  REQUIRE_OK(Write(
      *storage, [&](AccountRepository& accounts) { return accounts.InsertUser(SampleUser(1)); }));
  spi::UserRecord twin = SampleUser(2);
  twin.email = SampleUser(1).email;
  Status status =
      Write(*storage, [&](AccountRepository& accounts) { return accounts.InsertUser(twin); });
  BOOST_TEST(status.code() == StatusCode::kAlreadyExists);
  BOOST_TEST(status.reason() == "email_taken");
  BOOST_TEST(status.field() == "email");
  BOOST_TEST(LoadUser(*storage, twin.id).status().code() == StatusCode::kNotFound);
}

BOOST_AUTO_TEST_CASE(duplicate_email_leaves_the_transaction_usable) {
  REQUIRE_OK(Write(
      *storage, [&](AccountRepository& accounts) { return accounts.InsertUser(SampleUser(1)); }));
  spi::UserRecord twin = SampleUser(2);
  twin.email = SampleUser(1).email;
  Status status = Write(*storage, [&](AccountRepository& accounts) {
    Status duplicate = accounts.InsertUser(twin);
    BOOST_TEST(duplicate.reason() == "email_taken");
    twin.email = "other@example.com";
    return accounts.InsertUser(twin);
  });
  EXPECT_OK(status);
  BOOST_TEST(LoadUser(*storage, twin.id).ok());
}

BOOST_AUTO_TEST_CASE(update_to_a_taken_email_is_email_taken) {
  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) {
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(SampleUser(1)));
    return accounts.InsertUser(SampleUser(2));
  }));
  spi::UserRecord second = SampleUser(2);
  second.email = SampleUser(1).email;
  Status status =
      Write(*storage, [&](AccountRepository& accounts) { return accounts.UpdateUser(second); });
  BOOST_TEST(status.code() == StatusCode::kAlreadyExists);
  BOOST_TEST(status.reason() == "email_taken");
  BOOST_TEST(LoadUser(*storage, second.id)->email == SampleUser(2).email);
}

BOOST_AUTO_TEST_CASE(duplicate_id_is_already_exists) {
  REQUIRE_OK(Write(
      *storage, [&](AccountRepository& accounts) { return accounts.InsertUser(SampleUser(1)); }));
  spi::UserRecord same_id = SampleUser(1);
  same_id.email = "different@example.com";
  Status status =
      Write(*storage, [&](AccountRepository& accounts) { return accounts.InsertUser(same_id); });
  BOOST_TEST(status.code() == StatusCode::kAlreadyExists);
}

BOOST_AUTO_TEST_CASE(missing_users_are_not_found) {
  Status status = Write(*storage, [&](AccountRepository& accounts) {
    auto by_id = accounts.FindUserById("00000000-0000-7000-8000-999999999999", LockMode::kNone);
    BOOST_TEST(by_id.status().code() == StatusCode::kNotFound);
    BOOST_TEST(by_id.status().reason() == "user_not_found");
    auto locked =
        accounts.FindUserById("00000000-0000-7000-8000-999999999999", LockMode::kForUpdate);
    BOOST_TEST(locked.status().reason() == "user_not_found");
    auto by_email = accounts.FindUserByEmail("nobody@example.com", LockMode::kNone);
    BOOST_TEST(by_email.status().reason() == "user_not_found");
    Status update = accounts.UpdateUser(SampleUser(7));
    BOOST_TEST(update.code() == StatusCode::kNotFound);
    BOOST_TEST(update.reason() == "user_not_found");
    return Status::Ok();
  });
  EXPECT_OK(status);
}

BOOST_AUTO_TEST_CASE(find_users_by_ids_reads_those_that_exist_once_each) {
  spi::UserRecord plain = SampleUser(1);
  spi::UserRecord full = SampleUser(2);
  full.role = Role::kAdmin;
  full.email_verified = true;
  full.blocked = true;
  full.avatar_key = "avatars/two.webp";
  full.updated_at = full.created_at + std::chrono::seconds(3);
  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) -> Status {
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(plain));
    return accounts.InsertUser(full);
  }));
  const std::string missing = "00000000-0000-7000-8000-999999999999";
  Status status = Read(*storage, [&](AccountRepository& accounts) {
    const std::vector<std::string> ids = {full.id, missing, plain.id, full.id};
    auto found = accounts.FindUsersByIds(ids);
    BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
    BOOST_REQUIRE_EQUAL(found->size(), 2u);
    for (const spi::UserRecord& user : *found) {
      const spi::UserRecord& want = user.id == full.id ? full : plain;
      BOOST_TEST_CONTEXT("user " << want.id) {
        BOOST_TEST(user.id == want.id);
        BOOST_TEST(user.email == want.email);
        BOOST_TEST(user.password_hash == want.password_hash);
        BOOST_TEST(user.full_name == want.full_name);
        BOOST_TEST(RoleName(user.role) == RoleName(want.role));
        BOOST_TEST(user.email_verified == want.email_verified);
        BOOST_TEST(user.blocked == want.blocked);
        BOOST_TEST((user.avatar_key == want.avatar_key));
        BOOST_TEST((user.created_at == want.created_at));
        BOOST_TEST((user.updated_at == want.updated_at));
      }
    }
    auto none = accounts.FindUsersByIds(std::vector<std::string>{});
    BOOST_REQUIRE(none.ok());
    BOOST_TEST(none->empty());
    return Status::Ok();
  });
  EXPECT_OK(status);
}

BOOST_AUTO_TEST_CASE(timestamps_round_trip_exactly_in_64_bits) {
  spi::UserRecord user = SampleUser(1);
  user.created_at = FromMicros(kYear2100Micros);
  user.updated_at = FromMicros(-1);  // one microsecond before the epoch
  REQUIRE_OK(
      Write(*storage, [&](AccountRepository& accounts) { return accounts.InsertUser(user); }));
  auto found = LoadUser(*storage, user.id);
  BOOST_REQUIRE(found.ok());
  BOOST_TEST(ToMicros(found->created_at) == kYear2100Micros);
  BOOST_TEST(ToMicros(found->updated_at) == -1);
}

BOOST_AUTO_TEST_CASE(avatar_key_null_round_trip) {
  spi::UserRecord user = SampleUser(1);
  REQUIRE_OK(
      Write(*storage, [&](AccountRepository& accounts) { return accounts.InsertUser(user); }));
  BOOST_TEST(!LoadUser(*storage, user.id)->avatar_key.has_value());

  user.avatar_key = "avatars/abc.webp";
  REQUIRE_OK(
      Write(*storage, [&](AccountRepository& accounts) { return accounts.UpdateUser(user); }));
  BOOST_TEST(LoadUser(*storage, user.id)->avatar_key.value_or("") == "avatars/abc.webp");

  user.avatar_key = std::string();  // empty is a value, not NULL
  REQUIRE_OK(
      Write(*storage, [&](AccountRepository& accounts) { return accounts.UpdateUser(user); }));
  BOOST_TEST(LoadUser(*storage, user.id)->avatar_key.has_value());

  user.avatar_key.reset();
  REQUIRE_OK(
      Write(*storage, [&](AccountRepository& accounts) { return accounts.UpdateUser(user); }));
  BOOST_TEST(!LoadUser(*storage, user.id)->avatar_key.has_value());
}

BOOST_AUTO_TEST_CASE(count_users_with_role) {
  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) {
    for (int n = 1; n <= 5; ++n) {
      spi::UserRecord user = SampleUser(n);
      user.role = n <= 2 ? Role::kAdmin : Role::kAttendee;
      EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(user));
    }
    return Status::Ok();
  }));
  Status status = Read(*storage, [&](AccountRepository& accounts) {
    auto admins = accounts.CountUsersWithRole(Role::kAdmin, LockMode::kNone);
    auto attendees = accounts.CountUsersWithRole(Role::kAttendee, LockMode::kNone);
    auto organizers = accounts.CountUsersWithRole(Role::kOrganizer, LockMode::kNone);
    BOOST_REQUIRE(admins.ok() && attendees.ok() && organizers.ok());
    BOOST_TEST(*admins == 2);
    BOOST_TEST(*attendees == 3);
    BOOST_TEST(*organizers == 0);
    return Status::Ok();
  });
  EXPECT_OK(status);
  // Counting with locks counts the same rows.
  EXPECT_OK(Write(*storage, [&](AccountRepository& accounts) {
    auto admins = accounts.CountUsersWithRole(Role::kAdmin, LockMode::kForUpdate);
    BOOST_REQUIRE(admins.ok());
    BOOST_TEST(*admins == 2);
    return Status::Ok();
  }));
}

// The ids ListUsers returns for `filter`; the test fails when the call does.
std::vector<std::string> ListedIds(spi::Storage& storage, const spi::UserFilter& filter) {
  std::vector<std::string> ids;
  REQUIRE_OK(Read(storage, [&](AccountRepository& accounts) {
    auto users = accounts.ListUsers(filter);
    if (!users.ok()) return users.status();
    for (const spi::UserRecord& user : *users) ids.push_back(user.id);
    return Status::Ok();
  }));
  return ids;
}

// Users 1..7: created a minute apart, except 4 and 5 at the same instant (their ids break the
// tie); 2 and 6 organizers, 3 blocked, 5 and 6 verified; user 7 has an '_' in its address.
std::vector<spi::UserRecord> InsertListedUsers(spi::Storage& storage) {
  std::vector<spi::UserRecord> users;
  for (int n = 1; n <= 7; ++n) {
    spi::UserRecord user = SampleUser(n);
    user.created_at = BaseTime() + std::chrono::minutes(n == 5 ? 4 : n);
    user.role = n == 2 || n == 6 ? Role::kOrganizer : Role::kAttendee;
    user.blocked = n == 3;
    user.email_verified = n == 5 || n == 6;
    if (n == 7) user.email = "first_last@example.com";
    if (n == 6) user.full_name = "Ada LOVELACE";
    users.push_back(user);
  }
  REQUIRE_OK(Write(storage, [&](AccountRepository& accounts) {
    for (const spi::UserRecord& user : users) EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(user));
    return Status::Ok();
  }));
  return users;
}

BOOST_AUTO_TEST_CASE(list_users_newest_first_a_keyset_page_at_a_time) {
  const std::vector<spi::UserRecord> users = InsertListedUsers(*storage);
  const auto id = [&](int n) { return users[n - 1].id; };
  spi::UserFilter filter;
  filter.limit = 3;
  std::vector<std::string> seen;
  std::vector<std::size_t> page_sizes;
  for (;;) {
    const std::vector<std::string> page = ListedIds(*storage, filter);
    page_sizes.push_back(page.size());
    seen.insert(seen.end(), page.begin(), page.end());
    if (static_cast<int>(page.size()) < filter.limit) break;
    const spi::UserRecord& last = users[std::stoi(page.back().substr(24)) - 1];
    filter.before = spi::Keyset{last.created_at, last.id};
  }
  // 5 and 4 share created_at: the larger id comes first.
  const std::vector<std::string> expected = {id(7), id(6), id(5), id(4), id(3), id(2), id(1)};
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
  BOOST_TEST(page_sizes == (std::vector<std::size_t>{3, 3, 1}), boost::test_tools::per_element());

  // A position between the two users of one instant.
  filter.before = spi::Keyset{users[4].created_at, id(5)};
  filter.limit = 10;
  BOOST_TEST(ListedIds(*storage, filter) == (std::vector<std::string>{id(4), id(3), id(2), id(1)}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(list_users_by_address_name_role_and_state) {
  const std::vector<spi::UserRecord> users = InsertListedUsers(*storage);
  const auto id = [&](int n) { return users[n - 1].id; };
  const auto listed = [&](auto&& set) {
    spi::UserFilter filter;
    set(filter);
    return ListedIds(*storage, filter);
  };
  using Ids = std::vector<std::string>;
  // Substrings anywhere, without regard to ASCII case.
  BOOST_TEST(listed([](auto& f) { f.email_contains = "USER1@"; }) == Ids{id(1)},
             boost::test_tools::per_element());
  BOOST_TEST(listed([](auto& f) { f.email_contains = "example.com"; }).size() == 7u);
  BOOST_TEST(listed([](auto& f) { f.name_contains = "lovelace"; }) == Ids{id(6)},
             boost::test_tools::per_element());
  BOOST_TEST(listed([](auto& f) { f.name_contains = "ER 4"; }) == Ids{id(4)},
             boost::test_tools::per_element());
  // '_' and '%' match only themselves.
  BOOST_TEST(listed([](auto& f) { f.email_contains = "t_l"; }) == Ids{id(7)},
             boost::test_tools::per_element());
  BOOST_TEST(listed([](auto& f) { f.email_contains = "r_@"; }).empty());
  BOOST_TEST(listed([](auto& f) { f.email_contains = "%"; }).empty());
  BOOST_TEST(listed([](auto& f) { f.name_contains = "\\"; }).empty());
  // Role and state.
  BOOST_TEST(listed([](auto& f) { f.role = Role::kOrganizer; }) == (Ids{id(6), id(2)}),
             boost::test_tools::per_element());
  BOOST_TEST(listed([](auto& f) { f.role = Role::kAdmin; }).empty());
  BOOST_TEST(listed([](auto& f) { f.blocked = true; }) == Ids{id(3)},
             boost::test_tools::per_element());
  BOOST_TEST(listed([](auto& f) { f.blocked = false; }).size() == 6u);
  BOOST_TEST(listed([](auto& f) { f.email_verified = true; }) == (Ids{id(6), id(5)}),
             boost::test_tools::per_element());
  // Every condition at once.
  BOOST_TEST(listed([](auto& f) {
               f.role = Role::kOrganizer;
               f.email_verified = true;
               f.blocked = false;
               f.email_contains = "user";
               f.name_contains = "ada";
             }) == Ids{id(6)},
             boost::test_tools::per_element());
  // Filters and the keyset together: organizers older than user 6.
  BOOST_TEST(listed([&](auto& f) {
               f.role = Role::kOrganizer;
               f.before = spi::Keyset{users[5].created_at, id(6)};
             }) == Ids{id(2)},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- One-time codes -----------------------------------------------------------------------------

BOOST_FIXTURE_TEST_SUITE(codes, FreshStorage)

spi::OneTimeCodeRecord SampleCode(const std::string& user_id, CodePurpose purpose) {
  spi::OneTimeCodeRecord code;
  code.user_id = user_id;
  code.purpose = purpose;
  code.code_hash = "hash-1";
  code.expires_at = FromMicros(kYear2100Micros);
  code.attempts_left = 5;
  code.last_sent_at = BaseTime();
  code.window_started_at = BaseTime() - std::chrono::minutes(10);
  code.sends_in_window = 1;
  return code;
}

BOOST_AUTO_TEST_CASE(put_replace_find_delete) {
  const spi::UserRecord user = SampleUser(1);
  REQUIRE_OK(
      Write(*storage, [&](AccountRepository& accounts) { return accounts.InsertUser(user); }));

  const spi::OneTimeCodeRecord first = SampleCode(user.id, CodePurpose::kVerifyEmail);
  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) { return accounts.PutCode(first); }));

  spi::OneTimeCodeRecord second = first;
  second.code_hash = "hash-2";
  second.expires_at = BaseTime() + std::chrono::minutes(15);
  second.attempts_left = 4;
  second.last_sent_at = BaseTime() + std::chrono::seconds(61);
  second.window_started_at = BaseTime();
  second.sends_in_window = 2;
  REQUIRE_OK(
      Write(*storage, [&](AccountRepository& accounts) { return accounts.PutCode(second); }));

  Status status = Write(*storage, [&](AccountRepository& accounts) {
    auto found = accounts.FindCode(user.id, CodePurpose::kVerifyEmail, LockMode::kForUpdate);
    BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
    BOOST_TEST(found->user_id == user.id);
    BOOST_TEST((found->purpose == CodePurpose::kVerifyEmail));
    BOOST_TEST(found->code_hash == "hash-2");
    BOOST_TEST((found->expires_at == second.expires_at));
    BOOST_TEST(found->attempts_left == 4);
    BOOST_TEST((found->last_sent_at == second.last_sent_at));
    BOOST_TEST((found->window_started_at == second.window_started_at));
    BOOST_TEST(found->sends_in_window == 2);

    auto other_purpose = accounts.FindCode(user.id, CodePurpose::kResetPassword, LockMode::kNone);
    BOOST_TEST(other_purpose.status().code() == StatusCode::kNotFound);
    BOOST_TEST(other_purpose.status().reason() == "no_pending_code");
    return Status::Ok();
  });
  EXPECT_OK(status);

  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) {
    return accounts.DeleteCode(user.id, CodePurpose::kVerifyEmail);
  }));
  status = Write(*storage, [&](AccountRepository& accounts) {
    auto gone = accounts.FindCode(user.id, CodePurpose::kVerifyEmail, LockMode::kNone);
    BOOST_TEST(gone.status().reason() == "no_pending_code");
    return accounts.DeleteCode(user.id, CodePurpose::kVerifyEmail);  // deleting twice is fine
  });
  EXPECT_OK(status);
}

BOOST_AUTO_TEST_CASE(purposes_are_independent) {
  const spi::UserRecord user = SampleUser(1);
  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) {
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(user));
    spi::OneTimeCodeRecord verify = SampleCode(user.id, CodePurpose::kVerifyEmail);
    spi::OneTimeCodeRecord reset = SampleCode(user.id, CodePurpose::kResetPassword);
    reset.code_hash = "reset-hash";
    EV_TEST_RETURN_IF_ERROR(accounts.PutCode(verify));
    return accounts.PutCode(reset);
  }));
  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) {
    return accounts.DeleteCode(user.id, CodePurpose::kVerifyEmail);
  }));
  Status status = Read(*storage, [&](AccountRepository& accounts) {
    auto reset = accounts.FindCode(user.id, CodePurpose::kResetPassword, LockMode::kNone);
    BOOST_REQUIRE(reset.ok());
    BOOST_TEST(reset->code_hash == "reset-hash");
    return Status::Ok();
  });
  EXPECT_OK(status);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- Sessions and refresh tokens ----------------------------------------------------------------

BOOST_FIXTURE_TEST_SUITE(sessions, FreshStorage)

BOOST_AUTO_TEST_CASE(insert_find_revoke) {
  const spi::UserRecord user = SampleUser(1);
  const spi::SessionRecord session = SampleSession("session-1", user.id);
  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) {
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(user));
    return accounts.InsertSession(session);
  }));

  Status status = Read(*storage, [&](AccountRepository& accounts) {
    auto found = accounts.FindSession(session.id, LockMode::kNone);
    BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
    BOOST_TEST(found->user_id == user.id);
    BOOST_TEST((found->created_at == session.created_at));
    BOOST_TEST((found->expires_at == session.expires_at));
    BOOST_TEST(!found->revoked_at.has_value());
    BOOST_TEST(found->revoke_reason == "");
    return Status::Ok();
  });
  EXPECT_OK(status);

  const Timestamp revoked_at = FromMicros(kYear2100Micros);
  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) {
    EV_TEST_RETURN_IF_ERROR(accounts.RevokeSession(session.id, revoked_at, "logout"));
    // Revoking again keeps the first revocation; unknown ids are ignored.
    EV_TEST_RETURN_IF_ERROR(
        accounts.RevokeSession(session.id, revoked_at + std::chrono::hours(1), "token_reused"));
    return accounts.RevokeSession("no-such-session", revoked_at, "logout");
  }));

  status = Write(*storage, [&](AccountRepository& accounts) {
    auto found = accounts.FindSession(session.id, LockMode::kForUpdate);
    BOOST_REQUIRE(found.ok());
    BOOST_REQUIRE(found->revoked_at.has_value());
    BOOST_TEST(ToMicros(*found->revoked_at) == kYear2100Micros);
    BOOST_TEST(found->revoke_reason == "logout");
    auto missing = accounts.FindSession("no-such-session", LockMode::kNone);
    BOOST_TEST(missing.status().code() == StatusCode::kNotFound);
    BOOST_TEST(missing.status().reason() == "session_not_found");
    return Status::Ok();
  });
  EXPECT_OK(status);
}

BOOST_AUTO_TEST_CASE(find_sessions_by_ids_returns_the_existing_ones_once) {
  const spi::UserRecord user = SampleUser(1);
  const spi::UserRecord other = SampleUser(2);
  const spi::SessionRecord live = SampleSession("live", user.id);
  const spi::SessionRecord ended = SampleSession("ended", other.id);
  const Timestamp revoked_at = FromMicros(kYear2100Micros);
  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) {
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(user));
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(other));
    EV_TEST_RETURN_IF_ERROR(accounts.InsertSession(live));
    EV_TEST_RETURN_IF_ERROR(accounts.InsertSession(ended));
    return accounts.RevokeSession(ended.id, revoked_at, "logout");
  }));
  Status status = Read(*storage, [&](AccountRepository& accounts) {
    const std::vector<std::string> ids = {"ended", "no-such-session", "live", "ended"};
    auto found = accounts.FindSessionsByIds(ids);
    BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
    BOOST_REQUIRE_EQUAL(found->size(), 2u);
    for (const spi::SessionRecord& session : *found) {
      const spi::SessionRecord& want = session.id == live.id ? live : ended;
      BOOST_TEST_CONTEXT("session " << want.id) {
        BOOST_TEST(session.id == want.id);
        BOOST_TEST(session.user_id == want.user_id);
        BOOST_TEST((session.created_at == want.created_at));
        BOOST_TEST((session.expires_at == want.expires_at));
        if (session.id == live.id) {
          BOOST_TEST(!session.revoked_at.has_value());
          BOOST_TEST(session.revoke_reason == "");
        } else {
          BOOST_TEST((session.revoked_at == std::optional<Timestamp>(revoked_at)));
          BOOST_TEST(session.revoke_reason == "logout");
        }
      }
    }
    auto none = accounts.FindSessionsByIds(std::vector<std::string>{});
    BOOST_REQUIRE(none.ok());
    BOOST_TEST(none->empty());
    return Status::Ok();
  });
  EXPECT_OK(status);
}

BOOST_AUTO_TEST_CASE(revoke_all_sessions_of_a_user_counts_the_live_ones) {
  const spi::UserRecord user = SampleUser(1);
  const spi::UserRecord other = SampleUser(2);
  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) {
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(user));
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(other));
    for (int n = 1; n <= 3; ++n) {
      EV_TEST_RETURN_IF_ERROR(
          accounts.InsertSession(SampleSession("s" + std::to_string(n), user.id)));
    }
    EV_TEST_RETURN_IF_ERROR(accounts.InsertSession(SampleSession("other", other.id)));
    return accounts.RevokeSession("s3", BaseTime(), "logout");
  }));

  Result<std::int64_t> revoked = std::int64_t{-1};
  const Timestamp at = BaseTime() + std::chrono::hours(1);
  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) {
    revoked = accounts.RevokeSessionsOfUser(user.id, at, "password_changed");
    return revoked.status();
  }));
  BOOST_REQUIRE(revoked.ok());
  BOOST_TEST(*revoked == 2);

  Status status = Read(*storage, [&](AccountRepository& accounts) {
    for (const char* id : {"s1", "s2"}) {
      auto found = accounts.FindSession(id, LockMode::kNone);
      BOOST_REQUIRE(found.ok());
      BOOST_TEST((found->revoked_at == std::optional<Timestamp>(at)));
      BOOST_TEST(found->revoke_reason == "password_changed");
    }
    auto earlier = accounts.FindSession("s3", LockMode::kNone);
    BOOST_TEST(earlier->revoke_reason == "logout");
    auto untouched = accounts.FindSession("other", LockMode::kNone);
    BOOST_TEST(!untouched->revoked_at.has_value());
    return Status::Ok();
  });
  EXPECT_OK(status);

  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) {
    revoked = accounts.RevokeSessionsOfUser(user.id, at, "password_changed");
    return revoked.status();
  }));
  BOOST_TEST(*revoked == 0);
}

BOOST_AUTO_TEST_CASE(session_of_an_unknown_user_is_refused) {
  Status status = Write(*storage, [&](AccountRepository& accounts) {
    return accounts.InsertSession(SampleSession("s1", "00000000-0000-7000-8000-999999999999"));
  });
  BOOST_TEST(!status.ok());
  BOOST_TEST(status.code() == StatusCode::kNotFound);
  Status lookup = Read(*storage, [&](AccountRepository& accounts) {
    return accounts.FindSession("s1", LockMode::kNone).status();
  });
  BOOST_TEST(lookup.code() == StatusCode::kNotFound);
}

BOOST_AUTO_TEST_CASE(refresh_tokens_insert_duplicate_find_mark_used) {
  const spi::UserRecord user = SampleUser(1);
  spi::RefreshTokenRecord token;
  token.token_hash = std::string(64, 'a');
  token.session_id = "session-1";
  token.issued_at = BaseTime();
  token.expires_at = FromMicros(kYear2100Micros);
  REQUIRE_OK(Write(*storage, [&](AccountRepository& accounts) {
    EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(user));
    EV_TEST_RETURN_IF_ERROR(accounts.InsertSession(SampleSession("session-1", user.id)));
    return accounts.InsertRefreshToken(token);
  }));

  Status duplicate = Write(
      *storage, [&](AccountRepository& accounts) { return accounts.InsertRefreshToken(token); });
  BOOST_TEST(duplicate.code() == StatusCode::kAlreadyExists);

  Status status = Write(*storage, [&](AccountRepository& accounts) {
    auto found = accounts.FindRefreshToken(token.token_hash, LockMode::kForUpdate);
    BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
    BOOST_TEST(found->session_id == "session-1");
    BOOST_TEST((found->issued_at == token.issued_at));
    BOOST_TEST(ToMicros(found->expires_at) == kYear2100Micros);
    BOOST_TEST(!found->used_at.has_value());
    auto missing = accounts.FindRefreshToken(std::string(64, 'b'), LockMode::kNone);
    BOOST_TEST(missing.status().code() == StatusCode::kNotFound);
    BOOST_TEST(missing.status().reason() == "invalid_token");
    return accounts.MarkRefreshTokenUsed(token.token_hash, BaseTime() + std::chrono::minutes(1));
  });
  EXPECT_OK(status);

  status = Write(*storage, [&](AccountRepository& accounts) {
    auto found = accounts.FindRefreshToken(token.token_hash, LockMode::kNone);
    BOOST_REQUIRE(found.ok());
    BOOST_TEST((found->used_at == std::optional<Timestamp>(BaseTime() + std::chrono::minutes(1))));
    return Status::Ok();
  });
  EXPECT_OK(status);
}

BOOST_AUTO_TEST_CASE(refresh_token_of_an_unknown_session_is_refused) {
  spi::RefreshTokenRecord token;
  token.token_hash = std::string(64, 'c');
  token.session_id = "no-such-session";
  token.issued_at = BaseTime();
  token.expires_at = BaseTime() + std::chrono::hours(1);
  Status status = Write(
      *storage, [&](AccountRepository& accounts) { return accounts.InsertRefreshToken(token); });
  BOOST_TEST(!status.ok());
  BOOST_TEST(status.code() != StatusCode::kAborted);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
