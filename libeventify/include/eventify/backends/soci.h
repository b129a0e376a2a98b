// The bundled SOCI storage: spi::Storage on SQLite (the embedded default) or PostgreSQL. It is its
// own library, eventify::soci, so that a program that brings its own storage links neither SOCI,
// SQLite nor libpq; a host opens it and hands it to the engine:
//
//   auto storage = eventify::spi::OpenSociStorage({.url = "sqlite:data/eventify.db"});
//   if (!storage.ok()) return storage.status();
//   options.storage = *storage;  // EngineOptions
//
// Ownership: OpenSociStorage returns a shared storage; the engine and the host may both keep it.
// Thread-safety: OpenSociStorage may be called from any thread; the storage it returns gives every
// guarantee of spi::Storage (spi/storage.h) to any number of threads.
//
// SQLite: the first connection turns SQLite's memory statistics off for the whole process
// (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0), whose mutex every allocation took), turns URI file
// names on (SQLITE_CONFIG_URI, 1) and registers a VFS named "eventify-gather", which the
// storage's own connections open their file through (the default VFS, with each commit's log
// written in a few large writes; not made the default). SQLite accepts the two settings only
// before it is initialised: a host that uses SQLite itself and wants the statistics initialises
// it first, and so does one that opens files by plain names starting with "file:" on a SQLite
// built without SQLITE_USE_URI (Debian's reads such names as URIs anyway); the storage then
// opens its files through the VFS only if that SQLite reads URI names, and by path otherwise.
// None may initialise SQLite on another thread while a storage opens.
#pragma once

#include <memory>
#include <string>

#include "eventify/export.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"

namespace eventify::spi {

struct SociStorageOptions {
  // "sqlite:<path>" (a file, created if missing, in WAL mode) or a PostgreSQL connection URI
  // "postgresql://user@host:port/dbname" (or "postgres://..."), handed to libpq as is.
  std::string url = "sqlite:data/eventify.db";
  // Connections kept open. On SQLite writers are serialised anyway; readers use the rest.
  int pool_size = 4;
  // SQLite busy timeout for writers from other processes.
  int sqlite_busy_timeout_ms = 5000;
  // Attempts of a transaction body that ends in kAborted before giving up.
  int max_attempts = 5;
  // False for programs that inspect or change an existing installation (an operator's command):
  // a database that was never set up is refused instead of created. "Never set up" is a SQLite
  // file that does not exist, or a database (of either kind) where no migration was ever applied.
  bool create_if_missing = true;
};

// Opens the database, applies pending migrations (each once, recorded in schema_migrations) and
// refuses a database whose schema is newer than this build knows.
// Errors: kInvalidArgument (invalid_database_url), kUnavailable (cannot connect),
// kFailedPrecondition (schema_too_new; database_not_found when create_if_missing is false and
// the database was never set up: then no file and no table was created), kInternal (a migration
// failed; nothing of it remains).
EVENTIFY_EXPORT Result<std::shared_ptr<Storage>> OpenSociStorage(const SociStorageOptions& options);

}  // namespace eventify::spi
