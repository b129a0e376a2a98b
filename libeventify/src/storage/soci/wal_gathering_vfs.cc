#include "storage/soci/wal_gathering_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace eventify::storage {
namespace {

constexpr const char* kName = "eventify-gather";
// Gathered bytes are written once this much is waiting, and in calls of at most kCall bytes
// (SQLite's unix VFS writes at most 128 KiB - 1 per call).
constexpr std::size_t kFlushAt = 1 << 20;
constexpr std::size_t kCall = 64 << 10;

sqlite3_vfs* base_vfs = nullptr;
sqlite3_vfs gathering_vfs;
bool uri_names = false;

// SQLite's lock of the log's writers is slot 0 of the shared-memory locks (WAL_WRITE_LOCK in
// wal.c, a constant of the file format).
constexpr int kWriteLockSlot = 0;

// Our file object; the base VFS's own file object follows it in the same allocation.
struct File {
  sqlite3_file head;  // pMethods: kMethods once the base file is open
  sqlite3_file* real;
  std::vector<char>* gathered;  // the log only; null for every other file
  sqlite3_int64 gathered_at;    // file offset of gathered->front()
  // A database file and its log point at each other while both are open. Both belong to one
  // connection, which opens, uses and closes them one call at a time: only the registry below
  // is shared between connections.
  File* log;       // a database file: its connection's log while that is open
  File* database;  // a log: its connection's database file
  const char* name;  // a database file: the name SQLite opened it by (the registry's key)
};

// The open database files by the name pointer SQLite opened them with. A connection's pager
// keeps its database's, journal's and log's names in one allocation, so the log finds its own
// connection's database file through sqlite3_filename_database (two connections to one file
// have two pointers). Guarded by registry_mutex.
std::mutex registry_mutex;
std::unordered_map<const char*, File*>& Registry() {
  static auto* registry = new std::unordered_map<const char*, File*>();
  return *registry;
}

File* Of(sqlite3_file* file) { return reinterpret_cast<File*>(file); }
sqlite3_file* Real(sqlite3_file* file) { return Of(file)->real; }

int Flush(File* f) {
  if (f->gathered == nullptr || f->gathered->empty()) return SQLITE_OK;
  const std::vector<char>& bytes = *f->gathered;
  int rc = SQLITE_OK;
  for (std::size_t at = 0; at < bytes.size() && rc == SQLITE_OK; at += kCall) {
    const std::size_t n = std::min(kCall, bytes.size() - at);
    rc = f->real->pMethods->xWrite(f->real, bytes.data() + at, static_cast<int>(n),
                                   f->gathered_at + static_cast<sqlite3_int64>(at));
  }
  f->gathered->clear();
  return rc;
}

int Close(sqlite3_file* file) {
  File* f = Of(file);
  const int flushed = Flush(f);
  if (f->database != nullptr) f->database->log = nullptr;
  if (f->log != nullptr) f->log->database = nullptr;
  if (f->name != nullptr) {
    std::lock_guard lock(registry_mutex);
    Registry().erase(f->name);
  }
  const int closed = f->real->pMethods->xClose(f->real);
  delete f->gathered;
  f->gathered = nullptr;
  return flushed != SQLITE_OK ? flushed : closed;
}

int Read(sqlite3_file* file, void* out, int n, sqlite3_int64 offset) {
  if (const int rc = Flush(Of(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xRead(Real(file), out, n, offset);
}

// Appends to what is gathered when the write continues it; otherwise writes that out first.
int Write(sqlite3_file* file, const void* in, int n, sqlite3_int64 offset) {
  File* f = Of(file);
  if (f->gathered == nullptr) return f->real->pMethods->xWrite(f->real, in, n, offset);
  std::vector<char>& bytes = *f->gathered;
  const bool continues =
      !bytes.empty() && offset == f->gathered_at + static_cast<sqlite3_int64>(bytes.size());
  if (!bytes.empty() && (!continues || bytes.size() >= kFlushAt)) {
    if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  }
  if (bytes.empty()) f->gathered_at = offset;
  try {
    const char* from = static_cast<const char*>(in);
    bytes.insert(bytes.end(), from, from + n);
  } catch (const std::bad_alloc&) {
    // What was gathered before is written out; this write is refused and SQLite gives up the
    // transaction (or retries it).
    if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
    return SQLITE_IOERR_NOMEM;
  }
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (const int rc = Flush(Of(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xTruncate(Real(file), size);
}

int Sync(sqlite3_file* file, int flags) {
  if (const int rc = Flush(Of(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xSync(Real(file), flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  if (const int rc = Flush(Of(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xFileSize(Real(file), size);
}

int FileControl(sqlite3_file* file, int op, void* arg) {
  if (const int rc = Flush(Of(file)); rc != SQLITE_OK) return rc;
  const int rc = Real(file)->pMethods->xFileControl(Real(file), op, arg);
  // The VFS stack's name, outermost first ("eventify-gather/unix"), as SQLite's shims report it.
  if (op == SQLITE_FCNTL_VFSNAME && rc == SQLITE_OK) {
    char** name = static_cast<char**>(arg);
    *name = sqlite3_mprintf("%s/%z", kName, *name);
  }
  return rc;
}

int Lock(sqlite3_file* file, int level) { return Real(file)->pMethods->xLock(Real(file), level); }
int Unlock(sqlite3_file* file, int level) {
  return Real(file)->pMethods->xUnlock(Real(file), level);
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Real(file)->pMethods->xCheckReservedLock(Real(file), out);
}
int SectorSize(sqlite3_file* file) { return Real(file)->pMethods->xSectorSize(Real(file)); }
int DeviceCharacteristics(sqlite3_file* file) {
  return Real(file)->pMethods->xDeviceCharacteristics(Real(file));
}
int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return Real(file)->pMethods->xShmMap(Real(file), region, size, extend, out);
}
// Before the connection gives up the log's write lock, what it gathered is written out. After a
// commit nothing is left (the commit synced), but a transaction that spilled pages into the log
// and then rolled back leaves frames past the log's published end: written now, under the lock,
// they land where SQLite itself wrote them, and the next writer overwrites them; written later,
// they would overwrite that writer's committed frames.
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  File* f = Of(file);
  if (offset == kWriteLockSlot && (flags & SQLITE_SHM_UNLOCK) != 0 && f->log != nullptr) {
    // The unlock happens whatever the write-out gives: SQLite does not expect an unlock to
    // fail, and a write lock kept would stop every other writer. Only frames past the log's
    // published end can be left here (a commit's were written at its sync), which the next
    // writer overwrites.
    static_cast<void>(Flush(f->log));
  }
  return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) { Real(file)->pMethods->xShmBarrier(Real(file)); }
int ShmUnmap(sqlite3_file* file, int remove) {
  return Real(file)->pMethods->xShmUnmap(Real(file), remove);
}
int Fetch(sqlite3_file* file, sqlite3_int64 offset, int n, void** out) {
  if (const int rc = Flush(Of(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xFetch(Real(file), offset, n, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return Real(file)->pMethods->xUnfetch(Real(file), offset, page);
}

// Version 3: the base unix VFS's files have shared memory and memory-mapped reads.
const sqlite3_io_methods kMethods = {
    3,           Close,     Read,       Write,    Truncate, Sync,     FileSize,
    Lock,        Unlock,    CheckReservedLock,    FileControl,        SectorSize,
    DeviceCharacteristics,  ShmMap,     ShmLock,  ShmBarrier,         ShmUnmap,
    Fetch,       Unfetch};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* out, int flags, int* out_flags) {
  File* f = Of(out);
  std::memset(f, 0, sizeof(File));
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(out) + sizeof(File));
  const int rc = base_vfs->xOpen(base_vfs, name, f->real, flags, out_flags);
  // SQLite calls xClose after a failed xOpen only when pMethods is set; the base file's own
  // pMethods says whether it holds anything to release.
  if (rc != SQLITE_OK) {
    if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
    return rc;
  }
  // Gathering needs writes that cannot tear what is already in the file around them: without
  // power-safe overwrite SQLite pads the log to sector boundaries and writes the tail of the
  // padding after the sync, which gathered bytes would hold back past the publication.
  // A log whose database file is not known could not have its bytes written out when the write
  // lock goes: it is written through unbuffered.
  const int device = f->real->pMethods->xDeviceCharacteristics(f->real);
  File* database = nullptr;
  if ((flags & SQLITE_OPEN_WAL) != 0 && name != nullptr &&
      (device & SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0 &&
      (device & SQLITE_IOCAP_SEQUENTIAL) == 0) {
    std::lock_guard lock(registry_mutex);
    const auto found = Registry().find(sqlite3_filename_database(name));
    if (found != Registry().end()) database = found->second;
  }
  if (database != nullptr) {
    f->gathered = new (std::nothrow) std::vector<char>();
    if (f->gathered == nullptr) {
      f->real->pMethods->xClose(f->real);
      return SQLITE_NOMEM;
    }
    f->database = database;
    database->log = f;
  }
  if ((flags & SQLITE_OPEN_MAIN_DB) != 0 && name != nullptr) {
    std::lock_guard lock(registry_mutex);
    f->name = name;
    Registry()[name] = f;
  }
  f->head.pMethods = &kMethods;
  return SQLITE_OK;
}

// RFC 3986 unreserved characters and '/' pass; everything else is %HH.
std::string PercentEncoded(std::string_view path) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

}  // namespace

void RegisterGatheringVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Refused (SQLITE_MISUSE) once SQLite is initialised; a build with SQLITE_USE_URI reads
    // URI names anyway.
    const bool configured = sqlite3_config(SQLITE_CONFIG_URI, 1) == SQLITE_OK;
    if (sqlite3_initialize() != SQLITE_OK) return;
    // Only over SQLite's own unix VFS, whose files all have the version 3 methods (shared
    // memory, memory-mapped reads) this VFS forwards; a host that made another VFS the default
    // keeps it, unbuffered.
    base_vfs = sqlite3_vfs_find(nullptr);
    if (base_vfs == nullptr || std::string_view(base_vfs->zName) != "unix") return;
    gathering_vfs = *base_vfs;
    gathering_vfs.zName = kName;
    gathering_vfs.szOsFile = static_cast<int>(sizeof(File)) + base_vfs->szOsFile;
    gathering_vfs.xOpen = Open;
    gathering_vfs.pNext = nullptr;
    if (sqlite3_vfs_register(&gathering_vfs, /*makeDflt=*/0) != SQLITE_OK) return;
    uri_names = configured || sqlite3_compileoption_used("USE_URI") != 0;
  });
}

std::string GatheringConnectString(const std::string& path, const std::string& fallback) {
  RegisterGatheringVfs();
  if (!uri_names) return fallback;
  // An absolute path gets an empty authority ("file:///..."), so that "//x" stays a path.
  const std::string prefix = path.starts_with('/') ? "file://" : "file:";
  return "db=" + prefix + PercentEncoded(path) + "?vfs=" + kName;
}

}  // namespace eventify::storage
