// The Hub (eventify/hub.h): sessions, subscriptions, routing. All state below is touched by the
// worker thread only (every HubInbound call posts a task), so it needs no lock.
#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "eventify/hub.h"
#include "eventify/spi/chat_store.h"
#include "hub/frames.h"
#include "hub/presence.h"
#include "hub/room_presence.h"
#include "hub/ticker.h"
#include "hub/worker.h"

namespace eventify {
namespace {

using spi::ConnectionId;

struct Session {
  Principal principal;
  std::set<std::string> joined;  // conversation ids of the room channels it receives
};

// A `delivered` frame waiting for the batch it will be applied with.
struct PendingDelivery {
  ConnectionId connection;
  std::string ref;
  DeliveredAck ack;
};

// A member of a conversation who has a connection open, with their unread count there.
struct OnlineMember {
  std::string user_id;
  std::int64_t unread = 0;
};

class HubService final : public Hub {
 public:
  HubService(Engine& engine, std::shared_ptr<spi::Transport> transport, HubOptions options)
      : chat_(engine.chat()),
        accounts_(engine.accounts()),
        storage_(engine.storage()),
        clock_(engine.clock()),
        transport_(std::move(transport)),
        options_(options),
        presence_(*transport_, storage_, options_, by_user_) {
    ticker_ = std::make_unique<hub::Ticker>(options_.tick_interval, [this] { Tick(); });
  }

  ~HubService() override {
    ticker_.reset();  // no tick is posted after this
    worker_.Post([this] {
      for (const auto& [connection, session] : sessions_) {
        transport_->Close(connection, spi::kCloseShuttingDown);
      }
      sessions_.clear();
    });
    // worker_ is destroyed before the rest of the state: it runs the task above and stops.
  }

  void OnOpened(ConnectionId connection, std::string access_token) override {
    worker_.Post([this, connection, token = std::move(access_token)] { Open(connection, token); });
  }
  void OnFrame(ConnectionId connection, std::string frame) override {
    worker_.Post([this, connection, text = std::move(frame)] { Handle(connection, text); });
  }
  void OnClosed(ConnectionId connection) override {
    worker_.Post([this, connection] { Close(connection, clock_.Now()); });
  }
  void OnKeepAlive(ConnectionId connection) override {
    worker_.Post([this, connection] {
      if (sessions_.contains(connection)) presence_.Alive(connection, clock_.Now());
    });
  }
  void Flush() override {
    worker_.Flush();
    worker_.Flush();  // the batch of `delivered` acknowledgements the first round queued
  }
  void Tick() override {
    // Ticks coalesce: one waiting on the worker is enough however many were asked for.
    if (tick_queued_.exchange(true)) return;
    worker_.Post([this] {
      tick_queued_ = false;
      RunTimers();
    });
  }
  void AnnounceEvent(const Event& event) override {
    worker_.Post([this, frame = hub::NewEventFrame(event)] {
      for (const auto& [connection, session] : sessions_) transport_->Send(connection, frame);
    });
  }

 private:
  // ---- Connections and presence ----

  void Open(ConnectionId connection, const std::string& token) {
    if (sessions_.contains(connection)) return;  // the transport reused an open id: ignored
    Result<Principal> principal = accounts_.Authenticate(token);
    if (!principal.ok()) {
      transport_->Send(connection, hub::ErrorFrame(principal.status(), ""));
      transport_->Close(connection, spi::kCloseUnauthenticated);
      return;
    }
    const std::string user_id = principal->user_id;
    transport_->Send(connection, hub::ReadyFrame(user_id, principal->role));
    sessions_[connection] = Session{*std::move(principal), {}};
    by_user_[user_id].insert(connection);
    presence_.Opened(connection, user_id, clock_.Now());
  }

  // The connection is gone; `seen` is when it was last known alive.
  void Close(ConnectionId connection, Timestamp seen) {
    auto found = sessions_.find(connection);
    if (found == sessions_.end()) return;
    const std::string user_id = found->second.principal.user_id;
    for (const std::string& conversation : found->second.joined)
      Unsubscribe(conversation, connection);
    sessions_.erase(found);
    auto mine = by_user_.find(user_id);
    mine->second.erase(connection);
    if (mine->second.empty()) by_user_.erase(mine);
    presence_.Closed(connection, user_id, seen, clock_.Now());
  }

  // The timers: heartbeats that timed out close their connections (the transport's OnClosed
  // that follows finds nothing left to do), and the offline grace of presence.
  void RunTimers() {
    for (ConnectionId connection : presence_.Tick(clock_.Now())) {
      transport_->Close(connection, spi::kCloseHeartbeatTimeout);
      Close(connection, presence_.LastAlive(connection));
    }
  }

  // ---- Frames ----

  void Handle(ConnectionId connection, const std::string& text) {
    auto found = sessions_.find(connection);
    if (found == sessions_.end()) return;
    Session& session = found->second;
    presence_.Alive(connection, clock_.Now());
    std::string ref;
    Result<hub::ClientFrame> parsed = hub::ParseClientFrame(text, &ref);
    if (!parsed.ok()) {
      transport_->Send(connection, hub::ErrorFrame(parsed.status(), ref));
      return;
    }
    const hub::ClientFrame& frame = *parsed;
    switch (frame.type) {
      case hub::ClientFrameType::kJoin:
        return Join(connection, session, frame);
      case hub::ClientFrameType::kLeave:
        if (session.joined.erase(frame.conversation_id) > 0) {
          Unsubscribe(frame.conversation_id, connection);
        }
        return transport_->Send(connection, hub::LeftFrame(frame.conversation_id, frame.ref));
      case hub::ClientFrameType::kMessage:
        return Send(connection, session, frame);
      case hub::ClientFrameType::kRead:
        return Read(connection, session, frame);
      case hub::ClientFrameType::kDelivered:
        return QueueDelivered(connection, session, frame);
      case hub::ClientFrameType::kTyping:
        return Typing(connection, session, frame);
      case hub::ClientFrameType::kPing:
        return transport_->Send(connection, hub::PongFrame(clock_.Now(), frame.ref));
    }
  }

  void Join(ConnectionId connection, Session& session, const hub::ClientFrame& frame) {
    Result<Conversation> conversation =
        chat_.GetConversation(session.principal, frame.conversation_id);
    if (!conversation.ok()) {
      return transport_->Send(connection, hub::ErrorFrame(conversation.status(), frame.ref));
    }
    const bool fresh = session.joined.insert(conversation->id).second;
    rooms_[conversation->id].insert(connection);
    transport_->Send(connection, hub::JoinedFrame(*conversation, frame.ref));
    if (fresh) ParticipantJoined(connection, session.principal.user_id, conversation->id);
  }

  void Send(ConnectionId connection, Session& session, const hub::ClientFrame& frame) {
    Result<Message> sent = chat_.Send(session.principal, frame.conversation_id, frame.message);
    if (!sent.ok()) return transport_->Send(connection, hub::ErrorFrame(sent.status(), frame.ref));
    const Message& message = *sent;
    transport_->Send(connection, hub::SentFrame(message, frame.ref));
    // The room channel: every connection that joined it, but the sending one (it has `sent`).
    auto room = rooms_.find(message.conversation_id);
    if (room != rooms_.end()) {
      const std::string out = hub::MessageFrame(message);
      for (ConnectionId subscriber : room->second) {
        if (subscriber != connection) transport_->Send(subscriber, out);
      }
    }
    // The notification channel of every other member who is online.
    std::vector<std::string> notified;
    for (const OnlineMember& member :
         OnlineMembers(message.conversation_id, message.sender_id, true)) {
      SendTo(by_user_[member.user_id], hub::NewMessageFrame(message, member.unread));
      notified.push_back(member.user_id);
    }
    SendUnreadTotals(notified);
  }

  void Read(ConnectionId connection, Session& session, const hub::ClientFrame& frame) {
    Result<Conversation> before = chat_.GetConversation(session.principal, frame.conversation_id);
    if (!before.ok())
      return transport_->Send(connection, hub::ErrorFrame(before.status(), frame.ref));
    Result<Receipt> marked =
        chat_.MarkRead(session.principal, frame.conversation_id, frame.message_id);
    if (!marked.ok())
      return transport_->Send(connection, hub::ErrorFrame(marked.status(), frame.ref));
    Receipt receipt = *std::move(marked);
    receipt.user_id = session.principal.user_id;
    transport_->Send(connection, hub::ReadMarkedFrame(frame.conversation_id, receipt, frame.ref));
    if (receipt.read_seq <= before->read_seq) return;  // the mark did not move
    SendUnreadTotals({receipt.user_id});
    const std::string out = hub::MessageReadFrame(frame.conversation_id, receipt);
    for (const OnlineMember& member :
         OnlineMembers(frame.conversation_id, receipt.user_id, false)) {
      SendTo(by_user_[member.user_id], out);
    }
  }

  void Typing(ConnectionId connection, const Session& session, const hub::ClientFrame& frame) {
    if (!session.joined.contains(frame.conversation_id)) {
      return transport_->Send(
          connection,
          hub::ErrorFrame(Status(StatusCode::kFailedPrecondition, "not_joined",
                                 "join the conversation before typing in it", "conversation_id"),
                          frame.ref));
    }
    const std::string& user_id = session.principal.user_id;
    const Timestamp now = clock_.Now();
    auto [last, first] = typing_.try_emplace({user_id, frame.conversation_id}, now);
    if (!first) {
      if (now - last->second < options_.typing_interval) return;  // throttled: dropped
      last->second = now;
    }
    const std::string out = hub::TypingFrame(frame.conversation_id, user_id, frame.is_typing);
    for (ConnectionId subscriber : rooms_[frame.conversation_id]) {
      if (sessions_[subscriber].principal.user_id != user_id) transport_->Send(subscriber, out);
    }
  }

  // ---- Routing helpers ----

  // The members of the conversation with a connection open, but `except`, with their unread
  // counts when `with_unread`. One read transaction: the conversation, which online users hold a
  // confirmed booking of its event (one statement for all of them), and each member's marks and
  // count. On a storage failure nobody: the message itself is durable and history has it.
  std::vector<OnlineMember> OnlineMembers(const std::string& conversation_id,
                                          const std::string& except, bool with_unread) {
    std::vector<OnlineMember> out;
    const Status read =
        storage_.Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
          spi::ChatStore& store = *tx.store<spi::ChatStore>();
          EV_ASSIGN_OR_RETURN(const spi::ConversationRecord record,
                              store.FindConversation(conversation_id));
          std::set<std::string> members;
          auto add = [&](const std::string& user) {
            if (user != except && by_user_.contains(user)) members.insert(user);
          };
          add(record.user_a);
          if (record.kind == ConversationKind::kDirect) {
            add(record.user_b);
          } else {
            std::vector<std::string> online;
            for (const auto& [user, connections] : by_user_) {
              if (user != except) online.push_back(user);
            }
            const std::string events[] = {record.event_id};
            EV_ASSIGN_OR_RETURN(auto holders, store.FindConfirmedHolders(events, online));
            for (const auto& [event, user] : holders) add(user);
          }
          for (const std::string& user : members) {
            OnlineMember member{user, 0};
            if (with_unread) {
              EV_ASSIGN_OR_RETURN(const spi::ReadMark marks,
                                  store.FindMarks(conversation_id, user));
              EV_ASSIGN_OR_RETURN(member.unread,
                                  store.CountUnread(conversation_id, user, marks.read_seq));
            }
            out.push_back(std::move(member));
          }
          return Status::Ok();
        });
    if (!read.ok()) out.clear();
    return out;
  }

  void SendTo(const std::set<ConnectionId>& connections, const std::string& frame) {
    for (ConnectionId connection : connections) transport_->Send(connection, frame);
  }

  void Unsubscribe(const std::string& conversation_id, ConnectionId connection) {
    auto room = rooms_.find(conversation_id);
    if (room == rooms_.end()) return;
    room->second.erase(connection);
    if (room->second.empty()) rooms_.erase(room);
    ParticipantLeft(sessions_[connection].principal.user_id, conversation_id);
  }

  // ---- Delivered receipts ----

  // A client received a message. Acknowledgements wait on the worker until what was queued
  // before the first of them has run, then apply together (Chat::MarkDeliveredBatch, one
  // transaction): under load, one commit covers many.
  void QueueDelivered(ConnectionId connection, const Session& session,
                      const hub::ClientFrame& frame) {
    if (pending_deliveries_.empty()) worker_.Post([this] { ApplyDeliveries(); });
    pending_deliveries_.push_back(
        PendingDelivery{connection, frame.ref,
                        DeliveredAck{session.principal, frame.conversation_id, frame.message_id}});
  }

  // Applies the queued acknowledgements: an `error` frame for each refused one; for each mark
  // that moved, `message_delivered` to the senders of the acknowledged messages (once per
  // conversation, recipient and sender).
  void ApplyDeliveries() {
    std::vector<PendingDelivery> pending = std::move(pending_deliveries_);
    pending_deliveries_.clear();
    std::vector<DeliveredAck> acks;
    for (const PendingDelivery& p : pending) acks.push_back(p.ack);
    Result<std::vector<DeliveredOutcome>> outcomes = chat_.MarkDeliveredBatch(acks);
    std::map<std::tuple<std::string, std::string, std::string>, Receipt> receipts;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      const Status status = outcomes.ok() ? (*outcomes)[i].status : outcomes.status();
      if (!status.ok()) {
        if (sessions_.contains(pending[i].connection)) {
          transport_->Send(pending[i].connection, hub::ErrorFrame(status, pending[i].ref));
        }
        continue;
      }
      const DeliveredOutcome& outcome = (*outcomes)[i];
      const std::string& recipient = pending[i].ack.caller.user_id;
      if (!outcome.moved || outcome.sender_id == recipient) continue;
      Receipt receipt = outcome.receipt;
      receipt.user_id = recipient;
      receipts[{pending[i].ack.conversation_id, recipient, outcome.sender_id}] = receipt;
    }
    for (const auto& [key, receipt] : receipts) {
      const auto& [conversation_id, recipient, sender] = key;
      auto connections = by_user_.find(sender);
      if (connections != by_user_.end()) {
        SendTo(connections->second, hub::MessageDeliveredFrame(conversation_id, receipt));
      }
    }
  }

  // ---- unread_count: a user's total over all their conversations ----

  // Each user's total, counted from the committed rows in one read transaction (one statement
  // per user, spi::ChatStore::CountUnreadByConversation), to every open connection of theirs.
  // On a storage failure nothing: the next change sends the total again.
  void SendUnreadTotals(const std::vector<std::string>& users) {
    if (users.empty()) return;
    std::vector<std::int64_t> totals;
    const Status read =
        storage_.Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
          totals.clear();
          for (const std::string& user : users) {
            EV_ASSIGN_OR_RETURN(auto counts,
                                tx.store<spi::ChatStore>()->CountUnreadByConversation(user));
            std::int64_t total = 0;
            for (const auto& [conversation, count] : counts) total += count;
            totals.push_back(total);
          }
          return Status::Ok();
        });
    if (!read.ok()) return;
    for (std::size_t i = 0; i < users.size(); ++i) {
      auto connections = by_user_.find(users[i]);
      if (connections != by_user_.end()) SendTo(connections->second, hub::UnreadCountFrame(totals[i]));
    }
  }

  // ---- participant_status: who is present on a room channel ----

  // The joining connection learns who else is present; the others learn the user is, when this
  // is the user's first connection there.
  void ParticipantJoined(ConnectionId connection, const std::string& user_id,
                         const std::string& conversation_id) {
    for (const std::string& present : participants_.Present(conversation_id)) {
      if (present != user_id) {
        transport_->Send(connection, hub::ParticipantStatusFrame(conversation_id, present, true));
      }
    }
    if (!participants_.Joined(conversation_id, user_id)) return;
    const std::string out = hub::ParticipantStatusFrame(conversation_id, user_id, true);
    for (ConnectionId subscriber : rooms_[conversation_id]) {
      if (subscriber != connection) transport_->Send(subscriber, out);
    }
  }

  // A connection of the user left the room channel (or closed); when it was their last there,
  // the room's remaining connections learn it.
  void ParticipantLeft(const std::string& user_id, const std::string& conversation_id) {
    if (!participants_.Left(conversation_id, user_id)) return;
    auto room = rooms_.find(conversation_id);
    if (room == rooms_.end()) return;
    const std::string out = hub::ParticipantStatusFrame(conversation_id, user_id, false);
    for (ConnectionId subscriber : room->second) transport_->Send(subscriber, out);
  }

  Chat& chat_;
  Accounts& accounts_;
  spi::Storage& storage_;
  const spi::Clock& clock_;
  std::shared_ptr<spi::Transport> transport_;
  const HubOptions options_;

  std::unordered_map<ConnectionId, Session> sessions_;
  std::unordered_map<std::string, std::set<ConnectionId>> by_user_;  // the online users
  std::unordered_map<std::string, std::set<ConnectionId>> rooms_;    // room channel subscribers
  std::map<std::pair<std::string, std::string>, Timestamp> typing_;  // (user, conversation)

  std::vector<PendingDelivery> pending_deliveries_;
  hub::Presence presence_;
  hub::RoomPresence participants_;
  std::atomic<bool> tick_queued_{false};

  hub::Worker worker_;  // destroyed before the state above, which its last tasks still use
  std::unique_ptr<hub::Ticker> ticker_;  // posts to worker_; stopped first of all
};

}  // namespace

std::unique_ptr<Hub> Hub::Create(Engine& engine, std::shared_ptr<spi::Transport> transport,
                                 HubOptions options) {
  return std::make_unique<HubService>(engine, std::move(transport), options);
}

}  // namespace eventify
