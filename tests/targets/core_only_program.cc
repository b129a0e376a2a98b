// A program linked against eventify::eventify alone (tests/targets/CMakeLists.txt). It pulls in
// the whole engine with no backend library, hands it the mailer and media store the core bundles,
// and checks that Engine::Open, given no storage, refuses with missing_storage instead of opening
// a database itself. check_core_links.cmake then lists the shared libraries it loads.
#include <cstdio>
#include <string>
#include <utility>

#include "eventify/engine.h"
#include "eventify/spi/mailer.h"
#include "eventify/spi/media_store.h"

int main() {
  eventify::EngineOptions options;
  options.secret_key = std::string(32, 'k');
  options.mailer = eventify::spi::MakeOutboxMailer("outbox-never-written");
  options.media_store = eventify::spi::MakeFilesystemMediaStore("media-never-written", "/media/");
  const auto engine = eventify::Engine::Open(std::move(options));
  const eventify::Status& status = engine.status();
  if (status.code() != eventify::StatusCode::kInvalidArgument ||
      status.reason() != "missing_storage" || status.field() != "storage") {
    std::fprintf(stderr, "expected invalid_argument missing_storage on field storage, got %s\n",
                 status.ToString().c_str());
    return 1;
  }
  std::printf("Engine::Open without a storage: %s\n", status.ToString().c_str());
  return 0;
}
