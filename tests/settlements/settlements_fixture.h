// The bookings fixture with what the settlement suites add: events that ended, buyers, and the
// balances of the accounts a settlement pays.
#pragma once

#include <ostream>
#include <string>

#include "bookings/bookings_fixture.h"
#include "eventify/settlements.h"

namespace eventify {
inline std::ostream& operator<<(std::ostream& out, SettlementStatus status) {
  return out << SettlementStatusName(status);
}
}  // namespace eventify

namespace eventify::testing {

struct SettlementsFixture : BookingsFixture {
  Settlements& settlements() { return engine->settlements(); }

  // An approved event whose `seats` seats `ann` bought at `price` each.
  Event SoldEvent(std::int32_t seats, std::int64_t price, const std::string& title = "Sold") {
    const Event event = ApprovedEvent(10, price, 4, title);
    if (seats > 0) {
      Fund(ann.user_id, 1'000'000);
      ValueOrFail(bookings().BookAndPay(ann, Request(event, seats, "buy-" + event.id)));
    }
    return event;
  }

  // Moves the clock to `event`'s end plus the default settlement delay: it is due from then on.
  void ToDue(const Event& event) { clock->Set(event.ends_at + kDay); }

  AccountRef OrganizerWallet() const {
    return {AccountKind::kOrganizerWallet, organizer.user_id, "INR"};
  }
  static AccountRef Revenue() { return {AccountKind::kPlatformRevenue, "", "INR"}; }

  // `id` as the organizer's own list shows it (Events::ListOwnEvents), which carries settlements.
  Event OwnEvent(const std::string& id) {
    const EventPage page = ValueOrFail(events().ListOwnEvents(organizer, std::nullopt, "", 100));
    for (const Event& event : page.items) {
      if (event.id == id) return event;
    }
    BOOST_FAIL("the organizer's list lacks the event " + id);
    return {};
  }

  // Transfers of `kind` in the whole ledger.
  std::size_t CountTransfers(TransferKind kind) {
    TransferQuery query;
    query.kind = kind;
    query.limit = 100;
    return ValueOrFail(ledger().ListTransfers(query)).items.size();
  }
};

}  // namespace eventify::testing
