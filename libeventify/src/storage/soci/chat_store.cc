#include "storage/soci/chat_store.h"

#include <soci/soci.h>

#include <algorithm>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "storage/soci/chat_schema.h"
#include "storage/soci/native_statements.h"
#include "storage/soci/params.h"
#include "storage/soci/row_queries.h"
#include "storage/soci/select_by_keys.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

Status ConversationNotFound() {
  return NotFound("conversation_not_found", "there is no such conversation");
}

constexpr std::string_view kConversationColumns =
    "id, kind, conversation_key, event_id, user_a, user_b, created_at";

struct ConversationRow {
  spi::ConversationRecord record;
  std::string kind;
  long long created_at = 0;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(record.id));
    statement.exchange(soci::into(kind));
    statement.exchange(soci::into(record.key));
    statement.exchange(soci::into(record.event_id));
    statement.exchange(soci::into(record.user_a));
    statement.exchange(soci::into(record.user_b));
    statement.exchange(soci::into(created_at));
  }

  Result<spi::ConversationRecord> Get() const {
    spi::ConversationRecord out = record;
    if (kind == ConversationKindName(ConversationKind::kDirect)) {
      out.kind = ConversationKind::kDirect;
    } else if (kind == ConversationKindName(ConversationKind::kEventRoom)) {
      out.kind = ConversationKind::kEventRoom;
    } else {
      return BadRow("chat_conversations");
    }
    out.created_at = FromMicros(created_at);
    return out;
  }
};

constexpr std::string_view kMessageColumns =
    "id, conversation_id, seq, sender_id, kind, body, reply_to, client_key, request_key, "
    "created_at, image_key, image_type, image_size, image_sha256, pos";

struct MessageRow {
  spi::MessageRecord record;
  long long seq = 0;
  std::string kind;
  long long created_at = 0;
  long long pos = 0;
  MessageImage image;
  long long image_size = 0;

  void Exchange(soci::statement& statement) {
    Message& m = record.message;
    statement.exchange(soci::into(m.id));
    statement.exchange(soci::into(m.conversation_id));
    statement.exchange(soci::into(seq));
    statement.exchange(soci::into(m.sender_id));
    statement.exchange(soci::into(kind));
    statement.exchange(soci::into(m.text));
    statement.exchange(soci::into(m.reply_to_id));
    statement.exchange(soci::into(m.idempotency_key));
    statement.exchange(soci::into(record.request_key));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(image.key));
    statement.exchange(soci::into(image.content_type));
    statement.exchange(soci::into(image_size));
    statement.exchange(soci::into(image.sha256));
    statement.exchange(soci::into(pos));
  }

  // The same columns from a native row (native_statements.h: SqliteStatement, PgRow).
  template <typename Row>
  void Read(const Row& row) {
    Message& m = record.message;
    m.id = row.Text(0);
    m.conversation_id = row.Text(1);
    seq = row.Int(2);
    m.sender_id = row.Text(3);
    kind = row.Text(4);
    m.text = row.Text(5);
    m.reply_to_id = row.Text(6);
    m.idempotency_key = row.Text(7);
    record.request_key = row.Text(8);
    created_at = row.Int(9);
    image.key = row.Text(10);
    image.content_type = row.Text(11);
    image_size = row.Int(12);
    image.sha256 = row.Text(13);
    pos = row.Int(14);
  }

  Result<spi::MessageRecord> Get() const {
    spi::MessageRecord out = record;
    if (kind == MessageKindName(MessageKind::kText)) {
      out.message.kind = MessageKind::kText;
    } else if (kind == MessageKindName(MessageKind::kAnnouncement)) {
      out.message.kind = MessageKind::kAnnouncement;
    } else {
      return BadRow("chat_messages");
    }
    out.message.seq = seq;
    out.message.created_at = FromMicros(created_at);
    out.message.pos = pos;
    if (!image.key.empty()) {
      out.message.image = image;
      out.message.image->size_bytes = image_size;
    }
    return out;
  }
};

struct MarkRow {
  spi::ReadMark mark;
  long long read_seq = 0;
  long long delivered_seq = 0;
  long long updated_at = 0;
  long long pos = 0;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(mark.conversation_id));
    statement.exchange(soci::into(mark.user_id));
    statement.exchange(soci::into(read_seq));
    statement.exchange(soci::into(delivered_seq));
    statement.exchange(soci::into(updated_at));
    statement.exchange(soci::into(pos));
  }

  Result<spi::ReadMark> Get() const {
    spi::ReadMark out = mark;
    out.read_seq = read_seq;
    out.delivered_seq = delivered_seq;
    out.updated_at = FromMicros(updated_at);
    out.pos = pos;
    return out;
  }
};

// A conversation with its activity and the user's marks: the conversation's columns, then
// last_seq, activity_at, read_seq, delivered_seq.
struct ActivityRow {
  ConversationRow conversation;
  long long last_seq = 0;
  long long activity_at = 0;
  long long read_seq = 0;
  long long delivered_seq = 0;

  void Exchange(soci::statement& statement) {
    conversation.Exchange(statement);
    statement.exchange(soci::into(last_seq));
    statement.exchange(soci::into(activity_at));
    statement.exchange(soci::into(read_seq));
    statement.exchange(soci::into(delivered_seq));
  }

  Result<spi::ConversationActivity> Get() const {
    spi::ConversationActivity out;
    EV_ASSIGN_OR_RETURN(out.conversation, conversation.Get());
    out.last_seq = last_seq;
    out.activity_at = FromMicros(activity_at);
    out.read_seq = read_seq;
    out.delivered_seq = delivered_seq;
    return out;
  }
};

// A SELECT of the ids of the conversations `user_id` is a member of now: direct ones through the
// user_a and user_b indexes, rooms they organize through user_a, rooms of events they hold a
// confirmed booking of through the bookings' index by buyer (user_id, request_key).
// `ids` as the rows of a VALUES list, "(?), (?)": one column, named `column1` on both databases.
std::string ValuesRows(Params& p, std::span<const std::string> ids) {
  std::string rows;
  for (const std::string& id : ids) {
    rows += rows.empty() ? "(" : ", (";
    rows += p.Add(id) + ")";
  }
  return rows;
}

std::string MyConversationIds(Params& p, std::string_view user_id, Dialect dialect) {
  std::string query = "SELECT id FROM chat_conversations WHERE user_a = " + p.Add(user_id);
  query += " UNION SELECT id FROM chat_conversations WHERE user_b = " + p.Add(user_id);
  query +=
      " UNION SELECT c.id FROM bookings b JOIN chat_conversations c ON c.event_id = b.event_id"
      " AND c.kind = 'event_room' WHERE b.user_id = " +
      p.Add(user_id);
  // SQLite, without statistics, took bookings_lapse_idx (status) for this and read every
  // confirmed booking of the database; `+` keeps the status term off the index choice.
  return query + (dialect == Dialect::kSqlite ? " AND +b.status = 'confirmed'"
                                              : " AND b.status = 'confirmed'");
}

// The marks "SELECT ... FROM chat_read_marks" + `tail` finds.
Result<std::vector<spi::ReadMark>> SelectMarks(TransactionContext& context,
                                               const std::string& tail, Params& p) {
  std::vector<spi::ReadMark> out;
  const Status read = SelectInto<MarkRow>(
      context,
      "SELECT conversation_id, user_id, read_seq, delivered_seq, updated_at, pos"
      " FROM chat_read_marks" +
          tail,
      p, out);
  if (!read.ok()) return read;
  return out;
}

// The conversations "SELECT kConversationColumns FROM chat_conversations" + `tail` finds.
Result<std::vector<spi::ConversationRecord>> SelectConversations(TransactionContext& context,
                                                                 const std::string& tail,
                                                                 Params& p) {
  std::vector<spi::ConversationRecord> out;
  const Status read = SelectInto<ConversationRow>(
      context, "SELECT " + std::string(kConversationColumns) + " FROM chat_conversations" + tail,
      p, out);
  if (!read.ok()) return read;
  return out;
}

Result<spi::ConversationRecord> FirstConversation(
    Result<std::vector<spi::ConversationRecord>> found) {
  if (!found.ok()) return found.status();
  if (found->empty()) return ConversationNotFound();
  return std::move(found->front());
}

// The messages whose `column` (a unique one: "id" or "request_key") is among `values`, as the
// commit path reads them for every batch (select_by_keys.h).
Result<std::vector<spi::MessageRecord>> SelectMessagesIn(TransactionContext& context,
                                                         std::string_view column,
                                                         std::span<const std::string> values) {
  static const std::string kSelect =
      "SELECT " + std::string(kMessageColumns) + " FROM chat_messages WHERE";
  std::vector<spi::MessageRecord> out;
  EV_RETURN_IF_ERROR(SelectByKeys<MessageRow>(context, kSelect, column, values, out));
  return out;
}

std::vector<Message> MessagesOf(std::vector<spi::MessageRecord> records) {
  std::vector<Message> out;
  out.reserve(records.size());
  for (spi::MessageRecord& record : records) out.push_back(std::move(record.message));
  return out;
}

}  // namespace

Result<std::vector<spi::ChatUser>> SociChatStore::FindChatUsers(std::span<const std::string> ids) {
  return context_.Call(Access::kRead, "FindChatUsers", [&]() -> Result<std::vector<spi::ChatUser>> {
    std::vector<spi::ChatUser> out;
    const Status read = ForChunks(ids, [&](std::span<const std::string> chunk) -> Status {
      Params p(context_.dialect());
      const std::string query =
          "SELECT id, role, blocked FROM users WHERE id IN " + InList(p, chunk);
      std::string id, role;
      int blocked = 0;
      Status failed;
      ForEachRow(
          context_.sql(), query,
          [&](soci::statement& statement) {
            statement.exchange(soci::into(id));
            statement.exchange(soci::into(role));
            statement.exchange(soci::into(blocked));
            p.Bind(statement);
          },
          [&] {
            Result<Role> parsed = ParseRole(role);
            if (!parsed.ok()) {
              failed = BadRow("users");
              return;
            }
            out.push_back(spi::ChatUser{id, *parsed, blocked != 0});
          });
      return failed;
    });
    if (!read.ok()) return read;
    return out;
  });
}

Result<bool> SociChatStore::HoldsBookingOfOrganizer(std::string_view holder_id,
                                                    std::string_view organizer_id) {
  return context_.Call(Access::kRead, "HoldsBookingOfOrganizer", [&]() -> Result<bool> {
    std::string holder(holder_id);
    std::string organizer(organizer_id);
    std::string found;
    const Executed row = Execute(context_.sql(),
                                 "SELECT b.id FROM bookings b JOIN events e ON e.id = b.event_id"
                                 " WHERE b.user_id = :holder AND b.status = 'confirmed'"
                                 " AND e.organizer_id = :organizer LIMIT 1",
                                 soci::into(found), soci::use(holder), soci::use(organizer));
    return row.got_row;
  });
}

// SQLite: one prepared statement stepped per key, from the smaller side. The chat hub asks with
// every user online on the node (thousands) and the few events of a commit: each event's
// confirmed bookings through bookings_event_idx, kept when their user was asked for. A
// membership check asks with one user: that user's bookings through the index by buyer. Before,
// one statement with both IN lists, parsed and bound anew at every commit (half its cost) and
// repeated for every 500 users. (`+status`: see MyConversationIds.)
Result<std::vector<std::pair<std::string, std::string>>> SociChatStore::SqliteConfirmedHolders(
    std::span<const std::string> event_ids, std::span<const std::string> user_ids) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::vector<std::string_view> events = DistinctSorted(event_ids);
  const std::vector<std::string_view> users = DistinctSorted(user_ids);
  auto asked = [](const std::vector<std::string_view>& sorted, std::string_view key) {
    return std::binary_search(sorted.begin(), sorted.end(), key);
  };
  constexpr std::size_t kUsersPerEvent = 8;  // below: a user's few bookings beat an event's many
  const bool by_user = users.size() <= events.size() * kUsersPerEvent;
  // Steps `query` once per key of `keys`, keeping the rows whose value is among `wanted`.
  auto read = [&](const char* query, const std::vector<std::string_view>& keys,
                  const std::vector<std::string_view>& wanted) {
    SqliteStatement statement = context_.statements().Sqlite(query);
    for (std::string_view key : keys) {
      statement.Bind(key);
      while (statement.Step()) {
        const std::string_view value = statement.Text(0);
        if (!asked(wanted, value)) continue;
        if (by_user) {
          out.emplace_back(std::string(value), std::string(key));
        } else {
          out.emplace_back(std::string(key), std::string(value));
        }
      }
      statement.Reset();
    }
  };
  if (by_user) {
    read("SELECT DISTINCT event_id FROM bookings WHERE user_id = ? AND +status = 'confirmed'",
         users, events);
  } else {
    read("SELECT DISTINCT user_id FROM bookings WHERE event_id = ? AND status = 'confirmed'",
         events, users);
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> SociChatStore::FindConfirmedHolders(
    std::span<const std::string> event_ids, std::span<const std::string> user_ids) {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  return context_.Call(Access::kRead, "FindConfirmedHolders", [&]() -> Result<Pairs> {
    Pairs out;
    if (event_ids.empty() || user_ids.empty()) return out;
    if (context_.dialect() == Dialect::kSqlite) return SqliteConfirmedHolders(event_ids, user_ids);
    // Chunked by users; the events of one batch are few (at most one per conversation written).
    const Status read = ForChunks(user_ids, [&](std::span<const std::string> users) -> Status {
      return ForChunks(event_ids, [&](std::span<const std::string> events) -> Status {
        Params p(context_.dialect());
        std::string query = "SELECT DISTINCT event_id, user_id FROM bookings WHERE user_id IN " +
                            InList(p, users);
        query += " AND event_id IN " + InList(p, events);
        query += " AND status = 'confirmed'";
        std::string event, user;
        ForEachRow(
            context_.sql(), query,
            [&](soci::statement& statement) {
              statement.exchange(soci::into(event));
              statement.exchange(soci::into(user));
              p.Bind(statement);
            },
            [&] { out.emplace_back(event, user); });
        return Status::Ok();
      });
    });
    if (!read.ok()) return read;
    return out;
  });
}

Status SociChatStore::InsertConversation(const spi::ConversationRecord& conversation) {
  return context_.Call(
      Access::kWrite, "InsertConversation",
      [&]() -> Status {
        spi::ConversationRecord c = conversation;
        std::string kind(ConversationKindName(c.kind));
        long long created_at = ToMicros(c.created_at);
        Execute(context_.sql(),
                "INSERT INTO chat_conversations (" + std::string(kConversationColumns) +
                    ") VALUES (:id, :kind, :conversation_key, :event_id, :user_a, :user_b,"
                    " :created_at)",
                soci::use(c.id), soci::use(kind), soci::use(c.key), soci::use(c.event_id),
                soci::use(c.user_a), soci::use(c.user_b), soci::use(created_at));
        return Status::Ok();
      },
      {.unique = AlreadyExists("conversation_exists", "this conversation exists already")});
}

Result<spi::ConversationRecord> SociChatStore::FindConversation(std::string_view id) {
  return context_.Call(Access::kRead, "FindConversation", [&]() -> Result<spi::ConversationRecord> {
    Params p(context_.dialect());
    return FirstConversation(SelectConversations(context_, " WHERE id = " + p.Add(id), p));
  });
}

Result<spi::ConversationRecord> SociChatStore::FindConversationByKey(std::string_view key) {
  return context_.Call(
      Access::kRead, "FindConversationByKey", [&]() -> Result<spi::ConversationRecord> {
        Params p(context_.dialect());
        return FirstConversation(
            SelectConversations(context_, " WHERE conversation_key = " + p.Add(key), p));
      });
}

Result<std::vector<spi::ConversationRecord>> SociChatStore::LockConversations(
    std::span<const std::string> ids) {
  using Records = std::vector<spi::ConversationRecord>;
  return context_.Call(Access::kWrite, "LockConversations", [&]() -> Result<Records> {
    std::vector<std::string> sorted(ids.begin(), ids.end());
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    Records out;
    const Status read = ForChunks(std::span<const std::string>(sorted),
                                  [&](std::span<const std::string> chunk) -> Status {
                                    Params p(context_.dialect());
                                    const std::string tail =
                                        " WHERE id IN " + InList(p, chunk) + " ORDER BY id" +
                                        std::string(context_.LockClause(spi::LockMode::kForUpdate));
                                    auto found = SelectConversations(context_, tail, p);
                                    if (!found.ok()) return found.status();
                                    for (auto& record : *found) out.push_back(std::move(record));
                                    return Status::Ok();
                                  });
    if (!read.ok()) return read;
    return out;
  });
}

Result<std::vector<std::pair<std::string, std::int64_t>>> SociChatStore::LastSequences(
    std::span<const std::string> ids) {
  using Pairs = std::vector<std::pair<std::string, std::int64_t>>;
  return context_.Call(Access::kRead, "LastSequences", [&]() -> Result<Pairs> {
    Pairs out;
    const Status read = ForChunks(ids, [&](std::span<const std::string> chunk) -> Status {
      Params p(context_.dialect());
      // One MAX per conversation, each a lookup of the last entry of the (conversation_id, seq)
      // index. `MAX(seq) ... WHERE conversation_id IN (...) GROUP BY conversation_id` read every
      // message of the conversations on both databases: 2 ms a batch at 16,000 messages on SQLite,
      // most of the server's CPU in a busy room (docs/performance.md).
      // The ids as a VALUES list (its column is `column1` on both databases), so that a
      // conversation is found by its messages alone, as the contract says.
      const std::string query =
          "SELECT DISTINCT id, last FROM (SELECT ids.column1 AS id, (SELECT MAX(m.seq)"
          " FROM chat_messages m WHERE m.conversation_id = ids.column1) AS last"
          " FROM (VALUES " + ValuesRows(p, chunk) + ") AS ids) AS lasts WHERE last IS NOT NULL";
      std::string id;
      long long seq = 0;
      ForEachRow(
          context_.sql(), query,
          [&](soci::statement& statement) {
            statement.exchange(soci::into(id));
            statement.exchange(soci::into(seq));
            p.Bind(statement);
          },
          [&] { out.emplace_back(id, seq); });
      return Status::Ok();
    });
    if (!read.ok()) return read;
    return out;
  });
}

namespace {

// Each sender's messages in one conversation of a batch: how many, and the lowest number.
struct OwnMessages {
  std::string conversation_id;
  std::string sender_id;
  long long count = 0;
  long long first_seq = 0;
};

std::vector<OwnMessages> GroupBySender(std::span<const spi::MessageRecord> messages) {
  std::map<std::pair<std::string_view, std::string_view>, OwnMessages> groups;
  for (const spi::MessageRecord& record : messages) {
    const Message& m = record.message;
    OwnMessages& group = groups[{m.conversation_id, m.sender_id}];
    if (group.count == 0) {
      group.conversation_id = m.conversation_id;
      group.sender_id = m.sender_id;
      group.first_seq = m.seq;
    }
    ++group.count;
    group.first_seq = std::min<long long>(group.first_seq, m.seq);
  }
  std::vector<OwnMessages> out;
  out.reserve(groups.size());
  for (auto& [key, group] : groups) out.push_back(std::move(group));
  return out;
}

// Keeps chat_read_marks.own_after_read (migration 24) counting each sender's own messages after
// their read mark, in the transaction that writes the messages: a sender's row is created (marks
// at 0) or its count raised by the batch's messages. A read mark at or past one of the new
// numbers (possible through this interface, never through Chat, which marks only messages that
// exist) counts the sender's messages after the mark again instead, the batch's included.
void CountOwnMessages(TransactionContext& context, std::span<const spi::MessageRecord> messages) {
  static constexpr std::string_view kRecount =
      "(SELECT COUNT(*) FROM chat_messages m WHERE m.conversation_id ="
      " chat_read_marks.conversation_id AND m.sender_id = chat_read_marks.user_id"
      " AND m.seq > chat_read_marks.read_seq)";
  const std::vector<OwnMessages> groups = GroupBySender(messages);
  if (context.dialect() == Dialect::kSqlite) {
    static const std::string kUpsert =
        "INSERT INTO chat_read_marks (conversation_id, user_id, read_seq, delivered_seq,"
        " updated_at, pos, own_after_read) VALUES (?, ?, 0, 0, 0, 0, ?)"
        " ON CONFLICT (conversation_id, user_id) DO UPDATE SET own_after_read ="
        " CASE WHEN ? > chat_read_marks.read_seq"
        " THEN chat_read_marks.own_after_read + excluded.own_after_read ELSE " +
        std::string(kRecount) + " END";
    SqliteStatement upsert = context.statements().Sqlite(kUpsert);
    for (const OwnMessages& group : groups) {
      upsert.Bind(group.conversation_id)
          .Bind(group.sender_id)
          .Bind(group.count)
          .Bind(group.first_seq)
          .Run();
    }
    return;
  }
  // PostgreSQL: the rows that are missing, then every row's count, one statement each.
  static const std::string kCreate =
      "INSERT INTO chat_read_marks (conversation_id, user_id, read_seq, delivered_seq,"
      " updated_at, pos, own_after_read) SELECT c, u, 0, 0, 0, 0, 0"
      " FROM unnest($1::text[], $2::text[]) AS t(c, u) ON CONFLICT DO NOTHING";
  static const std::string kRaise =
      "UPDATE chat_read_marks SET own_after_read = CASE WHEN t.first_seq >"
      " chat_read_marks.read_seq THEN chat_read_marks.own_after_read + t.n ELSE " +
      std::string(kRecount) +
      " END FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])"
      " AS t(c, u, n, first_seq)"
      " WHERE chat_read_marks.conversation_id = t.c AND chat_read_marks.user_id = t.u";
  PgArray conversations, senders, counts, firsts;
  for (const OwnMessages& group : groups) {
    conversations.Add(group.conversation_id);
    senders.Add(group.sender_id);
    counts.Add(group.count);
    firsts.Add(group.first_seq);
  }
  std::vector<std::string> parameters = {conversations.Finish(), senders.Finish()};
  context.statements().Postgres(kCreate, parameters);
  parameters.push_back(counts.Finish());
  parameters.push_back(firsts.Finish());
  context.statements().Postgres(kRaise, parameters);
}

}  // namespace

// The commit path: prepared once per connection (native_statements.h); SQLite steps one row at a
// time, PostgreSQL inserts the whole batch from arrays in one round trip.
Status SociChatStore::InsertMessages(std::span<const spi::MessageRecord> messages) {
  return context_.Call(
      Access::kWrite, "InsertMessages",
      [&]() -> Status {
        if (messages.empty()) return Status::Ok();
        static const std::string kInsertColumns =
            "INSERT INTO chat_messages (" + std::string(kMessageColumns) + ") ";
        if (context_.dialect() == Dialect::kSqlite) {
          static const std::string kInsert =
              kInsertColumns + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
          SqliteStatement insert = context_.statements().Sqlite(kInsert);
          for (const spi::MessageRecord& record : messages) {
            const Message& m = record.message;
            const MessageImage image = m.image.value_or(MessageImage{});
            insert.Bind(m.id)
                .Bind(m.conversation_id)
                .Bind(static_cast<long long>(m.seq))
                .Bind(m.sender_id)
                .Bind(MessageKindName(m.kind))
                .Bind(m.text)
                .Bind(m.reply_to_id)
                .Bind(m.idempotency_key)
                .Bind(record.request_key)
                .Bind(static_cast<long long>(ToMicros(m.created_at)))
                .Bind(image.key)
                .Bind(image.content_type)
                .Bind(static_cast<long long>(image.size_bytes))
                .Bind(image.sha256)
                .Bind(static_cast<long long>(m.pos))
                .Run();
          }
          CountOwnMessages(context_, messages);
          return Status::Ok();
        }
        static const std::string kInsert =
            kInsertColumns +
            "SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], "
            "$6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::text[], $12::text[], "
            "$13::bigint[], $14::text[], $15::bigint[])";
        PgArray columns[15];
        for (const spi::MessageRecord& record : messages) {
          const Message& m = record.message;
          const MessageImage image = m.image.value_or(MessageImage{});
          columns[0].Add(m.id);
          columns[1].Add(m.conversation_id);
          columns[2].Add(static_cast<long long>(m.seq));
          columns[3].Add(m.sender_id);
          columns[4].Add(MessageKindName(m.kind));
          columns[5].Add(m.text);
          columns[6].Add(m.reply_to_id);
          columns[7].Add(m.idempotency_key);
          columns[8].Add(record.request_key);
          columns[9].Add(static_cast<long long>(ToMicros(m.created_at)));
          columns[10].Add(image.key);
          columns[11].Add(image.content_type);
          columns[12].Add(static_cast<long long>(image.size_bytes));
          columns[13].Add(image.sha256);
          columns[14].Add(static_cast<long long>(m.pos));
        }
        std::vector<std::string> parameters;
        for (PgArray& column : columns) parameters.push_back(column.Finish());
        context_.statements().Postgres(kInsert, parameters);
        CountOwnMessages(context_, messages);
        return Status::Ok();
      },
      {.unique = AlreadyExists("message_exists",
                               "a message with this id, key or sequence number exists")});
}

Result<std::vector<spi::MessageRecord>> SociChatStore::FindMessages(
    std::span<const std::string> ids) {
  return context_.Call(Access::kRead, "FindMessages", [&] {
    return SelectMessagesIn(context_, "id", ids);
  });
}

Result<std::vector<spi::MessageRecord>> SociChatStore::FindMessagesByRequestKey(
    std::span<const std::string> keys) {
  return context_.Call(Access::kRead, "FindMessagesByRequestKey", [&] {
    return SelectMessagesIn(context_, "request_key", keys);
  });
}

Result<std::vector<Message>> SociChatStore::ListMessagesBefore(
    std::string_view conversation_id, std::optional<std::int64_t> before_seq, int limit) {
  return context_.Call(Access::kRead, "ListMessagesBefore", [&]() -> Result<std::vector<Message>> {
    Params p(context_.dialect());
    std::string query = "SELECT " + std::string(kMessageColumns) +
                        " FROM chat_messages WHERE conversation_id = " + p.Add(conversation_id);
    if (before_seq) query += " AND seq < " + p.Add(static_cast<long long>(*before_seq));
    query += " ORDER BY seq DESC LIMIT " + p.Add(static_cast<long long>(limit));
    std::vector<spi::MessageRecord> records;
    const Status read = SelectInto<MessageRow>(context_, query, p, records);
    if (!read.ok()) return read;
    return MessagesOf(std::move(records));
  });
}

Result<std::vector<Message>> SociChatStore::ListMessagesAfter(std::string_view conversation_id,
                                                              std::int64_t after_seq, int limit) {
  return context_.Call(Access::kRead, "ListMessagesAfter", [&]() -> Result<std::vector<Message>> {
    Params p(context_.dialect());
    std::string query = "SELECT " + std::string(kMessageColumns) +
                        " FROM chat_messages WHERE conversation_id = " + p.Add(conversation_id);
    query += " AND seq > " + p.Add(static_cast<long long>(after_seq));
    query += " ORDER BY seq LIMIT " + p.Add(static_cast<long long>(limit));
    std::vector<spi::MessageRecord> records;
    const Status read = SelectInto<MessageRow>(context_, query, p, records);
    if (!read.ok()) return read;
    return MessagesOf(std::move(records));
  });
}

Result<std::vector<Message>> SociChatStore::ListLastMessages(std::span<const std::string> ids) {
  return context_.Call(Access::kRead, "ListLastMessages", [&]() -> Result<std::vector<Message>> {
    std::vector<spi::MessageRecord> records;
    std::vector<std::string> distinct;
    for (std::string_view id : DistinctSorted(ids)) distinct.emplace_back(id);
    const Status read = ForChunks(std::span<const std::string>(distinct),
                                  [&](std::span<const std::string> chunk) -> Status {
      Params p(context_.dialect());
      // Each conversation's newest number is the last entry of the (conversation_id, seq) index
      // (a MAX per id of a VALUES list, as in LastSequences), and its message one probe of the
      // same index. `seq = (SELECT MAX(seq) ... = m.conversation_id)` evaluated the MAX for
      // every message of the conversations on both databases: 16.7 ms a conversation of a few
      // thousand messages on PostgreSQL, 46 ms for two of 6,500 on SQLite.
      const std::string query =
          "SELECT " + std::string(kMessageColumns) +
          " FROM (SELECT ids.column1 AS cid, (SELECT MAX(l.seq) FROM chat_messages l"
          " WHERE l.conversation_id = ids.column1) AS last FROM (VALUES " +
          ValuesRows(p, chunk) +
          ") AS ids) x JOIN chat_messages m ON m.conversation_id = x.cid AND m.seq = x.last";
      return SelectInto<MessageRow>(context_, query, p, records);
    });
    if (!read.ok()) return read;
    return MessagesOf(std::move(records));
  });
}

// One upsert that only ever raises each mark (CASE rather than GREATEST/MAX: the two databases
// spell the scalar maximum differently), then the row as it is now.
Result<spi::ReadMark> SociChatStore::AdvanceMarks(std::string_view conversation_id,
                                                  std::string_view user_id, std::int64_t read_seq,
                                                  std::int64_t delivered_seq, Timestamp at,
                                                  std::int64_t pos) {
  return context_.Call(Access::kWrite, "AdvanceMarks", [&]() -> Result<spi::ReadMark> {
    std::string conversation(conversation_id);
    std::string user(user_id);
    // The row as it was, locked (PostgreSQL; SQLite has one writer): the own count below starts
    // from it.
    long long old_read = 0, old_own = 0;
    const Executed before =
        Execute(context_.sql(),
                "SELECT read_seq, own_after_read FROM chat_read_marks WHERE conversation_id ="
                " :conversation AND user_id = :user" +
                    std::string(context_.LockClause(spi::LockMode::kForUpdate)),
                soci::into(old_read), soci::into(old_own), soci::use(conversation),
                soci::use(user));
    long long read = read_seq;
    long long delivered = std::max(delivered_seq, read_seq);
    long long stamp = ToMicros(at);
    long long position = pos;
    Execute(context_.sql(),
            "INSERT INTO chat_read_marks (conversation_id, user_id, read_seq, delivered_seq,"
            " updated_at, pos) VALUES (:conversation, :user, :read_seq, :delivered_seq, :at, :pos)"
            " ON CONFLICT (conversation_id, user_id) DO UPDATE SET"
            " read_seq = CASE WHEN excluded.read_seq > chat_read_marks.read_seq"
            " THEN excluded.read_seq ELSE chat_read_marks.read_seq END,"
            " delivered_seq = CASE WHEN excluded.delivered_seq > chat_read_marks.delivered_seq"
            " THEN excluded.delivered_seq ELSE chat_read_marks.delivered_seq END,"
            " updated_at = CASE WHEN excluded.read_seq > chat_read_marks.read_seq"
            " OR excluded.delivered_seq > chat_read_marks.delivered_seq"
            " THEN excluded.updated_at ELSE chat_read_marks.updated_at END,"
            " pos = CASE WHEN excluded.read_seq > chat_read_marks.read_seq"
            " OR excluded.delivered_seq > chat_read_marks.delivered_seq"
            " THEN excluded.pos ELSE chat_read_marks.pos END",
            soci::use(conversation), soci::use(user), soci::use(read), soci::use(delivered),
            soci::use(stamp), soci::use(position));
    if (before.got_row && read > old_read) {
      // The member's own messages after the moved read mark (migration 24), counted on the
      // shorter side of it: those the move passed, taken off the count, or those still after
      // the new mark, counted afresh (a range of the (conversation_id, seq) index either way,
      // empty when the member read to the end). The row is locked, so a batch of messages
      // waits for this count. Without a row the member has sent nothing here: the count is 0.
      long long newest = 0;
      Execute(context_.sql(),
              "SELECT COALESCE(MAX(seq), 0) FROM chat_messages WHERE conversation_id ="
              " :conversation",
              soci::into(newest), soci::use(conversation));
      long long own = 0;
      if (read - old_read <= newest - read) {
        Execute(context_.sql(),
                "SELECT COUNT(*) FROM chat_messages WHERE conversation_id = :conversation"
                " AND sender_id = :user AND seq > :old_read AND seq <= :read",
                soci::into(own), soci::use(conversation), soci::use(user), soci::use(old_read),
                soci::use(read));
        own = old_own - own;
      } else {
        Execute(context_.sql(),
                "SELECT COUNT(*) FROM chat_messages WHERE conversation_id = :conversation"
                " AND sender_id = :user AND seq > :read",
                soci::into(own), soci::use(conversation), soci::use(user), soci::use(read));
      }
      Execute(context_.sql(),
              "UPDATE chat_read_marks SET own_after_read = :own"
              " WHERE conversation_id = :conversation AND user_id = :user",
              soci::use(own), soci::use(conversation), soci::use(user));
    }
    return FindMarks(conversation_id, user_id);
  });
}

Result<spi::ReadMark> SociChatStore::FindMarks(std::string_view conversation_id,
                                               std::string_view user_id) {
  return context_.Call(Access::kRead, "FindMarks", [&]() -> Result<spi::ReadMark> {
    Params p(context_.dialect());
    std::string tail = " WHERE conversation_id = " + p.Add(conversation_id);
    tail += " AND user_id = " + p.Add(user_id);
    EV_ASSIGN_OR_RETURN(auto found, SelectMarks(context_, tail, p));
    if (!found.empty()) return found.front();
    spi::ReadMark none;
    none.conversation_id = std::string(conversation_id);
    none.user_id = std::string(user_id);
    none.updated_at = FromMicros(0);
    return none;
  });
}

Result<std::vector<spi::ReadMark>> SociChatStore::ListMarks(std::string_view conversation_id) {
  return context_.Call(Access::kRead, "ListMarks", [&]() -> Result<std::vector<spi::ReadMark>> {
    Params p(context_.dialect());
    return SelectMarks(context_,
                       " WHERE conversation_id = " + p.Add(conversation_id) +
                           " AND (read_seq > 0 OR delivered_seq > 0) ORDER BY user_id",
                       p);
  });
}

Result<std::int64_t> SociChatStore::CountUnread(std::string_view conversation_id,
                                                std::string_view user_id,
                                                std::int64_t after_seq) {
  return CountUnreadThrough(conversation_id, user_id, after_seq,
                            std::numeric_limits<std::int64_t>::max());
}

// A conversation's sequence numbers have no gaps (the applier numbers them), so the messages in
// (after, through] are the newest number up to `through` less `after`, one probe of the
// (conversation_id, seq) index. The user's own among them: when `after` is the user's read mark
// (what every caller passes), the row's count of own messages after the mark (migration 24) less
// those after `through`, a range of the same index above `through` (empty when it is the newest);
// otherwise the own messages in (after, through], counted along that range. One statement reads
// the newest number, the mark and both counts, so they agree with each other.
Result<std::int64_t> SociChatStore::CountUnreadThrough(std::string_view conversation_id,
                                                       std::string_view user_id,
                                                       std::int64_t after_seq,
                                                       std::int64_t through_seq) {
  return context_.Call(Access::kRead, "CountUnread", [&]() -> Result<std::int64_t> {
    Params p(context_.dialect());  // placeholders bind by position: each value where it is used
    const long long through = through_seq;
    std::string query =
        "SELECT COALESCE((SELECT MAX(seq) FROM chat_messages WHERE conversation_id = " +
        p.Add(conversation_id);
    query += " AND seq <= " + p.Add(through) + "), 0)";
    for (const char* column : {"read_seq", "own_after_read"}) {
      query += std::string(", COALESCE((SELECT ") + column +
               " FROM chat_read_marks WHERE conversation_id = " + p.Add(conversation_id);
      query += " AND user_id = " + p.Add(user_id) + "), 0)";
    }
    query += ", (SELECT COUNT(*) FROM chat_messages WHERE conversation_id = " +
             p.Add(conversation_id);
    query += " AND sender_id = " + p.Add(user_id);
    query += " AND seq > " + p.Add(through) + ")";
    long long newest = 0, read_seq = 0, own_after_read = 0, own_after_through = 0;
    ForEachRow(
        context_.sql(), query,
        [&](soci::statement& statement) {
          statement.exchange(soci::into(newest));
          statement.exchange(soci::into(read_seq));
          statement.exchange(soci::into(own_after_read));
          statement.exchange(soci::into(own_after_through));
          p.Bind(statement);
        },
        [] {});
    if (newest <= after_seq) return 0;
    if (after_seq == read_seq) return newest - after_seq - (own_after_read - own_after_through);
    std::string conversation(conversation_id);
    std::string user(user_id);
    long long after = after_seq;
    long long own_between = 0;
    Execute(context_.sql(),
            "SELECT COUNT(*) FROM chat_messages WHERE conversation_id = :conversation"
            " AND sender_id = :user AND seq > :after AND seq <= :through",
            soci::into(own_between), soci::use(conversation), soci::use(user), soci::use(after),
            soci::use(through));
    return newest - after_seq - own_between;
  });
}

// The user's conversations (MyConversationIds), each one's newest sequence number less the read
// mark and the user's own messages after it (the row's own_after_read, migration 24).
Result<std::vector<std::pair<std::string, std::int64_t>>> SociChatStore::CountUnreadByConversation(
    std::string_view user_id) {
  using Pairs = std::vector<std::pair<std::string, std::int64_t>>;
  return context_.Call(Access::kRead, "CountUnreadByConversation", [&]() -> Result<Pairs> {
    Params p(context_.dialect());
    std::string query =
        "SELECT id, unread FROM (SELECT x.id AS id, x.last_seq - x.read_seq - x.own AS unread"
        " FROM (SELECT mine.id AS id,"
        " COALESCE((SELECT MAX(seq) FROM chat_messages WHERE conversation_id = mine.id), 0)"
        " AS last_seq, COALESCE(r.read_seq, 0) AS read_seq, COALESCE(r.own_after_read, 0) AS own"
        " FROM (" +
        MyConversationIds(p, user_id, context_.dialect()) + ") mine";
    query += " LEFT JOIN chat_read_marks r ON r.conversation_id = mine.id AND r.user_id = " +
             p.Add(user_id);
    query += ") x) counted WHERE unread > 0 ORDER BY id";
    Pairs out;
    std::string id;
    long long count = 0;
    ForEachRow(
        context_.sql(), query,
        [&](soci::statement& statement) {
          statement.exchange(soci::into(id));
          statement.exchange(soci::into(count));
          p.Bind(statement);
        },
        [&] { out.emplace_back(id, count); });
    return out;
  });
}

// CountUnreadByConversation for a chunk of users at once: the (conversation, member) pairs of
// the chunk, each counted as there, summed per member.
Result<std::vector<std::int64_t>> SociChatStore::CountUnreadTotals(
    std::span<const std::string> user_ids) {
  using Totals = std::vector<std::int64_t>;
  return context_.Call(Access::kRead, "CountUnreadTotals", [&]() -> Result<Totals> {
    std::unordered_map<std::string, std::int64_t> total_of;
    const Status read = ForChunks(user_ids, [&](std::span<const std::string> chunk) -> Status {
      Params p(context_.dialect());
      auto in_list = [&] {
        std::string list;
        for (const std::string& user : chunk) list += (list.empty() ? "" : ", ") + p.Add(user);
        return list;
      };
      std::string query =
          "SELECT user_id, CAST(SUM(unread) AS BIGINT) FROM (SELECT x.user_id AS user_id,"
          " x.last_seq - x.read_seq - x.own AS unread FROM (SELECT mine.id AS id,"
          " mine.user_id AS user_id,"
          " COALESCE((SELECT MAX(seq) FROM chat_messages WHERE conversation_id = mine.id), 0)"
          " AS last_seq, COALESCE(r.read_seq, 0) AS read_seq,"
          " COALESCE(r.own_after_read, 0) AS own FROM ("
          "SELECT id, user_a AS user_id FROM chat_conversations WHERE user_a IN (" +
          in_list() + ")";
      query += " UNION SELECT id, user_b FROM chat_conversations WHERE user_b IN (" + in_list() +
               ")";
      query +=
          " UNION SELECT c.id, b.user_id FROM bookings b JOIN chat_conversations c"
          " ON c.event_id = b.event_id AND c.kind = 'event_room' WHERE b.user_id IN (" +
          in_list() + ") AND b.status = 'confirmed') mine";
      query +=
          " LEFT JOIN chat_read_marks r ON r.conversation_id = mine.id"
          " AND r.user_id = mine.user_id) x) counted WHERE unread > 0 GROUP BY user_id";
      std::string user;
      long long total = 0;
      ForEachRow(
          context_.sql(), query,
          [&](soci::statement& statement) {
            statement.exchange(soci::into(user));
            statement.exchange(soci::into(total));
            p.Bind(statement);
          },
          [&] { total_of[user] = total; });
      return Status::Ok();
    });
    if (!read.ok()) return read;
    Totals out;
    out.reserve(user_ids.size());
    for (const std::string& user : user_ids) {
      auto found = total_of.find(user);
      out.push_back(found == total_of.end() ? 0 : found->second);
    }
    return out;
  });
}

// The counter's row is locked by the UPDATE until the transaction ends (docs/chat.md).
Result<std::int64_t> SociChatStore::TakePositions(std::int64_t count) {
  return context_.Call(Access::kWrite, "TakePositions", [&]() -> Result<std::int64_t> {
    if (count < 1) return Internal("TakePositions needs a count of at least 1");
    long long taken = count;
    long long newest = 0;
    Execute(context_.sql(), "UPDATE chat_stream SET pos = pos + :count WHERE id = 1",
            soci::use(taken));
    const Executed row =
        Execute(context_.sql(), "SELECT pos FROM chat_stream WHERE id = 1", soci::into(newest));
    if (!row.got_row) return BadRow("chat_stream");
    return newest - taken + 1;
  });
}

Result<std::int64_t> SociChatStore::StreamPosition() {
  return context_.Call(Access::kRead, "StreamPosition", [&]() -> Result<std::int64_t> {
    long long newest = 0;
    const Executed row =
        Execute(context_.sql(), "SELECT pos FROM chat_stream WHERE id = 1", soci::into(newest));
    if (!row.got_row) return BadRow("chat_stream");
    return newest;
  });
}

Result<std::vector<Message>> SociChatStore::ListStreamMessages(std::string_view user_id,
                                                               std::int64_t after_pos, int limit) {
  return context_.Call(Access::kRead, "ListStreamMessages", [&]() -> Result<std::vector<Message>> {
    // Per conversation of the user, `low` is the seq of its newest message at or below the
    // position that the partial index of migration 25 holds (0 when none); the messages above
    // the position are among those after `low`, read through the (conversation_id, seq) index.
    Params p(context_.dialect());
    const long long after = after_pos;
    // One statement per `+=`: placeholders bind in the order they are added.
    std::string query = "SELECT " + std::string(kMessageColumns) +
                        " FROM (SELECT o.id AS cid, COALESCE((SELECT k.seq FROM chat_messages k"
                        " WHERE k.conversation_id = o.id AND k." +
                        std::string(kChatPosMarkPredicate) + " AND k.pos <= ";
    query += p.Add(after);
    query += " ORDER BY k.pos DESC LIMIT 1), 0) AS low FROM chat_conversations o WHERE o.id IN (";
    query += MyConversationIds(p, user_id, context_.dialect()) + ")) lo";
    query += " JOIN chat_messages m ON m.conversation_id = lo.cid AND m.seq > lo.low";
    query += " WHERE m.pos > " + p.Add(after);
    query += " AND m.sender_id <> " + p.Add(user_id);
    query += " ORDER BY m.pos LIMIT " + p.Add(static_cast<long long>(limit));
    std::vector<spi::MessageRecord> records;
    const Status read = SelectInto<MessageRow>(context_, query, p, records);
    if (!read.ok()) return read;
    return MessagesOf(std::move(records));
  });
}

Result<std::vector<spi::ReadMark>> SociChatStore::ListStreamMarks(std::string_view user_id,
                                                                 std::int64_t after_pos,
                                                                 int limit) {
  return context_.Call(Access::kRead, "ListStreamMarks", [&]() -> Result<std::vector<spi::ReadMark>> {
    Params p(context_.dialect());
    std::string tail =
        " WHERE conversation_id IN (" + MyConversationIds(p, user_id, context_.dialect()) + ")";
    tail += " AND pos > " + p.Add(static_cast<long long>(after_pos));
    tail += " AND user_id <> " + p.Add(user_id);
    tail += " ORDER BY pos LIMIT " + p.Add(static_cast<long long>(limit));
    return SelectMarks(context_, tail, p);
  });
}

// The user's conversations as CountUnreadByConversation finds them; each one's newest sequence
// number and its creation time through the (conversation_id, seq) index (MAX and ORDER BY seq
// DESC LIMIT 1 read one index entry), then the page by (activity_at, id) descending.
Result<std::vector<spi::ConversationActivity>> SociChatStore::ListConversationsOf(
    std::string_view user_id, const std::optional<spi::ActivityPosition>& after, int limit) {
  using Rows = std::vector<spi::ConversationActivity>;
  return context_.Call(Access::kRead, "ListConversationsOf", [&]() -> Result<Rows> {
    Params p(context_.dialect());
    std::string query =
        "SELECT c.id, c.kind, c.conversation_key, c.event_id, c.user_a, c.user_b, c.created_at,"
        " x.last_seq, x.activity_at, COALESCE(r.read_seq, 0), COALESCE(r.delivered_seq, 0)"
        " FROM (SELECT o.id AS id,"
        " COALESCE((SELECT MAX(seq) FROM chat_messages WHERE conversation_id = o.id), 0)"
        " AS last_seq,"
        " COALESCE((SELECT created_at FROM chat_messages WHERE conversation_id = o.id"
        " ORDER BY seq DESC LIMIT 1), o.created_at) AS activity_at"
        " FROM chat_conversations o WHERE o.id IN (" +
        MyConversationIds(p, user_id, context_.dialect()) +
        ")) x JOIN chat_conversations c ON c.id = x.id";
    query +=
        " LEFT JOIN chat_read_marks r ON r.conversation_id = c.id AND r.user_id = " +
        p.Add(user_id);
    if (after) {
      const long long at = ToMicros(after->activity_at);
      query += " WHERE (x.activity_at < " + p.Add(at);
      query += " OR (x.activity_at = " + p.Add(at);
      query += " AND c.id < " + p.Add(after->id) + "))";
    }
    query += " ORDER BY x.activity_at DESC, c.id DESC LIMIT " +
             p.Add(static_cast<long long>(limit));
    Rows out;
    const Status read = SelectInto<ActivityRow>(context_, query, p, out);
    if (!read.ok()) return read;
    return out;
  });
}

Result<std::vector<std::string>> SociChatStore::ListContacts(std::string_view user_id) {
  using Ids = std::vector<std::string>;
  return context_.Call(Access::kRead, "ListContacts", [&]() -> Result<Ids> {
    Params p(context_.dialect());
    // The events whose rooms the user is a member of: as the organizer, or through a confirmed
    // booking. Written twice (once per use) so that each placeholder is bound once.
    auto my_room_events = [&] {
      std::string rooms =
          "SELECT event_id FROM chat_conversations WHERE kind = 'event_room' AND user_a = " +
          p.Add(user_id);
      rooms +=
          " UNION SELECT c.event_id FROM bookings b JOIN chat_conversations c"
          " ON c.event_id = b.event_id AND c.kind = 'event_room' WHERE b.status = 'confirmed'"
          " AND b.user_id = " +
          p.Add(user_id);
      return rooms;
    };
    std::string query = "SELECT DISTINCT contact FROM (";
    query +=
        "SELECT user_b AS contact FROM chat_conversations WHERE kind = 'direct' AND user_a = " +
        p.Add(user_id);
    query += " UNION SELECT user_a FROM chat_conversations WHERE kind = 'direct' AND user_b = " +
             p.Add(user_id);
    query += " UNION SELECT user_a FROM chat_conversations WHERE kind = 'event_room'"
             " AND event_id IN (" + my_room_events() + ")";
    query += " UNION SELECT user_id FROM bookings WHERE status = 'confirmed' AND event_id IN (" +
             my_room_events() + ")";
    query += ") contacts WHERE contact <> " + p.Add(user_id) + " ORDER BY contact";
    Ids out;
    std::string id;
    ForEachRow(
        context_.sql(), query,
        [&](soci::statement& statement) {
          statement.exchange(soci::into(id));
          p.Bind(statement);
        },
        [&] { out.push_back(id); });
    return out;
  });
}

}  // namespace eventify::storage
