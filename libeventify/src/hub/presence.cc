#include "hub/presence.h"

#include <algorithm>
#include <utility>

#include "core/status_macros.h"
#include "eventify/spi/chat_store.h"
#include "hub/frames.h"

namespace eventify::hub {

Presence::Presence(spi::Transport& transport, spi::Storage& storage, const HubOptions& options,
                   const ConnectionsByUser& online)
    : transport_(transport), storage_(storage), options_(options), online_(online) {}

void Presence::Opened(spi::ConnectionId connection, const std::string& user_id, Timestamp now) {
  Alive(connection, now);
  next_heartbeat_scan_ = std::min(next_heartbeat_scan_, now + options_.heartbeat_timeout);
  leaving_.erase(user_id);  // back within the grace: the contacts never learn it was away
  UserState& state = users_[user_id];
  const bool announce = !state.announced_online;
  if (announce) {
    state.announced_online = true;
    state.last_seen = now;
  }
  // The new connection learns which of its contacts are online; the contacts learn that the user
  // came online when they had been told otherwise (or nothing).
  const std::string came_online = UserStatusFrame(user_id, true, now);
  for (const std::string& contact : Contacts(user_id)) {
    auto known = users_.find(contact);
    if (known == users_.end() || !known->second.announced_online) continue;
    transport_.Send(connection, UserStatusFrame(contact, true, known->second.last_seen));
    if (announce) SendToUser(contact, came_online);
  }
}

void Presence::Alive(spi::ConnectionId connection, Timestamp now) { alive_[connection] = now; }

Timestamp Presence::LastAlive(spi::ConnectionId connection) const {
  auto found = alive_.find(connection);
  return found == alive_.end() ? Timestamp{} : found->second;
}

void Presence::Closed(spi::ConnectionId connection, const std::string& user_id, Timestamp seen,
                      Timestamp now) {
  alive_.erase(connection);
  UserState& state = users_[user_id];
  state.last_seen = std::max(state.last_seen, seen);
  if (online_.contains(user_id)) return;  // still online through another connection
  if (options_.offline_grace.count() <= 0) return AnnounceOffline(user_id, state);
  leaving_[user_id] = now + options_.offline_grace;
}

std::vector<spi::ConnectionId> Presence::Tick(Timestamp now) {
  std::vector<std::string> gone;
  for (const auto& [user_id, offline_at] : leaving_) {
    if (offline_at <= now) gone.push_back(user_id);
  }
  for (const std::string& user_id : gone) {
    leaving_.erase(user_id);
    AnnounceOffline(user_id, users_[user_id]);
  }

  std::vector<spi::ConnectionId> timed_out;
  if (now < next_heartbeat_scan_) return timed_out;
  next_heartbeat_scan_ = Timestamp::max();
  for (const auto& [connection, last] : alive_) {
    const Timestamp deadline = last + options_.heartbeat_timeout;
    if (deadline <= now) {
      timed_out.push_back(connection);
    } else {
      next_heartbeat_scan_ = std::min(next_heartbeat_scan_, deadline);
    }
  }
  std::sort(timed_out.begin(), timed_out.end());
  return timed_out;
}

void Presence::AnnounceOffline(const std::string& user_id, UserState& state) {
  state.announced_online = false;
  const std::string frame = UserStatusFrame(user_id, false, state.last_seen);
  for (const std::string& contact : Contacts(user_id)) SendToUser(contact, frame);
}

std::vector<std::string> Presence::Contacts(const std::string& user_id) {
  std::vector<std::string> out;
  const Status read =
      storage_.Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
        EV_ASSIGN_OR_RETURN(out, tx.store<spi::ChatStore>()->ListContacts(user_id));
        return Status::Ok();
      });
  if (!read.ok()) out.clear();  // best effort: the next change sends the state again
  return out;
}

void Presence::SendToUser(const std::string& user_id, const std::string& frame) {
  auto connections = online_.find(user_id);
  if (connections == online_.end()) return;
  for (spi::ConnectionId connection : connections->second) transport_.Send(connection, frame);
}

}  // namespace eventify::hub
