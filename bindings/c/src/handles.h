// What the C API's opaque handles hold, and the helpers every .cc of the layer shares: recording
// the calling thread's last error, catching every exception at the boundary, and copying C++
// values into the malloc'd C structs the caller frees with eventify_*_free.
//
// Thread-safety: the handles carry the guarantees eventify_c.h writes on them; the helpers are
// plain functions (the error record is thread_local).
#pragma once

#include <cstdlib>
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

}  // namespace eventify::capi
