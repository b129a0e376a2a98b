// The ledger's rules on single transfers, shared by the ledger service (ledger_service.cc) and by
// TransferBatch (transfer_batch.h), through which other areas move money in their own commits:
// what a valid request is, the digest that tells an honest retry from a reused key, how a stored
// row reads at a given time, and the arithmetic of posting.
//
// Pure functions over records; no storage access, no state. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/ledger.h"
#include "eventify/spi/ledger_repository.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::ledger {

// 10^15 minor units (ten trillion rupees in paise): far above any real payment, far below the
// point where sums of balances could overflow 64 bits.
inline constexpr std::int64_t kMaxAmount = 1'000'000'000'000'000LL;
inline constexpr std::size_t kMaxKeyLength = 255;  // services add a scope to clients' 200
inline constexpr std::size_t kMaxReferenceLength = 200;
inline constexpr std::size_t kMaxOwnerIdLength = 64;

bool IsPrintableAscii(std::string_view text);

// Checks an account reference. Errors: kInvalidArgument invalid_currency or invalid_account,
// with `field`.
Status ValidateRef(const AccountRef& ref, std::string_view field);

// Errors: kInvalidArgument with the reasons and fields of Ledger::CreateTransfer (ledger.h).
Status ValidateRequest(const TransferRequest& request);

// Digest of everything that defines a request, to tell an honest retry from a reused key.
std::string RequestHash(const TransferRequest& request);

AccountRef RefOf(const spi::LedgerAccountRecord& account);

// True for a pending hold whose expiry has passed at `now`.
bool IsExpiredAt(const spi::TransferRecord& transfer, Timestamp now);

// The transfer as readers see it at `now`: a pending hold past its expiry is voided, as the sweep
// will record it.
Transfer ToTransfer(const spi::TransferRecord& record, AccountRef from, AccountRef to,
                    Timestamp now);

// kFailedPrecondition balance_overflow.
Status Overflow();

// Moves the transfer's amount from the posted balance of `from` to that of `to` and returns the
// two entries. Errors: kFailedPrecondition balance_overflow (nothing changed).
Result<std::vector<spi::EntryRecord>> Post(spi::LedgerAccountRecord& from,
                                           spi::LedgerAccountRecord& to,
                                           const spi::TransferRecord& transfer, Timestamp now);

// A new account record for `ref` (balances zero), created at `now`.
spi::LedgerAccountRecord NewAccount(const AccountRef& ref, Timestamp now);

// A map key naming an account by kind, owner and currency.
std::string RefKey(AccountKind kind, std::string_view owner, std::string_view currency);
std::string RefKey(const AccountRef& ref);

}  // namespace eventify::ledger
