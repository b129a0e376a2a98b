// The Hub (eventify/hub.h): sessions, subscriptions, routing. All state below is touched by the
// worker thread only (every HubInbound call posts a task), so it needs no lock.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "chat/chat_rules.h"
#include "core/status_macros.h"
#include "eventify/hub.h"
#include "eventify/spi/chat_store.h"
#include "hub/cluster.h"
#include "hub/frames.h"
#include "hub/handoff.h"
#include "hub/recovery.h"
#include "hub/presence.h"
#include "hub/room_presence.h"
#include "hub/ticker.h"
#include "hub/worker.h"

namespace eventify {
namespace {

using spi::ConnectionId;

struct Session {
  Principal principal;
  std::uint64_t serial = 0;      // tells this session from a later one reusing its id
  std::set<std::string> joined;  // conversation ids of the room channels it receives
};

// A `delivered` frame waiting for the batch it will be applied with.
struct PendingDelivery {
  ConnectionId connection;
  std::string ref;
  DeliveredAck ack;
};

// An online user's unread count in one conversation, kept up to date from the commits the hub
// routes: `unread` counts the messages of others after their read mark up to `counted_seq`.
// Valid only while the hub saw every message after counted_seq; otherwise it is read again.
struct UnreadEntry {
  std::int64_t counted_seq = 0;
  std::int64_t unread = 0;
};

class HubService final : public Hub, private ChatObserver, private hub::ClusterLink::Receiver {
 public:
  HubService(Engine& engine, std::shared_ptr<spi::Transport> transport, HubOptions options,
             HubCluster cluster)
      : chat_(engine.chat()),
        accounts_(engine.accounts()),
        storage_(engine.storage()),
        clock_(engine.clock()),
        transport_(std::move(transport)),
        options_(options),
        presence_(*transport_, storage_, options_, by_user_),
        cluster_(std::move(cluster), clock_,
                 [this](std::function<void()> task) { worker_.Post(std::move(task)); }, *this) {
    if (cluster_.active()) presence_.SetCluster(&cluster_);
  }

  // Starts the link to the other nodes, then the routing of commits and the ticks.
  Status Start() {
    EV_RETURN_IF_ERROR(cluster_.Start());
    observer_handle_ = chat_.AddObserver(this);
    ticker_ = std::make_unique<hub::Ticker>(options_.tick_interval, [this] { Tick(); });
    return Status::Ok();
  }

  ~HubService() override {
    ticker_.reset();  // no tick is posted after this
    // No new commits reach the worker; the sends in flight finish (their answers are handled).
    if (observer_handle_ != 0) chat_.RemoveObserver(observer_handle_);
    {
      std::unique_lock lock(pending_mu_);
      pending_done_.wait(lock, [&] { return pending_ == 0; });
    }
    // The other nodes drop this one's room-channel users now rather than after node_timeout.
    worker_.Post([this] { cluster_.Farewell(); });
    worker_.Flush();
    cluster_.Stop();  // no bus callback posts after this; this node leaves the directory
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
      hub::ClusterEvent note;
      note.kind = hub::ClusterKind::kNewEvent;
      note.frame = frame;
      cluster_.Publish(std::move(note));
    });
  }
  void Flush() override {
    for (;;) {
      worker_.Flush();
      worker_.Flush();  // what the first round queued: a batch of `delivered`, a mark's routing
      std::unique_lock lock(pending_mu_);
      if (pending_ == 0) return;
      pending_done_.wait(lock, [&] { return pending_ == 0; });
    }
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
    transport_->Send(connection, hub::ReadyFrame(user_id, principal->role,
                                                 hub::ReadyPosition(chat_, *principal)));
    sessions_[connection] = Session{*std::move(principal), ++last_serial_, {}};
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
    if (mine->second.empty()) {
      by_user_.erase(mine);
      unread_.erase(user_id);  // kept for online users only
      totals_sent_at_.erase(user_id);
      totals_due_.erase(user_id);
    }
    presence_.Closed(connection, user_id, seen, clock_.Now());
  }

  // The timers: heartbeats that timed out close their connections (the transport's OnClosed
  // that follows finds nothing left to do), the offline grace of presence, the session check.
  void RunTimers() {
    if (cluster_.RenewIfDue()) presence_.Recount(clock_.Now());
    cluster_.Heartbeat();
    for (ConnectionId connection : presence_.Tick(clock_.Now())) {
      transport_->Close(connection, spi::kCloseHeartbeatTimeout);
      Close(connection, presence_.LastAlive(connection));
    }
    CheckSessions();
    // Deferred unread totals whose interval has passed.
    const Timestamp now = clock_.Now();
    std::vector<std::string> due;
    for (auto it = totals_due_.begin(); it != totals_due_.end();) {
      if (now - totals_sent_at_[*it] >= options_.unread_total_interval) {
        due.push_back(*it);
        it = totals_due_.erase(it);
      } else {
        ++it;
      }
    }
    SendUnreadTotals(due);
  }

  // Every HubOptions::session_check_interval: the login sessions of the open connections, read
  // in one transaction. A connection whose session ended since it opened is told why and closed:
  // account_blocked (as Accounts::Authenticate, the block first), session_revoked, or
  // token_expired (the login outlived AccountsOptions::session_max_age, or its row was purged). A
  // failed read is tried again at the next interval.
  void CheckSessions() {
    const Timestamp now = clock_.Now();
    const Duration interval = options_.session_check_interval;
    // (A clock set back by more than the interval checks at once rather than that much later.)
    if (interval.count() <= 0 ||
        (now < next_session_check_ && next_session_check_ - now <= interval)) {
      return;
    }
    next_session_check_ = now + interval;
    if (sessions_.empty()) return;
    std::vector<std::string> ids;
    ids.reserve(sessions_.size());
    for (const auto& [connection, session] : sessions_) ids.push_back(session.principal.session_id);
    std::unordered_set<std::string> live, revoked, blocked;  // session ids; user ids
    const Status read =
        storage_.Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
          live.clear();
          revoked.clear();
          blocked.clear();
          EV_ASSIGN_OR_RETURN(auto found, tx.accounts().FindSessionsByIds(ids));
          for (const spi::SessionRecord& record : found) {
            if (record.revoked_at) {
              revoked.insert(record.id);
            } else if (record.expires_at > now) {
              live.insert(record.id);
            }
          }
          std::vector<std::string> ended_users;
          for (const auto& [connection, session] : sessions_) {
            if (!live.contains(session.principal.session_id)) {
              ended_users.push_back(session.principal.user_id);
            }
          }
          if (ended_users.empty()) return Status::Ok();
          EV_ASSIGN_OR_RETURN(auto users, tx.accounts().FindUsersByIds(ended_users));
          for (const spi::UserRecord& user : users) {
            if (user.blocked) blocked.insert(user.id);
          }
          return Status::Ok();
        });
    if (!read.ok()) return;
    std::vector<ConnectionId> ended;
    for (const auto& [connection, session] : sessions_) {
      if (!live.contains(session.principal.session_id)) ended.push_back(connection);
    }
    const Status account_blocked =
        PermissionDenied("account_blocked", "this account is blocked; contact support");
    const Status session_revoked =
        Unauthenticated("session_revoked", "this session has ended; log in again");
    const Status login_expired = Unauthenticated("token_expired", "this login has expired");
    for (ConnectionId connection : ended) {
      const Principal& principal = sessions_.at(connection).principal;
      const Status& why = blocked.contains(principal.user_id)     ? account_blocked
                          : revoked.contains(principal.session_id) ? session_revoked
                                                                   : login_expired;
      transport_->Send(connection, hub::ErrorFrame(why, ""));
      transport_->Close(connection, spi::kCloseUnauthenticated);
      Close(connection, now);  // alive until now, as far as the hub knows
    }
  }

  // `unread_count` for users who got new messages: at once for those not told within
  // HubOptions::unread_total_interval, at a later tick for the others (the newest total then).
  void QueueUnreadTotals(const std::set<std::string>& users) {
    const Timestamp now = clock_.Now();
    std::vector<std::string> now_list;
    for (const std::string& user : users) {
      auto sent = totals_sent_at_.find(user);
      if (sent == totals_sent_at_.end() ||
          now - sent->second >= options_.unread_total_interval) {
        now_list.push_back(user);
      } else {
        totals_due_.insert(user);
      }
    }
    SendUnreadTotals(now_list);
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
    const bool fresh = session.joined.insert(conversation->id).second;
    rooms_[conversation->id].insert(connection);
    transport_->Send(connection, hub::JoinedFrame(*conversation, frame.ref));
    if (fresh) ParticipantJoined(connection, session.principal.user_id, conversation->id);
  }

  // The message goes to the chat without waiting: many are in flight at once and share commits.
  // The answer (`sent` or `error`) comes back to the worker; the routing to everyone else comes
  // from the commit itself (OnCommitted), like that of a message sent over HTTP.
#if defined(__GNUC__) && !defined(__clang__)
// g++ 12 warns that moving the answer's Result<Message> (a std::variant) may read its Status
// uninitialised: a false positive of its -Wmaybe-uninitialized on std::variant's move (GCC bug
// 80635); the moved-from alternative is always constructed.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
  void Send(ConnectionId connection, Session& session, const hub::ClientFrame& frame) {
    std::string key = session.principal.user_id + ":" + frame.message.idempotency_key;
    sending_[key] = Sending{connection, session.serial};
    {
      std::lock_guard lock(pending_mu_);
      ++pending_;
    }
    // On the writer's thread: `ref` and `key` are copied there, so that this callback's own
    // (made here) are freed here too (hub/handoff.h).
    chat_.SendAsync(session.principal, frame.conversation_id, frame.message,
                    [this, connection, serial = session.serial, ref = frame.ref,
                     key = std::move(key)](Result<Message> sent) {
                      Feed(SendAnswer{connection, serial, ref, key, std::move(sent)});
                    });
  }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

  void Answer(ConnectionId connection, std::uint64_t serial, const std::string& ref,
              const std::string& key, const Result<Message>& sent) {
    auto sending = sending_.find(key);
    if (sending != sending_.end() && sending->second.connection == connection &&
        sending->second.serial == serial) {
      sending_.erase(sending);
    }
    auto session = sessions_.find(connection);
    if (session == sessions_.end() || session->second.serial != serial) return;  // gone
    transport_->Send(connection,
                     sent.ok() ? hub::SentFrame(*sent, ref) : hub::ErrorFrame(sent.status(), ref));
  }

  // Read marks move through the chat; `message_read` goes out from the commit (OnCommitted).
  void Read(ConnectionId connection, Session& session, const hub::ClientFrame& frame) {
    Result<Receipt> marked =
        chat_.MarkRead(session.principal, frame.conversation_id, frame.message_id);
    if (!marked.ok())
      return transport_->Send(connection, hub::ErrorFrame(marked.status(), frame.ref));
    transport_->Send(connection, hub::ReadMarkedFrame(frame.conversation_id, *marked, frame.ref));
  }

  void Typing(ConnectionId connection, Session& session, const hub::ClientFrame& frame) {
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
    // Still a member: one read per interval, forwarded or not (a failing store is not read
    // more often).
    const Result<bool> member = StillMember(frame.conversation_id, user_id);
    if (!member.ok()) {
      return transport_->Send(connection, hub::ErrorFrame(member.status(), frame.ref));
    }
    if (!*member) {  // lost the room since joining (a cancelled booking): its channel ends too
      session.joined.erase(frame.conversation_id);
      Unsubscribe(frame.conversation_id, connection);
      return transport_->Send(connection, hub::ErrorFrame(chat::NotAMember(), frame.ref));
    }
    ForwardTyping(frame.conversation_id, user_id, frame.is_typing);
    hub::ClusterEvent note;
    note.kind = hub::ClusterKind::kTyping;
    note.conversation_id = frame.conversation_id;
    note.user_id = user_id;
    note.flag = frame.is_typing;
    cluster_.Publish(std::move(note));
  }

  // Whether `user_id` is a member of `conversation_id` now (chat::IsMemberNow; the conversation
  // read once, then kept). Errors: storage failures, conversation_not_found.
  Result<bool> StillMember(const std::string& conversation_id, const std::string& user_id) {
    bool member = false;
    const Status read =
        storage_.Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
          spi::ChatStore& store = *tx.store<spi::ChatStore>();
          auto known = conversations_.find(conversation_id);
          if (known == conversations_.end()) {
            Result<spi::ConversationRecord> record = store.FindConversation(conversation_id);
            if (!record.ok()) {
              return record.status().code() == StatusCode::kNotFound ? chat::ConversationNotFound()
                                                                     : record.status();
            }
            known = conversations_.emplace(conversation_id, std::move(record).value()).first;
          }
          EV_ASSIGN_OR_RETURN(member, chat::IsMemberNow(store, known->second, user_id));
          return Status::Ok();
        });
    if (!read.ok()) return read;
    return member;
  }

  // `typing` to the room's connections here, except the typist's.
  void ForwardTyping(const std::string& conversation_id, const std::string& user_id,
                     bool is_typing) {
    auto room = rooms_.find(conversation_id);
    if (room == rooms_.end()) return;
    const std::string out = hub::TypingFrame(conversation_id, user_id, is_typing);
    for (ConnectionId subscriber : room->second) {
      if (sessions_[subscriber].principal.user_id != user_id) transport_->Send(subscriber, out);
    }
  }

  // ---- Routing what the chat committed ----

  // ChatObserver, on the committing thread: hand the commit to the worker.
  void OnCommitted(const ChatCommit& commit) override { Feed(commit); }

  // What the committing thread hands the worker, in the order it happened: a commit to route, and
  // after it the answers to its messages' senders.
  struct SendAnswer {
    ConnectionId connection = 0;
    std::uint64_t serial = 0;
    std::string ref;
    std::string key;
    Result<Message> sent;
  };
  using Fed = std::variant<ChatCommit, SendAnswer>;

  void Feed(Fed fed) {
    fed_.Push(std::move(fed), [this] { worker_.Post([this] { RouteFed(); }); });
  }

  void RouteFed() {
    std::vector<Fed> taken = fed_.Take();
    for (Fed& fed : taken) {
      if (const ChatCommit* commit = std::get_if<ChatCommit>(&fed)) {
        if (!commit->messages.empty()) RouteMessages(commit->messages);
        for (const MarkChange& change : commit->marks) RouteMark(change);
        if (cluster_.active()) PublishCommit(*commit);
        continue;
      }
      const SendAnswer& answer = std::get<SendAnswer>(fed);
      Answer(answer.connection, answer.serial, answer.ref, answer.key, answer.sent);
      std::lock_guard lock(pending_mu_);
      if (--pending_ == 0) pending_done_.notify_all();
    }
    fed_.GiveBack(std::move(taken));  // destroyed by the committing thread, which made them
  }

  // One commit's messages: `message` on the room channel (but to the sending connection, which
  // gets `sent`), `new_message` with the unread count on the notification channel of every other
  // member who is online, on their connections that did not join the conversation (a joined
  // one has the message, and its `pos`, in `message`). One read transaction for the whole commit
  // (see Prepare).
  void RouteMessages(const std::vector<Message>& messages) {
    std::unordered_map<std::string, std::set<std::string>> members;  // conversation -> online
    // On a storage failure nobody is told: the messages are durable and history has them.
    if (!Prepare(messages, members, /*with_unread=*/true).ok()) return;
    // Who hears of a conversation's messages, looked up once per conversation of the commit
    // rather than once per message and member (the worker's routing loop is the hot path).
    struct Member {
      const std::string* user;
      UnreadEntry* entry;  // null: no count kept (nothing sent on the notification channel)
      const std::set<ConnectionId>* connections;
    };
    struct Audience {
      const std::set<ConnectionId>* room = nullptr;  // room channel subscribers, if any
      std::vector<Member> members;
    };
    std::unordered_map<std::string_view, Audience> audiences;
    std::unordered_set<std::string_view> notified;  // members told of a message: totals follow
    std::string sending_key;
    for (const Message& message : messages) {
      auto [at, first] = audiences.try_emplace(message.conversation_id);
      Audience& audience = at->second;
      if (first) {
        if (auto room = rooms_.find(message.conversation_id); room != rooms_.end()) {
          audience.room = &room->second;
        }
        for (const std::string& user : members[message.conversation_id]) {
          static const std::set<ConnectionId> kOffline;
          const auto online = by_user_.find(user);
          Member member{&user, nullptr, online == by_user_.end() ? &kOffline : &online->second};
          if (auto mine = unread_.find(user); mine != unread_.end()) {
            if (auto counted = mine->second.find(message.conversation_id);
                counted != mine->second.end()) {
              member.entry = &counted->second;
            }
          }
          audience.members.push_back(member);
        }
      }
      const hub::MessageFrames frames(message);
      if (audience.room != nullptr) {
        ConnectionId origin = 0;
        bool from_here = false;
        sending_key.assign(message.sender_id).append(":").append(message.idempotency_key);
        // The sending connection, if it is still the session that sent (an id may be reused
        // once closed: a later session under it is just another subscriber).
        if (auto sending = sending_.find(sending_key); sending != sending_.end()) {
          const auto session = sessions_.find(sending->second.connection);
          if (session != sessions_.end() && session->second.serial == sending->second.serial) {
            origin = sending->second.connection;
            from_here = true;
          }
        }
        const std::string out = frames.Room();
        for (ConnectionId subscriber : *audience.room) {
          if (!from_here || subscriber != origin) transport_->Send(subscriber, out);
        }
      }
      for (const Member& member : audience.members) {
        if (member.entry == nullptr) continue;
        UnreadEntry& e = *member.entry;
        const bool own = message.sender_id == *member.user;
        if (message.seq == e.counted_seq + 1) {
          e.counted_seq = message.seq;
          if (!own) ++e.unread;
        }
        if (!own) {
          std::string notice;  // built for the first connection that gets it
          for (ConnectionId connection : *member.connections) {
            if (audience.room != nullptr && audience.room->contains(connection)) continue;
            if (notice.empty()) notice = frames.For(e.unread);
            transport_->Send(connection, notice);
          }
          notified.insert(*member.user);  // their totals follow, joined or not
        }
      }
    }
    QueueUnreadTotals(std::set<std::string>(notified.begin(), notified.end()));
  }

  // Reads, in one transaction, what routing `messages` needs that the hub does not hold: the
  // conversations not seen before (their kind, participants and event never change), which
  // online users hold a confirmed booking of the rooms' events (read at every commit: a
  // cancellation takes the room away at once; one statement for all rooms), and the unread
  // counts of online members the hub cannot carry forward (first seen, or a message it did not
  // see: sent by another process).
  Status Prepare(const std::vector<Message>& messages,
                 std::unordered_map<std::string, std::set<std::string>>& members,
                 bool with_unread) {
    // A conversation's messages in one commit have consecutive sequence numbers.
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> span;  // conversation -> lo, hi
    for (const Message& m : messages) {
      auto [it, first] = span.try_emplace(m.conversation_id, m.seq, m.seq);
      if (!first) {
        it->second.first = std::min(it->second.first, m.seq);
        it->second.second = std::max(it->second.second, m.seq);
      }
    }
    return storage_.Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
      members.clear();
      spi::ChatStore& store = *tx.store<spi::ChatStore>();
      std::vector<std::string> events;
      for (const auto& [id, seqs] : span) {
        auto known = conversations_.find(id);
        if (known == conversations_.end()) {
          EV_ASSIGN_OR_RETURN(spi::ConversationRecord record, store.FindConversation(id));
          known = conversations_.emplace(id, std::move(record)).first;
        }
        const spi::ConversationRecord& record = known->second;
        std::set<std::string>& online_members = members[id];  // clang 14: no binding in a lambda
        auto add = [&](const std::string& user) {
          if (by_user_.contains(user)) online_members.insert(user);
        };
        add(record.user_a);
        if (record.kind == ConversationKind::kDirect) {
          add(record.user_b);
        } else {
          events.push_back(record.event_id);
        }
      }
      if (!events.empty()) {
        std::vector<std::string> online;
        online.reserve(by_user_.size());
        for (const auto& [user, connections] : by_user_) online.push_back(user);
        EV_ASSIGN_OR_RETURN(auto holders, store.FindConfirmedHolders(events, online));
        std::unordered_map<std::string, std::vector<std::string>> by_event;
        for (auto& [event, user] : holders) by_event[event].push_back(std::move(user));
        for (const auto& [id, seqs] : span) {
          const spi::ConversationRecord& record = conversations_.at(id);
          if (record.kind != ConversationKind::kEventRoom) continue;
          for (const std::string& user : by_event[record.event_id]) members[id].insert(user);
        }
      }
      if (!with_unread) return Status::Ok();
      // The unread entries to read again: none yet, or behind the commit's first message.
      std::vector<std::pair<std::string, std::string>> stale;  // (conversation, user)
      for (const auto& [id, users] : members) {
        for (const std::string& user : users) {
          auto& mine = unread_[user];
          auto entry = mine.find(id);
          if (entry == mine.end() || entry->second.counted_seq < span[id].first - 1) {
            stale.emplace_back(id, user);
          }
        }
      }
      // Counted up to just before the commit: RouteMessages carries it forward message by message.
      for (const auto& [id, user] : stale) {
        EV_ASSIGN_OR_RETURN(const spi::ReadMark marks, store.FindMarks(id, user));
        UnreadEntry entry;
        entry.counted_seq = span[id].first - 1;
        EV_ASSIGN_OR_RETURN(entry.unread, store.CountUnreadThrough(id, user, marks.read_seq,
                                                                   entry.counted_seq));
        unread_[user][id] = entry;
      }
      return Status::Ok();
    });
  }

  // A read mark that moved: `message_read` to the conversation's other online members; the
  // reader's unread count there is read again when next needed.
  void RouteMark(const MarkChange& change) {
    if (!change.read_moved) return;
    const std::string& reader = change.receipt.user_id;
    if (by_user_.empty()) return;  // nobody online here
    if (by_user_.contains(reader)) SendUnreadTotals({reader});
    if (auto mine = unread_.find(reader); mine != unread_.end()) {
      mine->second.erase(change.conversation_id);
    }
    Message probe;
    probe.conversation_id = change.conversation_id;
    probe.seq = 1;
    std::unordered_map<std::string, std::set<std::string>> members;
    if (!Prepare({probe}, members, /*with_unread=*/false).ok()) return;
    const std::string out = hub::MessageReadFrame(change.conversation_id, change.receipt);
    for (const std::string& user : members[change.conversation_id]) {
      if (user != reader) SendTo(by_user_[user], out);
    }
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

  // ---- Other nodes (HubCluster) ----

  // The note of one commit for the other nodes: the sequence numbers it wrote per conversation
  // (they read the messages back) and the read marks it moved.
  void PublishCommit(const ChatCommit& commit) {
    if (!commit.messages.empty()) {
      hub::ClusterEvent note;
      note.kind = hub::ClusterKind::kMessages;
      for (const Message& m : commit.messages) {
        if (!note.spans.empty() && note.spans.back().conversation_id == m.conversation_id &&
            note.spans.back().hi + 1 == m.seq) {
          note.spans.back().hi = m.seq;
        } else {
          note.spans.push_back({m.conversation_id, m.seq, m.seq});
        }
      }
      cluster_.Publish(std::move(note));
    }
    for (const MarkChange& change : commit.marks) {
      if (!change.read_moved) continue;
      hub::ClusterEvent note;
      note.kind = hub::ClusterKind::kRead;
      note.conversation_id = change.conversation_id;
      note.receipt = change.receipt;
      cluster_.Publish(std::move(note));
    }
  }

  // ClusterLink::Receiver, on the worker: routed here as if this node had committed it.
  void OnRemote(const hub::ClusterEvent& note) override {
    switch (note.kind) {
      case hub::ClusterKind::kMessages:
        return RouteRemoteMessages(note.spans);
      case hub::ClusterKind::kRead:
        return RouteMark(MarkChange{note.conversation_id, note.receipt, /*read_moved=*/true,
                                    /*delivered_moved=*/false});
      case hub::ClusterKind::kDelivered:
        if (auto connections = by_user_.find(note.user_id); connections != by_user_.end()) {
          SendTo(connections->second, hub::MessageDeliveredFrame(note.conversation_id, note.receipt));
        }
        return;
      case hub::ClusterKind::kTyping:
        return ForwardTyping(note.conversation_id, note.user_id, note.flag);
      case hub::ClusterKind::kPresence:
        return presence_.Remote(note.user_id, note.flag, note.at);
      case hub::ClusterKind::kNewEvent:
        for (const auto& [connection, session] : sessions_) transport_->Send(connection, note.frame);
        return;
      case hub::ClusterKind::kParticipant:
        return TellParticipants(
            participants_.Remote(note.origin, note.conversation_id, note.user_id, note.flag));
      case hub::ClusterKind::kRosterQuery:
        return PublishRoster(note.conversation_id);
      case hub::ClusterKind::kRoster:
        return TellParticipants(
            participants_.Roster(note.origin, note.conversation_id, note.users));
      case hub::ClusterKind::kHeartbeat:
        return;  // the link noted that the origin is alive
      case hub::ClusterKind::kFarewell:
        return;  // the link forgets the origin and calls OnNodeGone; never handed on
    }
  }

  // Notes may have been lost: every connection here recovers from its last position, the
  // presence of their contacts elsewhere is counted again, and the other nodes are asked again
  // who is on the room channels joined here.
  void OnMissed() override {
    const std::string frame = hub::RecoverFrame();
    for (const auto& [connection, session] : sessions_) transport_->Send(connection, frame);
    presence_.Resync(clock_.Now());
    Requery();
  }
  void OnNodeGone(const std::string& origin) override {
    TellParticipants(participants_.NodeGone(origin));
  }
  void OnNodeBack(const std::string& /*origin*/) override { Requery(); }

  // Messages another node committed: read back (one read transaction) and routed here.
  void RouteRemoteMessages(const std::vector<hub::SeqSpan>& spans) {
    if (by_user_.empty()) return;  // nobody here to tell
    std::vector<Message> messages;
    const Status read =
        storage_.Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
          messages.clear();
          for (const hub::SeqSpan& span : spans) {
            EV_ASSIGN_OR_RETURN(auto part, tx.store<spi::ChatStore>()->ListMessagesAfter(
                                               span.conversation_id, span.lo - 1,
                                               static_cast<int>(span.hi - span.lo + 1)));
            for (Message& m : part) messages.push_back(std::move(m));
          }
          return Status::Ok();
        });
    if (!read.ok()) return OnMissed();  // durable all the same: the clients read them back
    if (!messages.empty()) RouteMessages(messages);
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
      hub::ClusterEvent note;  // the sender may be connected to another node too
      note.kind = hub::ClusterKind::kDelivered;
      note.conversation_id = conversation_id;
      note.user_id = sender;
      note.receipt = receipt;
      cluster_.Publish(std::move(note));
    }
  }

  // ---- unread_count: a user's total over all their conversations ----

  // Each user's total, counted from the committed rows in one read transaction (a statement per
  // few hundred users, spi::ChatStore::CountUnreadTotals), to every open connection of theirs.
  // On a storage failure nothing: the next change sends the total again.
  void SendUnreadTotals(const std::vector<std::string>& users) {
    if (users.empty()) return;
    const Timestamp now = clock_.Now();
    for (const std::string& user : users) {
      totals_sent_at_[user] = now;
      totals_due_.erase(user);
    }
    std::vector<std::int64_t> totals;
    const Status read =
        storage_.Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
          EV_ASSIGN_OR_RETURN(totals, tx.store<spi::ChatStore>()->CountUnreadTotals(users));
          return Status::Ok();
        });
    if (!read.ok()) return;
    for (std::size_t i = 0; i < users.size(); ++i) {
      auto connections = by_user_.find(users[i]);
      if (connections != by_user_.end()) SendTo(connections->second, hub::UnreadCountFrame(totals[i]));
    }
  }

  // ---- participant_status: who is present on a room channel, over every node ----

  // The joining connection learns who else is present; the others learn the user is, when no
  // connection of theirs was there before. The other nodes hear of the user's first connection
  // here, and of the first connection here to the conversation, which asks for their lists.
  void ParticipantJoined(ConnectionId connection, const std::string& user_id,
                         const std::string& conversation_id) {
    for (const std::string& present : participants_.Present(conversation_id)) {
      if (present != user_id) {
        transport_->Send(connection, hub::ParticipantStatusFrame(conversation_id, present, true));
      }
    }
    const hub::RoomPresence::Joining joining = participants_.Joined(conversation_id, user_id);
    if (joining.first_in_room) QueryRoster(conversation_id);
    if (joining.first_here) PublishParticipant(conversation_id, user_id, true);
    if (!joining.appeared) return;
    const std::string out = hub::ParticipantStatusFrame(conversation_id, user_id, true);
    for (ConnectionId subscriber : rooms_[conversation_id]) {
      if (subscriber != connection) transport_->Send(subscriber, out);
    }
  }

  // A connection of the user left the room channel (or closed); when it was their last here,
  // the other nodes hear of it, and the room's remaining connections here learn it unless
  // another node still has the user there.
  void ParticipantLeft(const std::string& user_id, const std::string& conversation_id) {
    const hub::RoomPresence::Leaving leaving = participants_.Left(conversation_id, user_id);
    if (leaving.last_here) PublishParticipant(conversation_id, user_id, false);
    if (leaving.vanished) TellParticipants({{conversation_id, user_id, false}});
  }

  // `participant_status` to the connections joined here to each change's conversation.
  void TellParticipants(const std::vector<hub::ParticipantChange>& changes) {
    for (const hub::ParticipantChange& change : changes) {
      auto room = rooms_.find(change.conversation_id);
      if (room == rooms_.end()) continue;
      const std::string out =
          hub::ParticipantStatusFrame(change.conversation_id, change.user_id, change.present);
      for (ConnectionId subscriber : room->second) transport_->Send(subscriber, out);
    }
  }

  void PublishParticipant(const std::string& conversation_id, const std::string& user_id,
                          bool present) {
    hub::ClusterEvent note;
    note.kind = hub::ClusterKind::kParticipant;
    note.conversation_id = conversation_id;
    note.user_id = user_id;
    note.flag = present;
    cluster_.Publish(std::move(note));
  }
  void QueryRoster(const std::string& conversation_id) {
    hub::ClusterEvent note;
    note.kind = hub::ClusterKind::kRosterQuery;
    note.conversation_id = conversation_id;
    cluster_.Publish(std::move(note));
  }
  // After notes may have been lost, once however many losses a burst reports: every room joined
  // here is asked about again, and this node publishes its own list of each (the other nodes'
  // question about it may be what was lost).
  void Requery() {
    if (requery_queued_) return;
    requery_queued_ = true;
    worker_.Post([this] {
      requery_queued_ = false;
      for (const std::string& conversation : participants_.Watched()) {
        QueryRoster(conversation);
        PublishRoster(conversation);
      }
    });
  }
  // This node's answer to a query: its list, empty too (it replaces whatever the asker holds).
  void PublishRoster(const std::string& conversation_id) {
    hub::ClusterEvent note;
    note.kind = hub::ClusterKind::kRoster;
    note.conversation_id = conversation_id;
    note.users = participants_.PresentHere(conversation_id);
    cluster_.Publish(std::move(note));
  }

  Chat& chat_;
  Accounts& accounts_;
  spi::Storage& storage_;
  const spi::Clock& clock_;
  std::shared_ptr<spi::Transport> transport_;
  const HubOptions options_;
  std::uint64_t observer_handle_ = 0;

  // Sends in flight (their answers not yet handled): Flush and the destructor wait for them.
  std::mutex pending_mu_;
  std::condition_variable pending_done_;
  std::size_t pending_ = 0;

  // Worker thread only.
  std::uint64_t last_serial_ = 0;
  Timestamp next_session_check_{};  // CheckSessions
  struct Sending {
    ConnectionId connection;
    std::uint64_t serial;  // the session's (Session::serial)
  };
  std::unordered_map<std::string, Sending> sending_;  // "<sender>:<key>" -> its connection
  std::unordered_map<std::string, spi::ConversationRecord> conversations_;  // seen so far
  // Online user -> conversation -> unread count.
  std::unordered_map<std::string, std::unordered_map<std::string, UnreadEntry>> unread_;
  std::unordered_map<ConnectionId, Session> sessions_;
  std::unordered_map<std::string, Timestamp> totals_sent_at_;  // last unread_count, per user
  std::set<std::string> totals_due_;  // users whose unread_count waits for the interval
  std::unordered_map<std::string, std::set<ConnectionId>> by_user_;  // the online users
  std::unordered_map<std::string, std::set<ConnectionId>> rooms_;    // room channel subscribers
  std::map<std::pair<std::string, std::string>, Timestamp> typing_;  // (user, conversation)

  std::vector<PendingDelivery> pending_deliveries_;
  hub::Presence presence_;
  hub::RoomPresence participants_;
  bool requery_queued_ = false;
  std::atomic<bool> tick_queued_{false};
  hub::ClusterLink cluster_;  // stopped in the destructor, before the worker

  hub::Handoff<Fed> fed_;  // commits and answers from the committing thread (Feed)
  hub::Worker worker_;  // destroyed before the state above, which its last tasks still use
  std::unique_ptr<hub::Ticker> ticker_;  // posts to worker_; stopped first of all
};

}  // namespace

std::unique_ptr<Hub> Hub::Create(Engine& engine, std::shared_ptr<spi::Transport> transport,
                                 HubOptions options) {
  auto hub = std::make_unique<HubService>(engine, std::move(transport), options, HubCluster{});
  (void)hub->Start();  // without a bus nothing can fail
  return hub;
}

Result<std::unique_ptr<Hub>> Hub::CreateNode(Engine& engine,
                                             std::shared_ptr<spi::Transport> transport,
                                             HubOptions options, HubCluster cluster) {
  auto hub = std::make_unique<HubService>(engine, std::move(transport), options,
                                          std::move(cluster));
  EV_RETURN_IF_ERROR(hub->Start());
  return std::unique_ptr<Hub>(std::move(hub));
}

}  // namespace eventify
