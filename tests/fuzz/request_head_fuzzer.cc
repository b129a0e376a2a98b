// HTTP/1.1 requests as the server's connections read them (server/http_parser.cc): request line,
// headers, Content-Length or chunked bodies, several requests pipelined on one connection.
// Input: the bytes a client sends.
// Properties: a parser never claims more bytes than it was given, and a complete request framed by
// Content-Length has exactly that many body bytes.
#include <cstdint>

#include "fuzz_support.h"
#include "http_parser.h"

using eventify::server::BodyFraming;
using eventify::server::HttpLimits;
using eventify::server::RequestParser;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  HttpLimits limits;
  limits.max_body_bytes = 64 * 1024;
  RequestParser parser(limits);
  std::string_view rest = eventify::fuzz::AsText(data, size);
  for (int request = 0; request < 16 && !rest.empty(); ++request) {
    const std::size_t used = parser.Feed(rest);
    eventify::fuzz::Require(used <= rest.size(), "the parser consumed no more than it was given");
    rest.remove_prefix(used);
    if (parser.state() != RequestParser::State::kComplete) break;
    if (parser.head().framing == BodyFraming::kContentLength) {
      eventify::fuzz::Require(parser.body().size() == parser.head().content_length,
                              "a Content-Length body has exactly that many bytes");
    }
    parser.Reset();
  }
  return 0;
}
