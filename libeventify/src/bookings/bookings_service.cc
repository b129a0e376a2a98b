#include "bookings/bookings_service.h"

#include <functional>
#include <unordered_map>
#include <utility>

#include "bookings/booking_applier.h"
#include "bookings/card_payments.h"
#include "bookings/coupons_service.h"
#include "bookings/ticket_codes.h"
#include "bookings/waitlist_service.h"
#include "core/enum_names.h"
#include "core/page_cursor.h"
#include "core/status_macros.h"
#include "eventify/spi/booking_store.h"
#include "events/visibility.h"
#include "ledger/transfer_rules.h"

namespace eventify {
namespace {

constexpr EnumNames<BookingStatus, 4> kBookingStatuses{{
    {BookingStatus::kHeld, "held"},
    {BookingStatus::kConfirmed, "confirmed"},
    {BookingStatus::kExpired, "expired"},
    {BookingStatus::kCancelled, "cancelled"},
}};

}  // namespace

std::string_view BookingStatusName(BookingStatus status) {
  return NameIn(kBookingStatuses, status);
}

Result<BookingStatus> ParseBookingStatus(std::string_view name) {
  return ParseIn(kBookingStatuses, name, "invalid_status",
                 "status must be held, confirmed, expired or cancelled", "status");
}

namespace bookings {
namespace {

using spi::BookingStore;
using spi::Transaction;
using spi::TransactionMode;
using Kind = BookingOperation::Kind;

constexpr std::size_t kMaxClientKeyLength = 200;

Status CheckClientKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxClientKeyLength || !ledger::IsPrintableAscii(key)) {
    return InvalidArgument("invalid_idempotency_key",
                           "the idempotency key must be 1-200 printable ASCII characters",
                           "idempotency_key");
  }
  return Status::Ok();
}

class BookingsServiceImpl final : public BookingsInternals {
 public:
  BookingsServiceImpl(std::shared_ptr<spi::Storage> storage, ledger::TransferClock& clock,
                      storage::CommitPipeline& pipeline,
                      std::shared_ptr<const mail::MailJobs> mail,
                      std::shared_ptr<spi::Mailer> mailer, std::string_view secret_key,
                      std::string_view product_name, BookingsOptions options, Ledger& ledger,
                      std::shared_ptr<wallets::CardCharges> cards,
                      std::chrono::seconds topup_timeout)
      : storage_(std::move(storage)),
        mailer_(std::move(mailer)),
        clock_(clock),
        coupons_(MakeCouponsService(storage_, clock)),
        pipeline_(pipeline),
        codes_(secret_key),
        mail_(std::move(mail), codes_, product_name),
        offers_{std::chrono::duration_cast<Duration>(options.waitlist_offer_ttl), mail_},
        applier_(clock, std::chrono::duration_cast<Duration>(options.hold_ttl), mail_, offers_),
        waitlist_(storage_, clock, pipeline, offers_),
        card_payments_({storage_, &clock, &ledger, cards, &applier_, &mail_,
                        std::chrono::duration_cast<Duration>(options.card_payment_hold),
                        std::chrono::duration_cast<Duration>(topup_timeout)}),
        reminder_lead_(std::chrono::duration_cast<Duration>(options.reminder_lead)) {
    cards->set_settler(&card_payments_);
  }

  Result<Booking> Hold(const Principal& buyer, const BookingRequest& request) override {
    return New(Kind::kHold, buyer, request);
  }

  Status SendConfirmations(const Job& job) override {
    return mail_.SendConfirmations(job, *storage_, *mailer_, clock_);
  }

  Result<Booking> BookAndPay(const Principal& buyer, const BookingRequest& request) override {
    return New(Kind::kBookAndPay, buyer, request);
  }

  Result<Booking> Pay(const Principal& buyer, std::string_view booking_id) override {
    return OnBooking(Kind::kPay, buyer, booking_id);
  }

  Result<BookingCardPayment> PayByCard(const Principal& buyer, std::string_view booking_id,
                                       const CardPaymentRequest& request) override {
    EV_RETURN_IF_ERROR(CheckClientKey(request.idempotency_key));
    EV_ASSIGN_OR_RETURN(BookingCardPayment paid, card_payments_.Pay(buyer, booking_id, request));
    EV_ASSIGN_OR_RETURN(paid.booking, WithTickets(std::move(paid.booking)));
    return paid;
  }

  Result<Booking> GetBooking(const Principal& buyer, std::string_view booking_id) override {
    Booking booking;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
      auto* store = tx.store<BookingStore>();
      const std::string id(booking_id);
      EV_ASSIGN_OR_RETURN(auto found, store->FindBookings(std::span(&id, 1)));
      if (found.empty() || found.front().booking.user_id != buyer.user_id) {
        return NotFound("booking_not_found", "there is no such booking");
      }
      booking = std::move(found.front().booking);
      EV_ASSIGN_OR_RETURN(booking.tickets, store->ListTickets(std::span(&id, 1)));
      return Status::Ok();
    }));
    booking.status = EffectiveStatus(booking, clock_.Now());
    for (Ticket& ticket : booking.tickets) ticket.code = codes_.Sign(ticket.id);
    return booking;
  }

  Result<BookingPage> ListMyBookings(const Principal& buyer, std::string_view cursor,
                                     int limit) override {
    EV_RETURN_IF_ERROR(CheckPageLimit(limit));
    EV_ASSIGN_OR_RETURN(const auto before, DecodePageCursor(cursor));
    std::vector<spi::BookingRecord> rows;
    std::vector<Ticket> tickets;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
      auto* store = tx.store<BookingStore>();
      EV_ASSIGN_OR_RETURN(rows, store->ListUserBookings(buyer.user_id, before, limit + 1));
      std::vector<std::string> ids;
      for (const auto& row : rows) ids.push_back(row.booking.id);
      if (ids.empty()) return Status::Ok();
      EV_ASSIGN_OR_RETURN(tickets, store->ListTickets(ids));
      return Status::Ok();
    }));
    BookingPage page;
    page.next_cursor = TrimPage(rows, limit, [](const spi::BookingRecord& row) {
      return spi::Keyset{row.booking.created_at, row.booking.id};
    });
    std::unordered_map<std::string, std::size_t> index;  // booking id -> position in the page
    const Timestamp now = clock_.Now();
    for (spi::BookingRecord& row : rows) {
      row.booking.status = EffectiveStatus(row.booking, now);
      index.emplace(row.booking.id, page.items.size());
      page.items.push_back(std::move(row.booking));
    }
    for (Ticket& ticket : tickets) {  // by booking and seat
      auto at = index.find(ticket.booking_id);
      if (at == index.end()) continue;  // of the row read only to learn that a page follows
      ticket.code = codes_.Sign(ticket.id);
      page.items[at->second].tickets.push_back(std::move(ticket));
    }
    return page;
  }

  Result<Booking> Cancel(const Principal& buyer, std::string_view booking_id) override {
    return OnBooking(Kind::kCancel, buyer, booking_id);
  }

  Result<std::int64_t> RefundCancelledEvents(int limit) override {
    return Sweep(Kind::kRefund, limit, [&](BookingStore& store, BookingOperation& op) -> Status {
      EV_ASSIGN_OR_RETURN(op.booking_ids, store.ListBookingsToRefund(limit));
      return Status::Ok();
    });
  }

  Result<Ticket> CheckIn(const Principal& organizer, std::string_view event_id,
                         std::string_view code) override {
    EV_ASSIGN_OR_RETURN(const std::string ticket_id, codes_.Verify(code));
    Ticket ticket;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      EV_ASSIGN_OR_RETURN(const EventStatus status, CheckOrganizerOf(tx, organizer, event_id));
      // Its paid bookings are refunded by a job within a minute; until then they are still
      // confirmed, but the tickets no longer admit.
      if (status == EventStatus::kCancelled) {
        return FailedPrecondition("event_cancelled",
                                  "this event was cancelled; its tickets no longer admit");
      }
      auto* store = tx.store<BookingStore>();
      EV_ASSIGN_OR_RETURN(ticket, store->FindTicket(ticket_id));
      if (ticket.event_id != event_id) {
        return FailedPrecondition("ticket_for_another_event", "this ticket is for another event");
      }
      EV_ASSIGN_OR_RETURN(auto bookings, store->FindBookings(std::span(&ticket.booking_id, 1)));
      if (bookings.empty() || bookings.front().booking.status != BookingStatus::kConfirmed) {
        return FailedPrecondition("ticket_cancelled", "this ticket's booking was cancelled");
      }
      const Timestamp now = clock_.Now();
      EV_ASSIGN_OR_RETURN(const bool admitted, store->MarkCheckedIn(ticket.id, now));
      if (!admitted) {
        EV_ASSIGN_OR_RETURN(const Ticket earlier, store->FindTicket(ticket_id));
        return FailedPrecondition(
            "already_checked_in",
            "this ticket was admitted at " +
                FormatTimestamp(earlier.checked_in_at.value_or(now)));
      }
      ticket.checked_in_at = now;
      return Status::Ok();
    }));
    ticket.code = std::string(code);
    return ticket;
  }

  Coupons& coupons() override { return *coupons_; }

  // The claim and the mails commit together: a booking's reminder is written exactly once.
  Result<std::int64_t> SendReminders(int limit) override {
    if (limit <= 0) return InvalidArgument("invalid_limit", "limit must be positive", "limit");
    std::int64_t sent = 0;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      EV_ASSIGN_OR_RETURN(auto claimed, tx.store<BookingStore>()->ClaimDueReminders(
                                            clock_.Now(), reminder_lead_, limit));
      std::vector<Booking> due;
      for (spi::BookingRecord& record : claimed) due.push_back(std::move(record.booking));
      sent = static_cast<std::int64_t>(due.size());
      if (due.empty()) return Status::Ok();
      return mail_.AddReminders(tx, due);
    }));
    if (sent > 0) mail_.NotifyCommitted();
    return sent;
  }

  Result<std::int64_t> ExpireHolds(int limit) override {
    auto expired =
        Sweep(Kind::kExpire, limit, [&](BookingStore& store, BookingOperation& op) -> Status {
          EV_ASSIGN_OR_RETURN(op.event_ids, store.ListEventsWithLapsedHolds(clock_.Now(), limit));
          return Status::Ok();
        });
    // The offers of the seats that came back to waitlists, if any.
    if (expired.ok() && *expired > 0) mail_.NotifyCommitted();
    return expired;
  }

  Result<WaitlistEntry> JoinWaitlist(const Principal& user, std::string_view event_id,
                                     std::int32_t seats) override {
    return waitlist_.Join(user, event_id, seats);
  }

  Status LeaveWaitlist(const Principal& user, std::string_view event_id) override {
    return waitlist_.Leave(user, event_id);
  }

  Result<WaitlistEntry> GetWaitlistEntry(const Principal& user,
                                         std::string_view event_id) override {
    return waitlist_.Get(user, event_id);
  }

  Result<std::int64_t> ServeWaitlists(int limit) override { return waitlist_.Serve(limit); }

 private:
  Result<Booking> New(Kind kind, const Principal& buyer, const BookingRequest& request) {
    EV_RETURN_IF_ERROR(CheckClientKey(request.idempotency_key));
    BookingRequest normalized = request;
    if (!request.coupon_code.empty()) {
      EV_ASSIGN_OR_RETURN(normalized.coupon_code,
                          NormalizeCouponCode(request.coupon_code, "coupon_code"));
    }
    // Another engine on the same database may take the key between this batch's look-up and
    // its insert (booking_exists): a second pass then replays that booking or refuses the key.
    for (int pass = 0;; ++pass) {
      BookingOperation op;
      op.kind = kind;
      op.buyer = buyer;
      op.request = normalized;
      op.request_key = buyer.user_id + ":" + request.idempotency_key;
      op.new_id = NewId(clock_.Now());
      const Status status = pipeline_.Execute(applier_, op);
      if (status.ok()) return WithTickets(std::move(op.result));  // mail: Committed woke them
      if (status.reason() != "booking_exists" || pass > 0) return status;
    }
  }

  // Pays or cancels the buyer's booking through the pipeline.
  Result<Booking> OnBooking(Kind kind, const Principal& buyer, std::string_view booking_id) {
    BookingOperation op;
    op.kind = kind;
    op.buyer = buyer;
    op.booking_id = std::string(booking_id);
    EV_RETURN_IF_ERROR(pipeline_.Execute(applier_, op));  // mail: the applier's Committed wakes
    return WithTickets(std::move(op.result));
  }

  // A job's round: `find(store, op)` names in `op` what to work on (read-only); when it names
  // anything, the pipeline applies `op`. Returns op.count.
  Result<std::int64_t> Sweep(Kind kind, int limit,
                             const std::function<Status(BookingStore&, BookingOperation&)>& find) {
    if (limit <= 0) return InvalidArgument("invalid_limit", "limit must be positive", "limit");
    BookingOperation op;
    op.kind = kind;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
      return find(*tx.store<BookingStore>(), op);
    }));
    if (op.event_ids.empty() && op.booking_ids.empty()) return std::int64_t{0};
    EV_RETURN_IF_ERROR(pipeline_.Execute(applier_, op));
    return op.count;
  }

  // The booking with its tickets and their codes: one replayed from storage comes without its
  // tickets, which are read then.
  Result<Booking> WithTickets(Booking booking) {
    const bool has_tickets = booking.status == BookingStatus::kConfirmed ||
                             (booking.status == BookingStatus::kCancelled && booking.confirmed_at);
    if (has_tickets && booking.tickets.empty()) {
      EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        EV_ASSIGN_OR_RETURN(booking.tickets,
                            tx.store<BookingStore>()->ListTickets(std::span(&booking.id, 1)));
        return Status::Ok();
      }));
    }
    for (Ticket& ticket : booking.tickets) ticket.code = codes_.Sign(ticket.id);
    return booking;
  }

  // The caller checks tickets in at this event: it is public and theirs (the permission table).
  // The event's row is locked for the rest of the transaction, as every booking write locks it:
  // an admission and a cancellation of the same booking never cross.
  // The event's status, once the caller is found to be its organizer (or an admin).
  static Result<EventStatus> CheckOrganizerOf(Transaction& tx, const Principal& caller,
                                              std::string_view event_id) {
    const std::string id(event_id);
    EV_ASSIGN_OR_RETURN(auto locked, tx.store<BookingStore>()->LockEventSeats(std::span(&id, 1)));
    if (locked.empty()) return NotFound("event_not_found", "there is no such event");
    const spi::EventSeats* event = &locked.front();
    const EventRelation relation = events::RelationTo(caller, event->organizer_id);
    if (!events::IsPublic(event->status) && relation == EventRelation::kNone) {
      return NotFound("event_not_found", "there is no such event");
    }
    if (!IsEventActionAllowed(caller.role, relation, EventAction::kCheckInTickets)) {
      return PermissionDenied("forbidden", "your role does not allow this");
    }
    return event->status;
  }

  const std::shared_ptr<spi::Storage> storage_;
  const std::shared_ptr<spi::Mailer> mailer_;
  ledger::TransferClock& clock_;
  const std::unique_ptr<Coupons> coupons_;
  storage::CommitPipeline& pipeline_;
  const TicketCodes codes_;
  const BookingMail mail_;  // borrows codes_
  const WaitlistOffers offers_;  // borrows mail_
  BookingApplier applier_;  // borrows mail_ and offers_
  WaitlistService waitlist_;  // borrows offers_
  CardPayments card_payments_;  // borrows applier_ and mail_
  const Duration reminder_lead_;
};

}  // namespace

std::unique_ptr<BookingsInternals> MakeBookingsService(
    std::shared_ptr<spi::Storage> storage, ledger::TransferClock& clock,
    storage::CommitPipeline& pipeline, std::shared_ptr<const mail::MailJobs> mail,
    std::shared_ptr<spi::Mailer> mailer, std::string_view secret_key,
    std::string_view product_name, BookingsOptions options, Ledger& ledger,
    std::shared_ptr<wallets::CardCharges> cards, std::chrono::seconds topup_timeout) {
  return std::make_unique<BookingsServiceImpl>(std::move(storage), clock, pipeline,
                                               std::move(mail), std::move(mailer), secret_key,
                                               product_name,
                                               std::move(options), ledger, std::move(cards),
                                               topup_timeout);
}

Status RegisterBookingsJobs(Jobs& jobs, BookingsInternals& bookings) {
  EV_RETURN_IF_ERROR(jobs.RegisterHandler(kSendConfirmationsJob, [&bookings](const Job& job) {
    return bookings.SendConfirmations(job);
  }));
  EV_RETURN_IF_ERROR(jobs.RegisterHandler(kExpireHoldsJob, [&bookings](const Job&) -> Status {
    constexpr int kEventsPerRound = 100;
    for (;;) {
      EV_ASSIGN_OR_RETURN(const std::int64_t expired, bookings.ExpireHolds(kEventsPerRound));
      if (expired == 0) break;
    }
    // Seats no expiry returned (more capacity) go to the waitlists too.
    for (;;) {
      EV_ASSIGN_OR_RETURN(const std::int64_t offered, bookings.ServeWaitlists(kEventsPerRound));
      if (offered == 0) return Status::Ok();
    }
  }));
  EV_RETURN_IF_ERROR(
      jobs.RegisterHandler(kRefundCancelledEventsJob, [&bookings](const Job&) -> Status {
        constexpr int kBookingsPerRound = 500;
        for (;;) {
          EV_ASSIGN_OR_RETURN(const std::int64_t refunded,
                              bookings.RefundCancelledEvents(kBookingsPerRound));
          if (refunded == 0) return Status::Ok();
        }
      }));
  return jobs.RegisterHandler(kSendRemindersJob, [&bookings](const Job&) -> Status {
    constexpr int kRemindersPerRound = 200;
    for (;;) {
      EV_ASSIGN_OR_RETURN(const std::int64_t sent, bookings.SendReminders(kRemindersPerRound));
      if (sent == 0) return Status::Ok();
    }
  });
}

}  // namespace bookings
}  // namespace eventify
