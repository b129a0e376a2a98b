// Pager: a Python iterator over every item of a paginated listing (a Page with items and
// next_cursor). It holds one page at a time and fetches the next, with the GIL released, when
// the caller has taken the last item of the current one. The first page is fetched when the
// pager is made, so that a wrong argument raises at the call, not at the first next().
//
// Ownership: the fetch function refers to a service of the engine; the binding keeps the
// service (and so the engine) alive as long as the pager (py::keep_alive).
// Thread-safety: meant for one thread at a time, like any Python iterator. The fetch releases the
// GIL and reads only its own copy of the cursor, so two threads sharing a pager may be given a page
// twice but never corrupt it.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "binding.h"

namespace eventify::python {

class Pager {
 public:
  // One page: its items as a list and the cursor of the next page (empty: this was the last).
  using Fetch = std::function<std::pair<py::list, std::string>(const std::string& cursor)>;

  explicit Pager(Fetch fetch);
  py::object Next();  // raises StopIteration after the last item

 private:
  void FetchPage();

  Fetch fetch_;
  py::list page_;
  std::size_t index_ = 0;
  std::string cursor_;
  bool last_page_ = false;
};

// A pager over `fetch_page(cursor)`, which returns Result<SomePage>; it is called without the
// GIL, so it must only touch C++ values.
template <typename F>
Pager MakePager(F fetch_page) {
  return Pager([fetch_page = std::move(fetch_page)](const std::string& cursor) {
    auto page = Call([&] { return fetch_page(cursor); });
    return std::make_pair(py::list(py::cast(std::move(page.items))), std::move(page.next_cursor));
  });
}

}  // namespace eventify::python
