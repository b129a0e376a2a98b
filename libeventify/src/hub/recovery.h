// Recovery on the notification channel (docs/protocol.md, "Recovery"): what the hub answers a
// `resume` frame and which position the `ready` frame carries. Kept apart from the routing in
// hub_service.cc; pure functions over Chat (storage calls: run them on the hub's worker only).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/chat.h"

namespace eventify::hub {

// The stream's newest position for the `ready` frame; none when it could not be read (the
// frame then leaves it out, and the client resumes from the last position it saw).
std::optional<std::int64_t> ReadyPosition(Chat& chat, const Principal& principal);

// The frames answering `resume` after `after`, in the order they are to be sent: the missed
// events as the live path sends them (`new_message`, `message_read`), oldest first, then
// `caught_up` with the stream's position; or only `resync_required` when more than `limit` were
// missed; or only an `error` frame (invalid_position with field "after", invalid_limit, a storage
// failure). The connection must already receive live events when this runs, so that nothing
// committed after the read is lost (it may arrive twice: clients dedupe by pos).
std::vector<std::string> ResumeFrames(Chat& chat, const Principal& principal, std::int64_t after,
                                      int limit, const std::string& ref);

}  // namespace eventify::hub
