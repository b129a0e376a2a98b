#include "storage/soci/transaction_context.h"

namespace eventify::storage {

Status TransactionContext::Fail(std::string_view operation, const ConstraintMeaning& meaning) {
  const DatabaseFailure failure = ClassifyCurrentException(dialect_, &sql_);
  Status status;
  if (failure.kind == FailureKind::kUniqueViolation && !meaning.unique.ok()) {
    status = meaning.unique;
  } else if (failure.kind == FailureKind::kForeignKeyViolation && !meaning.foreign_key.ok()) {
    status = meaning.foreign_key;
  } else {
    status = FailureStatus(failure, operation);
  }
  session_broken_ = failure.kind == FailureKind::kConnectionLost;
  failure_ = status;
  return status;
}

}  // namespace eventify::storage
