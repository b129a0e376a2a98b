// Accounts (register, verify, login) and wallets (balance, history, card top-ups).
#include <string>

#include "binding.h"
#include "eventify/accounts.h"
#include "eventify/wallets.h"
#include "pager.h"

namespace eventify::python {
namespace {

RequestContext From(const std::string& client_address) { return RequestContext{client_address}; }

Result<WalletKind> ParseWalletKind(const std::string& name) {
  if (name == "user") return WalletKind::kUser;
  if (name == "organizer") return WalletKind::kOrganizer;
  return InvalidArgument("invalid_wallet", "wallet is user or organizer", "wallet");
}

void RegisterAccounts(py::module_& m) {
  py::class_<Accounts, std::unique_ptr<Accounts, py::nodelete>>(
      m, "Accounts", "Registration, e-mail verification, login (Engine.accounts).")
      .def("register",
           [](Accounts& self, const std::string& email, const std::string& password,
              const std::string& full_name, const std::string& role) {
             const Role parsed = Value(ParseRole(role));
             return Call([&] { return self.Register({email, password, full_name, parsed}); });
           },
           py::arg("email"), py::arg("password"), py::arg("full_name"),
           py::arg("role") = "attendee")
      .def("verify_email",
           [](Accounts& self, const std::string& email, const std::string& code,
              const std::string& client_address) {
             Call([&] { return self.VerifyEmail(From(client_address), email, code); });
           },
           py::arg("email"), py::arg("code"), py::arg("client_address") = "")
      .def("resend_verification",
           [](Accounts& self, const std::string& email, const std::string& client_address) {
             Call([&] { return self.ResendVerification(From(client_address), email); });
           },
           py::arg("email"), py::arg("client_address") = "")
      .def("login",
           [](Accounts& self, const std::string& email, const std::string& password,
              const std::string& client_address) {
             return Call([&] { return self.Login(From(client_address), email, password); });
           },
           py::arg("email"), py::arg("password"), py::arg("client_address") = "")
      .def("refresh", Released(&Accounts::Refresh),
           py::arg("refresh_token"))
      .def("logout", Released(&Accounts::Logout),
           py::arg("refresh_token"))
      .def("authenticate", Released(&Accounts::Authenticate),
           py::arg("access_token"))
      .def("get_profile", Released(&Accounts::GetProfile),
           py::arg("principal"))
      .def("create_admin",
           [](Accounts& self, const std::string& email, const std::string& password,
              const std::string& full_name) {
             return Call(
                 [&] { return self.CreateAdmin({email, password, full_name, Role::kAdmin}); });
           },
           py::arg("email"), py::arg("password"), py::arg("full_name"));
}

void RegisterWallets(py::module_& m) {
  py::class_<Wallets, std::unique_ptr<Wallets, py::nodelete>>(
      m, "Wallets", "Balances, history and card top-ups of one's own wallet (Engine.wallets).")
      .def("balance",
           [](Wallets& self, const Principal& principal, const std::string& wallet) {
             const WalletKind kind = Value(ParseWalletKind(wallet));
             return Call([&] { return self.GetBalance(principal, kind); });
           },
           py::arg("principal"), py::arg("wallet") = "user")
      .def("history",
           [](Wallets& self, const Principal& principal, const std::string& wallet,
              int page_size) {
             const WalletKind kind = Value(ParseWalletKind(wallet));
             return MakePager([&self, principal, kind, page_size](const std::string& cursor) {
               HistoryQuery query;
               query.cursor = cursor;
               query.limit = page_size;
               return self.History(principal, kind, query);
             });
           },
           py::arg("principal"), py::arg("wallet") = "user", py::arg("page_size") = 20,
           py::keep_alive<0, 1>())
      .def("top_up",
           [](Wallets& self, const Principal& principal, std::int64_t amount,
              const std::string& card_token, const std::string& idempotency_key,
              const std::string& wallet) {
             const WalletKind kind = Value(ParseWalletKind(wallet));
             return Call([&] {
               return self.StartTopUp(principal, {kind, amount, card_token, idempotency_key});
             });
           },
           py::arg("principal"), py::arg("amount"), py::arg("card_token"),
           py::arg("idempotency_key"), py::arg("wallet") = "user");
}

}  // namespace

void RegisterAccountsAndWallets(py::module_& module) {
  RegisterAccounts(module);
  RegisterWallets(module);
}

}  // namespace eventify::python
