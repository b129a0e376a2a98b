#include "media/uploaded_image.h"

#include <fmt/format.h>

#include <string>

namespace eventify::media {

std::string_view SniffImageType(std::string_view b) {
  auto at = [&](std::size_t i) { return static_cast<unsigned char>(b[i]); };
  // PNG: signature, then the IHDR chunk (length 13) with a non-zero width and height.
  if (b.size() >= 33 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8) &&
      b.substr(12, 4) == "IHDR") {
    const bool width = at(16) | at(17) | at(18) | at(19);
    const bool height = at(20) | at(21) | at(22) | at(23);
    return width && height ? "image/png" : "";
  }
  // JPEG: SOI marker followed by another marker.
  if (b.size() >= 4 && at(0) == 0xFF && at(1) == 0xD8 && at(2) == 0xFF) return "image/jpeg";
  // WebP: RIFF container of type WEBP holding a VP8, VP8L or VP8X chunk.
  if (b.size() >= 20 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP" &&
      (b.substr(12, 4) == "VP8 " || b.substr(12, 4) == "VP8L" || b.substr(12, 4) == "VP8X")) {
    return "image/webp";
  }
  return "";
}

Result<UploadedImage> CheckUploadedImage(std::string_view bytes, std::size_t max_bytes,
                                         std::string_view field,
                                         std::string_view too_large_reason) {
  const std::string name(field);
  if (bytes.empty()) return InvalidArgument("empty_image", "the image is empty", name);
  if (bytes.size() > max_bytes) {
    return Status(StatusCode::kPayloadTooLarge, std::string(too_large_reason),
                  fmt::format("the image is larger than {} bytes", max_bytes), name);
  }
  const std::string_view type = SniffImageType(bytes);
  if (type.empty()) {
    return Status(StatusCode::kUnsupportedMediaType, "unsupported_image",
                  fmt::format("the {} must be a PNG, JPEG or WebP image", field), name);
  }
  return UploadedImage{type, type == "image/png" ? "png" : type == "image/jpeg" ? "jpg" : "webp"};
}

}  // namespace eventify::media
