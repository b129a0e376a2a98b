// The Hub (eventify/hub.h): sessions, subscriptions, routing. All state below is touched by the
// worker thread only (every HubInbound call posts a task), so it needs no lock.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "eventify/hub.h"
#include "eventify/spi/chat_store.h"
#include "hub/frames.h"
#include "hub/recovery.h"
#include "hub/worker.h"

namespace eventify {
namespace {

using spi::ConnectionId;

struct Session {
  Principal principal;
  std::set<std::string> joined;  // conversation ids of the room channels it receives
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
        options_(options) {}

  ~HubService() override {
    worker_.Post([this] {
      for (const auto& [connection, session] : sessions_) {
        transport_->Close(connection, spi::kCloseShuttingDown);
      }
      sessions_.clear();
    });
    // worker_ is the last member: destroyed first, it runs the task above and stops.
  }

  void OnOpened(ConnectionId connection, std::string access_token) override {
    worker_.Post([this, connection, token = std::move(access_token)] { Open(connection, token); });
  }
  void OnFrame(ConnectionId connection, std::string frame) override {
    worker_.Post([this, connection, text = std::move(frame)] { Handle(connection, text); });
  }
  void OnClosed(ConnectionId connection) override {
    worker_.Post([this, connection] { Close(connection); });
  }
  void Flush() override { worker_.Flush(); }

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
    transport_->Send(connection, hub::ReadyFrame(user_id, principal->role,
                                                 hub::ReadyPosition(chat_, *principal)));
    sessions_[connection] = Session{*std::move(principal), {}};
    std::set<ConnectionId>& mine = by_user_[user_id];
    const bool came_online = mine.empty();
    mine.insert(connection);
    const Timestamp now = clock_.Now();
    if (came_online) last_seen_[user_id] = now;
    // The new connection learns which of its contacts are online; the contacts learn that the
    // user came online when this is the user's first connection.
    for (const std::string& contact : Contacts(user_id)) {
      auto online = by_user_.find(contact);
      if (online == by_user_.end()) continue;
      transport_->Send(connection, hub::UserStatusFrame(contact, true, last_seen_[contact]));
      if (came_online) SendTo(online->second, hub::UserStatusFrame(user_id, true, now));
    }
  }

  void Close(ConnectionId connection) {
    auto found = sessions_.find(connection);
    if (found == sessions_.end()) return;
    const std::string user_id = found->second.principal.user_id;
    for (const std::string& conversation : found->second.joined)
      Unsubscribe(conversation, connection);
    sessions_.erase(found);
    auto mine = by_user_.find(user_id);
    mine->second.erase(connection);
    if (!mine->second.empty()) return;  // still online through another connection
    by_user_.erase(mine);
    const Timestamp now = clock_.Now();
    last_seen_[user_id] = now;
    const std::string frame = hub::UserStatusFrame(user_id, false, now);
    for (const std::string& contact : Contacts(user_id)) {
      auto online = by_user_.find(contact);
      if (online != by_user_.end()) SendTo(online->second, frame);
    }
  }

  // The users sharing a conversation with `user_id` (one query). On a storage failure nobody:
  // presence is best effort, and the next change sends the state again.
  std::vector<std::string> Contacts(const std::string& user_id) {
    std::vector<std::string> out;
    const Status read =
        storage_.Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
          EV_ASSIGN_OR_RETURN(out, tx.store<spi::ChatStore>()->ListContacts(user_id));
          return Status::Ok();
        });
    if (!read.ok()) out.clear();
    return out;
  }

  // ---- Frames ----

  void Handle(ConnectionId connection, const std::string& text) {
    auto found = sessions_.find(connection);
    if (found == sessions_.end()) return;
    Session& session = found->second;
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
      case hub::ClientFrameType::kTyping:
        return Typing(connection, session, frame);
      case hub::ClientFrameType::kPing:
        return transport_->Send(connection, hub::PongFrame(clock_.Now(), frame.ref));
      case hub::ClientFrameType::kResume:
        // The connection is in by_user_ since Open: what commits during the read reaches it live.
        for (std::string& out : hub::ResumeFrames(chat_, session.principal, frame.after,
                                                  options_.replay_limit, frame.ref)) {
          transport_->Send(connection, std::move(out));
        }
        return;
    }
  }

  void Join(ConnectionId connection, Session& session, const hub::ClientFrame& frame) {
    Result<Conversation> conversation =
        chat_.GetConversation(session.principal, frame.conversation_id);
    if (!conversation.ok()) {
      return transport_->Send(connection, hub::ErrorFrame(conversation.status(), frame.ref));
    }
    session.joined.insert(conversation->id);
    rooms_[conversation->id].insert(connection);
    transport_->Send(connection, hub::JoinedFrame(*conversation, frame.ref));
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
    for (const OnlineMember& member :
         OnlineMembers(message.conversation_id, message.sender_id, true)) {
      SendTo(by_user_[member.user_id], hub::NewMessageFrame(message, member.unread));
    }
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
  std::unordered_map<std::string, Timestamp> last_seen_;             // in memory only
  std::map<std::pair<std::string, std::string>, Timestamp> typing_;  // (user, conversation)

  hub::Worker worker_;  // last: destroyed first, while the state above is still alive
};

}  // namespace

std::unique_ptr<Hub> Hub::Create(Engine& engine, std::shared_ptr<spi::Transport> transport,
                                 HubOptions options) {
  return std::make_unique<HubService>(engine, std::move(transport), options);
}

}  // namespace eventify
