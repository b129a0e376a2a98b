// The media store conformance suite: what every spi::MediaStore must do (spi/media_store.h), run
// on each implementation the library ships — files under a folder (MakeFilesystemMediaStore) and
// rows of the storage (MakeStorageMediaStore) on the backend EVENTIFY_TEST_BACKEND selects, so
// that the database store is checked on SQLite and on PostgreSQL.
#define BOOST_TEST_MODULE media_store_conformance
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "eventify/spi/media_object_store.h"
#include "eventify/spi/media_store.h"
#include "eventify/spi/storage.h"
#include "support/test_storage.h"

namespace eventify::testing {
namespace {

constexpr char kPrefix[] = "/media/";

struct StoreUnderTest {
  std::string name;
  std::shared_ptr<spi::MediaStore> store;
};

std::shared_ptr<spi::MediaStore> DatabaseStore(std::shared_ptr<spi::Storage> storage) {
  auto store = spi::MakeStorageMediaStore(std::move(storage), kPrefix);
  BOOST_TEST_REQUIRE(store.ok(), store.status().message());
  return *store;
}

// A new, empty store of each kind for one test case.
class EachStore {
 public:
  EachStore() {
    folder_ = std::filesystem::temp_directory_path() /
              ("eventify-media-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_));
    std::filesystem::remove_all(folder_);
    stores_.push_back({"filesystem", spi::MakeFilesystemMediaStore(folder_.string(), kPrefix)});
    stores_.push_back({"database on " + std::string(TestBackend()),
                       DatabaseStore(OpenFreshStorage())});
  }
  ~EachStore() {
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
  }

  // Runs `check` on every store, each failure naming the store.
  void ForEach(const std::function<void(spi::MediaStore&)>& check) {
    for (StoreUnderTest& under_test : stores_) {
      BOOST_TEST_CONTEXT("media store: " << under_test.name) { check(*under_test.store); }
    }
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path folder_;
  std::vector<StoreUnderTest> stores_;
};

void ExpectObject(spi::MediaStore& store, const std::string& key, const std::string& type,
                  const std::string& bytes) {
  const Result<spi::MediaObject> got = store.Get(key);
  BOOST_TEST_REQUIRE(got.ok(), key << ": " << got.status().message());
  BOOST_TEST(got->content_type == type);
  BOOST_TEST(got->bytes.size() == bytes.size());
  BOOST_TEST((got->bytes == bytes));  // whole-buffer comparison; no dump of megabytes
}

void ExpectNotFound(spi::MediaStore& store, const std::string& key) {
  const Result<spi::MediaObject> got = store.Get(key);
  BOOST_TEST_REQUIRE(!got.ok(), key);
  BOOST_TEST((got.status().code() == StatusCode::kNotFound));
  BOOST_TEST(got.status().reason() == "media_not_found");
}

std::string EveryByte() {
  std::string bytes;
  for (int round = 0; round < 3; ++round) {
    for (int value = 0; value < 256; ++value) bytes.push_back(static_cast<char>(value));
  }
  return bytes;
}

}  // namespace

BOOST_AUTO_TEST_CASE(bytes_and_content_type_round_trip) {
  EachStore stores;
  stores.ForEach([](spi::MediaStore& store) {
    const std::string png("\x89PNG\r\n\x1a\n-avatar", 16);
    BOOST_TEST_REQUIRE(store.Put("avatars/u1-ab.png", {"image/png", png}).ok());
    ExpectObject(store, "avatars/u1-ab.png", "image/png", png);
    // A content type is returned exactly as given, parameters included.
    BOOST_TEST_REQUIRE(store.Put("chat/c1/m1.webp", {"image/webp; q=1", "RIFFxxxxWEBP"}).ok());
    ExpectObject(store, "chat/c1/m1.webp", "image/webp; q=1", "RIFFxxxxWEBP");
    BOOST_TEST(store.UrlFor("avatars/u1-ab.png") == "/media/avatars/u1-ab.png");
  });
}

BOOST_AUTO_TEST_CASE(binary_data_with_nul_bytes_and_an_empty_object_survive) {
  EachStore stores;
  stores.ForEach([](spi::MediaStore& store) {
    const std::string bytes = EveryByte();
    BOOST_TEST_REQUIRE(bytes.find('\0') == 0u);
    BOOST_TEST_REQUIRE(store.Put("events/e1-00.jpg", {"image/jpeg", bytes}).ok());
    ExpectObject(store, "events/e1-00.jpg", "image/jpeg", bytes);
    const std::string nul_only(1024, '\0');
    BOOST_TEST_REQUIRE(store.Put("events/zeros.bin", {"application/octet-stream", nul_only}).ok());
    ExpectObject(store, "events/zeros.bin", "application/octet-stream", nul_only);
    BOOST_TEST_REQUIRE(store.Put("events/empty.bin", {"image/png", ""}).ok());
    ExpectObject(store, "events/empty.bin", "image/png", "");
  });
}

BOOST_AUTO_TEST_CASE(a_large_object_round_trips) {
  EachStore stores;
  stores.ForEach([](spi::MediaStore& store) {
    std::string big(5 * 1024 * 1024 + 7, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) {
      big[i] = static_cast<char>((i * 2654435761u) >> 13);
    }
    BOOST_TEST_REQUIRE(store.Put("chat/c1/big.png", {"image/png", big}).ok());
    ExpectObject(store, "chat/c1/big.png", "image/png", big);
  });
}

BOOST_AUTO_TEST_CASE(put_replaces_the_object_under_a_key) {
  EachStore stores;
  stores.ForEach([](spi::MediaStore& store) {
    BOOST_TEST_REQUIRE(store.Put("avatars/u2.png", {"image/png", std::string(4096, 'a')}).ok());
    BOOST_TEST_REQUIRE(store.Put("avatars/u2.png", {"image/jpeg", "shorter"}).ok());
    ExpectObject(store, "avatars/u2.png", "image/jpeg", "shorter");
  });
}

BOOST_AUTO_TEST_CASE(a_missing_key_is_not_found) {
  EachStore stores;
  stores.ForEach([](spi::MediaStore& store) {
    ExpectNotFound(store, "avatars/none.png");
    BOOST_TEST_REQUIRE(store.Put("avatars/u3.png", {"image/png", "x"}).ok());
    // A prefix of a key, or its folder, is no object.
    ExpectNotFound(store, "avatars");
    ExpectNotFound(store, "avatars/u3");
  });
}

BOOST_AUTO_TEST_CASE(remove_deletes_and_a_missing_key_is_no_error) {
  EachStore stores;
  stores.ForEach([](spi::MediaStore& store) {
    BOOST_TEST_REQUIRE(store.Put("avatars/u4.png", {"image/png", "gone soon"}).ok());
    BOOST_TEST_REQUIRE(store.Put("avatars/u5.png", {"image/png", "stays"}).ok());
    BOOST_TEST(store.Remove("avatars/u4.png").ok());
    ExpectNotFound(store, "avatars/u4.png");
    ExpectObject(store, "avatars/u5.png", "image/png", "stays");
    BOOST_TEST(store.Remove("avatars/u4.png").ok());
    BOOST_TEST(store.Remove("never/was.png").ok());
  });
}

BOOST_AUTO_TEST_CASE(a_malformed_key_is_refused_by_every_call) {
  EachStore stores;
  stores.ForEach([](spi::MediaStore& store) {
    for (const std::string key : {std::string(), std::string("Avatars/a.png"),
                                  std::string("a//b.png"), std::string("a/../b.png"),
                                  std::string("/a.png"), std::string("a/"),
                                  std::string("a b.png"), std::string(201, 'a')}) {
      BOOST_TEST_CONTEXT("key '" << key << "'") {
        const Status put = store.Put(key, {"image/png", "x"});
        BOOST_TEST((put.code() == StatusCode::kInvalidArgument));
        BOOST_TEST(put.reason() == "invalid_media_key");
        const Result<spi::MediaObject> got = store.Get(key);
        BOOST_TEST((got.status().code() == StatusCode::kInvalidArgument));
        BOOST_TEST(got.status().reason() == "invalid_media_key");
        const Status removed = store.Remove(key);
        BOOST_TEST((removed.code() == StatusCode::kInvalidArgument));
        BOOST_TEST(removed.reason() == "invalid_media_key");
      }
    }
    // The longest key allowed is stored.
    const std::string longest(200, 'k');
    BOOST_TEST_REQUIRE(store.Put(longest, {"image/png", "long"}).ok());
    ExpectObject(store, longest, "image/png", "long");
  });
}

BOOST_AUTO_TEST_CASE(concurrent_calls_each_see_their_own_object) {
  EachStore stores;
  stores.ForEach([](spi::MediaStore& store) {
    constexpr int kThreads = 4;
    constexpr int kObjects = 10;
    std::vector<std::vector<Status>> failures(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&store, &failures, t] {
        for (int i = 0; i < kObjects; ++i) {
          const std::string key = "chat/t" + std::to_string(t) + "/" + std::to_string(i) + ".png";
          const std::string bytes(1000 + i, static_cast<char>(t));
          Status put = store.Put(key, {"image/png", bytes});
          if (!put.ok()) failures[t].push_back(put);
          const Result<spi::MediaObject> got = store.Get(key);
          if (!got.ok()) {
            failures[t].push_back(got.status());
          } else if (got->bytes != bytes) {
            failures[t].push_back(Internal("other bytes under " + key));
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (int t = 0; t < kThreads; ++t) {
      BOOST_TEST(failures[t].empty(), "thread " << t << ": "
                                                << (failures[t].empty() ? ""
                                                                        : failures[t][0].message()));
    }
  });
}

// What several nodes rely on: a store on another connection to the same database (another
// process, in production) serves what this one stored, and sees what it removed.
BOOST_AUTO_TEST_CASE(database_store_is_shared_by_every_storage_on_the_database) {
  spi::SociStorageOptions options;
  options.url = FreshDatabaseUrl();
  auto node_a = DatabaseStore(OpenStorageOrFail(options));
  auto node_b = DatabaseStore(OpenStorageOrFail(options));
  const std::string bytes = EveryByte();
  BOOST_TEST_REQUIRE(node_a->Put("avatars/shared.png", {"image/png", bytes}).ok());
  ExpectObject(*node_b, "avatars/shared.png", "image/png", bytes);
  BOOST_TEST_REQUIRE(node_b->Put("avatars/shared.png", {"image/jpeg", "replaced"}).ok());
  ExpectObject(*node_a, "avatars/shared.png", "image/jpeg", "replaced");
  BOOST_TEST(node_a->Remove("avatars/shared.png").ok());
  ExpectNotFound(*node_b, "avatars/shared.png");
}

namespace {

// A storage that serves no area at all.
class StorageWithoutAreas final : public spi::Storage {
 public:
  Status Run(spi::TransactionMode, const std::function<Status(spi::Transaction&)>&) override {
    return Internal("not used");
  }
  std::string_view backend_name() const override { return "none"; }
  int schema_version() const override { return 0; }
};

}  // namespace

BOOST_AUTO_TEST_CASE(database_store_needs_a_storage_with_the_media_area) {
  const auto lacking = spi::MakeStorageMediaStore(std::make_shared<StorageWithoutAreas>(), kPrefix);
  BOOST_TEST_REQUIRE(!lacking.ok());
  BOOST_TEST((lacking.status().code() == StatusCode::kFailedPrecondition));
  BOOST_TEST(lacking.status().reason() == "storage_lacks_area");
  BOOST_TEST(lacking.status().message() == "the storage has no store for the area 'media'");
  const auto missing = spi::MakeStorageMediaStore(nullptr, kPrefix);
  BOOST_TEST_REQUIRE(!missing.ok());
  BOOST_TEST((missing.status().code() == StatusCode::kInvalidArgument));
  BOOST_TEST(missing.status().reason() == "missing_storage");
  BOOST_TEST(OpenFreshStorage()->Supports(spi::MediaObjectStore::kArea));
}

}  // namespace eventify::testing
