// The printable ticket: one A5 page per ticket of a confirmed booking, with a QR code of the
// ticket's signed code (libqrencode, only in ticket_pdf.cc).
//
// Thread-safety: a plain function.
#pragma once

#include "eventify/bookings.h"
#include "eventify/events.h"
#include "eventify/reports.h"

namespace eventify::reports {

// Draws the tickets of `booking` (confirmed, with its tickets) for `event`, held by
// `holder_name`, into `sink`. Errors: kInternal when the QR code or the PDF cannot be made; the
// sink's failures.
Status RenderTicketPdf(const Booking& booking, const Event& event, std::string_view holder_name,
                       ByteSink& sink);

}  // namespace eventify::reports
