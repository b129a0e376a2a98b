#include "hub/presence.h"

#include <algorithm>
#include <set>
#include <utility>

#include "core/status_macros.h"
#include "eventify/spi/chat_store.h"
#include "hub/cluster.h"
#include "hub/frames.h"

namespace eventify::hub {

Presence::Presence(spi::Transport& transport, spi::Storage& storage, const HubOptions& options,
                   const ConnectionsByUser& online)
    : transport_(transport), storage_(storage), options_(options), online_(online) {}

void Presence::Opened(spi::ConnectionId connection, const std::string& user_id, Timestamp now) {
  Alive(connection, now);
  next_heartbeat_scan_ = std::min(next_heartbeat_scan_, now + options_.heartbeat_timeout);
  leaving_.erase(user_id);  // back within the grace: the contacts never learn it was away
  if (auto mine = online_.find(user_id); mine != online_.end() && mine->second.size() == 1) {
    WriteCount(user_id);  // the user's first connection here
  }
  UserState& state = users_[user_id];
  const bool announce = !state.announced_online;
  if (announce) {
    state.announced_online = true;
    state.last_seen = now;
  }
  // The new connection learns which of its contacts are online; the contacts learn that the user
  // came online when they had been told otherwise (or nothing).
  const std::string came_online = UserStatusFrame(user_id, true, now);
  const std::vector<std::string> contacts = Contacts(user_id);
  const std::vector<bool> online = OnlineAmong(contacts);
  for (std::size_t i = 0; i < contacts.size(); ++i) {
    if (!online[i]) continue;
    auto known = users_.find(contacts[i]);
    if (known == users_.end() || !known->second.announced_online) {
      // Online by the directory's counts before this node heard the contact's own note: take it
      // as that note now, which tells every contact here (this connection's user among them) and
      // records it, so that the note itself, when it comes, tells nobody twice and the contact's
      // going offline later is told.
      Remote(contacts[i], true, now);
    } else {
      transport_.Send(connection, UserStatusFrame(contacts[i], true, known->second.last_seen));
    }
    if (announce) SendToUser(contacts[i], came_online);
  }
  if (announce) Publish(user_id, true, now);
}

void Presence::Remote(const std::string& user_id, bool online, Timestamp at) {
  if (!online && online_.contains(user_id)) return;  // connected here: still online
  UserState& state = users_[user_id];
  if (state.announced_online == online) return;  // told already
  state.announced_online = online;
  state.last_seen = at;
  if (!online) leaving_.erase(user_id);
  if (online_.empty()) return;  // nobody here to tell
  const std::string frame = UserStatusFrame(user_id, online, at);
  for (const std::string& contact : Contacts(user_id)) SendToUser(contact, frame);
}

void Presence::Recount(Timestamp now) {
  if (cluster_ == nullptr || cluster_->directory() == nullptr) return;
  std::vector<std::string> remote;
  for (const auto& [user_id, state] : users_) {
    if (state.announced_online && !online_.contains(user_id) && !leaving_.contains(user_id)) {
      remote.push_back(user_id);
    }
  }
  if (remote.empty()) return;
  Result<std::vector<int>> counts = cluster_->directory()->CountConnections(remote);
  if (!counts.ok() || counts->size() != remote.size()) return;  // next time
  for (std::size_t i = 0; i < remote.size(); ++i) {
    if ((*counts)[i] == 0) Remote(remote[i], false, now);
  }
}

void Presence::Resync(Timestamp now) {
  if (cluster_ == nullptr || cluster_->directory() == nullptr || online_.empty()) return;
  std::set<std::string> others;  // contacts of local users, not connected here
  for (const auto& [user_id, connections] : online_) {
    for (std::string& contact : Contacts(user_id)) {
      if (!online_.contains(contact)) others.insert(std::move(contact));
    }
  }
  const std::vector<std::string> remote(others.begin(), others.end());
  if (remote.empty()) return;
  Result<std::vector<int>> counts = cluster_->directory()->CountConnections(remote);
  if (!counts.ok() || counts->size() != remote.size()) return;
  for (std::size_t i = 0; i < remote.size(); ++i) {
    if ((*counts)[i] > 0) Remote(remote[i], true, now);  // told nothing when told already
  }
}

std::vector<bool> Presence::OnlineAmong(const std::vector<std::string>& users) {
  std::vector<bool> out(users.size(), false);
  if (cluster_ != nullptr && cluster_->directory() != nullptr && !users.empty()) {
    Result<std::vector<int>> counts = cluster_->directory()->CountConnections(users);
    if (counts.ok() && counts->size() == users.size()) {
      for (std::size_t i = 0; i < users.size(); ++i) out[i] = (*counts)[i] > 0;
      return out;
    }
  }
  for (std::size_t i = 0; i < users.size(); ++i) {
    auto known = users_.find(users[i]);
    out[i] = known != users_.end() && known->second.announced_online;
  }
  return out;
}

void Presence::WriteCount(const std::string& user_id) {
  if (cluster_ == nullptr || cluster_->directory() == nullptr) return;
  auto mine = online_.find(user_id);
  const int count = mine == online_.end() ? 0 : static_cast<int>(mine->second.size());
  const spi::UserConnections numbers[] = {{user_id, count}};
  // Unreachable: the other nodes see this user as this node last wrote; Renew rewrites nothing
  // lost, so the next change writes again.
  (void)cluster_->directory()->SetConnections(numbers);
}

void Presence::Publish(const std::string& user_id, bool online, Timestamp at) {
  if (cluster_ == nullptr) return;
  ClusterEvent event;
  event.kind = ClusterKind::kPresence;
  event.user_id = user_id;
  event.flag = online;
  event.at = at;
  cluster_->Publish(std::move(event));
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
  if (cluster_ != nullptr && cluster_->directory() != nullptr) {
    WriteCount(user_id);  // zero: no connection left here
    const std::string user[] = {user_id};
    Result<std::vector<int>> total = cluster_->directory()->CountConnections(user);
    if (total.ok() && !total->empty() && total->front() > 0) return;  // online on another node
  }
  state.announced_online = false;
  const std::string frame = UserStatusFrame(user_id, false, state.last_seen);
  for (const std::string& contact : Contacts(user_id)) SendToUser(contact, frame);
  Publish(user_id, false, state.last_seen);
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
