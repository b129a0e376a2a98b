// The gathering VFS (libeventify/src/storage/soci/wal_gathering_vfs.h), through SQLite's own
// API: a connection opened through it by the connect string the storage uses writes what every
// commit wrote, in one transaction or across many, larger than what it gathers and larger than
// its page cache (so SQLite reads back frames it wrote before the commit); a second connection
// on the default VFS sees each commit as soon as it returns; the file is the one the path names,
// reserved characters and all; a rolled-back transaction's frames never overwrite another
// connection's commit. The storage suites run through it too: every SQLite connection the
// storage opens uses it.
#include <sqlite3.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>

#include "storage/soci/wal_gathering_vfs.h"
#include "support/test_storage.h"

namespace eventify::testing {
namespace {

struct Connection {
  explicit Connection(const std::string& name, int flags) {
    const int rc = sqlite3_open_v2(name.c_str(), &db, flags, nullptr);
    BOOST_REQUIRE_MESSAGE(rc == SQLITE_OK, name << ": " << sqlite3_errmsg(db));
  }
  ~Connection() { sqlite3_close(db); }
  void Exec(const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    BOOST_REQUIRE_MESSAGE(rc == SQLITE_OK, sql << ": " << (error ? error : "?"));
    sqlite3_free(error);
  }
  long long Number(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    BOOST_REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK);
    BOOST_REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
    const long long value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return value;
  }
  std::string Text(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    BOOST_REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK);
    BOOST_REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
    std::string value(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)));
    sqlite3_finalize(statement);
    return value;
  }
  sqlite3* db = nullptr;
};

// Row `id`'s payload: 3,000 bytes that differ from row to row.
std::string Payload(long long id) {
  std::string bytes(3000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>((id * 131 + static_cast<long long>(i) * 7) % 251);
  }
  return bytes;
}

// Inserts rows [from, to) in one transaction and checks, before the commit, what it wrote.
void InsertRows(Connection& writer, long long from, long long to) {
  writer.Exec("BEGIN");
  sqlite3_stmt* insert = nullptr;
  BOOST_REQUIRE(sqlite3_prepare_v2(writer.db, "INSERT INTO t (id, v) VALUES (?, ?)", -1, &insert,
                                   nullptr) == SQLITE_OK);
  for (long long id = from; id < to; ++id) {
    const std::string payload = Payload(id);
    sqlite3_bind_int64(insert, 1, id);
    sqlite3_bind_blob(insert, 2, payload.data(), static_cast<int>(payload.size()),
                      SQLITE_TRANSIENT);
    BOOST_REQUIRE(sqlite3_step(insert) == SQLITE_DONE);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  BOOST_TEST(writer.Number("SELECT COUNT(*) FROM t") == to);
  writer.Exec("COMMIT");
}

// Every row's payload is what Payload wrote.
long long RowsIntact(Connection& reader) {
  sqlite3_stmt* select = nullptr;
  BOOST_REQUIRE(sqlite3_prepare_v2(reader.db, "SELECT id, v FROM t ORDER BY id", -1, &select,
                                   nullptr) == SQLITE_OK);
  long long intact = 0;
  while (sqlite3_step(select) == SQLITE_ROW) {
    const long long id = sqlite3_column_int64(select, 0);
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(select, 1));
    const std::string payload(bytes, static_cast<std::size_t>(sqlite3_column_bytes(select, 1)));
    if (payload == Payload(id)) ++intact;
  }
  sqlite3_finalize(select);
  return intact;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_gathering_vfs_writes_every_commit_and_others_see_it_at_once) {
  const std::string path = (FreshTempDirectory() / "a b%c?d#e=f.db").string();
  const std::string connect = storage::GatheringConnectString(path, "fallback");
  // This build of SQLite reads URI file names (Debian's has SQLITE_USE_URI; otherwise the
  // storage set SQLITE_CONFIG_URI before SQLite started).
  BOOST_REQUIRE(connect.starts_with("db=file://"));
  const std::string uri = connect.substr(3);
  {
    Connection writer(uri, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI);
    BOOST_TEST(writer.Text("PRAGMA journal_mode = WAL") == "wal");
    writer.Exec("PRAGMA synchronous = FULL");
    writer.Exec("PRAGMA cache_size = 8");  // pages: a transaction of many rows spills
    writer.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
    char* vfs = nullptr;
    BOOST_REQUIRE(sqlite3_file_control(writer.db, "main", SQLITE_FCNTL_VFSNAME, &vfs) ==
                  SQLITE_OK);
    BOOST_TEST(std::string(vfs).starts_with("eventify-gather/"));
    sqlite3_free(vfs);

    BOOST_REQUIRE(std::filesystem::exists(path));  // the path, not a URI-named file
    Connection reader(path, SQLITE_OPEN_READWRITE);
    long long rows = 0;
    for (int commit = 0; commit < 40; ++commit) {  // small commits, each seen at once
      InsertRows(writer, rows, rows + 5);
      rows += 5;
      BOOST_TEST_INFO("commit " << commit);
      BOOST_TEST(reader.Number("SELECT COUNT(*) FROM t") == rows);
    }
    InsertRows(writer, rows, rows + 700);  // 2 MB: more than one gathering, spilled pages read
    rows += 700;
    BOOST_TEST(reader.Number("SELECT COUNT(*) FROM t") == rows);
    BOOST_TEST(RowsIntact(reader) == rows);
    writer.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
    BOOST_TEST(RowsIntact(writer) == rows);
  }
  Connection again(path, SQLITE_OPEN_READWRITE);
  BOOST_TEST(again.Text("PRAGMA integrity_check") == "ok");
  BOOST_TEST(RowsIntact(again) == 900);
}

// A transaction that spilled pages into the log and rolled back leaves frames past the log's end,
// and the next writer, on another connection, writes its frames there: what the first connection
// gathered must be written out before it gives up the write lock, never after (after, it would
// overwrite the second connection's committed frames). Through SQL SQLite's rollback usually
// reads a page back from the log, which writes the gathered bytes out anyway; so the test
// gathers a frame's worth of bytes past the log's end itself, through the log's file object,
// inside a write transaction, as a spill would.
BOOST_AUTO_TEST_CASE(a_rolled_back_transaction_never_overwrites_another_connections_commit) {
  const std::string path = (FreshTempDirectory() / "rollback.db").string();
  const std::string connect = storage::GatheringConnectString(path, "fallback");
  BOOST_REQUIRE(connect.starts_with("db=file://"));
  {
    Connection gathering(connect.substr(3),
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI);
    BOOST_TEST(gathering.Text("PRAGMA journal_mode = WAL") == "wal");
    gathering.Exec("PRAGMA synchronous = FULL");
    gathering.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
    Connection plain(path, SQLITE_OPEN_READWRITE);
    InsertRows(plain, 0, 10);
    for (int round = 0; round < 3; ++round) {
      gathering.Exec("BEGIN IMMEDIATE");  // the write lock
      sqlite3_file* log = nullptr;
      BOOST_REQUIRE(sqlite3_file_control(gathering.db, "main", SQLITE_FCNTL_JOURNAL_POINTER,
                                         &log) == SQLITE_OK);
      BOOST_REQUIRE(log != nullptr);
      sqlite3_int64 end = 0;
      BOOST_REQUIRE(log->pMethods->xFileSize(log, &end) == SQLITE_OK);
      const std::string frame(4096 + 24, '\x5a');  // where the next commit's first frame goes
      BOOST_REQUIRE(log->pMethods->xWrite(log, frame.data(), static_cast<int>(frame.size()),
                                          end) == SQLITE_OK);
      gathering.Exec("ROLLBACK");
      const long long base = 10 + round * 20;
      InsertRows(plain, base, base + 20);
      // The first connection reads: had it kept the bytes, this would write them out now.
      BOOST_TEST(gathering.Number("SELECT COUNT(*) FROM t") == base + 20);
      BOOST_TEST(RowsIntact(gathering) == base + 20);
    }
  }
  Connection again(path, SQLITE_OPEN_READWRITE);
  BOOST_TEST(again.Text("PRAGMA integrity_check") == "ok");
  BOOST_TEST(RowsIntact(again) == 70);
}

}  // namespace eventify::testing
