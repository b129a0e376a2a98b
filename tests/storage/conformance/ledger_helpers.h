// Helpers of the ledger store's conformance cases (ledger_*_test.cc), also used by the SOCI
// storage's ledger schema tests: sample accounts and transfers, the single-row forms of the
// batched methods, and fixtures with three accounts and a wallet's story.
#pragma once

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "conformance_helpers.h"
#include "eventify/ledger.h"
#include "eventify/spi/ledger_repository.h"
#include "eventify/spi/storage.h"
#include "storage_conformance.h"

namespace eventify::testing {

inline constexpr std::int64_t kFiveBillion = 5'000'000'000LL;  // > 2^32 minor units

using LedgerBody = std::function<Status(spi::LedgerRepository&)>;

inline Status WriteLedger(spi::Storage& storage, const LedgerBody& body) {
  return storage.Run(spi::TransactionMode::kReadWrite,
                     [&](spi::Transaction& tx) { return body(tx.ledger()); });
}
inline Status ReadLedger(spi::Storage& storage, const LedgerBody& body) {
  return storage.Run(spi::TransactionMode::kReadOnly,
                     [&](spi::Transaction& tx) { return body(tx.ledger()); });
}

// A canonical UUID-shaped id whose text order is the order of n.
inline std::string TestId(long long n) { return IdOf(n); }

inline Timestamp At(int seconds) { return BaseTime() + std::chrono::seconds(seconds); }

inline spi::LedgerAccountRecord ProposedAccount(long long n, AccountKind kind, std::string owner,
                                                std::string currency = "INR") {
  spi::LedgerAccountRecord account;
  account.id = TestId(100'000 + n);
  account.kind = kind;
  account.owner_id = std::move(owner);
  account.currency = std::move(currency);
  account.created_at = BaseTime();
  account.updated_at = BaseTime();
  return account;
}

inline spi::TransferRecord SampleTransfer(long long n, const std::string& from,
                                          const std::string& to, std::int64_t amount,
                                          TransferKind kind, TransferStatus status,
                                          Timestamp created_at) {
  spi::TransferRecord transfer;
  transfer.id = TestId(200'000 + n);
  transfer.idempotency_key = "test:" + std::to_string(n);
  transfer.request_hash = "hash-" + std::to_string(n);
  transfer.kind = kind;
  transfer.from_account_id = from;
  transfer.to_account_id = to;
  transfer.amount = amount;
  transfer.currency = "INR";
  transfer.status = status;
  transfer.reference = "ref " + std::to_string(n);
  transfer.created_at = created_at;
  if (status != TransferStatus::kPending) transfer.resolved_at = created_at;
  return transfer;
}

// The single-row forms the tests use, through the batched methods (the only ones the SPI has).
inline Result<spi::LedgerAccountRecord> EnsureOne(spi::LedgerRepository& ledger,
                                                  const spi::LedgerAccountRecord& proposed,
                                                  spi::LockMode lock) {
  auto stored = ledger.EnsureAccounts({proposed}, lock);
  if (!stored.ok()) return stored.status();
  if (stored->size() != 1)
    return Internal("EnsureAccounts returned " + std::to_string(stored->size()) +
                    " rows for one ref");
  return stored->front();
}
inline Status InsertOne(spi::LedgerRepository& ledger, const spi::TransferRecord& transfer) {
  return ledger.InsertTransfers({transfer});
}
inline Result<spi::TransferRecord> FindByKey(spi::LedgerRepository& ledger,
                                             const std::string& key) {
  auto found = ledger.FindTransfersByKeys({key});
  if (!found.ok()) return found.status();
  if (found->empty()) return NotFound("transfer_not_found", "no such transfer");
  return found->front();
}

// Creates the accounts (zero balances) and returns their ids.
inline std::vector<std::string> EnsureAccounts(
    spi::Storage& storage, const std::vector<spi::LedgerAccountRecord>& proposed) {
  std::vector<std::string> ids;
  REQUIRE_OK(WriteLedger(storage, [&](spi::LedgerRepository& ledger) -> Status {
    ids.clear();
    for (const auto& account : proposed) {
      auto stored = EnsureOne(ledger, account, spi::LockMode::kForUpdate);
      if (!stored.ok()) return stored.status();
      ids.push_back(stored->id);
    }
    return Status::Ok();
  }));
  return ids;
}

// Records `transfer` the way a ledger service would, keeping the cached balances true: a posted
// transfer writes its two entries and moves the posted balances, a pending one the holds.
inline Status Record(spi::LedgerRepository& ledger, const spi::TransferRecord& transfer) {
  EV_TEST_RETURN_IF_ERROR(InsertOne(ledger, transfer));
  auto from = ledger.FindAccountById(transfer.from_account_id, spi::LockMode::kForUpdate);
  if (!from.ok()) return from.status();
  auto to = ledger.FindAccountById(transfer.to_account_id, spi::LockMode::kForUpdate);
  if (!to.ok()) return to.status();
  if (transfer.status == TransferStatus::kPosted) {
    from->posted -= transfer.amount;
    to->posted += transfer.amount;
    EV_TEST_RETURN_IF_ERROR(ledger.InsertEntries({
        {transfer.id, from->id, -transfer.amount, from->posted, transfer.created_at},
        {transfer.id, to->id, transfer.amount, to->posted, transfer.created_at},
    }));
  } else if (transfer.status == TransferStatus::kPending) {
    from->pending_debits += transfer.amount;
    to->pending_credits += transfer.amount;
  }
  from->updated_at = to->updated_at = transfer.created_at;
  EV_TEST_RETURN_IF_ERROR(ledger.UpdateAccountBalances(*from));
  return ledger.UpdateAccountBalances(*to);
}

inline void CheckSameTransfer(const spi::TransferRecord& got, const spi::TransferRecord& want) {
  BOOST_TEST_CONTEXT("transfer " << want.id) {
    BOOST_TEST(got.id == want.id);
    BOOST_TEST(got.idempotency_key == want.idempotency_key);
    BOOST_TEST(got.request_hash == want.request_hash);
    BOOST_TEST((got.kind == want.kind));
    BOOST_TEST(got.from_account_id == want.from_account_id);
    BOOST_TEST(got.to_account_id == want.to_account_id);
    BOOST_TEST(got.amount == want.amount);
    BOOST_TEST(got.currency == want.currency);
    BOOST_TEST((got.status == want.status));
    BOOST_TEST(got.reference == want.reference);
    BOOST_TEST((got.void_cause == want.void_cause));
    BOOST_TEST(got.void_note == want.void_note);
    BOOST_TEST((got.created_at == want.created_at));
    BOOST_TEST((got.expires_at == want.expires_at));
    BOOST_TEST((got.resolved_at == want.resolved_at));
  }
}

inline std::vector<std::string> IdsOf(const std::vector<spi::TransferRow>& rows) {
  std::vector<std::string> ids;
  for (const auto& row : rows) ids.push_back(row.transfer.id);
  return ids;
}

// A new, empty storage from the factory hook (storage_conformance.h).
struct LedgerStorage {
  LedgerStorage() : storage(conformance::OpenStorageUnderTest()) {}
  std::shared_ptr<spi::Storage> storage;
};

// Three accounts most tests use: a user's wallet, the gateway clearing account, an event escrow.
// `Base` holds the storage: LedgerStorage here, a SOCI database with its URL in the SOCI suite.
template <class Base>
struct ThreeAccountsOn : Base {
  ThreeAccountsOn() {
    const auto ids =
        EnsureAccounts(*this->storage, {ProposedAccount(1, AccountKind::kUserWallet, "user-1"),
                                        ProposedAccount(2, AccountKind::kGatewayClearing, ""),
                                        ProposedAccount(3, AccountKind::kEscrow, "event-1")});
    wallet = ids[0];
    clearing = ids[1];
    escrow = ids[2];
  }
  std::string wallet, clearing, escrow;
  const AccountRef wallet_ref{AccountKind::kUserWallet, "user-1", "INR"};
  const AccountRef clearing_ref{AccountKind::kGatewayClearing, "", "INR"};
  const AccountRef escrow_ref{AccountKind::kEscrow, "event-1", "INR"};
};
using ThreeAccounts = ThreeAccountsOn<LedgerStorage>;

// The wallet's story: topped up 1000, paid 300, holds 200, refunded 100; plus a transfer that
// does not touch the wallet.
struct WalletStory : ThreeAccounts {
  WalletStory() {
    topup = SampleTransfer(1, clearing, wallet, 1000, TransferKind::kCredit,
                           TransferStatus::kPosted, At(10));
    payment = SampleTransfer(2, wallet, escrow, 300, TransferKind::kDebit, TransferStatus::kPosted,
                             At(20));
    hold = SampleTransfer(3, wallet, escrow, 200, TransferKind::kDebit, TransferStatus::kPending,
                          At(30));
    hold.expires_at = At(900);
    refund = SampleTransfer(4, escrow, wallet, 100, TransferKind::kRefund, TransferStatus::kPosted,
                            At(40));
    unrelated = SampleTransfer(5, clearing, escrow, 7, TransferKind::kCredit,
                               TransferStatus::kPosted, At(25));
    REQUIRE_OK(WriteLedger(*storage, [&](spi::LedgerRepository& ledger) {
      for (const auto* t : {&topup, &payment, &unrelated, &hold, &refund}) {  // time order
        EV_TEST_RETURN_IF_ERROR(Record(ledger, *t));
      }
      return Status::Ok();
    }));
  }

  std::vector<spi::TransferRow> History(const spi::HistoryFilter& filter) {
    std::vector<spi::TransferRow> rows;
    REQUIRE_OK(ReadLedger(*storage, [&](spi::LedgerRepository& ledger) -> Status {
      auto page = ledger.ListHistory(filter);
      if (!page.ok()) return page.status();
      rows = std::move(page).value();
      return Status::Ok();
    }));
    return rows;
  }
  spi::HistoryFilter Of(const std::string& account) {
    spi::HistoryFilter filter;
    filter.account_id = account;
    filter.limit = 100;
    return filter;
  }

  spi::TransferRecord topup, payment, hold, refund, unrelated;
};

}  // namespace eventify::testing
