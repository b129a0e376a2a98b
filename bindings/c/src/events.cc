// Organizers, categories and events (eventify_c.h, "Organizers, categories and events").
#include "handles.h"

namespace eventify::capi {
namespace {

void ClearEvent(eventify_event* event) {
  std::free(event->id);
  std::free(event->organizer_id);
  std::free(event->title);
  std::free(event->description);
  std::free(event->category_id);
  std::free(event->venue);
  std::free(event->online_url);
  std::free(event->time_zone);
  std::free(event->status);
  std::free(event->currency);
}

void FillEvent(eventify_event* out, const Event& event) {
  out->id = Dup(event.id);
  out->organizer_id = Dup(event.organizer_id);
  out->title = Dup(event.title);
  out->description = Dup(event.description);
  out->category_id = Dup(event.category_id);
  out->venue = Dup(event.venue);
  out->online_url = Dup(event.online_url);
  out->time_zone = Dup(event.time_zone);
  out->status = Dup(EventStatusName(event.status));
  out->currency = Dup(event.price.currency);
  out->starts_at = ToMicros(event.starts_at);
  out->ends_at = ToMicros(event.ends_at);
  out->capacity = event.capacity;
  out->price_minor_units = event.price.minor_units;
  out->max_tickets_per_booking = event.max_tickets_per_booking;
  out->seats_sold = event.seats_sold;
  out->seats_held = event.seats_held;
  out->attendees_may_cancel = event.attendees_may_cancel ? 1 : 0;
  out->on_hold = event.on_hold ? 1 : 0;
}

eventify_status GiveEvent(const Result<Event>& event, eventify_event** out) {
  return Give<eventify_event, eventify_event_free>(event, FillEvent, out);
}

EventDraft ToDraft(const eventify_event_draft& draft) {
  EventDraft out;
  out.title = Arg(draft.title);
  out.description = Arg(draft.description);
  out.category_id = Arg(draft.category_id);
  out.venue = Arg(draft.venue);
  out.online_url = Arg(draft.online_url);
  out.time_zone = Arg(draft.time_zone);
  out.starts_at = FromMicros(draft.starts_at);
  out.ends_at = FromMicros(draft.ends_at);
  out.capacity = draft.capacity;
  out.price_minor_units = draft.price_minor_units;
  out.max_tickets_per_booking = draft.max_tickets_per_booking;
  out.attendees_may_cancel = draft.attendees_may_cancel != 0;
  return out;
}

}  // namespace

extern "C" {

void eventify_event_free(eventify_event* event) {
  if (event == nullptr) return;
  ClearEvent(event);
  std::free(event);
}

void eventify_event_list_free(eventify_event_list* list) { FreeList(list, ClearEvent); }

eventify_status eventify_apply_as_organizer(eventify_engine* engine,
                                            const eventify_session* organizer,
                                            const char* organisation_name, const char* about,
                                            const char* contact) {
  return Guard([&] {
    if (engine == nullptr) return NullArgument("engine");
    if (organizer == nullptr) return NullArgument("organizer");
    OrganizerApplication application{std::string(Arg(organisation_name)),
                                               std::string(Arg(about)),
                                               std::string(Arg(contact))};
    auto profile = engine->engine->events().ApplyAsOrganizer(organizer->principal, application);
    return Record(profile.status());
  });
}

eventify_status eventify_verify_organizer(eventify_engine* engine, const eventify_session* admin,
                                          const char* user_id) {
  return Guard([&] {
    if (engine == nullptr) return NullArgument("engine");
    if (admin == nullptr) return NullArgument("admin");
    auto profile = engine->engine->events().VerifyOrganizer(admin->principal, Arg(user_id));
    return Record(profile.status());
  });
}

eventify_status eventify_create_category(eventify_engine* engine, const eventify_session* admin,
                                         const char* name, char** id_out) {
  return Guard([&] {
    if (id_out != nullptr) *id_out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (admin == nullptr) return NullArgument("admin");
    auto category = engine->engine->events().CreateCategory(admin->principal, Arg(name));
    if (!category.ok()) return Record(category.status());
    if (id_out != nullptr) *id_out = Dup(category->id);
    return RecordOk();
  });
}

eventify_status eventify_create_event(eventify_engine* engine, const eventify_session* organizer,
                                      const eventify_event_draft* draft, eventify_event** out) {
  return Guard([&] {
    if (out != nullptr) *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (organizer == nullptr) return NullArgument("organizer");
    if (draft == nullptr) return NullArgument("draft");
    return GiveEvent(engine->engine->events().CreateEvent(organizer->principal,
                                                          ToDraft(*draft)),
                     out);
  });
}

eventify_status eventify_submit_event(eventify_engine* engine, const eventify_session* organizer,
                                      const char* event_id, eventify_event** out) {
  return Guard([&] {
    if (out != nullptr) *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (organizer == nullptr) return NullArgument("organizer");
    return GiveEvent(engine->engine->events().SubmitEvent(organizer->principal, Arg(event_id)),
                     out);
  });
}

eventify_status eventify_approve_event(eventify_engine* engine, const eventify_session* admin,
                                       const char* event_id, eventify_event** out) {
  return Guard([&] {
    if (out != nullptr) *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (admin == nullptr) return NullArgument("admin");
    return GiveEvent(engine->engine->events().ApproveEvent(admin->principal, Arg(event_id)),
                     out);
  });
}

eventify_status eventify_cancel_event(eventify_engine* engine, const eventify_session* caller,
                                      const char* event_id, const char* note,
                                      eventify_event** out) {
  return Guard([&] {
    if (out != nullptr) *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (caller == nullptr) return NullArgument("caller");
    return GiveEvent(
        engine->engine->events().CancelEvent(caller->principal, Arg(event_id), Arg(note)), out);
  });
}

eventify_status eventify_get_event(eventify_engine* engine, const eventify_session* caller,
                                   const char* event_id, eventify_event** out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    const Principal* principal = caller ? &caller->principal : nullptr;
    return GiveEvent(engine->engine->events().GetEvent(principal, Arg(event_id)), out);
  });
}

eventify_status eventify_list_events(eventify_engine* engine, const eventify_event_query* query,
                                     eventify_event_list** out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    EventQuery filter;
    if (query != nullptr) {
      filter.category_id = Arg(query->category_id);
      filter.organizer_id = Arg(query->organizer_id);
      filter.text = Arg(query->text);
      filter.cursor = Arg(query->cursor);
      if (query->limit != 0) filter.limit = query->limit;
    }
    return GiveList<eventify_event_list, eventify_event_list_free>(
        engine->engine->events().ListEvents(filter), FillEvent, out);
  });
}

}  // extern "C"

}  // namespace eventify::capi
