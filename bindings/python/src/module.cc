// The module eventify._eventify: Engine.open and the engine's services. The engine is opened on
// the bundled SOCI storage (SQLite or PostgreSQL), with the outbox mailer (each e-mail an .eml
// file in a folder the program reads: how it learns a verification code), a filesystem media
// store and, when asked, the sandbox payment gateway (card top-ups a program confirms itself).
#include <memory>
#include <string>
#include <utility>

#include "binding.h"
#include "eventify/backends/soci.h"
#include "eventify/engine.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/mailer.h"
#include "eventify/spi/media_store.h"
#include "eventify/spi/payment_gateway.h"

namespace eventify::python {
namespace {

// What Engine.open made. Services handed to Python point into `engine`; the bindings keep this
// object alive as long as any of them (py::return_value_policy::reference_internal).
struct OpenEngine {
  std::unique_ptr<Engine> engine;
  std::shared_ptr<spi::SandboxPaymentGateway> sandbox;  // null unless asked for
  std::string outbox_dir;

  ~OpenEngine() {
    // Closing waits for the commit pipeline and the job workers: let other threads run meanwhile.
    if (engine == nullptr) return;
    py::gil_scoped_release unlocked;
    engine.reset();
  }
};

Result<PasswordHashCost> ParseHashCost(const std::string& name) {
  if (name == "minimum") return PasswordHashCost::kMinimum;
  if (name == "interactive") return PasswordHashCost::kInteractive;
  if (name == "moderate") return PasswordHashCost::kModerate;
  return InvalidArgument("invalid_password_hash_cost",
                         "password_hash_cost is minimum, interactive or moderate",
                         "password_hash_cost");
}

std::unique_ptr<OpenEngine> Open(const std::string& database, const std::string& secret_key,
                                 const std::string& outbox_dir, const std::string& media_dir,
                                 const std::string& media_url_prefix,
                                 const std::optional<std::string>& sandbox_webhook_secret,
                                 const std::string& currency, const std::string& password_hash_cost,
                                 int job_worker_threads, int pool_size) {
  const PasswordHashCost cost = Value(ParseHashCost(password_hash_cost));
  auto opened = std::make_unique<OpenEngine>();
  opened->outbox_dir = outbox_dir;
  opened->engine = Call([&]() -> Result<std::unique_ptr<Engine>> {
    spi::SociStorageOptions storage_options;
    storage_options.url = database;
    storage_options.pool_size = pool_size;
    auto storage = spi::OpenSociStorage(storage_options);
    if (!storage.ok()) return storage.status();
    EngineOptions options;
    options.secret_key = secret_key;
    options.storage = *storage;
    options.mailer = spi::MakeOutboxMailer(outbox_dir);
    options.media_store = spi::MakeFilesystemMediaStore(media_dir, media_url_prefix);
    options.clock = std::make_shared<spi::SystemClock>();
    if (sandbox_webhook_secret) {
      opened->sandbox = spi::MakeSandboxPaymentGateway(*sandbox_webhook_secret, options.clock);
      options.payment_gateway = opened->sandbox;
    }
    options.currency = currency;
    options.accounts.password_hash_cost = cost;
    options.jobs.worker_threads = job_worker_threads;
    return Engine::Open(std::move(options));
  });
  return opened;
}

// Plays the sandbox gateway's signed callback for a charge it accepted, as the gateway would
// send it to a server, and applies it.
Transfer SettleSandboxCharge(OpenEngine& self, const std::string& charge_id, bool succeeded) {
  if (self.sandbox == nullptr) {
    Raise(FailedPrecondition("no_sandbox_gateway",
                             "the engine was opened without sandbox_webhook_secret"));
  }
  return Call([&]() -> Result<Transfer> {
    auto signed_callback = self.sandbox->SignCallback(
        charge_id, succeeded ? spi::ChargeState::kSucceeded : spi::ChargeState::kDeclined);
    if (!signed_callback.ok()) return signed_callback.status();
    return self.engine->wallets().HandleGatewayCallback(signed_callback->first,
                                                        signed_callback->second);
  });
}

}  // namespace

PYBIND11_MODULE(_eventify, m) {
  m.doc() = "Eventify's C++ library (libeventify) for Python: see docs/python.md.";
  RegisterErrors(m);
  RegisterValues(m);
  RegisterPager(m);
  RegisterAccountsAndWallets(m);
  RegisterEventsAndBookings(m);
  RegisterChat(m);

  constexpr auto kInternal = py::return_value_policy::reference_internal;
  py::class_<OpenEngine>(m, "Engine",
                         "The root object: opened once, shared by every thread of the program. "
                         "Every method may be called from any thread; calls that wait on the "
                         "database release the GIL.")
      .def_static("open", &Open, py::arg("database"), py::arg("secret_key"),
                  py::arg("outbox_dir"), py::arg("media_dir"),
                  py::arg("media_url_prefix") = "/media/",
                  py::arg("sandbox_webhook_secret") = py::none(), py::arg("currency") = "INR",
                  py::arg("password_hash_cost") = "interactive",
                  py::arg("job_worker_threads") = 0, py::arg("pool_size") = 4)
      .def_property_readonly("accounts", [](OpenEngine& self) -> Accounts& {
        return self.engine->accounts(); }, kInternal)
      .def_property_readonly("wallets", [](OpenEngine& self) -> Wallets& {
        return self.engine->wallets(); }, kInternal)
      .def_property_readonly("events", [](OpenEngine& self) -> Events& {
        return self.engine->events(); }, kInternal)
      .def_property_readonly("bookings", [](OpenEngine& self) -> Bookings& {
        return self.engine->bookings(); }, kInternal)
      .def_property_readonly("chat", [](OpenEngine& self) -> Chat& {
        return self.engine->chat(); }, kInternal)
      .def_readonly("outbox_dir", &OpenEngine::outbox_dir)
      .def("run_due_jobs",
           [](OpenEngine& self, int limit) {
             return Call([&] { return self.engine->jobs().RunDueJobs(limit); });
           },
           py::arg("limit") = 100)
      .def("settle_sandbox_charge", &SettleSandboxCharge, py::arg("charge_id"),
           py::arg("succeeded") = true);
}

}  // namespace eventify::python
