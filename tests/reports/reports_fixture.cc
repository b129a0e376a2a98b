#include "reports/reports_fixture.h"

#include <ostream>

namespace eventify::testing {

std::ostream& operator<<(std::ostream& out, const Figures& f) {
  return out << "{gross " << f.gross << ", refunds " << f.refunds << ", commission " << f.commission
             << ", settlements " << f.settlements << ", withdrawals " << f.withdrawals
             << ", transfers " << f.transfers << "}";
}

ReportsFixture::ReportsFixture() {
  ValueOrFail(
      events().ApplyAsOrganizer(other_organizer, {"Other", "Other events", "o@example.com"}));
  ValueOrFail(events().VerifyOrganizer(admin, other_organizer.user_id));
  reports = ValueOrFail(Reports::Open(*engine));
}

void ReportsFixture::BuildSales() {
  Fund(ann.user_id, 100'000);
  Fund(bob.user_id, 100'000);
  a = ApprovedEvent(10, 500, 4, "=HYPERLINK(\"http://x\"), \"Gala\"");
  b = ApprovedEvent(10, 333, 4, "Beta night");
  const Event draft_c =
      ValueOrFail(events().CreateEvent(other_organizer, SampleDraft(10, 700, 4, "Other's event")));
  ValueOrFail(events().SubmitEvent(other_organizer, draft_c.id));
  c = ValueOrFail(events().ApproveEvent(admin, draft_c.id));

  ValueOrFail(bookings().BookAndPay(ann, Request(a, 2, "ann-a")));
  clock->Advance(std::chrono::minutes(1));
  bob_booking = ValueOrFail(bookings().BookAndPay(bob, Request(a, 1, "bob-a"))).id;
  clock->Advance(std::chrono::minutes(1));
  ValueOrFail(bookings().Cancel(bob, bob_booking));
  carol_booking = ValueOrFail(bookings().Hold(carol, Request(a, 1, "carol-a"))).id;
  clock->Advance(std::chrono::minutes(1));
  ValueOrFail(bookings().BookAndPay(ann, Request(b, 3, "ann-b")));
  ValueOrFail(bookings().BookAndPay(ann, Request(c, 1, "ann-c")));
}

void ReportsFixture::SettleAndWithdraw() {
  ToDue(a);
  ValueOrFail(settlements().Settle(admin, a.id));
  clock->Advance(std::chrono::minutes(1));
  ValueOrFail(settlements().Settle(admin, b.id));
  clock->Advance(std::chrono::minutes(1));
  const Transfer withdrawal = ValueOrFail(
      engine->wallets().RequestWithdrawal(organizer, {WalletKind::kOrganizer, 500, "withdraw-1"}));
  ValueOrFail(engine->wallets().ApproveWithdrawal(admin, withdrawal.id));
  ValueOrFail(engine->wallets().RequestWithdrawal(ann, {WalletKind::kUser, 100, "withdraw-ann"}));
  clock->Advance(std::chrono::minutes(1));
}

ReportRange ReportsFixture::WholeRange() const {
  return {kEventsStart - kDay, clock->Now() + kDay};
}

Figures ReportsFixture::LedgerFiguresOfEvent(const std::string& event_id,
                                             const ReportRange& range) {
  Figures f;
  HistoryQuery query;
  query.status = TransferStatus::kPosted;
  query.from = range.from;
  query.until = range.until;
  query.limit = 100;
  for (;;) {
    const HistoryPage page = ValueOrFail(ledger().History(EscrowOf(event_id), query));
    for (const HistoryItem& item : page.items) {
      ++f.transfers;
      switch (item.transfer.kind) {
        case TransferKind::kDebit:
          f.gross += item.amount;
          break;
        case TransferKind::kRefund:
          f.refunds -= item.amount;
          break;
        case TransferKind::kCommission:
          f.commission -= item.amount;
          break;
        case TransferKind::kSettlement:
          f.settlements -= item.amount;
          break;
        default:
          BOOST_ERROR("an unexpected transfer touches an escrow");
          break;
      }
    }
    if (page.next_cursor.empty()) return f;
    query.cursor = page.next_cursor;
  }
}

Figures ReportsFixture::LedgerFinancialFigures(const ReportRange& range) {
  Figures f;
  for (TransferKind kind : {TransferKind::kDebit, TransferKind::kRefund, TransferKind::kCommission,
                            TransferKind::kSettlement, TransferKind::kWithdrawal}) {
    TransferQuery query;
    query.kind = kind;
    query.status = TransferStatus::kPosted;
    query.limit = 100;
    for (;;) {
      const TransferPage page = ValueOrFail(ledger().ListTransfers(query));
      for (const Transfer& t : page.items) {
        if (t.created_at < range.from || t.created_at >= range.until) continue;
        const std::int64_t amount = t.amount.minor_units;
        switch (kind) {
          case TransferKind::kDebit:
            if (t.to.kind != AccountKind::kEscrow) continue;
            f.gross += amount;
            break;
          case TransferKind::kRefund:
            f.refunds += amount;
            break;
          case TransferKind::kCommission:
            f.commission += amount;
            break;
          case TransferKind::kSettlement:
            f.settlements += amount;
            break;
          default:
            f.withdrawals += amount;
            break;
        }
        ++f.transfers;
      }
      if (page.next_cursor.empty()) break;
      query.cursor = page.next_cursor;
    }
  }
  return f;
}

Result<std::string> ReportsFixture::Sales(const Principal& caller, const std::string& organizer_id,
                                          ReportFormat format, const ReportRange& range) {
  StringSink sink;
  const auto writer = MakeReportWriter(format, sink);
  const Status done = reports->OrganizerSales(caller, organizer_id, range, *writer);
  if (!done.ok()) return done;
  return sink.Take();
}

Result<std::string> ReportsFixture::Financial(const Principal& caller, ReportFormat format,
                                              const ReportRange& range) {
  StringSink sink;
  const auto writer = MakeReportWriter(format, sink);
  const Status done = reports->Financial(caller, range, *writer);
  if (!done.ok()) return done;
  return sink.Take();
}

}  // namespace eventify::testing
