#include "secret_key.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace eventify::server {
namespace {

constexpr std::size_t kMinSecretBytes = 32;
constexpr std::size_t kGeneratedBytes = 32;

// Which secret is loaded: its configuration key ("secret_key") names it in errors and is the
// prefix of their reasons ("secret_key_too_short").
struct SecretSpec {
  std::string_view key;
  std::string_view reason_prefix;
  std::string_view description;  // for messages: "secret key"
};

constexpr SecretSpec kSecretKey{"secret_key", "secret_key", "secret key"};
constexpr SecretSpec kWebhookSecret{"payments.webhook_secret", "webhook_secret", "webhook secret"};

Status Unreadable(const SecretSpec& spec, const std::string& path, std::string_view what) {
  return Unavailable(
      fmt::format("{}_unreadable", spec.reason_prefix),
      fmt::format("{} file {}: {}: {}", spec.description, path, what, std::strerror(errno)));
}

Status CheckLength(const SecretSpec& spec, const std::string& key, std::string_view source) {
  if (key.size() >= kMinSecretBytes) return Status::Ok();
  return InvalidArgument(fmt::format("{}_too_short", spec.reason_prefix),
                         fmt::format("the {} from {} has {} bytes; at least {} are needed",
                                     spec.description, source, key.size(), kMinSecretBytes),
                         std::string(spec.key));
}

std::string StripLineBreaks(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Writes a fresh key to a private temporary file and links it into place. Returns OK when the
// file exists afterwards, whoever created it.
Status CreateKeyFile(const SecretSpec& spec, const std::string& path) {
  std::array<unsigned char, kGeneratedBytes> bytes{};
  Status random = RandomBytes(bytes.data(), bytes.size());
  if (!random.ok()) return random;
  std::string hex;
  for (unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  hex += '\n';

  std::array<unsigned char, 6> suffix{};
  random = RandomBytes(suffix.data(), suffix.size());
  if (!random.ok()) return random;
  std::string temp = path + ".";
  for (unsigned char b : suffix) temp += fmt::format("{:02x}", b);
  temp += ".tmp";

  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Unreadable(spec, path, "cannot create");
  bool written =
      ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  written = ::close(fd) == 0 && written;
  if (!written) {
    const Status failure = Unreadable(spec, path, "cannot write");
    ::unlink(temp.c_str());
    return failure;
  }
  const int linked = ::link(temp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(temp.c_str());
  if (linked != 0 && link_errno != EEXIST) {
    errno = link_errno;
    return Unreadable(spec, path, "cannot create");
  }
  return Status::Ok();
}

}  // namespace

Status RandomBytes(void* out, std::size_t size) {
  auto* p = static_cast<unsigned char*>(out);
  while (size > 0) {
    const ssize_t n = ::getrandom(p, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Unavailable("no_randomness", fmt::format("getrandom: {}", std::strerror(errno)));
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

namespace {

// The configured value when set; otherwise the key file, created when it does not exist.
Result<std::string> LoadOrCreate(const SecretSpec& spec, const std::string& value,
                                 const std::string& path, WhenMissing when_missing) {
  if (!value.empty()) {
    std::string key = StripLineBreaks(value);
    Status length = CheckLength(spec, key, spec.key);
    if (!length.ok()) return length;
    return key;
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) return Unreadable(spec, path, "cannot inspect");
    if (when_missing == WhenMissing::kRefuse) {
      return FailedPrecondition(
          fmt::format("{}_missing", spec.reason_prefix),
          fmt::format("the {} file {} does not exist; start the server once to create it",
                      spec.description, path));
    }
    Status created = CreateKeyFile(spec, path);
    if (!created.ok()) return created;
  } else if ((info.st_mode & 077) != 0) {
    fmt::print(stderr, "eventify-server: warning: {} is readable by other users (mode {:o})\n",
               path, info.st_mode & 0777);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unreadable(spec, path, "cannot open");
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return Unreadable(spec, path, "cannot read");
  std::string key = StripLineBreaks(std::move(contents).str());
  Status length = CheckLength(spec, key, path);
  if (!length.ok()) return length;
  return key;
}

}  // namespace

Result<std::string> LoadOrCreateSecretKey(const ServerConfig& config, WhenMissing when_missing) {
  return LoadOrCreate(kSecretKey, config.secret_key, config.secret_key_file, when_missing);
}

Result<std::string> LoadOrCreateWebhookSecret(const ServerConfig& config,
                                              WhenMissing when_missing) {
  return LoadOrCreate(kWebhookSecret, config.webhook_secret, config.webhook_secret_file,
                      when_missing);
}

}  // namespace eventify::server
