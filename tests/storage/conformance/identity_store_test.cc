// The contract of spi::IdentityStore (spi/identity_store.h) that every storage serving the
// "identities" area must keep: an identity per (issuer, subject), found, touched, listed oldest
// first and deleted only by its owner; a flow taken once; a nonce recorded once; pending links
// replaced in place; and expired flows, nonces and links removed.
#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>

#include "conformance_helpers.h"
#include "eventify/spi/identity_store.h"
#include "storage_conformance.h"

namespace eventify::testing {
namespace {

using spi::IdentityStore;
using spi::LockMode;

struct IdentityStoreFixture : FreshStorage {
  IdentityStoreFixture() {
    const Status users = Write(*storage, [](spi::AccountRepository& accounts) {
      EV_TEST_RETURN_IF_ERROR(accounts.InsertUser(SampleUser(1)));
      return accounts.InsertUser(SampleUser(2));
    });
    BOOST_REQUIRE_MESSAGE(users.ok(), users.ToString());
  }

  Status Run(const std::function<Status(IdentityStore&)>& body) {
    return storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) -> Status {
      auto* store = tx.store<IdentityStore>();
      BOOST_REQUIRE(store != nullptr);
      return body(*store);
    });
  }

  // Identity n of user `user`, of subject "sub-<n>", created `minutes` after BaseTime().
  static spi::IdentityRecord Sample(int n, int user, int minutes) {
    spi::IdentityRecord identity;
    identity.id = IdOf(n, "b000");
    identity.user_id = IdOf(user);
    identity.provider = "test";
    identity.issuer = "https://issuer.example";
    identity.subject = "sub-" + std::to_string(n);
    identity.email = "user" + std::to_string(user) + "@example.com";
    identity.created_at = identity.last_used_at = BaseTime() + std::chrono::minutes(minutes);
    return identity;
  }

  static spi::PendingLinkRecord SampleLink(const std::string& token_hash) {
    spi::PendingLinkRecord link;
    link.token_hash = token_hash;
    link.user_id = IdOf(1);
    link.provider = "test";
    link.issuer = "https://issuer.example";
    link.subject = "sub-link";
    link.email = "user1@example.com";
    link.attempts_left = 5;
    link.expires_at = BaseTime() + std::chrono::minutes(10);
    return link;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(identity_store, IdentityStoreFixture)

BOOST_AUTO_TEST_CASE(identities_are_unique_per_issuer_and_subject) {
  BOOST_REQUIRE(Run([](IdentityStore& store) { return store.InsertIdentity(Sample(1, 1, 0)); }).ok());
  spi::IdentityRecord again = Sample(2, 2, 1);
  again.subject = "sub-1";  // another id, another user, the same (issuer, subject)
  const Status taken = Run([&](IdentityStore& store) { return store.InsertIdentity(again); });
  BOOST_TEST(taken.code() == StatusCode::kAlreadyExists);
  BOOST_TEST(taken.reason() == "identity_taken");
  spi::IdentityRecord other_issuer = again;
  other_issuer.issuer = "https://other.example";
  BOOST_TEST(Run([&](IdentityStore& store) { return store.InsertIdentity(other_issuer); }).ok());

  spi::IdentityRecord found;
  BOOST_REQUIRE(Run([&](IdentityStore& store) -> Status {
                  EV_TEST_ASSIGN_OR_RETURN(found, store.FindIdentity("https://issuer.example",
                                                                     "sub-1", LockMode::kForUpdate));
                  return Status::Ok();
                }).ok());
  const spi::IdentityRecord expected = Sample(1, 1, 0);
  BOOST_TEST(found.id == expected.id);
  BOOST_TEST(found.user_id == expected.user_id);
  BOOST_TEST(found.provider == "test");
  BOOST_TEST(found.email == expected.email);
  BOOST_TEST(ToMicros(found.created_at) == ToMicros(expected.created_at));
  const Status missing = Run([](IdentityStore& store) {
    return store.FindIdentity("https://issuer.example", "sub-9", LockMode::kNone).status();
  });
  BOOST_TEST(missing.code() == StatusCode::kNotFound);
  BOOST_TEST(missing.reason() == "identity_not_found");
}

BOOST_AUTO_TEST_CASE(identities_are_touched_listed_and_deleted_by_their_owner) {
  BOOST_REQUIRE(Run([](IdentityStore& store) {
                  EV_TEST_RETURN_IF_ERROR(store.InsertIdentity(Sample(2, 1, 5)));
                  EV_TEST_RETURN_IF_ERROR(store.InsertIdentity(Sample(1, 1, 0)));
                  return store.InsertIdentity(Sample(3, 2, 0));
                }).ok());
  const Timestamp later = BaseTime() + std::chrono::hours(1);
  BOOST_REQUIRE(Run([&](IdentityStore& store) {
                  return store.TouchIdentity(IdOf(1, "b000"), "new@example.com", later);
                }).ok());
  BOOST_TEST(Run([&](IdentityStore& store) {
               return store.TouchIdentity(IdOf(9, "b000"), "x@example.com", later);
             }).reason() == "identity_not_found");

  std::vector<spi::IdentityRecord> listed;
  BOOST_REQUIRE(Run([&](IdentityStore& store) -> Status {
                  EV_TEST_ASSIGN_OR_RETURN(listed, store.ListIdentities(IdOf(1), LockMode::kNone));
                  return Status::Ok();
                }).ok());
  BOOST_REQUIRE_EQUAL(listed.size(), 2u);
  BOOST_TEST(listed[0].id == IdOf(1, "b000"));  // oldest first
  BOOST_TEST(listed[0].email == "new@example.com");
  BOOST_TEST(ToMicros(listed[0].last_used_at) == ToMicros(later));
  BOOST_TEST(listed[1].id == IdOf(2, "b000"));

  // Another user's identity is not found for this one.
  const Status foreign =
      Run([](IdentityStore& store) { return store.DeleteIdentity(IdOf(1), IdOf(3, "b000")); });
  BOOST_TEST(foreign.reason() == "identity_not_found");
  BOOST_REQUIRE(
      Run([](IdentityStore& store) { return store.DeleteIdentity(IdOf(1), IdOf(1, "b000")); }).ok());
  BOOST_REQUIRE(Run([&](IdentityStore& store) -> Status {
                  EV_TEST_ASSIGN_OR_RETURN(listed, store.ListIdentities(IdOf(1), LockMode::kForUpdate));
                  return Status::Ok();
                }).ok());
  BOOST_REQUIRE_EQUAL(listed.size(), 1u);
  BOOST_TEST(listed[0].id == IdOf(2, "b000"));
}

BOOST_AUTO_TEST_CASE(a_flow_is_taken_once) {
  spi::SignInFlowRecord flow{"state-hash", "test", "the-nonce", "the-verifier",
                             BaseTime() + std::chrono::minutes(10)};
  BOOST_REQUIRE(Run([&](IdentityStore& store) { return store.InsertFlow(flow); }).ok());
  BOOST_TEST(Run([&](IdentityStore& store) { return store.InsertFlow(flow); }).code() ==
             StatusCode::kAlreadyExists);
  spi::SignInFlowRecord taken;
  BOOST_REQUIRE(Run([&](IdentityStore& store) -> Status {
                  EV_TEST_ASSIGN_OR_RETURN(taken, store.TakeFlow("state-hash"));
                  return Status::Ok();
                }).ok());
  BOOST_TEST(taken.provider == "test");
  BOOST_TEST(taken.nonce == "the-nonce");
  BOOST_TEST(taken.code_verifier == "the-verifier");
  BOOST_TEST(ToMicros(taken.expires_at) == ToMicros(flow.expires_at));
  const Status again =
      Run([](IdentityStore& store) { return store.TakeFlow("state-hash").status(); });
  BOOST_TEST(again.code() == StatusCode::kNotFound);
  BOOST_TEST(again.reason() == "flow_not_found");
}

BOOST_AUTO_TEST_CASE(a_nonce_is_recorded_once_per_issuer) {
  const Timestamp until = BaseTime() + std::chrono::minutes(5);
  BOOST_REQUIRE(Run([&](IdentityStore& store) { return store.RecordNonce("iss-a", "n1", until); }).ok());
  const Status reused =
      Run([&](IdentityStore& store) { return store.RecordNonce("iss-a", "n1", until); });
  BOOST_TEST(reused.code() == StatusCode::kAlreadyExists);
  BOOST_TEST(reused.reason() == "nonce_reused");
  BOOST_TEST(Run([&](IdentityStore& store) { return store.RecordNonce("iss-b", "n1", until); }).ok());
}

BOOST_AUTO_TEST_CASE(pending_links_are_replaced_found_and_deleted) {
  BOOST_REQUIRE(Run([](IdentityStore& store) { return store.PutPendingLink(SampleLink("t1")); }).ok());
  spi::PendingLinkRecord changed = SampleLink("t1");
  changed.code_hash = "code-hash";
  changed.attempts_left = 3;
  BOOST_REQUIRE(Run([&](IdentityStore& store) { return store.PutPendingLink(changed); }).ok());
  spi::PendingLinkRecord found;
  BOOST_REQUIRE(Run([&](IdentityStore& store) -> Status {
                  EV_TEST_ASSIGN_OR_RETURN(found, store.FindPendingLink("t1", LockMode::kForUpdate));
                  return Status::Ok();
                }).ok());
  BOOST_TEST(found.user_id == IdOf(1));
  BOOST_TEST(found.subject == "sub-link");
  BOOST_TEST(found.code_hash == "code-hash");
  BOOST_TEST(found.attempts_left == 3);
  BOOST_TEST(ToMicros(found.expires_at) == ToMicros(changed.expires_at));
  BOOST_REQUIRE(Run([](IdentityStore& store) { return store.DeletePendingLink("t1"); }).ok());
  const Status gone = Run(
      [](IdentityStore& store) { return store.FindPendingLink("t1", LockMode::kNone).status(); });
  BOOST_TEST(gone.code() == StatusCode::kNotFound);
  BOOST_TEST(gone.reason() == "link_not_found");
}

BOOST_AUTO_TEST_CASE(expired_rows_are_removed_and_live_ones_kept) {
  const Timestamp now = BaseTime() + std::chrono::minutes(10);
  BOOST_REQUIRE(Run([&](IdentityStore& store) {
                  EV_TEST_RETURN_IF_ERROR(store.InsertFlow(
                      {"old", "test", "n", "v", now - std::chrono::seconds(1)}));
                  EV_TEST_RETURN_IF_ERROR(
                      store.InsertFlow({"live", "test", "n", "v", now + std::chrono::minutes(1)}));
                  EV_TEST_RETURN_IF_ERROR(
                      store.RecordNonce("iss", "old", now - std::chrono::seconds(1)));
                  EV_TEST_RETURN_IF_ERROR(
                      store.RecordNonce("iss", "live", now + std::chrono::minutes(1)));
                  spi::PendingLinkRecord old_link = SampleLink("old");
                  old_link.expires_at = now - std::chrono::seconds(1);
                  EV_TEST_RETURN_IF_ERROR(store.PutPendingLink(old_link));
                  return store.InsertIdentity(Sample(1, 1, 0));  // identities never expire
                }).ok());
  std::int64_t removed = 0;
  BOOST_REQUIRE(Run([&](IdentityStore& store) -> Status {
                  EV_TEST_ASSIGN_OR_RETURN(removed, store.DeleteExpired(now));
                  return Status::Ok();
                }).ok());
  BOOST_TEST(removed == 3);
  BOOST_TEST(Run([](IdentityStore& store) { return store.TakeFlow("live").status(); }).ok());
  BOOST_TEST(Run([&](IdentityStore& store) {
               return store.RecordNonce("iss", "old", now + std::chrono::minutes(1));
             }).ok());
  BOOST_TEST(Run([&](IdentityStore& store) {
               return store.RecordNonce("iss", "live", now + std::chrono::minutes(1));
             }).reason() == "nonce_reused");
  BOOST_TEST(Run([](IdentityStore& store) {
               return store.FindIdentity("https://issuer.example", "sub-1", LockMode::kNone).status();
             }).ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace eventify::testing
