// FrameQueue: the WebSocket endpoint's per-connection queue of frames not yet written
// (ws_transport.cc), first in first out. Unlike std::deque, which allocates about 600 bytes as it
// is constructed, it holds nothing while empty: most connections are idle, and most of the time a
// busy one's frames go straight through. Not thread-safe (the endpoint's I/O thread only).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace eventify::server {

class FrameQueue {
 public:
  bool empty() const { return head_ == frames_.size(); }
  std::size_t size() const { return frames_.size() - head_; }
  void push_back(std::string frame) {
    if (head_ > 0 && head_ * 2 >= frames_.size()) {  // the taken half: drop it before growing
      frames_.erase(frames_.begin(), frames_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    frames_.push_back(std::move(frame));
  }
  // Requires !empty().
  std::string pop_front() {
    std::string frame = std::move(frames_[head_++]);
    if (empty()) clear();
    return frame;
  }
  void clear() {
    head_ = 0;
    frames_.clear();
    if (frames_.capacity() > kKeptCapacity) std::vector<std::string>().swap(frames_);
  }

 private:
  static constexpr std::size_t kKeptCapacity = 64;  // what a busy connection keeps when drained
  std::vector<std::string> frames_;
  std::size_t head_ = 0;  // frames_[0, head_) were taken
};

}  // namespace eventify::server
