#include "pager.h"

namespace eventify::python {

Pager::Pager(Fetch fetch) : fetch_(std::move(fetch)) { FetchPage(); }

void Pager::FetchPage() {
  // The fetch runs without the GIL: it reads a copy, never a member another thread may change.
  const std::string cursor = cursor_;
  auto [items, next] = fetch_(cursor);
  page_ = std::move(items);
  index_ = 0;
  cursor_ = std::move(next);
  last_page_ = cursor_.empty();
}

py::object Pager::Next() {
  // A page may come back empty with a cursor (the library promises nothing else): keep going.
  while (index_ == page_.size()) {
    if (last_page_) throw py::stop_iteration();
    FetchPage();
  }
  return page_[index_++];
}

void RegisterPager(py::module_& module) {
  py::class_<Pager>(module, "Pager",
                    "Iterates over every item of a paginated listing, fetching a page at a time.")
      .def("__iter__", [](Pager& self) -> Pager& { return self; })
      .def("__next__", &Pager::Next);
}

}  // namespace eventify::python
