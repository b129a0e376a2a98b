// Who is present on each room channel (docs/protocol.md, `participant_status`): the users with at
// least one connection joined to a conversation, on this node or on another node heard from.
// Local connections are counted one by one, so that a user's second tab joining or leaving
// changes nothing. Other nodes' participants are kept per node, from their notes (docs/bus.md,
// "Room channels"): a delta when a user's first connection there joins or their last leaves, a
// whole list when asked; and only for the conversations with a connection joined here (nobody
// else would be told), so a conversation's first local join asks the other nodes for theirs.
//
// Pure bookkeeping: the hub sends the frames and the notes. Used on the hub's worker thread only.
#pragma once

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace eventify::hub {

// A user appeared on (present) or disappeared from a conversation's room channel, as its joined
// connections here see it.
struct ParticipantChange {
  std::string conversation_id;
  std::string user_id;
  bool present = false;
};

class RoomPresence {
 public:
  struct Joining {
    bool first_in_room = false;  // no connection here had joined the conversation: ask the others
    bool first_here = false;     // the user's first connection here: tell the others
    bool appeared = false;       // the user was not present anywhere known: tell the room here
  };
  // A connection of `user_id` joined the conversation.
  Joining Joined(const std::string& conversation_id, const std::string& user_id);

  struct Leaving {
    bool last_here = false;  // the user's last connection here left: tell the others
    bool vanished = false;   // ... and no other node has them there: tell the room here
  };
  // A connection of `user_id` that had joined left it (or closed). The last connection here to
  // leave a conversation forgets what the other nodes hold there.
  Leaving Left(const std::string& conversation_id, const std::string& user_id);

  // The users present in the conversation, here or on another node, sorted.
  std::vector<std::string> Present(const std::string& conversation_id) const;
  // The users with a connection joined here, sorted (this node's answer to a query).
  std::vector<std::string> PresentHere(const std::string& conversation_id) const;
  // The conversations with a connection joined here.
  std::vector<std::string> Watched() const;

  // Node `origin`'s delta: the user is (or no longer is) on the room channel there.
  std::vector<ParticipantChange> Remote(const std::string& origin,
                                        const std::string& conversation_id,
                                        const std::string& user_id, bool present);
  // Node `origin`'s whole list for the conversation, replacing what it said before.
  std::vector<ParticipantChange> Roster(const std::string& origin,
                                        const std::string& conversation_id,
                                        const std::vector<std::string>& users);
  // Node `origin` is gone: its participants leave every room.
  std::vector<ParticipantChange> NodeGone(const std::string& origin);

 private:
  struct Room {
    std::map<std::string, int> here;                         // user -> joined connections
    std::map<std::string, std::set<std::string>> elsewhere;  // node -> users present there
  };
  static bool Elsewhere(const Room& room, const std::string& user_id);
  static bool IsPresent(const Room& room, const std::string& user_id) {
    return room.here.contains(user_id) || Elsewhere(room, user_id);
  }
  // Replaces `origin`'s users in `room` and collects what that changed for the room here.
  static void Replace(const std::string& conversation_id, Room& room, const std::string& origin,
                      std::set<std::string> users, std::vector<ParticipantChange>& changes);

  std::unordered_map<std::string, Room> rooms_;  // conversations with a connection joined here
};

}  // namespace eventify::hub
