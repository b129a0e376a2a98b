// The audit log (Accounts::SetBlocked and SetRole write it, Admin::ListAuditLog reads it) and the
// queue counts (Admin::GetQueues).
#include "eventify/admin.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "settlements/settlements_fixture.h"

namespace eventify {
inline std::ostream& operator<<(std::ostream& out, AuditAction action) {
  return out << AuditActionName(action);
}
}  // namespace eventify

namespace eventify::testing {
namespace {

struct AdminFixture : SettlementsFixture {
  Admin& admin_area() { return engine->admin(); }
  Accounts& accounts() { return engine->accounts(); }

  AuditPage Audit(const std::string& target = "", const std::string& cursor = "", int limit = 20) {
    return ValueOrFail(admin_area().ListAuditLog(admin, AuditQuery{target, cursor, limit}));
  }
};

BOOST_FIXTURE_TEST_SUITE(audit_log, AdminFixture)

BOOST_AUTO_TEST_CASE(every_change_is_written_with_who_what_and_when) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Principal dave = RegisteredAttendee("dave@example.com", "Dave");
  ValueOrFail(accounts().SetBlocked(admin, carol.user_id, true));
  clock->Advance(std::chrono::seconds(1));
  ValueOrFail(accounts().SetRole(admin, dave.user_id, Role::kOrganizer));
  clock->Advance(std::chrono::seconds(1));
  ValueOrFail(accounts().SetBlocked(OperatorPrincipal(), carol.user_id, false));

  const AuditPage page = Audit();
  BOOST_REQUIRE_EQUAL(page.items.size(), 3u);
  BOOST_TEST(page.next_cursor.empty());
  const AuditEntry& unblock = page.items[0];
  BOOST_TEST(unblock.action == AuditAction::kUnblockUser);
  BOOST_TEST(unblock.actor_id == "");  // the operator's command line
  BOOST_TEST(unblock.target_user_id == carol.user_id);
  BOOST_TEST(unblock.from == "true");
  BOOST_TEST(unblock.to == "false");
  BOOST_TEST(ToMicros(unblock.created_at) == ToMicros(kEventsStart + std::chrono::seconds(2)));
  const AuditEntry& role = page.items[1];
  BOOST_TEST(role.action == AuditAction::kChangeRole);
  BOOST_TEST(role.actor_id == admin.user_id);
  BOOST_TEST(role.target_user_id == dave.user_id);
  BOOST_TEST(role.from == "attendee");
  BOOST_TEST(role.to == "organizer");
  const AuditEntry& block = page.items[2];
  BOOST_TEST(block.action == AuditAction::kBlockUser);
  BOOST_TEST(block.from == "false");
  BOOST_TEST(block.to == "true");
  BOOST_TEST(ToMicros(block.created_at) == ToMicros(kEventsStart));

  const AuditPage carols = Audit(carol.user_id);
  BOOST_REQUIRE_EQUAL(carols.items.size(), 2u);
  BOOST_TEST(carols.items[0].id == unblock.id);
  BOOST_TEST(carols.items[1].id == block.id);
}

BOOST_AUTO_TEST_CASE(a_call_that_changes_nothing_writes_nothing) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  ValueOrFail(accounts().SetBlocked(admin, carol.user_id, false));
  ValueOrFail(accounts().SetRole(admin, carol.user_id, Role::kAttendee));
  BOOST_TEST(Audit().items.empty());
}

BOOST_AUTO_TEST_CASE(a_refused_change_writes_nothing) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  const Status forbidden = accounts().SetBlocked(organizer, carol.user_id, true).status();
  BOOST_TEST(forbidden.code() == StatusCode::kPermissionDenied);
  BOOST_TEST(forbidden.reason() == "forbidden");
  const Status missing = accounts().SetRole(admin, "no-such-user", Role::kOrganizer).status();
  BOOST_TEST(missing.reason() == "user_not_found");
  BOOST_TEST(Audit().items.empty());
}

BOOST_AUTO_TEST_CASE(pages_follow_the_cursor_newest_first) {
  const Principal carol = RegisteredAttendee("carol@example.com", "Carol");
  for (int i = 0; i < 5; ++i) {
    ValueOrFail(accounts().SetBlocked(admin, carol.user_id, i % 2 == 0));
    clock->Advance(std::chrono::seconds(1));
  }
  std::vector<std::string> seen;
  std::string cursor;
  do {
    const AuditPage page = Audit("", cursor, 2);
    BOOST_TEST(page.items.size() <= 2u);
    for (const AuditEntry& entry : page.items) seen.push_back(entry.to);
    cursor = page.next_cursor;
  } while (!cursor.empty());
  BOOST_TEST(seen == (std::vector<std::string>{"true", "false", "true", "false", "true"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(only_admins_read_it_and_bad_pages_are_refused) {
  for (const Principal& who : {organizer, ann}) {
    const Status status = admin_area().ListAuditLog(who, AuditQuery{}).status();
    BOOST_TEST(status.code() == StatusCode::kPermissionDenied);
    BOOST_TEST(status.reason() == "forbidden");
  }
  const Status limit = admin_area().ListAuditLog(admin, AuditQuery{"", "", 101}).status();
  BOOST_TEST(limit.code() == StatusCode::kInvalidArgument);
  BOOST_TEST(limit.reason() == "invalid_limit");
  BOOST_TEST(limit.field() == "limit");
  const Status cursor = admin_area().ListAuditLog(admin, AuditQuery{"", "garbage", 10}).status();
  BOOST_TEST(cursor.reason() == "invalid_cursor");
  BOOST_TEST(cursor.field() == "cursor");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(queues, AdminFixture)

BOOST_AUTO_TEST_CASE(count_what_waits_for_an_admin) {
  const AdminQueues empty = ValueOrFail(admin_area().GetQueues(admin));
  BOOST_TEST(empty.organizers_pending == 0);
  BOOST_TEST(empty.events_pending_approval == 0);
  BOOST_TEST(empty.events_on_hold == 0);

  ValueOrFail(events().ApplyAsOrganizer(other_organizer, {"Other", "About", "o@example.com"}));
  ValueOrFail(events().ApplyAsOrganizer(Principal{"organizer-3", Role::kOrganizer, "s3"},
                                        {"Third", "About", "t@example.com"}));
  const Event pending = ValueOrFail(events().CreateEvent(organizer, SampleDraft()));
  ValueOrFail(events().SubmitEvent(organizer, pending.id));
  const Event held = ApprovedEvent();
  ValueOrFail(events().HoldEvent(admin, held.id, "checking the venue"));
  ApprovedEvent();  // approved and not held: in no queue

  const AdminQueues queues = ValueOrFail(admin_area().GetQueues(admin));
  BOOST_TEST(queues.organizers_pending == 2);
  BOOST_TEST(queues.events_pending_approval == 1);
  BOOST_TEST(queues.events_on_hold == 1);

  const Status forbidden = admin_area().GetQueues(organizer).status();
  BOOST_TEST(forbidden.code() == StatusCode::kPermissionDenied);
  BOOST_TEST(forbidden.reason() == "forbidden");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
