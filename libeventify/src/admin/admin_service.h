// The admin area (eventify/admin.h): the audit log and the queue counts over spi::AdminStore.
//
// Thread-safety: as Admin.
#pragma once

#include <memory>

#include "eventify/admin.h"
#include "eventify/spi/storage.h"

namespace eventify::admin {

// `storage` must Support spi::AdminStore::kArea (Engine::Open checks it).
std::unique_ptr<Admin> MakeAdminService(std::shared_ptr<spi::Storage> storage);

}  // namespace eventify::admin
