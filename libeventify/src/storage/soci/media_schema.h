// The media area's table (migration 23, "media objects"; spi/media_object_store.h), kept out of
// migrations.cc to keep that file readable.
//
// One row per media key (spi/media_store.h: at most 200 characters of [a-z0-9._-/]): the content
// type as the uploader's image check named it, the size in bytes (for operators: what the bytes
// weigh without reading them) and the bytes themselves, a BLOB on SQLite and a bytea on
// PostgreSQL (which keeps large values out of line, TOAST, so a row stays cheap to find). No
// foreign keys: the rows that name a key (users.avatar_key, events.cover_image_key,
// chat_messages.image_key) are written in other transactions, after the object. Depends on no
// other version.
#pragma once

#include <string_view>

namespace eventify::storage {

constexpr std::string_view kV23SqliteMediaObjects =
    "CREATE TABLE media_objects ("
    " object_key TEXT PRIMARY KEY,"
    " content_type TEXT NOT NULL,"
    " size_bytes BIGINT NOT NULL,"
    " bytes BLOB NOT NULL)";

constexpr std::string_view kV23PostgresMediaObjects =
    "CREATE TABLE media_objects ("
    " object_key TEXT PRIMARY KEY,"
    " content_type TEXT NOT NULL,"
    " size_bytes BIGINT NOT NULL,"
    " bytes BYTEA NOT NULL)";

}  // namespace eventify::storage
