#include "storage/soci/wallet_repository.h"

#include <soci/soci.h>

#include <string>

#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

// The state column holds spi::TopUpChargeStateName words; they are part of the schema (the CHECK
// of migration 4): never change one, widen the CHECK in a new migration.

Status TopUpChargeNotFound() {
  return NotFound("topup_charge_not_found", "no charge was recorded for this top-up");
}

}  // namespace

Result<bool> SociWalletRepository::InsertTopUpCharge(const spi::TopUpChargeRecord& record) {
  return context_.Call(Access::kWrite, "InsertTopUpCharge", [&]() -> Result<bool> {
    const std::string state(spi::TopUpChargeStateName(record.state));
    const long long created_at = ToMicros(record.created_at);
    const long long updated_at = ToMicros(record.updated_at);
    const Executed inserted =
        Execute(context_.sql(),
                "INSERT INTO topup_charges (transfer_id, state, charge_id, created_at, "
                "updated_at) VALUES (:transfer_id, :state, :charge_id, :created_at, :updated_at) "
                "ON CONFLICT (transfer_id) DO NOTHING",
                soci::use(record.transfer_id), soci::use(state), soci::use(record.charge_id),
                soci::use(created_at), soci::use(updated_at));
    return inserted.affected_rows == 1;
  });
}

Result<spi::TopUpChargeRecord> SociWalletRepository::FindTopUpCharge(std::string_view transfer_id,
                                                                     spi::LockMode lock) {
  return context_.Call(Access::kRead, "FindTopUpCharge", [&]() -> Result<spi::TopUpChargeRecord> {
    const std::string key(transfer_id);
    spi::TopUpChargeRecord record;
    std::string state;
    long long created_at = 0;
    long long updated_at = 0;
    const std::string query =
        "SELECT transfer_id, state, charge_id, created_at, updated_at FROM topup_charges "
        "WHERE transfer_id = :transfer_id" +
        std::string(context_.LockClause(lock));
    const Executed found = Execute(context_.sql(), query, soci::into(record.transfer_id),
                                   soci::into(state), soci::into(record.charge_id),
                                   soci::into(created_at), soci::into(updated_at), soci::use(key));
    if (!found.got_row) return TopUpChargeNotFound();
    const Result<spi::TopUpChargeState> parsed = spi::ParseTopUpChargeState(state);
    if (!parsed.ok()) return Internal("a topup_charges row holds an unknown state");
    record.state = *parsed;
    record.created_at = FromMicros(created_at);
    record.updated_at = FromMicros(updated_at);
    return record;
  });
}

Status SociWalletRepository::UpdateTopUpCharge(const spi::TopUpChargeRecord& record) {
  return context_.Call(Access::kWrite, "UpdateTopUpCharge", [&]() -> Status {
    const std::string state(spi::TopUpChargeStateName(record.state));
    const long long updated_at = ToMicros(record.updated_at);
    const Executed updated =
        Execute(context_.sql(),
                "UPDATE topup_charges SET state = :state, charge_id = :charge_id, "
                "updated_at = :updated_at WHERE transfer_id = :transfer_id",
                soci::use(state), soci::use(record.charge_id), soci::use(updated_at),
                soci::use(record.transfer_id));
    if (updated.affected_rows == 0) return TopUpChargeNotFound();
    return Status::Ok();
  });
}

}  // namespace eventify::storage
