#include "events/validation.h"

#include <algorithm>
#include <fstream>
#include <system_error>
#include <filesystem>

#include "accounts/validation.h"

namespace eventify::events {
namespace {

using accounts::ScanUtf8;
using accounts::Trim;

bool IsZoneChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '+' || c == '-';
}

bool IsWordByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool IsWebUrl(std::string_view url) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (url.size() > scheme.size() && url.substr(0, scheme.size()) == scheme) {
      return std::none_of(url.begin(), url.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
      });
    }
  }
  return false;
}

}  // namespace

Result<std::string> NormalizeText(std::string_view text, std::size_t max_chars, bool multiline,
                                  const char* reason, const char* message, const char* field) {
  const std::string_view trimmed = Trim(text);
  std::size_t chars = 0;
  bool has_control = false;
  bool ok = ScanUtf8(trimmed, chars, has_control) && chars >= 1 && chars <= max_chars;
  if (ok && has_control) {
    // Line breaks and tabs are the only control characters a multi-line text may hold.
    ok = multiline && std::none_of(trimmed.begin(), trimmed.end(), [](char c) {
           const auto u = static_cast<unsigned char>(c);
           return (u < 0x20 && c != '\n' && c != '\r' && c != '\t') || u == 0x7F;
         });
    if (ok) {
      // C1 controls (U+0080-U+009F) are encoded as 0xC2 0x80-0x9F.
      for (std::size_t i = 0; ok && i + 1 < trimmed.size(); ++i) {
        ok = !(static_cast<unsigned char>(trimmed[i]) == 0xC2 &&
               static_cast<unsigned char>(trimmed[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(trimmed[i + 1]) <= 0x9F);
      }
    }
  }
  if (!ok) return InvalidArgument(reason, message, field);
  return std::string(trimmed);
}

Result<OrganizerApplication> NormalizeApplication(const OrganizerApplication& application) {
  OrganizerApplication out;
  auto name = NormalizeText(application.organisation_name, 200, false,
                            "invalid_organisation_name",
                            "the organisation name must be 1 to 200 characters",
                            "organisation_name");
  if (!name.ok()) return name.status();
  out.organisation_name = std::move(name).value();
  auto about = NormalizeText(application.about, 5000, true, "invalid_about",
                             "'about' must be 1 to 5000 characters", "about");
  if (!about.ok()) return about.status();
  out.about = std::move(about).value();
  auto contact = NormalizeText(application.contact, 200, false, "invalid_contact",
                               "the contact must be 1 to 200 characters", "contact");
  if (!contact.ok()) return contact.status();
  out.contact = std::move(contact).value();
  return out;
}

Result<std::string> NormalizeCategoryName(std::string_view name) {
  return NormalizeText(name, 100, false, "invalid_category_name",
                       "a category name must be 1 to 100 characters", "name");
}

Result<std::string> NormalizeNote(std::string_view note, bool required) {
  if (!required && Trim(note).empty()) return std::string();
  return NormalizeText(note, kMaxNoteChars, true, "invalid_note",
                       required ? "a note of 1 to 1000 characters is required"
                                : "the note must be at most 1000 characters",
                       "note");
}

bool IsKnownTimeZone(std::string_view zoneinfo_dir, std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t slash = std::min(name.find('/', start), name.size());
    const std::string_view segment = name.substr(start, slash - start);
    if (segment.empty() || !std::all_of(segment.begin(), segment.end(), IsZoneChar)) return false;
    start = slash + 1;
  }
  // Only letters, digits and _+- between slashes: the path cannot leave zoneinfo_dir.
  const std::filesystem::path path = std::filesystem::path(zoneinfo_dir) / std::string(name);
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return false;
  std::ifstream file(path, std::ios::binary);
  char magic[4] = {};
  return file.read(magic, 4) && std::string_view(magic, 4) == "TZif";
}

Result<EventDraft> NormalizeDraft(const EventDraft& draft, std::string_view zoneinfo_dir) {
  EventDraft out = draft;
  auto title = NormalizeText(draft.title, 200, false, "invalid_title",
                             "the title must be 1 to 200 characters", "title");
  if (!title.ok()) return title.status();
  out.title = std::move(title).value();
  auto description = NormalizeText(draft.description, 10000, true, "invalid_description",
                                   "the description must be 1 to 10000 characters",
                                   "description");
  if (!description.ok()) return description.status();
  out.description = std::move(description).value();
  out.category_id = std::string(Trim(draft.category_id));
  if (out.category_id.empty()) {
    return NotFound("unknown_category", "there is no such category", "category_id");
  }
  if (!Trim(draft.venue).empty()) {
    auto venue = NormalizeText(draft.venue, 500, false, "invalid_venue",
                               "the venue must be at most 500 characters", "venue");
    if (!venue.ok()) return venue.status();
    out.venue = std::move(venue).value();
  } else {
    out.venue.clear();
  }
  out.online_url = std::string(Trim(draft.online_url));
  if (!out.online_url.empty() && (out.online_url.size() > 500 || !IsWebUrl(out.online_url))) {
    return InvalidArgument("invalid_online_url",
                           "the online link must be an http:// or https:// URL of at most 500 "
                           "characters",
                           "online_url");
  }
  if (out.venue.empty() && out.online_url.empty()) {
    return InvalidArgument("missing_location", "give a venue, an online link or both", "venue");
  }
  if (draft.ends_at <= draft.starts_at) {
    return InvalidArgument("end_before_start", "the event must end after it starts", "ends_at");
  }
  out.time_zone = std::string(Trim(draft.time_zone));
  if (!IsKnownTimeZone(zoneinfo_dir, out.time_zone)) {
    return InvalidArgument("unknown_time_zone",
                           "the time zone must be an IANA name such as Europe/Paris", "time_zone");
  }
  if (draft.capacity < 1 || draft.capacity > 1'000'000) {
    return InvalidArgument("invalid_capacity", "the capacity must be 1 to 1000000", "capacity");
  }
  if (draft.price_minor_units < 0 || draft.price_minor_units > 100'000'000) {
    return InvalidArgument("invalid_price",
                           "the price must be 0 (free) to 100000000 minor units", "price");
  }
  if (draft.max_tickets_per_booking < 1 || draft.max_tickets_per_booking > 100 ||
      draft.max_tickets_per_booking > draft.capacity) {
    return InvalidArgument("invalid_ticket_limit",
                           "the tickets per booking must be 1 to 100 and at most the capacity",
                           "max_tickets_per_booking");
  }
  return out;
}

Status CheckStartsInFuture(Timestamp starts_at, Timestamp now) {
  if (starts_at <= now) {
    return InvalidArgument("start_in_past", "the event must start in the future", "starts_at");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> SearchWords(std::string_view text) {
  std::vector<std::string> words;
  if (text.size() <= kMaxSearchBytes) {
    std::size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && !IsWordByte(text[i])) ++i;
      const std::size_t start = i;
      while (i < text.size() && IsWordByte(text[i])) ++i;
      if (i > start) words.emplace_back(text.substr(start, i - start));
    }
  }
  if (words.empty()) {
    return InvalidArgument("invalid_search",
                           "the search text must hold at least one word and at most 200 bytes",
                           "text");
  }
  return words;
}

}  // namespace eventify::events
