// Hub: the real-time side of chat (eventify/chat.h). It tracks sessions (a connection's user, its
// subscriptions) and routes events to connections through an integrator's spi::Transport; the
// transport reports connections and inbound frames through spi::HubInbound, which the Hub
// implements. docs/protocol.md lists every frame, the handshake order, errors and close reasons.
//
// Channels, as in the original's two sockets:
//   - a notification channel per user, which every open connection of the user receives:
//     `new_message` (with the conversation's unread count for that user; not on a connection
//     that joined the conversation, which has the message as `message`), `unread_count` (the
//     user's total), `message_read`, `message_delivered`, `user_status_update`, `new_event`;
//   - a room channel per conversation, which the connections that joined it receive: `message`,
//     `typing`, `participant_status`. A connection joins a conversation only when its user is a
//     member (the chat rules: a participant of a direct conversation, a room's organizer or the
//     holder of a confirmed booking); otherwise it gets an `error` frame with the chat's code
//     (not_a_member, conversation_not_found).
// Identity comes only from the access token verified when the connection opened; a `user_id` in
// a frame is ignored.
//
// Recovery: the durable frames of the notification channel (`new_message`, `message_read`) carry
// their stream position `pos` (Chat::StreamAfter), and `ready` the stream's newest position; a
// room channel's `message` carries its message's, inside the message object (`message.pos`). A
// client that reconnects sends `resume` with the last position it saw and gets what it missed as
// the same frames, oldest first, then `caught_up`; or `resync_required` when it missed more than
// HubOptions::replay_limit. Typing and presence are ephemeral: no position, never replayed.
//
// Messages are written through Chat::Send (durable before anything is routed); `message` and
// `new_message` go out only after the commit. Read marks through Chat::MarkRead; when the read
// mark moved, the other members get `message_read`. Delivered marks come from the client's
// `delivered` acknowledgements, applied many at once (Chat::MarkDeliveredBatch); when a mark
// moved, the senders of the acknowledged messages get `message_delivered`. Typing is never
// stored: forwarded to the room channel at most once per HubOptions::typing_interval per user
// and conversation, the rest dropped; before one is forwarded the hub reads whether its user is
// still a member (a cancelled booking ends an event room's membership), and a connection whose
// user is not gets `not_a_member` and leaves the room channel.
//
// Presence: a user is online while at least one of their connections is open and alive. A
// connection from which nothing came (no frame, no keep-alive) for HubOptions::heartbeat_timeout
// is closed (spi::kCloseHeartbeatTimeout). `user_status_update` goes to the user's contacts only
// (users sharing a conversation with them, read in one query), damped: the user is announced
// offline only HubOptions::offline_grace after their last connection closed, and not at all if
// they came back within it. Last seen is kept in memory only (lost when the hub stops). A hub that
// is one node of several (HubCluster) counts presence over all nodes.
//
// Sessions: a connection's identity is checked when it opens, and its login session again every
// HubOptions::session_check_interval: one that ended meanwhile (logout, block, password change)
// closes the connection.
//
// Timers (heartbeat timeouts, offline grace, deferred unread totals, the session check) are
// measured on the engine's spi::Clock and run on the worker at each Tick: the hub ticks itself
// every HubOptions::tick_interval of real time, or never when that is zero (tests on a
// ManualClock call Tick themselves).
//
// Threads: the hub owns one worker thread that handles all inbound work in arrival order
// (storage calls included) and calls the transport; HubInbound calls, Tick and AnnounceEvent
// only queue. No transport thread ever waits on storage. Created with Hub::Create; destroying the
// hub stops its ticks, finishes the queued work, closes the open connections
// (kCloseShuttingDown) and joins the worker; destroy it before the engine. Every public member
// may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "eventify/engine.h"
#include "eventify/events.h"
#include "eventify/export.h"
#include "eventify/spi/bus.h"
#include "eventify/spi/transport.h"

namespace eventify {

struct HubOptions {
  // At most one `typing` frame is forwarded per user and conversation within this interval.
  std::chrono::milliseconds typing_interval{2000};
  // A `resume` replays at most this many missed events (1 to kMaxStreamLimit); a client that
  // missed more gets `resync_required` and reloads through the history API.
  int replay_limit = 500;
  // A connection from which nothing came for this long (on the engine's clock) is closed with
  // spi::kCloseHeartbeatTimeout. Clients ping more often (the original's clients: every 30 s).
  std::chrono::milliseconds heartbeat_timeout{60000};
  // How often (on the engine's clock, at a tick) the hub reads the login sessions of its open
  // connections, in one read-only transaction: a connection whose session ended since it opened
  // gets an `error` frame and is closed with spi::kCloseUnauthenticated: account_blocked (the
  // account is blocked), session_revoked (a logout, a password change or reset, a reused
  // refresh token) or token_expired (the login reached AccountsOptions::session_max_age). So a
  // connection ends at most this interval plus a tick after its session. Zero: never (a
  // connection keeps the identity it opened with).
  std::chrono::milliseconds session_check_interval{5000};
  // A user whose last connection closed is announced offline this long afterwards, unless a
  // connection of theirs opened meanwhile. Zero: at once.
  std::chrono::milliseconds offline_grace{10000};
  // How often (real time) the hub runs its timers by itself; zero: never (call Hub::Tick).
  std::chrono::milliseconds tick_interval{1000};
  // After new messages a user's `unread_count` goes out at most once per this interval (on the
  // engine's clock), counted when it is sent: the first at once, later ones at the next tick
  // after the interval. Counting a total reads every conversation of the user, so sending one
  // per commit to every notified user would cost more than the messages themselves. A move of
  // the user's own read mark sends it at once. Zero: after every commit.
  std::chrono::milliseconds unread_total_interval{1000};
};

// Several hubs, one per server process ("node"), on one database: what they share besides it
// (spi/bus.h; docs/bus.md, "How the hub uses them"). Each hub routes what its own engine commits
// at once, as with one node, and publishes a short note of it on the bus; the other nodes read
// what the note refers to from storage and route it to their own connections. So a message sent
// through one node reaches `message`/`new_message` on every node, read marks, delivered receipts,
// typing and `new_event` too, and presence is counted over all nodes through the directory (a
// user is online while any node holds a connection of theirs); `participant_status` counts the
// room-channel connections of every node that is heard from. The bus may lose notes (an
// outage, a full queue); a hub that may have missed some sends its connections `recover`, and
// they catch up with `resume` from their last position, which storage always answers.
struct HubCluster {
  std::shared_ptr<spi::Bus> bus;  // null: one node, nothing shared
  // Null: presence counted per node (users connected elsewhere are not seen online).
  std::shared_ptr<spi::PresenceDirectory> directory;
  // This node's name on the bus; empty: the directory's node id, or a generated one.
  std::string node_id;
  // How often the hub renews its lease in the directory (a third of the directory's lease_ttl),
  // and tells the other nodes it is alive (measured on the engine's clock).
  std::chrono::milliseconds renew_interval{5000};
  // A node heard from (any note) and then silent this long, on the engine's clock, is taken as
  // gone: its users leave the room channels here (a node that stops in order says so at once).
  // Must be longer than renew_interval; like the directory's lease_ttl, three times it is the
  // default.
  std::chrono::milliseconds node_timeout{15000};
};

class EVENTIFY_EXPORT Hub : public spi::HubInbound {
 public:
  // A hub over the engine's chat, accounts, storage and clock; `engine` must outlive it, the
  // transport is shared with it.
  static std::unique_ptr<Hub> Create(Engine& engine, std::shared_ptr<spi::Transport> transport,
                                     HubOptions options = {});
  // A hub that is one node of several (HubCluster). It clears the directory's numbers of its node
  // id (left by a previous process under that id), subscribes the bus and starts it (the bus
  // must not have been started), and on destruction stops it and leaves the directory.
  // Errors: kInvalidArgument invalid_node_timeout (HubCluster::node_timeout not longer than
  // renew_interval, field "node_timeout"); those of spi::Bus::Subscribe and Start
  // (bus_already_started, bus_stopped).
  static Result<std::unique_ptr<Hub>> CreateNode(Engine& engine,
                                                 std::shared_ptr<spi::Transport> transport,
                                                 HubOptions options, HubCluster cluster);

  // Blocks until everything queued before the call has been handled and its frames handed to
  // the transport (for tests and orderly shutdown). Never call it from Transport::Send or
  // Transport::Close: they run on the worker it would wait for.
  virtual void Flush() = 0;

  // Runs the timers against the engine's clock now: closes the connections whose heartbeat timed
  // out, announces offline the users whose grace ended. Only queues the work. The hub calls it
  // itself every HubOptions::tick_interval; call it when that is zero (tests on a manual clock).
  virtual void Tick() = 0;

  // The server's announcement of a newly approved event (Events::ApproveEvent succeeded): every
  // open connection gets `new_event` on its notification channel. Clients can never send one.
  // Only queues the work.
  virtual void AnnounceEvent(const Event& event) = 0;
};

}  // namespace eventify
