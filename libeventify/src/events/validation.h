// Input rules of the events area: organizer applications, category names, event drafts, notes,
// time zones and the words of a full-text search. Each failure is a Status naming the field, so
// every entry point reports the same way (the codes are those of eventify/events.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "eventify/events.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::events {

inline constexpr std::size_t kMaxNoteChars = 1000;
inline constexpr std::size_t kMaxSearchBytes = 200;

// Trims `text` and checks that it is valid UTF-8 of 1..max_chars characters without control
// characters; `multiline` lets line breaks and tabs through. The error is kInvalidArgument
// `reason` with `message`, naming `field`.
Result<std::string> NormalizeText(std::string_view text, std::size_t max_chars, bool multiline,
                                  const char* reason, const char* message, const char* field);

// Trims each field. Errors: invalid_organisation_name, invalid_about, invalid_contact.
Result<OrganizerApplication> NormalizeApplication(const OrganizerApplication& application);

// Trims; 1-100 characters without control characters. Errors: invalid_category_name ("name").
Result<std::string> NormalizeCategoryName(std::string_view name);

// Trims; at most kMaxNoteChars characters (line breaks allowed); `required` refuses an empty one.
// Errors: invalid_note ("note").
Result<std::string> NormalizeNote(std::string_view note, bool required);

// True when `name` is an IANA time-zone name (segments of letters, digits, '_', '+', '-' joined
// by '/') naming a compiled zone file (TZif) under `zoneinfo_dir`.
bool IsKnownTimeZone(std::string_view zoneinfo_dir, std::string_view name);

// Checks and trims every field of a draft except the category, whose row the caller reads, and
// the start, which only has to be in the future when the draft is submitted or first created.
// Errors: those listed at EventDraft in eventify/events.h but unknown_category, category_unlisted
// and start_in_past.
Result<EventDraft> NormalizeDraft(const EventDraft& draft, std::string_view zoneinfo_dir);

// Errors: start_in_past ("starts_at") unless the event starts after `now`.
Status CheckStartsInFuture(Timestamp starts_at, Timestamp now);

// The words of a search text: maximal runs of ASCII letters and digits and of bytes >= 0x80.
// Errors: invalid_search ("text") for a text over kMaxSearchBytes or without a word.
Result<std::vector<std::string>> SearchWords(std::string_view text);

}  // namespace eventify::events
