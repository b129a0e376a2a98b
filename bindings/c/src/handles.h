// What the C API's opaque handles hold, and the helpers every .cc of the layer shares: recording
// the calling thread's last error, catching every exception at the boundary, and copying C++
// values into the malloc'd C structs the caller frees with eventify_*_free.
//
// The .cc files define the C functions inside namespace eventify::capi (C linkage gives them
// their plain C names all the same), so that these helpers need no qualification there.
//
// Thread-safety: the handles carry the guarantees eventify_c.h writes on them; the helpers are
// plain functions (the error record is thread_local).
#pragma once

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "eventify/engine.h"
#include "eventify/hub.h"
#include "eventify/spi/payment_gateway.h"
#include "eventify_c.h"

struct eventify_options {
  eventify::EngineOptions engine;
  std::string database_url;
  std::string media_dir;
  std::string media_url_prefix;
  eventify_mail_fn mail_fn = nullptr;
  void* mail_user_data = nullptr;
  std::string outbox_dir;  // used when mail_fn is null
  std::string webhook_secret;  // non-empty: the sandbox gateway
};

struct eventify_engine {
  std::shared_ptr<eventify::spi::SandboxPaymentGateway> sandbox;  // null without one
  std::unique_ptr<eventify::Engine> engine;
};

struct eventify_session {
  eventify::Principal principal;
  std::string access_token;
  std::string refresh_token;
};

struct eventify_hub {
  std::unique_ptr<eventify::Hub> hub;
};

namespace eventify::capi {

// Records `status` as the calling thread's last error (cleared for OK) and returns its code.
eventify_status Record(const Status& status);
inline eventify_status RecordOk() { return Record(Status::Ok()); }
eventify_status NullArgument(std::string_view name);

// Runs `body` (returning eventify_status) and turns any exception into EVENTIFY_INTERNAL: nothing
// thrown ever reaches C.
template <typename Body>
eventify_status Guard(Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Record(Internal("out of memory"));
  } catch (const std::exception& e) {
    return Record(Internal(e.what()));
  } catch (...) {
    return Record(Internal("unknown exception"));
  }
}

// The int a C caller passed for an enum parameter. C lets any int through, and C++ may not even
// read an enum holding a value beyond the range of its enumerators (UBSan's enum check), so the
// value is read from the parameter's bytes, and only then compared with the enumerators.
template <typename Enum>
int RawEnum(const Enum& value) {
  static_assert(sizeof(Enum) == sizeof(int), "C enums are int-sized");
  int raw = 0;
  std::memcpy(&raw, &value, sizeof raw);
  return raw;
}

// A C string argument as a view; NULL is "".
inline std::string_view Arg(const char* text) { return text ? std::string_view(text) : ""; }

// A malloc'd NUL-terminated copy, freed with free(); throws std::bad_alloc.
char* Dup(std::string_view text);

// A calloc'd T (zeroed, so its free function may run on it half filled); throws std::bad_alloc.
template <typename T>
T* NewZeroed(std::size_t count = 1) {
  void* p = std::calloc(count == 0 ? 1 : count, sizeof(T));
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<T*>(p);
}

// Owns a result struct until it is handed to the caller.
template <typename T, void (*Free)(T*)>
struct Freer {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, Freer<T, Free>>;

// Hands a copy of `result`'s value, made by `fill` into a zeroed T, to *out when the caller asked
// for one (out not null), or records the failure.
template <typename T, void (*Free)(T*), typename Value>
eventify_status Give(const Result<Value>& result, void (*fill)(T*, const Value&), T** out) {
  if (!result.ok()) return Record(result.status());
  if (out != nullptr) {
    Owned<T, Free> copy(NewZeroed<T>());
    fill(copy.get(), *result);
    *out = copy.release();
  }
  return RecordOk();
}

// The list structs (eventify_event_list, eventify_booking_list, ...) share their shape: items,
// count, next_cursor. GiveList copies a page into one; FreeList frees one, each item's fields with
// `clear`.
template <typename List, typename Item>
void FreeList(List* list, void (*clear)(Item*)) {
  if (list == nullptr) return;
  if (list->items != nullptr) {
    for (std::size_t i = 0; i < list->count; ++i) clear(&list->items[i]);
  }
  std::free(list->items);
  std::free(list->next_cursor);
  std::free(list);
}

template <typename List, void (*Free)(List*), typename Item, typename Page>
eventify_status GiveList(const Result<Page>& page,
                         void (*fill)(Item*, const typename decltype(Page::items)::value_type&),
                         List** out) {
  if (!page.ok()) return Record(page.status());
  Owned<List, Free> list(NewZeroed<List>());
  list->items = NewZeroed<Item>(page->items.size());
  list->count = page->items.size();
  for (std::size_t i = 0; i < page->items.size(); ++i) fill(&list->items[i], page->items[i]);
  list->next_cursor = Dup(page->next_cursor);
  *out = list.release();
  return RecordOk();
}

}  // namespace eventify::capi
