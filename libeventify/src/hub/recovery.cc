#include "hub/recovery.h"

#include <utility>

#include "hub/frames.h"

namespace eventify::hub {

std::optional<std::int64_t> ReadyPosition(Chat& chat, const Principal& principal) {
  Result<std::int64_t> position = chat.StreamPosition(principal);
  if (!position.ok()) return std::nullopt;
  return *position;
}

std::vector<std::string> ResumeFrames(Chat& chat, const Principal& principal, std::int64_t after,
                                      int limit, const std::string& ref) {
  Result<StreamPage> page = chat.StreamAfter(principal, after, limit);
  if (!page.ok()) {
    Status status = page.status();
    // The frame's member is `after`; the library names its argument after_pos.
    if (status.field() == "after_pos") {
      status = Status(status.code(), std::string(status.reason()), std::string(status.message()),
                      "after");
    }
    return {ErrorFrame(status, ref)};
  }
  if (page->resync) return {ResyncRequiredFrame(page->position, ref)};
  std::vector<std::string> out;
  out.reserve(page->events.size() + 1);
  for (const StreamEvent& event : page->events) {
    if (event.kind == StreamEventKind::kMessage) {
      out.push_back(NewMessageFrame(event.message, event.unread));
    } else {
      out.push_back(MessageReadFrame(event.conversation_id, event.receipt));
    }
  }
  out.push_back(CaughtUpFrame(page->position, ref));
  return out;
}

}  // namespace eventify::hub
