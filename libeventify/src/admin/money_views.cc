#include "admin/money_views.h"

#include <map>
#include <utility>
#include <vector>

#include "core/months.h"
#include "core/page_cursor.h"
#include "core/status_macros.h"
#include "dashboards/dashboards_service.h"
#include "eventify/spi/admin_store.h"
#include "eventify/spi/event_store.h"
#include "eventify/spi/ledger_repository.h"
#include "settlements/settlements_service.h"

namespace eventify::admin {
namespace {

using spi::LockMode;
using spi::Transaction;
using spi::TransactionMode;

EscrowAmounts AmountsOf(const spi::EscrowFlows& flows, const std::string& currency) {
  const auto money = [&](std::int64_t amount) { return Money{amount, currency}; };
  const std::int64_t net = flows.paid_in - flows.refunds - flows.commission;
  return EscrowAmounts{
      money(net - flows.settlement), money(flows.paid_in), money(flows.refunds),
      money(flows.commission),       money(net),           money(flows.settlement)};
}

Result<EventHeading> HeadingOf(Transaction& tx, const std::string& event_id) {
  EV_ASSIGN_OR_RETURN(const Event event,
                      tx.store<spi::EventStore>()->FindEvent(event_id, LockMode::kNone));
  return EventHeading{event.id, event.title, event.organizer_id, event.category_id};
}

}  // namespace

MoneyViews::MoneyViews(std::shared_ptr<spi::Storage> storage, std::shared_ptr<spi::Clock> clock,
                       std::string currency, Duration delay)
    : storage_(std::move(storage)),
      clock_(std::move(clock)),
      currency_(std::move(currency)),
      delay_(delay) {}

Result<SettlementOverview> MoneyViews::Overview(const SettlementOverviewQuery& query) const {
  EV_RETURN_IF_ERROR(CheckPageLimit(query.limit));
  EV_ASSIGN_OR_RETURN(const auto before, DecodePageCursor(query.cursor));
  const Timestamp due_cutoff = clock_->Now() - delay_;
  spi::SettlementEventQuery events;
  events.condition = query.state ? settlements::SettlementConditionOf(*query.state, due_cutoff)
                                 : settlements::AnySettlementCondition();
  events.before = before;
  events.limit = query.limit + 1;
  SettlementOverview out;
  EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
    auto* store = tx.store<spi::AdminStore>();
    EV_ASSIGN_OR_RETURN(std::vector<spi::SettlementEventRecord> records,
                        store->ListSettlementEvents(events));
    out.next_cursor = TrimPage(records, query.limit, [](const spi::SettlementEventRecord& r) {
      return spi::Keyset{r.ends_at, r.event_id};
    });
    std::vector<std::string> ids;
    for (const auto& record : records) ids.push_back(record.event_id);
    EV_ASSIGN_OR_RETURN(const std::vector<spi::EscrowFlows> flows,
                        store->SumEscrowFlows(ids, currency_));
    std::map<std::string, spi::EscrowFlows> by_event;
    for (const spi::EscrowFlows& found : flows) by_event[found.event_id] = found;
    for (const spi::SettlementEventRecord& record : records) {
      SettlementLine line;
      line.event_id = record.event_id;
      line.title = record.title;
      line.organizer_id = record.organizer_id;
      line.event_status = record.status;
      line.state = settlements::SettlementStatusOf(
          record.status, record.on_hold, record.settled_at.has_value(), record.ends_at, due_cutoff);
      line.ends_at = record.ends_at;
      line.due_at = record.ends_at + delay_;
      line.settled_at = record.settled_at;
      line.amounts = AmountsOf(by_event[record.event_id], currency_);
      out.items.push_back(std::move(line));
    }
    EV_ASSIGN_OR_RETURN(const spi::SettlementTotalsRecord totals,
                        store->SumSettlementFlows(events.condition, currency_));
    out.events = totals.events;
    out.totals = AmountsOf(totals.flows, currency_);
    return Status::Ok();
  }));
  return out;
}

Result<RevenuePage> MoneyViews::Revenue(const RevenueQuery& query) const {
  EV_RETURN_IF_ERROR(CheckPageLimit(query.limit));
  EV_ASSIGN_OR_RETURN(const auto before, DecodePageCursor(query.cursor));
  if (query.from && query.until && *query.until <= *query.from) {
    return InvalidArgument("invalid_range", "until must be after from", "until");
  }
  RevenuePage out;
  out.total = Money{0, currency_};
  EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
    auto account =
        tx.ledger().FindAccount({AccountKind::kPlatformRevenue, "", currency_}, LockMode::kNone);
    if (!account.ok()) {  // never used: nothing to show
      return account.status().code() == StatusCode::kNotFound ? Status::Ok() : account.status();
    }
    spi::AccountEntryFilter filter;
    filter.account_id = account->id;
    filter.from = query.from;
    filter.until = query.until;
    filter.kind = query.kind;
    if (!query.event_id.empty()) {
      filter.counterparty_kind = AccountKind::kEscrow;
      filter.counterparty_owner_id = query.event_id;
    }
    auto* store = tx.store<spi::AdminStore>();
    EV_ASSIGN_OR_RETURN(std::vector<spi::AccountEntryRecord> entries,
                        store->ListAccountEntries(filter, before, query.limit + 1));
    out.next_cursor = TrimPage(entries, query.limit, [](const spi::AccountEntryRecord& entry) {
      return spi::Keyset{entry.created_at, entry.transfer_id};
    });
    for (const spi::AccountEntryRecord& entry : entries) {
      RevenueEntry item;
      item.transfer_id = entry.transfer_id;
      item.kind = entry.kind;
      item.created_at = entry.created_at;
      item.amount = Money{entry.amount, entry.currency};
      item.counterparty = entry.counterparty;
      if (entry.counterparty.kind == AccountKind::kEscrow) {
        item.event_id = entry.counterparty.owner_id;
      }
      item.reference = entry.reference;
      out.items.push_back(std::move(item));
    }
    EV_ASSIGN_OR_RETURN(const std::vector<spi::AccountEntrySums> sums,
                        store->SumAccountEntries(filter));
    for (const spi::AccountEntrySums& kind : sums) {
      out.by_kind.push_back({kind.kind, Money{kind.in, currency_}, Money{kind.out, currency_},
                             Money{kind.in - kind.out, currency_}, kind.entries});
      out.total.minor_units += kind.in - kind.out;
      out.entries += kind.entries;
    }
    return Status::Ok();
  }));
  return out;
}

Result<PlatformAnalytics> MoneyViews::Analytics(const AnalyticsQuery& query) const {
  EV_ASSIGN_OR_RETURN(const Months months, ParseMonthRange(query.range));
  if (query.top < 1 || query.top > kMaxPageLimit) {
    return InvalidArgument("invalid_top", "top must be 1-100", "top");
  }
  const Timestamp from = months.from.Start();
  const Timestamp until = months.until.Start();
  PlatformAnalytics out;
  out.range = query.range;
  std::vector<spi::MonthFlows> flows;
  std::vector<spi::MonthBookingCounts> bookings;
  std::vector<spi::MonthCount> users;
  EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
    auto* store = tx.store<spi::AdminStore>();
    EV_ASSIGN_OR_RETURN(flows, store->SumOrganizerFlowsByMonth("", currency_, from, until));
    EV_ASSIGN_OR_RETURN(bookings, store->CountBookingsByMonth(from, until));
    EV_ASSIGN_OR_RETURN(users, store->CountNewUsersByMonth(from, until));
    EV_ASSIGN_OR_RETURN(const std::vector<spi::CategoryFlows> categories,
                        store->SumFlowsByCategory(currency_, from, until));
    EV_ASSIGN_OR_RETURN(const std::vector<Category> names,
                        tx.store<spi::EventStore>()->ListCategories(true));
    for (const spi::CategoryFlows& category : categories) {
      CategoryRevenue revenue;
      revenue.category_id = category.category_id;
      for (const Category& named : names) {
        if (named.id == category.category_id) revenue.name = named.name;
      }
      revenue.money =
          dashboards::FiguresOf(category.paid_in, category.refunds, category.commission, currency_);
      out.categories.push_back(std::move(revenue));
    }
    EV_ASSIGN_OR_RETURN(const std::vector<spi::EscrowFlows> top_flows,
                        store->TopEventFlows(currency_, from, until, query.top));
    for (const spi::EscrowFlows& event : top_flows) {
      EV_ASSIGN_OR_RETURN(EventHeading heading, HeadingOf(tx, event.event_id));
      out.top_by_revenue.push_back(
          {std::move(heading),
           dashboards::FiguresOf(event.paid_in, event.refunds, event.commission, currency_)});
    }
    EV_ASSIGN_OR_RETURN(const std::vector<spi::EventSeatsSold> top_seats,
                        store->TopEventSeats(from, until, query.top));
    for (const spi::EventSeatsSold& event : top_seats) {
      EV_ASSIGN_OR_RETURN(EventHeading heading, HeadingOf(tx, event.event_id));
      out.top_by_seats.push_back({std::move(heading), event.bookings, event.seats});
    }
    return Status::Ok();
  }));
  std::map<std::string, MonthActivity> by_month;
  for (Month month = months.from; month.Index() < months.until.Index(); month = month.Next()) {
    MonthActivity& activity = by_month[month.Text()];
    activity.month = month.Text();
    activity.money = dashboards::FiguresOf(0, 0, 0, currency_);
  }
  std::int64_t paid_in = 0, refunds = 0, commission = 0;
  for (const spi::MonthFlows& month : flows) {
    by_month[month.month].money =
        dashboards::FiguresOf(month.paid_in, month.refunds, month.commission, currency_);
    paid_in += month.paid_in;
    refunds += month.refunds;
    commission += month.commission;
  }
  for (const spi::MonthBookingCounts& month : bookings) {
    MonthActivity& activity = by_month[month.month];
    activity.bookings = month.bookings;
    activity.seats_booked = month.seats_booked;
    activity.cancellations = month.cancellations;
    activity.seats_cancelled = month.seats_cancelled;
  }
  for (const spi::MonthCount& month : users) by_month[month.month].new_users = month.count;
  out.money = dashboards::FiguresOf(paid_in, refunds, commission, currency_);
  for (auto& [month, activity] : by_month) out.months.push_back(std::move(activity));
  return out;
}

}  // namespace eventify::admin
