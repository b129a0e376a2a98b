// The hub's presence (docs/protocol.md, "Presence"): which users are announced online to their
// contacts, with their last seen; heartbeats of open connections; the offline grace that damps
// flapping. Owned by the hub and used on its worker thread only (no lock).
//
// The hub keeps the routing table (a user's open connections) and tells Presence of each change
// after making it; Presence reads that table to reach contacts and to know whether a user still
// has a connection. Announcements are `user_status_update` frames to the online contacts only
// (read in one query, spi::ChatStore::ListContacts).
#pragma once

#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "eventify/hub.h"
#include "eventify/spi/storage.h"
#include "eventify/spi/transport.h"
#include "eventify/types.h"

namespace eventify::hub {

class ClusterLink;

using ConnectionsByUser = std::unordered_map<std::string, std::set<spi::ConnectionId>>;

class Presence {
 public:
  // All references must outlive the Presence; `online` is the hub's routing table.
  Presence(spi::Transport& transport, spi::Storage& storage, const HubOptions& options,
           const ConnectionsByUser& online);

  // A connection of `user_id` opened (already in the routing table). The connection gets the
  // status of each contact online (by the directory's counts when there is one); a contact online
  // by the counts whose own note has not reached this node yet is taken as announced then (its
  // note, when it comes, tells nobody twice). The contacts learn the user is online unless they
  // were never told otherwise (a second connection, or a return within the grace).
  void Opened(spi::ConnectionId connection, const std::string& user_id, Timestamp now);

  // Something came from the connection: it is alive at `now`.
  void Alive(spi::ConnectionId connection, Timestamp now);

  // A connection of `user_id` closed (already out of the routing table). When it was the user's
  // last, they are announced offline after the grace (at once when it is zero). `seen` is when
  // the connection was last known alive.
  void Closed(spi::ConnectionId connection, const std::string& user_id, Timestamp seen,
              Timestamp now);

  // The timers at `now`: announces offline the users whose grace ended without a return, and
  // returns the connections whose heartbeat timed out (the hub closes them, then calls Closed
  // with LastAlive as `seen`).
  std::vector<spi::ConnectionId> Tick(Timestamp now);

  // When the connection was last known alive.
  Timestamp LastAlive(spi::ConnectionId connection) const;

  // Shares presence with the other nodes through `cluster` (outlives the Presence; null: this
  // node alone).
  void SetCluster(ClusterLink* cluster) { cluster_ = cluster; }
  // Another node announced `user_id` online or offline (`at`: when, or last seen).
  void Remote(const std::string& user_id, bool online, Timestamp at);
  // Counts again, in the directory, the users announced online here through other nodes only,
  // and announces offline (here, at `now`) those with no connection left anywhere: the users of
  // a node that died without a word, once its lease ran out. Nothing without a directory, or
  // when it cannot be reached.
  void Recount(Timestamp now);
  // Notes may have been lost (the bus link was down, or a gap in a node's numbering): counts
  // again, in the directory, every contact of the users connected here who is not connected here
  // too, and announces online (at `now`) those with a connection that this node had not
  // announced. Only that direction: after a Redis restart the directory holds nothing until the
  // nodes write their counts again, and a zero then does not mean offline; a lost "offline" is
  // corrected by Recount. Nothing without a directory, or when it cannot be reached.
  void Resync(Timestamp now);

 private:
  struct UserState {
    bool announced_online = false;
    // When the user came online, or was last known alive once their last connection closed.
    Timestamp last_seen;
  };

  void AnnounceOffline(const std::string& user_id, UserState& state);
  // Which of `users` are online: the directory's counts over all nodes, or (one node, or the
  // directory unreachable) what this node announced.
  std::vector<bool> OnlineAmong(const std::vector<std::string>& users);
  // Writes this node's count of the user's connections to the directory (when there is one).
  void WriteCount(const std::string& user_id);
  void Publish(const std::string& user_id, bool online, Timestamp at);
  // The users sharing a conversation with `user_id` (one query); nobody on a storage failure.
  std::vector<std::string> Contacts(const std::string& user_id);
  void SendToUser(const std::string& user_id, const std::string& frame);

  spi::Transport& transport_;
  spi::Storage& storage_;
  const HubOptions& options_;
  const ConnectionsByUser& online_;
  ClusterLink* cluster_ = nullptr;

  std::unordered_map<std::string, UserState> users_;  // every user seen since the hub started
  // Users whose last connection closed, still announced online: when their grace ends.
  std::unordered_map<std::string, Timestamp> leaving_;
  std::unordered_map<spi::ConnectionId, Timestamp> alive_;  // open connections: last sign of life
  // No heartbeat can time out before this (the oldest sign of life + the timeout when last
  // scanned); the connections are scanned only from then on.
  Timestamp next_heartbeat_scan_ = Timestamp::max();
};

}  // namespace eventify::hub
