// The calling thread's last error, and the small functions of eventify_c.h that are not about an
// area of the engine.
#include <cstring>

#include "handles.h"

namespace eventify::capi {
namespace {

struct LastError {
  eventify_status code = EVENTIFY_OK;
  std::string reason;
  std::string message;
  std::string field;
  std::int64_t retry_after = 0;
};

LastError& Last() {
  thread_local LastError last;
  return last;
}

}  // namespace

eventify_status Record(const Status& status) {
  LastError& last = Last();
  last.code = static_cast<eventify_status>(status.code());
  if (status.ok()) {
    last.reason.clear();
    last.message.clear();
    last.field.clear();
    last.retry_after = 0;
  } else {
    // Assigning into the existing strings may throw only when they must grow; the record then
    // keeps the code, which is what matters.
    try {
      last.reason = status.reason();
      last.message = status.message();
      last.field = status.field();
    } catch (const std::bad_alloc&) {
      last.reason.clear();
      last.message.clear();
      last.field.clear();
    }
    last.retry_after = status.retry_after().count();
  }
  return last.code;
}

eventify_status NullArgument(std::string_view name) {
  return Record(InvalidArgument("null_argument", std::string(name) + " must not be NULL",
                                std::string(name)));
}

char* Dup(std::string_view text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) throw std::bad_alloc();
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

}  // namespace eventify::capi

extern "C" {

eventify_status eventify_last_error_code(void) { return eventify::capi::Last().code; }
const char* eventify_last_error_reason(void) { return eventify::capi::Last().reason.c_str(); }
const char* eventify_last_error_message(void) { return eventify::capi::Last().message.c_str(); }
const char* eventify_last_error_field(void) { return eventify::capi::Last().field.c_str(); }
int64_t eventify_last_error_retry_after(void) { return eventify::capi::Last().retry_after; }

const char* eventify_status_name(eventify_status code) {
  const int raw = eventify::capi::RawEnum(code);
  if (raw < EVENTIFY_OK || raw > EVENTIFY_UNSUPPORTED_MEDIA_TYPE) return "unknown";
  // The names are string literals, so NUL-terminated.
  return eventify::StatusCodeName(static_cast<eventify::StatusCode>(raw)).data();
}

void eventify_string_free(char* text) { std::free(text); }

}  // extern "C"
