// The SQLite VFS the storage's connections open their databases through: the process's default
// VFS with the writes to each write-ahead log gathered in memory and handed to the kernel in
// large pieces when SQLite syncs the log.
//
// Why: SQLite writes a commit's log as two write() calls per page (the frame's 24-byte header,
// then the page), and the commit pipeline's writer spent a fifth of its CPU in those calls
// (docs/performance.md, "Fewer calls for the log"). Gathered, a commit of ~90 pages is a few
// calls of up to 64 KiB instead of ~180.
//
// Why it is safe: a connection's frames reach other connections only through the log's index,
// which SQLite updates after the commit's sync of the log when synchronous = FULL, and the
// storage sets FULL on every connection it opens (session_pool.cc). The VFS writes out what it
// gathered before every sync, read, size, truncation, file control and close of the log, so the
// connection itself never reads past what it wrote and nothing is durable later than before;
// and before the connection gives up the log's write lock (a shared-memory unlock on its
// database file), so that the frames of a transaction that spilled pages into the log and rolled
// back land where SQLite wrote them, before the next writer, not over that writer's commit.
// Gathered bytes are lost in a crash exactly as unsynced writes are. It gathers only over
// SQLite's unix VFS and on files with power-safe overwrite (without it SQLite pads the log and
// writes the padding's tail after the sync); otherwise it writes through. A connection that
// turned synchronous below FULL must not use this VFS (SQLite would then publish frames
// unwritten); only the storage's own connections do, by name.
//
// Memory: what a connection gathers is written out once it reaches 1 MiB (a commit larger than
// that is written in several pieces); the buffer keeps its capacity while the log is open.
//
// Thread-safety: RegisterGatheringVfs is safe from any thread; SQLite uses each open file from
// one connection at a time.
#pragma once

#include <string>

namespace eventify::storage {

// Registers the VFS "eventify-gather" (once per process, not as the default). Before that it
// asks SQLite to read URI file names (SQLITE_CONFIG_URI), which SQLite accepts only before it is
// initialised: call it before the process's first connection, after any other sqlite3_config.
void RegisterGatheringVfs();

// The connect string that opens `path` through the VFS, "db=file:<path, percent-encoded>
// ?vfs=eventify-gather", or `fallback` when this SQLite does not read URI file names (built
// without SQLITE_USE_URI and initialised by the host before RegisterGatheringVfs): its
// connections then write the log unbuffered, as before.
std::string GatheringConnectString(const std::string& path, const std::string& fallback);

}  // namespace eventify::storage
