// Who is present on each room channel: the users with at least one connection joined to a
// conversation, counted per connection so that a user's second tab joining or leaving changes
// nothing (docs/protocol.md, `participant_status`). Used on the hub's worker thread only.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace eventify::hub {

class RoomPresence {
 public:
  // A connection of `user_id` joined the conversation; true when the user was not present yet.
  bool Joined(const std::string& conversation_id, const std::string& user_id) {
    return ++rooms_[conversation_id][user_id] == 1;
  }

  // A connection of `user_id` that had joined left it (or closed); true when it was the user's
  // last there.
  bool Left(const std::string& conversation_id, const std::string& user_id) {
    auto room = rooms_.find(conversation_id);
    if (room == rooms_.end()) return false;
    auto user = room->second.find(user_id);
    if (user == room->second.end() || --user->second > 0) return false;
    room->second.erase(user);
    if (room->second.empty()) rooms_.erase(room);
    return true;
  }

  // The users present in the conversation, sorted.
  std::vector<std::string> Present(const std::string& conversation_id) const {
    std::vector<std::string> out;
    auto room = rooms_.find(conversation_id);
    if (room == rooms_.end()) return out;
    for (const auto& [user_id, connections] : room->second) out.push_back(user_id);
    return out;
  }

 private:
  // conversation id -> user id -> joined connections
  std::unordered_map<std::string, std::map<std::string, int>> rooms_;
};

}  // namespace eventify::hub
