// Two hubs as two nodes (HubCluster): each on its own engine over one database, sharing a bus and
// a presence directory — the in-process ones, or Redis when the suite runs under
// tests/support/with-redis.sh (EVENTIFY_TEST_REDIS_PORT set). Messages, read marks, delivered
// receipts, typing, new_event and presence sent through one node reach connections of the other;
// lost notes (a gap in a node's numbering, a Redis restart) make the hub ask its clients to
// recover. The bus is asynchronous: Settle waits until every note published has been delivered
// to both nodes and handled (counted by a wrapper around each bus), never on a timer.
#define BOOST_TEST_MODULE hub_cluster
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "chat/gate.h"
#include "chat/hub_fixture.h"
#include "eventify/backends/redis_bus.h"
#include "hub/cluster_codec.h"

namespace eventify::testing {
namespace {

using R = RecordingTransport;
using Types = std::vector<std::string>;
constexpr std::string_view kProbe = "probe";

bool OnRedis() { return std::getenv("EVENTIFY_TEST_REDIS_PORT") != nullptr; }

spi::RedisBusOptions RedisOptions(const std::string& prefix) {
  return {.host = "127.0.0.1",
          .port = std::atoi(std::getenv("EVENTIFY_TEST_REDIS_PORT")),
          .key_prefix = prefix,
          .timeout = std::chrono::milliseconds(2000),
          .reconnect_min = std::chrono::milliseconds(20),
          .reconnect_max = std::chrono::milliseconds(200)};
}

// A bus that counts the hub's notes it published and delivered (probes aside), so that a test
// knows when the other node has them.
class CountingBus final : public spi::Bus, private spi::BusListener {
 public:
  explicit CountingBus(std::shared_ptr<spi::Bus> inner, std::string name)
      : inner_(std::move(inner)), name_(std::move(name)) {}
  Status Start(spi::BusListener& listener) override {
    listener_ = &listener;
    return inner_->Start(*this);
  }
  void Stop() override { inner_->Stop(); }
  Status Publish(std::string_view topic, std::string_view payload) override {
    if (silent) return Status::Ok();  // a dead node's: never leaves it
    ++published;
    return inner_->Publish(topic, payload);
  }
  Status Subscribe(std::string_view topic) override { return inner_->Subscribe(topic); }
  Status Unsubscribe(std::string_view topic) override { return inner_->Unsubscribe(topic); }
  // Publishes a probe that the hubs ignore; true once a probe of another bus arrived here.
  bool Probe() {
    (void)inner_->Publish(hub::kClusterTopic, std::string(kProbe) + name_);
    return saw_other_probe;
  }

  std::atomic<int> published{0};
  std::atomic<int> delivered{0};
  std::atomic<int> links_restored{0};
  std::atomic<bool> saw_other_probe{false};
  std::atomic<bool> silent{false};  // set: publishes nothing (the node died)

  // Hold keeps the notes for this node on the bus's thread until Release: a node slow to hear.
  void Hold() { gate_.Hold(); }
  void Release() { gate_.Release(); }

 private:
  void OnMessage(std::string_view topic, std::string_view payload) override {
    if (payload.starts_with(kProbe)) {
      if (payload.substr(kProbe.size()) != name_) saw_other_probe = true;
      return;
    }
    gate_.Pass();
    listener_->OnMessage(topic, payload);
    ++delivered;
  }
  void OnLinkLost() override { listener_->OnLinkLost(); }
  void OnLinkRestored() override {
    listener_->OnLinkRestored();
    ++links_restored;
  }

  std::shared_ptr<spi::Bus> inner_;
  std::string name_;
  spi::BusListener* listener_ = nullptr;
  Gate gate_;
};

// A directory that can play a node dying without a word: once `dead`, it writes nothing and
// renews no lease (its numbers stay until the lease runs out); it still counts.
class DyingDirectory final : public spi::PresenceDirectory {
 public:
  explicit DyingDirectory(std::shared_ptr<spi::PresenceDirectory> inner)
      : inner_(std::move(inner)) {}
  std::string_view node_id() const override { return inner_->node_id(); }
  Status SetConnections(std::span<const spi::UserConnections> counts) override {
    return dead ? Status::Ok() : inner_->SetConnections(counts);
  }
  Result<std::vector<int>> CountConnections(std::span<const std::string> user_ids) override {
    return inner_->CountConnections(user_ids);
  }
  Status Renew() override { return dead ? Status::Ok() : inner_->Renew(); }
  Status Leave() override { return dead ? Status::Ok() : inner_->Leave(); }

  std::atomic<bool> dead{false};

 private:
  std::shared_ptr<spi::PresenceDirectory> inner_;
};

struct ClusterFixture : HubFixture {
  ClusterFixture() {
    BookedEvent({ann});
    direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
    hub.reset();  // the fixture's single-node hub: both nodes below are clustered
    static std::atomic<int> installation{0};
    const std::string prefix = "cluster" + std::to_string(++installation) + ":";
    auto broker = spi::MakeInProcessBroker(clock);
    auto make = [&](const std::string& node) {
      std::shared_ptr<spi::Bus> inner;
      std::shared_ptr<spi::PresenceDirectory> directory;
      if (OnRedis()) {
        inner = ValueOrFail(spi::MakeRedisBus(RedisOptions(prefix)));
        directory = ValueOrFail(spi::MakeRedisPresenceDirectory(RedisOptions(prefix), node));
      } else {
        inner = spi::MakeInProcessBus(broker);
        directory = ValueOrFail(spi::MakeInProcessPresenceDirectory(broker, node));
      }
      auto counting = std::make_shared<CountingBus>(std::move(inner), node);
      auto dying = std::make_shared<DyingDirectory>(std::move(directory));
      // Renewing (and counting again) on every Tick: the tests decide when.
      return std::make_tuple(counting, dying,
                             HubCluster{counting, dying, node, std::chrono::milliseconds(0)});
    };
    auto [bus1, directory1, cluster1] = make("node-1");
    auto [bus2, directory2, cluster2] = make("node-2");
    counting1 = bus1;
    counting2 = bus2;
    dying2 = directory2;
    hub = ValueOrFail(Hub::CreateNode(*engine, recording, options, cluster1));
    engine2 = OpenEngine(storage);
    hub2 = ValueOrFail(Hub::CreateNode(*engine2, recording2, options, cluster2));
    WaitUntilLinked();
  }

  // Redis confirms subscriptions asynchronously, and reconnects after an outage: until each
  // node hears the other.
  void WaitUntilLinked() {
    counting1->saw_other_probe = counting2->saw_other_probe = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!(counting1->Probe() & counting2->Probe())) {
      BOOST_REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // The types of `frames`, which must all be `recover` (one per outage report: a Redis restart
  // is reported once or twice, as the subscribing and the publishing connection notice it).
  static void ExpectOnlyRecover(const Types& types) {
    BOOST_TEST(!types.empty());
    for (const std::string& type : types) BOOST_TEST(type == "recover");
  }
  ~ClusterFixture() {
    hub2.reset();
    hub.reset();
    engine2.reset();
  }

  // Ann on node 1 and the organizer on node 2, both joined to the direct conversation; ann has
  // seen the organizer arrive. Returns ann's connection.
  spi::ConnectionId AnnAndOrganizerInTheRoom() {
    const spi::ConnectionId a = Connect(ann);
    Join(a, direct);
    const spi::ConnectionId o = Connect2(organizer);
    (void)Join2(o, direct);
    Settle();
    BOOST_TEST(Participants(transport.Take(a)) == Types{organizer.user_id + ":true"},
               boost::test_tools::per_element());
    return a;
  }

  // The `participant_status` frames among `frames`, as "user_id:is_online"; the rest dropped.
  static Types Participants(const std::vector<std::string>& frames) {
    Types out;
    for (const std::string& frame : frames) {
      if (R::Member(frame, "type") != "participant_status") continue;
      out.push_back(R::Member(frame, "user_id") + ":" + R::Member(frame, "is_online"));
    }
    return out;
  }

  // Until every note published so far has reached both nodes and both hubs handled it.
  void Settle() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      hub->Flush();
      hub2->Flush();
      const int published = counting1->published + counting2->published;
      if (counting1->delivered + counting2->delivered == 2 * published) {
        hub->Flush();
        hub2->Flush();
        if (counting1->published + counting2->published == published) return;
        continue;
      }
      BOOST_REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "notes never arrived");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  // A connection to node 2 (its frames taken; `ready` checked).
  spi::ConnectionId Connect2(const Principal& who) {
    const spi::ConnectionId id = next_connection++;
    hub2->OnOpened(id, Token(who));
    hub2->Flush();
    const std::vector<std::string> first = transport2.Take(id);
    BOOST_REQUIRE(!first.empty());
    BOOST_REQUIRE_EQUAL(R::Member(first.front(), "type"), "ready");
    return id;
  }
  void Frame2(spi::ConnectionId id, const std::string& json) {
    hub2->OnFrame(id, json);
    hub2->Flush();
  }
  // Joins on node 2; returns the frames after `joined` (node 1's answer to node 2's question may
  // already be among them, or may come later).
  std::vector<std::string> Join2(spi::ConnectionId id, const Conversation& conversation) {
    Frame2(id, R"({"type":"join","conversation_id":")" + conversation.id + R"("})");
    std::vector<std::string> frames = transport2.Take(id);
    BOOST_REQUIRE(!frames.empty());
    BOOST_REQUIRE_EQUAL(R::Member(frames.front(), "type"), "joined");
    frames.erase(frames.begin());
    return frames;
  }
  // `first`, then what node 2's transport holds for `id` now.
  std::vector<std::string> AndThen2(std::vector<std::string> first, spi::ConnectionId id) {
    for (std::string& frame : transport2.Take(id)) first.push_back(std::move(frame));
    return first;
  }

  Conversation direct;
  std::shared_ptr<CountingBus> counting1, counting2;
  std::shared_ptr<DyingDirectory> dying2;
  std::unique_ptr<Engine> engine2;
  std::shared_ptr<RecordingTransport> recording2 = std::make_shared<RecordingTransport>();
  RecordingTransport& transport2 = *recording2;
  std::unique_ptr<Hub> hub2;
};

BOOST_FIXTURE_TEST_SUITE(hub_cluster, ClusterFixture)

BOOST_AUTO_TEST_CASE(a_message_sent_through_one_node_reaches_the_other) {
  const spi::ConnectionId a = Connect(ann);
  Join(a, direct);
  const spi::ConnectionId o = Connect2(organizer);
  (void)Join2(o, direct);
  Settle();
  transport.Take(a);
  transport2.Take(o);

  Frame(a, MessageJson(direct, "hello across", "k1"));
  Settle();
  const std::vector<std::string> mine = transport.Take(a);
  BOOST_REQUIRE_EQUAL(mine.size(), 1u);
  BOOST_TEST(R::Member(mine[0], "type") == "sent");
  const std::vector<std::string> theirs = transport2.Take(o);
  BOOST_REQUIRE_EQUAL(theirs.size(), 2u);  // joined: the message once, as `message`
  BOOST_TEST(R::Member(theirs[0], "type") == "message");
  BOOST_TEST(R::MessageMember(theirs[0], "text") == "hello across");
  BOOST_TEST(R::MessageMember(theirs[0], "seq") == "1");
  BOOST_TEST(R::Member(theirs[1], "type") == "unread_count");
  BOOST_TEST(R::Member(theirs[1], "total") == "1");
}

BOOST_AUTO_TEST_CASE(a_message_sent_over_http_on_node_two_reaches_node_one) {
  const spi::ConnectionId a = Connect(ann);
  Settle();
  transport.Take(a);
  // Engine 2's chat with no connection of its sender: what the HTTP route of node 2 does.
  ValueOrFail(engine2->chat().Send(organizer, direct.id, Text("from http", "h1")));
  Settle();
  const std::vector<std::string> frames = transport.Take(a);
  BOOST_REQUIRE_EQUAL(frames.size(), 2u);
  BOOST_TEST(R::Member(frames[0], "type") == "new_message");
  BOOST_TEST(R::MessageMember(frames[0], "text") == "from http");
  BOOST_TEST(R::Member(frames[0], "unread") == "1");
  BOOST_TEST(R::Member(frames[1], "type") == "unread_count");
}

BOOST_AUTO_TEST_CASE(receipts_and_typing_cross_nodes) {
  const spi::ConnectionId a = Connect(ann);
  Join(a, direct);
  const spi::ConnectionId o = Connect2(organizer);
  std::vector<std::string> early = Join2(o, direct);
  Settle();  // both nodes have heard both connections
  transport.Take(a);
  // Node 1's answer to node 2's question: ann is on the room channel there.
  BOOST_TEST(Participants(AndThen2(std::move(early), o)) == Types{ann.user_id + ":true"},
             boost::test_tools::per_element());
  Frame(a, MessageJson(direct, "read me", "k1"));
  Settle();
  const std::vector<std::string> theirs = transport2.Take(o);
  BOOST_REQUIRE(!theirs.empty());
  BOOST_REQUIRE_EQUAL(R::Member(theirs[0], "type"), "message");
  const std::string message_id = R::MessageMember(theirs[0], "id");
  transport.Take(a);

  Frame2(o, R"({"type":"delivered","conversation_id":")" + direct.id + R"(","message_id":")" +
                message_id + R"("})");
  Settle();
  BOOST_TEST(transport2.TakeTypes(o).empty());  // an `error` here: the acknowledgement was refused
  BOOST_TEST(transport.TakeTypes(a) == Types{"message_delivered"}, boost::test_tools::per_element());

  Frame2(o, R"({"type":"read","conversation_id":")" + direct.id + R"(","message_id":")" +
                message_id + R"("})");
  Settle();
  const std::vector<std::string> read = transport.Take(a);
  BOOST_REQUIRE_EQUAL(read.size(), 1u);
  BOOST_TEST(R::Member(read[0], "type") == "message_read");
  BOOST_TEST(R::Member(read[0], "user_id") == organizer.user_id);
  BOOST_TEST(R::Member(read[0], "read_seq") == "1");

  Frame2(o, R"({"type":"typing","conversation_id":")" + direct.id + R"(","is_typing":true})");
  Settle();
  const std::vector<std::string> typing = transport.Take(a);
  BOOST_REQUIRE_EQUAL(typing.size(), 1u);
  BOOST_TEST(R::Member(typing[0], "type") == "typing");
  BOOST_TEST(R::Member(typing[0], "user_id") == organizer.user_id);
}

// Node 2 hears ann's "online" note only after the organizer connected there and learned it from
// the directory's counts: the late note tells nobody twice (once it did, and a test took that
// frame for the message), and ann's going offline still reaches the organizer.
BOOST_AUTO_TEST_CASE(a_contact_seen_online_through_the_directory_is_told_once_each_way) {
  counting2->Hold();
  const spi::ConnectionId a = Connect(ann);
  const spi::ConnectionId o = next_connection++;
  hub2->OnOpened(o, Token(organizer));
  hub2->Flush();
  const Types told = transport2.TakeTypes(o);
  BOOST_TEST(told == (Types{"ready", "user_status_update"}), boost::test_tools::per_element());
  counting2->Release();
  Settle();
  BOOST_TEST(transport2.Take(o).empty());
  transport.Take(a);

  Disconnect(a);
  Settle();
  const std::vector<std::string> gone = transport2.Take(o);
  BOOST_REQUIRE_EQUAL(gone.size(), 1u);
  BOOST_TEST(R::Member(gone[0], "type") == "user_status_update");
  BOOST_TEST(R::Member(gone[0], "user_id") == ann.user_id);
  BOOST_TEST(R::Member(gone[0], "is_online") == "false");
}

BOOST_AUTO_TEST_CASE(presence_is_counted_over_both_nodes) {
  const spi::ConnectionId a = Connect(ann);
  Settle();
  transport.Take(a);
  // The organizer comes online on node 2: ann (node 1) learns it; the organizer's connection
  // learns ann is online from the directory's counts.
  const spi::ConnectionId o2 = next_connection++;
  hub2->OnOpened(o2, Token(organizer));
  Settle();
  Types on2 = transport2.TakeTypes(o2);
  BOOST_TEST(on2 == (Types{"ready", "user_status_update"}), boost::test_tools::per_element());
  std::vector<std::string> seen = transport.Take(a);
  BOOST_REQUIRE_EQUAL(seen.size(), 1u);
  BOOST_TEST(R::Member(seen[0], "user_id") == organizer.user_id);
  BOOST_TEST(R::Member(seen[0], "is_online") == "true");

  // A second connection of the organizer, on node 1: nobody is told anything new.
  const spi::ConnectionId o1 = Connect(organizer);
  Settle();
  BOOST_TEST(transport.Take(a).empty());
  // Node 2's connection closes: the organizer is still online through node 1.
  hub2->OnClosed(o2);
  Settle();
  BOOST_TEST(transport.Take(a).empty());
  // The last one closes: offline, told once.
  Disconnect(o1);
  Settle();
  seen = transport.Take(a);
  BOOST_REQUIRE_EQUAL(seen.size(), 1u);
  BOOST_TEST(R::Member(seen[0], "type") == "user_status_update");
  BOOST_TEST(R::Member(seen[0], "is_online") == "false");
}

// Node 2 dies without a word (nothing published, its lease no longer renewed): once the lease
// has run out, node 1 counts again and tells its connections that node 2's user is offline, once.
BOOST_AUTO_TEST_CASE(the_users_of_a_node_that_died_go_offline_when_its_lease_runs_out) {
  if (OnRedis()) {
    // Leases run on the manual clock in process; e2e_cluster kills a real node on Redis.
    BOOST_TEST_MESSAGE("in-process directory only");
    return;
  }
  const spi::ConnectionId a = Connect(ann);
  Settle();
  transport.Take(a);
  Connect2(organizer);
  Settle();
  std::vector<std::string> seen = transport.Take(a);
  BOOST_REQUIRE_EQUAL(seen.size(), 1u);
  BOOST_TEST(R::Member(seen[0], "is_online") == "true");

  counting2->silent = true;
  dying2->dead = true;
  Tick();  // the lease still runs: the organizer is online
  BOOST_TEST(transport.Take(a).empty());
  clock->Advance(std::chrono::seconds(16));  // past the lease (15 s)
  Tick();
  seen = transport.Take(a);
  BOOST_REQUIRE_EQUAL(seen.size(), 1u);
  BOOST_TEST(R::Member(seen[0], "type") == "user_status_update");
  BOOST_TEST(R::Member(seen[0], "user_id") == organizer.user_id);
  BOOST_TEST(R::Member(seen[0], "is_online") == "false");
  Tick();
  BOOST_TEST(transport.Take(a).empty());  // told once
}

// participant_status over both nodes: a room channel's connections on one node see the users
// joined on the other (those there before them from the answer to their node's question, those
// after from the delta), and a user is present while a connection of theirs is joined anywhere.
BOOST_AUTO_TEST_CASE(participant_status_counts_the_room_channels_of_both_nodes) {
  const spi::ConnectionId a = Connect(ann);
  Join(a, direct);
  const spi::ConnectionId o2 = Connect2(organizer);
  std::vector<std::string> early = Join2(o2, direct);
  Settle();
  BOOST_TEST(Participants(transport.Take(a)) == Types{organizer.user_id + ":true"},
             boost::test_tools::per_element());
  BOOST_TEST(Participants(AndThen2(std::move(early), o2)) == Types{ann.user_id + ":true"},
             boost::test_tools::per_element());

  // The organizer's second connection, on node 1: learns ann is there; nobody learns anything.
  const spi::ConnectionId o1 = Connect(organizer);
  transport.Take(o1);
  Frame(o1, R"({"type":"join","conversation_id":")" + direct.id + R"("})");
  BOOST_TEST(Participants(transport.Take(o1)) == Types{ann.user_id + ":true"},
             boost::test_tools::per_element());
  Settle();
  BOOST_TEST(Participants(transport.Take(a)).empty());
  BOOST_TEST(Participants(transport2.Take(o2)).empty());

  // The connection on node 2 leaves: still present through node 1.
  Frame2(o2, R"({"type":"leave","conversation_id":")" + direct.id + R"("})");
  Settle();
  BOOST_TEST(Participants(transport.Take(a)).empty());
  // The one on node 1 leaves too: gone.
  Frame(o1, R"({"type":"leave","conversation_id":")" + direct.id + R"("})");
  Settle();
  BOOST_TEST(Participants(transport.Take(a)) == Types{organizer.user_id + ":false"},
             boost::test_tools::per_element());

  // Back on node 2, then ann's connection closes: node 2 learns she left.
  transport2.Take(o2);
  early = Join2(o2, direct);
  Settle();
  BOOST_TEST(Participants(transport.Take(a)) == Types{organizer.user_id + ":true"},
             boost::test_tools::per_element());
  // Node 2's first connection there again: ann comes in node 1's answer, after `joined`.
  BOOST_TEST(Participants(AndThen2(std::move(early), o2)) == Types{ann.user_id + ":true"},
             boost::test_tools::per_element());
  Disconnect(a);
  Settle();
  BOOST_TEST(Participants(transport2.Take(o2)) == Types{ann.user_id + ":false"},
             boost::test_tools::per_element());
}

// Node 2 keeps sending heartbeats: present past node_timeout. Then it falls silent (its notes
// never leave it): once node_timeout (15 s) has passed without a word, node 1 takes it as gone
// and its user leaves the room, once; when node 2 is heard again, node 1 asks again and the user
// is back. Time moves in steps of 5 s with both nodes ticking, as their timers would.
BOOST_AUTO_TEST_CASE(a_silent_nodes_participants_leave_the_room_and_come_back_with_it) {
  if (OnRedis()) {
    BOOST_TEST_MESSAGE("the manual clock runs the silence in process");
    return;
  }
  const spi::ConnectionId a = AnnAndOrganizerInTheRoom();
  auto step = [&] {
    clock->Advance(std::chrono::seconds(5));
    hub2->Tick();
    Settle();
    Tick();
    Settle();
    return Participants(transport.Take(a));
  };
  for (int i = 0; i < 4; ++i) BOOST_TEST(step().empty());  // 20 s, heard every 5 s

  counting2->silent = true;
  BOOST_TEST(step().empty());  // 5 s without a word
  BOOST_TEST(step().empty());  // 10 s
  BOOST_TEST(step() == Types{organizer.user_id + ":false"}, boost::test_tools::per_element());
  BOOST_TEST(step().empty());  // told once

  counting2->silent = false;
  hub2->Tick();  // its heartbeat: heard again
  Settle();
  BOOST_TEST(Participants(transport.Take(a)) == Types{organizer.user_id + ":true"},
             boost::test_tools::per_element());
}

// Node 2's question and its join note are lost: when node 1 sees the gap in node 2's numbering,
// it asks again and publishes its own list, so each side learns the other's user.
BOOST_AUTO_TEST_CASE(a_lost_question_is_answered_after_the_gap) {
  const spi::ConnectionId a = Connect(ann);
  Join(a, direct);
  hub2->Tick();  // node 1 hears node 2's numbering start
  Settle();
  transport.Take(a);
  counting2->silent = true;
  const spi::ConnectionId o = Connect2(organizer);
  std::vector<std::string> early = Join2(o, direct);
  Settle();
  BOOST_TEST(Participants(transport.Take(a)).empty());
  counting2->silent = false;
  hub2->Tick();  // its heartbeat, after the lost notes
  Settle();
  const std::vector<std::string> mine = transport.Take(a);
  BOOST_TEST(Participants(mine) == Types{organizer.user_id + ":true"},
             boost::test_tools::per_element());
  BOOST_TEST(Participants(AndThen2(std::move(early), o)) == Types{ann.user_id + ":true"},
             boost::test_tools::per_element());
}

// A node that stops in order says so: its users leave the rooms on the others at once.
BOOST_AUTO_TEST_CASE(a_node_that_stops_takes_its_participants_with_it) {
  const spi::ConnectionId a = AnnAndOrganizerInTheRoom();
  hub2.reset();
  Types seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (seen.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    hub->Flush();
    seen = Participants(transport.Take(a));
  }
  BOOST_TEST(seen == Types{organizer.user_id + ":false"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_node_timeout_not_above_the_renew_interval_is_refused) {
  HubCluster cluster{.bus = spi::MakeInProcessBus(spi::MakeInProcessBroker(clock)),
                     .node_id = "node-x",
                     .renew_interval = std::chrono::milliseconds(5000),
                     .node_timeout = std::chrono::milliseconds(5000)};
  Result<std::unique_ptr<Hub>> made =
      Hub::CreateNode(*engine, std::make_shared<RecordingTransport>(), options, cluster);
  BOOST_REQUIRE(!made.ok());
  BOOST_TEST(made.status().code() == StatusCode::kInvalidArgument);
  BOOST_TEST(made.status().reason() == "invalid_node_timeout");
  BOOST_TEST(made.status().field() == "node_timeout");
}

// A node that starts again under the same id (its numbering begins anew) holds nothing of its
// previous life: the users it had on a room channel leave it.
BOOST_AUTO_TEST_CASE(a_restarted_nodes_previous_participants_leave_the_room) {
  const spi::ConnectionId a = Connect(ann);
  Join(a, direct);
  Settle();
  transport.Take(a);
  // A third node: bob on the room channel (nodes trust each other's notes), then its new life.
  hub::ClusterEvent note;
  note.kind = hub::ClusterKind::kParticipant;
  note.origin = "node-3";
  note.seq = 1;
  note.conversation_id = direct.id;
  note.user_id = bob.user_id;
  note.flag = true;
  (void)counting1->Publish(hub::kClusterTopic, hub::EncodeClusterEvent(note));
  Settle();
  BOOST_TEST(Participants(transport.Take(a)) == Types{bob.user_id + ":true"},
             boost::test_tools::per_element());
  hub::ClusterEvent beat;
  beat.kind = hub::ClusterKind::kHeartbeat;
  beat.origin = "node-3";
  beat.seq = 1;
  (void)counting1->Publish(hub::kClusterTopic, hub::EncodeClusterEvent(beat));
  Settle();
  BOOST_TEST(Participants(transport.Take(a)) == Types{bob.user_id + ":false"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_new_notes_survive_their_encoding_and_bad_ones_are_refused) {
  hub::ClusterEvent roster;
  roster.kind = hub::ClusterKind::kRoster;
  roster.origin = "node-9";
  roster.seq = 7;
  roster.conversation_id = "c1";
  roster.users = {"u1", "u2"};
  const hub::ClusterEvent back =
      ValueOrFail(hub::DecodeClusterEvent(hub::EncodeClusterEvent(roster)));
  BOOST_TEST(back.conversation_id == "c1");
  BOOST_TEST(back.users == (std::vector<std::string>{"u1", "u2"}),
             boost::test_tools::per_element());
  roster.users.clear();  // an empty list is an answer too: nobody there
  BOOST_TEST(ValueOrFail(hub::DecodeClusterEvent(hub::EncodeClusterEvent(roster))).users.empty());

  hub::ClusterEvent query;
  query.kind = hub::ClusterKind::kRosterQuery;
  query.origin = "node-9";
  query.seq = 8;
  query.conversation_id = "c1";
  BOOST_TEST((ValueOrFail(hub::DecodeClusterEvent(hub::EncodeClusterEvent(query))).kind ==
              hub::ClusterKind::kRosterQuery));
  hub::ClusterEvent joined = query;
  joined.kind = hub::ClusterKind::kParticipant;
  joined.user_id = "u1";
  joined.flag = true;
  const hub::ClusterEvent j =
      ValueOrFail(hub::DecodeClusterEvent(hub::EncodeClusterEvent(joined)));
  BOOST_TEST(j.user_id == "u1");
  BOOST_TEST(j.flag);

  for (const char* bad : {"ev1\nn\n1\nq", "ev1\nn\n1\nq\nc1\nu1", "ev1\nn\n1\na\nc1\n",
                          "ev1\nn\n1\nj\nc1\nu1\n2", "ev1\nn\n1\nh\nx",
                          "ev1\nn\n1\ng\nx"}) {
    Result<hub::ClusterEvent> refused = hub::DecodeClusterEvent(bad);
    BOOST_REQUIRE(!refused.ok());
    BOOST_TEST(refused.status().reason() == "invalid_cluster_payload");
  }
}

BOOST_AUTO_TEST_CASE(new_event_reaches_connections_of_every_node) {
  const spi::ConnectionId b = Connect2(bob);
  Settle();
  transport2.Take(b);
  const Event event = FreeEvent(10);
  hub->AnnounceEvent(event);
  Settle();
  const std::vector<std::string> frames = transport2.Take(b);
  BOOST_REQUIRE_EQUAL(frames.size(), 1u);
  BOOST_TEST(R::Member(frames[0], "type") == "new_event");
  BOOST_TEST(R::Member(frames[0], "event_id") == event.id);
}

BOOST_AUTO_TEST_CASE(a_gap_in_a_nodes_numbering_asks_clients_to_recover) {
  const spi::ConnectionId a = Connect(ann);
  Settle();
  transport.Take(a);
  if (OnRedis()) return;  // the in-process run covers the numbering, the Redis run the outage
  // A third node whose second note was lost: the hubs cannot know what it said.
  hub::ClusterEvent note;
  note.kind = hub::ClusterKind::kTyping;
  note.origin = "node-3";
  note.conversation_id = direct.id;
  note.user_id = organizer.user_id;
  note.flag = true;
  note.seq = 1;
  // Published as if by a third bus: straight into node 1's listener through its counting bus.
  (void)counting1->Publish(hub::kClusterTopic, hub::EncodeClusterEvent(note));
  note.seq = 3;
  (void)counting1->Publish(hub::kClusterTopic, hub::EncodeClusterEvent(note));
  Settle();
  Types types = transport.TakeTypes(a);
  BOOST_TEST(types == Types{"recover"}, boost::test_tools::per_element());
}

// Ann's "online" note never reaches node 2: when node 2 sees the gap, its connections recover
// and their contacts' presence is counted again, so the organizer learns ann is online, and
// later that she went offline.
BOOST_AUTO_TEST_CASE(a_lost_presence_note_is_counted_again_after_the_gap) {
  if (OnRedis()) return;  // the Redis run covers the outage
  const spi::ConnectionId o = Connect2(organizer);
  hub->AnnounceEvent(FreeEvent(10));  // node 2 hears node 1's numbering start
  Settle();
  BOOST_TEST(transport2.TakeTypes(o) == Types{"new_event"}, boost::test_tools::per_element());
  counting1->silent = true;  // node 1's next note never leaves it
  const spi::ConnectionId a = Connect(ann);
  Settle();
  BOOST_TEST(transport2.Take(o).empty());
  counting1->silent = false;
  Join(a, direct);
  Frame(a, R"({"type":"typing","conversation_id":")" + direct.id + R"(","is_typing":true})");
  Settle();
  const std::vector<std::string> after_gap = transport2.Take(o);
  BOOST_REQUIRE_EQUAL(after_gap.size(), 2u);
  BOOST_TEST(R::Member(after_gap[0], "type") == "recover");
  BOOST_TEST(R::Member(after_gap[1], "type") == "user_status_update");
  BOOST_TEST(R::Member(after_gap[1], "user_id") == ann.user_id);
  BOOST_TEST(R::Member(after_gap[1], "is_online") == "true");

  Disconnect(a);
  Settle();
  const std::vector<std::string> gone = transport2.Take(o);
  BOOST_REQUIRE_EQUAL(gone.size(), 1u);
  BOOST_TEST(R::Member(gone[0], "is_online") == "false");
}

BOOST_AUTO_TEST_CASE(a_redis_restart_asks_clients_to_recover_and_delivery_resumes) {
  if (!OnRedis()) return;  // an in-process bus has no outage to show
  const spi::ConnectionId a = Connect(ann);
  const spi::ConnectionId o = Connect2(organizer);
  Settle();
  transport.Take(a);
  transport2.Take(o);
  const int restored1 = counting1->links_restored, restored2 = counting2->links_restored;
  const char* script = std::getenv("EVENTIFY_TEST_REDIS_RESTART");
  BOOST_REQUIRE(script != nullptr);
  BOOST_REQUIRE_EQUAL(std::system((std::string(script) + " restart").c_str()), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (counting1->links_restored == restored1 || counting2->links_restored == restored2) {
    BOOST_REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  WaitUntilLinked();
  hub->Flush();
  hub2->Flush();
  ExpectOnlyRecover(transport.TakeTypes(a));
  ExpectOnlyRecover(transport2.TakeTypes(o));
  // Notes published before the restart are gone; counting starts over from here.
  counting1->published = counting1->delivered = 0;
  counting2->published = counting2->delivered = 0;
  ValueOrFail(engine2->chat().Send(organizer, direct.id, Text("after the restart", "r1")));
  Settle();
  const std::vector<std::string> frames = transport.Take(a);
  BOOST_REQUIRE_EQUAL(frames.size(), 2u);
  BOOST_TEST(R::MessageMember(frames[0], "text") == "after the restart");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
