// ChatObservers: the chat's list of ChatObserver (eventify/chat.h), told of every commit.
//
// Threads: Publish may run on several threads at once (the pipeline's writer for messages, the
// callers of MarkRead for marks); they share the lock, so observers are called concurrently
// with each other but never after Remove returned: Remove takes the lock exclusively and thus
// waits for every running Publish.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "eventify/chat.h"

namespace eventify::chat {

class ChatObservers {
 public:
  std::uint64_t Add(ChatObserver* observer) {
    std::unique_lock lock(mu_);
    observers_.emplace(++last_handle_, observer);
    return last_handle_;
  }
  void Remove(std::uint64_t handle) {
    std::unique_lock lock(mu_);
    observers_.erase(handle);
  }
  void Publish(const ChatCommit& commit) {
    if (commit.messages.empty() && commit.marks.empty()) return;
    std::shared_lock lock(mu_);
    for (const auto& [handle, observer] : observers_) observer->OnCommitted(commit);
  }

 private:
  std::shared_mutex mu_;
  std::map<std::uint64_t, ChatObserver*> observers_;
  std::uint64_t last_handle_ = 0;
};

}  // namespace eventify::chat
