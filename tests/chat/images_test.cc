// Image messages: checked by their bytes, stored in the engine's media store under a key the
// engine chooses, the row keeping only the key; resends store nothing twice and a refused upload
// leaves no object behind.
#include <boost/test/unit_test.hpp>

#include <map>
#include <mutex>
#include <thread>

#include "chat/chat_fixture.h"
#include "eventify/spi/media_store.h"

namespace eventify::testing {
namespace {

using Code = StatusCode;

// Objects in memory, with a count of the calls, so that a test sees exactly what was stored.
class CountingMediaStore final : public spi::MediaStore {
 public:
  Status Put(std::string_view key, const spi::MediaObject& object) override {
    std::lock_guard lock(mutex_);
    ++puts_;
    objects_[std::string(key)] = object;
    return Status::Ok();
  }
  Result<spi::MediaObject> Get(std::string_view key) const override {
    std::lock_guard lock(mutex_);
    auto found = objects_.find(std::string(key));
    if (found == objects_.end()) return NotFound("media_not_found", "no such object");
    return found->second;
  }
  Status Remove(std::string_view key) override {
    std::lock_guard lock(mutex_);
    objects_.erase(std::string(key));
    return Status::Ok();
  }
  std::string UrlFor(std::string_view key) const override {
    return "/media/" + std::string(key);
  }

  int puts() const {
    std::lock_guard lock(mutex_);
    return puts_;
  }
  std::map<std::string, spi::MediaObject> objects() const {
    std::lock_guard lock(mutex_);
    return objects_;
  }

 private:
  mutable std::mutex mutex_;
  int puts_ = 0;
  std::map<std::string, spi::MediaObject> objects_;
};

// The bytes the content check reads of a PNG (signature and an IHDR of 1x1), padded to `size`.
std::string Png(std::size_t size = 64, char fill = '\0') {
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01", 24);
  png.resize(std::max(size, std::size_t{33}), fill);
  return png;
}

struct ImagesFixture : ChatFixture {
  ImagesFixture() {
    media = std::make_shared<CountingMediaStore>();
    media_store = media;
    engine.reset();
    engine = OpenEngine(storage);
    BookedEvent({ann});
    direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  }

  static NewImageMessage Image(std::string_view bytes, const std::string& key,
                               const std::string& caption = "") {
    NewImageMessage m;
    m.bytes = bytes;
    m.caption = caption;
    m.idempotency_key = key;
    return m;
  }

  std::size_t MessageCount() {
    return ValueOrFail(chat().MessagesAfter(ann, direct.id, 0, 100)).size();
  }

  std::shared_ptr<CountingMediaStore> media;
  Conversation direct;
};

BOOST_FIXTURE_TEST_SUITE(images, ImagesFixture)

BOOST_AUTO_TEST_CASE(an_image_is_stored_under_an_engine_key_and_the_message_keeps_the_key) {
  const std::string png = Png(100);
  const Message m = ValueOrFail(chat().SendImage(ann, direct.id, Image(png, "i1", "  look  ")));
  BOOST_TEST(m.seq == 1);
  BOOST_TEST(m.kind == MessageKind::kText);
  BOOST_TEST(m.text == "look");
  BOOST_REQUIRE(m.image.has_value());
  BOOST_TEST(m.image->key == "chat/" + direct.id + "/" + m.id + ".png");
  BOOST_TEST(m.image->url == "/media/" + m.image->key);
  BOOST_TEST(m.image->content_type == "image/png");
  BOOST_TEST(m.image->size_bytes == 100);
  BOOST_TEST(m.image->sha256.size() == 64u);
  const auto objects = media->objects();
  BOOST_REQUIRE(objects.size() == 1u);
  BOOST_TEST(objects.begin()->first == m.image->key);
  BOOST_TEST(objects.begin()->second.content_type == "image/png");
  BOOST_TEST((objects.begin()->second.bytes == png));

  // Read back: history, resume and the conversation's last message carry the same image.
  const MessagePage page = ValueOrFail(chat().History(organizer, direct.id, "", 10));
  BOOST_REQUIRE(page.items.size() == 1u);
  BOOST_REQUIRE(page.items[0].image.has_value());
  BOOST_TEST(page.items[0].image->key == m.image->key);
  BOOST_TEST(page.items[0].image->url == m.image->url);
  BOOST_TEST(page.items[0].image->size_bytes == 100);
  BOOST_TEST(page.items[0].image->sha256 == m.image->sha256);
  const Conversation seen = ValueOrFail(chat().GetConversation(organizer, direct.id));
  BOOST_REQUIRE(seen.last_message.has_value());
  BOOST_TEST(seen.last_message->id == m.id);
  BOOST_REQUIRE(seen.last_message->image.has_value());
  BOOST_TEST(seen.last_message->image->url == m.image->url);
  BOOST_TEST(seen.unread == 1);

  // No caption is fine; a text message has no image.
  const Message bare = ValueOrFail(chat().SendImage(organizer, direct.id, Image(Png(), "i2")));
  BOOST_TEST(bare.text.empty());
  BOOST_TEST(bare.seq == 2);
  BOOST_TEST(!Send(ann, direct, "and text", "t1").image.has_value());
}

BOOST_AUTO_TEST_CASE(bad_images_and_captions_are_refused_before_anything_is_stored) {
  ExpectError(chat().SendImage(ann, direct.id, Image("", "k")), Code::kInvalidArgument,
              "empty_image", "image");
  const std::string big = Png(kMaxChatImageBytes + 1);
  ExpectError(chat().SendImage(ann, direct.id, Image(big, "k")), Code::kPayloadTooLarge,
              "image_too_large", "image");
  ExpectError(chat().SendImage(ann, direct.id, Image("GIF89a not one of ours", "k")),
              Code::kUnsupportedMediaType, "unsupported_image", "image");
  const std::string png = Png();
  ExpectError(chat().SendImage(ann, direct.id,
                               Image(png, "k", std::string(kMaxMessageChars + 1, 'a'))),
              Code::kInvalidArgument, "message_too_long", "caption");
  ExpectError(chat().SendImage(ann, direct.id, Image(png, "k", "bell \a")),
              Code::kInvalidArgument, "invalid_text", "caption");
  ExpectError(chat().SendImage(ann, direct.id, Image(png, "")), Code::kInvalidArgument,
              "invalid_idempotency_key", "idempotency_key");
  // The largest image allowed passes.
  const std::string largest = Png(kMaxChatImageBytes);
  BOOST_TEST(ValueOrFail(chat().SendImage(ann, direct.id, Image(largest, "max"))).image->size_bytes ==
             static_cast<std::int64_t>(kMaxChatImageBytes));
  BOOST_TEST(media->puts() == 1);
  BOOST_TEST(MessageCount() == 1u);
}

BOOST_AUTO_TEST_CASE(a_resend_stores_nothing_twice_and_a_changed_one_is_refused) {
  const std::string png = Png(80);
  const Message first = ValueOrFail(chat().SendImage(ann, direct.id, Image(png, "same", "hi")));
  const Message again = ValueOrFail(chat().SendImage(ann, direct.id, Image(png, "same", "hi")));
  BOOST_TEST(again.id == first.id);
  BOOST_TEST(again.seq == first.seq);
  BOOST_TEST(again.image->key == first.image->key);
  BOOST_TEST(again.image->url == first.image->url);
  BOOST_TEST(media->puts() == 1);

  const std::string other = Png(80, 'x');
  ExpectError(chat().SendImage(ann, direct.id, Image(other, "same", "hi")), Code::kAlreadyExists,
              "idempotency_key_reused", "idempotency_key");
  ExpectError(chat().SendImage(ann, direct.id, Image(png, "same", "changed")),
              Code::kAlreadyExists, "idempotency_key_reused", "idempotency_key");
  ExpectError(chat().Send(ann, direct.id, Text("hi", "same")), Code::kAlreadyExists,
              "idempotency_key_reused", "idempotency_key");
  // A text message's key cannot be reused for an image either.
  Send(ann, direct, "words", "text-key");
  ExpectError(chat().SendImage(ann, direct.id, Image(png, "text-key", "words")),
              Code::kAlreadyExists, "idempotency_key_reused", "idempotency_key");
  BOOST_TEST(media->puts() == 1);
  BOOST_TEST(media->objects().size() == 1u);
  BOOST_TEST(MessageCount() == 2u);
}

BOOST_AUTO_TEST_CASE(concurrent_resends_write_one_message_and_keep_one_object) {
  const std::string png = Png(90);
  std::vector<Result<Message>> results(6, Internal("not run"));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = chat().SendImage(ann, direct.id, Image(png, "race", "again"));
    });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& result : results) {
    BOOST_REQUIRE_MESSAGE(result.ok(), result.status().ToString());
    BOOST_TEST(result->id == results[0]->id);
    BOOST_TEST(result->image->key == results[0]->image->key);
  }
  const auto objects = media->objects();
  BOOST_REQUIRE(objects.size() == 1u);
  BOOST_TEST(objects.begin()->first == results[0]->image->key);
  BOOST_TEST(MessageCount() == 1u);
}

BOOST_AUTO_TEST_CASE(observers_see_the_committed_image_with_its_url) {
  struct Recording final : ChatObserver {
    void OnCommitted(const ChatCommit& commit) override {
      std::lock_guard lock(mutex);
      for (const Message& m : commit.messages) messages.push_back(m);
    }
    std::mutex mutex;
    std::vector<Message> messages;
  } observer;
  const std::uint64_t handle = chat().AddObserver(&observer);
  const std::string png = Png();
  const Message m = ValueOrFail(chat().SendImage(ann, direct.id, Image(png, "seen", "hi")));
  chat().RemoveObserver(handle);
  std::lock_guard lock(observer.mutex);
  BOOST_REQUIRE(observer.messages.size() == 1u);
  BOOST_TEST(observer.messages[0].id == m.id);
  BOOST_REQUIRE(observer.messages[0].image.has_value());
  BOOST_TEST(observer.messages[0].image->url == "/media/" + m.image->key);
}

BOOST_AUTO_TEST_CASE(refused_uploads_leave_no_object) {
  const std::string png = Png();
  // Refused before storing: not a member, no such conversation.
  ExpectError(chat().SendImage(bob, direct.id, Image(png, "b1")), Code::kPermissionDenied,
              "not_a_member");
  ExpectError(chat().SendImage(ann, "no-such-conversation", Image(png, "a1")), Code::kNotFound,
              "conversation_not_found");
  BOOST_TEST(media->puts() == 0);
  // Refused by the commit (the reply names no message of the conversation; the other participant
  // is blocked): the object stored for it is removed.
  NewImageMessage reply = Image(png, "a2");
  reply.reply_to_id = "no-such-message";
  ExpectError(chat().SendImage(ann, direct.id, reply), Code::kNotFound, "message_not_found",
              "reply_to_id");
  Block(organizer);
  ExpectError(chat().SendImage(ann, direct.id, Image(png, "a3")), Code::kPermissionDenied,
              "user_blocked");
  BOOST_TEST(media->puts() == 2);
  BOOST_TEST(media->objects().empty());
  BOOST_TEST(MessageCount() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
