#include "storage/soci/wal_gathering_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
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

// Our file object; the base VFS's own file object follows it in the same allocation.
struct File {
  sqlite3_file head;  // pMethods: kMethods once the base file is open
  sqlite3_file* real;
  std::vector<char>* gathered;  // the log only; null for every other file
  sqlite3_int64 gathered_at;    // file offset of gathered->front()
};

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
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return Real(file)->pMethods->xShmLock(Real(file), offset, n, flags);
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
  if ((flags & SQLITE_OPEN_WAL) != 0) {
    f->gathered = new (std::nothrow) std::vector<char>();
    if (f->gathered == nullptr) {
      f->real->pMethods->xClose(f->real);
      return SQLITE_NOMEM;
    }
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
    uri_names = configured || sqlite3_compileoption_used("USE_URI") != 0;
    base_vfs = sqlite3_vfs_find(nullptr);
    if (base_vfs == nullptr) return;
    gathering_vfs = *base_vfs;
    gathering_vfs.zName = kName;
    gathering_vfs.szOsFile = static_cast<int>(sizeof(File)) + base_vfs->szOsFile;
    gathering_vfs.xOpen = Open;
    gathering_vfs.pNext = nullptr;
    if (sqlite3_vfs_register(&gathering_vfs, /*makeDflt=*/0) != SQLITE_OK) uri_names = false;
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
