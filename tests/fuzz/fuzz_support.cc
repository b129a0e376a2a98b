#include "fuzz_support.h"

#include "eventify/backends/soci.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace eventify::fuzz {
namespace {

namespace fs = std::filesystem;

// The folder of the shared engine's database, outbox and media; removed at exit.
struct TempFolder {
  fs::path path;
  ~TempFolder() {
    std::error_code ignored;
    if (!path.empty()) fs::remove_all(path, ignored);
  }
};

template <typename T>
T OrAbort(Result<T> result, std::string_view step) {
  if (!result.ok()) {
    std::fprintf(stderr, "fuzz engine: %.*s failed: %s\n", static_cast<int>(step.size()),
                 step.data(), result.status().ToString().c_str());
    std::abort();
  }
  return std::move(result).value();
}

}  // namespace

void Require(bool holds, std::string_view what) {
  if (holds) return;
  std::fprintf(stderr, "property violated: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

void FakeRequest::SetQuery(std::string_view query) {
  query_.clear();
  while (true) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t equals = pair.find('=');
    const std::string_view name = pair.substr(0, equals);
    const std::string_view value =
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    query_.emplace(std::string(name), std::string(value));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

std::optional<std::string_view> FakeRequest::query(std::string_view name) const {
  const auto it = query_.find(name);
  if (it == query_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string_view> FakeRequest::header(std::string_view name) const {
  const auto it = headers_.find(name);
  if (it == headers_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string_view> FakeRequest::header_values(std::string_view name) const {
  const auto value = header(name);
  if (!value) return {};
  return {*value};
}

FuzzEngine& SharedEngine() {
  static TempFolder folder;
  static FuzzEngine shared = [] {
    std::string pattern = (fs::temp_directory_path() / "eventify-fuzz-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    folder.path = pattern;
    FuzzEngine out;
    out.clock = std::make_shared<spi::ManualClock>(FromMicros(1'800'000'000'000'000));
    out.gateway = spi::MakeSandboxPaymentGateway(std::string(kFuzzWebhookSecret), out.clock);
    EngineOptions options;
    options.secret_key = std::string(32, 'k');
    spi::SociStorageOptions storage;
    storage.url = "sqlite:" + (folder.path / "eventify.db").string();
    options.storage = OrAbort(spi::OpenSociStorage(storage), "OpenSociStorage");
    options.mailer = spi::MakeOutboxMailer((folder.path / "outbox").string());
    options.media_store =
        spi::MakeFilesystemMediaStore((folder.path / "media").string(), "/media/");
    options.clock = out.clock;
    options.payment_gateway = out.gateway;
    options.accounts.password_hash_cost = PasswordHashCost::kMinimum;
    out.engine = OrAbort(Engine::Open(std::move(options)), "Engine::Open");
    const std::string email = "admin@example.com", password = "Fuzz-admin-1";
    OrAbort(out.engine->accounts().CreateAdmin({email, password, "Admin", Role::kAdmin}),
            "CreateAdmin");
    out.tokens = OrAbort(out.engine->accounts().Login(RequestContext{}, email, password), "Login");
    out.admin =
        OrAbort(out.engine->accounts().Authenticate(out.tokens.access_token), "Authenticate");
    TopUpRequest topup;
    topup.amount = 5000;
    topup.card_token = "tok_sandbox_success";
    topup.idempotency_key = "fuzz-topup";
    const TopUp started = OrAbort(out.engine->wallets().StartTopUp(out.admin, topup), "StartTopUp");
    out.topup_transfer_id = started.transfer.id;
    out.topup_charge_id = started.charge_id;
    return out;
  }();
  return shared;
}

}  // namespace eventify::fuzz
