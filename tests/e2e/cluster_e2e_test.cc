// End to end: two eventify-server processes on one PostgreSQL database and one Redis
// (tests/support/with-postgres.sh and with-redis.sh) are one chat service. A message sent to one
// node reaches a socket on the other with its unread count; presence is counted over both nodes,
// and so is who is on a room channel (participant_status); a node killed with SIGKILL loses
// nothing acknowledged: its sockets reconnect to the other node and resume from where they were,
// and its users leave the room channels; a node started again under the same node.id starts from
// nothing in the presence directory. Media uploaded through one node (an avatar, a chat image)
// are served by the other: on PostgreSQL the nodes keep them in the database (media.store).
//
// The direct conversation is opened through the library on the same database (the hub protocol
// has no frame that opens one, and the admin may start one with anyone).
#define BOOST_TEST_MODULE e2e_cluster
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "e2e_client.h"
#include "eventify/accounts.h"
#include "eventify/chat.h"
#include "server_process.h"
#include "ws_client.h"

namespace {

namespace e2e = eventify::e2e;
using e2e::Account;
using e2e::JsonInt;
using e2e::JsonString;
using e2e::WsClient;

constexpr char kServer[] = EVENTIFY_SERVER_PATH;

std::vector<std::string> NodeFlags(const std::string& node_id) {
  const char* port = std::getenv("EVENTIFY_TEST_REDIS_PORT");
  BOOST_REQUIRE_MESSAGE(port != nullptr, "run through tests/support/with-redis.sh");
  return {"--redis.host=127.0.0.1", std::string("--redis.port=") + port,
          "--redis.key_prefix=cluster-e2e:", "--node.id=" + node_id,
          "--hub.offline_grace=0s"};
}

std::string FlagValue(const e2e::Deployment& deployment, const std::string& name) {
  std::string value;
  for (const std::string& flag : deployment.ConfigFlags()) {
    if (flag.rfind(name, 0) == 0) value = flag.substr(name.size());
  }
  return value;
}

// The second node: the first one's database and secret key (tokens are valid on both), its own
// ports and data folder.
std::vector<std::string> SecondNodeFlags(e2e::Deployment& first, const std::string& node_id) {
  std::vector<std::string> flags = NodeFlags(node_id);
  const std::string url = FlagValue(first, "--database.url=");
  BOOST_REQUIRE_MESSAGE(!url.empty(), "the cluster suite runs on PostgreSQL only");
  flags.push_back("--database.url=" + url);
  flags.push_back("--secret_key_file=" + (first.data_dir() / "secret.key").string());
  return flags;
}

using e2e::Authenticated;
using e2e::ChatPath;
using e2e::DirectConversation;
using e2e::MessageFrame;

// The next frame of `type` about `user_id` within `seconds` (each wait), and whether its
// is_online is true.
std::optional<bool> NextIsOnline(WsClient& client, const std::string& type,
                                 const std::string& user_id, int seconds) {
  for (int i = 0; i < 20; ++i) {
    const auto frame = client.WaitFor(type, seconds);
    if (!frame) return std::nullopt;
    if (JsonString(*frame, "/user_id") != user_id) continue;
    return frame->find("\"is_online\":true") != std::string::npos;
  }
  return std::nullopt;
}

// The next user_status_update about `user_id`: online or not.
std::optional<bool> NextStatusOf(WsClient& client, const std::string& user_id, int seconds = 10) {
  return NextIsOnline(client, "user_status_update", user_id, seconds);
}

// The next participant_status about `user_id` on a room socket: present or not.
std::optional<bool> NextParticipantOf(WsClient& client, const std::string& user_id,
                                      int seconds = 10) {
  return NextIsOnline(client, "participant_status", user_id, seconds);
}

}  // namespace

BOOST_AUTO_TEST_CASE(two_nodes_are_one_chat_service_and_a_killed_node_loses_nothing) {
  e2e::Deployment first(kServer, NodeFlags("node-a"));
  const Account admin = e2e::NewAdmin(first, "cluster-admin");
  const Account ann = e2e::NewVerifiedAccount(first, "cluster-ann");
  const std::string conversation = DirectConversation(first, admin, ann);
  first.server();  // started, so that its secret key exists for the second node
  auto second = std::make_unique<e2e::Deployment>(kServer, SecondNodeFlags(first, "node-b"));

  // The admin on node A, Ann on node B.
  auto admin_notes = Authenticated(first, "/ws/notifications/", admin);
  auto ann_notes = Authenticated(*second, "/ws/notifications/", ann);
  // Ann's connection on node B makes her online for the admin on node A.
  const auto ann_online = NextStatusOf(*admin_notes, ann.id);
  BOOST_REQUIRE(ann_online.has_value());
  BOOST_TEST(*ann_online);

  auto admin_chat = Authenticated(first, ChatPath(conversation), admin);
  BOOST_REQUIRE(admin_chat->WaitFor("joined").has_value());
  auto ann_chat = Authenticated(*second, ChatPath(conversation), ann);
  BOOST_REQUIRE(ann_chat->WaitFor("joined").has_value());
  // Each room socket sees the other node's participant: Ann from her node's note, the admin in
  // node A's answer to node B's question.
  const auto ann_present = NextParticipantOf(*admin_chat, ann.id);
  BOOST_REQUIRE(ann_present.has_value());
  BOOST_TEST(*ann_present);
  const auto admin_present = NextParticipantOf(*ann_chat, admin.id);
  BOOST_REQUIRE(admin_present.has_value());
  BOOST_TEST(*admin_present);

  // A to B: the message and Ann's notification with her unread count.
  admin_chat->SendText(MessageFrame(conversation, "hello from node a", "c1"));
  const auto sent = admin_chat->WaitFor("sent");
  BOOST_REQUIRE(sent.has_value());
  const auto message = ann_chat->WaitFor("message");
  BOOST_REQUIRE(message.has_value());
  BOOST_TEST(JsonString(*message, "/message/text") == "hello from node a");
  BOOST_TEST(JsonInt(*message, "/message/seq") == 1);
  const auto notified = ann_notes->WaitFor("new_message");
  BOOST_REQUIRE(notified.has_value());
  BOOST_TEST(JsonInt(*notified, "/unread") == 1);

  // B to A.
  ann_chat->SendText(MessageFrame(conversation, "hello from node b", "c2"));
  BOOST_REQUIRE(ann_chat->WaitFor("sent").has_value());
  const auto answer = admin_chat->WaitFor("message");
  BOOST_REQUIRE(answer.has_value());
  BOOST_TEST(JsonString(*answer, "/message/text") == "hello from node b");
  BOOST_TEST(JsonInt(*answer, "/message/seq") == 2);

  // Node B dies without a word: Ann's sockets end, and once its lease in Redis runs out (15 s)
  // and node A counts again (every 5 s) she is offline for the admin.
  second->server().Signal(SIGKILL);
  ann_chat->WaitClose(10);
  ann_notes->WaitClose(10);
  const auto ann_offline = NextStatusOf(*admin_notes, ann.id, 60);
  BOOST_REQUIRE(ann_offline.has_value());
  BOOST_TEST(!*ann_offline);
  // And she leaves the room channel once node B has been silent for hub's node_timeout (15 s).
  const auto ann_left = NextParticipantOf(*admin_chat, ann.id, 60);
  BOOST_REQUIRE(ann_left.has_value());
  BOOST_TEST(!*ann_left);

  // Meanwhile the admin goes on writing on node A; everything acknowledged is stored.
  admin_chat->SendText(MessageFrame(conversation, "while b was down", "c3"));
  BOOST_REQUIRE(admin_chat->WaitFor("sent").has_value());

  // Ann reconnects to node A and catches up: both messages she had not read.
  auto ann_again = Authenticated(first, ChatPath(conversation), ann);
  const auto joined = ann_again->WaitFor("joined");
  BOOST_REQUIRE(joined.has_value());
  BOOST_TEST(JsonInt(*joined, "/last_seq") == 3);
  BOOST_TEST(JsonInt(*joined, "/unread") == 2);
  ann_again.reset();

  // Node B again under the same node.id: it starts from nothing in the directory, and a
  // message sent on A reaches a socket on the new B.
  second.reset();
  second = std::make_unique<e2e::Deployment>(kServer, SecondNodeFlags(first, "node-b"));
  auto ann_back = Authenticated(*second, ChatPath(conversation), ann);
  BOOST_REQUIRE(ann_back->WaitFor("joined").has_value());
  const auto ann_returned = NextParticipantOf(*admin_chat, ann.id);
  BOOST_REQUIRE(ann_returned.has_value());
  BOOST_TEST(*ann_returned);
  admin_chat->SendText(MessageFrame(conversation, "welcome back", "c4"));
  BOOST_REQUIRE(admin_chat->WaitFor("sent").has_value());
  const auto back = ann_back->WaitFor("message");
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(JsonString(*back, "/message/text") == "welcome back");
  BOOST_TEST(JsonInt(*back, "/message/seq") == 4);

  ann_back.reset();
  e2e::CheckStopsCleanly(*second);
  admin_chat.reset();
  admin_notes.reset();
  e2e::CheckStopsCleanly(first);
}

BOOST_AUTO_TEST_CASE(media_uploaded_through_one_node_are_served_by_the_other) {
  e2e::Deployment first(kServer, NodeFlags("node-a"));
  const Account admin = e2e::NewAdmin(first, "media-admin");
  const Account ann = e2e::NewVerifiedAccount(first, "media-ann");
  const std::string conversation = DirectConversation(first, admin, ann);
  first.server();
  e2e::Deployment second(kServer, SecondNodeFlags(first, "node-b"));
  e2e::Api node_a = first.api();
  e2e::Api node_b = second.api();
  const std::string png = e2e::TinyPng();

  // Ann's avatar, uploaded through node A, fetched through node B (whose data folder never saw it).
  const e2e::Reply avatar = node_a.Send("PUT", "/api/v1/me/avatar", png, "image/png", ann.access);
  BOOST_REQUIRE_EQUAL(avatar.status, 200);
  const std::string avatar_url = avatar.Str("/user/avatar_url");
  BOOST_TEST(avatar_url.rfind("/media/avatars/" + ann.id + "-", 0) == 0u);
  BOOST_TEST(node_b.Get("/api/v1/me", ann.access).Str("/user/avatar_url") == avatar_url);
  const e2e::Reply avatar_on_b = node_b.Get(avatar_url);
  BOOST_TEST(avatar_on_b.status == 200);
  BOOST_TEST((avatar_on_b.body == png));
  BOOST_TEST(avatar_on_b.Header("Content-Type") == "image/png");
  BOOST_TEST(!std::filesystem::exists(second.data_dir() / "media"));

  // A chat image sent through node B (the raw body), fetched through node A.
  const e2e::Reply image =
      node_b.Send("POST", "/api/v1/conversations/" + conversation + "/images", png, "image/png",
                  admin.access, {{"Idempotency-Key", "cluster-image-1"}});
  BOOST_TEST_INFO("body " << image.body);
  BOOST_REQUIRE_EQUAL(image.status, 201);
  const std::string key = image.Str("/message/image/key");
  BOOST_TEST(key == "chat/" + conversation + "/" + image.Str("/message/id") + ".png");
  BOOST_TEST(image.Str("/message/image/url") == "/media/" + key);
  const e2e::Reply image_on_a = node_a.Get("/media/" + key);
  BOOST_TEST(image_on_a.status == 200);
  BOOST_TEST((image_on_a.body == png));
  BOOST_TEST(image_on_a.Header("Content-Type") == "image/png");

  // A new avatar replaces the old one on both nodes: the old object is gone everywhere.
  const e2e::Reply replaced = node_b.Send("PUT", "/api/v1/me/avatar", png, "image/png", ann.access);
  BOOST_REQUIRE_EQUAL(replaced.status, 200);
  const std::string new_url = replaced.Str("/user/avatar_url");
  BOOST_TEST(new_url != avatar_url);
  BOOST_TEST(node_a.Get(new_url).status == 200);
  e2e::CheckError(node_a.Get(avatar_url), 404, "media_not_found");

  e2e::CheckStopsCleanly(second);
  e2e::CheckStopsCleanly(first);
}
