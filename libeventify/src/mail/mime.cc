#include "mail/mime.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "core/status_macros.h"
#include "crypto/sodium.h"

namespace eventify::mail {
namespace {

constexpr std::string_view kCrlf = "\r\n";

bool HasLineBreak(std::string_view value) {
  return value.find_first_of("\r\n") != std::string_view::npos;
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 3; ++j) {
      group = (group << 8) | (j < n ? static_cast<unsigned char>(bytes[i + j]) : 0u);
    }
    for (std::size_t j = 0; j < 4; ++j) {
      out.push_back(j <= n ? kAlphabet[(group >> (18 - 6 * j)) & 0x3f] : '=');
    }
  }
  return out;
}

// Random letters: a boundary with no digits can never be mistaken for a code in the body.
std::string RandomLetters(std::size_t n) {
  std::string out;
  for (unsigned char byte : crypto::RandomBytes(n))
    out.push_back(static_cast<char>('a' + byte % 26));
  return out;
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append(kCrlf);
}

void AppendPart(std::string& out, std::string_view type, std::string_view body) {
  AppendHeader(out, "Content-Type", fmt::format("{}; charset=utf-8", type));
  AppendHeader(out, "Content-Transfer-Encoding", "quoted-printable");
  out.append(kCrlf).append(QuotedPrintable(body));
}

}  // namespace

Status CheckMessage(const spi::MailMessage& message) {
  // One address: no line break, space, bracket or comma (a second recipient in the To header).
  bool one_address = message.to.find('@') != std::string::npos;
  for (unsigned char c : message.to) {
    one_address = one_address && c > 0x20 && c != 0x7f && c != '<' && c != '>' && c != ',';
  }
  if (!one_address) {
    return InvalidArgument("invalid_mail_message", "the recipient must be one address on one line",
                           "to");
  }
  if (HasLineBreak(message.subject)) {
    return InvalidArgument("invalid_mail_message", "the subject must be a single line", "subject");
  }
  return Status::Ok();
}

Result<std::string> FromAddress(std::string_view from) {
  std::string_view address = from;
  const std::size_t open = from.find('<');
  if (open != std::string_view::npos) {
    const std::size_t close = from.find('>', open);
    const bool closed_last = close != std::string_view::npos && close + 1 == from.size();
    address = closed_last ? from.substr(open + 1, close - open - 1) : std::string_view();
  }
  const std::size_t at = address.find('@');
  bool printable = true;
  for (unsigned char c : from) printable = printable && c >= 0x20 && c < 0x7f;
  const bool valid = printable && at != std::string_view::npos && at > 0 &&
                     at + 1 < address.size() &&
                     address.find('@', at + 1) == std::string_view::npos &&
                     address.find_first_of(" \t<>") == std::string_view::npos;
  if (!valid) {
    return InvalidArgument("invalid_mail_from",
                           "the sender must be an address or \"Name <address>\" on one line",
                           "from");
  }
  return std::string(address);
}

std::string MessageIdDomain(std::string_view from) {
  auto address = FromAddress(from);
  if (!address.ok()) return "eventify.invalid";
  return address->substr(address->find('@') + 1);
}

Envelope NewEnvelope(std::string from, Timestamp now) {
  Envelope envelope;
  envelope.message_id =
      fmt::format("<{}@{}>", crypto::HexEncode(crypto::RandomBytes(16)), MessageIdDomain(from));
  envelope.from = std::move(from);
  envelope.date = now;
  envelope.boundary = "=_" + RandomLetters(28);
  return envelope;
}

Result<std::string> BuildMessage(const spi::MailMessage& message, const Envelope& envelope) {
  EV_RETURN_IF_ERROR(CheckMessage(message));
  EV_RETURN_IF_ERROR(spi::CheckMailFrom(envelope.from));
  std::string out;
  AppendHeader(out, "Date", FormatMailDate(envelope.date));
  AppendHeader(out, "From", envelope.from);
  AppendHeader(out, "To", message.to);
  AppendHeader(out, "Subject", EncodeHeaderText(message.subject));
  AppendHeader(out, "Message-ID", envelope.message_id);
  AppendHeader(out, "MIME-Version", "1.0");
  if (!message.html) {
    AppendPart(out, "text/plain", message.text);
    if (!out.ends_with(kCrlf)) out.append(kCrlf);
    return out;
  }
  AppendHeader(out, "Content-Type",
               fmt::format("multipart/alternative; boundary=\"{}\"", envelope.boundary));
  // RFC 2046: the CRLF before each delimiter belongs to the delimiter, not to the part.
  const std::string delimiter = fmt::format("\r\n--{}", envelope.boundary);
  out.append(kCrlf).append(delimiter.substr(kCrlf.size())).append(kCrlf);
  AppendPart(out, "text/plain", message.text);
  out.append(delimiter).append(kCrlf);
  AppendPart(out, "text/html", *message.html);
  out.append(delimiter).append("--").append(kCrlf);
  return out;
}

std::string FormatMailDate(Timestamp t) {
  using namespace std::chrono;
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> hms{floor<seconds>(t - day)};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[weekday(day).c_encoding()],
                     static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::string EncodeHeaderText(std::string_view value) {
  bool plain = value.find("=?") == std::string_view::npos;
  for (unsigned char c : value) plain = plain && c >= 0x20 && c < 0x7f;
  if (plain) return std::string(value);
  // "=?UTF-8?B?" + base64 + "?=" stays within 75 characters with at most 45 bytes per word.
  constexpr std::size_t kMaxBytes = 45;
  std::string out;
  std::size_t start = 0;
  while (start < value.size()) {
    std::size_t end = std::min(value.size(), start + kMaxBytes);
    // Never split a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
    while (end < value.size() && end > start + 1 &&
           (static_cast<unsigned char>(value[end]) & 0xc0) == 0x80) {
      --end;
    }
    if (!out.empty()) out.append("\r\n ");
    out.append("=?UTF-8?B?").append(Base64(value.substr(start, end - start))).append("?=");
    start = end;
  }
  return out;
}

std::string QuotedPrintable(std::string_view text) {
  constexpr std::size_t kMaxLine = 76;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  std::size_t line = 0;  // characters on the current output line
  auto append = [&](std::string_view piece) {
    // A soft line break ("=") keeps every line within kMaxLine, never inside an "=XX".
    if (line + piece.size() > kMaxLine - 1) {
      out.append("=\r\n");
      line = 0;
    }
    out.append(piece);
    line += piece.size();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      if (c == '\r') ++i;
      out.append(kCrlf);
      line = 0;
      continue;
    }
    const bool at_line_end = i + 1 == text.size() || text[i + 1] == '\n' || text[i + 1] == '\r';
    const bool literal =
        (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
    if (literal) {
      append(std::string_view(text.data() + i, 1));
    } else {
      const char encoded[3] = {'=', kHex[c >> 4], kHex[c & 0xf]};
      append(std::string_view(encoded, 3));
    }
  }
  return out;
}

}  // namespace eventify::mail

namespace eventify::spi {

Status CheckMailFrom(std::string_view from) { return mail::FromAddress(from).status(); }

}  // namespace eventify::spi
