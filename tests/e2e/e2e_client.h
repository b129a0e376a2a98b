// A small HTTP/JSON client for the end-to-end tests, plus helpers that read what the server
// leaves on disk (the outbox of e-mails) and build test inputs (a valid PNG), and the deployment
// every suite drives: one server on a temporary data folder, with helpers to make accounts.
#pragma once

#include <httplib.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eventify/engine.h"
#include "server_process.h"
#include "ws_client.h"

namespace eventify::e2e {

struct Reply {
  int status = 0;  // 0 when no HTTP response came back
  std::string body;
  httplib::Headers headers;
  rapidjson::Document json;  // parsed when the body is JSON

  bool has_json() const { return json.IsObject(); }
  // The string at a JSON pointer ("/user/email"), or "<missing>".
  std::string Str(const char* pointer) const;
  bool Bool(const char* pointer) const;
  std::int64_t Int(const char* pointer) const;
  bool IsNull(const char* pointer) const;
  // The length of the array at a JSON pointer, or -1 when there is no array there.
  int Count(const char* pointer) const;
  bool Has(const char* pointer) const;
  std::string Header(const std::string& name) const;
  // error.code of the common error shape, or "<missing>".
  std::string ErrorCode() const { return Str("/error/code"); }
  // True when the body is exactly
  // {"error":{"code":string,"message":string[,"field":string],"request_id":string}} and
  // request_id is the X-Request-Id header's.
  bool HasErrorShape() const;
};

// A JSON object of string members, properly escaped.
std::string JsonObject(std::initializer_list<std::pair<std::string, std::string>> members);

class Api {
 public:
  explicit Api(int port);

  Reply Get(const std::string& path, const std::string& token = "");
  // `headers` are sent in addition to Content-Type and Authorization.
  Reply PostJson(const std::string& path, const std::string& body, const std::string& token = "",
                 const httplib::Headers& headers = {});
  Reply PatchJson(const std::string& path, const std::string& body, const std::string& token = "");
  Reply PutJson(const std::string& path, const std::string& body, const std::string& token = "");
  Reply Send(const std::string& method, const std::string& path, const std::string& body,
             const std::string& content_type, const std::string& token = "",
             const httplib::Headers& headers = {});

 private:
  int port_;
};

// A TCP connection to 127.0.0.1:port (its descriptor), with SO_RCVBUF set before connecting when
// receive_buffer > 0. Throws std::runtime_error when it cannot connect.
int ConnectLoopback(int port, int receive_buffer = 0);

// A plain TCP connection to the server, for what an HTTP client library would not send.
class RawConnection {
 public:
  explicit RawConnection(int port);  // throws std::runtime_error when it cannot connect
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void Send(const std::string& bytes);
  // Ends what this side sends (a half-closed connection); the server may still answer.
  void ShutdownWrite();
  // Whether bytes (or the server's close) are waiting to be read, without waiting.
  bool HasReply();
  // What arrives until the server closes the connection or `seconds` pass.
  std::string ReadUntilClosed(int seconds);
  // Whether ReadUntilClosed saw the server close the connection.
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

// The first HTTP response in `raw` (status, headers, a body of Content-Length bytes, its JSON);
// status 0 when there is none. `consumed` receives its length, for pipelined responses.
Reply ParseRawReply(std::string_view raw, std::size_t* consumed = nullptr);

// Sends raw bytes on a fresh connection and returns what came back before the server closed the
// connection or `seconds` passed.
std::string RawExchange(int port, const std::string& request, int seconds);

// Waits (up to a few seconds) for an e-mail to `email` in `outbox` that is not in `seen`, marks it
// seen and returns the six-digit code in its body. Throws std::runtime_error when none comes.
std::string WaitForCode(const std::filesystem::path& outbox, const std::string& email,
                        std::set<std::string>& seen);

// A valid 1x1 grey PNG, built byte by byte (signature, IHDR, IDAT with a stored zlib block, IEND).
std::string TinyPng();

// The password of every account the helpers below create.
inline constexpr char kPassword[] = "Correct-Horse-42";

// The server under test with its temporary folder: started on first use, shared by the test cases
// of a suite, and by the operator commands run against the same data. On the backend
// EVENTIFY_TEST_BACKEND selects: SQLite in the data folder (the server's default), or a fresh
// PostgreSQL database. Construct it inside a test case (choosing the database may fail the test).
class Deployment {
 public:
  // extra_flags: config flags added to the common ones (a later flag wins); env: "NAME=value"
  // entries for every run of the binary (secrets, which are refused on the command line).
  explicit Deployment(std::string server_path, std::vector<std::string> extra_flags = {},
                      std::vector<std::string> env = {});
  Deployment(const Deployment&) = delete;
  Deployment& operator=(const Deployment&) = delete;

  ServerProcess& server();
  Api api() { return Api(server().port()); }

  // The flags every run of the binary gets: the server and the operator commands share them.
  std::vector<std::string> ConfigFlags() const;
  const std::vector<std::string>& env() const { return env_; }
  const std::string& server_path() const { return server_path_; }

  // Runs `server_path args... ConfigFlags()...` to completion with env() and `extra_env`.
  Completed Run(const std::vector<std::string>& args,
                const std::vector<std::string>& extra_env = {}) const;

  std::filesystem::path data_dir() const { return dir_.path() / "data"; }
  std::filesystem::path outbox() const { return data_dir() / "outbox"; }
  const std::filesystem::path& scratch() const { return dir_.path(); }

  // A new address, unique in this run.
  std::string NewEmail(const std::string& tag);
  // The code of the next e-mail to `email` (see WaitForCode).
  std::string CodeFor(const std::string& email);

  void Signal(int signal) { server().Signal(signal); }

  // Stops the server with SIGTERM (unless already signalled) and waits for its exit; the next
  // use starts a new one on the same data.
  ExitStatus Stop(std::string& log);

 private:
  TempDir dir_;
  std::string server_path_;
  std::vector<std::string> extra_flags_;
  std::vector<std::string> env_;
  std::string database_url_;
  std::unique_ptr<ServerProcess> server_;
  std::set<std::string> seen_mail_;
  int emails_ = 0;
};

struct Account {
  std::string email;
  std::string id;
  std::string access;
  std::string refresh;
};

Reply Login(Api& api, const std::string& email, const std::string& password);

// Registers (with `role`, "attendee" or "organizer"), verifies with the e-mailed code and logs
// in, with kPassword. Fails the test (BOOST_REQUIRE) when a step does not work.
Account NewVerifiedAccount(Deployment& deployment, const std::string& tag,
                           const std::string& role = "attendee");

// Stops the deployment's server with SIGTERM and checks that it exited with code 0 (its standard
// error is attached to the check).
void CheckStopsCleanly(Deployment& deployment);

// Creates an admin with `eventify-server admin create` and logs in, with kPassword.
Account NewAdmin(Deployment& deployment, const std::string& tag);

// Over HTTP, each step required to succeed (BOOST_REQUIRE): the organizer submits a profile and
// the admin verifies it.
void VerifyOrganizer(Api& api, const Account& organizer, const Account& admin);
// The admin creates a category; returns its id.
std::string NewCategory(Api& api, const Account& admin, const std::string& name);
// The body of POST /api/v1/events: an in-person event titled `title` in `category_id` at "Test
// Hall", starting at `starts_at` and lasting `length`, five seats at `price` each (0: free) that
// attendees may cancel, up to three a booking.
std::string EventBody(const std::string& title, const std::string& category_id, Timestamp starts_at,
                      Duration length, std::int64_t price);
// The organizer creates the event of `body` (POST /api/v1/events), submits it, and the admin
// approves it; returns its id.
std::string NewApprovedEvent(Api& api, const Account& organizer, const Account& admin,
                             const std::string& body);

// The admin's ledger audit over HTTP answers 200 and finds the ledger clean (BOOST_TEST).
void CheckCleanAudit(Api& api, const Account& admin);

// The wall clock now, at the library's resolution: what the server reads as now.
Timestamp Now();

// A second engine on the deployment's database, as a second node would be, for what has no HTTP
// route (funding a wallet, moving an event into the past). It runs no recurring jobs and sends no
// mail. Fails the test (BOOST_REQUIRE) when it does not open.
std::unique_ptr<Engine> OpenSecondEngine(Deployment& deployment);

// Credits `account`'s wallet with `amount` minor units of INR through `engine` (OpenSecondEngine),
// as a settled top-up leaves it (key "e2e-fund-<user id>": once per user; the top-up itself is
// e2e_wallet's subject). Fails the test (BOOST_REQUIRE) when the transfer is refused.
void FundWallet(Engine& engine, const Account& account, std::int64_t amount);

// The admin's direct conversation with `user`, opened through a second engine on the deployment's
// database (the hub protocol has no frame that opens one); returns its id. Fails the test
// (BOOST_REQUIRE) when it cannot be opened.
std::string DirectConversation(Deployment& deployment, const Account& admin, const Account& user);

// A WebSocket on `path` of the deployment's server, authenticated as `account`: the upgrade
// answered 101 and the `ready` frame read (checked to name the account).
std::unique_ptr<WsClient> Authenticated(Deployment& deployment, const std::string& path,
                                        const Account& account);

// "/ws/chat/<id>/"
std::string ChatPath(const std::string& conversation_id);

// A `message` frame for the conversation whose idempotency key and ref are both `key`.
std::string MessageFrame(const std::string& conversation_id, const std::string& text,
                         const std::string& key);

// Checks a failure: the status, error.code, the common error shape, an X-Request-Id, and
// error.field when `field` is given.
void CheckError(const Reply& reply, int status, const std::string& code,
                const std::string& field = "");

}  // namespace eventify::e2e
