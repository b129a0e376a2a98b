// The wallet HTTP API (/api/v1/wallet*, /api/v1/payments/callback, /api/v1/admin/withdrawals*,
// /api/v1/admin/ledger/audit): wire format only; every rule (amounts, funds, holds, who may do
// what, idempotency) is the library's. docs/wallet-api.md describes each endpoint.
#pragma once

#include "eventify/engine.h"
#include "eventify/ledger.h"
#include "json.h"
#include "router.h"

namespace eventify::server {

// {"kind", "owner_id"}: an account as the wallet and admin routes show one.
void WriteAccountRef(JsonWriter& json, const AccountRef& account);

// The routes borrow `engine`, which must outlive the router.
void AddWalletRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
