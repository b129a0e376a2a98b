#include "media/uploaded_image.h"

#include <fmt/format.h>

#include <string>

#include "accounts/validation.h"

namespace eventify::media {

Result<UploadedImage> CheckUploadedImage(std::string_view bytes, std::size_t max_bytes,
                                         std::string_view field,
                                         std::string_view too_large_reason) {
  const std::string name(field);
  if (bytes.empty()) return InvalidArgument("empty_image", "the image is empty", name);
  if (bytes.size() > max_bytes) {
    return Status(StatusCode::kPayloadTooLarge, std::string(too_large_reason),
                  fmt::format("the image is larger than {} bytes", max_bytes), name);
  }
  const std::string_view type = accounts::SniffImageType(bytes);
  if (type.empty()) {
    return Status(StatusCode::kUnsupportedMediaType, "unsupported_image",
                  fmt::format("the {} must be a PNG, JPEG or WebP image", field), name);
  }
  return UploadedImage{type, type == "image/png" ? "png" : type == "image/jpeg" ? "jpg" : "webp"};
}

}  // namespace eventify::media
