#include "storage/soci/media_object_store.h"

#include <string>

#include "storage/soci/native_statements.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

Status MediaNotFound() { return NotFound("media_not_found", "no such media object"); }

}  // namespace

Status SociMediaObjectStore::PutObject(std::string_view key, const spi::MediaObject& object) {
  return context_.Call(Access::kWrite, "PutObject", [&]() -> Status {
    if (context_.dialect() == Dialect::kSqlite) {
      static const std::string kUpsert =
          "INSERT INTO media_objects (object_key, content_type, size_bytes, bytes)"
          " VALUES (?, ?, ?, ?)"
          " ON CONFLICT (object_key) DO UPDATE SET content_type = excluded.content_type,"
          " size_bytes = excluded.size_bytes, bytes = excluded.bytes";
      context_.statements()
          .Sqlite(kUpsert)
          .Bind(key)
          .Bind(object.content_type)
          .Bind(static_cast<long long>(object.bytes.size()))
          .BindBlob(object.bytes)
          .Run();
      return Status::Ok();
    }
    static const std::string kUpsert =
        "INSERT INTO media_objects (object_key, content_type, size_bytes, bytes)"
        " VALUES ($1::text, $2::text, octet_length($3::bytea), $3::bytea)"
        " ON CONFLICT (object_key) DO UPDATE SET content_type = excluded.content_type,"
        " size_bytes = excluded.size_bytes, bytes = excluded.bytes";
    context_.statements().PostgresBinary(kUpsert, {key, object.content_type, object.bytes});
    return Status::Ok();
  });
}

Result<spi::MediaObject> SociMediaObjectStore::FindObject(std::string_view key) {
  return context_.Call(Access::kRead, "FindObject", [&]() -> Result<spi::MediaObject> {
    spi::MediaObject object;
    if (context_.dialect() == Dialect::kSqlite) {
      static const std::string kSelect =
          "SELECT content_type, bytes FROM media_objects WHERE object_key = ?";
      SqliteStatement select = context_.statements().Sqlite(kSelect);
      select.Bind(key);
      if (!select.Step()) return MediaNotFound();
      object.content_type = std::string(select.Text(0));
      object.bytes = std::string(select.Blob(1));
      return object;
    }
    static const std::string kSelect =
        "SELECT content_type, bytes FROM media_objects WHERE object_key = $1::text";
    const PgResult found = context_.statements().PostgresBinary(kSelect, {key});
    if (found.rows() == 0) return MediaNotFound();
    // Binary results: the text column is its bytes, the bytea column its raw bytes.
    object.content_type = std::string(found.Text(0, 0));
    object.bytes = std::string(found.Text(0, 1));
    return object;
  });
}

Status SociMediaObjectStore::DeleteObject(std::string_view key) {
  return context_.Call(Access::kWrite, "DeleteObject", [&]() -> Status {
    if (context_.dialect() == Dialect::kSqlite) {
      static const std::string kDelete = "DELETE FROM media_objects WHERE object_key = ?";
      context_.statements().Sqlite(kDelete).Bind(key).Run();
      return Status::Ok();
    }
    static const std::string kDelete = "DELETE FROM media_objects WHERE object_key = $1::text";
    context_.statements().PostgresBinary(kDelete, {key});
    return Status::Ok();
  });
}

}  // namespace eventify::storage
