// SociTransaction: the spi::Transaction handed to a body by SociStorage::Run. It owns one
// repository per domain area, all sharing the transaction's TransactionContext; a new area adds
// a repository member and its accessor here.
//
// Lives on the stack of Run for the duration of the body. Thread-safety: none.
#pragma once

#include "eventify/spi/storage.h"
#include "storage/soci/account_repository.h"
#include "storage/soci/ledger_repository.h"
#include "storage/soci/transaction_context.h"
#include "storage/soci/wallet_repository.h"

namespace eventify::storage {

class SociTransaction final : public spi::Transaction {
 public:
  explicit SociTransaction(TransactionContext& context)
      : accounts_(context), ledger_(context), wallets_(context) {}

  spi::AccountRepository& accounts() override { return accounts_; }
  spi::LedgerRepository& ledger() override { return ledger_; }
  spi::WalletRepository& wallets() override { return wallets_; }

 private:
  SociAccountRepository accounts_;
  SociLedgerRepository ledger_;
  SociWalletRepository wallets_;
};

}  // namespace eventify::storage
