// Reports: the two reports read a page at a time from spi::ReportStore, each page in a read-only
// transaction of its own, and handed row by row to the writer; the ticket reads the booking,
// the event and the holder through the engine's services, so their rules (who sees a booking,
// the signed codes) are the bookings area's own.
#include <fmt/format.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "eventify/engine.h"
#include "eventify/spi/report_store.h"
#include "reports/ticket_pdf.h"

namespace eventify {
namespace {

Status Forbidden() { return PermissionDenied("forbidden", "you may not read this report"); }

Status CheckRange(const ReportRange& range) {
  if (range.until <= range.from) {
    return InvalidArgument("invalid_range", "until must be after from", "until");
  }
  return Status::Ok();
}

std::vector<std::pair<std::string, std::string>> About(
    std::vector<std::pair<std::string, std::string>> first, const ReportRange& range,
    Timestamp now) {
  first.emplace_back("from", FormatTimestamp(range.from));
  first.emplace_back("until", FormatTimestamp(range.until));
  first.emplace_back("generated_at", FormatTimestamp(now));
  return first;
}

ReportHeading SalesHeading() {
  using T = ReportColumnType;
  ReportHeading heading;
  heading.kind = "organizer_sales";
  heading.title = "Sales by event";
  heading.columns = {{"event_id", "Event id", T::kText},
                     {"title", "Event", T::kText},
                     {"starts_at", "Starts", T::kTimestamp},
                     {"status", "Status", T::kText},
                     {"bookings", "Bookings", T::kInteger},
                     {"seats_sold", "Seats sold", T::kInteger},
                     {"refunded_bookings", "Refunded", T::kInteger},
                     {"gross", "Gross", T::kMoney},
                     {"refunds", "Refunds", T::kMoney},
                     {"commission", "Commission", T::kMoney},
                     {"net", "Net", T::kMoney},
                     {"currency", "Currency", T::kText}};
  return heading;
}

ReportHeading FinancialHeading() {
  using T = ReportColumnType;
  ReportHeading heading;
  heading.kind = "financial";
  heading.title = "Financial report";
  heading.columns = {{"created_at", "Date", T::kTimestamp},
                     {"kind", "Kind", T::kText},
                     {"transfer_id", "Transfer", T::kText},
                     {"event_id", "Event", T::kText},
                     {"party_id", "Party", T::kText},
                     {"reference", "Reference", T::kText},
                     {"booking_payments", "Bookings", T::kMoney},
                     {"refunds", "Refunds", T::kMoney},
                     {"commission", "Commission", T::kMoney},
                     {"settlements", "Settlements", T::kMoney},
                     {"withdrawals", "Withdrawals", T::kMoney},
                     {"currency", "Currency", T::kText}};
  return heading;
}

// The kind's report word and money column (0-4 after the six text columns); escrow transfers
// name their event on one side and the party on the other.
struct Classified {
  std::string_view word;
  std::size_t column = 0;
  std::string event_id;
  std::string party_id;
};

Classified Classify(const spi::MoneyMovementRecord& m) {
  switch (m.kind) {
    case TransferKind::kDebit:
      return {"booking", 0, m.to.owner_id, m.from.owner_id};
    case TransferKind::kRefund:
      return {"refund", 1, m.from.owner_id, m.to.owner_id};
    case TransferKind::kCommission:
      return {"commission", 2, m.from.owner_id, ""};
    case TransferKind::kSettlement:
      return {"settlement", 3, m.from.owner_id, m.to.owner_id};
    default:
      return {"withdrawal", 4, "", m.from.owner_id};
  }
}

class ReportsService final : public Reports {
 public:
  ReportsService(Engine& engine, ReportsOptions options)
      : engine_(engine), options_(std::move(options)) {}

  Status OrganizerSales(const Principal& caller, std::string_view organizer_id,
                        const ReportRange& range, ReportWriter& out) override {
    // An empty id names no one, whoever asks: refused as such, not as another's report.
    if (organizer_id.empty()) {
      return InvalidArgument("invalid_organizer_id", "name the organizer", "organizer_id");
    }
    if (caller.role != Role::kAdmin &&
        !(caller.role == Role::kOrganizer && caller.user_id == organizer_id)) {
      return Forbidden();
    }
    EV_RETURN_IF_ERROR(CheckRange(range));
    ReportHeading heading = SalesHeading();
    heading.about =
        About({{"organizer_id", std::string(organizer_id)}}, range, engine_.clock().Now());
    EV_RETURN_IF_ERROR(out.Begin(heading));

    std::array<std::int64_t, 7> sums{};  // bookings ... net
    std::string currency;
    spi::EventSalesQuery query{std::string(organizer_id), range.from, range.until, std::nullopt,
                               options_.page_size};
    for (;;) {
      std::vector<spi::EventSalesRecord> page;
      EV_RETURN_IF_ERROR(engine_.storage().Run(
          spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
            EV_ASSIGN_OR_RETURN(page, tx.store<spi::ReportStore>()->ListEventSales(query));
            return Status::Ok();
          }));
      for (const spi::EventSalesRecord& r : page) {
        const std::int64_t net = r.gross - r.refunds - r.commission;
        const std::array<std::int64_t, 7> figures{
            r.bookings, r.seats_sold, r.refunded_bookings, r.gross, r.refunds, r.commission, net};
        for (std::size_t i = 0; i < sums.size(); ++i) sums[i] += figures[i];
        currency = r.currency;
        const std::array<ReportCell, 12> row{
            r.event_id, r.title,    r.starts_at, std::string(EventStatusName(r.status)),
            figures[0], figures[1], figures[2],  figures[3],
            figures[4], figures[5], figures[6],  r.currency};
        EV_RETURN_IF_ERROR(out.Row(row));
      }
      if (static_cast<int>(page.size()) < query.limit) break;
      query.after = spi::ReportPosition{page.back().starts_at, page.back().event_id};
    }
    const std::array<ReportCell, 12> totals{std::string(), std::string("Total"),
                                            std::string(), std::string(),
                                            sums[0],       sums[1],
                                            sums[2],       sums[3],
                                            sums[4],       sums[5],
                                            sums[6],       currency};
    return out.Finish(totals);
  }

  Status Financial(const Principal& caller, const ReportRange& range, ReportWriter& out) override {
    if (caller.role != Role::kAdmin) return Forbidden();
    EV_RETURN_IF_ERROR(CheckRange(range));
    ReportHeading heading = FinancialHeading();
    heading.about = About({}, range, engine_.clock().Now());
    EV_RETURN_IF_ERROR(out.Begin(heading));

    std::array<std::int64_t, 5> sums{};
    std::string currency;
    spi::MoneyMovementQuery query{range.from, range.until, std::nullopt, options_.page_size};
    for (;;) {
      std::vector<spi::MoneyMovementRecord> page;
      EV_RETURN_IF_ERROR(engine_.storage().Run(
          spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
            EV_ASSIGN_OR_RETURN(page, tx.store<spi::ReportStore>()->ListMoneyMovements(query));
            return Status::Ok();
          }));
      for (const spi::MoneyMovementRecord& m : page) {
        const Classified c = Classify(m);
        std::array<ReportCell, 12> row{m.created_at,    std::string(c.word), m.transfer_id,
                                       c.event_id,      c.party_id,          m.reference,
                                       std::int64_t{0}, std::int64_t{0},     std::int64_t{0},
                                       std::int64_t{0}, std::int64_t{0},     m.currency};
        row[6 + c.column] = m.amount;
        sums[c.column] += m.amount;
        currency = m.currency;
        EV_RETURN_IF_ERROR(out.Row(row));
      }
      if (static_cast<int>(page.size()) < query.limit) break;
      query.after = spi::ReportPosition{page.back().created_at, page.back().transfer_id};
    }
    const std::array<ReportCell, 12> totals{std::string(), std::string("total"),
                                            std::string(), std::string(),
                                            std::string(), std::string(),
                                            sums[0],       sums[1],
                                            sums[2],       sums[3],
                                            sums[4],       currency};
    return out.Finish(totals);
  }

  Status TicketPdf(const Principal& holder, std::string_view booking_id, ByteSink& out) override {
    EV_ASSIGN_OR_RETURN(const Booking booking, engine_.bookings().GetBooking(holder, booking_id));
    switch (booking.status) {
      case BookingStatus::kHeld:
      case BookingStatus::kExpired:
        return FailedPrecondition("booking_unpaid", "this booking is not paid: it has no tickets");
      case BookingStatus::kCancelled:
        return FailedPrecondition("booking_cancelled", "this booking was cancelled");
      case BookingStatus::kConfirmed:
        break;
    }
    EV_ASSIGN_OR_RETURN(const Event event, engine_.events().GetEvent(&holder, booking.event_id));
    if (event.status == EventStatus::kCancelled) {
      return FailedPrecondition("event_cancelled", "the event was cancelled");
    }
    if (event.ends_at <= engine_.clock().Now()) {
      return FailedPrecondition("event_ended", "the event is over");
    }
    EV_ASSIGN_OR_RETURN(const User user, engine_.accounts().GetProfile(holder));
    return reports::RenderTicketPdf(booking, event, user.full_name, out);
  }

 private:
  Engine& engine_;
  const ReportsOptions options_;
};

}  // namespace

Result<std::unique_ptr<Reports>> Reports::Open(Engine& engine, ReportsOptions options) {
  if (options.page_size < 1 || options.page_size > 10000) {
    return InvalidArgument("invalid_reports_options", "page_size must be 1-10000");
  }
  if (!engine.storage().Supports(spi::ReportStore::kArea)) {
    return FailedPrecondition("storage_lacks_area", "the storage has no store of the reports area",
                              "storage");
  }
  return std::unique_ptr<Reports>(std::make_unique<ReportsService>(engine, std::move(options)));
}

}  // namespace eventify
