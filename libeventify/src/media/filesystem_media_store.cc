// FilesystemMediaStore: media objects as files under one root folder.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/status_macros.h"
#include "crypto/sodium.h"
#include "eventify/spi/media_store.h"

namespace eventify::spi {
namespace {

namespace fs = std::filesystem;

// The content type travels in a sidecar file so that Get returns exactly what Put was given.
constexpr std::string_view kTypeSuffix = ".content-type";

class FilesystemMediaStore final : public MediaStore {
 public:
  FilesystemMediaStore(std::string root, std::string url_prefix)
      : root_(std::move(root)), url_prefix_(std::move(url_prefix)) {}

  Status Put(std::string_view key, const MediaObject& object) override {
    if (!IsValidMediaKey(key)) return InvalidArgument("invalid_media_key", "malformed media key");
    const fs::path path = root_ / fs::path(std::string(key));
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return Unavailable("media_unavailable", "cannot create the media folder");
    EV_RETURN_IF_ERROR(WriteAtomically(path, object.bytes));
    EV_RETURN_IF_ERROR(
        WriteAtomically(fs::path(path.string() + std::string(kTypeSuffix)), object.content_type));
    return Status::Ok();
  }

  Result<MediaObject> Get(std::string_view key) const override {
    if (!IsValidMediaKey(key)) return InvalidArgument("invalid_media_key", "malformed media key");
    const fs::path path = root_ / fs::path(std::string(key));
    MediaObject object;
    // Only regular files are objects: a folder such as "avatars" opens as a stream of nothing.
    std::error_code ec;
    if (!fs::is_regular_file(path, ec) || !ReadFile(path, object.bytes)) {
      return NotFound("media_not_found", "no such media object");
    }
    if (!ReadFile(fs::path(path.string() + std::string(kTypeSuffix)), object.content_type)) {
      object.content_type = "application/octet-stream";
    }
    return object;
  }

  Status Remove(std::string_view key) override {
    if (!IsValidMediaKey(key)) return InvalidArgument("invalid_media_key", "malformed media key");
    const fs::path path = root_ / fs::path(std::string(key));
    std::error_code ec;
    fs::remove(path, ec);
    fs::remove(fs::path(path.string() + std::string(kTypeSuffix)), ec);
    return Status::Ok();
  }

  std::string UrlFor(std::string_view key) const override {
    return url_prefix_ + std::string(key);
  }

 private:
  static Status WriteAtomically(const fs::path& path, std::string_view bytes) {
    const fs::path temp =
        fs::path(path.string() + "." + crypto::HexEncode(crypto::RandomBytes(6)) + ".tmp");
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      out.flush();
      if (!out) {
        std::error_code ignored;
        fs::remove(temp, ignored);
        return Unavailable("media_unavailable", "cannot write a media object");
      }
    }
    std::error_code ec;
    fs::rename(temp, path, ec);
    if (ec) return Unavailable("media_unavailable", "cannot write a media object");
    return Status::Ok();
  }

  static bool ReadFile(const fs::path& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    out = std::move(buffer).str();
    return true;
  }

  const fs::path root_;
  const std::string url_prefix_;
};

}  // namespace

bool IsValidMediaKey(std::string_view key) {
  if (key.empty() || key.size() > 200) return false;
  std::size_t segment_start = 0;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '/') {
      const std::string_view segment = key.substr(segment_start, i - segment_start);
      // Empty, "." and ".." segments would escape or alias paths.
      if (segment.empty() || segment == "." || segment == "..") return false;
      segment_start = i + 1;
      continue;
    }
    const char c = key[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                    c == '-';
    if (!ok) return false;
  }
  return key.find(kTypeSuffix) == std::string_view::npos;
}

std::shared_ptr<MediaStore> MakeFilesystemMediaStore(std::string root, std::string url_prefix) {
  return std::make_shared<FilesystemMediaStore>(std::move(root), std::move(url_prefix));
}

}  // namespace eventify::spi
