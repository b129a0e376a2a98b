// The checks every image upload passes (avatars, event covers): not empty, within its size
// limit, and a PNG, JPEG or WebP by its bytes, whatever the client declared.
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <string_view>

#include "eventify/status.h"

namespace eventify::media {

struct UploadedImage {
  std::string_view content_type;  // "image/png", "image/jpeg" or "image/webp"
  std::string_view extension;     // "png", "jpg" or "webp", for the media key
};

// "image/png", "image/jpeg" or "image/webp" when the bytes are one of those, else empty.
std::string_view SniffImageType(std::string_view bytes);

// Errors, each with `field`: kInvalidArgument (empty_image), kPayloadTooLarge
// (`too_large_reason`, e.g. "cover_too_large"), kUnsupportedMediaType (unsupported_image).
Result<UploadedImage> CheckUploadedImage(std::string_view bytes, std::size_t max_bytes,
                                         std::string_view field,
                                         std::string_view too_large_reason);

}  // namespace eventify::media
