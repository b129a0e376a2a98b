// MediaObjectStore: the store of the "media" area — media objects (spi/media_store.h) kept in the
// database itself, so that every process on that database serves what any of them stored — and
// MakeStorageMediaStore, the spi::MediaStore built on it. The store is handed out by
// Transaction::store<MediaObjectStore>() of a storage that Supports(MediaObjectStore::kArea).
//
// Two MediaStores come with the library: files under a folder (MakeFilesystemMediaStore), served
// by the process that has the folder, and this one, served by every process on the database. The
// engine calls its MediaStore outside its transactions and the commit pipeline (the bytes are
// stored first, then the row naming the key is written), so each call here runs in a short
// transaction of its own and never holds up a batch of the pipeline for longer than its own write.
//
// Every call runs inside the transaction whose body received the store and is bound by the
// guarantees of spi/storage.h. Keys are well-formed (IsValidMediaKey): the caller checked them.
// Bytes are arbitrary binary data (NUL bytes included) and come back exactly as stored.
//
// Thread-safety: as every store, it belongs to the thread running the transaction body.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "eventify/export.h"
#include "eventify/spi/media_store.h"
#include "eventify/spi/storage.h"
#include "eventify/spi/store_area.h"
#include "eventify/status.h"

namespace eventify::spi {

class EVENTIFY_EXPORT MediaObjectStore {
 public:
  static constexpr StoreArea kArea{"media"};

  virtual ~MediaObjectStore() = default;

  // Stores the object under key, replacing any object already there (content type and bytes).
  // Errors: the storage's (kUnavailable, kAborted, kInternal).
  virtual Status PutObject(std::string_view key, const MediaObject& object) = 0;
  // Errors: kNotFound (media_not_found) when no object has this key; the storage's.
  virtual Result<MediaObject> FindObject(std::string_view key) = 0;
  // Deletes the object; a key with no object is not an error. Errors: the storage's.
  virtual Status DeleteObject(std::string_view key) = 0;
};

// Keeps objects in `storage`, each call in a short transaction of its own (Put and Remove
// read-write, Get read-only) through its MediaObjectStore; UrlFor returns url_prefix + key. Every
// process on the same database serves every object. Objects are as large as the storage takes
// (the SOCI storage: about 1 GB); the engine's upload limits keep them far smaller. The returned
// store must not be called inside a transaction body of the same storage (Storage::Run refuses a
// nested Run); the engine never does.
// Errors of the store it returns: those of MediaStore; a failure of the storage (unreachable,
// conflicts through every retry, a failed statement) is kUnavailable (media_unavailable).
// Errors: kInvalidArgument (missing_storage) for a null storage; kFailedPrecondition
// (storage_lacks_area, naming "media") when the storage does not Support the "media" area.
EVENTIFY_EXPORT Result<std::shared_ptr<MediaStore>> MakeStorageMediaStore(
    std::shared_ptr<Storage> storage, std::string url_prefix);

}  // namespace eventify::spi
