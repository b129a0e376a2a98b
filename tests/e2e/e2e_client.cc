#include "e2e_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "eventify/chat.h"
#include "eventify/spi/mailer.h"
#include "eventify/spi/media_store.h"
#include "support/test_storage.h"

namespace eventify::e2e {
namespace {

const rapidjson::Value* At(const rapidjson::Document& json, const char* pointer) {
  if (!json.IsObject()) return nullptr;
  return rapidjson::Pointer(pointer).Get(json);
}

std::uint32_t Crc32(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void AppendBigEndian(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

void AppendChunk(std::string& png, std::string_view type, std::string_view data) {
  AppendBigEndian(png, static_cast<std::uint32_t>(data.size()));
  const std::string typed = std::string(type) + std::string(data);
  png += typed;
  AppendBigEndian(png, Crc32(typed));
}

}  // namespace

std::string Reply::Str(const char* pointer) const {
  const rapidjson::Value* value = At(json, pointer);
  if (value == nullptr || !value->IsString()) return "<missing>";
  return std::string(value->GetString(), value->GetStringLength());
}

bool Reply::Bool(const char* pointer) const {
  const rapidjson::Value* value = At(json, pointer);
  return value != nullptr && value->IsBool() && value->GetBool();
}

std::int64_t Reply::Int(const char* pointer) const {
  const rapidjson::Value* value = At(json, pointer);
  return value != nullptr && value->IsInt64() ? value->GetInt64() : -1;
}

bool Reply::IsNull(const char* pointer) const {
  const rapidjson::Value* value = At(json, pointer);
  return value != nullptr && value->IsNull();
}

int Reply::Count(const char* pointer) const {
  const rapidjson::Value* value = At(json, pointer);
  return value != nullptr && value->IsArray() ? static_cast<int>(value->Size()) : -1;
}

bool Reply::Has(const char* pointer) const { return At(json, pointer) != nullptr; }

std::string Reply::Header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

bool Reply::HasErrorShape() const {
  if (!json.IsObject() || json.MemberCount() != 1 || !json.HasMember("error")) return false;
  const rapidjson::Value& error = json["error"];
  if (!error.IsObject()) return false;
  for (const auto& member : error.GetObject()) {
    const std::string name = member.name.GetString();
    if (name != "code" && name != "message" && name != "field" && name != "request_id") {
      return false;
    }
    if (!member.value.IsString()) return false;
  }
  return error.HasMember("code") && error.HasMember("message") && error.HasMember("request_id") &&
         Str("/error/request_id") == Header("X-Request-Id");
}

std::string JsonObject(std::initializer_list<std::pair<std::string, std::string>> members) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  for (const auto& [key, value] : members) {
    writer.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
    writer.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
  }
  writer.EndObject();
  return buffer.GetString();
}

Api::Api(int port) : port_(port) {}

Reply Api::Send(const std::string& method, const std::string& path, const std::string& body,
                const std::string& content_type, const std::string& token,
                const httplib::Headers& headers) {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(30));
  httplib::Request request;
  request.method = method;
  request.path = path;
  request.body = body;
  request.headers = headers;
  if (!content_type.empty()) request.set_header("Content-Type", content_type);
  if (!token.empty()) request.set_header("Authorization", "Bearer " + token);
  const httplib::Result result = client.send(request);
  Reply reply;
  if (!result) return reply;
  reply.status = result->status;
  reply.body = result->body;
  reply.headers = result->headers;
  if (result->get_header_value("Content-Type").rfind("application/json", 0) == 0) {
    reply.json.Parse(reply.body.c_str(), reply.body.size());
  }
  return reply;
}

Reply Api::Get(const std::string& path, const std::string& token) {
  return Send("GET", path, "", "", token);
}
Reply Api::PostJson(const std::string& path, const std::string& body, const std::string& token,
                    const httplib::Headers& headers) {
  return Send("POST", path, body, "application/json", token, headers);
}
Reply Api::PatchJson(const std::string& path, const std::string& body, const std::string& token) {
  return Send("PATCH", path, body, "application/json", token);
}
Reply Api::PutJson(const std::string& path, const std::string& body, const std::string& token) {
  return Send("PUT", path, body, "application/json", token);
}

int ConnectLoopback(int port, int receive_buffer) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket");
  if (receive_buffer > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    throw std::runtime_error("connect");
  }
  return fd;
}

RawConnection::RawConnection(int port) : fd_(ConnectLoopback(port)) {}

RawConnection::~RawConnection() { ::close(fd_); }

void RawConnection::Send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send");
    sent += static_cast<std::size_t>(n);
  }
}

void RawConnection::ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

bool RawConnection::HasReply() {
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

std::string RawConnection::ReadUntilClosed(int seconds) {
  std::string response;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::array<char, 4096> buffer{};
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (n <= 0) {
      closed_ = true;
      break;
    }
    response.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return response;
}

Reply ParseRawReply(std::string_view raw, std::size_t* consumed) {
  Reply reply;
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string_view::npos) return reply;
  std::size_t line_end = raw.find("\r\n");
  reply.status = std::atoi(std::string(raw.substr(9, 3)).c_str());
  while (line_end < head_end) {
    const std::size_t start = line_end + 2;
    line_end = raw.find("\r\n", start);
    const std::string_view line = raw.substr(start, line_end - start);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    reply.headers.emplace(std::string(line.substr(0, colon)), std::string(value));
  }
  const std::size_t length = std::strtoul(reply.Header("Content-Length").c_str(), nullptr, 10);
  reply.body = std::string(raw.substr(head_end + 4, length));
  if (consumed != nullptr) *consumed = std::min(raw.size(), head_end + 4 + length);
  if (reply.Header("Content-Type").rfind("application/json", 0) == 0) {
    reply.json.Parse(reply.body.c_str(), reply.body.size());
  }
  return reply;
}

std::string RawExchange(int port, const std::string& request, int seconds) {
  RawConnection connection(port);
  connection.Send(request);
  return connection.ReadUntilClosed(seconds);
}

std::string WaitForCode(const std::filesystem::path& outbox, const std::string& email,
                        std::set<std::string>& seen) {
  const std::string suffix = "-" + email + ".eml";
  const std::regex code(R"((^|[^0-9])([0-9]{6})([^0-9]|$))");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    std::vector<std::string> names;
    std::error_code ignored;
    for (const auto& entry : std::filesystem::directory_iterator(outbox, ignored)) {
      const std::string name = entry.path().filename().string();
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
          seen.count(name) == 0) {
        names.push_back(name);
      }
    }
    if (!names.empty()) {
      std::sort(names.begin(), names.end());  // names begin with the time they were written
      const std::string name = names.front();
      seen.insert(name);
      std::ifstream in(outbox / name, std::ios::binary);
      std::ostringstream contents;
      contents << in.rdbuf();
      const std::string message = contents.str();
      const std::size_t body_start = message.find("\r\n\r\n");
      const std::string body = body_start == std::string::npos ? "" : message.substr(body_start);
      std::smatch match;
      if (!std::regex_search(body, match, code)) {
        throw std::runtime_error("no six-digit code in " + name + ":\n" + message);
      }
      return match[2].str();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("no new e-mail to " + email + " in " + outbox.string());
}

std::string TinyPng() {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string header;
  AppendBigEndian(header, 1);  // width
  AppendBigEndian(header, 1);  // height
  header +=
      std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit greyscale, deflate, no filter/interlace
  AppendChunk(png, "IHDR", header);
  // zlib: header 78 01, one final stored block of 2 bytes (filter 0, pixel 0), Adler-32 00020001.
  AppendChunk(png, "IDAT", std::string("\x78\x01\x01\x02\x00\xfd\xff\x00\x00\x00\x02\x00\x01", 13));
  AppendChunk(png, "IEND", "");
  return png;
}

Deployment::Deployment(std::string server_path, std::vector<std::string> extra_flags,
                       std::vector<std::string> env)
    : server_path_(std::move(server_path)),
      extra_flags_(std::move(extra_flags)),
      env_(std::move(env)),
      database_url_(eventify::testing::TestBackend() == "postgresql"
                        ? eventify::testing::FreshDatabaseUrl()
                        : "") {}

ServerProcess& Deployment::server() {
  if (!server_) {
    std::vector<std::string> argv = {server_path_};
    for (const std::string& flag : ConfigFlags()) argv.push_back(flag);
    server_ = std::make_unique<ServerProcess>(argv, dir_.path(), env_);
  }
  return *server_;
}

std::vector<std::string> Deployment::ConfigFlags() const {
  std::vector<std::string> flags = {
      "--listen.port=0",
      "--ws.port=0",
      "--data_dir=" + data_dir().string(),
      "--accounts.password_hash_cost=minimum",
      "--accounts.code_resend_interval=0s",
      "--accounts.code_max_sends_per_hour=100",
      "--http.keep_alive_timeout=2s",
      // The suites send many requests from one address: limits far above them (the operations
      // suite sets its own).
      "--http.rate_limit.per_address=100000/s",
      "--http.rate_limit.per_address_burst=100000",
      "--http.rate_limit.per_user=100000/s",
      "--http.rate_limit.per_user_burst=100000",
      "--http.rate_limit.auth_per_address=100000/s",
      "--http.rate_limit.auth_per_address_burst=100000",
  };
  if (!database_url_.empty()) flags.push_back("--database.url=" + database_url_);
  flags.insert(flags.end(), extra_flags_.begin(), extra_flags_.end());
  return flags;
}

Completed Deployment::Run(const std::vector<std::string>& args,
                          const std::vector<std::string>& extra_env) const {
  std::vector<std::string> argv = {server_path_};
  argv.insert(argv.end(), args.begin(), args.end());
  for (const std::string& flag : ConfigFlags()) argv.push_back(flag);
  std::vector<std::string> env = extra_env;
  env.insert(env.end(), env_.begin(), env_.end());
  return RunProgram(argv, env, scratch());
}

std::string Deployment::NewEmail(const std::string& tag) {
  return "e2e-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(++emails_) +
         "@example.com";
}

std::string Deployment::CodeFor(const std::string& email) {
  return WaitForCode(outbox(), email, seen_mail_);
}

ExitStatus Deployment::Stop(std::string& log) {
  server().Signal(SIGTERM);
  ExitStatus status = server_->Wait(std::chrono::seconds(20));
  log = server_->err();
  server_.reset();
  return status;
}

void CheckStopsCleanly(Deployment& deployment) {
  std::string log;
  const ExitStatus status = deployment.Stop(log);
  BOOST_TEST_INFO("stderr: " << log);
  BOOST_TEST(status.exited, Describe(status));
  BOOST_TEST(status.code == 0);
}

Reply Login(Api& api, const std::string& email, const std::string& password) {
  return api.PostJson("/api/v1/auth/login", JsonObject({{"email", email}, {"password", password}}));
}

Account NewVerifiedAccount(Deployment& deployment, const std::string& tag,
                           const std::string& role) {
  Api api = deployment.api();
  Account account;
  account.email = deployment.NewEmail(tag);
  const Reply registered =
      api.PostJson("/api/v1/auth/register", JsonObject({{"email", account.email},
                                                        {"password", kPassword},
                                                        {"full_name", "Test " + tag},
                                                        {"role", role}}));
  BOOST_REQUIRE_EQUAL(registered.status, 201);
  account.id = registered.Str("/user/id");
  const std::string code = deployment.CodeFor(account.email);
  const Reply verified = api.PostJson("/api/v1/auth/verify-email",
                                      JsonObject({{"email", account.email}, {"code", code}}));
  BOOST_REQUIRE_EQUAL(verified.status, 200);
  const Reply login = Login(api, account.email, kPassword);
  BOOST_REQUIRE_EQUAL(login.status, 200);
  account.access = login.Str("/access_token");
  account.refresh = login.Str("/refresh_token");
  return account;
}

Account NewAdmin(Deployment& deployment, const std::string& tag) {
  Api api = deployment.api();  // the operator's commands need an installation the server set up
  Account admin;
  admin.email = deployment.NewEmail(tag);
  const Completed created =
      deployment.Run({"admin", "create", "--email", admin.email, "--full-name", "Admin " + tag},
                     {std::string("EVENTIFY_ADMIN_PASSWORD=") + kPassword});
  BOOST_TEST_INFO("stderr: " << created.err);
  BOOST_REQUIRE(created.status.exited && created.status.code == 0);
  admin.id = created.out.substr(0, created.out.find('\n'));
  const Reply login = Login(api, admin.email, kPassword);
  BOOST_REQUIRE_EQUAL(login.status, 200);
  admin.access = login.Str("/access_token");
  admin.refresh = login.Str("/refresh_token");
  return admin;
}

void VerifyOrganizer(Api& api, const Account& organizer, const Account& admin) {
  BOOST_REQUIRE_EQUAL(
      api.PostJson("/api/v1/organizer/profile",
                   JsonObject({{"organisation_name", "E2E Events"},
                               {"about", "We test"},
                               {"contact", "org@example.com"}}),
                   organizer.access)
          .status,
      200);
  BOOST_REQUIRE_EQUAL(
      api.PostJson("/api/v1/admin/organizers/" + organizer.id + "/verify", "", admin.access).status,
      200);
}

std::string NewCategory(Api& api, const Account& admin, const std::string& name) {
  const Reply category =
      api.PostJson("/api/v1/admin/categories", JsonObject({{"name", name}}), admin.access);
  BOOST_REQUIRE_EQUAL(category.status, 201);
  return category.Str("/category/id");
}

std::string EventBody(const std::string& title, const std::string& category_id, Timestamp starts_at,
                      Duration length, std::int64_t price) {
  return "{\"title\":\"" + title +
         "\",\"description\":\"A concert for the tests\",\"category_id\":\"" + category_id +
         "\",\"venue\":\"Test Hall\",\"starts_at\":\"" + FormatTimestamp(starts_at) +
         "\",\"ends_at\":\"" + FormatTimestamp(starts_at + length) +
         "\",\"time_zone\":\"Asia/Kolkata\",\"capacity\":5,\"price\":" + std::to_string(price) +
         ",\"attendees_may_cancel\":true,\"max_tickets_per_booking\":3}";
}

std::string NewApprovedEvent(Api& api, const Account& organizer, const Account& admin,
                             const std::string& body) {
  const Reply created = api.PostJson("/api/v1/events", body, organizer.access);
  BOOST_TEST_INFO("body " << created.body);
  BOOST_REQUIRE_EQUAL(created.status, 201);
  const std::string event_id = created.Str("/event/id");
  BOOST_REQUIRE_EQUAL(
      api.PostJson("/api/v1/events/" + event_id + "/submit", "", organizer.access).status, 200);
  BOOST_REQUIRE_EQUAL(
      api.PostJson("/api/v1/admin/events/" + event_id + "/approve", "", admin.access).status, 200);
  return event_id;
}

void CheckCleanAudit(Api& api, const Account& admin) {
  const Reply audit = api.Get("/api/v1/admin/ledger/audit", admin.access);
  BOOST_TEST(audit.status == 200);
  BOOST_TEST(audit.Bool("/clean"));
}

Timestamp Now() { return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()); }

namespace {

class NoMail final : public spi::Mailer {
 public:
  Status Send(const spi::MailMessage&) override { return Status::Ok(); }
};

}  // namespace

std::unique_ptr<Engine> OpenSecondEngine(Deployment& deployment) {
  std::string url = "sqlite:" + (deployment.data_dir() / "eventify.db").string();
  for (const std::string& flag : deployment.ConfigFlags()) {
    if (flag.rfind("--database.url=", 0) == 0) url = flag.substr(std::string("--database.url=").size());
  }
  spi::SociStorageOptions storage_options;
  storage_options.url = url;
  EngineOptions options;
  options.secret_key = std::string(32, 'e');
  options.storage = testing::OpenStorageOrFail(storage_options);
  options.mailer = std::make_shared<NoMail>();
  options.media_store = spi::MakeFilesystemMediaStore("/nonexistent-media", "/media/");
  options.jobs.schedules = {};
  auto engine = Engine::Open(std::move(options));
  BOOST_REQUIRE_MESSAGE(engine.ok(), engine.status().ToString());
  return std::move(engine).value();
}

void FundWallet(Engine& engine, const Account& account, std::int64_t amount) {
  TransferRequest funding;
  funding.idempotency_key = "e2e-fund-" + account.id;
  funding.kind = TransferKind::kCredit;
  funding.from = {AccountKind::kGatewayClearing, "", "INR"};
  funding.to = {AccountKind::kUserWallet, account.id, "INR"};
  funding.amount = {amount, "INR"};
  const Result<Transfer> funded = engine.ledger().CreateTransfer(funding);
  BOOST_REQUIRE_MESSAGE(funded.ok(), funded.status().ToString());
}

void CheckError(const Reply& reply, int status, const std::string& code, const std::string& field) {
  BOOST_TEST_CONTEXT("body " << reply.body) {
    BOOST_TEST(reply.status == status);
    BOOST_TEST(reply.ErrorCode() == code);
    BOOST_TEST(reply.HasErrorShape());
    BOOST_TEST(!reply.Header("X-Request-Id").empty());
    if (!field.empty()) BOOST_TEST(reply.Str("/error/field") == field);
  }
}

std::string DirectConversation(Deployment& deployment, const Account& admin, const Account& user) {
  auto setup = OpenSecondEngine(deployment);
  const Principal caller{admin.id, Role::kAdmin, ""};
  auto conversation = setup->chat().OpenDirect(caller, user.id);
  BOOST_REQUIRE_MESSAGE(conversation.ok(), conversation.status().ToString());
  return conversation->id;
}

std::unique_ptr<WsClient> Authenticated(Deployment& deployment, const std::string& path,
                                        const Account& account) {
  auto client = std::make_unique<WsClient>(deployment.server().ws_port(), path);
  BOOST_REQUIRE_EQUAL(client->status(), 101);
  client->Authenticate(account.access);
  const auto ready = client->WaitFor("ready");
  BOOST_REQUIRE_MESSAGE(ready.has_value(), "no ready frame; close code "
                                               << client->close_frame().code << " "
                                               << client->close_frame().reason);
  BOOST_TEST(JsonString(*ready, "/user_id") == account.id);
  return client;
}

std::string ChatPath(const std::string& conversation_id) {
  return "/ws/chat/" + conversation_id + "/";
}

std::string MessageFrame(const std::string& conversation_id, const std::string& text,
                         const std::string& key) {
  return JsonObject({{"type", "message"},
                     {"conversation_id", conversation_id},
                     {"text", text},
                     {"idempotency_key", key},
                     {"ref", key}});
}

}  // namespace eventify::e2e
