// SociMediaObjectStore: spi::MediaObjectStore over the media_objects table of migration 23
// ("media objects"): one row per key with the content type, the size and the bytes (a BLOB on
// SQLite, a bytea on PostgreSQL). The bytes are bound and read natively (native_statements.h), so
// that binary data travels unescaped and NUL bytes survive.
//
// Valid only inside the transaction body that received it. Thread-safety: none (see
// TransactionContext).
#pragma once

#include "eventify/spi/media_object_store.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

class SociMediaObjectStore final : public spi::MediaObjectStore {
 public:
  explicit SociMediaObjectStore(TransactionContext& context) : context_(context) {}

  Status PutObject(std::string_view key, const spi::MediaObject& object) override;
  Result<spi::MediaObject> FindObject(std::string_view key) override;
  Status DeleteObject(std::string_view key) override;

 private:
  TransactionContext& context_;
};

}  // namespace eventify::storage
