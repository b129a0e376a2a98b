// MediaStore: where uploaded bytes (avatars, event covers, chat images) live. The rows that use an
// object (a user, an event, a message) keep only its key, never the bytes. The engine calls the
// store outside its transactions: it stores the bytes first, then commits the row naming the key.
// Two stores come with the library: files under a folder (below), and rows of a storage that
// serves the "media" area, which every process on that database serves
// (MakeStorageMediaStore, spi/media_object_store.h).
//
// Thread-safety: implementations must accept concurrent calls.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "eventify/export.h"
#include "eventify/status.h"

namespace eventify::spi {

struct MediaObject {
  std::string content_type;  // e.g. "image/png"
  std::string bytes;
};

class EVENTIFY_EXPORT MediaStore {
 public:
  virtual ~MediaStore() = default;
  // Stores bytes under key, replacing any previous object. Keys are relative paths made of
  // [a-z0-9._-] segments separated by '/', chosen by the engine, never by a client.
  // Errors: kInvalidArgument for a malformed key, kUnavailable on I/O failure.
  virtual Status Put(std::string_view key, const MediaObject& object) = 0;
  // Errors: kNotFound, kInvalidArgument for a malformed key, kUnavailable.
  virtual Result<MediaObject> Get(std::string_view key) const = 0;
  // Removing a missing key is not an error.
  virtual Status Remove(std::string_view key) = 0;
  // The URL under which clients fetch the object (the server serves it, or a CDN does).
  virtual std::string UrlFor(std::string_view key) const = 0;
};

// Keeps objects as files under `root` (created if missing); UrlFor returns url_prefix + key.
// Writes go to a temporary file first and are renamed into place, so readers never see half.
EVENTIFY_EXPORT std::shared_ptr<MediaStore> MakeFilesystemMediaStore(std::string root,
                                                                     std::string url_prefix);

// True when key is a well-formed media key (see MediaStore::Put).
EVENTIFY_EXPORT bool IsValidMediaKey(std::string_view key);

}  // namespace eventify::spi
