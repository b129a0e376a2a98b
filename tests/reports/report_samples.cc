// eventify-report-samples: writes a sample of every report and of a printable ticket into a
// folder, from a small world it builds on a fresh SQLite database there (two organizers, three
// events, paid, refunded and unpaid bookings, two settlements, a withdrawal) on a manual clock,
// so the figures are the same on every run; the ids are new each time (docs/reports.md shows
// the samples).
//
//   build/dev/tests/reports/eventify-report-samples OUTPUT_DIR
//
// Writes organizer-sales.{json,csv,xlsx,pdf}, financial.{json,csv,xlsx,pdf} and ticket.pdf;
// OUTPUT_DIR/work holds the database and the outbox of the e-mails the world sent.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "eventify/backends/soci.h"
#include "eventify/engine.h"
#include "eventify/reports.h"
#include "eventify/spi/payment_gateway.h"

namespace {

using namespace eventify;

[[noreturn]] void Die(const std::string& what, const Status& status) {
  std::fprintf(stderr, "eventify-report-samples: %s: %s\n", what.c_str(),
               status.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what, result.status());
  return std::move(result).value();
}

void Save(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary);
  out << bytes;
  if (!out) Die("writing " + file.string(), Internal("cannot write the file"));
}

EventDraft Draft(const std::string& category, Timestamp starts_at, std::int64_t price,
                 const std::string& title) {
  EventDraft d;
  d.title = title;
  d.description = "A sample event";
  d.category_id = category;
  d.venue = "Hall 1, Pune";
  d.starts_at = starts_at;
  d.ends_at = starts_at + std::chrono::hours(3);
  d.time_zone = "Asia/Kolkata";
  d.capacity = 50;
  d.price_minor_units = price;
  d.attendees_may_cancel = true;
  d.max_tickets_per_booking = 4;
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: eventify-report-samples OUTPUT_DIR\n");
    return 2;
  }
  const std::filesystem::path out = argv[1];
  const std::filesystem::path work = out / "work";
  std::filesystem::remove_all(work);
  std::filesystem::create_directories(work);

  // 2026-11-02T09:00:00Z, moved by hand.
  auto clock = std::make_shared<spi::ManualClock>(FromMicros(1'793'610'000'000'000));
  EngineOptions options;
  options.secret_key = std::string(32, 'k');
  options.storage = Must(spi::OpenSociStorage({.url = "sqlite:" + (work / "eventify.db").string()}),
                         "opening the database");
  options.mailer = spi::MakeOutboxMailer((work / "outbox").string());
  options.media_store = spi::MakeFilesystemMediaStore((work / "media").string(), "/media/");
  options.clock = clock;
  options.accounts.password_hash_cost = PasswordHashCost::kMinimum;
  auto engine = Must(Engine::Open(std::move(options)), "opening the engine");

  const Principal admin{"sample-admin", Role::kAdmin, "s-admin"};
  const auto registered = [&](const std::string& email, const std::string& name, Role role) {
    const User user = Must(engine->accounts().Register({email, "Sample-Passw0rd", name, role}),
                           "registering " + email);
    return Principal{user.id, role, "s-" + user.id};
  };
  const Principal organizer = registered("grace@example.com", "Grace Hopper", Role::kOrganizer);
  const Principal other = registered("alan@example.com", "Alan Turing", Role::kOrganizer);
  const Principal ada = registered("ada@example.com", "Ada Lovelace", Role::kAttendee);
  const Principal bob = registered("bob@example.com", "Bob Builder", Role::kAttendee);
  Events& events = engine->events();
  for (const Principal* who : {&organizer, &other}) {
    Must(events.ApplyAsOrganizer(
             *who, {"Org " + who->user_id.substr(0, 8), "We run events", "org@example.com"}),
         "applying");
    Must(events.VerifyOrganizer(admin, who->user_id), "verifying");
  }
  const std::string category = Must(events.CreateCategory(admin, "Conferences"), "category").id;
  const auto approved = [&](const Principal& by, std::int64_t price, const std::string& title) {
    const Event draft =
        Must(events.CreateEvent(
                 by, Draft(category, clock->Now() + std::chrono::hours(24 * 7), price, title)),
             "creating " + title);
    Must(events.SubmitEvent(by, draft.id), "submitting");
    return Must(events.ApproveEvent(admin, draft.id), "approving");
  };
  const Event summit = approved(organizer, 150000, "C++ Summit");
  const Event workshop = approved(organizer, 49999, "=Workshop, \"hands on\"");
  const Event meetup = approved(other, 20000, "Rust meetup");
  for (const Principal* who : {&ada, &bob}) {
    TransferRequest funding;
    funding.idempotency_key = "sample-fund-" + who->user_id;
    funding.kind = TransferKind::kCredit;
    funding.from = {AccountKind::kGatewayClearing, "", "INR"};
    funding.to = {AccountKind::kUserWallet, who->user_id, "INR"};
    funding.amount = {2'000'000, "INR"};
    Must(engine->ledger().CreateTransfer(funding), "funding");
  }
  Bookings& bookings = engine->bookings();
  const Booking ticket = Must(bookings.BookAndPay(ada, {summit.id, 2, "ada-summit"}), "booking");
  clock->Advance(std::chrono::minutes(5));
  const Booking refunded = Must(bookings.BookAndPay(bob, {summit.id, 1, "bob-summit"}), "booking");
  clock->Advance(std::chrono::minutes(5));
  Must(bookings.Cancel(bob, refunded.id), "cancelling");
  Must(bookings.Hold(bob, {summit.id, 1, "bob-hold"}), "holding");
  Must(bookings.BookAndPay(ada, {workshop.id, 3, "ada-workshop"}), "booking");
  Must(bookings.BookAndPay(bob, {meetup.id, 1, "bob-meetup"}), "booking");

  auto reports = Must(Reports::Open(*engine), "opening the reports");
  StringSink ticket_pdf;
  if (Status s = reports->TicketPdf(ada, ticket.id, ticket_pdf); !s.ok()) Die("ticket", s);
  Save(out / "ticket.pdf", ticket_pdf.text());

  // The events end and are settled; the organizer withdraws part of the payout.
  clock->Set(summit.ends_at + std::chrono::hours(25));
  Must(engine->settlements().Settle(admin, summit.id), "settling");
  Must(engine->settlements().Settle(admin, workshop.id), "settling");
  clock->Advance(std::chrono::minutes(5));
  const Transfer withdrawal = Must(
      engine->wallets().RequestWithdrawal(organizer, {WalletKind::kOrganizer, 100000, "sample-w"}),
      "withdrawing");
  Must(engine->wallets().ApproveWithdrawal(admin, withdrawal.id), "approving the withdrawal");

  const ReportRange range{FromMicros(1'793'577'600'000'000),   // 2026-11-02T00:00:00Z
                          FromMicros(1'796'169'600'000'000)};  // 2026-12-02T00:00:00Z
  for (ReportFormat format :
       {ReportFormat::kJson, ReportFormat::kCsv, ReportFormat::kXlsx, ReportFormat::kPdf}) {
    const std::string ext(ReportFormatName(format));
    StringSink sales;
    auto writer = MakeReportWriter(format, sales);
    if (Status s = reports->OrganizerSales(organizer, organizer.user_id, range, *writer); !s.ok()) {
      Die("organizer sales", s);
    }
    Save(out / ("organizer-sales." + ext), sales.text());
    StringSink financial;
    writer = MakeReportWriter(format, financial);
    if (Status s = reports->Financial(admin, range, *writer); !s.ok()) Die("financial", s);
    Save(out / ("financial." + ext), financial.text());
  }
  std::printf("wrote the samples into %s\n", out.string().c_str());
  return 0;
}
