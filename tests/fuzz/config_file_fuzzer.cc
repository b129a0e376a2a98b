// The config file (server/config.cc): `key = value` lines read by LoadConfig from --config PATH.
// Input: the file's content, handed over as an in-memory file (memfd) so that nothing touches
// the disk.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "config.h"
#include "fuzz_support.h"

namespace {

// The path of one in-memory file, rewritten for every input.
struct MemoryFile {
  int fd = memfd_create("eventify-config", 0);
  std::string path = "/proc/self/fd/" + std::to_string(fd);
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const MemoryFile file;
  eventify::fuzz::Require(file.fd >= 0, "memfd_create works");
  eventify::fuzz::Require(
      ftruncate(file.fd, 0) == 0 && pwrite(file.fd, data, size, 0) == static_cast<ssize_t>(size),
      "the config file is written");
  const std::vector<eventify::server::Flag> flags = {{"config", file.path, true}};
  (void)eventify::server::LoadConfig(
      flags, [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  return 0;
}
