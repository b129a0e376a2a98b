#include "dashboards/dashboards_service.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "core/months.h"
#include "core/page_cursor.h"
#include "core/status_macros.h"
#include "eventify/spi/admin_store.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/event_store.h"
#include "eventify/spi/review_store.h"
#include "events/visibility.h"

namespace eventify {
namespace {

using spi::LockMode;
using spi::Transaction;
using spi::TransactionMode;

constexpr int kTopEvents = 5;
constexpr int kPublicListLength = 10;

Status Forbidden() { return PermissionDenied("forbidden", "your role does not allow this"); }
Status EventNotFound() { return NotFound("event_not_found", "there is no such event"); }
Status OrganizerNotFound() {
  return NotFound("organizer_not_found", "there is no such verified organizer");
}

class DashboardsService final : public Dashboards {
 public:
  DashboardsService(std::shared_ptr<spi::Storage> storage, std::shared_ptr<spi::Clock> clock,
                    Events& events, std::string currency)
      : storage_(std::move(storage)),
        clock_(std::move(clock)),
        events_(events),
        currency_(std::move(currency)) {}

  Result<EventFigures> GetEventFigures(const Principal& caller,
                                       std::string_view event_id) override {
    std::vector<EventFigures> figures;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
      auto event = tx.store<spi::EventStore>()->FindEvent(event_id, LockMode::kNone);
      if (!event.ok()) {
        return event.status().code() == StatusCode::kNotFound ? EventNotFound() : event.status();
      }
      if (!events::MaySee(&caller, event->organizer_id, event->status)) return EventNotFound();
      if (!IsEventActionAllowed(caller.role, events::RelationTo(caller, event->organizer_id),
                                EventAction::kViewSettlement)) {
        return Forbidden();
      }
      std::vector<Event> one{std::move(event).value()};
      EV_ASSIGN_OR_RETURN(figures, FiguresOf(tx, one));
      return Status::Ok();
    }));
    return std::move(figures.front());
  }

  Result<EventFiguresPage> ListOwnEventFigures(const Principal& organizer, std::string_view cursor,
                                               int limit) override {
    if (!IsEventActionAllowed(organizer.role, EventRelation::kNone, EventAction::kListOwnEvents)) {
      return Forbidden();
    }
    EV_RETURN_IF_ERROR(CheckPageLimit(limit));
    EV_ASSIGN_OR_RETURN(const auto after, DecodePageCursor(cursor));
    EventFiguresPage page;
    std::string next;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
      spi::EventFilter filter;
      filter.order = spi::EventFilter::Order::kNewestCreated;
      filter.organizer_id = organizer.user_id;
      filter.after = after;
      filter.limit = limit + 1;
      EV_ASSIGN_OR_RETURN(std::vector<Event> events,
                          tx.store<spi::EventStore>()->ListEvents(filter));
      next = TrimPage(events, limit, [](const Event& event) {
        return spi::Keyset{event.created_at, event.id};
      });
      EV_ASSIGN_OR_RETURN(page.items, FiguresOf(tx, events));
      return Status::Ok();
    }));
    page.next_cursor = std::move(next);
    return page;
  }

  Result<OrganizerSummary> GetOrganizerSummary(const Principal& organizer,
                                               const MonthRange& range) override {
    if (!IsEventActionAllowed(organizer.role, EventRelation::kNone, EventAction::kListOwnEvents)) {
      return Forbidden();
    }
    EV_ASSIGN_OR_RETURN(const Months months, ParseMonthRange(range));
    const Month from = months.from;
    const Month until = months.until;
    OrganizerSummary summary;
    summary.organizer_id = organizer.user_id;
    std::vector<spi::MonthFlows> flows;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
      auto* store = tx.store<spi::AdminStore>();
      EV_ASSIGN_OR_RETURN(flows, store->SumOrganizerFlowsByMonth(organizer.user_id, currency_,
                                                                 from.Start(), until.Start()));
      EV_ASSIGN_OR_RETURN(const std::vector<std::string> top,
                          store->TopOrganizerEvents(organizer.user_id, currency_, kTopEvents));
      std::vector<Event> events;
      for (const std::string& id : top) {
        EV_ASSIGN_OR_RETURN(Event event,
                            tx.store<spi::EventStore>()->FindEvent(id, LockMode::kNone));
        events.push_back(std::move(event));
      }
      EV_ASSIGN_OR_RETURN(summary.top_events, FiguresOf(tx, events));
      return Status::Ok();
    }));
    std::map<std::string, spi::MonthFlows> by_month;
    for (spi::MonthFlows& month : flows) by_month[month.month] = std::move(month);
    std::int64_t paid_in = 0, refunds = 0, commission = 0;
    for (Month month = from; month.Index() < until.Index(); month = month.Next()) {
      const spi::MonthFlows found = by_month[month.Text()];
      summary.months.push_back({month.Text(), dashboards::FiguresOf(found.paid_in, found.refunds,
                                                                    found.commission, currency_)});
      paid_in += found.paid_in;
      refunds += found.refunds;
      commission += found.commission;
    }
    summary.money = dashboards::FiguresOf(paid_in, refunds, commission, currency_);
    return summary;
  }

  Result<PublicOrganizerPage> ListPublicOrganizers(std::string_view cursor, int limit) override {
    EV_RETURN_IF_ERROR(CheckPageLimit(limit));
    EV_ASSIGN_OR_RETURN(const auto after, DecodePageCursor(cursor));
    PublicOrganizerPage page;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
      EV_ASSIGN_OR_RETURN(std::vector<OrganizerProfile> profiles,
                          tx.store<spi::EventStore>()->ListOrganizerProfiles(
                              OrganizerStatus::kVerified, after, limit + 1));
      page.next_cursor = TrimPage(profiles, limit, [](const OrganizerProfile& profile) {
        return spi::Keyset{profile.submitted_at, profile.user_id};
      });
      for (const OrganizerProfile& profile : profiles) {
        EV_ASSIGN_OR_RETURN(PublicOrganizer organizer, PublicOf(tx, profile));
        page.items.push_back(std::move(organizer));
      }
      return Status::Ok();
    }));
    return page;
  }

  Result<PublicOrganizerProfile> GetPublicOrganizer(std::string_view organizer_id) override {
    PublicOrganizerProfile out;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
      auto profile =
          tx.store<spi::EventStore>()->FindOrganizerProfile(organizer_id, LockMode::kNone);
      if (!profile.ok()) {
        return profile.status().code() == StatusCode::kNotFound ? OrganizerNotFound()
                                                                : profile.status();
      }
      if (profile->status != OrganizerStatus::kVerified) return OrganizerNotFound();
      EV_ASSIGN_OR_RETURN(out.organizer, PublicOf(tx, *profile));
      EV_ASSIGN_OR_RETURN(
          const std::vector<Review> reviews,
          tx.store<spi::AdminStore>()->ListOrganizerReviews(organizer_id, kPublicListLength));
      for (const Review& review : reviews) {
        out.recent_reviews.push_back({review.event_id, review.author_name, review.rating,
                                      review.title, review.text, review.created_at});
      }
      return Status::Ok();
    }));
    EventQuery query;
    query.organizer_id = std::string(organizer_id);
    query.limit = kPublicListLength;
    EV_ASSIGN_OR_RETURN(EventPage upcoming, events_.ListEvents(query));
    out.upcoming_events = std::move(upcoming.items);
    return out;
  }

 private:
  // The figures of `events`, in their order, from two sums and two counts over them all.
  Result<std::vector<EventFigures>> FiguresOf(Transaction& tx, const std::vector<Event>& events) {
    std::vector<std::string> ids;
    for (const Event& event : events) ids.push_back(event.id);
    auto* store = tx.store<spi::AdminStore>();
    EV_ASSIGN_OR_RETURN(const std::vector<spi::EscrowFlows> flows,
                        store->SumEscrowFlows(ids, currency_));
    EV_ASSIGN_OR_RETURN(const std::vector<spi::EventSeatCounts> counts,
                        store->CountEventSeats(ids, clock_->Now()));
    std::vector<EventFigures> out;
    for (const Event& event : events) {
      EventFigures figures;
      figures.event_id = event.id;
      figures.title = event.title;
      figures.status = event.status;
      figures.starts_at = event.starts_at;
      figures.seats_sold = event.seats_sold;
      spi::EscrowFlows money;
      for (const spi::EscrowFlows& found : flows) {
        if (found.event_id == event.id) money = found;
      }
      for (const spi::EventSeatCounts& found : counts) {
        if (found.event_id != event.id) continue;
        figures.seats_held = found.held;
        figures.seats_checked_in = found.checked_in;
        figures.seats_cancelled = found.cancelled;
      }
      figures.money =
          dashboards::FiguresOf(money.paid_in, money.refunds, money.commission, currency_);
      out.push_back(std::move(figures));
    }
    return out;
  }

  static Result<PublicOrganizer> PublicOf(Transaction& tx, const OrganizerProfile& profile) {
    EV_ASSIGN_OR_RETURN(const Rating rating,
                        tx.store<spi::ReviewStore>()->FindOrganizerRating(profile.user_id));
    return PublicOrganizer{profile.user_id, profile.organisation_name, profile.about, rating};
  }

  const std::shared_ptr<spi::Storage> storage_;
  const std::shared_ptr<spi::Clock> clock_;
  Events& events_;
  const std::string currency_;
};

}  // namespace

namespace dashboards {

MoneyFigures FiguresOf(std::int64_t paid_in, std::int64_t refunds, std::int64_t commission,
                       const std::string& currency) {
  return MoneyFigures{Money{paid_in, currency}, Money{refunds, currency},
                      Money{commission, currency}, Money{paid_in - refunds - commission, currency}};
}

std::unique_ptr<Dashboards> MakeDashboardsService(std::shared_ptr<spi::Storage> storage,
                                                  std::shared_ptr<spi::Clock> clock, Events& events,
                                                  std::string currency) {
  return std::make_unique<DashboardsService>(std::move(storage), std::move(clock), events,
                                             std::move(currency));
}

}  // namespace dashboards
}  // namespace eventify
