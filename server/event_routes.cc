#include "event_routes.h"

#include <optional>
#include <string>
#include <string_view>

#include "authentication.h"
#include "eventify/events.h"
#include "http_errors.h"
#include "json.h"
#include "query_params.h"
#include "review_routes.h"

namespace eventify::server {
namespace {

constexpr int kDefaultLimit = 20;
// Room for 10000 characters of four bytes each; the library counts the characters.
constexpr std::size_t kMaxDescriptionBytes = 40000;
constexpr std::size_t kMaxAboutBytes = 20000;
constexpr std::size_t kMaxNoteBytes = 4000;

// RFC 3339, or "" (written as null) when absent.
std::string TimestampOrEmpty(const std::optional<Timestamp>& at) {
  return at ? FormatTimestamp(*at) : std::string();
}

void WriteProfile(JsonWriter& json, const OrganizerProfile& p) {
  json.BeginObject();
  json.StringMember("user_id", p.user_id);
  json.StringMember("organisation_name", p.organisation_name);
  json.StringMember("about", p.about);
  json.StringMember("contact", p.contact);
  json.StringMember("status", OrganizerStatusName(p.status));
  json.StringOrNullMember("reject_cause",
                          p.reject_cause ? OrganizerRejectCauseName(*p.reject_cause) : "");
  json.StringMember("review_note", p.review_note);
  json.StringMember("submitted_at", FormatTimestamp(p.submitted_at));
  json.StringOrNullMember("reviewed_at", TimestampOrEmpty(p.reviewed_at));
  json.StringMember("updated_at", FormatTimestamp(p.updated_at));
  json.EndObject();
}

void WriteCategory(JsonWriter& json, const Category& c) {
  json.BeginObject();
  json.StringMember("id", c.id);
  json.StringMember("name", c.name);
  json.BoolMember("listed", c.listed);
  json.StringMember("created_at", FormatTimestamp(c.created_at));
  json.StringMember("updated_at", FormatTimestamp(c.updated_at));
  json.EndObject();
}

// The members of an event object, without its braces.
void WriteEventMembers(JsonWriter& json, const Event& e) {
  json.StringMember("id", e.id);
  json.StringMember("organizer_id", e.organizer_id);
  json.StringMember("title", e.title);
  json.StringMember("description", e.description);
  json.StringMember("category_id", e.category_id);
  json.StringMember("venue", e.venue);
  json.StringMember("online_url", e.online_url);
  json.StringMember("starts_at", FormatTimestamp(e.starts_at));
  json.StringMember("ends_at", FormatTimestamp(e.ends_at));
  json.StringMember("time_zone", e.time_zone);
  json.IntMember("capacity", e.capacity);
  json.IntMember("price", e.price.minor_units);
  json.StringMember("currency", e.price.currency);
  json.BoolMember("attendees_may_cancel", e.attendees_may_cancel);
  json.IntMember("max_tickets_per_booking", e.max_tickets_per_booking);
  json.StringMember("status", EventStatusName(e.status));
  json.BoolMember("on_hold", e.on_hold);
  json.StringOrNullMember("reject_cause",
                          e.reject_cause ? EventRejectCauseName(*e.reject_cause) : "");
  json.StringMember("review_note", e.review_note);
  json.StringMember("cancel_note", e.cancel_note);
  json.IntMember("seats_sold", e.seats_sold);
  json.IntMember("seats_held", e.seats_held);
  json.StringOrNullMember("submitted_at", TimestampOrEmpty(e.submitted_at));
  json.StringOrNullMember("cover_image_url", e.cover_image_url.value_or(""));
  json.Key("rating");
  WriteRating(json, e.rating);
  json.StringMember("created_at", FormatTimestamp(e.created_at));
  json.StringMember("updated_at", FormatTimestamp(e.updated_at));
}

void WriteEvent(JsonWriter& json, const Event& e) {
  json.BeginObject();
  WriteEventMembers(json, e);
  json.EndObject();
}

// An event of the organizer's own list: the event object, its revenue and its settlement, the
// amounts in the event's currency (the settlement's `null` while not settled).
void WriteOwnEvent(JsonWriter& json, const Event& e) {
  json.BeginObject();
  WriteEventMembers(json, e);
  json.IntMember("revenue", e.revenue.value_or(Money{}).minor_units);
  const auto& s = e.settlement;
  json.Key("settlement").BeginObject();
  json.BoolMember("settled", s.has_value());
  json.OptionalTimestampMember("settled_at",
                               s ? std::optional<Timestamp>(s->settled_at) : std::nullopt);
  json.OptionalIntMember("gross", s ? std::optional<std::int64_t>(s->gross.minor_units)
                                    : std::nullopt);
  json.OptionalIntMember("commission", s ? std::optional<std::int64_t>(s->commission.minor_units)
                                         : std::nullopt);
  json.OptionalIntMember("net",
                         s ? std::optional<std::int64_t>(s->net.minor_units) : std::nullopt);
  json.EndObject();
  json.EndObject();
}

ApiResponse ProfileResponse(const Result<OrganizerProfile>& p) {
  return ObjectResponse(200, "profile", p, WriteProfile);
}
ApiResponse CategoryResponse(int status, const Result<Category>& c) {
  return ObjectResponse(status, "category", c, WriteCategory);
}
ApiResponse EventResponse(int status, const Result<Event>& e) {
  return ObjectResponse(status, "event", e, WriteEvent);
}
ApiResponse EventPageResponse(const Result<EventPage>& page) {
  if (!page.ok()) return ErrorResponse(page.status());
  return PageResponse(page->items, page->next_cursor, WriteEvent);
}

// The body of POST /events and PUT /events/{id}: the whole event (docs/events-api.md).
Result<EventDraft> ReadDraft(const ApiRequest& request) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) return body.status();
  EventDraft d;
  std::optional<std::string> venue;
  std::optional<std::string> online_url;
  std::optional<bool> may_cancel;
  std::optional<std::int64_t> max_tickets;
  Status read = body->Read({Required("title", d.title),
                            RequiredText("description", d.description, kMaxDescriptionBytes),
                            Required("category_id", d.category_id), Optional("venue", venue),
                            Optional("online_url", online_url), Required("time_zone", d.time_zone),
                            Required("capacity", d.capacity),
                            Required("price", d.price_minor_units),
                            Optional("attendees_may_cancel", may_cancel),
                            Optional("max_tickets_per_booking", max_tickets)});
  if (read.ok()) read = ReadTimestampField(*body, "starts_at", d.starts_at);
  if (read.ok()) read = ReadTimestampField(*body, "ends_at", d.ends_at);
  if (!read.ok()) return read;
  d.venue = venue.value_or("");
  d.online_url = online_url.value_or("");
  d.attendees_may_cancel = may_cancel.value_or(false);
  d.max_tickets_per_booking = max_tickets.value_or(1);
  return d;
}

// {"note": string} (optional, the body too) for cancel and hold.
Result<std::string> ReadNote(const ApiRequest& request) {
  if (request.body().empty()) return std::string();
  auto body = ParseJsonBody(request);
  if (!body.ok()) return body.status();
  std::optional<std::string> given;
  Field field = Optional("note", given);
  field.max_bytes = kMaxNoteBytes;
  if (Status read = body->Read({field}); !read.ok()) return read;
  return given.value_or("");
}

// {"cause": string, "note": string?} for rejections; `parse` reads the cause.
template <typename Cause, typename Parse>
Result<std::pair<Cause, std::string>> ReadRejection(const ApiRequest& request, Parse&& parse) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) return body.status();
  std::string cause;
  std::optional<std::string> note;
  Field note_field = Optional("note", note);
  note_field.max_bytes = kMaxNoteBytes;
  if (Status read = body->Read({Required("cause", cause), note_field}); !read.ok()) return read;
  auto parsed = parse(cause);
  if (!parsed.ok()) return parsed.status();
  return std::pair<Cause, std::string>(*parsed, note.value_or(""));
}

// The caller when the request carries a token; none for anonymous requests.
Result<std::optional<Principal>> OptionalCaller(Accounts& accounts, const ApiRequest& request) {
  if (!request.header("Authorization")) return std::optional<Principal>();
  auto principal = Authenticate(accounts, request);
  if (!principal.ok()) return principal.status();
  return std::optional<Principal>(*principal);
}

void AddOrganizerRoutes(Router& router, Accounts& accounts, Events& events) {
  // POST /api/v1/organizer/profile {"organisation_name", "about", "contact"}
  router.Add("POST", "/api/v1/organizer/profile", [&](const ApiRequest& request, const PathParams&) {
    auto principal = Authenticate(accounts, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    OrganizerApplication application;
    Status read = body->Read({Required("organisation_name", application.organisation_name),
                              RequiredText("about", application.about, kMaxAboutBytes),
                              Required("contact", application.contact)});
    if (!read.ok()) return ErrorResponse(read);
    return ProfileResponse(events.ApplyAsOrganizer(*principal, application));
  });

  router.Add("GET", "/api/v1/organizer/profile", [&](const ApiRequest& request, const PathParams&) {
    auto principal = Authenticate(accounts, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return ProfileResponse(events.GetOwnOrganizerProfile(*principal));
  });

  // GET /api/v1/admin/organizers?status=pending&cursor=&limit=
  router.Add("GET", "/api/v1/admin/organizers", [&](const ApiRequest& request, const PathParams&) {
    auto principal = Authenticate(accounts, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto status = ParseOrganizerStatus(request.query("status").value_or("pending"));
    if (!status.ok()) return ErrorResponse(status.status());
    int limit = kDefaultLimit;
    if (Status read = ReadLimit(request, limit); !read.ok()) return ErrorResponse(read);
    auto page = events.ListOrganizerProfiles(*principal, *status,
                                             request.query("cursor").value_or(""), limit);
    if (!page.ok()) return ErrorResponse(page.status());
    return PageResponse(page->items, page->next_cursor, WriteProfile);
  });

  router.Add("POST", "/api/v1/admin/organizers/{}/verify",
             [&](const ApiRequest& request, const PathParams& params) {
               auto principal = Authenticate(accounts, request);
               if (!principal.ok()) return ErrorResponse(principal.status());
               return ProfileResponse(events.VerifyOrganizer(*principal, params.at(0)));
             });

  // POST /api/v1/admin/organizers/{user_id}/reject {"cause", "note"?}
  router.Add("POST", "/api/v1/admin/organizers/{}/reject",
             [&](const ApiRequest& request, const PathParams& params) {
               auto principal = Authenticate(accounts, request);
               if (!principal.ok()) return ErrorResponse(principal.status());
               auto rejection =
                   ReadRejection<OrganizerRejectCause>(request, ParseOrganizerRejectCause);
               if (!rejection.ok()) return ErrorResponse(rejection.status());
               return ProfileResponse(events.RejectOrganizer(
                   *principal, params.at(0), rejection->first, rejection->second));
             });
}

void AddCategoryRoutes(Router& router, Accounts& accounts, Events& events) {
  // GET /api/v1/categories?include_unlisted=true (admins)
  router.Add("GET", "/api/v1/categories", [&](const ApiRequest& request, const PathParams&) {
    std::optional<bool> include_unlisted;
    if (Status read = ReadBoolQuery(request, "include_unlisted", include_unlisted); !read.ok()) {
      return ErrorResponse(read);
    }
    auto caller = OptionalCaller(accounts, request);
    if (!caller.ok()) return ErrorResponse(caller.status());
    auto categories = events.ListCategories(caller->has_value() ? &**caller : nullptr,
                                            include_unlisted.value_or(false));
    if (!categories.ok()) return ErrorResponse(categories.status());
    return PageResponse(*categories, "", WriteCategory);
  });

  // POST /api/v1/admin/categories {"name"}
  router.Add("POST", "/api/v1/admin/categories", [&](const ApiRequest& request, const PathParams&) {
    auto principal = Authenticate(accounts, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string name;
    if (Status read = body->Read({Required("name", name)}); !read.ok()) return ErrorResponse(read);
    return CategoryResponse(201, events.CreateCategory(*principal, name));
  });

  // POST /api/v1/admin/categories/{id}/rename {"name"}
  router.Add("POST", "/api/v1/admin/categories/{}/rename",
             [&](const ApiRequest& request, const PathParams& params) {
               auto principal = Authenticate(accounts, request);
               if (!principal.ok()) return ErrorResponse(principal.status());
               auto body = ParseJsonBody(request);
               if (!body.ok()) return ErrorResponse(body.status());
               std::string name;
               if (Status read = body->Read({Required("name", name)}); !read.ok()) {
                 return ErrorResponse(read);
               }
               return CategoryResponse(200, events.RenameCategory(*principal, params.at(0), name));
             });

  for (const bool listed : {false, true}) {
    router.Add("POST", listed ? "/api/v1/admin/categories/{}/relist"
                              : "/api/v1/admin/categories/{}/unlist",
               [&, listed](const ApiRequest& request, const PathParams& params) {
                 auto principal = Authenticate(accounts, request);
                 if (!principal.ok()) return ErrorResponse(principal.status());
                 return CategoryResponse(
                     200, events.SetCategoryListed(*principal, params.at(0), listed));
               });
  }
}

void AddEventLifecycleRoutes(Router& router, Accounts& accounts, Events& events) {
  router.Add("GET", "/api/v1/events", [&](const ApiRequest& request, const PathParams&) {
    EventQuery query;
    if (Status read = ReadEventQuery(request, query); !read.ok()) return ErrorResponse(read);
    return EventPageResponse(events.ListEvents(query));
  });

  router.Add("GET", "/api/v1/events/{}", [&](const ApiRequest& request, const PathParams& params) {
    auto caller = OptionalCaller(accounts, request);
    if (!caller.ok()) return ErrorResponse(caller.status());
    return EventResponse(
        200, events.GetEvent(caller->has_value() ? &**caller : nullptr, params.at(0)));
  });

  router.Add("POST", "/api/v1/events", [&](const ApiRequest& request, const PathParams&) {
    auto principal = Authenticate(accounts, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    // A caller whose role may not create events hears so before anything about the body.
    if (!IsEventActionAllowed(principal->role, EventRelation::kNone, EventAction::kCreateEvent)) {
      return ErrorResponse(PermissionDenied("forbidden", "your role does not allow this"));
    }
    auto draft = ReadDraft(request);
    if (!draft.ok()) return ErrorResponse(draft.status());
    return EventResponse(201, events.CreateEvent(*principal, *draft));
  });

  router.Add("PUT", "/api/v1/events/{}", [&](const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto draft = ReadDraft(request);
    if (!draft.ok()) return ErrorResponse(draft.status());
    return EventResponse(200, events.UpdateEvent(*principal, params.at(0), *draft));
  });

  // The image is the raw body, or the part "cover" of a multipart/form-data body.
  router.Add("PUT", "/api/v1/events/{}/cover",
             [&](const ApiRequest& request, const PathParams& params) {
               auto principal = Authenticate(accounts, request);
               if (!principal.ok()) return ErrorResponse(principal.status());
               std::string_view bytes = request.body();
               if (request.is_multipart()) {
                 const auto part = request.form_part("cover");
                 if (!part) {
                   return ErrorResponse(InvalidArgument(
                       "missing_field", "the form part 'cover' is required", "cover"));
                 }
                 bytes = *part;
               }
               return EventResponse(200, events.SetCoverImage(*principal, params.at(0), bytes));
             });

  router.Add("POST", "/api/v1/events/{}/submit",
             [&](const ApiRequest& request, const PathParams& params) {
               auto principal = Authenticate(accounts, request);
               if (!principal.ok()) return ErrorResponse(principal.status());
               return EventResponse(200, events.SubmitEvent(*principal, params.at(0)));
             });

  router.Add("POST", "/api/v1/events/{}/cancel",
             [&](const ApiRequest& request, const PathParams& params) {
               auto principal = Authenticate(accounts, request);
               if (!principal.ok()) return ErrorResponse(principal.status());
               auto note = ReadNote(request);
               if (!note.ok()) return ErrorResponse(note.status());
               return EventResponse(200, events.CancelEvent(*principal, params.at(0), *note));
             });

  // GET /api/v1/organizer/events?status=&cursor=&limit=
  router.Add("GET", "/api/v1/organizer/events", [&](const ApiRequest& request, const PathParams&) {
    auto principal = Authenticate(accounts, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    std::optional<EventStatus> status;
    if (const auto name = request.query("status")) {
      auto parsed = ParseEventStatus(*name);
      if (!parsed.ok()) return ErrorResponse(parsed.status());
      status = *parsed;
    }
    int limit = kDefaultLimit;
    if (Status read = ReadLimit(request, limit); !read.ok()) return ErrorResponse(read);
    const auto page =
        events.ListOwnEvents(*principal, status, request.query("cursor").value_or(""), limit);
    if (!page.ok()) return ErrorResponse(page.status());
    return PageResponse(page->items, page->next_cursor, WriteOwnEvent);
  });
}

void AddEventReviewRoutes(Router& router, Accounts& accounts, Events& events) {
  router.Add("GET", "/api/v1/admin/events/pending",
             [&](const ApiRequest& request, const PathParams&) {
               auto principal = Authenticate(accounts, request);
               if (!principal.ok()) return ErrorResponse(principal.status());
               int limit = kDefaultLimit;
               if (Status read = ReadLimit(request, limit); !read.ok()) return ErrorResponse(read);
               return EventPageResponse(events.ListPendingEvents(
                   *principal, request.query("cursor").value_or(""), limit));
             });

  router.Add("POST", "/api/v1/admin/events/{}/approve",
             [&](const ApiRequest& request, const PathParams& params) {
               auto principal = Authenticate(accounts, request);
               if (!principal.ok()) return ErrorResponse(principal.status());
               return EventResponse(200, events.ApproveEvent(*principal, params.at(0)));
             });

  // POST /api/v1/admin/events/{id}/reject {"cause", "note"?}
  router.Add("POST", "/api/v1/admin/events/{}/reject",
             [&](const ApiRequest& request, const PathParams& params) {
               auto principal = Authenticate(accounts, request);
               if (!principal.ok()) return ErrorResponse(principal.status());
               auto rejection = ReadRejection<EventRejectCause>(request, ParseEventRejectCause);
               if (!rejection.ok()) return ErrorResponse(rejection.status());
               return EventResponse(200, events.RejectEvent(*principal, params.at(0),
                                                            rejection->first, rejection->second));
             });

  router.Add("POST", "/api/v1/admin/events/{}/hold",
             [&](const ApiRequest& request, const PathParams& params) {
               auto principal = Authenticate(accounts, request);
               if (!principal.ok()) return ErrorResponse(principal.status());
               auto note = ReadNote(request);
               if (!note.ok()) return ErrorResponse(note.status());
               return EventResponse(200, events.HoldEvent(*principal, params.at(0), *note));
             });

  router.Add("POST", "/api/v1/admin/events/{}/release",
             [&](const ApiRequest& request, const PathParams& params) {
               auto principal = Authenticate(accounts, request);
               if (!principal.ok()) return ErrorResponse(principal.status());
               return EventResponse(200, events.ReleaseEvent(*principal, params.at(0)));
             });
}

}  // namespace

void WritePublicEvent(JsonWriter& json, const Event& event) { WriteEvent(json, event); }

void AddEventRoutes(Router& router, Engine& engine) {
  Accounts& accounts = engine.accounts();
  Events& events = engine.events();
  AddOrganizerRoutes(router, accounts, events);
  AddCategoryRoutes(router, accounts, events);
  AddEventLifecycleRoutes(router, accounts, events);
  AddEventReviewRoutes(router, accounts, events);
}

}  // namespace eventify::server
