#include "accounts/throttle.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "core/status_macros.h"

namespace eventify::accounts {
namespace {

constexpr std::chrono::hours kSendWindow{1};

class InMemoryAttemptStore final : public AttemptStore {
 public:
  explicit InMemoryAttemptStore(std::size_t max_keys)
      : max_keys_(std::max<std::size_t>(max_keys, 1)) {}

  void Update(std::string_view key, Timestamp now,
              const std::function<void(AttemptWindow&)>& update) override {
    std::lock_guard lock(mu_);
    const std::string name(key);
    auto it = windows_.find(name);
    AttemptWindow window;
    if (it != windows_.end() && now < it->second.expires_at) window = it->second;
    update(window);
    if (window.count <= 0 || now >= window.expires_at) {
      if (it != windows_.end()) windows_.erase(it);
      return;
    }
    if (it != windows_.end()) {
      it->second = window;
      return;
    }
    if (windows_.size() >= max_keys_) MakeRoom(now);
    windows_.emplace(name, window);
  }

  void Erase(std::string_view key) override {
    std::lock_guard lock(mu_);
    windows_.erase(std::string(key));
  }

 private:
  // Drops the expired windows, then, if the store is still full, the tenth that expire soonest, so
  // that the cost of a sweep is spread over many insertions.
  void MakeRoom(Timestamp now) {
    std::erase_if(windows_, [&](const auto& entry) { return entry.second.expires_at <= now; });
    if (windows_.size() < max_keys_) return;
    const std::size_t drop = windows_.size() - max_keys_ * 9 / 10;
    std::vector<Timestamp> expiries;
    expiries.reserve(windows_.size());
    for (const auto& entry : windows_) expiries.push_back(entry.second.expires_at);
    std::nth_element(expiries.begin(), expiries.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                     expiries.end());
    const Timestamp cutoff = expiries[drop - 1];
    std::size_t dropped = 0;
    std::erase_if(windows_, [&](const auto& entry) {
      if (dropped == drop || entry.second.expires_at > cutoff) return false;
      ++dropped;
      return true;
    });
  }

  const std::size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, AttemptWindow> windows_;
};

// Counts a failure under `rule`: from the free_attempts-th on, the key is locked, twice as long
// each time, up to max_lockout.
void CountFailure(AttemptWindow& window, const ThrottleRule& rule, Timestamp now) {
  if (window.count == 0) window.started_at = now;
  window.count += 1;
  window.last_at = now;
  if (window.count >= rule.free_attempts) {
    const Duration max_lockout = rule.max_lockout;
    Duration lockout = std::min<Duration>(rule.first_lockout, max_lockout);
    for (int i = rule.free_attempts; i < window.count && lockout < max_lockout; ++i) {
      lockout = std::min(lockout * 2, max_lockout);
    }
    window.locked_until = now + lockout;
  }
  window.expires_at = std::max<Timestamp>(window.locked_until, now) + rule.forget_after;
}

std::chrono::seconds WholeSeconds(Duration wait) {
  return std::chrono::ceil<std::chrono::seconds>(wait);
}

std::string AddressKey(const RequestContext& context) {
  return "address|" + context.client_address;
}

}  // namespace

std::unique_ptr<AttemptStore> MakeInMemoryAttemptStore(std::size_t max_keys) {
  return std::make_unique<InMemoryAttemptStore>(max_keys);
}

Duration CodeSendWait(const AttemptWindow& sent, Timestamp now, const AccountsOptions& options) {
  if (sent.count == 0) return Duration::zero();
  const Timestamp next = sent.last_at + options.code_resend_interval;
  if (now < next) return next - now;
  const Timestamp window_end = sent.started_at + kSendWindow;
  if (now < window_end && sent.count >= options.code_max_sends_per_hour) return window_end - now;
  return Duration::zero();
}

void CountCodeSend(AttemptWindow& sent, Timestamp now, const AccountsOptions& options) {
  if (sent.count == 0 || now >= sent.started_at + kSendWindow) {
    sent.started_at = now;
    sent.count = 0;
  }
  sent.count += 1;
  sent.last_at = now;
  sent.expires_at =
      std::max<Timestamp>(sent.started_at + kSendWindow, now + options.code_resend_interval);
}

Status ResendThrottled(Duration wait) {
  const auto seconds = WholeSeconds(wait);
  return ResourceExhausted(
      "resend_throttled",
      fmt::format("a code was sent to this address recently; try again in {} s", seconds.count()),
      seconds);
}

PendingGuess::PendingGuess(Throttle* throttle, std::vector<CountedKey> keys, std::string pair_key)
    : throttle_(throttle), keys_(std::move(keys)), pair_key_(std::move(pair_key)) {}

PendingGuess::PendingGuess(PendingGuess&& other) noexcept
    : throttle_(std::exchange(other.throttle_, nullptr)),
      keys_(std::move(other.keys_)),
      pair_key_(std::move(other.pair_key_)) {}

PendingGuess::~PendingGuess() { Refund(); }

void PendingGuess::Wrong() { throttle_ = nullptr; }

void PendingGuess::Right() {
  Throttle* throttle = throttle_;
  Refund();
  if (throttle != nullptr && !pair_key_.empty()) throttle->store_->Erase(pair_key_);
}

void PendingGuess::Refund() {
  if (throttle_ == nullptr) return;
  for (const CountedKey& counted : keys_) throttle_->Refund(counted);
  throttle_ = nullptr;
}

Throttle::Throttle(std::shared_ptr<AttemptStore> store, AccountsOptions options,
                   std::shared_ptr<spi::Clock> clock)
    : store_(std::move(store)), options_(std::move(options)), clock_(std::move(clock)) {}

Result<PendingGuess> Throttle::BeginGuess(std::string_view kind, std::string_view email,
                                          const RequestContext& context) {
  const ThrottleOptions& rules = options_.throttle;
  std::vector<CountedKey> keys = {{fmt::format("account|{}|{}", kind, email), &rules.per_account}};
  std::string pair_key;
  if (!context.client_address.empty()) {
    // The address comes before the e-mail, which may itself contain '|'.
    pair_key = fmt::format("pair|{}|{}|{}", kind, context.client_address, email);
    keys.push_back({pair_key, &rules.per_account_address});
    keys.push_back({AddressKey(context), &rules.per_address});
  }
  EV_RETURN_IF_ERROR(CountAll(keys));
  return PendingGuess(this, std::move(keys), std::move(pair_key));
}

Status Throttle::CountMailRequest(const RequestContext& context) {
  if (context.client_address.empty()) return Status::Ok();
  return CountAll({{AddressKey(context), &options_.throttle.per_address}});
}

Status Throttle::CountUnsentCode(std::string_view purpose, std::string_view email) {
  const Timestamp now = clock_->Now();
  Duration wait = Duration::zero();
  store_->Update(fmt::format("sent|{}|{}", purpose, email), now, [&](AttemptWindow& sent) {
    wait = CodeSendWait(sent, now, options_);
    if (wait == Duration::zero()) CountCodeSend(sent, now, options_);
  });
  return wait == Duration::zero() ? Status::Ok() : ResendThrottled(wait);
}

Status Throttle::CountAll(const std::vector<CountedKey>& keys) {
  const Timestamp now = clock_->Now();
  Duration wait = Duration::zero();
  std::size_t counted = 0;
  for (; counted < keys.size() && wait == Duration::zero(); ++counted) {
    store_->Update(keys[counted].key, now, [&](AttemptWindow& window) {
      if (now < window.locked_until) {
        wait = window.locked_until - now;
      } else {
        CountFailure(window, *keys[counted].rule, now);
      }
    });
  }
  if (wait == Duration::zero()) return Status::Ok();
  for (std::size_t i = 0; i + 1 < counted; ++i) Refund(keys[i]);  // the last one was locked
  const auto seconds = WholeSeconds(wait);
  return ResourceExhausted("attempts_throttled",
                           fmt::format("too many attempts; try again in {} s", seconds.count()),
                           seconds);
}

void Throttle::Refund(const CountedKey& counted) {
  store_->Update(counted.key, clock_->Now(), [&](AttemptWindow& window) {
    if (window.count == 0) return;
    window.count -= 1;
    if (window.count < counted.rule->free_attempts) window.locked_until = Timestamp{};
  });
}

}  // namespace eventify::accounts
