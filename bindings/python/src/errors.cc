// eventify::StatusCode -> Python exceptions. One class per code under EventifyError; codes that
// say "your input is wrong" also derive from ValueError, "no such thing" from LookupError, so
// that generic Python code catching those keeps working. The table is the only mapping.
#include <array>
#include <cstddef>

#include "binding.h"

namespace eventify::python {
namespace {

struct ErrorClass {
  StatusCode code;
  const char* name;
  const char* parent;   // a class of this table, or nullptr for EventifyError itself
  const char* builtin;  // a builtin exception also derived from, or nullptr
  const char* doc;
};

constexpr std::array kErrorClasses = {
    ErrorClass{StatusCode::kInvalidArgument, "InvalidArgumentError", nullptr, "ValueError",
               "The request is malformed or breaks a rule about its own content."},
    ErrorClass{StatusCode::kNotFound, "NotFoundError", nullptr, "LookupError",
               "The thing named does not exist (or the caller may not know it does)."},
    ErrorClass{StatusCode::kAlreadyExists, "AlreadyExistsError", nullptr, nullptr,
               "A uniqueness rule would be broken (email_taken, idempotency_key_reused)."},
    ErrorClass{StatusCode::kUnauthenticated, "UnauthenticatedError", nullptr, nullptr,
               "Missing, wrong, expired or revoked credentials."},
    ErrorClass{StatusCode::kPermissionDenied, "PermissionDeniedError", nullptr, nullptr,
               "Authenticated, but not allowed to do this."},
    ErrorClass{StatusCode::kFailedPrecondition, "FailedPreconditionError", nullptr, nullptr,
               "The system is not in a state that allows this (sold_out, insufficient_funds)."},
    ErrorClass{StatusCode::kResourceExhausted, "ResourceExhaustedError", nullptr, nullptr,
               "A limit or throttle was hit; retry_after says when to try again."},
    ErrorClass{StatusCode::kAborted, "AbortedError", nullptr, nullptr,
               "A concurrency conflict; the whole operation may be retried."},
    ErrorClass{StatusCode::kUnavailable, "UnavailableError", nullptr, nullptr,
               "A dependency (database, gateway, the commit pipeline) is not available now."},
    ErrorClass{StatusCode::kInternal, "InternalError", nullptr, nullptr,
               "A bug or a broken invariant in the library."},
    ErrorClass{StatusCode::kPayloadTooLarge, "PayloadTooLargeError", "InvalidArgumentError",
               nullptr, "An input exceeds its size limit."},
    ErrorClass{StatusCode::kUnsupportedMediaType, "UnsupportedMediaTypeError",
               "InvalidArgumentError", nullptr, "The bytes are not of an accepted type."},
};

// The classes, created once at import and kept for the life of the process (the module is never
// unloaded): index 0 is EventifyError, then the table's order.
std::array<PyObject*, kErrorClasses.size() + 1> classes{};

PyObject* ClassFor(StatusCode code) {
  for (std::size_t i = 0; i < kErrorClasses.size(); ++i) {
    if (kErrorClasses[i].code == code) return classes[i + 1];
  }
  return classes[0];
}

PyObject* ClassNamed(const char* name) {
  for (std::size_t i = 0; i < kErrorClasses.size(); ++i) {
    if (std::string_view(kErrorClasses[i].name) == name) return classes[i + 1];
  }
  return classes[0];
}

py::object NewClass(const char* name, const char* doc, py::tuple bases) {
  const std::string qualified = std::string("eventify.") + name;
  PyObject* created = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (created == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(created);
}

}  // namespace

void RegisterErrors(py::module_& module) {
  py::object base = NewClass(
      "EventifyError",
      "Base of every error the library reports. Attributes: code (the StatusCode's name, e.g. "
      "'failed_precondition'), reason (a stable word such as 'sold_out'), message (for people), "
      "field (the offending input or ''), retry_after (seconds; 0 when the error does not say).",
      py::make_tuple(py::reinterpret_borrow<py::object>(PyExc_Exception)));
  module.attr("EventifyError") = base;
  classes[0] = base.inc_ref().ptr();
  py::module_ builtins = py::module_::import("builtins");
  for (std::size_t i = 0; i < kErrorClasses.size(); ++i) {
    const ErrorClass& entry = kErrorClasses[i];
    py::list bases;
    bases.append(entry.parent == nullptr ? base
                                         : py::reinterpret_borrow<py::object>(
                                               ClassNamed(entry.parent)));
    if (entry.builtin != nullptr) bases.append(builtins.attr(entry.builtin));
    py::object created = NewClass(entry.name, entry.doc, py::tuple(bases));
    module.attr(entry.name) = created;
    classes[i + 1] = created.inc_ref().ptr();
  }
}

void Raise(const Status& status) {
  PyObject* type = ClassFor(status.code());
  const std::string reason(status.reason());
  py::object error = py::reinterpret_borrow<py::object>(type)(
      status.message().empty() ? reason : reason + ": " + status.message());
  error.attr("code") = std::string(StatusCodeName(status.code()));
  error.attr("reason") = reason;
  error.attr("message") = status.message();
  error.attr("field") = status.field();
  error.attr("retry_after") = status.retry_after().count();
  PyErr_SetObject(type, error.ptr());
  throw py::error_already_set();
}

}  // namespace eventify::python
