// SociWalletRepository: spi::WalletRepository over the topup_charges table (schema version 4).
//
// Valid only inside the transaction body that received it. Thread-safety: none (see
// TransactionContext).
#pragma once

#include "eventify/spi/storage.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

class SociWalletRepository final : public spi::WalletRepository {
 public:
  explicit SociWalletRepository(TransactionContext& context) : context_(context) {}

  // INSERT ... ON CONFLICT DO NOTHING: a taken transfer id fails no statement.
  Result<bool> InsertTopUpCharge(const spi::TopUpChargeRecord& record) override;
  Result<spi::TopUpChargeRecord> FindTopUpCharge(std::string_view transfer_id,
                                                 spi::LockMode lock) override;
  Status UpdateTopUpCharge(const spi::TopUpChargeRecord& record) override;

 private:
  TransactionContext& context_;
};

}  // namespace eventify::storage
