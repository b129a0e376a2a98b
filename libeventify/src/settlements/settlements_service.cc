#include "settlements/settlements_service.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/enum_names.h"
#include "core/status_macros.h"
#include "eventify/events.h"
#include "eventify/ledger.h"
#include "eventify/spi/event_store.h"
#include "eventify/spi/ledger_repository.h"
#include "eventify/spi/settlement_store.h"
#include "events/visibility.h"

namespace eventify {
namespace {

constexpr EnumNames<SettlementStatus, 5> kSettlementStatuses{{
    {SettlementStatus::kUnsettled, "unsettled"},
    {SettlementStatus::kDue, "due"},
    {SettlementStatus::kSettled, "settled"},
    {SettlementStatus::kOnHold, "on_hold"},
    {SettlementStatus::kCancelled, "cancelled"},
}};

constexpr std::int64_t kBasisPoints = 10'000;

}  // namespace

std::string_view SettlementStatusName(SettlementStatus status) {
  return NameIn(kSettlementStatuses, status);
}

Result<SettlementStatus> ParseSettlementStatus(std::string_view name) {
  return ParseIn(kSettlementStatuses, name, "invalid_state", "unknown settlement state", "state");
}

// commission = ceil(gross x bps / 10000), computed as whole ten-thousands plus the remainder's
// share, so that no product can overflow.
RevenueSplit SplitRevenue(std::int64_t gross, std::int32_t commission_bps) {
  if (gross <= 0 || commission_bps <= 0) return {0, gross > 0 ? gross : 0};
  const std::int64_t bps = commission_bps < kBasisPoints ? commission_bps : kBasisPoints;
  const std::int64_t whole = gross / kBasisPoints;
  const std::int64_t rest = gross % kBasisPoints;
  const std::int64_t commission = whole * bps + (rest * bps + kBasisPoints - 1) / kBasisPoints;
  return {commission, gross - commission};
}

namespace settlements {
namespace {

using spi::LockMode;
using spi::Transaction;
using spi::TransactionMode;

Status EventNotFound() { return NotFound("event_not_found", "there is no such event"); }

bool WasApproved(EventStatus status) {
  return status == EventStatus::kApproved || status == EventStatus::kCompleted;
}

// The caller may do `action` on `event` (the events area's permission table); an event they may
// not see is not found. A null caller is the engine's own job.
Status CheckAccess(const Principal* caller, const Event& event, EventAction action) {
  if (caller == nullptr) return Status::Ok();
  if (!events::MaySee(caller, event.organizer_id, event.status)) return EventNotFound();
  if (!IsEventActionAllowed(caller->role, events::RelationTo(*caller, event.organizer_id),
                            action)) {
    return PermissionDenied("forbidden", "your role does not allow this");
  }
  return Status::Ok();
}

AccountRef EscrowOf(const Event& event) {
  return {AccountKind::kEscrow, event.id, event.price.currency};
}

// What the escrow may pay out now (posted, less what pending transfers hold); 0 for an escrow
// never used.
Result<std::int64_t> EscrowBalance(Transaction& tx, const Event& event, LockMode lock) {
  auto account = tx.ledger().FindAccount(EscrowOf(event), lock);
  if (!account.ok()) {
    if (account.status().code() == StatusCode::kNotFound) return std::int64_t{0};
    return account.status();
  }
  return account->posted - account->pending_debits;
}

Settlement FromRecord(const spi::SettlementRecord& record, Timestamp due_at) {
  Settlement out;
  out.event_id = record.event_id;
  out.organizer_id = record.organizer_id;
  out.status = SettlementStatus::kSettled;
  out.due_at = due_at;
  out.gross = record.gross;
  out.commission = Money{record.commission, record.gross.currency};
  out.net = Money{record.net, record.gross.currency};
  out.commission_bps = record.commission_bps;
  out.settlement_transfer_id = record.settlement_transfer_id;
  out.commission_transfer_id = record.commission_transfer_id;
  out.settled_at = record.settled_at;
  out.settled_by = record.settled_by;
  return out;
}

class SettlementsServiceImpl final : public Settlements {
 public:
  SettlementsServiceImpl(std::shared_ptr<spi::Storage> storage, ledger::TransferClock& clock,
                         SettlementsOptions options)
      : storage_(std::move(storage)),
        clock_(clock),
        delay_(std::chrono::duration_cast<Duration>(options.delay)),
        commission_bps_(options.commission_bps) {}

  Result<Settlement> Settle(const Principal& admin, std::string_view event_id) override {
    bool settled_now = false;
    return Apply(&admin, event_id, settled_now);
  }

  Result<Settlement> GetSettlement(const Principal& caller, std::string_view event_id) override {
    Settlement out;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
      EV_ASSIGN_OR_RETURN(const Event event, FindEvent(tx, event_id, LockMode::kNone));
      EV_RETURN_IF_ERROR(CheckAccess(&caller, event, EventAction::kViewSettlement));
      auto record = tx.store<spi::SettlementStore>()->FindSettlement(event.id);
      if (record.ok()) {
        out = FromRecord(*record, event.ends_at + delay_);
        return Status::Ok();
      }
      if (record.status().code() != StatusCode::kNotFound) return record.status();
      EV_ASSIGN_OR_RETURN(const std::int64_t gross, EscrowBalance(tx, event, LockMode::kNone));
      out = Preview(event, gross, clock_.Now());
      return Status::Ok();
    }));
    return out;
  }

  Result<std::int64_t> SettleDueEvents(int limit) override {
    if (limit <= 0) return InvalidArgument("invalid_limit", "limit must be positive", "limit");
    std::vector<std::string> due;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
      EV_ASSIGN_OR_RETURN(due, tx.store<spi::SettlementStore>()->ListUnsettledEnded(
                                   clock_.Now() - delay_, limit));
      return Status::Ok();
    }));
    std::int64_t settled = 0;
    for (const std::string& id : due) {
      bool settled_now = false;
      auto result = Apply(nullptr, id, settled_now);
      // Held or cancelled since it was listed: not due any more, which is no failure.
      if (!result.ok() && result.status().code() != StatusCode::kFailedPrecondition) {
        return result.status();
      }
      if (settled_now) ++settled;
    }
    return settled;
  }

 private:
  static Result<Event> FindEvent(Transaction& tx, std::string_view id, LockMode lock) {
    auto event = tx.store<spi::EventStore>()->FindEvent(id, lock);
    if (!event.ok() && event.status().code() == StatusCode::kNotFound) return EventNotFound();
    return event;
  }

  // What the event's settlement would be at `now` with `gross` in escrow.
  Settlement Preview(const Event& event, std::int64_t gross, Timestamp now) const {
    Settlement out;
    out.event_id = event.id;
    out.organizer_id = event.organizer_id;
    out.due_at = event.ends_at + delay_;
    const RevenueSplit split = SplitRevenue(gross, commission_bps_);
    const std::string& currency = event.price.currency;
    out.gross = Money{gross, currency};
    out.commission = Money{split.commission, currency};
    out.net = Money{split.net, currency};
    out.commission_bps = commission_bps_;
    out.status = SettlementStatusOf(event.status, event.on_hold, /*settled=*/false, event.ends_at,
                                    now - delay_);
    if (out.status == SettlementStatus::kCancelled) {  // refunded, never paid out
      out.commission.minor_units = 0;
      out.net.minor_units = 0;
    }
    return out;
  }

  // Whether the event may be settled at `now`: it is due (SettlementStatusOf), or why not.
  Status CheckDue(const Event& event, Timestamp now) const {
    switch (SettlementStatusOf(event.status, event.on_hold, /*settled=*/false, event.ends_at,
                               now - delay_)) {
      case SettlementStatus::kDue:
        return Status::Ok();
      case SettlementStatus::kCancelled:
        return FailedPrecondition("event_cancelled",
                                  "a cancelled event is refunded to its buyers, never settled");
      case SettlementStatus::kOnHold:
        return FailedPrecondition("event_on_hold", "this event is on hold");
      case SettlementStatus::kSettled:
      case SettlementStatus::kUnsettled:
        break;
    }
    if (!WasApproved(event.status)) {
      return FailedPrecondition("event_not_settleable", "only an approved event is settled");
    }
    if (now < event.ends_at) {
      return FailedPrecondition("event_not_ended", "this event has not ended yet");
    }
    return FailedPrecondition("settlement_not_due", "this event's settlement is due at " +
                                                        FormatTimestamp(event.ends_at + delay_));
  }

  // Settles the event for `admin` (null: the job), or returns its settlement when it has one;
  // `settled_now` tells which.
  Result<Settlement> Apply(const Principal* admin, std::string_view event_id, bool& settled_now) {
    Settlement out;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      settled_now = false;
      // The event's row lock: bookings (payments, refunds) and cancellations take it too.
      EV_ASSIGN_OR_RETURN(Event event, FindEvent(tx, event_id, LockMode::kForUpdate));
      EV_RETURN_IF_ERROR(CheckAccess(admin, event, EventAction::kSettleEvent));
      auto* store = tx.store<spi::SettlementStore>();
      auto existing = store->FindSettlement(event.id);
      if (existing.ok()) {
        out = FromRecord(*existing, event.ends_at + delay_);
        return Status::Ok();
      }
      if (existing.status().code() != StatusCode::kNotFound) return existing.status();
      const Timestamp now = clock_.Now();
      EV_RETURN_IF_ERROR(CheckDue(event, now));
      EV_ASSIGN_OR_RETURN(const std::int64_t gross,
                          EscrowBalance(tx, event, LockMode::kForUpdate));
      spi::SettlementRecord record;
      record.event_id = event.id;
      record.organizer_id = event.organizer_id;
      record.gross = Money{gross, event.price.currency};
      const RevenueSplit split = SplitRevenue(gross, commission_bps_);
      record.commission = split.commission;
      record.net = split.net;
      record.commission_bps = commission_bps_;
      record.settled_by = admin != nullptr ? admin->user_id : std::string();
      record.settled_at = now;
      EV_RETURN_IF_ERROR(PayOut(tx, event, record));
      EV_RETURN_IF_ERROR(store->InsertSettlement(record));
      if (event.status == EventStatus::kApproved) {  // it has ended: completed, as the job would
        event.status = EventStatus::kCompleted;
        event.updated_at = now;
        EV_RETURN_IF_ERROR(tx.store<spi::EventStore>()->UpdateEvent(event));
      }
      out = FromRecord(record, event.ends_at + delay_);
      settled_now = true;
      return Status::Ok();
    }));
    return out;
  }

  // Moves record.net to the organizer's wallet and record.commission to platform revenue, out of
  // the event's escrow, in this transaction (a zero amount moves nothing); fills in the transfer
  // ids. The ledger's rules are those of every transfer (ledger/transfer_batch.h).
  Status PayOut(Transaction& tx, const Event& event, spi::SettlementRecord& record) {
    const std::string& currency = record.gross.currency;
    std::vector<ledger::PreparedTransfer> prepared;
    std::vector<std::string*> ids;
    auto add = [&](TransferKind kind, const std::string& key_scope, AccountRef to,
                   std::int64_t amount, std::string* id) -> Status {
      if (amount == 0) return Status::Ok();
      TransferRequest request;
      request.idempotency_key = key_scope + event.id;
      request.kind = kind;
      request.from = EscrowOf(event);
      request.to = std::move(to);
      request.amount = Money{amount, currency};
      request.reference = event.id;
      EV_ASSIGN_OR_RETURN(ledger::PreparedTransfer transfer,
                          ledger::PrepareTransfer(std::move(request)));
      prepared.push_back(std::move(transfer));
      ids.push_back(id);
      return Status::Ok();
    };
    EV_RETURN_IF_ERROR(add(TransferKind::kSettlement, "event-settlement:",
                           {AccountKind::kOrganizerWallet, event.organizer_id, currency},
                           record.net, &record.settlement_transfer_id));
    EV_RETURN_IF_ERROR(add(TransferKind::kCommission, "event-commission:",
                           {AccountKind::kPlatformRevenue, "", currency}, record.commission,
                           &record.commission_transfer_id));
    if (prepared.empty()) return Status::Ok();
    storage::BatchContext context;
    auto& transfers = ledger::TransferBatch::Of(context, tx, clock_);
    std::vector<const ledger::PreparedTransfer*> all;
    for (const auto& transfer : prepared) all.push_back(&transfer);
    EV_RETURN_IF_ERROR(transfers.Load(all));
    for (std::size_t i = 0; i < prepared.size(); ++i) {
      EV_ASSIGN_OR_RETURN(const Transfer staged, transfers.Stage(prepared[i]));
      *ids[i] = staged.id;
    }
    return context.Finish(tx);
  }

  const std::shared_ptr<spi::Storage> storage_;
  ledger::TransferClock& clock_;
  const Duration delay_;
  const std::int32_t commission_bps_;
};

}  // namespace

Status ValidateSettlementsOptions(const SettlementsOptions& options) {
  if (options.delay.count() < 0 || options.commission_bps < 0 ||
      options.commission_bps > kBasisPoints) {
    return InvalidArgument("invalid_settlements_options",
                           "the delay must not be negative and the commission 0-10000 basis points",
                           "settlements");
  }
  return Status::Ok();
}

std::unique_ptr<Settlements> MakeSettlementsService(std::shared_ptr<spi::Storage> storage,
                                                    ledger::TransferClock& clock,
                                                    SettlementsOptions options) {
  return std::make_unique<SettlementsServiceImpl>(std::move(storage), clock, options);
}

// Revenue is the escrow's posted balance plus the settlement's gross: nothing but settlement
// pays out of an escrow (refunds return what a booking paid, which is then not collected), so the
// sum is the money collected and not refunded before and after settlement alike.
Status FillRevenueAndSettlements(Transaction& tx, std::span<Event> events) {
  std::unordered_map<std::string_view, Event*> by_id;
  std::vector<std::string> ids;
  std::vector<AccountRef> escrows;
  ids.reserve(events.size());
  escrows.reserve(events.size());
  for (Event& event : events) {
    event.settlement.reset();
    event.revenue = Money{0, event.price.currency};
    by_id.emplace(event.id, &event);
    ids.push_back(event.id);
    escrows.push_back(EscrowOf(event));
  }
  if (events.empty()) return Status::Ok();
  EV_ASSIGN_OR_RETURN(const auto records,
                      tx.store<spi::SettlementStore>()->FindSettlements(ids));
  for (const spi::SettlementRecord& record : records) {
    const auto found = by_id.find(record.event_id);
    if (found == by_id.end()) continue;
    Event& event = *found->second;
    const std::string& currency = record.gross.currency;
    event.settlement =
        EventSettlementSummary{record.settled_at, record.gross, Money{record.commission, currency},
                               Money{record.net, currency}};
    event.revenue->minor_units += record.gross.minor_units;
  }
  EV_ASSIGN_OR_RETURN(const auto accounts, tx.ledger().FindAccounts(escrows));
  for (const spi::LedgerAccountRecord& account : accounts) {
    const auto found = by_id.find(account.owner_id);
    if (account.kind != AccountKind::kEscrow || found == by_id.end()) continue;
    found->second->revenue->minor_units += account.posted;
  }
  return Status::Ok();
}

spi::EventSettlementCondition SettlementConditionOf(SettlementStatus status, Timestamp due_cutoff) {
  spi::EventSettlementCondition condition;
  if (status == SettlementStatus::kCancelled) {
    condition.statuses = {EventStatus::kCancelled};
    return condition;
  }
  condition.statuses = {EventStatus::kApproved, EventStatus::kCompleted};
  condition.settled = status == SettlementStatus::kSettled;
  if (status == SettlementStatus::kSettled) return condition;
  condition.on_hold = status == SettlementStatus::kOnHold;
  if (status == SettlementStatus::kDue) condition.ended_by = due_cutoff;
  if (status == SettlementStatus::kUnsettled) condition.ending_after = due_cutoff;
  return condition;
}

spi::EventSettlementCondition AnySettlementCondition() {
  spi::EventSettlementCondition condition;
  condition.statuses = {EventStatus::kApproved, EventStatus::kCompleted, EventStatus::kCancelled};
  return condition;
}

SettlementStatus SettlementStatusOf(EventStatus status, bool on_hold, bool settled,
                                    Timestamp ends_at, Timestamp due_cutoff) {
  const auto meets = [&](const spi::EventSettlementCondition& c) {
    return std::find(c.statuses.begin(), c.statuses.end(), status) != c.statuses.end() &&
           (!c.on_hold || *c.on_hold == on_hold) && (!c.settled || *c.settled == settled) &&
           (!c.ended_by || ends_at <= *c.ended_by) &&
           (!c.ending_after || ends_at > *c.ending_after);
  };
  for (SettlementStatus candidate :
       {SettlementStatus::kCancelled, SettlementStatus::kSettled, SettlementStatus::kOnHold,
        SettlementStatus::kDue, SettlementStatus::kUnsettled}) {
    if (meets(SettlementConditionOf(candidate, due_cutoff))) return candidate;
  }
  return SettlementStatus::kUnsettled;
}

Status RegisterSettlementJobs(Jobs& jobs, Settlements& settlements) {
  return jobs.RegisterHandler(kSettleDueEventsJob, [&settlements](const Job&) -> Status {
    constexpr int kEventsPerRound = 100;
    for (;;) {
      EV_ASSIGN_OR_RETURN(const std::int64_t settled,
                          settlements.SettleDueEvents(kEventsPerRound));
      if (settled == 0) return Status::Ok();
    }
  });
}

}  // namespace settlements
}  // namespace eventify
