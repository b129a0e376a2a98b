// Params: the bound values of a statement assembled at run time (optional filters of lists), and
// the keyset condition of newest-first pages, shared by the SOCI repositories.
//
// Thread-safety: none; one per statement, on the thread running it.
#pragma once

#include <soci/soci.h>

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "eventify/spi/keyset.h"
#include "storage/soci/database_failure.h"

namespace eventify::storage {

// The values of a statement assembled at run time (optional filters of the lists).
// Add() keeps a copy of the value and returns a fresh placeholder for it, so a query written in
// the order of its Add() calls binds correctly (placeholders bind by position). Call Add() at most
// once per full expression: the operands of `a + b` are evaluated in no fixed order. The copies
// keep their addresses (deque) until the statement has run.
class Params {
 public:
  // SQLite gets anonymous "?" placeholders: it looks a named one up in a list of the names seen so
  // far, which makes preparing a statement of many values quadratic. PostgreSQL gets named ones,
  // which SOCI numbers ($1, $2, ...).
  explicit Params(Dialect dialect) : anonymous_(dialect == Dialect::kSqlite) {}

  std::string Add(long long value) {
    ints_.push_back(value);
    order_.emplace_back(&ints_.back());
    return Placeholder();
  }
  std::string Add(std::string_view value) {
    texts_.emplace_back(value);
    order_.emplace_back(&texts_.back());
    return Placeholder();
  }
  // NULL when empty.
  std::string Add(const std::optional<long long>& value) {
    nullable_ints_.push_back({value.value_or(0), value ? soci::i_ok : soci::i_null});
    order_.emplace_back(&nullable_ints_.back());
    return Placeholder();
  }

  void Bind(soci::statement& statement) {
    for (const auto& value : order_) {
      std::visit(
          [&](auto* bound) {
            if constexpr (std::is_same_v<decltype(bound), NullableInt*>) {
              statement.exchange(soci::use(bound->value, bound->indicator));
            } else {
              statement.exchange(soci::use(*bound));
            }
          },
          value);
    }
  }

 private:
  struct NullableInt {
    long long value = 0;
    soci::indicator indicator = soci::i_null;
  };

  std::string Placeholder() const {
    if (anonymous_) return "?";
    return ":p" + std::to_string(order_.size());
  }

  const bool anonymous_;

  std::deque<long long> ints_;
  std::deque<std::string> texts_;
  std::deque<NullableInt> nullable_ints_;
  std::vector<std::variant<long long*, std::string*, NullableInt*>> order_;
};

// " AND ..." selecting the rows strictly older than `before` in (created_at DESC, id DESC) order;
// `prefix` qualifies the columns ("t." or ""). The redundant "created_at <= c" gives both databases
// a range on the index column to start the scan from.
inline std::string KeysetBefore(Params& p, std::string_view prefix, const spi::Keyset& before) {
  const std::string c(prefix);
  const long long at = ToMicros(before.created_at);
  std::string where = " AND " + c + "created_at <= " + p.Add(at);
  where += " AND (" + c + "created_at < " + p.Add(at);
  where += " OR (" + c + "created_at = " + p.Add(at);
  where += " AND " + c + "id < " + p.Add(before.id) + "))";
  return where;
}

}  // namespace eventify::storage
