// The chat area (eventify/chat.h): conversations and event rooms, messages written through the
// engine's commit pipeline (chat/chat_applier.h), history, receipts and unread counts, over
// spi::ChatStore (and spi::EventStore to read an event when its room is opened).
//
// Thread-safety: as Chat.
#pragma once

#include <memory>

#include "eventify/chat.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/media_store.h"
#include "eventify/spi/storage.h"
#include "storage/commit_pipeline.h"

namespace eventify::chat {

// `storage` must Support spi::ChatStore::kArea and spi::EventStore::kArea (Engine::Open checks
// it); `media` keeps the images of image messages; `pipeline` must outlive the service.
std::unique_ptr<Chat> MakeChatService(std::shared_ptr<spi::Storage> storage,
                                      std::shared_ptr<spi::MediaStore> media,
                                      std::shared_ptr<spi::Clock> clock,
                                      storage::CommitPipeline& pipeline);

}  // namespace eventify::chat
