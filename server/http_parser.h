// The HTTP/1.1 request parser of eventify-server: pure code over bytes, no sockets, so that it can
// be tested and fuzzed on its own (server/http_server.cc feeds it what the network delivers).
//
// RequestParser reads one request at a time, incrementally: the head (request line and header
// fields, up to HttpLimits::max_header_bytes), then the body framed by Content-Length or chunked
// transfer coding (up to HttpLimits::max_body_bytes). Everything it refuses ends in an HttpError
// that names the HTTP status and the stable error code of the answer; after an error the
// connection must be closed, since the framing of what follows is unknown. docs/http.md lists the
// rules and the answers.
//
// Thread-safety: values; use each parser from one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventify::server {

struct HttpLimits {
  std::size_t max_header_bytes = 16 * 1024;      // request line, header fields and trailers
  std::size_t max_body_bytes = 4 * 1024 * 1024;  // the decoded body
};

// Why a request is refused before it reaches a route.
struct HttpError {
  int status = 400;
  std::string code;  // "bad_request", "payload_too_large", ...
  std::string message;
};

struct HttpHeader {
  std::string name;   // as received
  std::string value;  // without surrounding whitespace
};

enum class BodyFraming { kNone, kContentLength, kChunked };

struct RequestHead {
  std::string method;  // a token, case-sensitive ("GET")
  std::string target;  // the request-target as received ("/a%20b?x=1")
  std::string path;    // percent-decoded, without the query
  // The query string, percent-decoded with '+' as a space, in the order received.
  std::vector<std::pair<std::string, std::string>> query;
  int minor_version = 1;  // HTTP/1.minor_version
  std::vector<HttpHeader> headers;

  BodyFraming framing = BodyFraming::kNone;
  std::uint64_t content_length = 0;  // with kContentLength
  bool keep_alive = true;        // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only on request
  bool expect_continue = false;  // "Expect: 100-continue"

  // The first value of a header (name compared case-insensitively).
  std::optional<std::string_view> Header(std::string_view name) const;
  // Every value of a header, in the order received.
  std::vector<std::string_view> HeaderValues(std::string_view name) const;
  // The first value of a query parameter.
  std::optional<std::string_view> Query(std::string_view name) const;
};

class RequestParser {
 public:
  enum class State { kHead, kBody, kComplete, kFailed };

  explicit RequestParser(HttpLimits limits);

  // Consumes what it can of `input` and returns the number of bytes consumed. It stops at the end
  // of a request (kComplete) or at an error (kFailed): bytes after that are left to the caller,
  // e.g. a pipelined next request. Fuzz entry point: RequestParser(HttpLimits{}).Feed(bytes).
  std::size_t Feed(std::string_view input);

  State state() const { return state_; }
  // Whether any byte of this request has arrived (leading empty lines do not count).
  bool started() const { return started_; }
  // Valid from kBody on.
  const RequestHead& head() const { return head_; }
  // Hands the head over (from kBody on); Reset before the next request.
  RequestHead TakeHead() { return std::move(head_); }
  // The decoded body so far; complete at kComplete.
  std::string& body() { return body_; }
  // Valid at kFailed.
  const HttpError& error() const { return error_; }

  // Prepares for the next request of the connection.
  void Reset();

 private:
  std::size_t FeedHead(std::string_view input);
  std::size_t FeedBody(std::string_view input);
  std::size_t FeedChunked(std::string_view input);
  void Fail(int status, std::string_view code, std::string message);

  enum class ChunkStep { kSize, kData, kDataEnd, kTrailer };

  HttpLimits limits_;
  State state_ = State::kHead;
  bool started_ = false;
  std::string head_bytes_;
  RequestHead head_;
  std::string body_;
  HttpError error_;

  ChunkStep chunk_step_ = ChunkStep::kSize;
  std::string line_;              // a chunk-size or trailer line being read
  std::uint64_t chunk_left_ = 0;  // data bytes of the current chunk still to read
  std::size_t trailer_bytes_ = 0;
};

// Parses a complete request head (request line and header fields, ending with an empty line) and
// checks its framing: the body's length, keep-alive, Expect. Used by RequestParser; returns the
// error that refuses it otherwise.
std::optional<HttpError> ParseRequestHead(std::string_view bytes, const HttpLimits& limits,
                                          RequestHead& head);

// Percent-decodes `text`, reading '+' as a space when `plus_is_space` (query strings).
// nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Splits a query string ("a=1&b=x+y") into decoded pairs, in order; nullopt on a bad escape.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view text);

// Without leading and trailing spaces and tabs.
std::string_view TrimSpaces(std::string_view text);
// ASCII letters lower-cased, other bytes kept.
std::string AsciiLower(std::string_view text);

// Whether two header names are equal, ignoring ASCII case.
bool HeaderNameEquals(std::string_view a, std::string_view b);

}  // namespace eventify::server
