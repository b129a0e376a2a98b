#include "caller_threads.h"

#include <cstdio>
#include <cstring>
#include <exception>

namespace eventify::bench {
namespace {

void* RunBody(void* argument) {
  auto* body = static_cast<std::function<void()>*>(argument);
  try {
    (*body)();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "# caller thread ended by an exception: %s\n", error.what());
  } catch (...) {
    std::fprintf(stderr, "# caller thread ended by an unknown exception\n");
  }
  return nullptr;
}

}  // namespace

std::string CallerThreads::Start(std::function<void()> body) {
  auto owned = std::make_unique<std::function<void()>>(std::move(body));
  pthread_attr_t attributes;
  if (int error = pthread_attr_init(&attributes); error != 0) {
    return std::string("pthread_attr_init: ") + std::strerror(error);
  }
  int error = pthread_attr_setstacksize(&attributes, stack_bytes_);
  pthread_t id{};
  if (error == 0) error = pthread_create(&id, &attributes, &RunBody, owned.get());
  pthread_attr_destroy(&attributes);
  if (error != 0) return std::string("pthread_create: ") + std::strerror(error);
  threads_.push_back(Started{id, std::move(owned)});
  return {};
}

void CallerThreads::Join() {
  for (Started& thread : threads_) pthread_join(thread.id, nullptr);
  threads_.clear();
}

}  // namespace eventify::bench
