#include "wallet_routes.h"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authentication.h"
#include "eventify/ledger.h"
#include "eventify/wallets.h"
#include "http_errors.h"
#include "idempotency_key.h"
#include "json.h"
#include "query_params.h"

namespace eventify::server {
namespace {

constexpr char kSignatureHeader[] = "X-Eventify-Signature";

void WriteTransfer(JsonWriter& json, const Transfer& transfer) {
  json.BeginObject();
  json.StringMember("id", transfer.id);
  json.StringMember("kind", TransferKindName(transfer.kind));
  json.StringMember("status", TransferStatusName(transfer.status));
  json.IntMember("amount", transfer.amount.minor_units);
  json.StringMember("currency", transfer.amount.currency);
  json.Key("from");
  WriteAccountRef(json, transfer.from);
  json.Key("to");
  WriteAccountRef(json, transfer.to);
  json.StringMember("reference", transfer.reference);
  json.StringMember("void_reason", VoidCauseName(transfer.void_cause));
  json.StringMember("void_note", transfer.void_note);
  json.StringMember("created_at", FormatTimestamp(transfer.created_at));
  json.OptionalTimestampMember("expires_at", transfer.expires_at);
  json.OptionalTimestampMember("resolved_at", transfer.resolved_at);
  json.EndObject();
}

// {"transfer": Transfer}
ApiResponse TransferResponse(int status, const Result<Transfer>& transfer) {
  if (!transfer.ok()) return ErrorResponse(transfer.status());
  JsonWriter json;
  json.BeginObject().Key("transfer");
  WriteTransfer(json, *transfer);
  json.EndObject();
  return JsonResponse(status, json.Finish());
}

std::string_view WalletWireName(WalletKind kind) {
  return kind == WalletKind::kOrganizer ? "organizer" : "user";
}

// The wallet a request names ("user" when it names none), from the query or the body.
Result<WalletKind> ReadWalletKind(const std::optional<std::string_view>& name) {
  if (!name || *name == "user") return WalletKind::kUser;
  if (*name == "organizer") return WalletKind::kOrganizer;
  return InvalidArgument("invalid_wallet", "'wallet' must be user or organizer", "wallet");
}

// The body of a top-up or a withdrawal: an amount, the wallet, and for top-ups a card token.
struct MoneyRequest {
  std::int64_t amount = 0;
  std::string card_token;
  WalletKind wallet = WalletKind::kUser;
};

Result<MoneyRequest> ReadMoneyRequest(const ApiRequest& request, bool with_card) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) return body.status();
  MoneyRequest out;
  std::optional<std::string> wallet;
  Status read =
      with_card ? body->Read({Required("amount", out.amount),
                              Required("card_token", out.card_token), Optional("wallet", wallet)})
                : body->Read({Required("amount", out.amount), Optional("wallet", wallet)});
  if (!read.ok()) return read;
  auto kind = ReadWalletKind(wallet);
  if (!kind.ok()) return kind.status();
  out.wallet = *kind;
  return out;
}

class WalletRoutes {
 public:
  explicit WalletRoutes(Engine& engine)
      : accounts_(engine.accounts()), wallets_(engine.wallets()) {}

  // GET /api/v1/wallet?wallet=
  ApiResponse GetWallet(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto wallet = ReadWalletKind(request.query("wallet"));
    if (!wallet.ok()) return ErrorResponse(wallet.status());
    auto balance = wallets_.GetBalance(*principal, *wallet);
    if (!balance.ok()) return ErrorResponse(balance.status());
    JsonWriter json;
    json.BeginObject().Key("wallet").BeginObject();
    json.StringMember("kind", WalletWireName(*wallet));
    json.StringMember("currency", balance->account.currency);
    json.IntMember("balance", balance->posted);
    json.IntMember("available", balance->available());
    json.IntMember("pending_debits", balance->pending_debits);
    json.IntMember("pending_credits", balance->pending_credits);
    json.EndObject().EndObject();
    return JsonResponse(200, json.Finish());
  }

  // GET /api/v1/wallet/transactions?wallet=&kind=&status=&from=&until=&cursor=&limit=
  ApiResponse ListTransactions(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto wallet = ReadWalletKind(request.query("wallet"));
    if (!wallet.ok()) return ErrorResponse(wallet.status());
    HistoryQuery query;
    Status read = ReadHistoryQuery(request, query);
    if (!read.ok()) return ErrorResponse(read);
    auto page = wallets_.History(*principal, *wallet, query);
    if (!page.ok()) return ErrorResponse(page.status());
    JsonWriter json;
    json.BeginObject().Key("items").BeginArray();
    for (const HistoryItem& item : page->items) {
      json.BeginObject().Key("transfer");
      WriteTransfer(json, item.transfer);
      json.Key("counterparty");
      WriteAccountRef(json, item.counterparty);
      json.IntMember("amount", item.amount);
      json.OptionalIntMember("balance_after", item.balance_after);
      json.EndObject();
    }
    json.EndArray();
    json.StringOrNullMember("next_cursor", page->next_cursor);
    json.EndObject();
    return JsonResponse(200, json.Finish());
  }

  // POST /api/v1/wallet/topups {amount, card_token, wallet?} with Idempotency-Key. A repeated
  // request answers as the first one did (Wallets::StartTopUp).
  ApiResponse StartTopUp(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto key = IdempotencyKey(request);
    if (!key.ok()) return ErrorResponse(key.status());
    auto body = ReadMoneyRequest(request, /*with_card=*/true);
    if (!body.ok()) return ErrorResponse(body.status());
    TopUpRequest topup;
    topup.wallet = body->wallet;
    topup.amount = body->amount;
    topup.card_token = std::move(body->card_token);
    topup.idempotency_key = std::move(key).value();
    auto started = wallets_.StartTopUp(*principal, topup);
    if (!started.ok()) return ErrorResponse(NameKeyHeader(started.status()));
    JsonWriter json;
    json.BeginObject().Key("topup").BeginObject().Key("transfer");
    WriteTransfer(json, started->transfer);
    json.StringMember("charge_id", started->charge_id);
    json.EndObject().EndObject();
    return JsonResponse(201, json.Finish());
  }

  // POST /api/v1/payments/callback: the gateway's signed notice, passed on verbatim. No bearer
  // token: the signature is the credential.
  ApiResponse GatewayCallback(const ApiRequest& request) {
    const auto signature = request.header(kSignatureHeader);
    if (!signature || signature->empty()) {
      return ErrorResponse(Unauthenticated(
          "invalid_signature", fmt::format("the {} header is required", kSignatureHeader)));
    }
    return TransferResponse(200, wallets_.HandleGatewayCallback(request.body(), *signature));
  }

  // POST /api/v1/wallet/withdrawals {amount, wallet?} with Idempotency-Key.
  ApiResponse RequestWithdrawal(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto key = IdempotencyKey(request);
    if (!key.ok()) return ErrorResponse(key.status());
    auto body = ReadMoneyRequest(request, /*with_card=*/false);
    if (!body.ok()) return ErrorResponse(body.status());
    WithdrawalRequest withdrawal;
    withdrawal.wallet = body->wallet;
    withdrawal.amount = body->amount;
    withdrawal.idempotency_key = std::move(key).value();
    auto transfer = wallets_.RequestWithdrawal(*principal, withdrawal);
    if (!transfer.ok()) return ErrorResponse(NameKeyHeader(transfer.status()));
    return TransferResponse(201, transfer);
  }

  // POST /api/v1/wallet/withdrawals/{id}/cancel
  ApiResponse CancelWithdrawal(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return TransferResponse(200, wallets_.CancelWithdrawal(*principal, params.at(0)));
  }

  // GET /api/v1/admin/withdrawals?cursor=&limit=
  ApiResponse AdminListWithdrawals(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    int limit = TransferQuery().limit;
    Status read = ReadLimit(request, limit);
    if (!read.ok()) return ErrorResponse(read);
    const std::string_view cursor = request.query("cursor").value_or("");
    auto page = wallets_.ListPendingWithdrawals(*principal, cursor, limit);
    if (!page.ok()) return ErrorResponse(page.status());
    return PageResponse(page->items, page->next_cursor, WriteTransfer);
  }

  // POST /api/v1/admin/withdrawals/{id}/approve
  ApiResponse AdminApprove(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return TransferResponse(200, wallets_.ApproveWithdrawal(*principal, params.at(0)));
  }

  // POST /api/v1/admin/withdrawals/{id}/decline {reason}
  ApiResponse AdminDecline(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string reason;
    Status read = body->Read({Required("reason", reason)});
    if (!read.ok()) return ErrorResponse(read);
    return TransferResponse(200, wallets_.DeclineWithdrawal(*principal, params.at(0), reason));
  }

  // GET /api/v1/admin/ledger/audit
  ApiResponse AdminAudit(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto report = wallets_.Audit(*principal);
    if (!report.ok()) return ErrorResponse(report.status());
    JsonWriter json;
    json.BeginObject();
    json.BoolMember("clean", report->clean());
    json.IntMember("accounts_checked", report->accounts_checked);
    json.IntMember("transfers_checked", report->transfers_checked);
    json.Key("discrepancies").BeginArray();
    for (const std::string& line : report->discrepancies) json.String(line);
    json.EndArray();
    json.EndObject();
    return JsonResponse(200, json.Finish());
  }

 private:
  Accounts& accounts_;
  Wallets& wallets_;
};

}  // namespace

void WriteAccountRef(JsonWriter& json, const AccountRef& account) {
  json.BeginObject();
  json.StringMember("kind", AccountKindName(account.kind));
  json.StringMember("owner_id", account.owner_id);
  json.EndObject();
}

void AddWalletRoutes(Router& router, Engine& engine) {
  auto routes = std::make_shared<WalletRoutes>(engine);
  // Adapts a member taking only the request.
  const auto plain = [routes](ApiResponse (WalletRoutes::*member)(const ApiRequest&)) {
    return [routes, member](const ApiRequest& request, const PathParams&) {
      return ((*routes).*member)(request);
    };
  };
  // Adapts a member taking the request and the path parameters.
  const auto with_params =
      [routes](ApiResponse (WalletRoutes::*member)(const ApiRequest&, const PathParams&)) {
        return [routes, member](const ApiRequest& request, const PathParams& params) {
          return ((*routes).*member)(request, params);
        };
      };
  router.Add("GET", "/api/v1/wallet", plain(&WalletRoutes::GetWallet));
  router.Add("GET", "/api/v1/wallet/transactions", plain(&WalletRoutes::ListTransactions));
  router.Add("POST", "/api/v1/wallet/topups", plain(&WalletRoutes::StartTopUp));
  router.Add("POST", "/api/v1/wallet/withdrawals", plain(&WalletRoutes::RequestWithdrawal));
  router.Add("POST", "/api/v1/wallet/withdrawals/{}/cancel",
             with_params(&WalletRoutes::CancelWithdrawal));
  router.Add("POST", "/api/v1/payments/callback", plain(&WalletRoutes::GatewayCallback));
  router.Add("GET", "/api/v1/admin/withdrawals", plain(&WalletRoutes::AdminListWithdrawals));
  router.Add("POST", "/api/v1/admin/withdrawals/{}/approve",
             with_params(&WalletRoutes::AdminApprove));
  router.Add("POST", "/api/v1/admin/withdrawals/{}/decline",
             with_params(&WalletRoutes::AdminDecline));
  router.Add("GET", "/api/v1/admin/ledger/audit", plain(&WalletRoutes::AdminAudit));
}

}  // namespace eventify::server
