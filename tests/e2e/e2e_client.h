// A small HTTP/JSON client for the end-to-end tests, plus helpers that read what the server
// leaves on disk (the outbox of e-mails) and build test inputs (a valid PNG).
#pragma once

#include <httplib.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <initializer_list>
#include <set>
#include <string>
#include <utility>

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
  bool Has(const char* pointer) const;
  std::string Header(const std::string& name) const;
  // error.code of the common error shape, or "<missing>".
  std::string ErrorCode() const { return Str("/error/code"); }
  // True when the body is exactly {"error":{"code":string,"message":string[,"field":string]}}.
  bool HasErrorShape() const;
};

// A JSON object of string members, properly escaped.
std::string JsonObject(std::initializer_list<std::pair<std::string, std::string>> members);

class Api {
 public:
  explicit Api(int port);

  Reply Get(const std::string& path, const std::string& token = "");
  Reply PostJson(const std::string& path, const std::string& body, const std::string& token = "");
  Reply PatchJson(const std::string& path, const std::string& body, const std::string& token = "");
  Reply PutJson(const std::string& path, const std::string& body, const std::string& token = "");
  Reply Send(const std::string& method, const std::string& path, const std::string& body,
             const std::string& content_type, const std::string& token = "");

 private:
  int port_;
};

// A plain TCP connection to the server, for what an HTTP client library would not send.
class RawConnection {
 public:
  explicit RawConnection(int port);  // throws std::runtime_error when it cannot connect
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void Send(const std::string& bytes);
  // What arrives until the server closes the connection or `seconds` pass.
  std::string ReadUntilClosed(int seconds);

 private:
  int fd_ = -1;
};

// Sends raw bytes on a fresh connection and returns what came back before the server closed the
// connection or `seconds` passed.
std::string RawExchange(int port, const std::string& request, int seconds);

// Waits (up to a few seconds) for an e-mail to `email` in `outbox` that is not in `seen`, marks it
// seen and returns the six-digit code in its body. Throws std::runtime_error when none comes.
std::string WaitForCode(const std::filesystem::path& outbox, const std::string& email,
                        std::set<std::string>& seen);

// A valid 1x1 grey PNG, built byte by byte (signature, IHDR, IDAT with a stored zlib block, IEND).
std::string TinyPng();

}  // namespace eventify::e2e
