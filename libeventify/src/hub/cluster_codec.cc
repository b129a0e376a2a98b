#include "hub/cluster_codec.h"

#include <charconv>
#include <optional>

namespace eventify::hub {
namespace {

constexpr std::string_view kVersion = "ev1";

class Out {
 public:
  Out& Add(std::string_view field) {
    if (!text_.empty()) text_ += '\n';
    text_ += field;
    return *this;
  }
  Out& Add(std::int64_t number) { return Add(std::string_view(std::to_string(number))); }
  Out& Add(Timestamp at) { return Add(static_cast<std::int64_t>(at.time_since_epoch().count())); }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
};

class In {
 public:
  explicit In(std::string_view text) : rest_(text) {}
  std::optional<std::string_view> Next() {
    if (done_) return std::nullopt;
    const std::size_t end = rest_.find('\n');
    std::string_view field = rest_.substr(0, end);
    if (end == std::string_view::npos) {
      done_ = true;
      rest_ = {};
    } else {
      rest_.remove_prefix(end + 1);
    }
    return field;
  }
  std::optional<std::int64_t> Number() {
    auto field = Next();
    if (!field || field->empty()) return std::nullopt;
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(field->data(), field->data() + field->size(), value);
    if (error != std::errc() || end != field->data() + field->size()) return std::nullopt;
    return value;
  }
  std::string_view Rest() {
    std::string_view rest = done_ ? std::string_view() : rest_;
    done_ = true;
    return rest;
  }
  bool AtEnd() const { return done_; }

 private:
  std::string_view rest_;
  bool done_ = false;
};

Status Bad(std::string_view what) {
  return Status(StatusCode::kInvalidArgument, "invalid_cluster_payload",
                "a bus payload that is not a hub event: " + std::string(what), "payload");
}

void AddReceipt(Out& out, const Receipt& receipt) {
  out.Add(receipt.user_id).Add(receipt.read_seq).Add(receipt.delivered_seq).Add(receipt.updated_at)
      .Add(receipt.pos);
}

bool ReadReceipt(In& in, Receipt& receipt) {
  auto user = in.Next();
  auto read = in.Number();
  auto delivered = in.Number();
  auto at = in.Number();
  auto pos = in.Number();
  if (!user || user->empty() || !read || !delivered || !at || !pos) return false;
  receipt.user_id = std::string(*user);
  receipt.read_seq = *read;
  receipt.delivered_seq = *delivered;
  receipt.updated_at = Timestamp(std::chrono::microseconds(*at));
  receipt.pos = *pos;
  return true;
}

}  // namespace

std::string EncodeClusterEvent(const ClusterEvent& event) {
  Out out;
  const char letter = static_cast<char>(event.kind);
  out.Add(kVersion).Add(event.origin).Add(static_cast<std::int64_t>(event.seq))
      .Add(std::string_view(&letter, 1));
  switch (event.kind) {
    case ClusterKind::kMessages:
      for (const SeqSpan& span : event.spans) out.Add(span.conversation_id).Add(span.lo).Add(span.hi);
      break;
    case ClusterKind::kRead:
      out.Add(event.conversation_id);
      AddReceipt(out, event.receipt);
      break;
    case ClusterKind::kDelivered:
      out.Add(event.conversation_id).Add(event.user_id);
      AddReceipt(out, event.receipt);
      break;
    case ClusterKind::kTyping:
      out.Add(event.conversation_id).Add(event.user_id).Add(event.flag ? "1" : "0");
      break;
    case ClusterKind::kPresence:
      out.Add(event.user_id).Add(event.flag ? "1" : "0").Add(event.at);
      break;
    case ClusterKind::kNewEvent:
      out.Add(event.frame);
      break;
    case ClusterKind::kParticipant:
      out.Add(event.conversation_id).Add(event.user_id).Add(event.flag ? "1" : "0");
      break;
    case ClusterKind::kRosterQuery:
      out.Add(event.conversation_id);
      break;
    case ClusterKind::kRoster:
      out.Add(event.conversation_id);
      for (const std::string& user : event.users) out.Add(user);
      break;
    case ClusterKind::kHeartbeat:
    case ClusterKind::kFarewell:
      break;
  }
  return out.Take();
}

Result<ClusterEvent> DecodeClusterEvent(std::string_view payload) {
  In in(payload);
  if (in.Next() != kVersion) return Bad("version");
  ClusterEvent event;
  auto origin = in.Next();
  auto seq = in.Number();
  auto kind = in.Next();
  if (!origin || origin->empty() || !seq || *seq <= 0 || !kind || kind->size() != 1) {
    return Bad("header");
  }
  event.origin = std::string(*origin);
  event.seq = static_cast<std::uint64_t>(*seq);
  auto flag = [&](bool& out) {
    auto field = in.Next();
    if (field != "0" && field != "1") return false;
    out = *field == "1";
    return true;
  };
  switch ((*kind)[0]) {
    case 'm': {
      event.kind = ClusterKind::kMessages;
      while (!in.AtEnd()) {
        SeqSpan span;
        auto conversation = in.Next();
        auto lo = in.Number();
        auto hi = in.Number();
        if (!conversation || conversation->empty() || !lo || !hi || *lo < 1 || *hi < *lo) {
          return Bad("message span");
        }
        span.conversation_id = std::string(*conversation);
        span.lo = *lo;
        span.hi = *hi;
        event.spans.push_back(std::move(span));
      }
      if (event.spans.empty()) return Bad("no message span");
      return event;
    }
    case 'r':
    case 'd': {
      event.kind = (*kind)[0] == 'r' ? ClusterKind::kRead : ClusterKind::kDelivered;
      auto conversation = in.Next();
      if (!conversation || conversation->empty()) return Bad("conversation");
      event.conversation_id = std::string(*conversation);
      if (event.kind == ClusterKind::kDelivered) {
        auto sender = in.Next();
        if (!sender || sender->empty()) return Bad("sender");
        event.user_id = std::string(*sender);
      }
      if (!ReadReceipt(in, event.receipt) || !in.AtEnd()) return Bad("receipt");
      if (event.kind == ClusterKind::kRead) event.user_id = event.receipt.user_id;
      return event;
    }
    case 't':
    case 'j': {
      event.kind = (*kind)[0] == 't' ? ClusterKind::kTyping : ClusterKind::kParticipant;
      auto conversation = in.Next();
      auto user = in.Next();
      if (!conversation || conversation->empty() || !user || user->empty() || !flag(event.flag) ||
          !in.AtEnd()) {
        return Bad(event.kind == ClusterKind::kTyping ? "typing" : "participant");
      }
      event.conversation_id = std::string(*conversation);
      event.user_id = std::string(*user);
      return event;
    }
    case 'p': {
      event.kind = ClusterKind::kPresence;
      auto user = in.Next();
      if (!user || user->empty() || !flag(event.flag)) return Bad("presence");
      auto at = in.Number();
      if (!at || !in.AtEnd()) return Bad("presence");
      event.user_id = std::string(*user);
      event.at = Timestamp(std::chrono::microseconds(*at));
      return event;
    }
    case 'e': {
      event.kind = ClusterKind::kNewEvent;
      event.frame = std::string(in.Rest());
      if (event.frame.empty()) return Bad("new_event frame");
      return event;
    }
    case 'q':
    case 'a': {
      event.kind = (*kind)[0] == 'q' ? ClusterKind::kRosterQuery : ClusterKind::kRoster;
      auto conversation = in.Next();
      if (!conversation || conversation->empty()) return Bad("roster conversation");
      event.conversation_id = std::string(*conversation);
      while (!in.AtEnd()) {
        auto user = in.Next();
        if (event.kind == ClusterKind::kRosterQuery || !user || user->empty()) return Bad("roster");
        event.users.emplace_back(*user);
      }
      return event;
    }
    case 'h':
    case 'g':
      event.kind = (*kind)[0] == 'h' ? ClusterKind::kHeartbeat : ClusterKind::kFarewell;
      if (!in.AtEnd()) return Bad(event.kind == ClusterKind::kHeartbeat ? "heartbeat" : "farewell");
      return event;
    default:
      return Bad("kind");
  }
}

}  // namespace eventify::hub
