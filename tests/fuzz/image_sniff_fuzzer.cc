// Image sniffing of avatar uploads (libeventify/src/accounts/validation.cc): the library decides
// from the bytes alone whether an upload is a PNG, JPEG or WebP image, and stores and serves it
// as that type. Input: the uploaded bytes.
// Property: the answer is one of the three types or empty.
#include <cstdint>

#include "media/uploaded_image.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view type =
      eventify::media::SniffImageType(eventify::fuzz::AsText(data, size));
  eventify::fuzz::Require(
      type.empty() || type == "image/png" || type == "image/jpeg" || type == "image/webp",
      "the sniffed type is PNG, JPEG, WebP or none");
  return 0;
}
