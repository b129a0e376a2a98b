#include "bookings/waitlist_service.h"

#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bookings/booking_rules.h"
#include "bookings/seat_batch.h"
#include "core/enum_names.h"
#include "core/status_macros.h"
#include "eventify/spi/waitlist_store.h"

namespace eventify {
namespace {

constexpr EnumNames<WaitlistStatus, 2> kWaitlistStatuses{{
    {WaitlistStatus::kWaiting, "waiting"},
    {WaitlistStatus::kOffered, "offered"},
}};

}  // namespace

std::string_view WaitlistStatusName(WaitlistStatus status) {
  return NameIn(kWaitlistStatuses, status);
}

Result<WaitlistStatus> ParseWaitlistStatus(std::string_view name) {
  return ParseIn(kWaitlistStatuses, name, "invalid_status", "status must be waiting or offered",
                 "status");
}

namespace bookings {
namespace {

Status NotOnWaitlist() {
  return NotFound("not_on_waitlist", "you are not waiting for seats of this event");
}

// The caller's waiting entry among `entries` (highest seq first), or null.
spi::WaitlistRecord* WaitingOf(std::vector<spi::WaitlistRecord>& entries) {
  for (spi::WaitlistRecord& record : entries) {
    if (record.entry.status == WaitlistStatus::kWaiting) return &record;
  }
  return nullptr;
}

// One call waiting in the pipeline.
struct WaitlistOperation final : storage::BatchOperation {
  enum class Kind { kJoin, kLeave, kServe };
  Kind kind = Kind::kJoin;
  Principal user;
  std::string event_id;                // kJoin, kLeave
  std::int32_t seats = 0;              // kJoin
  std::string new_id;                  // kJoin: the entry's id
  std::vector<std::string> event_ids;  // kServe

  WaitlistEntry result;    // kJoin when OK
  std::int64_t count = 0;  // kServe: offers made by the batch
};

WaitlistOperation& Op(storage::BatchOperation* base) {
  return *static_cast<WaitlistOperation*>(base);
}

}  // namespace

class WaitlistService::Applier final : public storage::BatchApplier {
 public:
  Applier(ledger::TransferClock& clock, const WaitlistOffers& offers)
      : clock_(clock), offers_(offers) {}

  Status ApplyBatch(spi::Transaction& tx, storage::BatchContext& context,
                    std::span<storage::BatchOperation* const> operations) override {
    const Timestamp now = clock_.Now();
    SeatBatch& seats = SeatBatch::Of(context, tx, now);
    WaitlistBatch& line = WaitlistBatch::Of(context, tx, now, offers_);
    seats.ServeWaitersWith(line);
    std::vector<std::string> event_ids;
    for (storage::BatchOperation* base : operations) {
      WaitlistOperation& op = Op(base);
      if (op.kind == WaitlistOperation::Kind::kServe) {
        event_ids.insert(event_ids.end(), op.event_ids.begin(), op.event_ids.end());
      } else {
        event_ids.push_back(op.event_id);
      }
    }
    EV_RETURN_IF_ERROR(seats.Load(event_ids));  // serves the events whose holds lapsed
    Run run{*tx.store<spi::WaitlistStore>(), seats, line, now, {}};
    for (storage::BatchOperation* base : operations) {
      WaitlistOperation& op = Op(base);
      switch (op.kind) {
        case WaitlistOperation::Kind::kJoin:
          EV_RETURN_IF_ERROR(run.Join(op));
          break;
        case WaitlistOperation::Kind::kLeave:
          EV_RETURN_IF_ERROR(run.Leave(op));
          break;
        case WaitlistOperation::Kind::kServe:
          for (const std::string& id : op.event_ids) {
            if (spi::EventSeats* event = seats.Find(id)) EV_RETURN_IF_ERROR(line.Serve(seats, *event));
          }
          op.count = line.offers();
          op.outcome = Status::Ok();
          break;
      }
    }
    return Status::Ok();
  }

 private:
  // One run of ApplyBatch. A failure returned fails the batch; an operation's own refusal is its
  // outcome.
  struct Run {
    spi::WaitlistStore& store;
    SeatBatch& seats;
    WaitlistBatch& line;
    const Timestamp now;
    std::unordered_map<std::string, std::int64_t> last_seq;  // by event, once read

    Status Join(WaitlistOperation& op) {
      spi::EventSeats* event = seats.Find(op.event_id);
      op.outcome = CheckCanBook(event, op.user, op.seats);
      if (!op.outcome.ok()) return Status::Ok();
      op.outcome = CheckSells(*event, now);
      if (!op.outcome.ok()) return Status::Ok();
      if (SeatBatch::Free(*event) >= op.seats) {
        op.outcome = FailedPrecondition("seats_available",
                                        "as many seats are free as asked for: book them", "seats");
        return Status::Ok();
      }
      EV_ASSIGN_OR_RETURN(auto mine, store.FindUserEntries(op.event_id, op.user.user_id));
      if (WaitingOf(mine) != nullptr) {
        op.outcome = AlreadyExists("already_on_waitlist",
                                   "you are waiting for seats of this event already");
        return Status::Ok();
      }
      auto seq = last_seq.find(op.event_id);
      if (seq == last_seq.end()) {
        EV_ASSIGN_OR_RETURN(const std::int64_t last, store.LastSeq(op.event_id));
        seq = last_seq.emplace(op.event_id, last).first;
      }
      spi::WaitlistRecord record;
      record.seq = ++seq->second;
      WaitlistEntry& entry = record.entry;
      entry.id = op.new_id;
      entry.event_id = op.event_id;
      entry.user_id = op.user.user_id;
      entry.seats = op.seats;
      entry.status = WaitlistStatus::kWaiting;
      entry.joined_at = now;
      EV_RETURN_IF_ERROR(store.InsertEntry(record));
      line.Joined(op.event_id);
      EV_ASSIGN_OR_RETURN(entry.position, store.CountWaitingUpTo(op.event_id, record.seq));
      op.result = entry;
      op.outcome = Status::Ok();
      return Status::Ok();
    }

    Status Leave(WaitlistOperation& op) {
      EV_ASSIGN_OR_RETURN(auto mine, store.FindUserEntries(op.event_id, op.user.user_id));
      const spi::WaitlistRecord* waiting = WaitingOf(mine);
      if (waiting == nullptr) {
        op.outcome = NotOnWaitlist();
        return Status::Ok();
      }
      EV_RETURN_IF_ERROR(store.DeleteEntry(waiting->entry.id));
      op.outcome = Status::Ok();
      return Status::Ok();
    }
  };

  ledger::TransferClock& clock_;
  const WaitlistOffers& offers_;
};

WaitlistService::WaitlistService(std::shared_ptr<spi::Storage> storage,
                                 ledger::TransferClock& clock, storage::CommitPipeline& pipeline,
                                 const WaitlistOffers& offers)
    : storage_(std::move(storage)),
      clock_(clock),
      pipeline_(pipeline),
      offers_(offers),
      applier_(std::make_unique<Applier>(clock, offers)) {}

WaitlistService::~WaitlistService() = default;

Result<WaitlistEntry> WaitlistService::Join(const Principal& user, std::string_view event_id,
                                            std::int32_t seats) {
  WaitlistOperation op;
  op.kind = WaitlistOperation::Kind::kJoin;
  op.user = user;
  op.event_id = std::string(event_id);
  op.seats = seats;
  op.new_id = NewId(clock_.Now());
  EV_RETURN_IF_ERROR(pipeline_.Execute(*applier_, op));
  offers_.mail.NotifyCommitted();  // an offer to someone whose hold lapsed, if the batch made one
  return op.result;
}

Status WaitlistService::Leave(const Principal& user, std::string_view event_id) {
  WaitlistOperation op;
  op.kind = WaitlistOperation::Kind::kLeave;
  op.user = user;
  op.event_id = std::string(event_id);
  EV_RETURN_IF_ERROR(pipeline_.Execute(*applier_, op));
  offers_.mail.NotifyCommitted();
  return Status::Ok();
}

Result<WaitlistEntry> WaitlistService::Get(const Principal& user, std::string_view event_id) {
  WaitlistEntry entry;
  EV_RETURN_IF_ERROR(
      storage_->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
        auto* store = tx.store<spi::WaitlistStore>();
        EV_ASSIGN_OR_RETURN(auto mine, store->FindUserEntries(event_id, user.user_id));
        if (mine.empty()) return NotOnWaitlist();
        const spi::WaitlistRecord* waiting = WaitingOf(mine);
        const spi::WaitlistRecord& shown = waiting != nullptr ? *waiting : mine.front();
        entry = shown.entry;
        entry.position = 0;
        if (waiting != nullptr) {
          EV_ASSIGN_OR_RETURN(entry.position, store->CountWaitingUpTo(event_id, shown.seq));
        }
        return Status::Ok();
      }));
  return entry;
}

Result<std::int64_t> WaitlistService::Serve(int limit) {
  if (limit <= 0) return InvalidArgument("invalid_limit", "limit must be positive", "limit");
  WaitlistOperation op;
  op.kind = WaitlistOperation::Kind::kServe;
  EV_RETURN_IF_ERROR(
      storage_->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
        EV_ASSIGN_OR_RETURN(op.event_ids,
                            tx.store<spi::WaitlistStore>()->ListEventsToServe(clock_.Now(), limit));
        return Status::Ok();
      }));
  if (op.event_ids.empty()) return std::int64_t{0};
  EV_RETURN_IF_ERROR(pipeline_.Execute(*applier_, op));
  offers_.mail.NotifyCommitted();
  return op.count;
}

}  // namespace bookings
}  // namespace eventify
