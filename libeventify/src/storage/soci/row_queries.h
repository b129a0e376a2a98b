// Helpers of the SOCI stores that read rows by id lists (bookings, tickets, coupons): IN lists
// bound in chunks, and SELECTs collected through a row type's Exchange/Get.
//
// Thread-safety: none; on the thread running the transaction body.
#pragma once

#include <soci/soci.h>

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/status.h"
#include "eventify/types.h"
#include "storage/soci/params.h"
#include "storage/soci/statement.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

// Rows per multi-row INSERT and ids per IN list: far below SQLite's 32766 and PostgreSQL's 65535
// bound values.
inline constexpr std::size_t kChunk = 500;

inline Status BadRow(const char* table) { return Internal(std::string("a ") + table + " row is invalid"); }

// "(?, ?, ...)" binding every id of `ids` in `p`.
inline std::string InList(Params& p, std::span<const std::string> ids) {
  std::string list = "(";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) list += ", ";
    list += p.Add(ids[i]);
  }
  return list + ")";
}

// The distinct values of `values`, sorted: views into `values`.
inline std::vector<std::string_view> DistinctSorted(std::span<const std::string> values) {
  std::vector<std::string_view> distinct(values.begin(), values.end());
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  return distinct;
}

// Calls `fn(chunk)` for consecutive slices of at most kChunk elements; stops at a failure.
template <typename T, typename Fn>
Status ForChunks(std::span<const T> all, Fn&& fn) {
  for (std::size_t at = 0; at < all.size(); at += kChunk) {
    const Status done = fn(all.subspan(at, std::min(kChunk, all.size() - at)));
    if (!done.ok()) return done;
  }
  return Status::Ok();
}

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

// NULL when empty.
inline std::optional<long long> MicrosOf(const std::optional<Timestamp>& at) {
  if (!at) return std::nullopt;
  return ToMicros(*at);
}

}  // namespace eventify::storage
