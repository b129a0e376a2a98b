// StorageMediaStore: media objects as rows of the storage's "media" area, so that every process
// on one database serves what any of them stored.
#include <string>
#include <utility>

#include "eventify/spi/media_object_store.h"
#include "eventify/spi/media_store.h"
#include "eventify/spi/storage.h"

namespace eventify::spi {
namespace {

Status InvalidKey() { return InvalidArgument("invalid_media_key", "malformed media key"); }

// The storage's own failures (unreachable, conflicts through every retry, a failed statement) are
// what MediaStore calls an I/O failure; the store's answers (kNotFound) pass unchanged.
Status AsMediaFailure(const Status& status) {
  if (status.ok() || status.code() == StatusCode::kNotFound) return status;
  return Unavailable("media_unavailable", "the media store failed: " + status.message());
}

class StorageMediaStore final : public MediaStore {
 public:
  StorageMediaStore(std::shared_ptr<Storage> storage, std::string url_prefix)
      : storage_(std::move(storage)), url_prefix_(std::move(url_prefix)) {}

  // One short transaction per call, never inside the caller's: the engine stores the bytes
  // before, and outside, the transaction that names them.
  Status Put(std::string_view key, const MediaObject& object) override {
    if (!IsValidMediaKey(key)) return InvalidKey();
    return AsMediaFailure(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      return tx.store<MediaObjectStore>()->PutObject(key, object);
    }));
  }

  Result<MediaObject> Get(std::string_view key) const override {
    if (!IsValidMediaKey(key)) return InvalidKey();
    MediaObject object;
    const Status read = storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
      Result<MediaObject> found = tx.store<MediaObjectStore>()->FindObject(key);
      if (!found.ok()) return found.status();
      object = std::move(found).value();
      return Status::Ok();
    });
    if (!read.ok()) return AsMediaFailure(read);
    return object;
  }

  Status Remove(std::string_view key) override {
    if (!IsValidMediaKey(key)) return InvalidKey();
    return AsMediaFailure(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      return tx.store<MediaObjectStore>()->DeleteObject(key);
    }));
  }

  std::string UrlFor(std::string_view key) const override {
    return url_prefix_ + std::string(key);
  }

 private:
  const std::shared_ptr<Storage> storage_;
  const std::string url_prefix_;
};

}  // namespace

Result<std::shared_ptr<MediaStore>> MakeStorageMediaStore(std::shared_ptr<Storage> storage,
                                                          std::string url_prefix) {
  if (!storage) return InvalidArgument("missing_storage", "a storage is required", "storage");
  if (!storage->Supports(MediaObjectStore::kArea)) {
    return FailedPrecondition("storage_lacks_area",
                              "the storage has no store for the area 'media'", "storage");
  }
  return std::shared_ptr<MediaStore>(
      std::make_shared<StorageMediaStore>(std::move(storage), std::move(url_prefix)));
}

}  // namespace eventify::spi
