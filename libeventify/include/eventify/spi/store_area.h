// StoreArea: the identity of an area's store, and LockMode, how a store reads a row. Every store
// header under spi/ includes this one; spi/storage.h says how a transaction hands stores out.
//
// Thread-safety: both are plain values.
#pragma once

#include <string_view>

#include "eventify/export.h"

namespace eventify::spi {

// The identity of an area's store: a stable lower-case name ("accounts", "jobs",
// "accounts.maintenance"). Each store interface declares its own as
// `static constexpr StoreArea kArea`; the name never changes once released.
class EVENTIFY_EXPORT StoreArea {
 public:
  constexpr explicit StoreArea(std::string_view name) : name_(name) {}
  constexpr std::string_view name() const { return name_; }
  friend constexpr bool operator==(StoreArea a, StoreArea b) { return a.name_ == b.name_; }

 private:
  std::string_view name_;
};

// kForUpdate: the row read stays locked until the transaction ends (guarantee 2 of
// spi/storage.h). Read-write transactions only.
enum class LockMode { kNone, kForUpdate };

}  // namespace eventify::spi
