// What one hub tells the others over the bus (docs/bus.md, "How the hub uses them"): a small
// text encoding of the events a node routed that users on other nodes may need. Durable things
// (messages, read marks) travel as references the receiver reads back from storage or as the
// committed values; nothing here is the only copy of anything.
//
// Layout: fields separated by '\n' (ids, numbers and timestamps never contain one):
//   "ev1", origin node id, sequence number (per origin, from 1), kind letter, then per kind:
//   m  conversation, lo, hi   (repeated: the sequence numbers a commit wrote per conversation)
//   r  conversation, user, read_seq, delivered_seq, updated_at (µs), pos     a read mark moved
//   d  conversation, sender, user, read_seq, delivered_seq, updated_at, pos  a delivered mark
//   t  conversation, user, 0|1                                            typing
//   p  user, 0|1, last_seen (µs)                                          presence delta
//   e  the `new_event` frame itself (the rest of the payload)
//   j  conversation, user, 0|1   the user's first connection on the origin joined the room
//                                channel (1), or their last one there left it (0)
//   q  conversation              who is on the room channel? every other node answers with `a`
//   a  conversation, user...     the origin's participants of the room channel, all of them
//   h  (nothing)                 the origin is alive (every HubCluster::renew_interval)
//   g  (nothing)                 the origin stops (an orderly shutdown): what it held is gone
// Pure functions; no state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/chat.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::hub {

// The one topic every node subscribes.
inline constexpr std::string_view kClusterTopic = "hub";

enum class ClusterKind : char {
  kMessages = 'm',
  kRead = 'r',
  kDelivered = 'd',
  kTyping = 't',
  kPresence = 'p',
  kNewEvent = 'e',
  kParticipant = 'j',
  kRosterQuery = 'q',
  kRoster = 'a',
  kHeartbeat = 'h',
  kFarewell = 'g',
};

struct SeqSpan {
  std::string conversation_id;
  std::int64_t lo = 0;
  std::int64_t hi = 0;
};

struct ClusterEvent {
  ClusterKind kind = ClusterKind::kMessages;
  std::string origin;     // the publishing node's id
  std::uint64_t seq = 0;  // per origin: 1, 2, 3 ... (a gap means payloads were lost)
  std::vector<SeqSpan> spans;   // kMessages
  std::string conversation_id;  // kRead, kDelivered, kTyping, kParticipant, kRosterQuery, kRoster
  // kRead: the reader; kDelivered: the sender; kTyping, kPresence, kParticipant: the user
  std::string user_id;
  Receipt receipt;      // kRead, kDelivered (receipt.user_id: whose marks)
  bool flag = false;    // kTyping: is_typing; kPresence: online; kParticipant: present
  std::vector<std::string> users;  // kRoster
  Timestamp at;         // kPresence: last seen
  std::string frame;    // kNewEvent
};

std::string EncodeClusterEvent(const ClusterEvent& event);
// Errors: kInvalidArgument invalid_cluster_payload (not this layout: another version, a missing
// or malformed field).
Result<ClusterEvent> DecodeClusterEvent(std::string_view payload);

}  // namespace eventify::hub
