// Wallets: balances, history and card top-ups (eventify_c.h, "Wallets").
#include <algorithm>
#include <cstring>

#include "handles.h"

namespace eventify::capi {
namespace {

// `kind`: RawEnum of the caller's eventify_wallet_kind.
Result<WalletKind> ToWalletKind(int kind) {
  switch (kind) {
    case EVENTIFY_WALLET_USER: return WalletKind::kUser;
    case EVENTIFY_WALLET_ORGANIZER: return WalletKind::kOrganizer;
  }
  return InvalidArgument("invalid_wallet", "not an eventify_wallet_kind", "wallet");
}

void ClearHistoryItem(eventify_history_item* item) {
  std::free(item->transfer_id);
  std::free(item->kind);
  std::free(item->status);
  std::free(item->counterparty_kind);
  std::free(item->counterparty_owner_id);
  std::free(item->reference);
}

void FillHistoryItem(eventify_history_item* out, const HistoryItem& item) {
  out->transfer_id = Dup(item.transfer.id);
  out->kind = Dup(TransferKindName(item.transfer.kind));
  out->status = Dup(TransferStatusName(item.transfer.status));
  out->counterparty_kind = Dup(AccountKindName(item.counterparty.kind));
  out->counterparty_owner_id = Dup(item.counterparty.owner_id);
  out->reference = Dup(item.transfer.reference);
  out->amount = item.amount;
  out->has_balance_after = item.balance_after.has_value() ? 1 : 0;
  out->balance_after = item.balance_after.value_or(0);
  out->created_at = ToMicros(item.transfer.created_at);
}

void FillTopUp(eventify_topup* out, const TopUp& topup) {
  out->transfer_id = Dup(topup.transfer.id);
  out->status = Dup(TransferStatusName(topup.transfer.status));
  out->charge_id = Dup(topup.charge_id);
  out->amount = topup.transfer.amount.minor_units;
}

}  // namespace

extern "C" {

void eventify_history_free(eventify_history* history) { FreeList(history, ClearHistoryItem); }

void eventify_topup_free(eventify_topup* topup) {
  if (topup == nullptr) return;
  std::free(topup->transfer_id);
  std::free(topup->status);
  std::free(topup->charge_id);
  std::free(topup);
}

eventify_status eventify_get_balance(eventify_engine* engine, const eventify_session* session,
                                     eventify_wallet_kind wallet, eventify_balance* out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = eventify_balance{};
    if (engine == nullptr) return NullArgument("engine");
    if (session == nullptr) return NullArgument("session");
    auto kind = ToWalletKind(RawEnum(wallet));
    if (!kind.ok()) return Record(kind.status());
    auto balance = engine->engine->wallets().GetBalance(session->principal, *kind);
    if (!balance.ok()) return Record(balance.status());
    out->posted = balance->posted;
    out->pending_debits = balance->pending_debits;
    out->pending_credits = balance->pending_credits;
    out->available = balance->available();
    const std::string& currency = balance->account.currency;
    std::memcpy(out->currency, currency.data(), std::min<size_t>(currency.size(), 3));
    return RecordOk();
  });
}

eventify_status eventify_wallet_history(eventify_engine* engine, const eventify_session* session,
                                        eventify_wallet_kind wallet, const char* cursor, int limit,
                                        eventify_history** out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (session == nullptr) return NullArgument("session");
    auto kind = ToWalletKind(RawEnum(wallet));
    if (!kind.ok()) return Record(kind.status());
    HistoryQuery query;
    query.cursor = Arg(cursor);
    query.limit = limit;
    return GiveList<eventify_history, eventify_history_free>(
        engine->engine->wallets().History(session->principal, *kind, query), FillHistoryItem,
        out);
  });
}

eventify_status eventify_start_topup(eventify_engine* engine, const eventify_session* session,
                                     eventify_wallet_kind wallet, int64_t amount,
                                     const char* card_token, const char* idempotency_key,
                                     eventify_topup** out) {
  return Guard([&] {
    if (out != nullptr) *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (session == nullptr) return NullArgument("session");
    auto kind = ToWalletKind(RawEnum(wallet));
    if (!kind.ok()) return Record(kind.status());
    TopUpRequest request{*kind, amount, std::string(Arg(card_token)),
                                   std::string(Arg(idempotency_key))};
    return Give<eventify_topup, eventify_topup_free>(
        engine->engine->wallets().StartTopUp(session->principal, request), FillTopUp, out);
  });
}

eventify_status eventify_handle_gateway_callback(eventify_engine* engine, const char* payload,
                                                 const char* signature) {
  return Guard([&] {
    if (engine == nullptr) return NullArgument("engine");
    auto transfer = engine->engine->wallets().HandleGatewayCallback(Arg(payload), Arg(signature));
    return Record(transfer.status());
  });
}

eventify_status eventify_sandbox_sign_callback(eventify_engine* engine, const char* charge_id,
                                               int succeeded, char** payload, char** signature) {
  return Guard([&] {
    if (payload == nullptr) return NullArgument("payload");
    if (signature == nullptr) return NullArgument("signature");
    *payload = nullptr;
    *signature = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (!engine->sandbox) {
      return Record(FailedPrecondition(
          "no_sandbox_gateway", "the engine was opened without the sandbox gateway"));
    }
    auto signed_callback = engine->sandbox->SignCallback(
        Arg(charge_id), succeeded ? spi::ChargeState::kSucceeded
                                  : spi::ChargeState::kDeclined);
    if (!signed_callback.ok()) return Record(signed_callback.status());
    std::unique_ptr<char, decltype(&std::free)> text(Dup(signed_callback->first), &std::free);
    *signature = Dup(signed_callback->second);
    *payload = text.release();
    return RecordOk();
  });
}

}  // extern "C"

}  // namespace eventify::capi
