// End-to-end test of the chat HTTP API: the real eventify-server on the backend
// EVENTIFY_TEST_BACKEND selects, driven over HTTP. An attendee who booked an organizer's free
// event writes to the organizer (idempotent resends), the organizer answers with images
// (multipart and raw body, served back from /media/), both page the history and resume after a
// position, mark read and delivered, read receipts and unread counts, open the event's room and
// list their conversations. Then bad input: wrong JSON types, unknown conversations, users and
// events, callers who are not members, oversized and non-image uploads, bad cursors and positions.
//
// The server runs with a body limit above the chat image limit, so that an oversized image is
// refused by the library's check (image_too_large) rather than by the HTTP layer.
#define BOOST_TEST_MODULE e2e_chat
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>

#include "e2e_client.h"
#include "eventify/chat.h"

namespace {

namespace e2e = eventify::e2e;
using e2e::Account;
using e2e::CheckError;

constexpr char kServer[] = EVENTIFY_SERVER_PATH;
constexpr std::size_t kMaxBody = 8 * 1024 * 1024;
const std::string kConversations = "/api/v1/conversations";
const std::string kBoundary = "e2e-chat-boundary-41Xq9Zk";

e2e::Deployment& TheDeployment() {
  static e2e::Deployment deployment(kServer,
                                    {"--http.max_body_bytes=" + std::to_string(kMaxBody)});
  return deployment;
}

httplib::Headers Key(const std::string& key) { return {{"Idempotency-Key", key}}; }

// A multipart/form-data body of (name, content) parts.
std::string Form(std::initializer_list<std::pair<std::string, std::string>> parts) {
  std::string body;
  for (const auto& [name, content] : parts) {
    body += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"";
    if (name == "image") body += "; filename=\"a.png\"\r\nContent-Type: image/png";
    body += "\r\n\r\n" + content + "\r\n";
  }
  return body + "--" + kBoundary + "--\r\n";
}
const std::string kFormType = "multipart/form-data; boundary=" + kBoundary;

// The people and the event every case uses: a verified organizer's approved free event that ann
// booked; bob has no booking.
struct World {
  World() {
    e2e::Deployment& deployment = TheDeployment();
    organizer = e2e::NewVerifiedAccount(deployment, "org", "organizer");
    ann = e2e::NewVerifiedAccount(deployment, "ann");
    bob = e2e::NewVerifiedAccount(deployment, "bob");
    admin = e2e::NewAdmin(deployment, "admin");
    e2e::Api api = deployment.api();
    e2e::VerifyOrganizer(api, organizer, admin);
    const std::string category = e2e::NewCategory(api, admin, "Chat talks");
    event_id = e2e::NewApprovedEvent(
        api, organizer, admin,
        e2e::EventBody("Chat evening", category, e2e::Now() + std::chrono::hours(24 * 7),
                       std::chrono::hours(2), 0));
    const e2e::Reply booked =
        api.PostJson("/api/v1/bookings", "{\"event_id\":\"" + event_id + "\",\"seats\":1}",
                     ann.access, Key("chat-book"));
    BOOST_REQUIRE_MESSAGE(booked.status == 201, booked.body);
    const e2e::Reply direct = api.PostJson(kConversations + "/direct",
                                           e2e::JsonObject({{"user_id", organizer.id}}), ann.access);
    BOOST_REQUIRE_MESSAGE(direct.status == 200, direct.body);
    direct_id = direct.Str("/conversation/id");
  }

  std::string Path(const std::string& tail = "") const {
    return kConversations + "/" + direct_id + tail;
  }

  Account organizer, ann, bob, admin;
  std::string event_id;
  std::string direct_id;
};

World& TheWorld() {
  static World world;
  return world;
}

BOOST_AUTO_TEST_CASE(two_users_chat_with_text_images_receipts_and_unread_counts) {
  World& w = TheWorld();
  e2e::Api api = TheDeployment().api();

  // Opening again, from either side, is the same conversation.
  const e2e::Reply opened = api.PostJson(kConversations + "/direct",
                                         e2e::JsonObject({{"user_id", w.ann.id}}),
                                         w.organizer.access);
  BOOST_REQUIRE_EQUAL(opened.status, 200);
  BOOST_TEST(opened.Str("/conversation/id") == w.direct_id);
  BOOST_TEST(opened.Str("/conversation/kind") == "direct");
  BOOST_TEST(opened.Count("/conversation/participants") == 2);
  BOOST_TEST(opened.IsNull("/conversation/event_id"));
  BOOST_TEST(opened.IsNull("/conversation/organizer_id"));
  BOOST_TEST(opened.Int("/conversation/last_seq") == 0);
  BOOST_TEST(opened.IsNull("/conversation/last_message"));

  // A text message; a resend with the same key is the same message.
  const std::string hello = e2e::JsonObject({{"text", "  Is there parking?  "}});
  const e2e::Reply sent = api.PostJson(w.Path("/messages"), hello, w.ann.access, Key("m1"));
  BOOST_TEST_INFO("body " << sent.body);
  BOOST_REQUIRE_EQUAL(sent.status, 201);
  const std::string first_id = sent.Str("/message/id");
  BOOST_TEST(sent.Str("/message/conversation_id") == w.direct_id);
  BOOST_TEST(sent.Int("/message/seq") == 1);
  BOOST_TEST(sent.Str("/message/sender_id") == w.ann.id);
  BOOST_TEST(sent.Str("/message/kind") == "text");
  BOOST_TEST(sent.Str("/message/text") == "Is there parking?");
  BOOST_TEST(sent.IsNull("/message/reply_to_id"));
  BOOST_TEST(sent.IsNull("/message/image"));
  BOOST_TEST(sent.Str("/message/idempotency_key") == "m1");
  const e2e::Reply resent = api.PostJson(w.Path("/messages"), hello, w.ann.access, Key("m1"));
  BOOST_REQUIRE_EQUAL(resent.status, 201);
  BOOST_TEST(resent.Str("/message/id") == first_id);
  BOOST_TEST(resent.Int("/message/seq") == 1);
  CheckError(api.PostJson(w.Path("/messages"), e2e::JsonObject({{"text", "other"}}), w.ann.access,
                          Key("m1")),
             409, "idempotency_key_reused", "Idempotency-Key");
  CheckError(api.PostJson(w.Path("/messages"), hello, w.ann.access), 400,
             "missing_idempotency_key", "Idempotency-Key");

  // The organizer sees it unread, in the conversation and in the totals.
  const e2e::Reply seen = api.Get(w.Path(), w.organizer.access);
  BOOST_REQUIRE_EQUAL(seen.status, 200);
  BOOST_TEST(seen.Int("/conversation/unread") == 1);
  BOOST_TEST(seen.Int("/conversation/last_seq") == 1);
  BOOST_TEST(seen.Str("/conversation/last_message/id") == first_id);
  const e2e::Reply unread = api.Get(kConversations + "/unread", w.organizer.access);
  BOOST_REQUIRE_EQUAL(unread.status, 200);
  BOOST_TEST(unread.Int("/total") == 1);
  BOOST_REQUIRE(unread.Count("/conversations") == 1);
  BOOST_TEST(unread.Str("/conversations/0/conversation_id") == w.direct_id);
  BOOST_TEST(unread.Int("/conversations/0/unread") == 1);

  // The organizer answers with an image and a caption (multipart), replying to the question.
  const std::string png = e2e::TinyPng();
  const std::string form =
      Form({{"image", png}, {"caption", "Parking is here"}, {"reply_to_id", first_id}});
  const e2e::Reply image =
      api.Send("POST", w.Path("/images"), form, kFormType, w.organizer.access, Key("img-1"));
  BOOST_TEST_INFO("body " << image.body);
  BOOST_REQUIRE_EQUAL(image.status, 201);
  const std::string image_id = image.Str("/message/id");
  BOOST_TEST(image.Int("/message/seq") == 2);
  BOOST_TEST(image.Str("/message/kind") == "text");
  BOOST_TEST(image.Str("/message/text") == "Parking is here");
  BOOST_TEST(image.Str("/message/reply_to_id") == first_id);
  const std::string key = image.Str("/message/image/key");
  BOOST_TEST(key == "chat/" + w.direct_id + "/" + image_id + ".png");
  BOOST_TEST(image.Str("/message/image/url") == "/media/" + key);
  BOOST_TEST(image.Str("/message/image/content_type") == "image/png");
  BOOST_TEST(image.Int("/message/image/size_bytes") == static_cast<std::int64_t>(png.size()));
  const e2e::Reply fetched = api.Get("/media/" + key);
  BOOST_TEST(fetched.status == 200);
  BOOST_TEST((fetched.body == png));
  BOOST_TEST(fetched.Header("Content-Type") == "image/png");
  const e2e::Reply image_again =
      api.Send("POST", w.Path("/images"), form, kFormType, w.organizer.access, Key("img-1"));
  BOOST_REQUIRE_EQUAL(image_again.status, 201);
  BOOST_TEST(image_again.Str("/message/id") == image_id);
  BOOST_TEST(image_again.Str("/message/image/key") == key);
  // The raw body is an image without a caption; the declared type does not matter.
  const e2e::Reply raw = api.Send("POST", w.Path("/images"), png, "application/octet-stream",
                                  w.organizer.access, Key("img-2"));
  BOOST_REQUIRE_EQUAL(raw.status, 201);
  BOOST_TEST(raw.Int("/message/seq") == 3);
  BOOST_TEST(raw.Str("/message/text") == "");
  BOOST_TEST(raw.Str("/message/image/content_type") == "image/png");

  // History newest first by cursor; what ann missed after seq 1, oldest first.
  const e2e::Reply page1 = api.Get(w.Path("/messages?limit=2"), w.ann.access);
  BOOST_REQUIRE_EQUAL(page1.status, 200);
  BOOST_REQUIRE(page1.Count("/items") == 2);
  BOOST_TEST(page1.Int("/items/0/seq") == 3);
  BOOST_TEST(page1.Int("/items/1/seq") == 2);
  BOOST_TEST(page1.Str("/items/1/image/url") == "/media/" + key);
  const std::string cursor = page1.Str("/next_cursor");
  const e2e::Reply page2 = api.Get(w.Path("/messages?limit=2&cursor=" + cursor), w.ann.access);
  BOOST_REQUIRE_EQUAL(page2.status, 200);
  BOOST_REQUIRE(page2.Count("/items") == 1);
  BOOST_TEST(page2.Int("/items/0/seq") == 1);
  BOOST_TEST(page2.IsNull("/next_cursor"));
  const e2e::Reply after = api.Get(w.Path("/messages?after_seq=1"), w.ann.access);
  BOOST_REQUIRE_EQUAL(after.status, 200);
  BOOST_REQUIRE(after.Count("/items") == 2);
  BOOST_TEST(after.Int("/items/0/seq") == 2);
  BOOST_TEST(after.Int("/items/1/seq") == 3);
  BOOST_TEST(after.IsNull("/next_cursor"));

  // Receipts: delivered up to 3, read up to 2; the unread count follows the read mark.
  const e2e::Reply delivered =
      api.PostJson(w.Path("/delivered"), e2e::JsonObject({{"message_id", raw.Str("/message/id")}}),
                   w.ann.access);
  BOOST_REQUIRE_EQUAL(delivered.status, 200);
  BOOST_TEST(delivered.Str("/receipt/user_id") == w.ann.id);
  BOOST_TEST(delivered.Int("/receipt/delivered_seq") == 3);
  BOOST_TEST(delivered.Int("/receipt/read_seq") == 0);
  BOOST_TEST(api.Get(w.Path(), w.ann.access).Int("/conversation/unread") == 2);
  const e2e::Reply read = api.PostJson(
      w.Path("/read"), e2e::JsonObject({{"message_id", image_id}}), w.ann.access);
  BOOST_REQUIRE_EQUAL(read.status, 200);
  BOOST_TEST(read.Int("/receipt/read_seq") == 2);
  BOOST_TEST(read.Int("/receipt/delivered_seq") == 3);
  BOOST_TEST(api.Get(w.Path(), w.ann.access).Int("/conversation/unread") == 1);
  const e2e::Reply receipts = api.Get(w.Path("/receipts"), w.organizer.access);
  BOOST_REQUIRE_EQUAL(receipts.status, 200);
  BOOST_REQUIRE(receipts.Count("/items") == 1);
  BOOST_TEST(receipts.Str("/items/0/user_id") == w.ann.id);
  BOOST_TEST(receipts.Int("/items/0/read_seq") == 2);
  BOOST_TEST(receipts.Int("/items/0/delivered_seq") == 3);

  // The event's room, then ann's list: the room (made last, no message) before the direct one.
  const e2e::Reply room = api.PostJson("/api/v1/events/" + w.event_id + "/room", "", w.ann.access);
  BOOST_TEST_INFO("body " << room.body);
  BOOST_REQUIRE_EQUAL(room.status, 200);
  const std::string room_id = room.Str("/conversation/id");
  BOOST_TEST(room.Str("/conversation/kind") == "event_room");
  BOOST_TEST(room.Str("/conversation/event_id") == w.event_id);
  BOOST_TEST(room.Str("/conversation/organizer_id") == w.organizer.id);
  BOOST_TEST(room.Count("/conversation/participants") == 0);
  const e2e::Reply announced = api.PostJson(
      kConversations + "/" + room_id + "/messages",
      e2e::JsonObject({{"text", "Doors open at 7"}, {"kind", "announcement"}}),
      w.organizer.access, Key("a-1"));
  BOOST_REQUIRE_EQUAL(announced.status, 201);
  BOOST_TEST(announced.Str("/message/kind") == "announcement");
  const e2e::Reply list = api.Get(kConversations + "?limit=1", w.ann.access);
  BOOST_REQUIRE_EQUAL(list.status, 200);
  BOOST_REQUIRE(list.Count("/items") == 1);
  BOOST_TEST(list.Str("/items/0/id") == room_id);
  BOOST_TEST(list.Int("/items/0/unread") == 1);
  BOOST_TEST(list.Str("/items/0/last_message/text") == "Doors open at 7");
  const e2e::Reply rest =
      api.Get(kConversations + "?limit=1&cursor=" + list.Str("/next_cursor"), w.ann.access);
  BOOST_REQUIRE_EQUAL(rest.status, 200);
  BOOST_REQUIRE(rest.Count("/items") == 1);
  BOOST_TEST(rest.Str("/items/0/id") == w.direct_id);
  BOOST_TEST(rest.Int("/items/0/unread") == 1);
  BOOST_TEST(rest.Int("/items/0/read_seq") == 2);
  BOOST_TEST(rest.Str("/items/0/last_message/image/key") != "<missing>");
  BOOST_TEST(rest.IsNull("/next_cursor"));
}

BOOST_AUTO_TEST_CASE(bad_input_gets_exact_errors) {
  World& w = TheWorld();
  e2e::Api api = TheDeployment().api();

  // Wrong JSON types and values.
  CheckError(api.PostJson(kConversations + "/direct", "{\"user_id\":5}", w.ann.access), 400,
             "invalid_type", "user_id");
  CheckError(api.PostJson(kConversations + "/direct", "{\"user_id\":", w.ann.access), 400,
             "malformed_json");
  CheckError(api.PostJson(w.Path("/messages"), "{\"text\":5}", w.ann.access, Key("t1")), 400,
             "invalid_type", "text");
  CheckError(api.PostJson(w.Path("/messages"), "{\"text\":\"hi\",\"kind\":\"poem\"}",
                          w.ann.access, Key("t2")),
             400, "invalid_kind", "kind");
  CheckError(api.PostJson(w.Path("/messages"), e2e::JsonObject({{"text", "   "}}), w.ann.access,
                          Key("t3")),
             400, "empty_message", "text");
  CheckError(api.PostJson(w.Path("/read"), "{\"message_id\":true}", w.ann.access), 400,
             "invalid_type", "message_id");
  CheckError(api.PostJson(w.Path("/read"), e2e::JsonObject({{"message_id", "nope"}}),
                          w.ann.access),
             404, "message_not_found", "message_id");

  // Unknown conversations, users and events.
  CheckError(api.Get(kConversations + "/nope", w.ann.access), 404, "conversation_not_found");
  CheckError(api.PostJson(kConversations + "/nope/messages", e2e::JsonObject({{"text", "hi"}}),
                          w.ann.access, Key("t4")),
             404, "conversation_not_found");
  CheckError(api.Send("POST", kConversations + "/nope/images", e2e::TinyPng(), "image/png",
                      w.ann.access, Key("t5")),
             404, "conversation_not_found");
  CheckError(api.PostJson(kConversations + "/direct", e2e::JsonObject({{"user_id", "nobody"}}),
                          w.ann.access),
             404, "user_not_found", "user_id");
  CheckError(api.PostJson(kConversations + "/direct", e2e::JsonObject({{"user_id", w.ann.id}}),
                          w.ann.access),
             400, "self_conversation", "user_id");
  CheckError(api.PostJson("/api/v1/events/nope/room", "", w.ann.access), 404, "event_not_found");

  // Not a member, not allowed, no token.
  CheckError(api.Get(w.Path(), w.bob.access), 403, "not_a_member");
  CheckError(api.Get(w.Path("/messages"), w.bob.access), 403, "not_a_member");
  CheckError(api.PostJson(w.Path("/messages"), e2e::JsonObject({{"text", "hi"}}), w.bob.access,
                          Key("b1")),
             403, "not_a_member");
  CheckError(api.Send("POST", w.Path("/images"), e2e::TinyPng(), "image/png", w.bob.access,
                      Key("b2")),
             403, "not_a_member");
  CheckError(api.PostJson("/api/v1/events/" + w.event_id + "/room", "", w.bob.access), 403,
             "not_a_member");
  CheckError(api.PostJson(kConversations + "/direct", e2e::JsonObject({{"user_id", w.ann.id}}),
                          w.bob.access),
             403, "conversation_not_allowed");
  CheckError(api.Get(kConversations), 401, "missing_token");
  CheckError(api.Get(kConversations + "/unread"), 401, "missing_token");

  // Images: too large, not an image, no image part, empty.
  std::string big = e2e::TinyPng();
  big.resize(eventify::kMaxChatImageBytes + 1, '\0');
  CheckError(api.Send("POST", w.Path("/images"), big, "image/png", w.ann.access, Key("i1")), 413,
             "image_too_large", "image");
  CheckError(api.Send("POST", w.Path("/images"), "GIF89a pretending", "image/png", w.ann.access,
                      Key("i2")),
             415, "unsupported_image", "image");
  CheckError(api.Send("POST", w.Path("/images"), Form({{"caption", "no image"}}), kFormType,
                      w.ann.access, Key("i3")),
             400, "missing_field", "image");
  CheckError(api.Send("POST", w.Path("/images"), "", "image/png", w.ann.access, Key("i4")), 400,
             "empty_image", "image");
  CheckError(api.Send("POST", w.Path("/images"),
                      Form({{"image", e2e::TinyPng()}, {"caption", std::string(4001, 'a')}}),
                      kFormType, w.ann.access, Key("i5")),
             400, "message_too_long", "caption");
  CheckError(api.Send("POST", w.Path("/images"), e2e::TinyPng(), "image/png", w.ann.access), 400,
             "missing_idempotency_key", "Idempotency-Key");

  // Pages and positions.
  CheckError(api.Get(kConversations + "?limit=0", w.ann.access), 400, "invalid_limit", "limit");
  CheckError(api.Get(kConversations + "?limit=ten", w.ann.access), 400, "invalid_limit", "limit");
  CheckError(api.Get(kConversations + "?cursor=garbage", w.ann.access), 400, "invalid_cursor",
             "cursor");
  CheckError(api.Get(w.Path("/messages?limit=101"), w.ann.access), 400, "invalid_limit", "limit");
  CheckError(api.Get(w.Path("/messages?cursor=garbage"), w.ann.access), 400, "invalid_cursor",
             "cursor");
  CheckError(api.Get(w.Path("/messages?after_seq=abc"), w.ann.access), 400, "invalid_position",
             "after_seq");
  CheckError(api.Get(w.Path("/messages?after_seq=-1"), w.ann.access), 400, "invalid_position",
             "after_seq");
  CheckError(api.Get(w.Path("/messages?after_seq=1&cursor=x"), w.ann.access), 400,
             "conflicting_parameters", "after_seq");
}

BOOST_AUTO_TEST_CASE(the_server_stops_cleanly) { e2e::CheckStopsCleanly(TheDeployment()); }

}  // namespace
