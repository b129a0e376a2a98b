#include "storage/soci/job_store.h"

#include <soci/soci.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <tuple>

#include "core/status_macros.h"
#include "storage/soci/native_statements.h"
#include "storage/soci/row_queries.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

Status JobNotFound() { return NotFound("job_not_found", "no such job"); }

// The columns of the jobs table a new job fills (the payload lives in job_payloads, written once:
// migration 16), and the SELECT of a whole job that JobRow::BindInto reads.
constexpr std::string_view kJobColumns =
    "id, kind, status, run_at, attempts, max_attempts, last_error, locked_by, locked_until, "
    "created_at, updated_at";
constexpr std::string_view kSelectJobs =
    "SELECT j.id, j.kind, p.payload, j.status, j.run_at, j.attempts, j.max_attempts, "
    "j.last_error, j.locked_by, j.locked_until, j.created_at, j.updated_at FROM jobs j JOIN "
    "job_payloads p ON p.job_id = j.id";

// One job as bound for kSelectJobs and for the writes; statuses are stored by
// their public names (JobStatusName), which the CHECK constraint of the table lists.
struct JobRow {
  Job job;
  std::string status;
  long long run_at = 0;
  long long locked_until = 0;
  soci::indicator locked_until_indicator = soci::i_null;
  long long created_at = 0;
  long long updated_at = 0;

  static JobRow From(const Job& job) {
    JobRow row;
    row.job = job;
    row.status = std::string(JobStatusName(job.status));
    row.run_at = ToMicros(job.run_at);
    if (job.locked_until) {
      row.locked_until = ToMicros(*job.locked_until);
      row.locked_until_indicator = soci::i_ok;
    }
    row.created_at = ToMicros(job.created_at);
    row.updated_at = ToMicros(job.updated_at);
    return row;
  }

  void BindInto(soci::statement& statement) {
    statement.exchange(soci::into(job.id));
    statement.exchange(soci::into(job.kind));
    statement.exchange(soci::into(job.payload));
    statement.exchange(soci::into(status));
    statement.exchange(soci::into(run_at));
    statement.exchange(soci::into(job.attempts));
    statement.exchange(soci::into(job.max_attempts));
    statement.exchange(soci::into(job.last_error));
    statement.exchange(soci::into(job.locked_by));
    statement.exchange(soci::into(locked_until, locked_until_indicator));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(updated_at));
  }

  // The job just fetched into the row.
  Result<Job> Get() const {
    Job out = job;
    Result<JobStatus> parsed = ParseJobStatus(status);
    if (!parsed.ok()) return Internal("a jobs row holds an unknown status");
    out.status = *parsed;
    out.run_at = FromMicros(run_at);
    out.locked_until.reset();
    if (locked_until_indicator == soci::i_ok) out.locked_until = FromMicros(locked_until);
    out.created_at = FromMicros(created_at);
    out.updated_at = FromMicros(updated_at);
    return out;
  }
};

// Runs a kSelectJobs query and collects its rows; `bind_uses` exchanges the use() elements.
template <typename BindUses>
Result<std::vector<Job>> SelectJobs(TransactionContext& context, const std::string& query,
                                    BindUses&& bind_uses) {
  std::vector<Job> jobs;
  JobRow row;
  Status failed;
  ForEachRow(
      context.sql(), query,
      [&](soci::statement& statement) {
        row.BindInto(statement);
        bind_uses(statement);
      },
      [&] {
        Result<Job> job = row.Get();
        if (job.ok()) {
          jobs.push_back(std::move(job).value());
        } else {
          failed = job.status();
        }
      });
  if (!failed.ok()) return failed;
  return jobs;
}

}  // namespace

Status SociJobStore::InsertJob(const Job& job, std::string_view unique_key) {
  return context_.Call(Access::kWrite, "InsertJob", [&]() -> Status {
    JobRow row = JobRow::From(job);
    std::string key(unique_key);
    soci::indicator key_indicator = key.empty() ? soci::i_null : soci::i_ok;
    // ON CONFLICT DO NOTHING reports a taken id or key without aborting the transaction.
    const Executed inserted = Execute(
        context_.sql(),
        "INSERT INTO jobs (" + std::string(kJobColumns) +
            ", unique_key) VALUES (:id, :kind, :status, :run_at, :attempts, :max_attempts, "
            ":last_error, :locked_by, :locked_until, :created_at, :updated_at, :unique_key) "
            "ON CONFLICT DO NOTHING",
        soci::use(row.job.id), soci::use(row.job.kind), soci::use(row.status),
        soci::use(row.run_at), soci::use(row.job.attempts), soci::use(row.job.max_attempts),
        soci::use(row.job.last_error), soci::use(row.job.locked_by),
        soci::use(row.locked_until, row.locked_until_indicator), soci::use(row.created_at),
        soci::use(row.updated_at), soci::use(key, key_indicator));
    if (inserted.affected_rows == 1) {
      Execute(context_.sql(), "INSERT INTO job_payloads (job_id, payload) VALUES (:id, :payload)",
              soci::use(row.job.id), soci::use(row.job.payload));
    }
    if (inserted.affected_rows == 1) return Status::Ok();
    return AlreadyExists("job_exists", "a job with this id or unique key already exists");
  });
}

Status SociJobStore::InsertJobs(std::span<const Job> jobs) {
  // The commit path's write (the mails of a batch of bookings): a statement kept prepared on the
  // connection (native_statements.h), stepped once per job on SQLite; on PostgreSQL the jobs
  // travel as arrays, one round trip. A taken id shows as a short row count (ON CONFLICT).
  return context_.Call(Access::kWrite, "InsertJobs", [&]() -> Status {
    if (jobs.empty()) return Status::Ok();
    long long inserted = 0;
    if (context_.dialect() == Dialect::kSqlite) {
      static const std::string kInsert =
          "INSERT INTO jobs (" + std::string(kJobColumns) +
          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
      static const std::string kInsertPayload =
          "INSERT INTO job_payloads (job_id, payload) VALUES (?, ?) ON CONFLICT DO NOTHING";
      SqliteStatement insert = context_.statements().Sqlite(kInsert);
      SqliteStatement insert_payload = context_.statements().Sqlite(kInsertPayload);
      for (const Job& job : jobs) {
        insert_payload.Bind(job.id).Bind(job.payload).Run();
        insert.Bind(job.id)
            .Bind(job.kind)
            .Bind(JobStatusName(job.status))
            .Bind(static_cast<long long>(ToMicros(job.run_at)))
            .Bind(static_cast<long long>(job.attempts))
            .Bind(static_cast<long long>(job.max_attempts))
            .Bind(job.last_error)
            .Bind(job.locked_by)
            .Bind(MicrosOf(job.locked_until))
            .Bind(static_cast<long long>(ToMicros(job.created_at)))
            .Bind(static_cast<long long>(ToMicros(job.updated_at)));
        inserted += insert.Run();
      }
    } else {
      static const std::string kInsert =
          "INSERT INTO jobs (" + std::string(kJobColumns) +
          ") SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], "
          "$5::integer[], $6::integer[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], "
          "$11::bigint[]) ON CONFLICT DO NOTHING";
      static const std::string kInsertPayloads =
          "INSERT INTO job_payloads (job_id, payload) SELECT * FROM unnest($1::text[], "
          "$2::text[]) ON CONFLICT DO NOTHING";
      PgArray ids, kinds, payloads, statuses, run_at, attempts, max_attempts, errors, locked_by,
          until, created, updated;
      for (const Job& job : jobs) {
        ids.Add(job.id);
        kinds.Add(job.kind);
        payloads.Add(job.payload);
        statuses.Add(JobStatusName(job.status));
        run_at.Add(static_cast<long long>(ToMicros(job.run_at)));
        attempts.Add(static_cast<long long>(job.attempts));
        max_attempts.Add(static_cast<long long>(job.max_attempts));
        errors.Add(job.last_error);
        locked_by.Add(job.locked_by);
        until.Add(MicrosOf(job.locked_until));
        created.Add(static_cast<long long>(ToMicros(job.created_at)));
        updated.Add(static_cast<long long>(ToMicros(job.updated_at)));
      }
      const std::string id_list = ids.Finish();
      context_.statements().Postgres(kInsertPayloads, {id_list, payloads.Finish()});
      const PgResult result = context_.statements().Postgres(
          kInsert, {id_list, kinds.Finish(), statuses.Finish(), run_at.Finish(),
                    attempts.Finish(), max_attempts.Finish(), errors.Finish(), locked_by.Finish(),
                    until.Finish(), created.Finish(), updated.Finish()});
      inserted = result.affected_rows();
    }
    if (inserted == static_cast<long long>(jobs.size())) return Status::Ok();
    return AlreadyExists("job_exists", "a job with this id already exists");
  });
}

Result<std::vector<Job>> SociJobStore::LockDueJobs(Timestamp now, int limit) {
  // Two reads, each along its index in the order wanted, merged: queued jobs by jobs_due_idx and
  // lapsed leases by jobs_lease_idx. One query with an OR of the two made both backends collect
  // and sort every due job for each claim, which grew with the backlog.
  return context_.Call(Access::kWrite, "LockDueJobs", [&]() -> Result<std::vector<Job>> {
    long long at = ToMicros(now);
    const std::string lock =
        context_.dialect() == Dialect::kPostgresql ? " FOR UPDATE OF j SKIP LOCKED" : "";
    auto select = [&](std::string_view condition) {
      return SelectJobs(context_,
                        std::string(kSelectJobs) + " WHERE " + std::string(condition) +
                            " ORDER BY j.run_at, j.id LIMIT :limit" + lock,
                        [&](soci::statement& statement) {
                          statement.exchange(soci::use(at));
                          statement.exchange(soci::use(limit));
                        });
    };
    EV_ASSIGN_OR_RETURN(std::vector<Job> due, select("status = 'queued' AND run_at <= :at"));
    EV_ASSIGN_OR_RETURN(std::vector<Job> lapsed,
                        select("status = 'running' AND locked_until <= :at"));
    const auto by_due = [](const Job& a, const Job& b) {
      return std::tie(a.run_at, a.id) < std::tie(b.run_at, b.id);
    };
    const std::size_t queued = due.size();
    std::move(lapsed.begin(), lapsed.end(), std::back_inserter(due));
    std::inplace_merge(due.begin(), due.begin() + static_cast<std::ptrdiff_t>(queued), due.end(),
                       by_due);
    if (due.size() > static_cast<std::size_t>(limit)) due.resize(static_cast<std::size_t>(limit));
    return due;
  });
}

Result<Job> SociJobStore::FindJob(std::string_view id, spi::LockMode lock) {
  return context_.Call(Access::kRead, "FindJob", [&]() -> Result<Job> {
    std::string key(id);
    Result<std::vector<Job>> found =
        SelectJobs(context_,
                   std::string(kSelectJobs) + " WHERE j.id = :id" +
                       std::string(context_.LockClause(lock)),
                   [&](soci::statement& statement) { statement.exchange(soci::use(key)); });
    if (!found.ok()) return found.status();
    if (found->empty()) return JobNotFound();
    return std::move(found->front());
  });
}

Result<std::vector<Job>> SociJobStore::FindJobs(std::span<const std::string> ids,
                                                spi::LockMode lock) {
  return context_.Call(Access::kRead, "FindJobs", [&]() -> Result<std::vector<Job>> {
    std::vector<Job> found;
    EV_RETURN_IF_ERROR(ForChunks(ids, [&](std::span<const std::string> chunk) -> Status {
      Params p(context_.dialect());
      const std::string query = std::string(kSelectJobs) + " WHERE j.id IN " + InList(p, chunk) +
                                std::string(context_.LockClause(lock));
      EV_ASSIGN_OR_RETURN(std::vector<Job> rows,
                          SelectJobs(context_, query,
                                     [&](soci::statement& statement) { p.Bind(statement); }));
      std::move(rows.begin(), rows.end(), std::back_inserter(found));
      return Status::Ok();
    }));
    return found;
  });
}

Status SociJobStore::UpdateJob(const Job& job) {
  return context_.Call(Access::kWrite, "UpdateJob", [&]() -> Status {
    JobRow row = JobRow::From(job);
    const Executed updated = Execute(
        context_.sql(),
        "UPDATE jobs SET status = :status, run_at = :run_at, attempts = :attempts, "
        "max_attempts = :max_attempts, last_error = :last_error, locked_by = :locked_by, "
        "locked_until = :locked_until, updated_at = :updated_at WHERE id = :id",
        soci::use(row.status), soci::use(row.run_at), soci::use(row.job.attempts),
        soci::use(row.job.max_attempts), soci::use(row.job.last_error),
        soci::use(row.job.locked_by), soci::use(row.locked_until, row.locked_until_indicator),
        soci::use(row.updated_at), soci::use(row.job.id));
    if (updated.affected_rows == 0) return JobNotFound();
    return Status::Ok();
  });
}

Status SociJobStore::UpdateJobs(std::span<const Job> jobs) {
  // A worker's claim and the outcomes of its batch: a statement kept prepared on the connection,
  // stepped once per job on SQLite; one UPDATE over arrays on PostgreSQL.
  return context_.Call(Access::kWrite, "UpdateJobs", [&]() -> Status {
    if (jobs.empty()) return Status::Ok();
    long long updated = 0;
    if (context_.dialect() == Dialect::kSqlite) {
      static const std::string kUpdate =
          "UPDATE jobs SET status = ?, run_at = ?, attempts = ?, max_attempts = ?, "
          "last_error = ?, locked_by = ?, locked_until = ?, updated_at = ? WHERE id = ?";
      SqliteStatement update = context_.statements().Sqlite(kUpdate);
      for (const Job& job : jobs) {
        update.Bind(JobStatusName(job.status))
            .Bind(static_cast<long long>(ToMicros(job.run_at)))
            .Bind(static_cast<long long>(job.attempts))
            .Bind(static_cast<long long>(job.max_attempts))
            .Bind(job.last_error)
            .Bind(job.locked_by)
            .Bind(MicrosOf(job.locked_until))
            .Bind(static_cast<long long>(ToMicros(job.updated_at)))
            .Bind(job.id);
        updated += update.Run();
      }
    } else {
      static const std::string kUpdate =
          "UPDATE jobs AS j SET status = u.status, run_at = u.run_at, attempts = u.attempts, "
          "max_attempts = u.max_attempts, last_error = u.last_error, locked_by = u.locked_by, "
          "locked_until = u.locked_until, updated_at = u.updated_at FROM unnest($1::text[], "
          "$2::text[], $3::bigint[], $4::integer[], $5::integer[], $6::text[], $7::text[], "
          "$8::bigint[], $9::bigint[]) AS u(id, status, run_at, attempts, max_attempts, "
          "last_error, locked_by, locked_until, updated_at) WHERE j.id = u.id";
      PgArray ids, statuses, run_at, attempts, max_attempts, errors, locked_by, until, at;
      for (const Job& job : jobs) {
        ids.Add(job.id);
        statuses.Add(JobStatusName(job.status));
        run_at.Add(static_cast<long long>(ToMicros(job.run_at)));
        attempts.Add(static_cast<long long>(job.attempts));
        max_attempts.Add(static_cast<long long>(job.max_attempts));
        errors.Add(job.last_error);
        locked_by.Add(job.locked_by);
        until.Add(MicrosOf(job.locked_until));
        at.Add(static_cast<long long>(ToMicros(job.updated_at)));
      }
      const PgResult result = context_.statements().Postgres(
          kUpdate, {ids.Finish(), statuses.Finish(), run_at.Finish(), attempts.Finish(),
                    max_attempts.Finish(), errors.Finish(), locked_by.Finish(), until.Finish(),
                    at.Finish()});
      updated = result.affected_rows();
    }
    if (updated == static_cast<long long>(jobs.size())) return Status::Ok();
    return JobNotFound();
  });
}

Result<std::vector<Job>> SociJobStore::ListJobs(JobStatus status, std::string_view before_id,
                                                int limit) {
  return context_.Call(Access::kRead, "ListJobs", [&]() -> Result<std::vector<Job>> {
    std::string status_text(JobStatusName(status));
    std::string before(before_id);
    const std::string query =
        std::string(kSelectJobs) + " WHERE j.status = :status" +
        (before.empty() ? "" : " AND j.id < :before") + " ORDER BY j.id DESC LIMIT :limit";
    return SelectJobs(context_, query, [&](soci::statement& statement) {
      statement.exchange(soci::use(status_text));
      if (!before.empty()) statement.exchange(soci::use(before));
      statement.exchange(soci::use(limit));
    });
  });
}

Result<std::int64_t> SociJobStore::DeleteFinishedJobs(Timestamp before) {
  return context_.Call(Access::kWrite, "DeleteFinishedJobs", [&]() -> Result<std::int64_t> {
    long long at = ToMicros(before);
    long long jobs_at = at;
    Execute(context_.sql(),
            "DELETE FROM job_payloads WHERE job_id IN (SELECT id FROM jobs WHERE status IN "
            "('succeeded', 'dead') AND updated_at < :before)",
            soci::use(at));
    const Executed deleted = Execute(context_.sql(),
                                     "DELETE FROM jobs WHERE status IN ('succeeded', 'dead') "
                                     "AND updated_at < :before",
                                     soci::use(jobs_at));
    return static_cast<std::int64_t>(deleted.affected_rows);
  });
}

Result<spi::PurgedRows> SociAccountMaintenanceStore::DeleteExpired(Timestamp now) {
  return context_.Call(Access::kWrite, "DeleteExpired", [&]() -> Result<spi::PurgedRows> {
    long long at = ToMicros(now);
    long long sessions_at = at;
    spi::PurgedRows purged;
    purged.codes =
        Execute(context_.sql(), "DELETE FROM one_time_codes WHERE expires_at <= :at", soci::use(at))
            .affected_rows;
    purged.refresh_tokens =
        Execute(context_.sql(),
                "DELETE FROM refresh_tokens WHERE expires_at <= :at OR session_id IN "
                "(SELECT id FROM sessions WHERE expires_at <= :sessions_at)",
                soci::use(at), soci::use(sessions_at))
            .affected_rows;
    purged.sessions =
        Execute(context_.sql(), "DELETE FROM sessions WHERE expires_at <= :at", soci::use(at))
            .affected_rows;
    return purged;
  });
}

}  // namespace eventify::storage
