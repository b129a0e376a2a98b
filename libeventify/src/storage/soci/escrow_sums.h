// SumEscrowTransfers: the one query shape behind every sum of the money that went into and out of
// the events' escrow accounts (AccountKind::kEscrow, owner = the event id) — the dashboards'
// figures (admin_store.cc), the organizer sales report (report_store.cc) and the admins' money
// views (admin_money_store.cc). Posted transfers only, grouped by a key and by direction and kind,
// each side read through the transfers' history indexes (transfers_to_history_idx,
// transfers_from_history_idx) from the escrow accounts' unique key (kind, owner_id, currency).
//
// Thread-safety: as the TransactionContext it runs on.
#pragma once

#include <soci/soci.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eventify/ledger.h"
#include "eventify/status.h"
#include "storage/soci/params.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

// What the sums are grouped by besides direction and kind.
enum class EscrowSumKey {
  kEvent,     // the escrow's owner, the event id
  kMonth,     // the calendar month (UTC) of the transfer, "YYYY-MM"
  kCategory,  // the event's category id
  kNone,      // one group over every escrow selected ("")
};

struct EscrowSumQuery {
  EscrowSumKey key = EscrowSumKey::kEvent;
  // The condition on the escrow's owner id (the event id), such as " IN (?, ?)" or
  // " IN (SELECT id FROM events WHERE ...)", binding its values in `p`; called once per
  // direction, in the order the placeholders appear. Empty: every escrow.
  std::function<std::string(Params& p)> owner_in;
  std::string currency;                   // empty: every currency
  std::optional<long long> from_micros;   // created_at >= from
  std::optional<long long> until_micros;  // created_at < until
};

// One group's posted transfers of one direction and kind.
struct EscrowSumRow {
  std::string key;
  bool in = false;   // into the escrow, or out of it
  std::string kind;  // TransferKindName of the transfers
  long long sum = 0;
  long long count = 0;
};

// Reads an EscrowSumRow from the columns (key, 'in' or 'out', kind, sum, count) of a grouped sum.
struct EscrowSumReader {
  EscrowSumRow row;
  std::string direction;

  void Exchange(soci::statement& statement);
  Result<EscrowSumRow> Get() const;
};

// Appends the sums of the escrows `query` selects to `out`, in no particular order.
Status SumEscrowTransfers(TransactionContext& context, const EscrowSumQuery& query,
                          std::vector<EscrowSumRow>& out);

// Adds `row` to `flows` (spi::EscrowFlows, MonthFlows, CategoryFlows): money in is paid_in
// whatever its kind; money out by kind (refunds, commission, and settlement where kept).
template <typename Flows>
void AddEscrowSum(Flows& flows, const EscrowSumRow& row) {
  if (row.in) {
    flows.paid_in += row.sum;
  } else if (row.kind == TransferKindName(TransferKind::kRefund)) {
    flows.refunds += row.sum;
  } else if (row.kind == TransferKindName(TransferKind::kCommission)) {
    flows.commission += row.sum;
  } else if constexpr (requires { flows.settlement; }) {
    if (row.kind == TransferKindName(TransferKind::kSettlement)) flows.settlement += row.sum;
  }
}

// The flows `rows` add up to, one per key (set in `key`), in key order.
template <typename Flows>
std::vector<Flows> FoldEscrowFlows(const std::vector<EscrowSumRow>& rows, std::string Flows::*key) {
  std::map<std::string, Flows> by_key;
  for (const EscrowSumRow& row : rows) {
    Flows& flows = by_key[row.key];
    flows.*key = row.key;
    AddEscrowSum(flows, row);
  }
  std::vector<Flows> out;
  for (auto& [unused, flows] : by_key) out.push_back(std::move(flows));
  return out;
}

// The calendar month (UTC) of a microsecond timestamp column, "YYYY-MM".
std::string MonthOf(Dialect dialect, std::string_view column);

}  // namespace eventify::storage
