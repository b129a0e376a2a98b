// Unit tests of the server's HTTP request parser and multipart/form-data reader: every accepted
// form, and the exact answer to each malformed input.
#define BOOST_TEST_MODULE http_parser
#include "http_parser.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "multipart.h"

using namespace eventify::server;

namespace {

constexpr HttpLimits kLimits{1024, 64};

// Feeds `bytes` in pieces of `step` bytes (the whole at once when 0) until the request ends or
// fails, and returns the parser; `consumed` receives how many bytes it took.
RequestParser Parse(const std::string& bytes, std::size_t step = 0,
                    std::size_t* consumed = nullptr) {
  RequestParser parser(kLimits);
  std::size_t pos = 0;
  while (pos < bytes.size() && (parser.state() == RequestParser::State::kHead ||
                                parser.state() == RequestParser::State::kBody)) {
    const std::size_t size = step == 0 ? bytes.size() - pos : std::min(step, bytes.size() - pos);
    pos += parser.Feed(std::string_view(bytes).substr(pos, size));
  }
  if (consumed != nullptr) *consumed = pos;
  return parser;
}

// Checks that `bytes` is refused with `status` and `code`.
void CheckRefused(const std::string& bytes, int status, const std::string& code) {
  BOOST_TEST_CONTEXT(bytes.substr(0, 80)) {
    const RequestParser parser = Parse(bytes);
    BOOST_REQUIRE(parser.state() == RequestParser::State::kFailed);
    BOOST_TEST(parser.error().status == status);
    BOOST_TEST(parser.error().code == code);
    BOOST_TEST(!parser.error().message.empty());
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_request_parses_whole_or_byte_by_byte) {
  const std::string request =
      "POST /api/v1/a%20b/%C3%A9?x=1&y=two+words&x=2&flag&e=%26 HTTP/1.1\r\n"
      "Host: example\r\nContent-Type: application/json\r\nX-Twice: one\r\n"
      "content-length: 5\r\nx-twice: two\r\n\r\nhello";
  for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
    BOOST_TEST_CONTEXT("step " << step) {
      RequestParser parser = Parse(request, step);
      BOOST_REQUIRE(parser.state() == RequestParser::State::kComplete);
      const RequestHead& head = parser.head();
      BOOST_TEST(head.method == "POST");
      BOOST_TEST(head.path == "/api/v1/a b/\xC3\xA9");
      BOOST_TEST(head.Query("x").value_or("<none>") == "1");
      BOOST_TEST(head.Query("y").value_or("<none>") == "two words");
      BOOST_TEST(head.Query("flag").value_or("<none>") == "");
      BOOST_TEST(head.Query("e").value_or("<none>") == "&");
      BOOST_TEST(!head.Query("z").has_value());
      BOOST_TEST(head.Header("CONTENT-TYPE").value_or("<none>") == "application/json");
      BOOST_TEST((head.HeaderValues("X-Twice") == std::vector<std::string_view>{"one", "two"}));
      BOOST_TEST(head.keep_alive);
      BOOST_TEST(parser.body() == "hello");
    }
  }
}

BOOST_AUTO_TEST_CASE(pipelined_requests_are_left_for_the_next_parse) {
  const std::string first = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string second = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  RequestParser parser(kLimits);
  const std::string both = first + second;
  const std::size_t consumed = parser.Feed(both);
  BOOST_REQUIRE(parser.state() == RequestParser::State::kComplete);
  BOOST_TEST(consumed == first.size());
  BOOST_TEST(parser.head().path == "/a");
  parser.Reset();
  BOOST_TEST(parser.Feed(std::string_view(both).substr(consumed)) == second.size());
  BOOST_TEST(parser.head().path == "/b");
  // Empty lines before a request line are skipped and do not start a request.
  parser.Reset();
  BOOST_TEST(parser.Feed("\r\n") == 2u);
  BOOST_TEST(!parser.started());
  parser.Feed("G");
  BOOST_TEST(parser.started());
}

BOOST_AUTO_TEST_CASE(keep_alive_follows_the_version_and_connection) {
  BOOST_TEST(Parse("GET / HTTP/1.1\r\n\r\n").head().keep_alive);
  BOOST_TEST(!Parse("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").head().keep_alive);
  BOOST_TEST(!Parse("GET / HTTP/1.0\r\n\r\n").head().keep_alive);
  BOOST_TEST(Parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").head().keep_alive);
  BOOST_TEST(
      (Parse("GET / HTTP/1.1\nHost: bare-lf\n\n").state() == RequestParser::State::kComplete));
  const RequestParser expecting =
      Parse("PUT / HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-Continue\r\n\r\n");
  BOOST_TEST((expecting.state() == RequestParser::State::kBody));
  BOOST_TEST(expecting.head().expect_continue);
}

BOOST_AUTO_TEST_CASE(chunked_bodies_are_decoded_within_the_limit) {
  const std::string request =
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n"
      "GET /next";
  for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
    std::size_t pos = 0;
    RequestParser parser = Parse(request, step, &pos);
    BOOST_REQUIRE((parser.state() == RequestParser::State::kComplete));
    BOOST_TEST(parser.body() == "hello 0123456789");
    BOOST_TEST(request.substr(pos) == "GET /next");
  }
  const std::string head = "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  CheckRefused(head + "41\r\n" + std::string(65, 'x') + "\r\n0\r\n\r\n", 413, "payload_too_large");
  CheckRefused(head + "20\r\n" + std::string(32, 'x') + "\r\n21\r\n", 413, "payload_too_large");
  CheckRefused(head + "zz\r\n", 400, "bad_request");
  CheckRefused(head + "-5\r\n", 400, "bad_request");
  CheckRefused(head + "\r\n", 400, "bad_request");
  CheckRefused(head + "1234567890abcdef0\r\n", 400, "bad_request");
  CheckRefused(head + "3\r\nabcX\r\n", 400, "bad_request");
  CheckRefused(head + std::string(2000, '1'), 400, "bad_request");
  CheckRefused(head + "0\r\n" + std::string(2000, 't'), 431, "request_header_fields_too_large");
  CheckRefused("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
               "not_implemented");
  CheckRefused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "bad_request");
  CheckRefused("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Encoding: gzip\r\n\r\n", 415,
               "unsupported_media_type");
  BOOST_TEST((Parse("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Encoding: identity\r\n\r\nx")
                  .state() == RequestParser::State::kComplete));
}

BOOST_AUTO_TEST_CASE(bad_content_length_is_refused_at_once) {
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\n";
  for (const char* value : {"-5", "+5", "5x", "0x10", " ", "5, 5", "1.0", "99999999999999999999"}) {
    CheckRefused(head + "Content-Length: " + value + "\r\n\r\n", 400, "bad_request");
  }
  BOOST_TEST(Parse(head + "Content-Length: -5\r\n\r\n").error().message ==
             "Content-Length must be a non-negative decimal number");
  CheckRefused(head + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400, "bad_request");
  CheckRefused(head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
               "bad_request");
  // Announced larger than the limit: refused before the body, with or without Expect.
  CheckRefused(head + "Content-Length: 65\r\n\r\n", 413, "payload_too_large");
  CheckRefused(head + "Content-Length: 65\r\nExpect: 100-continue\r\n\r\n", 413,
               "payload_too_large");
  CheckRefused(head + "Content-Length: 3\r\nExpect: something\r\n\r\n", 417, "expectation_failed");
  // The same length twice is one length.
  RequestParser twice = Parse(head + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc");
  BOOST_TEST((twice.state() == RequestParser::State::kComplete));
  BOOST_TEST(twice.body() == "abc");
  BOOST_TEST(
      (Parse(head + "Content-Length: 0\r\n\r\n").state() == RequestParser::State::kComplete));
}

BOOST_AUTO_TEST_CASE(malformed_heads_get_exact_errors) {
  CheckRefused("NONSENSE\r\n\r\n", 400, "bad_request");
  CheckRefused("GET /\r\n\r\n", 400, "bad_request");
  CheckRefused("GET  / HTTP/1.1\r\n\r\n", 400, "bad_request");
  CheckRefused("G(T / HTTP/1.1\r\n\r\n", 400, "bad_request");
  CheckRefused(std::string(40, 'A') + " / HTTP/1.1\r\n\r\n", 400, "bad_request");
  CheckRefused("GET http://h/ HTTP/1.1\r\n\r\n", 400, "bad_request");
  CheckRefused("GET /a\x01 HTTP/1.1\r\n\r\n", 400, "bad_request");
  CheckRefused("GET / HTTP/1.1x\r\n\r\n", 400, "bad_request");
  CheckRefused("GET / HTTPS/1.1\r\n\r\n", 400, "bad_request");
  CheckRefused("GET / HTTP/2.0\r\n\r\n", 505, "http_version_not_supported");
  CheckRefused("GET /%zz HTTP/1.1\r\n\r\n", 400, "bad_request");
  CheckRefused("GET /%4 HTTP/1.1\r\n\r\n", 400, "bad_request");
  CheckRefused("GET /a%00b HTTP/1.1\r\n\r\n", 400, "bad_request");
  CheckRefused("GET /?a=%g0 HTTP/1.1\r\n\r\n", 400, "bad_request");
  CheckRefused("GET / HTTP/1.1\r\nNo colon\r\n\r\n", 400, "bad_request");
  CheckRefused("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400, "bad_request");
  CheckRefused("GET / HTTP/1.1\r\n: empty name\r\n\r\n", 400, "bad_request");
  CheckRefused("GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n", 400, "bad_request");
  CheckRefused("GET / HTTP/1.1\r\nA: x\ry\r\n\r\n", 400, "bad_request");
  CheckRefused("GET / HTTP/1.1\r\nA: x\x7fy\r\n\r\n", 400, "bad_request");
  CheckRefused("GET / HTTP/1.1\r\nA: " + std::string(1100, 'a') + "\r\n\r\n", 431,
               "request_header_fields_too_large");
  // Too long before the end of the head is even seen.
  RequestParser endless(kLimits);
  endless.Feed("GET / HTTP/1.1\r\nA: ");
  endless.Feed(std::string(1100, 'a'));
  BOOST_TEST((endless.state() == RequestParser::State::kFailed));
  BOOST_TEST(endless.error().status == 431);
  // Unknown but well-formed methods reach the router, which answers 405 or 404.
  BOOST_TEST(Parse("BREW /pot HTTP/1.1\r\n\r\n").head().method == "BREW");
}

BOOST_AUTO_TEST_CASE(percent_decoding_and_query_strings) {
  BOOST_TEST(PercentDecode("a%2Fb+c", false).value_or("<bad>") == "a/b+c");
  BOOST_TEST(PercentDecode("a%2fb+c", true).value_or("<bad>") == "a/b c");
  BOOST_TEST(!PercentDecode("%", false).has_value());
  BOOST_TEST(!PercentDecode("%a", false).has_value());
  BOOST_TEST(!PercentDecode("%ag", false).has_value());
  const auto query = ParseQuery("a=1&&b&a=2&c=x=y");
  BOOST_REQUIRE(query.has_value());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"a", "1"}, {"b", ""}, {"a", "2"}, {"c", "x=y"}};
  BOOST_TEST((*query == expected));
}

BOOST_AUTO_TEST_CASE(multipart_keeps_the_first_part_of_each_name) {
  const std::string body =
      "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"avatar\"; "
      "filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--not-it\r\n"
      "--XyZ\r\ncontent-disposition: form-data; name=avatar\r\n\r\nsecond\r\n"
      "--XyZ \r\nContent-Disposition: form-data; name=\"q\\\"uote\"\r\n\r\n\r\n--XyZ--\r\n";
  FormParts parts;
  const auto error = ParseMultipart("Multipart/Form-Data; boundary=\"XyZ\"", body, parts);
  BOOST_REQUIRE(!error.has_value());
  BOOST_TEST(parts.size() == 2u);
  BOOST_TEST(parts["avatar"] == "\x89PNG\r\n--not-it");
  BOOST_TEST(parts["q\"uote"] == "");
  BOOST_TEST(IsMultipartFormData("multipart/form-data;boundary=a"));
  BOOST_TEST(!IsMultipartFormData("multipart/mixed; boundary=a"));
}

BOOST_AUTO_TEST_CASE(malformed_multipart_gets_exact_errors) {
  const auto refused = [](const std::string& content_type, const std::string& body,
                          const std::string& message) {
    FormParts parts;
    const auto error = ParseMultipart(content_type, body, parts);
    BOOST_TEST_CONTEXT(body) {
      BOOST_REQUIRE(error.has_value());
      BOOST_TEST(error->status == 400);
      BOOST_TEST(error->code == "bad_request");
      BOOST_TEST(error->message == "multipart body: " + message);
    }
  };
  const std::string type = "multipart/form-data; boundary=b";
  const std::string part = "Content-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n";
  refused("multipart/form-data", "--b\r\n" + part + "--b--",
          "the Content-Type has no valid boundary");
  refused("multipart/form-data; boundary=", "--\r\n", "the Content-Type has no valid boundary");
  refused("multipart/form-data; boundary=" + std::string(71, 'b'), "",
          "the Content-Type has no valid boundary");
  refused("multipart/form-data; boundary=\"b", "", "the Content-Type has no valid boundary");
  refused("text/plain; boundary=b", "", "not multipart/form-data");
  refused(type, "no delimiter at all", "the boundary does not occur");
  refused(type, "--bX\r\n" + part + "--b--", "a boundary line must end with CRLF");
  refused(type, "--b\r\nContent-Disposition: form-data; name=a", "a part's headers do not end");
  refused(type, "--b\r\n" + part, "a part does not end");
  refused(type, "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--",
          "a part has no Content-Disposition: form-data name");
  refused(type, "--b\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--b--",
          "a part has no Content-Disposition: form-data name");
  refused(type, "--b\r\nContent-Disposition: form-data; filename=a\r\n\r\nx\r\n--b--",
          "a part has no Content-Disposition: form-data name");
}
