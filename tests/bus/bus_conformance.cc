// The conformance suite of spi::Bus and spi::PresenceDirectory (bus_harness.h), run on every
// implementation. Deliveries are awaited with a generous deadline; nothing asserts on timings.
// "Nothing else arrived" is shown with order per publisher: a marker published after the payload
// that must not arrive has arrived, so that payload would have too.
#include <boost/test/unit_test.hpp>

#include "bus_harness.h"

namespace eventify::testing {
namespace {

using Event = RecordingListener::Event;

struct BusFixture {
  std::unique_ptr<BusHarness> harness = MakeBusHarness();

  std::shared_ptr<spi::PresenceDirectory> Directory(const std::string& node,
                                                    std::chrono::milliseconds ttl) {
    Result<std::shared_ptr<spi::PresenceDirectory>> made = harness->MakeDirectory(node, ttl);
    BOOST_REQUIRE_MESSAGE(made.ok(), made.status().ToString());
    return *made;
  }
};

std::vector<int> Counts(spi::PresenceDirectory& directory, std::vector<std::string> users) {
  Result<std::vector<int>> counts = directory.CountConnections(users);
  BOOST_REQUIRE_MESSAGE(counts.ok(), counts.status().ToString());
  return *counts;
}

// Polls until the directory counts `expected` for the users (leases run out in real time on a
// real broker); returns the last counts.
std::vector<int> CountsBecome(spi::PresenceDirectory& directory,
                              const std::vector<std::string>& users,
                              const std::vector<int>& expected) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::vector<int> counts = Counts(directory, users);
  while (counts != expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    counts = Counts(directory, users);
  }
  return counts;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(bus_conformance, BusFixture)

BOOST_AUTO_TEST_CASE(a_payload_reaches_every_subscribed_node_the_publisher_included) {
  BusNode a(harness->MakeBus());
  BusNode b(harness->MakeBus());
  a.SubscribeAndWait(*b.bus, {"c:1"});
  b.SubscribeAndWait(*b.bus, {"c:1"});

  BOOST_TEST((b.bus->Publish("c:1", "hello").code() == StatusCode::kOk));
  BOOST_TEST((b.bus->Publish("c:1", std::string("bin\0ary", 7)).code() == StatusCode::kOk));
  BOOST_TEST(a.listener->Received("c:1", std::string("bin\0ary", 7)));
  BOOST_TEST(b.listener->Received("c:1", std::string("bin\0ary", 7)));

  const std::vector<std::string> expected{"hello", std::string("bin\0ary", 7)};
  BOOST_TEST(a.listener->Payloads("c:1") == expected);
  BOOST_TEST(b.listener->Payloads("c:1") == expected);
  BOOST_TEST(a.listener->Count(Event::kLost) == 0);
}

BOOST_AUTO_TEST_CASE(a_node_receives_only_the_topics_it_subscribes) {
  BusNode a(harness->MakeBus());
  BusNode b(harness->MakeBus());
  BusNode publisher(harness->MakeBus());
  a.SubscribeAndWait(*publisher.bus, {"c:1"});
  b.SubscribeAndWait(*publisher.bus, {"c:2"});

  BOOST_REQUIRE(publisher.bus->Publish("c:3", "nobody").ok());
  BOOST_REQUIRE(publisher.bus->Publish("c:2", "for b").ok());
  BOOST_REQUIRE(publisher.bus->Publish("c:1", "for a").ok());
  BOOST_REQUIRE(publisher.bus->Publish("c:2", "end").ok());
  BOOST_REQUIRE(publisher.bus->Publish("c:1", "end").ok());
  BOOST_TEST(a.listener->Received("c:1", "end"));
  BOOST_TEST(b.listener->Received("c:2", "end"));

  BOOST_TEST(a.listener->Payloads("c:1") == (std::vector<std::string>{"for a", "end"}));
  BOOST_TEST(a.listener->Payloads("c:2").empty());
  BOOST_TEST(a.listener->Payloads("c:3").empty());
  BOOST_TEST(b.listener->Payloads("c:2") == (std::vector<std::string>{"for b", "end"}));
  BOOST_TEST(b.listener->Payloads("c:1").empty());
  BOOST_TEST(publisher.listener->Events().empty());
}

BOOST_AUTO_TEST_CASE(payloads_of_one_publisher_arrive_in_order_across_topics) {
  BusNode a(harness->MakeBus());
  BusNode b(harness->MakeBus());
  a.SubscribeAndWait(*b.bus, {"c:odd", "c:even"});

  constexpr int kCount = 5000;
  for (int i = 0; i < kCount; ++i) {
    BOOST_REQUIRE(b.bus->Publish(i % 2 ? "c:odd" : "c:even", std::to_string(i)).ok());
  }
  BOOST_TEST(a.listener->Received("c:odd", std::to_string(kCount - 1)));

  std::vector<std::string> got;
  for (const Event& event : a.listener->Events()) {
    if (event.kind == Event::kMessage && !event.payload.starts_with("probe:")) {
      BOOST_TEST(event.topic == (std::stoi(event.payload) % 2 ? "c:odd" : "c:even"));
      got.push_back(event.payload);
    }
  }
  std::vector<std::string> expected;
  for (int i = 0; i < kCount; ++i) expected.push_back(std::to_string(i));
  BOOST_TEST(got == expected);
  BOOST_TEST(a.listener->Count(Event::kLost) == 0);
}

BOOST_AUTO_TEST_CASE(after_unsubscribe_a_topic_stops_arriving) {
  BusNode a(harness->MakeBus());
  BusNode b(harness->MakeBus());
  a.SubscribeAndWait(*b.bus, {"c:1", "c:fence"});
  BOOST_REQUIRE(b.bus->Publish("c:1", "before").ok());
  BOOST_TEST(a.listener->Received("c:1", "before"));

  BOOST_TEST((a.bus->Unsubscribe("c:1").code() == StatusCode::kOk));
  BOOST_TEST((a.bus->Unsubscribe("c:never").code() == StatusCode::kOk));
  // Rounds of a payload and a fence until a round's payload no longer arrives: the unsubscribe is
  // in force (a few payloads on their way may still arrive, spi/bus.h guarantee 4).
  bool settled = false;
  for (int round = 0; round < 1000 && !settled; ++round) {
    const std::size_t before = a.listener->Payloads("c:1").size();
    BOOST_REQUIRE(b.bus->Publish("c:1", "late " + std::to_string(round)).ok());
    BOOST_REQUIRE(b.bus->Publish("c:fence", "fence " + std::to_string(round)).ok());
    BOOST_REQUIRE(a.listener->Received("c:fence", "fence " + std::to_string(round)));
    settled = a.listener->Payloads("c:1").size() == before;
  }
  BOOST_REQUIRE(settled);
  const std::size_t settled_count = a.listener->Payloads("c:1").size();
  BOOST_REQUIRE(b.bus->Publish("c:1", "after").ok());
  BOOST_REQUIRE(b.bus->Publish("c:fence", "end").ok());
  BOOST_TEST(a.listener->Received("c:fence", "end"));
  BOOST_TEST(a.listener->Payloads("c:1").size() == settled_count);

  BOOST_TEST((a.bus->Subscribe("c:1").code() == StatusCode::kOk));  // and back again
  BOOST_TEST(WaitSubscribed(*b.bus, *a.listener, "c:1"));
}

BOOST_AUTO_TEST_CASE(bad_arguments_and_states_get_their_codes) {
  std::shared_ptr<spi::Bus> bus = harness->MakeBus();
  RecordingListener listener;
  const std::string long_topic(spi::kMaxTopicSize + 1, 't');
  const std::string big_payload(spi::kMaxPayloadSize + 1, 'p');

  Status empty = bus->Publish("", "x");
  BOOST_TEST((empty.code() == StatusCode::kInvalidArgument));
  BOOST_TEST(empty.reason() == "invalid_topic");
  BOOST_TEST(empty.field() == "topic");
  BOOST_TEST(bus->Subscribe(long_topic).reason() == "invalid_topic");
  BOOST_TEST(bus->Unsubscribe("").reason() == "invalid_topic");
  BOOST_TEST((bus->Publish(std::string(spi::kMaxTopicSize, 't'), "x").code() == StatusCode::kOk));
  Status big = bus->Publish("c:1", big_payload);
  BOOST_TEST((big.code() == StatusCode::kPayloadTooLarge));
  BOOST_TEST(big.reason() == "bus_payload_too_large");
  BOOST_TEST(big.field() == "payload");
  BOOST_TEST((bus->Publish("c:1", std::string(spi::kMaxPayloadSize, 'p')).code() ==
             StatusCode::kOk));

  BOOST_TEST((bus->Start(listener).code() == StatusCode::kOk));
  Status twice = bus->Start(listener);
  BOOST_TEST((twice.code() == StatusCode::kFailedPrecondition));
  BOOST_TEST(twice.reason() == "bus_already_started");
  bus->Stop();
  bus->Stop();
  BOOST_TEST(bus->Publish("c:1", "x").reason() == "bus_stopped");
  BOOST_TEST(bus->Subscribe("c:1").reason() == "bus_stopped");
  BOOST_TEST((bus->Unsubscribe("c:1").code() == StatusCode::kFailedPrecondition));
  BOOST_TEST(bus->Start(listener).reason() == "bus_already_started");
}

BOOST_AUTO_TEST_CASE(presence_counts_add_up_over_nodes) {
  auto a = Directory("node-a", std::chrono::seconds(60));
  auto b = Directory("node-b", std::chrono::seconds(60));
  BOOST_TEST(a->node_id() == "node-a");
  const std::vector<std::string> users{"u1", "u2", "u3"};
  BOOST_TEST(Counts(*a, users) == (std::vector<int>{0, 0, 0}));

  BOOST_REQUIRE(a->SetConnections(std::vector<spi::UserConnections>{{"u1", 2}}).ok());
  BOOST_REQUIRE(b->SetConnections(std::vector<spi::UserConnections>{{"u1", 1}, {"u2", 1}}).ok());
  BOOST_TEST(Counts(*a, users) == (std::vector<int>{3, 1, 0}));
  BOOST_TEST(Counts(*b, users) == (std::vector<int>{3, 1, 0}));

  BOOST_REQUIRE(b->SetConnections(std::vector<spi::UserConnections>{{"u1", 0}}).ok());
  BOOST_TEST(Counts(*a, users) == (std::vector<int>{2, 1, 0}));
  BOOST_REQUIRE(a->SetConnections(std::vector<spi::UserConnections>{{"u1", 1}}).ok());
  BOOST_TEST(Counts(*b, users) == (std::vector<int>{1, 1, 0}));

  Status negative = a->SetConnections(std::vector<spi::UserConnections>{{"u3", -1}});
  BOOST_TEST((negative.code() == StatusCode::kInvalidArgument));
  BOOST_TEST(negative.reason() == "invalid_presence_count");
  BOOST_TEST(negative.field() == "connections");
  BOOST_TEST(Counts(*b, users) == (std::vector<int>{1, 1, 0}));

  BOOST_TEST((b->Leave().code() == StatusCode::kOk));
  BOOST_TEST(Counts(*a, users) == (std::vector<int>{1, 0, 0}));
  BOOST_TEST(Counts(*a, {}).empty());
  BOOST_TEST((b->SetConnections(std::vector<spi::UserConnections>{{"u3", 4}}).code() ==
             StatusCode::kOk));
  BOOST_TEST(Counts(*a, users) == (std::vector<int>{1, 0, 4}));
}

BOOST_AUTO_TEST_CASE(a_node_that_stops_renewing_stops_counting_and_comes_back_on_renew) {
  auto a = Directory("node-a", std::chrono::seconds(60));
  auto b = Directory("node-b", harness->ShortLease());
  const std::vector<std::string> users{"u1", "u2"};
  BOOST_REQUIRE(a->SetConnections(std::vector<spi::UserConnections>{{"u1", 1}}).ok());
  BOOST_REQUIRE(b->SetConnections(std::vector<spi::UserConnections>{{"u1", 1}, {"u2", 2}}).ok());
  BOOST_TEST(Counts(*a, users) == (std::vector<int>{2, 2}));

  harness->PassLeaseTime();  // b says nothing: its lease runs out
  BOOST_TEST(CountsBecome(*a, users, {1, 0}) == (std::vector<int>{1, 0}));

  BOOST_TEST((b->Renew().code() == StatusCode::kOk));  // b was only slow: its numbers come back
  BOOST_TEST(Counts(*a, users) == (std::vector<int>{2, 2}));
}

BOOST_AUTO_TEST_CASE(directories_refuse_bad_node_ids_and_leases) {
  for (const std::string& bad :
       std::vector<std::string>{"", "node a", "node/1", std::string(65, 'n')}) {
    Result<std::shared_ptr<spi::PresenceDirectory>> made =
        harness->MakeDirectory(bad, std::chrono::seconds(1));
    BOOST_REQUIRE(!made.ok());
    BOOST_TEST((made.status().code() == StatusCode::kInvalidArgument));
    BOOST_TEST(made.status().reason() == "invalid_node_id");
    BOOST_TEST(made.status().field() == "node_id");
  }
  Result<std::shared_ptr<spi::PresenceDirectory>> zero =
      harness->MakeDirectory("node-a", std::chrono::milliseconds(0));
  BOOST_REQUIRE(!zero.ok());
  BOOST_TEST(zero.status().reason() == "invalid_lease_ttl");
  BOOST_TEST(zero.status().field() == "lease_ttl");
  BOOST_TEST(harness->MakeDirectory(std::string(64, 'n'), std::chrono::seconds(1)).ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace eventify::testing
