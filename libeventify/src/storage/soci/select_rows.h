// SelectInto: runs a SELECT assembled at run time and collects its rows as values, shared by the
// SOCI stores whose rows map to domain records through a Row type:
//   struct Row { void Exchange(soci::statement&); Result<Value> Get() const; };
// Exchange binds the row's into() elements in column order; Get turns the fetched columns into
// the value (a row it cannot read is its error, and the last such error is returned).
//
// Thread-safety: none; on the thread running the transaction.
#pragma once

#include <soci/soci.h>

#include <string>
#include <utility>
#include <vector>

#include "eventify/status.h"
#include "storage/soci/params.h"
#include "storage/soci/statement.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

// Runs a SELECT whose columns `row.Exchange` fetches, with the use() elements of `p`, and
// collects row.Get() of each row.
template <typename Row, typename Value>
Status SelectInto(TransactionContext& context, const std::string& query, Params& p,
                  std::vector<Value>& out) {
  Row row;
  Status failed;
  ForEachRow(
      context.sql(), query,
      [&](soci::statement& statement) {
        row.Exchange(statement);
        p.Bind(statement);
      },
      [&] {
        Result<Value> value = row.Get();
        if (value.ok()) {
          out.push_back(std::move(value).value());
        } else {
          failed = value.status();
        }
      });
  return failed;
}

}  // namespace eventify::storage
