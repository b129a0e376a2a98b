// What the pieces of the Python module share: turning a failed Status into the matching Python
// exception, calling into the engine with the GIL released, and converting timestamps and names.
//
// Thread-safety: every function here is called with the GIL held (Call releases it only around
// the C++ call it is given, which must not touch Python objects).
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::python {

namespace py = pybind11;

// Creates EventifyError and its subclasses in `module` (errors.cc has the table).
void RegisterErrors(py::module_& module);

// Raises the Python exception of status.code() carrying code, reason, message, field and
// retry_after. Precondition: !status.ok().
[[noreturn]] void Raise(const Status& status);

// Runs `call` (which returns a Status or a Result<T>) without the GIL, so that other Python
// threads run while it waits on the database or the commit pipeline, then returns the value or
// raises. `call` must only touch C++ values: its arguments are converted before it runs.
template <typename F>
auto Call(F&& call) {
  auto result = [&] {
    py::gil_scoped_release unlocked;
    return call();
  }();
  if constexpr (std::is_same_v<decltype(result), Status>) {
    if (!result.ok()) Raise(result);
  } else {
    if (!result.ok()) Raise(result.status());
    return std::move(result).value();
  }
}

// A service's member function as a binding: the arguments converted by pybind11 (string_views
// borrow the Python strings, which the call keeps alive), the call made through Call.
template <typename S, typename R, typename... A>
auto Released(R (S::*method)(A...)) {
  return [method](S& self, A... args) { return Call([&] { return (self.*method)(args...); }); };
}

// Throws the exception of a failed Result/Status (parsing names given by the caller).
template <typename T>
T Value(Result<T> result) {
  if (!result.ok()) Raise(result.status());
  return std::move(result).value();
}

// Timestamps are timezone-aware datetime objects in UTC (microsecond precision, like Timestamp).
py::object ToDatetime(Timestamp at);
py::object ToDatetime(const std::optional<Timestamp>& at);  // None when empty
// Accepts an aware datetime (any zone). Raises InvalidArgumentError (naive_datetime, with
// `field`) for a naive one, TypeError for anything else.
Timestamp FromDatetime(const py::handle& value, const char* field);

// The bound value types (values.cc) and services, each in its own file.
void RegisterValues(py::module_& module);
void RegisterPager(py::module_& module);
void RegisterAccountsAndWallets(py::module_& module);
void RegisterEventsAndBookings(py::module_& module);
void RegisterChat(py::module_& module);

}  // namespace eventify::python
