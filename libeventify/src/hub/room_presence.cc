#include "hub/room_presence.h"

#include <utility>

namespace eventify::hub {

RoomPresence::Joining RoomPresence::Joined(const std::string& conversation_id,
                                           const std::string& user_id) {
  Joining out;
  auto [room, created] = rooms_.try_emplace(conversation_id);
  out.first_in_room = created;
  out.first_here = ++room->second.here[user_id] == 1;
  out.appeared = out.first_here && !Elsewhere(room->second, user_id);
  return out;
}

RoomPresence::Leaving RoomPresence::Left(const std::string& conversation_id,
                                         const std::string& user_id) {
  Leaving out;
  auto room = rooms_.find(conversation_id);
  if (room == rooms_.end()) return out;
  auto user = room->second.here.find(user_id);
  if (user == room->second.here.end() || --user->second > 0) return out;
  room->second.here.erase(user);
  out.last_here = true;
  out.vanished = !Elsewhere(room->second, user_id);
  if (room->second.here.empty()) rooms_.erase(room);  // nobody here to tell of anyone
  return out;
}

std::vector<std::string> RoomPresence::Present(const std::string& conversation_id) const {
  auto room = rooms_.find(conversation_id);
  if (room == rooms_.end()) return {};
  std::set<std::string> users;
  for (const auto& [user_id, connections] : room->second.here) users.insert(user_id);
  for (const auto& [origin, there] : room->second.elsewhere) {
    users.insert(there.begin(), there.end());
  }
  return {users.begin(), users.end()};
}

std::vector<std::string> RoomPresence::PresentHere(const std::string& conversation_id) const {
  std::vector<std::string> out;
  auto room = rooms_.find(conversation_id);
  if (room == rooms_.end()) return out;
  for (const auto& [user_id, connections] : room->second.here) out.push_back(user_id);
  return out;
}

std::vector<std::string> RoomPresence::Watched() const {
  std::vector<std::string> out;
  out.reserve(rooms_.size());
  for (const auto& [conversation_id, room] : rooms_) out.push_back(conversation_id);
  return out;
}

std::vector<ParticipantChange> RoomPresence::Remote(const std::string& origin,
                                                    const std::string& conversation_id,
                                                    const std::string& user_id, bool present) {
  std::vector<ParticipantChange> changes;
  auto room = rooms_.find(conversation_id);
  if (room == rooms_.end()) return changes;
  std::set<std::string> users;
  if (auto there = room->second.elsewhere.find(origin); there != room->second.elsewhere.end()) {
    users = there->second;
  }
  if (present) {
    users.insert(user_id);
  } else {
    users.erase(user_id);
  }
  Replace(conversation_id, room->second, origin, std::move(users), changes);
  return changes;
}

std::vector<ParticipantChange> RoomPresence::Roster(const std::string& origin,
                                                    const std::string& conversation_id,
                                                    const std::vector<std::string>& users) {
  std::vector<ParticipantChange> changes;
  auto room = rooms_.find(conversation_id);
  if (room == rooms_.end()) return changes;
  Replace(conversation_id, room->second, origin, {users.begin(), users.end()}, changes);
  return changes;
}

std::vector<ParticipantChange> RoomPresence::NodeGone(const std::string& origin) {
  std::vector<ParticipantChange> changes;
  for (auto& [conversation_id, room] : rooms_) Replace(conversation_id, room, origin, {}, changes);
  return changes;
}

bool RoomPresence::Elsewhere(const Room& room, const std::string& user_id) {
  for (const auto& [origin, users] : room.elsewhere) {
    if (users.contains(user_id)) return true;
  }
  return false;
}

void RoomPresence::Replace(const std::string& conversation_id, Room& room,
                           const std::string& origin, std::set<std::string> users,
                           std::vector<ParticipantChange>& changes) {
  std::set<std::string> before;
  if (auto there = room.elsewhere.find(origin); there != room.elsewhere.end()) {
    before = std::move(there->second);
    room.elsewhere.erase(there);
  }
  // Present before the change for those leaving `origin`'s list: they still are when another
  // node or a connection here holds them.
  for (const std::string& user : before) {
    if (!users.contains(user) && !IsPresent(room, user)) {
      changes.push_back({conversation_id, user, false});
    }
  }
  for (const std::string& user : users) {
    if (!before.contains(user) && !IsPresent(room, user)) {
      changes.push_back({conversation_id, user, true});
    }
  }
  if (!users.empty()) room.elsewhere[origin] = std::move(users);
}

}  // namespace eventify::hub
