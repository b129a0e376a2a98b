// Keyset: a position in a newest-first list (transfers, users), for keyset pagination. A page
// after it holds the rows strictly older than (created_at, id) in (created_at DESC, id DESC)
// order, so a storage reads each page from an index in the same time wherever it starts (never
// with OFFSET, which reads and throws away every row before the page).
//
// Thread-safety: a plain value.
#pragma once

#include <string>

#include "eventify/types.h"

namespace eventify::spi {

struct Keyset {
  Timestamp created_at;
  std::string id;
};

}  // namespace eventify::spi
