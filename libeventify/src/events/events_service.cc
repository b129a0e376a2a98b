#include "events/events_service.h"

#include <fmt/format.h>

#include <map>
#include <shared_mutex>
#include <span>
#include <utility>

#include "core/page_cursor.h"
#include "core/status_macros.h"
#include "crypto/sodium.h"
#include "eventify/spi/event_store.h"
#include "events/event_mail.h"
#include "events/validation.h"
#include "events/visibility.h"
#include "media/uploaded_image.h"
#include "reviews/reviews_service.h"
#include "settlements/settlements_service.h"

namespace eventify::events {
namespace {

using spi::EventFilter;
using spi::EventStore;
using spi::LockMode;
using spi::Transaction;
using spi::TransactionMode;

Status Forbidden() { return PermissionDenied("forbidden", "your role does not allow this"); }
Status EventNotFound() { return NotFound("event_not_found", "there is no such event"); }

bool MayActOnAny(const Principal& caller, EventAction action) {
  return IsEventActionAllowed(caller.role, EventRelation::kNone, action);
}

// The event `id` for `action` by `caller`: event_not_found when it does not exist or the caller
// may not see it, forbidden when the caller sees it but the table refuses the action.
Result<Event> EventFor(EventStore& store, const Principal& caller, std::string_view id,
                       EventAction action) {
  auto found = store.FindEvent(id, LockMode::kForUpdate);
  if (!found.ok()) {
    if (found.status().code() == StatusCode::kNotFound) return EventNotFound();
    return found.status();
  }
  if (!MaySee(&caller, found->organizer_id, found->status)) return EventNotFound();
  if (!IsEventActionAllowed(caller.role, RelationTo(caller, found->organizer_id), action)) {
    return Forbidden();
  }
  return found;
}

Status CheckVerifiedOrganizer(EventStore& store, const std::string& user_id) {
  auto profile = store.FindOrganizerProfile(user_id, LockMode::kNone);
  if (!profile.ok() && profile.status().code() != StatusCode::kNotFound) return profile.status();
  if (!profile.ok() || profile->status != OrganizerStatus::kVerified) {
    return FailedPrecondition("organizer_not_verified",
                              "an admin must verify your organizer profile first");
  }
  return Status::Ok();
}

// The category an event may be put in: it exists, and is listed unless the event is already in
// it (`current`).
Status CheckCategory(EventStore& store, const std::string& id, std::string_view current) {
  auto category = store.FindCategory(id, LockMode::kNone);
  if (!category.ok()) {
    if (category.status().code() == StatusCode::kNotFound) {
      return NotFound("unknown_category", "there is no such category", "category_id");
    }
    return category.status();
  }
  if (!category->listed && id != current) {
    return FailedPrecondition("category_unlisted", "this category takes no new events",
                              "category_id");
  }
  return Status::Ok();
}

Status FieldLocked(const char* field) {
  return FailedPrecondition("field_locked",
                            std::string(field) + " cannot change once the event is approved",
                            field);
}

// Whether two times show the same in the API's millisecond (FormatTimestamp): an event stored with
// finer digits (sent before the server dropped them) is unchanged by the times a client read.
bool SameMillisecond(Timestamp a, Timestamp b) {
  return std::chrono::floor<std::chrono::milliseconds>(a) ==
         std::chrono::floor<std::chrono::milliseconds>(b);
}

// What an approved event may not change (buyers paid for it); OK when `draft` keeps all of it.
Status CheckLockedFields(const Event& event, const EventDraft& draft) {
  if (draft.title != event.title) return FieldLocked("title");
  if (draft.category_id != event.category_id) return FieldLocked("category_id");
  if (!SameMillisecond(draft.starts_at, event.starts_at)) return FieldLocked("starts_at");
  if (!SameMillisecond(draft.ends_at, event.ends_at)) return FieldLocked("ends_at");
  if (draft.time_zone != event.time_zone) return FieldLocked("time_zone");
  if (draft.price_minor_units != event.price.minor_units) return FieldLocked("price");
  if (draft.attendees_may_cancel != event.attendees_may_cancel) {
    return FieldLocked("attendees_may_cancel");
  }
  return Status::Ok();
}

void ApplyDraft(Event& event, const EventDraft& draft) {
  event.title = draft.title;
  event.description = draft.description;
  event.category_id = draft.category_id;
  event.venue = draft.venue;
  event.online_url = draft.online_url;
  event.starts_at = draft.starts_at;
  event.ends_at = draft.ends_at;
  event.time_zone = draft.time_zone;
  // NormalizeDraft kept both within their ranges.
  event.capacity = static_cast<std::int32_t>(draft.capacity);
  event.price.minor_units = draft.price_minor_units;
  event.attendees_may_cancel = draft.attendees_may_cancel;
  event.max_tickets_per_booking = static_cast<std::int32_t>(draft.max_tickets_per_booking);
}

class EventsServiceImpl final : public Events {
 public:
  EventsServiceImpl(std::shared_ptr<spi::Storage> storage, std::shared_ptr<spi::MediaStore> media,
                    std::shared_ptr<spi::Clock> clock, std::string currency, EventMail mail,
                    EventsOptions options)
      : storage_(std::move(storage)),
        media_(std::move(media)),
        clock_(std::move(clock)),
        currency_(std::move(currency)),
        mail_(std::move(mail)),
        options_(std::move(options)) {}

  // ---- Organizers ----

  Result<OrganizerProfile> ApplyAsOrganizer(const Principal& organizer,
                                            const OrganizerApplication& application) override {
    if (!MayActOnAny(organizer, EventAction::kApplyAsOrganizer)) return Forbidden();
    EV_ASSIGN_OR_RETURN(OrganizerApplication normalized, NormalizeApplication(application));
    OrganizerProfile result;
    EV_RETURN_IF_ERROR(Write([&](EventStore& store) -> Status {
      const Timestamp now = clock_->Now();
      auto existing = store.FindOrganizerProfile(organizer.user_id, LockMode::kForUpdate);
      if (!existing.ok() && existing.status().code() != StatusCode::kNotFound) {
        return existing.status();
      }
      if (existing.ok() && existing->status == OrganizerStatus::kVerified) {
        return FailedPrecondition("already_verified", "your organizer profile is verified");
      }
      result = OrganizerProfile{};
      result.user_id = organizer.user_id;
      result.organisation_name = normalized.organisation_name;
      result.about = normalized.about;
      result.contact = normalized.contact;
      result.status = OrganizerStatus::kPending;
      result.submitted_at = now;
      result.updated_at = now;
      return store.PutOrganizerProfile(result);
    }));
    return result;
  }

  Result<OrganizerProfile> GetOwnOrganizerProfile(const Principal& organizer) override {
    if (!MayActOnAny(organizer, EventAction::kApplyAsOrganizer)) return Forbidden();
    OrganizerProfile result;
    EV_RETURN_IF_ERROR(Read([&](EventStore& store) -> Status {
      EV_ASSIGN_OR_RETURN(result, store.FindOrganizerProfile(organizer.user_id, LockMode::kNone));
      return Status::Ok();
    }));
    return result;
  }

  Result<OrganizerPage> ListOrganizerProfiles(const Principal& admin, OrganizerStatus status,
                                              std::string_view cursor, int limit) override {
    if (!MayActOnAny(admin, EventAction::kReviewOrganizers)) return Forbidden();
    EV_RETURN_IF_ERROR(CheckPageLimit(limit));
    EV_ASSIGN_OR_RETURN(std::optional<spi::Keyset> after, DecodePageCursor(cursor));
    OrganizerPage page;
    EV_RETURN_IF_ERROR(Read([&](EventStore& store) -> Status {
      EV_ASSIGN_OR_RETURN(page.items, store.ListOrganizerProfiles(status, after, limit + 1));
      return Status::Ok();
    }));
    page.next_cursor = TrimPage(page.items, limit, [](const OrganizerProfile& p) {
      return spi::Keyset{p.submitted_at, p.user_id};
    });
    return page;
  }

  Result<OrganizerProfile> VerifyOrganizer(const Principal& admin,
                                           std::string_view user_id) override {
    return ReviewOrganizer(admin, user_id, std::nullopt, "");
  }

  Result<OrganizerProfile> RejectOrganizer(const Principal& admin, std::string_view user_id,
                                           OrganizerRejectCause cause,
                                           std::string_view note) override {
    return ReviewOrganizer(admin, user_id, cause, note);
  }

  // ---- Categories ----

  Result<Category> CreateCategory(const Principal& admin, std::string_view name) override {
    if (!MayActOnAny(admin, EventAction::kManageCategories)) return Forbidden();
    EV_ASSIGN_OR_RETURN(std::string normalized, NormalizeCategoryName(name));
    Category category;
    const Timestamp now = clock_->Now();
    category.id = NewId(now);
    category.name = std::move(normalized);
    category.listed = true;
    category.created_at = now;
    category.updated_at = now;
    EV_RETURN_IF_ERROR(
        Write([&](EventStore& store) { return store.InsertCategory(category); }));
    return category;
  }

  Result<Category> RenameCategory(const Principal& admin, std::string_view id,
                                  std::string_view name) override {
    if (!MayActOnAny(admin, EventAction::kManageCategories)) return Forbidden();
    EV_ASSIGN_OR_RETURN(std::string normalized, NormalizeCategoryName(name));
    return ChangeCategory(id, [&](Category& category) { category.name = normalized; });
  }

  Result<Category> SetCategoryListed(const Principal& admin, std::string_view id,
                                     bool listed) override {
    if (!MayActOnAny(admin, EventAction::kManageCategories)) return Forbidden();
    return ChangeCategory(id, [&](Category& category) { category.listed = listed; });
  }

  Result<std::vector<Category>> ListCategories(const Principal* caller,
                                               bool include_unlisted) override {
    if (include_unlisted &&
        (caller == nullptr || !MayActOnAny(*caller, EventAction::kManageCategories))) {
      return Forbidden();
    }
    std::vector<Category> categories;
    EV_RETURN_IF_ERROR(Read([&](EventStore& store) -> Status {
      EV_ASSIGN_OR_RETURN(categories, store.ListCategories(include_unlisted));
      return Status::Ok();
    }));
    return categories;
  }

  // ---- Events ----

  Result<Event> CreateEvent(const Principal& organizer, const EventDraft& draft) override {
    if (!MayActOnAny(organizer, EventAction::kCreateEvent)) return Forbidden();
    EV_ASSIGN_OR_RETURN(EventDraft normalized, NormalizeDraft(draft, options_.zoneinfo_dir));
    Event event;
    EV_RETURN_IF_ERROR(Write([&](EventStore& store) -> Status {
      const Timestamp now = clock_->Now();
      EV_RETURN_IF_ERROR(CheckVerifiedOrganizer(store, organizer.user_id));
      EV_RETURN_IF_ERROR(CheckCategory(store, normalized.category_id, ""));
      EV_RETURN_IF_ERROR(CheckStartsInFuture(normalized.starts_at, now));
      event = Event{};
      event.id = NewId(now);
      event.organizer_id = organizer.user_id;
      event.price.currency = currency_;
      ApplyDraft(event, normalized);
      event.status = EventStatus::kDraft;
      event.created_at = now;
      event.updated_at = now;
      return store.InsertEvent(event);
    }));
    return event;
  }

  Result<Event> UpdateEvent(const Principal& organizer, std::string_view id,
                            const EventDraft& draft) override {
    EV_ASSIGN_OR_RETURN(EventDraft normalized, NormalizeDraft(draft, options_.zoneinfo_dir));
    return Transition(organizer, id, EventAction::kEditEvent,
                      [&](EventStore& store, Event& event, Timestamp now) -> Status {
                        switch (event.status) {
                          case EventStatus::kDraft:
                          case EventStatus::kRejected:
                            EV_RETURN_IF_ERROR(
                                CheckCategory(store, normalized.category_id, event.category_id));
                            EV_RETURN_IF_ERROR(CheckStartsInFuture(normalized.starts_at, now));
                            break;
                          case EventStatus::kApproved:
                            EV_RETURN_IF_ERROR(CheckLockedFields(event, normalized));
                            normalized.starts_at = event.starts_at;  // to the microsecond
                            normalized.ends_at = event.ends_at;
                            if (normalized.capacity < event.seats_sold + event.seats_held) {
                              return FailedPrecondition(
                                  "capacity_below_sold",
                                  "the capacity cannot go below the seats sold and held",
                                  "capacity");
                            }
                            break;
                          default:
                            return FailedPrecondition("event_not_editable",
                                                      "this event can no longer be edited");
                        }
                        ApplyDraft(event, normalized);
                        return Status::Ok();
                      });
  }

  Result<Event> SetCoverImage(const Principal& organizer, std::string_view id,
                              std::string_view bytes) override {
    EV_ASSIGN_OR_RETURN(const media::UploadedImage image,
                        media::CheckUploadedImage(bytes, options_.cover_max_bytes, "cover",
                                                  "cover_too_large"));
    // A fresh key per upload (caches never serve a stale picture); the previous object is removed
    // only once the event points at the new one. The id is checked before it names a key.
    if (!IsValidId(id)) return EventNotFound();
    const std::string key = fmt::format("events/{}-{}.{}", id,
                                        crypto::HexEncode(crypto::RandomBytes(8)), image.extension);
    EV_RETURN_IF_ERROR(
        media_->Put(key, spi::MediaObject{std::string(image.content_type), std::string(bytes)}));
    std::optional<std::string> previous;
    auto updated = Transition(organizer, id, EventAction::kEditEvent,
                              [&](EventStore&, Event& event, Timestamp) -> Status {
                                if (event.status != EventStatus::kDraft &&
                                    event.status != EventStatus::kRejected &&
                                    event.status != EventStatus::kApproved) {
                                  return FailedPrecondition("event_not_editable",
                                                            "this event can no longer be edited");
                                }
                                previous = event.cover_image_key;
                                event.cover_image_key = key;
                                return Status::Ok();
                              });
    if (!updated.ok()) {
      media_->Remove(key).IgnoreError();  // nothing references it
      return updated.status();
    }
    if (previous) media_->Remove(*previous).IgnoreError();  // best-effort cleanup
    return updated;
  }

  Result<Event> SubmitEvent(const Principal& organizer, std::string_view id) override {
    return Transition(organizer, id, EventAction::kSubmitEvent,
                      [&](EventStore& store, Event& event, Timestamp now) -> Status {
                        if (event.status != EventStatus::kDraft &&
                            event.status != EventStatus::kRejected) {
                          return FailedPrecondition(
                              "event_not_submittable",
                              "only a draft or a rejected event can be submitted");
                        }
                        EV_RETURN_IF_ERROR(CheckVerifiedOrganizer(store, organizer.user_id));
                        EV_RETURN_IF_ERROR(CheckCategory(store, event.category_id, ""));
                        EV_RETURN_IF_ERROR(CheckStartsInFuture(event.starts_at, now));
                        event.status = EventStatus::kPendingApproval;
                        event.submitted_at = now;
                        return Status::Ok();
                      });
  }

  Result<Event> ApproveEvent(const Principal& admin, std::string_view id) override {
    Result<Event> approved = Transition(admin, id, EventAction::kReviewEvents,
                      [&](EventStore&, Event& event, Timestamp now) -> Status {
                        EV_RETURN_IF_ERROR(CheckPending(event));
                        if (event.starts_at <= now) {
                          return FailedPrecondition("start_in_past",
                                                    "the event has started: reject it instead",
                                                    "starts_at");
                        }
                        event.status = EventStatus::kApproved;
                        event.reject_cause.reset();
                        event.review_note.clear();
                        return Status::Ok();
                      },
                      kMailOrganizer);
    if (approved.ok()) {
      std::shared_lock lock(observers_mu_);
      for (const auto& [handle, observer] : observers_) observer->OnEventApproved(*approved);
    }
    return approved;
  }

  std::uint64_t AddObserver(EventsObserver* observer) override {
    std::unique_lock lock(observers_mu_);
    observers_.emplace(++last_observer_, observer);
    return last_observer_;
  }

  void RemoveObserver(std::uint64_t handle) override {
    std::unique_lock lock(observers_mu_);
    observers_.erase(handle);
  }

  Result<Event> RejectEvent(const Principal& admin, std::string_view id, EventRejectCause cause,
                            std::string_view note) override {
    EV_ASSIGN_OR_RETURN(std::string normalized,
                        NormalizeNote(note, cause == EventRejectCause::kOther));
    return Transition(admin, id, EventAction::kReviewEvents,
                      [&](EventStore&, Event& event, Timestamp) -> Status {
                        EV_RETURN_IF_ERROR(CheckPending(event));
                        event.status = EventStatus::kRejected;
                        event.reject_cause = cause;
                        event.review_note = normalized;
                        return Status::Ok();
                      },
                      kMailOrganizer);
  }

  Result<Event> CancelEvent(const Principal& caller, std::string_view id,
                            std::string_view note) override {
    EV_ASSIGN_OR_RETURN(std::string normalized, NormalizeNote(note, /*required=*/true));
    return Transition(caller, id, EventAction::kCancelEvent,
                      [&](EventStore&, Event& event, Timestamp now) -> Status {
                        if (event.status != EventStatus::kApproved) {
                          return FailedPrecondition("event_not_approved",
                                                    "only an approved event can be cancelled");
                        }
                        // Ended but not yet marked completed (the job runs every minute): it
                        // took place, so nothing is refunded.
                        if (event.ends_at <= now) {
                          return FailedPrecondition("event_ended",
                                                    "an event that has ended cannot be cancelled");
                        }
                        event.status = EventStatus::kCancelled;
                        event.cancel_note = normalized;
                        return Status::Ok();
                      });
  }

  Result<Event> HoldEvent(const Principal& admin, std::string_view id,
                          std::string_view note) override {
    EV_ASSIGN_OR_RETURN(std::string normalized, NormalizeNote(note, /*required=*/false));
    return Transition(admin, id, EventAction::kHoldEvent,
                      [&](EventStore&, Event& event, Timestamp) -> Status {
                        EV_RETURN_IF_ERROR(CheckHoldable(event));
                        if (event.on_hold) {
                          return FailedPrecondition("already_on_hold", "the event is on hold");
                        }
                        event.on_hold = true;
                        event.review_note = normalized;
                        return Status::Ok();
                      });
  }

  Result<Event> ReleaseEvent(const Principal& admin, std::string_view id) override {
    return Transition(admin, id, EventAction::kHoldEvent,
                      [&](EventStore&, Event& event, Timestamp) -> Status {
                        EV_RETURN_IF_ERROR(CheckHoldable(event));
                        if (!event.on_hold) {
                          return FailedPrecondition("not_on_hold", "the event is not on hold");
                        }
                        event.on_hold = false;
                        event.review_note.clear();
                        return Status::Ok();
                      });
  }

  Result<Event> GetEvent(const Principal* caller, std::string_view id) override {
    Event event;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
      auto found = tx.store<EventStore>()->FindEvent(id, LockMode::kNone);
      if (!found.ok()) {
        return found.status().code() == StatusCode::kNotFound ? EventNotFound() : found.status();
      }
      if (!MaySee(caller, found->organizer_id, found->status)) return EventNotFound();
      event = std::move(found).value();
      return reviews::FillRatings(tx, std::span<Event>(&event, 1));
    }));
    return WithCoverUrl(std::move(event));
  }

  Result<EventPage> ListEvents(const EventQuery& query) override {
    EventFilter filter;
    filter.order = EventFilter::Order::kSoonestStart;
    filter.status = EventStatus::kApproved;
    filter.on_hold = false;
    filter.starts_after = clock_->Now();
    filter.category_id = query.category_id;
    filter.organizer_id = query.organizer_id;
    filter.starts_from = query.starts_from;
    filter.starts_before = query.starts_before;
    if (query.starts_from && query.starts_before && *query.starts_before <= *query.starts_from) {
      return InvalidArgument("invalid_date_range", "starts_before must come after starts_from",
                             "starts_from");
    }
    if ((query.min_price && *query.min_price < 0) || (query.max_price && *query.max_price < 0) ||
        (query.min_price && query.max_price && *query.max_price < *query.min_price)) {
      return InvalidArgument("invalid_price_range",
                             "prices are not negative and min_price is at most max_price",
                             "min_price");
    }
    filter.min_price = query.min_price;
    filter.max_price = query.max_price;
    if (!query.text.empty()) {
      EV_ASSIGN_OR_RETURN(filter.words, SearchWords(query.text));
    }
    return Page(filter, query.cursor, query.limit,
                [](const Event& e) { return spi::Keyset{e.starts_at, e.id}; });
  }

  Result<EventPage> ListOwnEvents(const Principal& organizer, std::optional<EventStatus> status,
                                  std::string_view cursor, int limit) override {
    if (!MayActOnAny(organizer, EventAction::kListOwnEvents)) return Forbidden();
    EventFilter filter;
    filter.order = EventFilter::Order::kNewestCreated;
    filter.organizer_id = organizer.user_id;
    filter.status = status;
    const auto position = [](const Event& e) { return spi::Keyset{e.created_at, e.id}; };
    return Page(filter, cursor, limit, position, /*with_money=*/true);
  }

  Result<EventPage> ListPendingEvents(const Principal& admin, std::string_view cursor,
                                      int limit) override {
    if (!MayActOnAny(admin, EventAction::kReviewEvents)) return Forbidden();
    EventFilter filter;
    filter.order = EventFilter::Order::kOldestSubmission;
    filter.status = EventStatus::kPendingApproval;
    return Page(filter, cursor, limit, [](const Event& e) {
      return spi::Keyset{e.submitted_at.value_or(e.created_at), e.id};
    });
  }

  Result<std::int64_t> CompleteEndedEvents() override {
    std::int64_t completed = 0;
    EV_RETURN_IF_ERROR(Write([&](EventStore& store) -> Status {
      EV_ASSIGN_OR_RETURN(completed, store.CompleteEndedEvents(clock_->Now()));
      return Status::Ok();
    }));
    return completed;
  }

 private:
  // The event with the URL of its cover image, which the store does not keep.
  Event WithCoverUrl(Event event) const {
    event.cover_image_url.reset();
    if (event.cover_image_key) event.cover_image_url = media_->UrlFor(*event.cover_image_key);
    return event;
  }

  template <typename Fn>
  Status Read(Fn&& fn) {
    return storage_->Run(TransactionMode::kReadOnly,
                         [&](Transaction& tx) { return fn(*tx.store<EventStore>()); });
  }
  template <typename Fn>
  Status Write(Fn&& fn) {
    return storage_->Run(TransactionMode::kReadWrite,
                         [&](Transaction& tx) { return fn(*tx.store<EventStore>()); });
  }

  static Status CheckPending(const Event& event) {
    if (event.status != EventStatus::kPendingApproval) {
      return FailedPrecondition("event_not_pending", "the event is not pending approval");
    }
    return Status::Ok();
  }

  static Status CheckHoldable(const Event& event) {
    if (event.status != EventStatus::kApproved && event.status != EventStatus::kCompleted) {
      return FailedPrecondition("event_not_holdable",
                                "only approved and completed events can be held");
    }
    return Status::Ok();
  }

  // Whether a transition mails the event's organizer (EventMail::AddEventReviewed).
  static constexpr bool kMailOrganizer = true;

  // Loads the event for `action`, lets `change(store, event, now)` check and change it, and
  // stores it with updated_at = now; with `mail_organizer`, the organizer's mail about the
  // review commits with it.
  template <typename Change>
  Result<Event> Transition(const Principal& caller, std::string_view id, EventAction action,
                           Change&& change, bool mail_organizer = false) {
    Event result;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      EventStore& store = *tx.store<EventStore>();
      EV_ASSIGN_OR_RETURN(Event event, EventFor(store, caller, id, action));
      const Timestamp now = clock_->Now();
      EV_RETURN_IF_ERROR(change(store, event, now));
      event.updated_at = now;
      EV_RETURN_IF_ERROR(store.UpdateEvent(event));
      if (mail_organizer) EV_RETURN_IF_ERROR(mail_.AddEventReviewed(tx, event));
      result = WithCoverUrl(std::move(event));
      return reviews::FillRatings(tx, std::span<Event>(&result, 1));
    }));
    if (mail_organizer) mail_.NotifyCommitted();
    return result;
  }

  // `with_money`: each event carries its revenue and settlement (the organizer's own list).
  template <typename Position>
  Result<EventPage> Page(EventFilter& filter, std::string_view cursor, int limit,
                         Position&& position, bool with_money = false) {
    EV_RETURN_IF_ERROR(CheckPageLimit(limit));
    EV_ASSIGN_OR_RETURN(filter.after, DecodePageCursor(cursor));
    filter.limit = limit + 1;
    EventPage page;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
      EV_ASSIGN_OR_RETURN(page.items, tx.store<EventStore>()->ListEvents(filter));
      if (with_money) EV_RETURN_IF_ERROR(settlements::FillRevenueAndSettlements(tx, page.items));
      return reviews::FillRatings(tx, page.items);
    }));
    page.next_cursor = TrimPage(page.items, limit, position);
    for (Event& event : page.items) event = WithCoverUrl(std::move(event));
    return page;
  }

  Result<OrganizerProfile> ReviewOrganizer(const Principal& admin, std::string_view user_id,
                                           std::optional<OrganizerRejectCause> cause,
                                           std::string_view note) {
    if (!MayActOnAny(admin, EventAction::kReviewOrganizers)) return Forbidden();
    std::string normalized;
    if (cause) {
      EV_ASSIGN_OR_RETURN(normalized, NormalizeNote(note, *cause == OrganizerRejectCause::kOther));
    }
    OrganizerProfile result;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      EventStore& store = *tx.store<EventStore>();
      EV_ASSIGN_OR_RETURN(result, store.FindOrganizerProfile(user_id, LockMode::kForUpdate));
      if (result.status != OrganizerStatus::kPending) {
        return FailedPrecondition("profile_not_pending", "the profile is not pending review");
      }
      const Timestamp now = clock_->Now();
      result.status = cause ? OrganizerStatus::kRejected : OrganizerStatus::kVerified;
      result.reject_cause = cause;
      result.review_note = normalized;
      result.reviewed_at = now;
      result.updated_at = now;
      EV_RETURN_IF_ERROR(store.PutOrganizerProfile(result));
      return mail_.AddOrganizerReviewed(tx, result);
    }));
    mail_.NotifyCommitted();
    return result;
  }

  template <typename Change>
  Result<Category> ChangeCategory(std::string_view id, Change&& change) {
    Category result;
    EV_RETURN_IF_ERROR(Write([&](EventStore& store) -> Status {
      EV_ASSIGN_OR_RETURN(result, store.FindCategory(id, LockMode::kForUpdate));
      change(result);
      result.updated_at = clock_->Now();
      return store.UpdateCategory(result);
    }));
    return result;
  }

  const std::shared_ptr<spi::Storage> storage_;
  const std::shared_ptr<spi::MediaStore> media_;
  const std::shared_ptr<spi::Clock> clock_;
  const std::string currency_;
  const EventMail mail_;
  const EventsOptions options_;

  std::shared_mutex observers_mu_;  // shared while calling them, so RemoveObserver waits for calls
  std::map<std::uint64_t, EventsObserver*> observers_;
  std::uint64_t last_observer_ = 0;
};

}  // namespace

std::unique_ptr<Events> MakeEventsService(std::shared_ptr<spi::Storage> storage,
                                          std::shared_ptr<spi::MediaStore> media,
                                          std::shared_ptr<spi::Clock> clock, std::string currency,
                                          std::shared_ptr<const mail::MailJobs> mail,
                                          std::string_view product_name, EventsOptions options) {
  return std::make_unique<EventsServiceImpl>(
      std::move(storage), std::move(media), std::move(clock), std::move(currency),
      EventMail(std::move(mail), product_name), std::move(options));
}

Status RegisterEventsJobs(Jobs& jobs, Events& events) {
  return jobs.RegisterHandler(kCompleteEndedEventsJob, [&events](const Job&) -> Status {
    auto completed = events.CompleteEndedEvents();
    return completed.ok() ? Status::Ok() : completed.status();
  });
}

}  // namespace eventify::events
