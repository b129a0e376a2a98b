// Events (organizer verification, categories, the event lifecycle, the public listing) and
// bookings (hold, pay, book and pay, cancel, tickets and check-in).
#include <optional>
#include <string>

#include "binding.h"
#include "eventify/bookings.h"
#include "eventify/events.h"
#include "pager.h"

namespace eventify::python {
namespace {

void RegisterEvents(py::module_& m) {
  py::class_<Events, std::unique_ptr<Events, py::nodelete>>(
      m, "Events", "Organizers, categories, events and the public listing (Engine.events).")
      .def("apply_as_organizer",
           [](Events& self, const Principal& organizer, const std::string& organisation_name,
              const std::string& about, const std::string& contact) {
             return Call([&] {
               return self.ApplyAsOrganizer(organizer, {organisation_name, about, contact});
             });
           },
           py::arg("organizer"), py::arg("organisation_name"), py::arg("about"),
           py::arg("contact"))
      .def("verify_organizer", Released(&Events::VerifyOrganizer),
           py::arg("admin"), py::arg("user_id"))
      .def("create_category", Released(&Events::CreateCategory),
           py::arg("admin"), py::arg("name"))
      .def("create_event",
           [](Events& self, const Principal& organizer, const std::string& title,
              const std::string& description, const std::string& category_id,
              const py::handle& starts_at, const py::handle& ends_at,
              const std::string& time_zone, std::int64_t capacity,
              std::int64_t price_minor_units, const std::string& venue,
              const std::string& online_url, bool attendees_may_cancel,
              std::int64_t max_tickets_per_booking) {
             EventDraft draft;
             draft.title = title;
             draft.description = description;
             draft.category_id = category_id;
             draft.venue = venue;
             draft.online_url = online_url;
             draft.starts_at = FromDatetime(starts_at, "starts_at");
             draft.ends_at = FromDatetime(ends_at, "ends_at");
             draft.time_zone = time_zone;
             draft.capacity = capacity;
             draft.price_minor_units = price_minor_units;
             draft.attendees_may_cancel = attendees_may_cancel;
             draft.max_tickets_per_booking = max_tickets_per_booking;
             return Call([&] { return self.CreateEvent(organizer, draft); });
           },
           py::arg("organizer"), py::kw_only(), py::arg("title"), py::arg("description"),
           py::arg("category_id"), py::arg("starts_at"), py::arg("ends_at"),
           py::arg("time_zone"), py::arg("capacity"), py::arg("price_minor_units") = 0,
           py::arg("venue") = "", py::arg("online_url") = "",
           py::arg("attendees_may_cancel") = false, py::arg("max_tickets_per_booking") = 1)
      .def("submit_event", Released(&Events::SubmitEvent),
           py::arg("organizer"), py::arg("event_id"))
      .def("approve_event", Released(&Events::ApproveEvent),
           py::arg("admin"), py::arg("event_id"))
      .def("cancel_event", Released(&Events::CancelEvent),
           py::arg("caller"), py::arg("event_id"), py::arg("note"))
      .def("get_event",
           [](Events& self, const std::string& event_id, const Principal* caller) {
             return Call([&] { return self.GetEvent(caller, event_id); });
           },
           py::arg("event_id"), py::arg("caller") = nullptr)
      .def("list_events",
           [](Events& self, const std::string& category_id, const std::string& organizer_id,
              const std::string& text, int page_size) {
             EventQuery query;
             query.category_id = category_id;
             query.organizer_id = organizer_id;
             query.text = text;
             query.limit = page_size;
             return MakePager([&self, query](const std::string& cursor) {
               EventQuery page = query;
               page.cursor = cursor;
               return self.ListEvents(page);
             });
           },
           py::kw_only(), py::arg("category_id") = "", py::arg("organizer_id") = "",
           py::arg("text") = "", py::arg("page_size") = 20, py::keep_alive<0, 1>());
}

BookingRequest Request(const std::string& event_id, std::int32_t seats,
                       const std::string& idempotency_key, const std::string& coupon_code) {
  return BookingRequest{event_id, seats, idempotency_key, coupon_code};
}

void RegisterBookings(py::module_& m) {
  py::class_<Bookings, std::unique_ptr<Bookings, py::nodelete>>(
      m, "Bookings", "Holding, paying and cancelling seats; tickets (Engine.bookings).")
      .def("hold",
           [](Bookings& self, const Principal& buyer, const std::string& event_id,
              std::int32_t seats, const std::string& idempotency_key,
              const std::string& coupon_code) {
             const BookingRequest request = Request(event_id, seats, idempotency_key, coupon_code);
             return Call([&] { return self.Hold(buyer, request); });
           },
           py::arg("buyer"), py::arg("event_id"), py::arg("seats"), py::arg("idempotency_key"),
           py::arg("coupon_code") = "")
      .def("book_and_pay",
           [](Bookings& self, const Principal& buyer, const std::string& event_id,
              std::int32_t seats, const std::string& idempotency_key,
              const std::string& coupon_code) {
             const BookingRequest request = Request(event_id, seats, idempotency_key, coupon_code);
             return Call([&] { return self.BookAndPay(buyer, request); });
           },
           py::arg("buyer"), py::arg("event_id"), py::arg("seats"), py::arg("idempotency_key"),
           py::arg("coupon_code") = "")
      .def("pay", Released(&Bookings::Pay),
           py::arg("buyer"), py::arg("booking_id"))
      .def("cancel", Released(&Bookings::Cancel),
           py::arg("buyer"), py::arg("booking_id"))
      .def("get_booking", Released(&Bookings::GetBooking),
           py::arg("buyer"), py::arg("booking_id"))
      .def("list_my_bookings",
           [](Bookings& self, const Principal& buyer, int page_size) {
             return MakePager([&self, buyer, page_size](const std::string& cursor) {
               return self.ListMyBookings(buyer, cursor, page_size);
             });
           },
           py::arg("buyer"), py::arg("page_size") = 20, py::keep_alive<0, 1>())
      .def("check_in", Released(&Bookings::CheckIn),
           py::arg("organizer"), py::arg("event_id"), py::arg("code"));
}

}  // namespace

void RegisterEventsAndBookings(py::module_& module) {
  RegisterEvents(module);
  RegisterBookings(module);
}

}  // namespace eventify::python
