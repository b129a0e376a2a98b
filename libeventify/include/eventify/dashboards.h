// Dashboards: an event's figures for its organizer and the admins, an organizer's totals, and the
// public directory of verified organizers.
//
// Every figure comes from one place, so dashboards agree with the ledger and with each other
// (docs/admin-api.md, "Definitions"):
//   gross      = the posted transfers into the event's escrow account (the bookings' payments);
//   refunds    = the posted refund transfers out of it;
//   commission = the posted commission transfers out of it (to platform revenue, at settlement);
//   net        = gross - refunds - commission (what the organizer gets, or will get);
//   seats_sold = the seats of confirmed (paid) bookings (the event's counter), seats_held those
//   of holds still live now, seats_checked_in its admitted tickets, seats_cancelled the seats of
//   its bookings cancelled after they were confirmed.
// Before settlement commission is 0 and net is what the escrow holds; after it, net equals the
// settlement's net.
//
// Who: the event's organizer and admins read an event's figures (EventAction::kViewSettlement;
// anyone else: kNotFound event_not_found for an event they may not see, kPermissionDenied
// forbidden for a public one); organizers read their own totals (EventAction::kListOwnEvents).
// The directory and the organizer pages are public: they show the organisation's name and about
// text, its public events, rating and visible reviews, never its contact, e-mail or money.
//
// Obtained from Engine::dashboards(); owned by the Engine and valid while it lives.
// Thread-safety: every member function may be called concurrently from any number of threads.
// Calls block on storage, so never call them on a network I/O thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/events.h"
#include "eventify/export.h"
#include "eventify/reviews.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

// The money of an event or of a period, in the platform currency.
struct MoneyFigures {
  Money gross;
  Money refunds;
  Money commission;
  Money net;  // gross - refunds - commission
};

struct EventFigures {
  std::string event_id;
  std::string title;
  EventStatus status = EventStatus::kDraft;
  Timestamp starts_at;
  std::int64_t seats_sold = 0;
  std::int64_t seats_held = 0;
  std::int64_t seats_checked_in = 0;
  std::int64_t seats_cancelled = 0;
  MoneyFigures money;
};

struct EventFiguresPage {
  std::vector<EventFigures> items;  // newest created event first
  std::string next_cursor;          // empty when this is the last page
};

// The money that moved in one calendar month (UTC), by when each transfer was made.
struct MonthFigures {
  std::string month;  // "YYYY-MM"
  MoneyFigures money;
};

// Which months an organizer's summary covers: [from, until), both "YYYY-MM"; at most 36 months.
struct MonthRange {
  std::string from;
  std::string until;
};

struct OrganizerSummary {
  std::string organizer_id;
  MoneyFigures money;                // over the months asked for
  std::vector<MonthFigures> months;  // every month of the range, oldest first, zeros included
  std::vector<EventFigures> top_events;  // up to 5, the largest gross first (all time)
};

// What anyone may see of a verified organizer.
struct PublicOrganizer {
  std::string organizer_id;
  std::string organisation_name;
  std::string about;
  Rating rating;  // over the visible reviews of all its events
};

struct PublicOrganizerPage {
  std::vector<PublicOrganizer> items;  // oldest verification request first
  std::string next_cursor;
};

// A review as a public organizer page shows it: no account id.
struct PublicReview {
  std::string event_id;
  std::string author_name;
  int rating = 0;
  std::string title;
  std::string text;
  Timestamp created_at;
};

struct PublicOrganizerProfile {
  PublicOrganizer organizer;
  std::vector<Event> upcoming_events;  // up to 10 listed events, soonest first
  std::vector<PublicReview> recent_reviews;  // up to 10 visible reviews, newest first
};

class EVENTIFY_EXPORT Dashboards {
 public:
  virtual ~Dashboards() = default;

  // Errors: kNotFound (event_not_found), kPermissionDenied (forbidden).
  virtual Result<EventFigures> GetEventFigures(const Principal& caller,
                                               std::string_view event_id) = 0;

  // The figures of the caller's own events, newest created first, a page at a time.
  // Errors: kPermissionDenied (forbidden), kInvalidArgument (invalid_limit, invalid_cursor).
  virtual Result<EventFiguresPage> ListOwnEventFigures(const Principal& organizer,
                                                       std::string_view cursor, int limit) = 0;

  // The caller's money by month over `range`, its total, and its top events.
  // Errors: kPermissionDenied (forbidden), kInvalidArgument (invalid_month, field "from" or
  // "until"; invalid_range: until not after from, or more than 36 months).
  virtual Result<OrganizerSummary> GetOrganizerSummary(const Principal& organizer,
                                                       const MonthRange& range) = 0;

  // Verified organizers, a page at a time. Public.
  // Errors: kInvalidArgument (invalid_limit, invalid_cursor).
  virtual Result<PublicOrganizerPage> ListPublicOrganizers(std::string_view cursor,
                                                           int limit) = 0;

  // A verified organizer's public page. Public.
  // Errors: kNotFound (organizer_not_found: unknown, or not verified).
  virtual Result<PublicOrganizerProfile> GetPublicOrganizer(std::string_view organizer_id) = 0;
};

}  // namespace eventify
